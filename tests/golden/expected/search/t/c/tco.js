CablesiteSearch.register("t/c/tco",{"coalition":["C","A"],"contacts":["A",""],"counterparts":["A",""]});
