CablesiteSearch.register("t/p/tp",{"p":["A",""]});
