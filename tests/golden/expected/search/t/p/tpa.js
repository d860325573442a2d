CablesiteSearch.register("t/p/tpa",{"paris":["J",""],"parties":["F","B"],"partners":["A",""]});
