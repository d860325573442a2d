CablesiteSearch.register("t/f/tf",{"f":["A",""]});
