CablesiteSearch.register("t/s/tsu",{"subject":["AAA",""],"summary":["B",""]});
