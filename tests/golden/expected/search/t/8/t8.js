CablesiteSearch.register("t/8/t8",{"8":["AA",""]});
