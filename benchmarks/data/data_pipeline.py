"""Times the IMDB data pipeline: read, fit the encoder, encode, cache, reload, iterate.

Usage::

    KERAS_SEQZOO_IMDB=../shared/data/aclImdb_labeled.tar.gz \\
        python -m benchmarks.data.data_pipeline --encoding words
    python -m benchmarks.data.data_pipeline --source aclImdb_v1.tar.gz --encoding subwords
    python -m benchmarks.data.data_pipeline --encoding subwords --limit 5000   # a quicker run
    python -m benchmarks.data.data_pipeline --quick   # words, 100 reviews per split

The first load of each encoding runs in an empty temporary cache (a cold
build) unless ``--cache-dir`` names one; the second load must hit the cache.
The full subword build takes minutes.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time

from benchmarks import harness

MODULE = "benchmarks.data.data_pipeline"


def _epoch(dataset) -> tuple[float, int, float]:
    """Returns (seconds, batches, padding fraction) for one pass over ``dataset``."""
    start = time.perf_counter()
    batches = cells = tokens = 0
    for x, _ in dataset:
        x = x.numpy()
        batches += 1
        cells += x.size
        tokens += int((x != 0).sum())
    return time.perf_counter() - start, batches, 1 - tokens / max(cells, 1)


def bench(encoding: str, source: str | None, cache_dir: str, limit: int | None) -> dict:
    from keras_seqzoo import datasets

    row: dict = {"encoding": encoding}
    start = time.perf_counter()
    cold = datasets.load_imdb(encoding, source=source, cache_dir=cache_dir, limit=limit,
                              protocol="slides")
    row["first_load_s"] = time.perf_counter() - start
    row["cache_hit_on_first_load"] = cold.info["cache"]["hit"]
    row.update({f"first_{k}": v for k, v in cold.info["timings"].items()})
    start = time.perf_counter()
    warm = datasets.load_imdb(encoding, source=source, cache_dir=cache_dir, limit=limit,
                              protocol="slides")
    row["reload_s"] = time.perf_counter() - start
    row["cache_hit_on_reload"] = warm.info["cache"]["hit"]
    row["vocab_size"] = warm.vocab_size
    row["num_train"], row["num_validation"] = warm.num_train, warm.num_validation
    row["max_length"] = warm.max_length
    seconds, batches, padding = _epoch(warm.train)
    row["train_epoch_iterate_s"], row["train_batches"], row["train_padding_fraction"] = (
        seconds, batches, padding,
    )
    start = time.perf_counter()
    warm.numpy(max_length=warm.max_length or 256)
    row["numpy_s"] = time.perf_counter() - start
    row["source"] = warm.info["source"]
    row["cache_path"] = warm.info["cache"]["path"]
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", help="aclImdb folder or archive (default: the usual search)")
    parser.add_argument("--encoding", choices=["words", "subwords", "both"], default="both")
    parser.add_argument("--cache-dir", help="cache directory (default: a fresh temporary one)")
    parser.add_argument("--limit", type=int, help="balanced examples per split, for a quick run")
    harness.add_output_flags(parser)
    args = parser.parse_args(argv)
    if args.quick:
        args.encoding, args.limit = "words", min(args.limit or 100, 100)
    recording = harness.Recording(MODULE, argv)

    encodings = ["words", "subwords"] if args.encoding == "both" else [args.encoding]
    with tempfile.TemporaryDirectory(prefix="seqzoo_bench_") as tmp:
        cache_dir = args.cache_dir or tmp
        start = time.perf_counter()
        import tensorflow  # noqa: F401  (timed separately from the pipeline)

        import_s = time.perf_counter() - start
        rows = [bench(e, args.source, cache_dir, args.limit) for e in encodings]

    machine = f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    lines = [f"machine: {machine}; import tensorflow: {import_s:.1f} s"]
    keys = [
        "first_read_s", "first_fit_s", "first_encode_s", "first_cache_write_s", "first_load_s",
        "reload_s", "cache_hit_on_reload", "vocab_size", "num_train", "num_validation",
        "train_batches", "train_padding_fraction", "train_epoch_iterate_s", "numpy_s",
    ]
    width = max(map(len, keys))
    lines.append(f"{'':{width}}  " + "  ".join(f"{r['encoding']:>12}" for r in rows))
    for key in keys:
        cells = []
        for r in rows:
            value = r.get(key, "-")
            cells.append(f"{value:12.3f}" if isinstance(value, float) else f"{value!s:>12}")
        lines.append(f"{key:{width}}  " + "  ".join(cells))
    recording.finish(args, text="\n".join(lines) + "\n",
                     payload={"machine": machine, "import_tensorflow_s": import_s,
                              "results": rows})
    return 0 if all(r["cache_hit_on_reload"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
