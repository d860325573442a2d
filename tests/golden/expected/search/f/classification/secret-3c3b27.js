CablesiteSearch.register("f/classification/secret-3c3b27","C");
