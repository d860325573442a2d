CablesiteSearch.register("f/classification/unclassified-fb6601","B");
