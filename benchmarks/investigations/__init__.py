"""Benchmarks: investigations."""
