"""The benchmark suite of keras_seqzoo (see benchmarks/README.md)."""
