CablesiteSearch.register("t/e/te",{"e":["BAB",""]});
