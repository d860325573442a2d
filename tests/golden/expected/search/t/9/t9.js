CablesiteSearch.register("t/9/t9",{"9":["I",""]});
