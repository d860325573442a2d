CablesiteSearch.register("t/r/tre",{"readout":["A",""],"reasons":["AE",""],"ref":["BE",""],"reftel":["I",""],"reported":["A",""]});
