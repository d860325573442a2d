CablesiteSearch.register("t/s/tsc",{"script":["K","C"]});
