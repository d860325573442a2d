CablesiteSearch.register("t/s/tsi",{"sipdis":["AAA",""]});
