CablesiteSearch.register("t/2/t2",{"2":["BF","C"]});
