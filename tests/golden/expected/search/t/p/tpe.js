CablesiteSearch.register("t/p/tpe",{"pekala":["J",""]});
