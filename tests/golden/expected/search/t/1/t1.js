CablesiteSearch.register("t/1/t1",{"1":["BAC","C"]});
