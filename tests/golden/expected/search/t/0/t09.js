CablesiteSearch.register("t/0/t09",{"09paris5":["I",""]});
