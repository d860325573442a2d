CablesiteSearch.register("t/p/tpg",{"pgov":["AA",""]});
