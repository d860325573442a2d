CablesiteSearch.register("t/5/t5",{"5":["AF",""]});
