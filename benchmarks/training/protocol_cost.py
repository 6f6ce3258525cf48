"""What the sound protocol costs per trial: the best-epoch checkpoint, the restore, the test.

Runs the same comparison twice on the same data and seeds: under the slides'
protocol (no checkpoint, no test split) and under the sound one (the best
epoch's weights kept in ``checkpoint.weights.h5`` each time validation
improves, restored after training, the test split evaluated once). Per trial
it reports the restore and the test evaluation as the runner measured them
(``run.json``), the training seconds (the EpochTimer's epochs) and the extra
wall time of the sound run, which includes the checkpoint writes. The data
are random token ids in memory (``--examples`` per split), so the figures are
the protocol's own cost, not the data pipeline's. The machine's load is stored
with the results (``keras_seqzoo.machine.load_record``).

Example::

    KERAS_BACKEND=jax python -m benchmarks.training.protocol_cost --epochs 5 --seeds 0 1 \\
        --json docs/data/benchmarks/protocol_cost.json
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import types
from pathlib import Path
from typing import Any

import keras
import numpy as np

from keras_seqzoo import comparison
from keras_seqzoo.callbacks import read_history, read_run
from benchmarks import harness
from keras_seqzoo.machine import load_record, load_snapshot

MODULE = "benchmarks.training.protocol_cost"


class _Batches(keras.utils.PyDataset):
    def __init__(self, x: np.ndarray, y: np.ndarray, batch_size: int):
        super().__init__()
        self.x, self.y, self.batch_size = x, y, batch_size

    def __len__(self) -> int:
        return -(-len(self.x) // self.batch_size)

    def __getitem__(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        part = slice(index * self.batch_size, (index + 1) * self.batch_size)
        return self.x[part], self.y[part]


def synthetic_data(examples: int, length: int, vocab_size: int, batch_size: int) -> Any:
    """Three splits of random ids whose label is learnable from the first token."""
    rng = np.random.default_rng(0)
    x = rng.integers(1, vocab_size, size=(3 * examples, length)).astype("int32")
    y = (x[:, 0] > vocab_size // 2).astype("float32")
    split = [_Batches(x[i * examples:(i + 1) * examples], y[i * examples:(i + 1) * examples],
                      batch_size) for i in range(3)]
    return types.SimpleNamespace(
        train=split[0], validation=split[1], test=split[2], batch_size=batch_size,
        max_length=length, vocab_size=vocab_size,
        info={"dataset": "synthetic", "examples_per_split": examples, "max_length": length},
    )


def measure(model: str, *, epochs: int, seeds: list[int], examples: int, length: int,
            vocab_size: int, batch_size: int) -> dict[str, Any]:
    """Runs both protocols; returns the per-trial rows and the load record."""
    before = load_snapshot()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        walls: dict[str, float] = {}
        for protocol in ("slides", "sound"):
            data = synthetic_data(examples, length, vocab_size, batch_size)
            data.test = data.test if protocol == "sound" else None
            started = time.perf_counter()
            comparison.compare([model], data=data, epochs=epochs, seeds=seeds,
                               protocol=protocol, output_dir=Path(tmp) / protocol, verbose=0)
            walls[protocol] = time.perf_counter() - started
        for seed, folder in zip(seeds, comparison.model_runs(Path(tmp) / "sound")[model]):
            run = read_run(folder)
            train = sum(float(r.get("epoch_time") or 0.0) for r in read_history(folder))
            rows.append({
                "model": model, "seed": seed, "epochs": epochs,
                "train_seconds": round(train, 4),
                "restore_seconds": round(float(run["restore_seconds"]), 4),
                "test_seconds": round(float(run["test_seconds"]), 4),
                "best_epoch": run["best_epoch"],
                "test_share_of_training": round(float(run["test_seconds"]) / train, 4)
                if train > 0 else None,
            })
    after = load_snapshot()
    return {
        "rows": rows,
        "wall_seconds": {k: round(v, 3) for k, v in walls.items()},
        "extra_wall_seconds_per_trial": round((walls["sound"] - walls["slides"]) / len(seeds), 3),
        "backend": keras.backend.backend(), "keras_version": keras.__version__,
        "settings": {"examples_per_split": examples, "length": length,
                     "vocab_size": vocab_size, "batch_size": batch_size},
        "load": load_record(before, after),
        "command": " ".join(["python", "-m", MODULE, *sys.argv[1:]]),
    }


def render(result: dict[str, Any]) -> str:
    """The results as a text table."""
    lines = [f"{'model':<26} {'seed':>4} {'train s':>9} {'restore s':>10} {'test s':>8} "
             f"{'test/train':>10}"]
    for r in result["rows"]:
        share = r["test_share_of_training"]
        lines.append(f"{r['model']:<26} {r['seed']:>4} {r['train_seconds']:>9.3f} "
                     f"{r['restore_seconds']:>10.4f} {r['test_seconds']:>8.3f} "
                     f"{share if share is not None else float('nan'):>10.3f}")
    lines.append(f"extra wall seconds per trial (sound - slides, checkpoints included): "
                 f"{result['extra_wall_seconds_per_trial']:.3f}; backend "
                 f"{result['backend']}; load {result['load']['loadavg_before']} -> "
                 f"{result['load']['loadavg_after']} (idle: {result['load']['idle']})")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="conv1d")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--examples", type=int, default=4000, help="examples per split")
    parser.add_argument("--length", type=int, default=120)
    parser.add_argument("--vocab-size", type=int, default=10000)
    parser.add_argument("--batch-size", type=int, default=32)
    harness.add_output_flags(parser)
    args = parser.parse_args(argv)
    if args.quick:
        args.epochs, args.seeds, args.examples = 2, [0], 64
    recording = harness.Recording(MODULE, argv)
    result = measure(args.model, epochs=args.epochs, seeds=args.seeds, examples=args.examples,
                     length=args.length, vocab_size=args.vocab_size,
                     batch_size=args.batch_size)
    recording.finish(args, text=render(result), payload=result, load_in_text=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
