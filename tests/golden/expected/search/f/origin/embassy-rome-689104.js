CablesiteSearch.register("f/origin/embassy-rome-689104","AA");
