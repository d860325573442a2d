CablesiteSearch.register("t/s/tst",{"state":["A",""]});
