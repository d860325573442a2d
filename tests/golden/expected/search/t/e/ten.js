CablesiteSearch.register("t/e/ten",{"end":["A",""]});
