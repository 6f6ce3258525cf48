"""What every benchmark shares: timing rounds, the machine, its load, reports and workers.

Every script in the suite (``python -m benchmarks.<folder>.<script>``):

- takes the same output flags (:func:`add_output_flags`): ``--json PATH``,
  ``--text PATH``, ``--rounds N``, ``--quick`` (tiny settings, for smoke runs) and,
  where the script renders a docs table, ``--rst PATH``;
- times its candidates in alternating rounds (:func:`alternating_rounds`): every
  round runs each candidate once, in an order that reverses every round, so that a
  drift of the machine's speed hits all of them alike; reports give the best and the
  median (:func:`best_and_median`) and paired ratios (:func:`paired_ratio`);
- records the machine (:func:`hardware`, :func:`versions`) and its load from start
  to end (:class:`Recording`, with :func:`keras_seqzoo.machine.load_snapshot` and
  :func:`keras_seqzoo.machine.load_record`): every JSON a benchmark writes has a
  ``"load"`` entry;
- runs one Keras backend per process (:func:`run_worker` starts
  ``python -m <module> --worker ...`` with ``KERAS_BACKEND`` set; the worker prints
  its result with :func:`emit`).

Example:

```python
from benchmarks import harness

parser = argparse.ArgumentParser()
harness.add_output_flags(parser, rounds=7)
args = parser.parse_args()
recording = harness.Recording("benchmarks.kernels.my_script")
times = harness.alternating_rounds({"a": run_a, "b": run_b}, args.rounds)
recording.finish(args, text="...", payload={"times": times})
```
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable, Hashable, Iterable, Mapping, Sequence, TypeVar

from keras_seqzoo.machine import load_record, load_snapshot

__all__ = [
    "RESULT_PREFIX", "ROOT", "Recording", "add_output_flags", "alternating_rounds",
    "best_and_median", "cpu_model", "emit", "hardware", "load_line", "paired_ratio",
    "run_worker", "versions", "write_text",
]

#: The repository root: ``python -m benchmarks...`` runs from here (workers too).
ROOT = Path(__file__).resolve().parent.parent
#: A worker's result line starts with this; the rest of the line is JSON.
RESULT_PREFIX = "RESULT "

K = TypeVar("K", bound=Hashable)


# --- command line ------------------------------------------------------------------------

def add_output_flags(parser: argparse.ArgumentParser, *, rounds: int | None = None,
                     rst: bool = False) -> None:
    """Adds the suite's output flags to a script's parser.

    Args:
        parser: the script's ``argparse`` parser.
        rounds: the default of ``--rounds`` (``None``: the script has no rounds).
        rst: also add ``--rst PATH`` (scripts that render a table for the docs).

    Returns:
        None; the parser gains ``--json``, ``--text``, ``--quick`` and, as asked,
        ``--rounds`` and ``--rst``.

    Example:

    ```python
    harness.add_output_flags(parser, rounds=9)
    ```
    """
    parser.add_argument("--json", default=None, metavar="PATH",
                        help="write the results (with the machine and its load) here")
    parser.add_argument("--text", default=None, metavar="PATH",
                        help="also write the printed report here")
    if rst:
        parser.add_argument("--rst", default=None, metavar="PATH",
                            help="write the table as reStructuredText here")
    if rounds is not None:
        parser.add_argument("--rounds", type=int, default=rounds,
                            help=f"alternating rounds (default {rounds})")
    parser.add_argument("--quick", action="store_true",
                        help="tiny settings: a smoke run that checks the script end to end")


def command_line(module: str, argv: Sequence[str] | None = None) -> str:
    """``python -m MODULE ARGS`` as typed (``argv``: default ``sys.argv[1:]``)."""
    return " ".join(["python -m", module, *(sys.argv[1:] if argv is None else argv)])


# --- timing -----------------------------------------------------------------------------

def alternating_rounds(runs: Mapping[K, Callable[[], float | None]],
                       rounds: int) -> dict[K, list[float]]:
    """Runs every candidate once per round, in an order that reverses every round.

    Args:
        runs: candidate -> a function of no arguments. A function that returns a number
            reports its own measurement for the round (e.g. ms per call); one that
            returns ``None`` is timed by the wall clock (seconds).
        rounds: the number of rounds (>= 0).

    Returns:
        candidate -> one value per round, in the order of the rounds.

    Example:

    ```python
    times = alternating_rounds({"ours": epoch, "theirs": twin_epoch}, rounds=7)
    ```
    """
    if rounds < 0:
        raise ValueError(f"alternating_rounds: rounds must be >= 0. Received: rounds={rounds!r}")
    keys = list(runs)
    times: dict[K, list[float]] = {key: [] for key in keys}
    for round_index in range(rounds):
        # Reverse the order every other round so that no candidate always runs right
        # after another (caches, thermal state, background load).
        for key in keys if round_index % 2 == 0 else keys[::-1]:
            start = time.perf_counter()
            value = runs[key]()
            elapsed = time.perf_counter() - start
            times[key].append(elapsed if value is None else float(value))
    return times


def best_and_median(values: Iterable[float]) -> tuple[float, float]:
    """``(min, median)`` of a candidate's rounds."""
    values = list(values)
    return min(values), statistics.median(values)


