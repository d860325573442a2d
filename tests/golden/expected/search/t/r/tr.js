CablesiteSearch.register("t/r/tr",{"r":["I",""]});
