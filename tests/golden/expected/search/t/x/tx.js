CablesiteSearch.register("t/x/tx",{"x":["J","C"]});
