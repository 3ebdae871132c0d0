"""bpt's domain: budget facts as events, and the rules that score them. Pure Python."""
