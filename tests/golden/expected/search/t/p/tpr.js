CablesiteSearch.register("t/p/tpr",{"prel":["AE",""],"prepare":["F","B"],"preparing":["E",""]});
