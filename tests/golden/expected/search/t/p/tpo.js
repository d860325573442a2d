CablesiteSearch.register("t/p/tpo",{"politics":["B","A"]});
