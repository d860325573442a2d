CablesiteSearch.register("t/d/tde",{"decl":["AE",""]});
