"""The comparison runner: train registered models side by side and compare them.

Each model trains with :class:`~keras_seqzoo.callbacks.EpochTimer` and
:class:`~keras_seqzoo.callbacks.HistoryExporter`; the run directory holds one
folder per model, a comparison table (Markdown and CSV) and PNG plots::

    OUTPUT_DIR/
      comparison.json     what was run (models, data, settings, command)
      comparison.md       the table, readable
      comparison.csv      the table, for tools
      curves.png          accuracy and loss, train (solid) and validation (dashed)
      epoch_times.png     steady-state seconds per epoch, as bars
      MODEL/              one per model: history.jsonl/.csv/.json, run.json,
                          checkpoint/ (weights + optimizer state of the last epoch)

Running the same comparison again resumes: finished models are skipped and
unfinished ones continue from their last completed epoch. Ctrl-C leaves every
file consistent (the table is rewritten from what is on disk).

**Several workers, one output directory.** Claiming is always on, so you can
start the same ``compare`` (or ``seqzoo compare``) in several processes, on one
host or on several hosts that share ``OUTPUT_DIR`` (NFS, SMB, a cluster file
system), and each model is trained once:

- before training a model a worker atomically creates ``MODEL/.claim``
  (``O_CREAT | O_EXCL``) holding its host, pid, a random token and a heartbeat
  time that a background thread refreshes while it trains;
- a model another live worker holds is skipped and looked at again later; a
  worker returns only when every model is finished, so each worker's table is
  the complete one;
- a claim is stale, and taken over, when its heartbeat is older than
  ``claim_timeout`` (default 10 minutes), or at once when it names this host
  and a process that no longer exists (a killed run resumes immediately);
- the claim is removed when the model is done (finished or failed);
- the table, the CSV, ``comparison.json`` and the plots are written to a
  temporary file unique to the process and renamed into place, so two workers
  writing the report together never leave a torn file; each reads everything
  that is on disk, so the last one to write leaves the complete table.

A single worker behaves exactly as before (its claims are never contended).

Example:

```python
import keras_seqzoo as zoo
result = zoo.compare(["conv1d.imdb_words10k", "embedding_flatten.imdb_words10k"],
                             epochs=2, limit=2000, output_dir="runs/demo")
print(result.table_markdown)
```
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import math
import os
import secrets
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any, Mapping, Sequence

import keras

from keras_seqzoo import _atomic, _registry
from keras_seqzoo.compiling import compile_model

__all__ = [
    "DEFAULT_CLAIM_TIMEOUT",
    "EXPERIMENTS",
    "Comparison",
    "Experiment",
    "compare",
    "fast_compile_options",
    "reproduce",
    "summarize",
    "write_report",
]


@dataclasses.dataclass(frozen=True)
class Experiment:
    """One of the slides' training comparisons.

    Attributes:
        name: ``"c1"`` .. ``"c4"``.
        title: the slide's title.
        models: preset names, trained side by side.
        epochs: epochs per model.
        batch_size: batch size used.
        data: keyword arguments for ``datasets.load_imdb``.
        note: what the slides show and how this reproduction differs.
    """

    name: str
    title: str
    models: tuple[str, ...]
    epochs: int
    batch_size: int
    data: Mapping[str, Any]
    note: str = ""


EXPERIMENTS: dict[str, Experiment] = {
    e.name: e
    for e in [
        Experiment(
            "c1",
            "10 epochs: 1-layer vs 2-layer bidirectional LSTM on IMDB subwords (8k)",
            ("bilstm.imdb_subwords8k", "stacked_bilstm.imdb_subwords8k"),
            epochs=10,
            batch_size=64,
            data={"encoding": "subwords"},
            note="Slides: '10 Epochs: Accuracy / Loss Measurement' (T1 vs T2).",
        ),
        Experiment(
            "c2",
            "50 epochs: 1-layer vs 2-layer bidirectional LSTM on IMDB subwords (8k)",
            ("bilstm.imdb_subwords8k", "stacked_bilstm.imdb_subwords8k"),
            epochs=50,
            batch_size=64,
            data={"encoding": "subwords"},
            note="Slides: '50 Epochs: Accuracy / Loss Measurement' (T1 vs T2).",
        ),
        Experiment(
            "c3",
            "Without LSTM vs with LSTM on IMDB words (10k vocabulary, length 120)",
            ("embedding_pooling.imdb_words10k", "bilstm.imdb_words10k_dense24"),
            epochs=10,
            batch_size=32,
            data={"encoding": "words", "vocab_size": 10000, "max_length": 120},
            note="Slides: 'Without LSTM / With LSTM', shown there on a headline data set.",
        ),
        Experiment(
            "c4",
            "IMDB words: Embedding only vs LSTM vs GRU vs CNN (seconds per epoch)",
            (
                "embedding_flatten.imdb_words10k",
                "bilstm.imdb_words10k",
                "bigru.imdb_words10k",
                "conv1d.imdb_words10k",
            ),
            epochs=10,
            batch_size=32,
            data={"encoding": "words", "vocab_size": 10000, "max_length": 120},
            note="Slides: Embedding-only ~5 s/epoch, LSTM ~43 s, GRU ~20 s, CNN ~6 s (2019 GPU).",
        ),
    ]
}


@dataclasses.dataclass
class Comparison:
    """What :func:`compare` returns.

    Attributes:
        directory: the run directory.
        rows: one dict per model (the table's rows).
        table_markdown: the table as Markdown.
        plots: paths of the PNG plots.
    """

    directory: Path
    rows: list[dict[str, Any]]
    table_markdown: str
    plots: list[Path]


_CHECKPOINT = "checkpoint"
_CLAIM = ".claim"
#: Default seconds without a heartbeat after which another worker's claim is stale.
DEFAULT_CLAIM_TIMEOUT = 600.0
_POLL_SECONDS = 2.0


class _EpochCheckpoint(keras.callbacks.Callback):
    """Saves weights and optimizer state after each epoch, atomically, for resume."""

    def __init__(self, directory: Path):
        super().__init__()
        self.directory = directory

    def on_epoch_end(self, epoch, logs=None):
        self.directory.mkdir(parents=True, exist_ok=True)
        with _atomic.replacing(self.directory / "last.weights.h5") as tmp:
            self.model.save_weights(tmp, overwrite=True)
        _write_json_atomic(self.directory / "state.json", {"epoch": epoch})


def _write_json_atomic(path: Path, data: Any) -> None:
    _atomic.write_text(path, json.dumps(data, indent=2, default=str), fsync=True)


def _read_json(path: Path) -> Any:
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


# -- claims: several workers on one output directory ------------------------------

_ACTIVE_TOKENS: set[str] = set()  # claims this process holds now


def _pid_alive(pid: int) -> bool:
    """Whether a process with this id exists on this host."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: alive, another user's
        return True
    return True


def _read_claim(path: Path) -> dict[str, Any] | None:
    """The claim's content; ``None`` when there is none, ``{}`` when it is being written."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError:
        return {}
    try:
        data = json.loads(text)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _claim_age(holder: Mapping[str, Any], path: Path) -> float:
    """Seconds since the holder's last heartbeat (the file's mtime when unreadable)."""
    heartbeat = holder.get("heartbeat")
    if not _finite(heartbeat):
        try:
            heartbeat = path.stat().st_mtime
        except OSError:
            return 0.0
    return time.time() - float(heartbeat)


def _is_stale(holder: Mapping[str, Any], path: Path, timeout: float) -> bool:
    """A claim is stale when its heartbeat is too old, or its process is gone (same host)."""
    pid = holder.get("pid")
    if holder.get("host") == _atomic.HOST and isinstance(pid, int):
        if pid == os.getpid():
            return holder.get("token") not in _ACTIVE_TOKENS  # left over in this process
        if not _pid_alive(pid):
            return True
    return _claim_age(holder, path) > timeout


def _describe_holder(holder: Mapping[str, Any] | None, path: Path) -> str:
    if not holder:
        return "another worker"
    return (f"{holder.get('host')}:{holder.get('pid')} "
            f"(heartbeat {_claim_age(holder, path):.0f} s ago)")


class _Claim:
    """This worker's hold on one model folder (``MODEL/.claim``), with a heartbeat thread."""

    def __init__(self, folder: Path, timeout: float):
        self.folder = folder
        self.path = folder / _CLAIM
        self.timeout = timeout
        self.token = secrets.token_hex(8)
        self.claimed_at = time.time()
        self.lost = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _content(self) -> str:
        return json.dumps({
            "host": _atomic.HOST, "pid": os.getpid(), "token": self.token,
            "claimed_at": self.claimed_at, "heartbeat": time.time(),
        })

    def _create(self) -> bool:
        """Creates the claim file if there is none (atomic: ``O_CREAT | O_EXCL``)."""
        # Mark the token live before the file exists: another thread of this process
        # that reads the new claim must not take it for a leftover (see _is_stale).
        _ACTIVE_TOKENS.add(self.token)
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            _ACTIVE_TOKENS.discard(self.token)
            return False
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(self._content())
            handle.flush()
            os.fsync(handle.fileno())
        return True

    def _take_over(self, stale: Mapping[str, Any]) -> bool:
        """Replaces a stale claim; a lock folder makes sure only one worker does it."""
        lock = self.folder / (_CLAIM + ".lock")
        try:
            os.mkdir(lock)
        except FileExistsError:
            try:  # a worker that died while taking over leaves the lock behind
                if time.time() - lock.stat().st_mtime > self.timeout:
                    os.rmdir(lock)
            except OSError:
                pass
            return False
        try:
            current = _read_claim(self.path)
            if current is not None:
                if current.get("token") != stale.get("token"):
                    return False  # someone renewed or replaced it meanwhile
                self.path.unlink(missing_ok=True)
            return self._create()
        finally:
            try:
                os.rmdir(lock)
            except OSError:
                pass

    def _beat(self) -> None:
        interval = max(0.05, min(60.0, self.timeout / 4))
        while not self._stop.wait(interval):
            holder = _read_claim(self.path)
            if holder == {}:
                continue  # being written (a take-over in progress): look next beat
            if holder is None or holder.get("token") != self.token:
                self.lost = True  # taken over: this worker was too slow to beat
                print(f"compare: warning: the claim on {self.folder.name} was taken over by "
                      f"{_describe_holder(holder, self.path)}", file=sys.stderr, flush=True)
                return
            try:
                _atomic.write_text(self.path, self._content())
            except OSError:  # a transient file-system error: try again next beat
                pass

    def start(self) -> "_Claim":
        self._thread = threading.Thread(
            target=self._beat, name=f"seqzoo-claim-{self.folder.name}", daemon=True
        )
        self._thread.start()
        return self

    def release(self) -> None:
        """Stops the heartbeat and removes the claim if it is still this worker's."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        _ACTIVE_TOKENS.discard(self.token)
        holder = _read_claim(self.path)
        if holder and holder.get("token") == self.token:
            self.path.unlink(missing_ok=True)


def _try_claim(folder: Path, timeout: float) -> tuple[_Claim | None, dict[str, Any] | None]:
    """``(claim, None)`` if this worker now holds ``folder``, ``(None, holder)`` if another does."""
    folder.mkdir(parents=True, exist_ok=True)
    claim = _Claim(folder, timeout)
    holder: dict[str, Any] | None = None
    for _ in range(5):
        if claim._create():
            return claim.start(), None
        holder = _read_claim(claim.path)
        if holder is None:
            continue  # released meanwhile: try again
        if not _is_stale(holder, claim.path, timeout):
            return None, holder
        if claim._take_over(holder):
            return claim.start(), None
    return None, holder


def _data_settings(models: Sequence[str], given: Mapping[str, Any]) -> dict[str, Any]:
    """Data settings shared by the models' presets, then overridden by ``given``."""
    settings: dict[str, Any] = {}
    for name in models:
        _, preset = _registry.resolve(name)
        if preset is None or not preset.data:
            continue
        wanted = {k: v for k, v in preset.data.items() if k in ("encoding", "max_length")}
        if preset.data.get("encoding") == "words":
            wanted["vocab_size"] = preset.data.get("vocab_size")
        for key, value in wanted.items():
            if key in settings and settings[key] != value and given.get(key) is None:
                raise ValueError(
                    f"compare: the presets expect different data ({key}={settings[key]!r} vs "
                    f"{key}={value!r} for {name!r}). Compare models that share an encoding, or "
                    f"pass {key}=... to choose one for all."
                )
            settings[key] = value
    settings.setdefault("encoding", "words")
    settings.update({k: v for k, v in given.items() if v is not None})
    return settings


