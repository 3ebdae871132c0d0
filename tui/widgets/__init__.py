"""Widgets of the terminal UI: keyed tables, figure cells, the monthly execution chart."""
