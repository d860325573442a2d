CablesiteSearch.register("t/l/tli",{"little":["A",""]});