def _steady_epoch_time(
    records: list[dict[str, Any]], warmup_epochs: set[int]
) -> tuple[float | None, bool]:
    """Median epoch time of the non-warm-up epochs; (value, only_warmup_available).

    The first epoch of every ``fit`` (a resumed run has several) includes tracing
    and compilation, so it is left out when later epochs exist.
    """
    timed = [r for r in records if _finite(r.get("epoch_time"))]
    steady = [r["epoch_time"] for r in timed if r["epoch"] not in warmup_epochs]
    if steady:
        return statistics.median(steady), False
    if timed:
        return statistics.median(r["epoch_time"] for r in timed), True
    return None, False


def _finite(value: Any) -> bool:
    return isinstance(value, (int, float)) and math.isfinite(value)


def _best(records, key, mode):
    values = [(r[key], r["epoch"]) for r in records if _finite(r.get(key))]
    if not values:
        return None, None
    return (max if mode == "max" else min)(values, key=lambda v: v[0])


def summarize(directory: str | os.PathLike, models: Sequence[str] | None = None) -> list[dict]:
    """Builds the comparison rows from the model folders in a run directory.

    Args:
        directory: a run directory written by :func:`compare`.
        models: which model folders, in order; all folders with a ``run.json`` when ``None``.

    Returns:
        One dict per model: ``model``, ``params``, ``epochs``, ``status``,
        ``seconds_per_epoch`` (median of the steady-state epochs),
        ``ratio_to_fastest``, ``best_val_accuracy`` (and its epoch),
        ``final_val_accuracy``, ``best_val_loss``, ``final_val_loss``,
        ``final_accuracy``, ``final_loss``.
    """
    from keras_seqzoo.callbacks import read_history, read_run

    directory = Path(directory)
    if models is None:
        models = sorted(p.name for p in directory.iterdir() if (p / "run.json").exists())
    rows = []
    for name in models:
        folder = directory / name
        if not (folder / "run.json").exists():
            continue
        run = read_run(folder)
        records = read_history(folder)
        warmup = {fit.get("first_epoch") for fit in run.get("fits") or []}
        seconds, warmup_only = _steady_epoch_time(records, warmup)
        best_acc, best_acc_epoch = _best(records, "val_accuracy", "max")
        best_loss, best_loss_epoch = _best(records, "val_loss", "min")
        last = records[-1] if records else {}
        rows.append(
            {
                "model": name,
                "params": (run.get("model") or {}).get("params"),
                "epochs": len(records),
                "status": run.get("status"),
                "seconds_per_epoch": seconds,
                "seconds_include_warmup": warmup_only,
                "ratio_to_fastest": None,
                "best_val_accuracy": best_acc,
                "best_val_accuracy_epoch": best_acc_epoch,
                "final_val_accuracy": last.get("val_accuracy"),
                "best_val_loss": best_loss,
                "best_val_loss_epoch": best_loss_epoch,
                "final_val_loss": last.get("val_loss"),
                "final_accuracy": last.get("accuracy"),
                "final_loss": last.get("loss"),
            }
        )
    times = [r["seconds_per_epoch"] for r in rows if _finite(r["seconds_per_epoch"])]
    if times:
        fastest = min(times)
        for row in rows:
            if _finite(row["seconds_per_epoch"]) and fastest > 0:
                row["ratio_to_fastest"] = row["seconds_per_epoch"] / fastest
    return rows


