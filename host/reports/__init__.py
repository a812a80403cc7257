"""HTML reports staff open in a browser: the run report (model quality) and the squad
report (weekly risk). Plots are matplotlib figures embedded in one self-contained page."""
