CablesiteSearch.register("t/m/tma",{"march":["A",""],"mark":["I",""],"markup":["I",""]});
