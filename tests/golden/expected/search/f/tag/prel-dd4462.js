CablesiteSearch.register("f/tag/prel-dd4462","AB");
