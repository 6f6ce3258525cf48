"""Distributed tuning with keras-tuner: a chief oracle and N workers, our HyperModel unchanged.

keras-tuner distributes *trials*: one process, the chief, runs only the oracle
(a gRPC server that hands out hyperparameters and collects results; its
``tuner.search`` blocks serving), and every worker process asks it for a trial,
trains it and reports back. Processes find each other through three
environment variables (keras-tuner's own), and all of them must see the same
``--directory``:

- ``KERASTUNER_TUNER_ID``: ``chief`` for the chief, a unique name per worker;
- ``KERASTUNER_ORACLE_IP``: the address the chief listens on / workers connect to;
- ``KERASTUNER_ORACLE_PORT``: its port.

Run on one host (the ``launch`` role starts a chief and N workers on 127.0.0.1,
waits for them and prints the trials per minute):

```bash
python examples/distributed_tuning.py --role launch --workers 2 --max-trials 6
```

Run on several hosts that share ``/shared/kt`` (start the chief first):

```bash
# host A (the chief; listens on its own address only, 10.0.0.5 here)
python examples/distributed_tuning.py --role chief --ip 10.0.0.5 --port 8000 \\
    --directory /shared/kt --overwrite
# hosts B, C, ... (one line per worker process; ids must differ)
python examples/distributed_tuning.py --role worker --ip 10.0.0.5 --port 8000 \\
    --directory /shared/kt --worker-id b0
```

keras-tuner's gRPC service has no authentication: any peer that reaches the port can
claim or rewrite trials, so keep it on 127.0.0.1 or a private network (``seqzoo
compare`` adds a token, ``KERAS_SEQZOO_ORACLE_TOKEN``; see the scaling guide). Or set
the three variables yourself (e.g. from a cluster launcher) and run
``python examples/distributed_tuning.py`` with no ``--role``.

When the search is over, the chief reads every trial with
``keras_seqzoo.results.trials_table`` and draws ``DIRECTORY/PROJECT/trials.png``
(objective against seconds per epoch, Pareto front, the best trials' curves) with
``keras_seqzoo.results.plot_trials``; ``seqzoo results DIRECTORY/PROJECT`` does the
same from the shell at any later time. ``seqzoo compare`` uses this very engine: the
same three variables distribute a comparison's (model, seed) trials (see the
scaling guide). The data are tiny
synthetic sequences unless ``--data`` names an IMDB copy (an ``aclImdb`` folder
or ``.tar.gz``, read by ``keras_seqzoo.datasets.load_imdb``).

Example:

```python
from examples.distributed_tuning import main
result = main(["--role", "launch", "--workers", "2", "--max-trials", "4"])
print(result["trials"], result["trials_per_minute"])
```
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Sequence

__all__ = ["ROLES", "load_data", "main", "make_hypermodel", "make_tuner", "parse_args"]

ROLES = ("chief", "worker", "launch")
_TRIALS_RUN = 0  # trials this worker process has trained


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parses the command line; the flags set keras-tuner's environment variables.

    Args:
        argv: the arguments without the program name; ``None`` reads ``sys.argv``.

    Returns:
        The parsed options; ``role`` is filled in from ``KERASTUNER_TUNER_ID``
        when ``--role`` is not given (``launch`` when that is unset too).
    """
    parser = argparse.ArgumentParser(
        description="Distributed keras-tuner search over keras_seqzoo architectures.")
    parser.add_argument("--role", choices=ROLES, default=None,
                        help="default: from KERASTUNER_TUNER_ID ('chief' or a worker id), "
                             "else launch")
    parser.add_argument("--ip", default=None,
                        help="the chief's address (default: $KERASTUNER_ORACLE_IP or 127.0.0.1)")
    parser.add_argument("--port", type=int, default=None,
                        help="the chief's port (default: $KERASTUNER_ORACLE_PORT; launch: a "
                             "free port)")
    parser.add_argument("--workers", type=int, default=2, help="launch: worker processes")
    parser.add_argument("--worker-id", default=None,
                        help="worker: its KERASTUNER_TUNER_ID (default: worker-HOST-PID)")
    parser.add_argument("--directory", default=None,
                        help="the tuner directory every process shares (launch default: a new "
                             "temporary folder; chief/worker default: ./kt_distributed)")
    parser.add_argument("--project-name", default="distributed_tuning")
    parser.add_argument("--overwrite", action="store_true",
                        help="chief: start a new search instead of reloading the directory's")
    parser.add_argument("--models", default="conv1d,embedding_pooling",
                        help="comma-separated builders or presets to choose among")
    parser.add_argument("--max-trials", type=int, default=6)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--data", default=None, metavar="PATH",
                        help="IMDB (aclImdb folder or .tar.gz); default: synthetic data")
    parser.add_argument("--limit", type=int, default=None, help="IMDB: reviews per split")
    parser.add_argument("--samples", type=int, default=64, help="synthetic: training samples")
    parser.add_argument("--vocab-size", type=int, default=60)
    parser.add_argument("--max-length", type=int, default=16)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=600.0,
                        help="launch: seconds before the processes are stopped")
    parser.add_argument("--result", default=None, metavar="FILE",
                        help="also write the result as JSON to FILE")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args(argv)
    args.models = [m.strip() for m in args.models.split(",") if m.strip()]
    if not args.models:
        parser.error("--models needs at least one name, e.g. --models conv1d,embedding_pooling")
    for flag in ("workers", "max_trials", "epochs", "batch_size", "samples", "vocab_size",
                 "max_length"):
        if getattr(args, flag) < 1:
            parser.error(f"--{flag.replace('_', '-')} must be at least 1. "
                         f"Received: {getattr(args, flag)}")
    if args.role is None:
        tuner_id = os.environ.get("KERASTUNER_TUNER_ID")
        args.role = "launch" if not tuner_id else ("chief" if "chief" in tuner_id else "worker")
    args.ip = args.ip or os.environ.get("KERASTUNER_ORACLE_IP") or "127.0.0.1"
    if args.port is None and os.environ.get("KERASTUNER_ORACLE_PORT"):
        args.port = int(os.environ["KERASTUNER_ORACLE_PORT"])
    if args.role in ("chief", "worker") and args.port is None:
        parser.error(f"--role {args.role} needs --port (or KERASTUNER_ORACLE_PORT)")
    return args


