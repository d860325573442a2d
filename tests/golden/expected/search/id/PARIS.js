CablesiteSearch.register("id/PARIS",{"09PARIS5":2});
