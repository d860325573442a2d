CablesiteSearch.register("t/t/tta",{"tags":["AAA",""]});