def _set_keras_tuner_environment(args: argparse.Namespace) -> str:
    """Sets the three variables keras-tuner reads; returns this process's tuner id."""
    if args.role == "chief":
        tuner_id = "chief"
    else:
        tuner_id = (args.worker_id or os.environ.get("KERASTUNER_TUNER_ID")
                    or f"worker-{socket.gethostname()}-{os.getpid()}")
        if "chief" in tuner_id:
            raise ValueError(f"A worker's id must not contain 'chief'. Received: {tuner_id!r}")
    os.environ["KERASTUNER_TUNER_ID"] = tuner_id
    os.environ["KERASTUNER_ORACLE_IP"] = args.ip
    os.environ["KERASTUNER_ORACLE_PORT"] = str(args.port)
    return tuner_id


def load_data(args: argparse.Namespace) -> dict[str, Any]:
    """The training and validation data: IMDB with ``--data``, else tiny synthetic sequences.

    The synthetic task is learnable: the label says whether low token ids
    outnumber high ones.

    Args:
        args: the parsed options.

    Returns:
        ``{"fit": (args, kwargs) for search, "vocab_size": int, "max_length": int}``.
    """
    if args.data:
        from keras_seqzoo import datasets

        data = datasets.load_imdb(
            "words", source=args.data, vocab_size=args.vocab_size, max_length=args.max_length,
            batch_size=args.batch_size, limit=args.limit, seed=args.seed,
        )
        return {"fit": ((data.train,), {"validation_data": data.validation}),
                "vocab_size": data.vocab_size, "max_length": data.max_length}
    import numpy as np

    rng = np.random.default_rng(args.seed)
    n = args.samples + max(16, args.samples // 4)
    x = rng.integers(1, args.vocab_size, size=(n, args.max_length)).astype("int32")
    y = ((x < args.vocab_size // 2).sum(axis=1) * 2 > args.max_length).astype("float32")[:, None]
    train, val = slice(0, args.samples), slice(args.samples, n)
    return {"fit": ((x[train], y[train]), {"validation_data": (x[val], y[val]),
                                           "batch_size": args.batch_size}),
            "vocab_size": args.vocab_size, "max_length": args.max_length}


def make_hypermodel(args: argparse.Namespace, vocab_size: int, max_length: int):
    """Our :class:`keras_seqzoo.tuning.HyperModel`, exactly as for a one-process search.

    Args:
        args: the parsed options.
        vocab_size: the data's vocabulary size.
        max_length: the data's sequence length.

    Returns:
        The hypermodel (the architecture is a hyperparameter with several models).
    """
    from keras_seqzoo import tuning

    models = args.models[0] if len(args.models) == 1 else args.models
    return tuning.HyperModel(models, vocab_size=vocab_size, max_length=max_length)


def make_tuner(args: argparse.Namespace, hypermodel, directory: str):
    """A ``keras_tuner.RandomSearch``; only the chief may overwrite the shared directory.

    Args:
        args: the parsed options.
        hypermodel: the hypermodel to tune.
        directory: the shared tuner directory.

    Returns:
        The tuner (on a worker its oracle is a client of the chief's).
    """
    import keras_tuner

    return keras_tuner.RandomSearch(
        hypermodel, objective="val_accuracy", max_trials=args.max_trials, seed=args.seed,
        directory=directory, project_name=args.project_name,
        # A worker that overwrote would delete what the chief and the others write.
        overwrite=bool(args.overwrite and args.role == "chief"),
    )


def _trial_counter():
    import keras

    class TrialCounter(keras.callbacks.Callback):
        """Counts this process's trials (keras-tuner deep-copies callbacks per trial)."""

        def on_train_begin(self, logs=None):
            global _TRIALS_RUN
            _TRIALS_RUN += 1

    return TrialCounter()


def _run_chief_or_worker(args: argparse.Namespace) -> dict[str, Any]:
    tuner_id = _set_keras_tuner_environment(args)
    import keras

    from keras_seqzoo import tuning

    keras.utils.set_random_seed(args.seed)
    directory = args.directory or "kt_distributed"
    data = load_data(args)
    hypermodel = make_hypermodel(args, data["vocab_size"], data["max_length"])
    tuner = make_tuner(args, hypermodel, directory)
    fit_args, fit_kwargs = data["fit"]
    started = time.time()
    # The chief blocks here serving the oracle until every trial is done; a worker
    # runs trials until the oracle answers that the search is over.
    tuner.search(*fit_args, epochs=args.epochs, callbacks=[_trial_counter()], verbose=0,
                 **fit_kwargs)
    ended = time.time()
    result: dict[str, Any] = {"role": args.role, "tuner_id": tuner_id,
                              "search_started": started, "search_ended": ended}
    if args.role == "chief":
        trials = list(tuner.oracle.trials.values())
        statuses = dict(collections.Counter(trial.status for trial in trials))
        best_hp = tuner.get_best_hyperparameters()[0]
        best_trial = tuner.oracle.get_best_trials(1)[0]
        from keras_seqzoo import results

        table = results.trials_table(tuner)  # every trial, also readable from disk later
        figure = results.plot_trials(tuner, Path(tuner.project_dir) / "trials.png")
        result.update({
            "table_columns": list(table.columns),
            "table_rows": len(table),
            "figure": str(figure),
            "trials": statuses,
            "architectures": sorted({t.hyperparameters.values.get(tuning.ARCHITECTURE, "")
                                     for t in trials}),
            "best_score": best_trial.score,
            "best_hyperparameters": dict(best_hp.values),
            "best": tuning.hyperparameters_to_arguments(best_hp, hypermodel),
        })
    else:
        result["trials_run"] = _TRIALS_RUN
    return result


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _launch(args: argparse.Namespace, argv: Sequence[str]) -> dict[str, Any]:
    """Starts a chief and ``--workers`` workers on 127.0.0.1, waits, measures."""
    port = args.port or _free_port()
    directory = args.directory or tempfile.mkdtemp(prefix="kt_distributed_")
    Path(directory).mkdir(parents=True, exist_ok=True)
    results = Path(tempfile.mkdtemp(prefix="kt_results_"))
    passed = _strip(list(argv), ("--role", "--workers", "--port", "--ip", "--directory",
                                 "--result", "--worker-id", "--timeout"), ("--json",))
    base = [sys.executable, os.path.abspath(__file__), *passed, "--ip", "127.0.0.1",
            "--port", str(port), "--directory", directory]
    env = {k: v for k, v in os.environ.items() if not k.startswith("KERASTUNER_")}
    # The processes report through --result files; their stdout is dropped (keras-tuner
    # 1.4.8 prints condition values from keras_tuner/src/engine/conditions.py there),
    # their stderr kept.
    started = time.time()
    processes = {"chief": subprocess.Popen(
        [*base, "--role", "chief", "--overwrite", "--result", str(results / "chief.json")],
        env=env, stdout=subprocess.DEVNULL)}
    for index in range(args.workers):
        processes[f"worker{index}"] = subprocess.Popen(
            [*base, "--role", "worker", "--worker-id", f"worker{index}",
             "--result", str(results / f"worker{index}.json")], env=env,
            stdout=subprocess.DEVNULL)
    deadline = started + args.timeout
    try:
        for name, process in processes.items():
            if name != "chief":
                process.wait(timeout=max(1.0, deadline - time.time()))
        workers_done = time.time()  # the chief lingers (it polls every 20 s)
        processes["chief"].wait(timeout=max(1.0, deadline - time.time()))
    except subprocess.TimeoutExpired:
        raise TimeoutError(f"distributed tuning did not finish in {args.timeout:.0f} s") from None
    finally:
        for process in processes.values():
            if process.poll() is None:
                process.kill()
                process.wait()
    failed = {n: p.returncode for n, p in processes.items() if p.returncode != 0}
    if failed:
        raise RuntimeError(f"these processes failed (exit codes): {failed}")
    chief = json.loads((results / "chief.json").read_text())
    workers = [json.loads((results / f"worker{i}.json").read_text()) for i in range(args.workers)]
    completed = chief["trials"].get("COMPLETED", 0)
    window = (max(w["search_ended"] for w in workers)
              - min(w["search_started"] for w in workers))
    wall = workers_done - started
    return {
        **{k: chief[k] for k in ("trials", "architectures", "best_score",
                                 "best_hyperparameters", "best", "table_columns",
                                 "table_rows", "figure")},
        "role": "launch",
        "workers": args.workers,
        "trials_per_worker": {w["tuner_id"]: w["trials_run"] for w in workers},
        "seconds_search": window,
        "seconds_wall": wall,
        "trials_per_minute": 60.0 * completed / window,
        "trials_per_minute_wall": 60.0 * completed / wall,
        "directory": directory,
        "port": port,
    }


def _strip(argv: list[str], with_value: Sequence[str], flags: Sequence[str]) -> list[str]:
    """``argv`` without the given options (``--x V``, ``--x=V`` and bare flags)."""
    kept, skip = [], False
    for item in argv:
        if skip:
            skip = False
            continue
        name = item.split("=", 1)[0]
        if name in with_value:
            skip = "=" not in item
            continue
        if name in flags:
            continue
        kept.append(item)
    return kept


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Runs as chief, worker or launcher (``--role``, or keras-tuner's environment variables).

    Args:
        argv: command-line arguments (see :func:`parse_args`).

    Returns:
        chief: ``{"trials": {status: count}, "architectures", "best_score",
        "best_hyperparameters", "best": {"model", "arguments", ...}, ...}``;
        worker: ``{"tuner_id", "trials_run", ...}``; launch: the chief's result
        plus ``workers``, ``trials_per_worker``, ``seconds_search`` (first
        worker's search start to last worker's end), ``seconds_wall`` (from
        launching to the last worker's exit, start-up included),
        ``trials_per_minute`` and ``trials_per_minute_wall``.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse_args(argv)
    if args.role == "launch":
        result = _launch(args, argv)
    else:
        result = _run_chief_or_worker(args)
    if args.result:
        Path(args.result).write_text(json.dumps(result, indent=2, default=str))
    if args.json:
        print(json.dumps(result, indent=2, default=str))
    elif args.role == "launch":
        print(f"{result['workers']} worker(s): trials {result['trials']}, "
              f"per worker {result['trials_per_worker']}; "
              f"{result['trials_per_minute']:.1f} trials/min over the search "
              f"({result['seconds_search']:.1f} s), {result['trials_per_minute_wall']:.1f} "
              f"trials/min with start-up ({result['seconds_wall']:.1f} s)")
        print(f"best: {result['best']['model']} {result['best']['arguments']} "
              f"(val_accuracy {result['best_score']})")
    return result


if __name__ == "__main__":
    main()
