CablesiteSearch.register("t/t/tte",{"test":["B","A"],"text":["J",""]});
