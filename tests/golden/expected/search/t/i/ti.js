CablesiteSearch.register("t/i/ti",{"i":["B",""]});
