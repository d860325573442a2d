CablesiteSearch.register("t/l/tl",{"l":["A",""]});
