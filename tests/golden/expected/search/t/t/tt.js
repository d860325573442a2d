CablesiteSearch.register("t/t/tt",{"t":["AE",""]});
