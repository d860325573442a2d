CablesiteSearch.register("f/tag/pgov-163e0c","AA");
