CablesiteSearch.register("t/0/t08",{"08rome100":["A",""],"08rome90":["E",""]});
