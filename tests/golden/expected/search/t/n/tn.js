CablesiteSearch.register("t/n/tn",{"n":["BA",""]});
