"""Benchmarks: each figure measured beside a baseline taken in the same run, printed as ratios."""
