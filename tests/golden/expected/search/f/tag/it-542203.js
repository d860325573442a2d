CablesiteSearch.register("f/tag/it-542203","AA");
