CablesiteSearch.register("t/n/tnf",{"nf":["A",""]});
