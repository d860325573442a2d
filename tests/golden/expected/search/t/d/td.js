CablesiteSearch.register("t/d/td",{"d":["B",""]});
