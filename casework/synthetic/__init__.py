"""Synthetic data sets of any size, reproducible from a seed, for benchmarks and load tests."""
