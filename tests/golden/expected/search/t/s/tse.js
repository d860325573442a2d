CablesiteSearch.register("t/s/tse",{"section":["A",""],"see":["I",""]});
