"""C6: every registered architecture, tuned with the same budget, tested once, on five tasks.

Each task (:class:`Task`, the five in :data:`TASKS`) names its data as a
:func:`keras_seqzoo.datasets.load_data` source and the budget every
architecture gets: ``trials`` keras-tuner trials over its declared search space,
at most ``epochs`` epochs each with early stopping after ``patience`` epochs
without a better validation score, then the chosen configuration over
``seeds``, the test split evaluated once per seed (the sound protocol;
:func:`~keras_seqzoo.comparison.tune` does all of it).

:func:`run_c6` (``seqzoo reproduce c6 [--task T]``) runs each task into
``OUTPUT/<task>/`` (default ``docs/data/runs/c6``), resuming what is there, and
then writes the task's ``leaderboard.json``: the rows of
:func:`~keras_seqzoo.comparison.leaderboard.leaderboard_rows`, the budget, the
data's sizes and lengths, the machine, and its load over each sitting
(:func:`keras_seqzoo.machine.load_record`). Stopped at any point, the same
command continues where it stopped.

Example:

```python
from keras_seqzoo.comparison.c6 import TASKS, plan_text, run_c6
print(plan_text())                       # the tasks and the budget, no training
run_c6("sms_spam")                       # hours on two cores; resumable
```
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import math
import os
import platform
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Mapping, Sequence

from keras_seqzoo import _atomic
from keras_seqzoo._values import to_jsonable
from keras_seqzoo.comparison.leaderboard import LEADERBOARD_FILE, leaderboard_rows

__all__ = ["DEFAULT_OUTPUT", "SITTINGS_FILE", "TASKS", "Task", "estimate", "estimate_text",
           "plan_text",
           "run_c6", "run_task", "write_leaderboard"]

#: Where ``seqzoo reproduce c6`` records (relative to the working directory).
DEFAULT_OUTPUT = os.path.join("docs", "data", "runs", "c6")
#: One record per sitting (start, end, machine, load), in each task's folder.
SITTINGS_FILE = "sittings.json"


@dataclasses.dataclass(frozen=True)
class Task:
    """One C6 task: its data and the tuning budget every architecture gets.

    Attributes:
        name: the folder's name (``docs/data/runs/c6/<name>``) and ``--task``'s value.
        title: what the task is, for the page.
        source: a :func:`keras_seqzoo.datasets.load_data` source (``"imdb"``,
            ``"listops"``, a named data set or a path).
        max_length: the sequence length (tokens).
        vocab_size: the word vocabulary.
        data_options: more ``load_data`` settings (e.g. ``{"listops": {...}}``,
            ``validation_fraction``).
        sizes: the planned train / validation / test sizes, in words (the recording
            stores the real ones).
        trials: keras-tuner trials per architecture (K).
        epochs: the most epochs of a trial or a seed's run.
        patience: early stopping's patience (epochs).
        seeds: the seeds of each chosen configuration.
        batch_size: the batch size.
        metric: the metric the leaderboard ranks and tests (``"accuracy"``).
        extra_metrics: more test metrics on the leaderboard (``("f1",)``: the
            positive class'; ``("macro_f1",)``: F1 averaged over the classes), also
            weighed by the advice.
        note: why this task, in one sentence.
    """

    name: str
    title: str
    source: str
    max_length: int
    vocab_size: int
    data_options: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    sizes: str = ""
    trials: int = 8
    epochs: int = 10
    patience: int = 2
    seeds: tuple[int, ...] = (0, 1, 2)
    batch_size: int = 32
    metric: str = "accuracy"
    extra_metrics: tuple[str, ...] = ()
    note: str = ""

    def budget(self) -> dict[str, Any]:
        """The tuning budget, as ``leaderboard.json`` and the page state it."""
        return {"trials": self.trials, "epochs": self.epochs, "patience": self.patience,
                "seeds": list(self.seeds), "batch_size": self.batch_size,
                "objective": f"val_{self.metric}"}

    def load(self) -> Any:
        """Loads the task's data (the sound protocol: train, validation, test)."""
        from keras_seqzoo import datasets

        return datasets.load_data(
            self.source, encoding="words", max_length=self.max_length,
            vocab_size=self.vocab_size, batch_size=self.batch_size, seed=self.seeds[0],
            protocol="sound", **dict(self.data_options))


#: ListOps: 24,000 generated expressions, 1/12 each held out for validation and test.
_LISTOPS_HELD_OUT = 1 / 12
#: ListOps' shortest expression. A flat list (one operator, at most 10 digits) has at most
#: 12 tokens, and its value depends only on which digits it holds, so a bag of words can
#: learn it; without a minimum, 43 % of the generator's draws at 500 tokens are flat. LRA
#: draws again below 500 tokens of 2,000; 100 of 500 makes every expression nest. Chosen
#: before any ListOps recording.
_LISTOPS_MIN_LENGTH = 100

#: The five tasks by name, in the order ``seqzoo reproduce c6`` records them.
TASKS: dict[str, Task] = {
    t.name: t
    for t in [
        Task(
            "imdb", "IMDB reviews, 400 tokens, 20,000 words", "imdb", max_length=400,
            vocab_size=20000,
            sizes="22,500 train / 2,500 validation (10 % of IMDB's train, stratified) / "
                  "25,000 test",
            note="Reviews mostly whole, the setting of Keras' fastText example (0.9056) and "
                 "of NBSVM (0.9122).",
        ),
        Task(
            "20newsgroups", "20 Newsgroups bydate, 20 classes, 400 tokens", "20newsgroups",
            max_length=400, vocab_size=20000, extra_metrics=("macro_f1",),
            sizes="about 10,180 train / 1,130 validation (10 % of bydate train) / 7,532 test",
            note="Many classes, long messages with headers.",
        ),
        Task(
            "reuters_r8", "Reuters R8, 8 imbalanced classes, 400 tokens", "reuters_r8",
            max_length=400, vocab_size=20000, extra_metrics=("macro_f1",),
            sizes="about 4,940 train / 550 validation (10 % of train) / 2,189 test",
            note="Imbalanced topics (earn 52 %, the smallest class 0.7 %).",
        ),
        Task(
            "sms_spam", "SMS spam, 2 imbalanced classes, 64 tokens", "sms_spam",
            max_length=64, vocab_size=10000, extra_metrics=("f1",),
            sizes="about 4,460 train / 560 validation / 560 test (10 % each, stratified; "
                  "the collection has no split)",
            note="Short texts, 13.4 % spam: accuracy and the spam class' F1.",
        ),
        Task(
            "listops", "ListOps, 100 to 500 tokens, depth up to 10, 10 classes", "listops",
            max_length=500, vocab_size=20,
            data_options={"listops": {"size": 24000, "max_length": 500, "max_depth": 10,
                                      "min_length": _LISTOPS_MIN_LENGTH},
                          "validation_fraction": _LISTOPS_HELD_OUT,
                          "test_fraction": _LISTOPS_HELD_OUT},
            sizes="20,002 train / 1,999 validation / 1,999 test (24,000 generated, seeded; "
                  "each class held out in proportion, rounded per class)",
            note="Nested MAX/MIN/MED/SUM_MOD expressions (Nangia & Bowman 2018, LRA) of at "
                 "least 100 tokens, so every one nests: the answer depends on word order, "
                 "which a bag of words cannot see.",
        ),
    ]
}


def _task(task: str | Task) -> Task:
    if isinstance(task, Task):
        return task
    key = str(task).lower()
    if key not in TASKS:
        from keras_seqzoo._values import did_you_mean

        raise ValueError(f"reproduce c6: unknown task {task!r}.{did_you_mean(key, TASKS)} "
                         f"Choose one of: {', '.join(TASKS)}.")
    return TASKS[key]


def _models(models: Sequence[str] | None) -> list[str]:
    import keras_seqzoo

    return list(models) if models is not None else list(keras_seqzoo.list_models())


def plan_text(tasks: Sequence[str | Task] | None = None,
              models: Sequence[str] | None = None) -> str:
    """The tasks, their data sizes and the budget, as text; nothing is trained or loaded.

    Args:
        tasks: task names or :class:`Task` objects (default: all of :data:`TASKS`).
        models: the architectures (default: every registered one).

    Returns:
        One paragraph per task and the architectures, with the number of fits.

    Example:

    ```python
    print(plan_text(["listops"]))
    ```
    """
    chosen = [_task(t) for t in (tasks if tasks is not None else list(TASKS))]
    names = _models(models)
    lines = [f"C6: {len(names)} architectures ({', '.join(names)}), each tuned and tested "
             "once per task under the sound protocol.", ""]
    for task in chosen:
        fits = len(names) * (task.trials + len(task.seeds))
        lines += [
            f"{task.name}: {task.title}",
            f"  data: load_data({task.source!r}), {task.max_length} tokens, vocabulary "
            f"{task.vocab_size:,}" + (f", {dict(task.data_options)}" if task.data_options
                                      else ""),
            f"  sizes: {task.sizes}",
            f"  budget per architecture: {task.trials} trials x at most {task.epochs} epochs "
            f"(patience {task.patience}), then seeds {', '.join(map(str, task.seeds))}; "
            f"batch {task.batch_size}; selected on val_{task.metric}",
            f"  fits: {fits} (at most {fits * task.epochs} epochs)",
            "",
        ]
    return "\n".join(lines)


def estimate(task: str | Task, models: Sequence[str] | None = None, *,
             steps: int = 20) -> dict[str, Any]:
    """Measures what a task's budget costs on this machine, before recording it.

    Each architecture's default configuration (at the task's vocabulary, length and
    number of classes) trains ``steps`` batches of the task's training data twice;
    the second pass is timed and scaled to a full epoch. The hours are then
    ``fits x epochs x seconds per epoch`` summed over the architectures, where each
    architecture has ``trials + len(seeds)`` fits: ``hours_at_most`` if every fit runs
    all ``epochs``, ``hours_if_stopped_at`` if every fit stops ``patience`` epochs
    after a best epoch 2 (validation and the test pass not counted, nor the tuned
    configurations' larger sizes: read it as the order of magnitude).

    Args:
        task: a name of :data:`TASKS` or a :class:`Task`.
        models: the architectures (default: every registered one).
        steps: batches timed per architecture.

    Returns:
        A dict: ``task``, ``steps``, ``num_train``, ``seconds_per_epoch``
        (architecture -> seconds), ``epochs_if_stopped``, ``hours_at_most``,
        ``hours_if_stopped_at``, ``machine`` and ``load``.

    Example:

    ```python
    from keras_seqzoo.comparison.c6 import estimate
    print(estimate("sms_spam")["hours_at_most"])
    ```
    """
    import time

    import keras_seqzoo
    from keras_seqzoo.comparison.search import data_arguments
    from keras_seqzoo.compiling import compile_model
    from keras_seqzoo.machine import load_record, load_snapshot

    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise ValueError(f"c6 estimate: steps must be an integer >= 1. Received: steps={steps!r}")
    task = _task(task)
    names = _models(models)
    data = task.load()
    (x, y), *_ = data.numpy(task.max_length)
    n = min(len(x), steps * task.batch_size)
    before = load_snapshot()
    seconds: dict[str, float] = {}
    for name in names:
        model = compile_model(keras_seqzoo.build(name, **data_arguments(name, data)))
        model.fit(x[:n], y[:n], batch_size=task.batch_size, epochs=1, verbose=0)  # traces
        started = time.perf_counter()
        model.fit(x[:n], y[:n], batch_size=task.batch_size, epochs=1, verbose=0)
        seconds[name] = (time.perf_counter() - started) * data.num_train / n
    fits = task.trials + len(task.seeds)
    stopped = min(task.epochs, 2 + task.patience)
    total = math.fsum(seconds.values())
    return {"task": task.name, "steps": steps, "num_train": data.num_train,
            "seconds_per_epoch": seconds, "epochs_if_stopped": stopped,
            "hours_at_most": fits * task.epochs * total / 3600,
            "hours_if_stopped_at": fits * stopped * total / 3600,
            "machine": _machine(), "load": load_record(before, load_snapshot())}


def _load_words(load: Mapping[str, Any]) -> str:
    idle = {True: "idle", False: "busy", None: "load unknown"}[load.get("idle")]
    return f"machine {idle}, 1-min load {load.get('loadavg_before')} -> {load.get('loadavg_after')}"


def estimate_text(estimates: Sequence[Mapping[str, Any]]) -> str:
    """The estimates of :func:`estimate` as a few lines of text per task."""
    lines = []
    for e in estimates:
        per = ", ".join(f"{k} {v:.0f} s" for k, v in
                        sorted(e["seconds_per_epoch"].items(), key=lambda kv: -kv[1]))
        lines += [f"{e['task']}: {e['hours_at_most']:.1f} h at most, "
                  f"{e['hours_if_stopped_at']:.1f} h if every fit stops at epoch "
                  f"{e['epochs_if_stopped']} (default configurations, {e['steps']} batches "
                  f"timed each; {_load_words(e['load'])})",
                  f"  seconds per epoch: {per}", ""]
    return "\n".join(lines)


def _machine() -> dict[str, Any]:
    import keras

    try:
        devices = [str(d) for d in keras.distribution.list_devices()]
    except Exception:  # noqa: BLE001 - a backend without device listing
        devices = []
    return {"platform": platform.platform(), "machine": platform.machine(),
            "cores": os.cpu_count(), "python": platform.python_version(),
            "backend": keras.backend.backend(), "keras": keras.__version__,
            "devices": devices}


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _read_list(path: Path) -> list[Any]:
    if not path.exists():
        return []
    value = json.loads(path.read_text(encoding="utf-8"))
    return value if isinstance(value, list) else []


def _data_record(data: Any) -> dict[str, Any]:
    import numpy as np

    info = dict(getattr(data, "info", None) or {})
    lengths = {}
    for split in getattr(data, "splits", ()):
        tokens = np.asarray(data.lengths(split))
        if tokens.size:
            lengths[split] = {"median": float(np.median(tokens)),
                              "p90": float(np.percentile(tokens, 90)),
                              "max": int(tokens.max()),
                              "truncated_fraction": float(np.mean(tokens > data.max_length))}
    return {"dataset": info.get("dataset"), "num_train": info.get("num_train"),
            "num_validation": info.get("num_validation"), "num_test": info.get("num_test"),
            "num_classes": info.get("num_classes"), "class_names": info.get("class_names"),
            "label_counts": info.get("label_counts"), "splits": info.get("splits"),
            "max_length": data.max_length, "vocab_size": data.vocab_size, "keep":
            info.get("keep"), "lengths": lengths}


def write_leaderboard(task: str | Task, directory: str | os.PathLike, *,
                      data: Any = None, models: Sequence[str] | None = None) -> dict[str, Any]:
    """(Re)writes ``leaderboard.json`` of a task's folder from what is recorded there.

    Args:
        task: the task (its budget and metrics).
        directory: the task's tune folder.
        data: the loaded data (their sizes and lengths); ``None`` keeps those
            ``leaderboard.json`` already holds.
        models: the architectures the task should have (default: every registered
            one); those without all their seeds are listed in ``missing``.

    Returns:
        The leaderboard: ``task``, ``title``, ``budget``, ``data``, ``machine``,
        ``sittings``, ``rows`` (see
        :func:`~keras_seqzoo.comparison.leaderboard.leaderboard_rows`),
        ``missing`` and ``complete``.
    """
    task = _task(task)
    directory = Path(directory)
    path = directory / LEADERBOARD_FILE
    old = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    rows = leaderboard_rows(directory, metric=task.metric, extra_metrics=task.extra_metrics)
    done = {r["architecture"] for r in rows if r["seeds"] >= len(task.seeds)}
    missing = [m for m in _models(models) if m not in done]
    sittings = _read_list(directory / SITTINGS_FILE)
    board = {
        "task": task.name, "title": task.title, "source": task.source, "note": task.note,
        "budget": task.budget(), "metric": task.metric,
        "extra_metrics": list(task.extra_metrics),
        "data": _data_record(data) if data is not None else old.get("data"),
        "machine": sittings[-1]["machine"] if sittings else old.get("machine"),
        "sittings": sittings, "rows": rows, "missing": missing, "complete": not missing,
        "updated_at": _now(),
    }
    directory.mkdir(parents=True, exist_ok=True)
    _atomic.write_text(path, json.dumps(to_jsonable(board), indent=2) + "\n")
    return board


def run_task(task: str | Task, output_dir: str | os.PathLike | None = None, *,
             models: Sequence[str] | None = None, redo: Sequence[str] | None = None,
             verbose: int = 2) -> dict[str, Any]:
    """Records one task (resuming what its folder holds) and writes its leaderboard.

    Args:
        task: a name of :data:`TASKS` or a :class:`Task`.
        output_dir: the task's folder (default ``docs/data/runs/c6/<task>``).
        models: the architectures (default: every registered one).
        redo: architectures to search and train again (as for
            :func:`~keras_seqzoo.comparison.tune`).
        verbose: as for :func:`~keras_seqzoo.comparison.tune`.

    Returns:
        The leaderboard (see :func:`write_leaderboard`).

    Example:

    ```python
    from keras_seqzoo.comparison.c6 import Task, run_task
    tiny = Task("tiny", "tiny ListOps", "listops", max_length=40, vocab_size=20,
                data_options={"listops": {"size": 300, "max_length": 40, "max_depth": 3}},
                trials=2, epochs=1, patience=1, seeds=(0, 1))
    board = run_task(tiny, "runs/c6_tiny", models=["conv1d", "fasttext"])
    ```
    """
    from keras_seqzoo.comparison.search import tune
    from keras_seqzoo.machine import load_record, load_snapshot

    task = _task(task)
    names = _models(models)
    directory = Path(output_dir if output_dir is not None
                     else os.path.join(DEFAULT_OUTPUT, task.name))
    before = load_snapshot()
    started = _now()
    data = task.load()
    sitting: dict[str, Any] = {"started_at": started, "machine": _machine()}

    def note_sitting(finished: bool) -> None:
        record = {**sitting, "finished_at": _now(), "finished": finished,
                  "load": load_record(before, load_snapshot())}
        sittings = _read_list(directory / SITTINGS_FILE)
        directory.mkdir(parents=True, exist_ok=True)
        _atomic.write_text(directory / SITTINGS_FILE,
                           json.dumps(to_jsonable([*sittings, record]), indent=2) + "\n")

    try:
        tune(names, trials=task.trials, seeds=task.seeds, output_dir=directory,
             epochs=task.epochs, patience=task.patience, batch_size=task.batch_size,
             max_length=task.max_length, vocab_size=task.vocab_size, data=data,
             protocol="sound", title=f"C6 {task.name}", redo=redo, verbose=verbose)
    except ValueError:
        raise  # bad settings or a refused folder: nothing was trained, no sitting to note
    except BaseException:
        if directory.exists():  # a stopped sitting is recorded too; the error stays the error
            with contextlib.suppress(Exception):
                note_sitting(False)
                write_leaderboard(task, directory, data=data, models=names)
        raise
    note_sitting(True)
    return write_leaderboard(task, directory, data=data, models=names)


def run_c6(task: str | Task | None = None, *, output_dir: str | os.PathLike | None = None,
           models: Sequence[str] | None = None, plan: bool = False,
           estimate_steps: int | None = None, redo: Sequence[str] | None = None,
           verbose: int = 2) -> dict[str, Any] | str:
    """Runs C6: one task, or every task in turn; each resumes what its folder holds.

    Args:
        task: a name of :data:`TASKS`, or ``None`` for all of them.
        output_dir: the folder of the tasks' folders (default ``docs/data/runs/c6``).
        models: the architectures (default: every registered one).
        plan: only return :func:`plan_text` (nothing is loaded or trained).
        estimate_steps: with ``plan``, also measure each task's cost on this machine
            (:func:`estimate`, that many batches per architecture), append it to the
            text and write it to ``OUTPUT/estimate.json`` (one entry per task, kept
            for the tasks not measured this time).
        redo: architectures to search and train again (one task only; as for
            :func:`~keras_seqzoo.comparison.tune`).
        verbose: as for :func:`~keras_seqzoo.comparison.tune`.

    Returns:
        task -> its leaderboard (or the plan's text with ``plan=True``).

    Raises:
        ValueError: an unknown task.

    Example:

    ```python
    from keras_seqzoo.comparison.c6 import run_c6
    print(run_c6(plan=True))
    run_c6("listops")
    ```
    """
    chosen = [_task(task)] if task is not None else list(TASKS.values())
    if redo and task is None:
        raise ValueError("reproduce c6: redo (--redo) searches architectures of one task "
                         "again; name the task (--task T).")
    root = Path(output_dir if output_dir is not None else DEFAULT_OUTPUT)
    if plan:
        text = plan_text(chosen, models)
        if estimate_steps is None:
            return text
        measured = [estimate(t, models, steps=estimate_steps) for t in chosen]
        path = root / "estimate.json"
        kept = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        kept.update({e["task"]: e for e in measured})
        root.mkdir(parents=True, exist_ok=True)
        _atomic.write_text(path, json.dumps(to_jsonable(kept), indent=2) + "\n")
        return f"{text}\nMeasured on this machine ({path}):\n\n{estimate_text(measured)}"
    return {t.name: run_task(t, root / t.name, models=models, redo=redo, verbose=verbose)
            for t in chosen}
