CablesiteSearch.register("t/s/tsr",{"src":["J","C"]});
