CablesiteSearch.register("t/b/tb",{"b":["BF",""]});
