CablesiteSearch.register("t/a/tam",{"ambassador":["A",""]});
