CablesiteSearch.register("t/c/tca",{"cable":["B","A"]});
