CablesiteSearch.register("t/b/tba",{"background":["A",""]});
