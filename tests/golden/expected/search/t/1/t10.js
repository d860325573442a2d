CablesiteSearch.register("t/1/t10",{"100":["BE",""]});
