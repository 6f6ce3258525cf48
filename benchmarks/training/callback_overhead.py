"""Overhead of keras_seqzoo's EpochTimer + HistoryExporter, against CSVLogger.

Trains a slide model for a few epochs in three configurations, alternating
them round after round (``--rounds``) so that drifts in machine load hit all of them alike:

- ``none``: no callbacks;
- ``csvlogger``: ``keras.callbacks.CSVLogger``;
- ``seqzoo``: ``EpochTimer`` + ``HistoryExporter`` (fsync on).

Every configuration also carries the same tiny stamp callback (two clock reads
per epoch) that measures the epoch times. It prints the median steady-state
epoch time (epoch 0, with compilation, left out) per configuration, its ratio
to ``none``, the time spent inside the measured callbacks' per-epoch hooks as a
share of the epoch time (the most precise overhead figure: wall-time ratios
below ~1% are within noise), and their once-per-fit cost (``on_train_begin``/
``on_train_end``: run metadata, the summary table). Target: ``seqzoo`` < 1% of the epoch time on the
IMDB BiLSTM and no more than ``csvlogger``.

This is a script, not a test. Examples:

```
KERAS_BACKEND=jax python -m benchmarks.training.callback_overhead       # synthetic
KERAS_BACKEND=jax python -m benchmarks.training.callback_overhead --data imdb --epochs 4 --rounds 3
```

``--long-run EPOCHS`` (default 1,000) then calls the hooks alone, as ``fit`` does,
for that many epochs and prints the cost per epoch at the start and at the end.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import keras
import numpy as np

import keras_seqzoo as zoo
from benchmarks import harness
from keras_seqzoo.callbacks import EpochTimer, HistoryExporter

MODULE = "benchmarks.training.callback_overhead"

_HOOKS = ("on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end",
          "on_test_begin", "on_test_end")


class _Stamp(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.times: list[float] = []

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.times.append(time.perf_counter() - self._start)


def _instrument(callbacks: list, spent: list) -> None:
    """Wraps the non-default hooks of ``callbacks`` to add up their time:
    ``spent[0]`` per-epoch hooks, ``spent[1]`` once-per-fit hooks."""
    for callback in callbacks:
        for name in _HOOKS:
            method = getattr(callback, name)
            if getattr(method, "_is_default", False):
                continue

            def timed(*args, _method=method, _name=name, **kwargs):
                start = time.perf_counter()
                try:
                    return _method(*args, **kwargs)
                finally:
                    spent[_name.startswith("on_train_")] += time.perf_counter() - start

            setattr(callback, name, timed)


def _data(args):
    if args.data == "imdb":
        from keras_seqzoo import datasets  # $KERAS_SEQZOO_IMDB or the Keras cache

        data = datasets.load_imdb("words", vocab_size=args.vocab_size,
                                  max_length=args.max_length, protocol="slides")
        (x, y), _ = data.numpy()
        return x[: args.samples], y[: args.samples].astype("float32")
    rng = np.random.default_rng(0)
    x = rng.integers(1, args.vocab_size, (args.samples, args.max_length))
    return x, rng.integers(0, 2, (args.samples,)).astype("float32")


def _callbacks(config: str, directory: Path, batch_size: int) -> list:
    if config == "none":
        return []
    if config == "csvlogger":
        return [keras.callbacks.CSVLogger(str(directory / "log.csv"))]
    return [EpochTimer(batch_size=batch_size, verbose=0), HistoryExporter(directory)]


def _long_run_hook_cost(epochs: int, tmp: Path) -> list[str]:
    """Per-epoch hook time over a long run, without training: the hooks are called
    the way ``fit`` calls them (through ``keras.callbacks.CallbackList``) with a
    fixed set of logs. Shows whether the cost grows with the number of epochs."""
    model = zoo.build("embedding_pooling", vocab_size=50, max_length=8)
    configs = {
        "csvlogger": lambda d: [keras.callbacks.CSVLogger(str(d / "log.csv"))],
        "seqzoo": lambda d: [EpochTimer(batch_size=32, verbose=0), HistoryExporter(d)],
        "seqzoo, fsync=False": lambda d: [EpochTimer(batch_size=32, verbose=0),
                                          HistoryExporter(d, fsync=False)],
    }
    lines = ["", f"hooks only, {epochs} epochs (ms per epoch, median of the first and last 50):"]
    for name, make in configs.items():
        directory = tmp / f"long_{len(name)}_{name[:6]}"
        directory.mkdir()
        callbacks = keras.callbacks.CallbackList(
            make(directory), model=model, epochs=epochs, steps=1, verbose=0)
        callbacks.on_train_begin()
        times = []
        for epoch in range(epochs):
            logs = {"loss": 0.5, "accuracy": 0.75, "val_loss": 0.625, "val_accuracy": 0.7}
            start = time.perf_counter()
            callbacks.on_epoch_begin(epoch)
            callbacks.on_test_begin()
            callbacks.on_test_end()
            callbacks.on_epoch_end(epoch, logs)
            times.append(time.perf_counter() - start)
        callbacks.on_train_end()
        first, last = statistics.median(times[:50]), statistics.median(times[-50:])
        lines.append(f"{name:>20}  first {first * 1000:7.3f}  last {last * 1000:7.3f}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="bilstm.imdb_words10k")
    parser.add_argument("--data", choices=("synthetic", "imdb"), default="synthetic")
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--vocab-size", type=int, default=10000)
    parser.add_argument("--max-length", type=int, default=120)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--validation-split", type=float, default=0.2)
    parser.add_argument("--long-run", type=int, default=1000, metavar="EPOCHS",
                        help="also time the hooks alone over this many epochs (0: skip)")
    harness.add_output_flags(parser, rounds=2)
    args = parser.parse_args()
    if args.quick:
        args.samples, args.epochs = min(args.samples, 128), 2
        args.rounds, args.long_run = min(args.rounds, 1), min(args.long_run, 60)
    recording = harness.Recording(MODULE)

    lines: list[str] = []
    payload: dict = {"backend": keras.backend.backend(), "model": args.model,
                     "data": args.data, "rounds": args.rounds, "epochs": args.epochs}
    with tempfile.TemporaryDirectory() as tmp:
        if args.rounds > 0:  # 0: only the --long-run part
            lines += _fits(args, Path(tmp), payload)
        if args.long_run:
            lines += _long_run_hook_cost(args.long_run, Path(tmp))
    recording.finish(args, text="\n".join(lines) + "\n", payload=payload)


def _fits(args, tmp: Path, payload: dict) -> list[str]:
    """Fits the model in every configuration, alternating; returns the report's lines."""
    x, y = _data(args)
    configs = ("none", "csvlogger", "seqzoo")
    epoch_times: dict[str, list[float]] = {c: [] for c in configs}
    hook_share: dict[str, list[float]] = {c: [] for c in configs}
    per_fit: dict[str, list[float]] = {c: [] for c in configs}

    def fit(config: str):
        def run() -> None:
            repeat = len(per_fit[config])
            keras.backend.clear_session()
            keras.utils.set_random_seed(repeat)
            model = zoo.compile_model(zoo.build(
                args.model, vocab_size=args.vocab_size, max_length=args.max_length))
            directory = tmp / f"{config}_{repeat}"
            directory.mkdir()
            callbacks = _callbacks(config, directory, args.batch_size)
            spent = [0.0, 0.0]
            _instrument(callbacks, spent)
            stamp = _Stamp()
            model.fit(x, y, batch_size=args.batch_size, epochs=args.epochs,
                      validation_split=args.validation_split, verbose=0,
                      callbacks=[stamp, *callbacks])
            steady = stamp.times[1:] or stamp.times
            epoch_times[config].extend(steady)
            hook_share[config].append(spent[0] / len(stamp.times) / statistics.median(steady))
            per_fit[config].append(spent[1])
            print(f"repeat {repeat} {config:>9}: epochs "
                  + ", ".join(f"{t:.3f}" for t in stamp.times) + " s", flush=True)

        return run

    harness.alternating_rounds({config: fit(config) for config in configs}, args.rounds)
    base = statistics.median(epoch_times["none"])
    lines = [f"{keras.backend.backend()} backend, model {args.model}, data {args.data} "
             f"({len(x)} samples x {args.max_length}), batch {args.batch_size}, "
             f"{args.epochs} epochs x {args.rounds} rounds",
             f"{'config':>10}  {'epoch (s)':>10}  {'vs none':>8}  {'epoch hooks / epoch':>20}"
             f"  {'once per fit (ms)':>17}"]
    for config in configs:
        median = statistics.median(epoch_times[config])
        share = statistics.median(hook_share[config])
        once = statistics.median(per_fit[config]) * 1000
        lines.append(f"{config:>10}  {median:10.4f}  {median / base:8.4f}  "
                     f"{share * 100:19.3f}%  {once:17.1f}")
    payload.update({"epoch_seconds": epoch_times, "hook_share": hook_share,
                    "once_per_fit_seconds": per_fit})
    return lines


if __name__ == "__main__":
    main()
