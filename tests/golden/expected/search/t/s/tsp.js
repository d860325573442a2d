CablesiteSearch.register("t/s/tsp",{"spogli":["BA",""]});
