CablesiteSearch.register("t/i/tit",{"italy":["BB","AA"]});
