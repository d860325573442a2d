CablesiteSearch.register("t/h/tho",{"holds":["I",""]});
