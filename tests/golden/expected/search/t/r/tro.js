CablesiteSearch.register("t/r/tro",{"rome":["BBA",""],"ronald":["A",""]});
