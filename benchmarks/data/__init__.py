"""Benchmarks: data."""
