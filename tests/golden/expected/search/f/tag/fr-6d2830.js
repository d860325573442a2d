CablesiteSearch.register("f/tag/fr-6d2830","C");
