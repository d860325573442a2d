CablesiteSearch.register("f/origin/embassy-paris-fb4122","C");
