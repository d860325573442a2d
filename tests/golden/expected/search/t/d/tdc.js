CablesiteSearch.register("t/d/tdc",{"dcm":["I",""]});
