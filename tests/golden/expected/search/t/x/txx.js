CablesiteSearch.register("t/x/txx",{"xx":["I",""],"xxxxxxxxxxxx":["A",""]});
