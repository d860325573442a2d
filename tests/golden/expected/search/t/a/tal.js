CablesiteSearch.register("t/a/tal",{"alert":["K","C"]});
