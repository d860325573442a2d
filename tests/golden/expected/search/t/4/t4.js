CablesiteSearch.register("t/4/t4",{"4":["AE",""]});
