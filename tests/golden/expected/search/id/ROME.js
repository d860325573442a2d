CablesiteSearch.register("id/ROME",{"08ROME100":0,"08ROME90":1});