def paired_ratio(base: Sequence[float], other: Sequence[float]) -> float:
    """The median over rounds of ``other[i] / base[i]`` (paired, back-to-back measurements,
    so that slow phases of the machine cancel)."""
    return statistics.median(b / a for a, b in zip(base, other))


# --- the machine --------------------------------------------------------------------------

def cpu_model() -> str:
    """The CPU's model name (``platform.processor()`` is empty on most Linux systems)."""
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def hardware() -> dict[str, Any]:
    """The machine: architecture, CPU model, cores, Python and platform."""
    return {"machine": platform.machine(), "processor": cpu_model(), "cpus": os.cpu_count(),
            "python": platform.python_version(), "platform": platform.platform()}


def versions(torch_device: Any = None) -> dict[str, Any]:
    """Keras, its backend and the versions of the libraries this process has imported.

    Args:
        torch_device: the ``torch.device`` plain PyTorch ran on, if any (adds
            ``torch_device`` and, on CUDA, ``gpu`` and ``cudnn``).

    Returns:
        A JSON-ready dict (``keras``, ``backend``, then ``jax`` / ``jax_device``,
        ``tensorflow``, ``torch``, ``numpy`` where imported).
    """
    found: dict[str, Any] = {}
    if "keras" in sys.modules:
        import keras

        found = {"keras": keras.__version__, "backend": keras.backend.backend()}
    for name in ("torch", "numpy"):
        if name in sys.modules:
            found[name] = sys.modules[name].__version__
    if found.get("backend") == "jax" or ("jax" in sys.modules and "keras" not in found):
        import jax

        found["jax"] = jax.__version__
        found["jax_device"] = str(jax.devices()[0])
    elif found.get("backend") == "tensorflow":
        import tensorflow as tf

        found["tensorflow"] = tf.__version__
    if torch_device is not None:
        import torch

        found["torch_device"] = str(torch_device)
        if torch_device.type == "cuda":
            found["gpu"] = torch.cuda.get_device_name(torch_device)
            found["cudnn"] = torch.backends.cudnn.version()
    return found


def load_line(load: Mapping[str, Any]) -> str:
    """One line for a text report: the load averages before and after, and idle or not."""
    idle = {True: "idle", False: "busy", None: "idle unknown"}[load.get("idle")]
    busy = load.get("busy_fraction")
    return (f"Load: 1-min average {load.get('loadavg_before')} before, "
            f"{load.get('loadavg_after')} after, {load.get('cores')} cores"
            + (f", busy {busy:.0%}" if busy is not None else "") + f" ({idle}).")


# --- reports ------------------------------------------------------------------------------

def _write(path: str | os.PathLike, text: str) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def write_text(report: str, path: str | os.PathLike | None) -> None:
    """Prints a text report and, when ``path`` is given, writes it there."""
    print(report)
    if path:
        _write(path, report)


