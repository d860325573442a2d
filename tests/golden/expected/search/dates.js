CablesiteSearch.register("dates","XpJJpJGuJ");
