"""bpt's read side: storage wiring, SQL views kept by projections, queries and reports."""
