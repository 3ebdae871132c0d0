"""bpt's benchmarks (``python -m bench``): each figure next to a baseline of the same run."""
