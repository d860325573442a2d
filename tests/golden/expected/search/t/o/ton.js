CablesiteSearch.register("t/o/ton",{"onerror":["J","C"]});
