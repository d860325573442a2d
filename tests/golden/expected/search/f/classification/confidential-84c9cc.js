CablesiteSearch.register("f/classification/confidential-84c9cc","A");
