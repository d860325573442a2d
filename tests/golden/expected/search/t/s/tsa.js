CablesiteSearch.register("t/s/tsa",{"said":["A",""]});
