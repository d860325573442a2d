CablesiteSearch.register("t/c/tcl",{"classified":["AE",""]});
