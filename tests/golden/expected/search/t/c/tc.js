CablesiteSearch.register("t/c/tc",{"c":["CE",""]});
