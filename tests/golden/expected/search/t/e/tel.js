CablesiteSearch.register("t/e/tel",{"elections":["F","B"]});
