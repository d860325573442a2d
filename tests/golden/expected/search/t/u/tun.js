CablesiteSearch.register("t/u/tun",{"unclas":["E",""]});
