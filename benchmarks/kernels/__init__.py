"""Benchmarks: kernels."""
