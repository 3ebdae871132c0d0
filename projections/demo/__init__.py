"""Data to try bpt on: the demo year (seeds 000 and 002) and the synthetic generator for scale."""
