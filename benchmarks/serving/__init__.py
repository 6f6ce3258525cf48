"""Benchmarks: serving (latency and throughput of exported models)."""
