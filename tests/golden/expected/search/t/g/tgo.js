CablesiteSearch.register("t/g/tgo",{"golden":["B","A"]});
