CablesiteSearch.register("t/s/ts",{"s":["J",""]});
