CablesiteSearch.register("t/i/tim",{"img":["J","C"]});
