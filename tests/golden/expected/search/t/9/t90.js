CablesiteSearch.register("t/9/t90",{"90":["AB",""]});
