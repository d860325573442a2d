CablesiteSearch.register("t/m/tmo",{"more":["A",""]});
