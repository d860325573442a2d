CablesiteSearch.register("t/m/tme",{"met":["A",""]});