def _fmt(value: Any, digits: int = 4) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def table_markdown(rows: list[dict[str, Any]]) -> str:
    """Returns the comparison rows as a Markdown table."""
    header = ("| model | params | epochs | s/epoch | x fastest | best val acc (epoch) "
              "| final val acc | best val loss (epoch) | final val loss |")
    lines = [header, "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        seconds = _fmt(r["seconds_per_epoch"], 2) + (" *" if r["seconds_include_warmup"] else "")
        lines.append(
            f"| {r['model']} | {_fmt(r['params'])} | {r['epochs']} | {seconds} "
            f"| {_fmt(r['ratio_to_fastest'], 2)} "
            f"| {_fmt(r['best_val_accuracy'])} ({_fmt(r['best_val_accuracy_epoch'])}) "
            f"| {_fmt(r['final_val_accuracy'])} "
            f"| {_fmt(r['best_val_loss'])} ({_fmt(r['best_val_loss_epoch'])}) "
            f"| {_fmt(r['final_val_loss'])} |"
        )
    if any(r["seconds_include_warmup"] for r in rows):
        lines.append("")
        lines.append("\\* only the warm-up epoch (tracing/compilation included) was timed.")
    return "\n".join(lines) + "\n"


def _table_csv(rows: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    if rows:
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return buffer.getvalue()


def write_report(directory: str | os.PathLike, models: Sequence[str] | None = None,
                 *, title: str | None = None) -> Comparison:
    """(Re)writes the table and plots of a run directory from its model folders.

    Safe to run in several processes at once: each file is written to a
    temporary name unique to the process and renamed into place, so readers see
    a whole old or a whole new file, never a torn one.

    Args:
        directory: a run directory.
        models: the model folders, in order (all when ``None``).
        title: a title for the plots.

    Returns:
        The :class:`Comparison`.
    """
    from keras_seqzoo import plots

    directory = Path(directory)
    rows = summarize(directory, models)
    markdown = table_markdown(rows)
    for name, text in (("comparison.md", markdown), ("comparison.csv", _table_csv(rows))):
        _atomic.write_text(directory / name, text)
    made = []
    runs = {r["model"]: directory / r["model"] for r in rows if r["epochs"]}
    times = {r["model"]: r["seconds_per_epoch"] for r in rows if _finite(r["seconds_per_epoch"])}
    for plot, data, name in ((plots.plot_history, runs, "curves.png"),
                             (plots.plot_epoch_times, times, "epoch_times.png")):
        if data:
            with _atomic.replacing(directory / name) as tmp:
                plot(data, tmp, title=title)
            made.append(directory / name)
    return Comparison(directory=directory, rows=rows, table_markdown=markdown, plots=made)


def _train_one(
    name: str,
    folder: Path,
    data,
    *,
    epochs: int,
    seed: int,
    compile_options: Mapping[str, Any],
    metadata: Mapping[str, Any],
    verbose: int,
) -> str:
    """Trains (or resumes) one model; returns "skipped", "resumed" or "trained"."""
    from keras_seqzoo.callbacks import EpochTimer, HistoryExporter, read_run

    checkpoint = folder / _CHECKPOINT
    if (folder / "run.json").exists():
        run = read_run(folder)
        if run.get("status") == "finished" and run.get("epochs_completed", 0) >= epochs:
            return "skipped"
    initial_epoch = 0
    state = checkpoint / "state.json"
    if state.exists() and (checkpoint / "last.weights.h5").exists():
        initial_epoch = _read_json(state)["epoch"] + 1
    elif folder.exists() and any(not p.name.startswith(_CLAIM) for p in folder.iterdir()):
        # Started but never completed an epoch: start the model over, keep nothing stale.
        for item in folder.iterdir():
            if item.is_file() and not item.name.startswith(_CLAIM):
                item.unlink()

    keras.backend.clear_session()
    keras.utils.set_random_seed(seed)
    entry, preset = _registry.resolve(name)
    overrides = {}
    arguments = entry.arguments
    if "vocab_size" in arguments:
        overrides["vocab_size"] = data.vocab_size
    if "max_length" in arguments:
        overrides["max_length"] = data.max_length  # None: variable-length input
    model = _registry.build(name, **overrides)
    compile_model(model, **compile_options)

    if initial_epoch:
        model.optimizer.build(model.trainable_variables)
        model.load_weights(checkpoint / "last.weights.h5")
    timer = EpochTimer(batch_size=data.batch_size, sequence_length=data.max_length,
                       verbose=bool(verbose))
    exporter = HistoryExporter(folder, resume=True, metadata=dict(metadata),
                               batch_size=data.batch_size, sequence_length=data.max_length)
    callbacks = [timer, exporter, _EpochCheckpoint(checkpoint)]
    with exporter:  # marks run.json "failed" or "interrupted" if fit raises
        model.fit(
            data.train,
            validation_data=data.validation,
            epochs=epochs,
            initial_epoch=initial_epoch,
            shuffle=False,  # the tf.data pipeline shuffles; Keras would only warn
            callbacks=callbacks,
            verbose=verbose,
        )
    return "resumed" if initial_epoch else "trained"


def fast_compile_options(compile_options: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The compile options the runner uses: the user's, plus the fastest safe defaults.

    On the TensorFlow backend Keras' ``jit_compile="auto"`` turns XLA off on
    CPU-only machines, yet XLA trains the slides' recurrent models 1.5-2.7x faster
    there (see the benchmarks page); the runner therefore sets
    ``jit_compile=True`` on TensorFlow unless you chose a value. JAX compiles with
    XLA already; PyTorch is left as it is. The model, data and optimizer are
    unchanged.

    Args:
        compile_options: options for :func:`keras_seqzoo.compile_model`.

    Returns:
        A new dict with ``jit_compile`` filled in.
    """
    options = dict(compile_options or {})
    if "jit_compile" not in options:
        options["jit_compile"] = True if keras.backend.backend() == "tensorflow" else "auto"
    return options


def compare(
    models: Sequence[str],
    *,
    output_dir: str | os.PathLike = "runs/compare",
    epochs: int = 10,
    batch_size: int = 32,
    encoding: str | None = None,
    vocab_size: int | None = None,
    max_length: int | None = None,
    source: str | os.PathLike | None = None,
    limit: int | None = None,
    seed: int = 0,
    data=None,
    compile_options: Mapping[str, Any] | None = None,
    title: str | None = None,
    experiment: str | None = None,
    verbose: int = 2,
    claim_timeout: float = DEFAULT_CLAIM_TIMEOUT,
) -> Comparison:
    """Trains registered models on the same data and writes a comparison.

    Several processes (on one host or on hosts that share ``output_dir``) can run
    the same call at once: each model is claimed (``MODEL/.claim``) by the first
    worker that reaches it and trained once; the others skip it, train the
    models nobody holds, then wait until every model is finished, so each
    worker returns the complete table. See the module docstring for the rules;
    a single process behaves as if there were no claims.

    Args:
        models: builder or preset names (``seqzoo list --presets``).
        output_dir: the run directory; running again resumes what is there.
        epochs: epochs per model (>= 1).
        batch_size: batch size.
        encoding: ``"words"`` or ``"subwords"``; by default what the presets expect.
        vocab_size: word vocabulary size (words encoding).
        max_length: sequence length (truncates subwords when set).
        source: the IMDB data (an ``aclImdb`` folder or ``.tar.gz``); see
            ``keras_seqzoo.datasets.load_imdb`` for where it looks otherwise.
        limit: use a balanced subset of this many reviews per split (quick runs).
        seed: seeds data shuffling, subsets and weight initialisation.
        data: an already loaded dataset (``load_imdb``'s result); skips loading.
        compile_options: passed to :func:`keras_seqzoo.compile_model`
            (default: the slides' adam / binary cross-entropy / accuracy).
        title: a title for the plots.
        experiment: the experiment's name, recorded in the metadata.
        verbose: 0 silent, 1 progress bars, 2 one line per epoch.
        claim_timeout: seconds without a heartbeat after which another worker's
            claim on a model is considered abandoned and taken over (default
            600). A claim from a process of this host that no longer exists is
            taken over at once. Hosts sharing a directory need clocks that
            agree to well within this time.

    Returns:
        A :class:`Comparison` with the rows, the Markdown table and the plot paths.

    Example:

    ```python
    # in two shells, or on two hosts sharing /shared/runs:
    zoo.compare(["bilstm", "bigru", "conv1d", "embedding_pooling"], epochs=5,
                output_dir="/shared/runs/c4")
    ```

    Raises:
        UnknownModelError: a model name is not registered (nothing is trained).
        ValueError: bad settings, e.g. ``epochs < 1``.
    """
    if isinstance(models, str):
        models = [models]
    models = list(dict.fromkeys(models))
    if not models:
        raise ValueError("compare: give at least one model name (see `seqzoo list --presets`).")
    for name in models:
        _registry.resolve(name)  # unknown names fail before any work
    if not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"compare: epochs must be an integer >= 1. Received: epochs={epochs!r}")
    if not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(
            f"compare: batch_size must be an integer >= 1. Received: batch_size={batch_size!r}"
        )
    if (isinstance(claim_timeout, bool) or not isinstance(claim_timeout, (int, float))
            or not claim_timeout > 0 or not math.isfinite(claim_timeout)):
        raise ValueError(
            "compare: claim_timeout must be a number of seconds > 0. "
            f"Received: claim_timeout={claim_timeout!r}"
        )
    claim_timeout = float(claim_timeout)
    settings = _data_settings(
        models, {"encoding": encoding, "vocab_size": vocab_size, "max_length": max_length}
    )
    if data is None:
        from keras_seqzoo import datasets

        data = datasets.load_imdb(
            settings.pop("encoding"), source=source, batch_size=batch_size, limit=limit,
            seed=seed, **settings,
        )
    directory = Path(output_dir)
    directory.mkdir(parents=True, exist_ok=True)
    options = fast_compile_options(compile_options)
    config = {
        "experiment": experiment,
        "models": models,
        "epochs": epochs,
        "batch_size": batch_size,
        "seed": seed,
        "limit": limit,
        "compile_options": {k: str(v) for k, v in options.items()},
        "data": getattr(data, "info", None),
        "backend": keras.backend.backend(),
        "keras_version": keras.__version__,
        "command": " ".join(sys.argv) if sys.argv and sys.argv[0].endswith("seqzoo") else None,
    }
    _write_json_atomic(directory / "comparison.json", config)
    metadata = {"experiment": experiment, "data": getattr(data, "info", None), "seed": seed}
    poll = min(_POLL_SECONDS, claim_timeout / 4)
    try:
        remaining, announced = list(models), set()
        while remaining:
            waiting = []
            for name in remaining:
                index = models.index(name) + 1
                claim, holder = _try_claim(directory / name, claim_timeout)
                if claim is None:  # another live worker trains it: look again later
                    waiting.append(name)
                    if verbose and name not in announced:
                        print(f"[{index}/{len(models)}] {name}: claimed by "
                              f"{_describe_holder(holder, directory / name / _CLAIM)}; "
                              "waiting for it", flush=True)
                    announced.add(name)
                    continue
                try:
                    if verbose:
                        print(f"[{index}/{len(models)}] {name}", flush=True)
                    started = time.monotonic()
                    outcome = _train_one(
                        name, directory / name, data, epochs=epochs, seed=seed,
                        compile_options=options, metadata=metadata, verbose=verbose,
                    )
                    if verbose:
                        print(f"[{index}/{len(models)}] {name}: {outcome} "
                              f"in {time.monotonic() - started:.1f} s", flush=True)
                finally:
                    claim.release()
            remaining = waiting
            if remaining:
                time.sleep(poll)
    finally:
        # Interrupted or not, the table and plots describe exactly what is on disk.
        result = write_report(directory, [m for m in models if (directory / m).exists()],
                              title=title)
    if verbose:
        print(result.table_markdown)
    return result


def reproduce(
    name: str,
    *,
    output_dir: str | os.PathLike | None = None,
    **overrides: Any,
) -> Comparison:
    """Runs one of the slides' comparisons (``"c1"`` .. ``"c4"``).

    Args:
        name: the experiment, see :data:`EXPERIMENTS`.
        output_dir: the run directory (default ``runs/NAME``).
        **overrides: any :func:`compare` argument (e.g. ``epochs``, ``limit``).

    Returns:
        The :class:`Comparison`.
    """
    key = name.lower()
    if key not in EXPERIMENTS:
        raise ValueError(
            f"Unknown experiment {name!r}. Choose one of: {', '.join(EXPERIMENTS)}."
        )
    experiment = EXPERIMENTS[key]
    options = {
        "epochs": experiment.epochs,
        "batch_size": experiment.batch_size,
        "title": experiment.title,
        "experiment": key,
        **{k: v for k, v in experiment.data.items() if k != "encoding"},
        "encoding": experiment.data.get("encoding"),
    }
    options.update({k: v for k, v in overrides.items() if v is not None})
    return compare(list(experiment.models), output_dir=output_dir or f"runs/{key}", **options)
