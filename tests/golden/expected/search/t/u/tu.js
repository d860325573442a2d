CablesiteSearch.register("t/u/tu",{"u":["AA",""]});
