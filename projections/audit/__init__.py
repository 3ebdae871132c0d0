"""Audit: explain a figure, the history of a year, the integrity of the hash chains."""
