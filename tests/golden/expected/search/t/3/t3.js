CablesiteSearch.register("t/3/t3",{"3":["BE",""]});
