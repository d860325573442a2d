CablesiteSearch.register("t/n/tno",{"noforn":["A",""]});
