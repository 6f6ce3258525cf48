"""Wall time of ``seqzoo compare`` run by one worker and by several on one output directory.

For each worker count it starts that many ``seqzoo compare`` processes at once on
a fresh output directory, waits for the last one, and reads from each model's
``run.json`` which process trained it (every model must be trained exactly once,
with one history record per epoch). The encoded-data cache is warmed first, so
the figures are start-up plus training. Prints a table and, with ``--json``,
writes the results with the hardware and versions.

Example (the figures on the docs' "Scaling out" page)::

    KERAS_SEQZOO_IMDB=/path/to/aclImdb_v1.tar.gz python benchmarks/runner_workers.py \\
        --limit 1000 --epochs 2 --json docs/data/benchmarks/runner_workers.json
"""

from __future__ import annotations

import argparse
import collections
import importlib.metadata
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MODELS = ["conv1d.imdb_words10k", "embedding_pooling.imdb_words10k",
          "embedding_flatten.imdb_words10k", "bigru.imdb_words10k"]


def _seqzoo() -> str:
    return os.path.join(os.path.dirname(sys.executable), "seqzoo")


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=MODELS)
    parser.add_argument("--workers", nargs="+", type=int, default=[1, 2])
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--limit", type=int, default=1000, help="reviews per split")
    parser.add_argument("--data", default=None, help="IMDB folder or archive ($KERAS_SEQZOO_IMDB)")
    parser.add_argument("--backend", default="jax")
    parser.add_argument("--json", default=None, help="also write the results here")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="seqzoo_workers_") as tmp:
        env = {**os.environ, "KERAS_SEQZOO_CACHE": os.path.join(tmp, "cache"),
               "TF_CPP_MIN_LOG_LEVEL": "3"}
        options = ["--limit", str(args.limit), "--backend", args.backend, "-q"]
        if args.data:
            options += ["--data", args.data]
        # Warm the data cache (the models share their data settings).
        subprocess.run([_seqzoo(), "compare", args.models[0], "--epochs", "1", *options,
                        "-o", os.path.join(tmp, "warm")], env=env, check=True,
                       capture_output=True)
        common = [*args.models, "--epochs", str(args.epochs), *options]
        rows = []
        for count in args.workers:
            out = Path(tmp) / f"run{count}"
            started = time.perf_counter()
            processes = [subprocess.Popen([_seqzoo(), "compare", *common, "-o", str(out)],
                                          env=env, stdout=subprocess.DEVNULL,
                                          stderr=subprocess.PIPE, text=True)
                         for _ in range(count)]
            errors = [p.communicate()[1] for p in processes]
            wall = time.perf_counter() - started
            failed = [e[-2000:] for p, e in zip(processes, errors) if p.returncode != 0]
            if failed:
                raise SystemExit(f"{count} worker(s): a process failed:\n{failed[0]}")
            trained_by = collections.Counter()
            for model in args.models:
                run = json.loads((out / model / "run.json").read_text())
                lines = (out / model / "history.jsonl").read_text().splitlines()
                if len(run["fits"]) != 1 or len(lines) != args.epochs:
                    raise SystemExit(f"{model} was not trained exactly once: {run['fits']}")
                trained_by[run["pid"]] += 1
            rows.append({"workers": count, "seconds_wall": wall,
                         "models_per_worker": sorted(trained_by.values(), reverse=True)})
            print(f"{count} worker(s): {wall:.1f} s, models per worker "
                  f"{' + '.join(map(str, rows[-1]['models_per_worker']))}", flush=True)

    result = {
        "command": "python benchmarks/runner_workers.py " + " ".join(sys.argv[1:]),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python "
                   f"{platform.python_version()}",
        "keras": importlib.metadata.version("keras"), "backend": args.backend,
        "models": args.models, "epochs": args.epochs, "limit": args.limit, "rows": rows,
    }
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
    return result


if __name__ == "__main__":
    main()