class Recording:
    """One run of a benchmark: its command, the machine, and the load from start to end.

    Create it when the script starts (it takes the first load snapshot); call
    :meth:`finish` when the measurements are done.

    Args:
        module: the script's module (``benchmarks.training.torch_twins``): the command
            is recorded as ``python -m MODULE ARGS``.
        argv: the arguments (default ``sys.argv[1:]``).

    Example:

    ```python
    recording = Recording("benchmarks.kernels.bilstm_layer")
    ...
    recording.finish(args, text=report, payload={"rows": rows})
    ```
    """

    def __init__(self, module: str, argv: Sequence[str] | None = None):
        self.module = module
        self.command = command_line(module, argv)
        self.before = load_snapshot()

    def load(self) -> dict[str, Any]:
        """:func:`keras_seqzoo.machine.load_record` from the start until now."""
        return load_record(self.before, load_snapshot())

    def record(self, payload: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """``payload`` with ``command``, ``hardware``, ``recorded`` (the date) and
        ``load`` (entries the payload already has are kept)."""
        return {"command": self.command, "hardware": hardware(),
                "recorded": time.strftime("%Y-%m-%d", time.gmtime()),
                **(payload or {}), "load": self.load()}

    def finish(self, args: argparse.Namespace, *, text: str,
               payload: Mapping[str, Any] | None = None, rst: str | None = None,
               load_in_text: bool = True) -> dict[str, Any]:
        """Prints the text report and writes the outputs the flags ask for.

        Args:
            args: the parsed flags (``--text``, ``--json``, ``--rst`` where present).
            text: the report; a line with the load is appended when ``load_in_text``.
            payload: the JSON; :meth:`record` adds the command, machine and load.
            rst: the reStructuredText table, written to ``--rst``.
            load_in_text: append :func:`load_line` to the text.

        Returns:
            The JSON record (also when ``--json`` is not given).
        """
        record = self.record(payload)
        if load_in_text:
            text = text.rstrip("\n") + "\n" + load_line(record["load"]) + "\n"
        write_text(text, getattr(args, "text", None))
        if getattr(args, "rst", None) and rst is not None:
            _write(args.rst, rst)
        if getattr(args, "json", None):
            _write(args.json, json.dumps(record, indent=2, default=str) + "\n")
        return record


# --- workers ------------------------------------------------------------------------------

def run_worker(module: str, args: Sequence[str], backend: str,
               label: str | None = None) -> dict[str, Any]:
    """Runs ``python -m MODULE --worker ARGS`` under Keras backend ``backend``.

    The worker runs from the repository root with it first on ``PYTHONPATH`` (so the
    suite and the package it measures import normally) and prints its result with
    :func:`emit`.

    Args:
        module: the script's module.
        args: the worker's arguments after ``--worker``.
        backend: ``KERAS_BACKEND`` of the process.
        label: names the run in messages (default: ``backend``).

    Returns:
        The JSON the worker printed. Exits with the worker's stderr when it fails.
    """
    label = label or backend
    path = os.environ.get("PYTHONPATH")
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3",
           "PYTHONPATH": str(ROOT) + (os.pathsep + path if path else "")}
    print(f"running {label} ...", flush=True)
    out = subprocess.run([sys.executable, "-m", module, "--worker", *args], env=env,
                         cwd=ROOT, capture_output=True, text=True)
    lines = [line for line in out.stdout.splitlines() if line.startswith(RESULT_PREFIX)]
    if out.returncode != 0 or not lines:
        print(out.stderr[-3000:])
        raise SystemExit(f"{module}: the {label} worker failed (exit {out.returncode})")
    return json.loads(lines[-1][len(RESULT_PREFIX):])


def emit(result: Mapping[str, Any]) -> None:
    """Prints a worker's result for :func:`run_worker` (one JSON line)."""
    print(RESULT_PREFIX + json.dumps(result, default=str), flush=True)
