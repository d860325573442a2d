CablesiteSearch.register("t/1/t12",{"12345":["A",""],"12958":["AAA",""]});
