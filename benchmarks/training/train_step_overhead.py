"""What a Keras training step costs around the model, per backend, against plain PyTorch.

The recurrent twins (``benchmarks.training.torch_twins``) time the whole training step. To see how
much of the gap to plain PyTorch is the recurrence and how much is the rest of the
step (Keras' fit loop, the functional model's layer calls, loss, metrics, optimizer
update), this script trains T5 with its BiLSTM taken out: Embedding(10000, 16) ->
GlobalAveragePooling1D -> Dense(6) -> Dense(1) (``keras_seqzoo.build("embedding_pooling",
...)``), and its plain PyTorch twin (``nn.Embedding``, mean over time, two
``nn.Linear``, ``torch.optim.Adam``, a plain loop), on the same batches, one process per
Keras backend, epochs alternating as in ``torch_twins``. What this model costs is
almost all overhead: its arithmetic is tiny. On a GPU machine the twin runs on CUDA
(``--device``) and Keras on its backend's GPU.

Run:

```bash
KERAS_SEQZOO_IMDB=/path/to/aclImdb_v1.tar.gz python -m benchmarks.training.train_step_overhead \\
    --configs jax torch tensorflow --rounds 7 --text docs/data/benchmarks/train_step_overhead.txt
```
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics

from benchmarks import harness
from benchmarks.training.torch_twins import BATCH, CONFIGS, LENGTH, _data

MODULE = "benchmarks.training.train_step_overhead"


def worker(args) -> None:
    """Runs in a process whose KERAS_BACKEND is fixed; prints one JSON line."""
    import keras
    import torch
    from torch import nn

    import keras_seqzoo as zoo

    x, y = _data(args)
    steps = len(x) // BATCH
    keras.utils.set_random_seed(0)
    model = zoo.build("embedding_pooling", vocab_size=10000, embedding_dim=16,
                      max_length=LENGTH, pooling="average", dense_units=6)
    model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])

    def keras_epoch():
        model.fit(x[: steps * BATCH], y[: steps * BATCH], batch_size=BATCH, epochs=1,
                  verbose=0, shuffle=False)

    class Twin(nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = nn.Embedding(10000, 16)
            self.dense = nn.Linear(16, 6)
            self.out = nn.Linear(6, 1)

        def forward(self, tokens):
            h = self.embedding(tokens).mean(dim=1)
            return torch.sigmoid(self.out(torch.relu(self.dense(h)))).squeeze(-1)

    device = torch.device(args.device or ("cuda" if torch.cuda.is_available() else "cpu"))
    torch.manual_seed(0)
    twin = Twin().to(device)
    optimizer = torch.optim.Adam(twin.parameters(), lr=1e-3)
    loss_fn = nn.BCELoss()
    xt = torch.tensor(x, dtype=torch.long, device=device)
    yt = torch.tensor(y, device=device)

    def torch_epoch():
        for i in range(0, steps * BATCH, BATCH):
            optimizer.zero_grad()
            loss_fn(twin(xt[i:i + BATCH]), yt[i:i + BATCH]).backward()
            optimizer.step()
        if device.type == "cuda":
            torch.cuda.synchronize()

    runs = {"keras_seqzoo": keras_epoch, "plain PyTorch": torch_epoch}
    for run in runs.values():
        run()  # warm-up
    times = harness.alternating_rounds(runs, args.rounds)
    versions = harness.versions(torch_device=device)
    versions.pop("backend", None)
    versions.pop("numpy", None)
    versions.pop("cudnn", None)
    harness.emit({"times": times, "steps": steps, "versions": versions})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=None, help="IMDB folder or tarball ($KERAS_SEQZOO_IMDB)")
    parser.add_argument("--synthetic", action="store_true",
                        help="random tokens and labels instead of IMDB (smoke runs)")
    parser.add_argument("--sequences", type=int, default=None,
                        help="timed training reviews (default 6400; --quick: 64)")
    parser.add_argument("--configs", nargs="*", default=list(CONFIGS), choices=CONFIGS)
    parser.add_argument("--device", default=None,
                        help="torch device of the twin (default: cuda if available, else cpu)")
    harness.add_output_flags(parser)
    parser.add_argument("--rounds", type=int, default=None,
                        help="alternating rounds (default 7; --quick: 1)")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    for name, full, quick in (("sequences", 6400, 64), ("rounds", 7, 1)):
        if getattr(args, name) is None:
            setattr(args, name, quick if args.quick else full)
    if args.quick and not args.data:
        args.synthetic = True
    if args.worker:
        worker(args)
        return
    lines = [
        "Training step without the recurrence: Embedding(10000, 16) -> GlobalAveragePooling1D",
        f"-> Dense(6) -> Dense(1); {args.sequences} sequences"
        f"{' (random tokens)' if args.synthetic else ''} x {LENGTH} tokens, batch {BATCH},",
        f"{args.rounds} alternating rounds after a warm-up epoch. Milliseconds per step.",
        f"Machine: {harness.cpu_model()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}",
        "",
        f"{'backend':<12} {'keras_seqzoo':<18} {'plain PyTorch':<18} extra per step",
        f"{'':<12} {'best':>6} {'median':>8}   {'best':>6} {'median':>8}   (medians)",
    ]
    recording = harness.Recording(MODULE)
    version_lines = []
    payloads = {}
    gpus: set[str] = set()
    for config in args.configs:
        command = ["--sequences", str(args.sequences), "--rounds", str(args.rounds)]
        if args.data:
            command += ["--data", args.data]
        if args.synthetic:
            command.append("--synthetic")
        if args.device:
            command += ["--device", args.device]
        payload = payloads[config] = harness.run_worker(MODULE, command, config)
        per_step = {name: [1000 * t / payload["steps"] for t in values]
                    for name, values in payload["times"].items()}
        ours, theirs = per_step["keras_seqzoo"], per_step["plain PyTorch"]
        extra = statistics.median(ours) - statistics.median(theirs)
        lines.append(
            f"{config:<12} {min(ours):>6.2f} {statistics.median(ours):>8.2f}   "
            f"{min(theirs):>6.2f} {statistics.median(theirs):>8.2f}   {extra:>5.2f} ms")
        version_lines.append(
            f"{config}: " + ", ".join(f"{k} {v}" for k, v in payload["versions"].items()))
        if payload["versions"].get("gpu"):
            gpus.add(payload["versions"]["gpu"])
    if gpus:
        lines[3] += f", GPU {', '.join(sorted(gpus))}"
    lines += [""] + version_lines
    recording.finish(args, text="\n".join(lines) + "\n",
                     payload={"sequences": args.sequences, "rounds": args.rounds,
                              "synthetic": args.synthetic, "results": payloads})


if __name__ == "__main__":
    main()
