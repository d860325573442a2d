CablesiteSearch.register("t/f/tfr",{"fr":["I",""],"fragile":["A",""],"france":["J","C"]});
