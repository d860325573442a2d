CablesiteSearch.register("t/2/t20",{"2018":["A",""],"2019":["I",""]});
