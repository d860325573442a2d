CablesiteSearch.register("t/o/to",{"o":["BAA",""]});
