CablesiteSearch.register("t/a/tas",{"asked":["A",""]});
