CablesiteSearch.register("t/s/tsh",{"shown":["I",""]});
