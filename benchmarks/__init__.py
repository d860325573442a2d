"""Scale benchmark: a synthetic Cablegate-sized archive (``synth``), the timing harness (``run``)
and the minimal Hugo site it is compared with (``hugo_site``)."""
