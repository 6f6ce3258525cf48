"""Wall time of ``seqzoo compare`` in one process, and with a chief and N workers.

For each worker count it runs the same ``seqzoo compare`` on a fresh output
directory: one plain process for 1, else keras-tuner's distributed mode on
127.0.0.1 (a chief that serves the oracle, N workers that train, started
together). It waits for the last process and checks that every (model, seed)
trial was trained exactly once (one fit, one history record per epoch), and
reads from the workers' output which one trained what. The encoded-data cache
is warmed first, so the figures are start-up plus training. Prints a table and,
with ``--json``, writes the results with the hardware and versions.

Example (the figures on the docs' "Scaling out" page)::

    KERAS_SEQZOO_IMDB=/path/to/aclImdb_v1.tar.gz python -m benchmarks.training.runner_workers \\
        --limit 1000 --epochs 2 --json docs/data/benchmarks/runner_workers.json
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import harness

MODULE = "benchmarks.training.runner_workers"

MODELS = ["conv1d.imdb_words10k", "embedding_pooling.imdb_words10k",
          "embedding_flatten.imdb_words10k", "bigru.imdb_words10k"]


def _seqzoo() -> str:
    return os.path.join(os.path.dirname(sys.executable), "seqzoo")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _processes(count: int, command: list[str], env: dict) -> list[subprocess.Popen]:
    """One plain process for 1 worker; else a chief and ``count`` workers on 127.0.0.1."""
    def start(extra):
        return subprocess.Popen(command, env={**env, **extra}, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)

    if count == 1:
        return [start({})]
    port = str(_free_port())
    address = {"KERASTUNER_ORACLE_IP": "127.0.0.1", "KERASTUNER_ORACLE_PORT": port}
    chief = start({**address, "KERASTUNER_TUNER_ID": "chief"})
    time.sleep(1.0)  # a worker gives up when its chief does not answer within 20 s
    return [chief, *(start({**address, "KERASTUNER_TUNER_ID": f"worker{i}"})
                     for i in range(count))]


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=MODELS)
    parser.add_argument("--workers", nargs="+", type=int, default=[1, 2])
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--seeds", nargs="+", default=["0"])
    parser.add_argument("--limit", type=int, default=1000, help="reviews per split")
    parser.add_argument("--data", default=None, help="IMDB folder or archive ($KERAS_SEQZOO_IMDB)")
    parser.add_argument("--backend", default="jax")
    harness.add_output_flags(parser)
    args = parser.parse_args(argv)
    if args.quick:
        args.models, args.epochs, args.limit = args.models[:2], 1, min(args.limit, 10)
    recording = harness.Recording(MODULE, argv)

    with tempfile.TemporaryDirectory(prefix="seqzoo_workers_") as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith("KERASTUNER_")}
        env.update({"KERAS_SEQZOO_CACHE": os.path.join(tmp, "cache"),
                    "TF_CPP_MIN_LOG_LEVEL": "3"})
        options = ["--limit", str(args.limit), "--backend", args.backend]
        if args.data:
            options += ["--data", args.data]
        # Warm the data cache (the models share their data settings).
        subprocess.run([_seqzoo(), "compare", args.models[0], "--epochs", "1", *options,
                        "-o", os.path.join(tmp, "warm"), "-q"], env=env, check=True,
                       capture_output=True)
        common = [*args.models, "--epochs", str(args.epochs), "--seeds", *args.seeds, *options]
        rows, lines = [], []
        for count in args.workers:
            out = Path(tmp) / f"run{count}"
            started = time.perf_counter()
            processes = _processes(count, [_seqzoo(), "compare", *common, "-o", str(out)], env)
            outputs = [p.communicate() for p in processes]
            wall = time.perf_counter() - started
            failed = [e[-2000:] for p, (_, e) in zip(processes, outputs) if p.returncode != 0]
            if failed:
                raise SystemExit(f"{count} worker(s): a process failed:\n{failed[0]}")
            from keras_seqzoo.comparison import model_runs

            for model, folders in model_runs(out, args.models).items():
                for folder in folders:
                    run = json.loads((folder / "run.json").read_text())
                    lines = (folder / "history.jsonl").read_text().splitlines()
                    if len(run["fits"]) != 1 or len(lines) != args.epochs:
                        raise SystemExit(f"{model} ({folder.name}) was not trained exactly "
                                         f"once: {run['fits']}")
            trials = len(args.models) * len(args.seeds)
            per_worker = sorted((sum(": done in " in line for line in stdout.splitlines())
                                 for stdout, _ in outputs), reverse=True)
            per_worker = [n for n in per_worker if n] or [trials]
            if sum(per_worker) != trials:
                raise SystemExit(f"{count} worker(s): {sum(per_worker)} trials trained, "
                                 f"expected {trials}")
            rows.append({"workers": count, "seconds_wall": wall,
                         "trials_per_worker": per_worker})
            lines.append(f"{count} worker(s): {wall:.1f} s, trials per worker "
                         f"{' + '.join(map(str, per_worker))}")
            print(lines[-1], flush=True)

    payload = {
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python "
                   f"{platform.python_version()}",
        "keras": importlib.metadata.version("keras"), "backend": args.backend,
        "models": args.models, "seeds": args.seeds, "epochs": args.epochs, "limit": args.limit,
        "rows": rows,
    }
    return recording.finish(args, text="\n".join(lines) + "\n", payload=payload)


if __name__ == "__main__":
    main()
