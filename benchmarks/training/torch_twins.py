"""Seconds per epoch of every registered architecture: keras_seqzoo against its plain PyTorch twin.

Side by side in one process per Keras backend: the same batches train

- ``seqzoo``: the model from ``keras_seqzoo.build`` at the architecture's table preset
  (the recurrent builders with their default fused ``LSTM`` / ``GRU`` layers; the
  kernel they ran is recorded);
- ``keras`` (with ``--with-keras``; the recurrent builders bilstm, bigru and
  stacked_bilstm): the same builder with ``fused=False``, i.e. plain
  ``keras.layers.LSTM`` / ``GRU``;
- ``wrapped`` (with ``--with-wrapped``, PyTorch backend, the same three): a Keras model
  whose recurrence is the twin's own ``nn.LSTM`` / ``nn.GRU`` in
  ``keras.layers.TorchModuleWrapper``, trained by Keras' ``fit``;
- ``torch``: the twin written in plain PyTorch as a PyTorch user would
  (:mod:`benchmarks.training.twins`: the same parameter count within 1 %, a plain
  training loop, ``nn.BCELoss``, ``torch.optim.Adam``, batch 32, the same tensors).

Architectures (``--models`` takes the first word of a label or the architecture):
T4 embedding_flatten, T5 bilstm, T6 bigru, T7 conv1d, C3 embedding_pooling,
T2 stacked_bilstm (Embedding(8185, 64), the subwords preset's vocabulary; token ids
folded into it), M1 transformer_encoder, M2 fasttext, M3 tcn, M4 mingru,
M5 bigru_attention: every architecture of ``keras_seqzoo.list_models()``. Data:
``--sequences`` IMDB training reviews (words, 120 tokens, padded after the text), or
random tokens with ``--synthetic``.

Before anything is timed, every twin is checked to learn: one worker (the first
backend of ``--configs``) trains the Keras model and the twin for 2 epochs (fastText 5:
``Architecture.check_epochs``) on the
timed reviews and compares their accuracy on ``--check-validation`` validation
reviews (:func:`benchmarks.training.twins.check_learns`); a twin more than 2 points
below the Keras model stops the run (with ``--synthetic``: a learnable synthetic task,
tokens drawn from a distribution that depends on the label). ``--quick`` records the
check without enforcing it (its data are too small to tell).

Each round times one full epoch (``--sequences`` / 32 steps, no validation) of every
model and way, in an order that reverses every round, after a warm-up epoch. Reported
per cell: the best epoch and the median epoch; the ratio keras_seqzoo / PyTorch best
against best and of the medians.

On a GPU (the twins on CUDA, Keras on its backend's GPU) each Keras row also says
whether a cuDNN RNN ran; the same command records the GPU table (``--synthetic``
where the IMDB archive is not on the GPU machine).

Run (the full table, one process per backend, one after the other; about 1-1.5 hours on
an idle 2-core CPU):

```bash
KERAS_SEQZOO_IMDB=/path/to/aclImdb_v1.tar.gz python -m benchmarks.training.torch_twins \\
    --configs jax torch tensorflow --rounds 7 --with-keras \\
    --json docs/data/benchmarks/torch_twins.json --rst docs/data/benchmarks/torch_twins.rst
```

``--advice keras_seqzoo/_backend_speed_table.py`` also writes the figures that
``seqzoo describe`` and the catalogue advise a backend from
(:mod:`keras_seqzoo.backend_speed`); with ``--advice-only`` it writes them from the
recording in ``--json`` without measuring anything:

```bash
python -m benchmarks.training.torch_twins --advice-only \
    --json docs/data/benchmarks/torch_twins.json --advice keras_seqzoo/_backend_speed_table.py
```

``--update`` re-measures part of a recording (say ``--configs torch`` after a change
to the PyTorch kernels): the rows it measures replace those of ``--json``, the others
stay, and the table says which recording each row comes from (every ratio is still
against the plain PyTorch twin timed in the same process).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import sys

from benchmarks import harness
from benchmarks.training.twins import (ARCHITECTURES, check_learns, seeded_sample, torch_twin,
                                       train_twin)

MODULE = "benchmarks.training.torch_twins"
#: Table label -> (preset, cell) of every architecture; ``cell`` is None where the
#: builder has no fused layers (no ``keras`` / ``wrapped`` rows).
MODELS = {a.label: (a.preset, a.cell) for a in ARCHITECTURES.values()}
ARCHITECTURE_OF = {a.label: a.name for a in ARCHITECTURES.values()}
CONFIGS = ("jax", "torch", "tensorflow")
WAYS = ("seqzoo", "keras", "wrapped")  # the Keras rows of a model, in the table's order
LENGTH = 120
BATCH = 32
#: ``--quick``: tiny settings for a smoke run of the whole pipeline.
QUICK = {"sequences": 64, "rounds": 1, "check_validation": 64}


def _selected(models: list[str] | None) -> list:
    """The architectures ``--models`` names (label keys like ``T5`` or names like ``tcn``)."""
    if not models:
        return list(ARCHITECTURES.values())
    known = {a.key: a for a in ARCHITECTURES.values()} | dict(ARCHITECTURES)
    unknown = [m for m in models if m not in known]
    if unknown:
        raise SystemExit(f"torch_twins: --models got {unknown}; each is one of "
                         f"{sorted(known)}")
    return [a for a in ARCHITECTURES.values() if a.key in models or a.name in models]


def wrapped_twin(preset: str, cell: str):
    """A Keras model of ``preset`` whose recurrence is the plain PyTorch twin's ``nn.LSTM``
    / ``nn.GRU`` layers in ``keras.layers.TorchModuleWrapper`` (PyTorch backend only): what
    torch's own layers do with Keras' training step around them."""
    import keras
    import torch
    from torch import nn

    architecture = next(a.name for a in ARCHITECTURES.values() if a.preset == preset)
    torch.manual_seed(0)
    twin = torch_twin(architecture, LENGTH)

    class LastStates(nn.Module):
        def __init__(self, rnns):
            super().__init__()
            self.rnns = rnns

        def forward(self, x):
            for rnn_layer in self.rnns:
                x, state = rnn_layer(x)
            h = state[0] if isinstance(state, tuple) else state
            return torch.cat([h[-2], h[-1]], dim=-1)

    embedding, dense = twin.embedding, twin.dense
    inputs = keras.Input((LENGTH,), dtype="int32")
    x = keras.layers.Embedding(embedding.num_embeddings, embedding.embedding_dim)(inputs)
    x = keras.layers.TorchModuleWrapper(LastStates(twin.rnns),
                                        output_shape=(None, dense.in_features))(x)
    x = keras.layers.Dense(dense.out_features, activation="relu")(x)
    return keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid")(x))


def _synthetic(count: int, seed: int):
    """Random tokens whose distribution depends on the label (a learnable task): a
    label-1 review draws 60 % of its tokens from ids below 5,000, a label-0 one 40 %."""
    import numpy as np

    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, size=count)
    low = rng.random((count, LENGTH)) < np.where(y[:, None] == 1, 0.6, 0.4)
    x = np.where(low, rng.integers(1, 5000, size=(count, LENGTH)),
                 rng.integers(5000, 10000, size=(count, LENGTH)))
    return x, y


def _data(args, split: str = "train", count: int | None = None):
    """``count`` (default ``--sequences``) reviews of ``split`` as int32 tokens and
    float32 labels: IMDB words, or the synthetic task with ``--synthetic``."""
    count = count or args.sequences
    if args.synthetic:
        x, y = _synthetic(count, seed=0 if split == "train" else 1)
    else:
        from keras_seqzoo import datasets

        train, validation = datasets.load_imdb("words", source=args.data, protocol="slides").numpy()
        x, y = train if split == "train" else validation
        if len(x) < count:
            raise SystemExit(f"only {len(x)} {split} sequences, asked for {count}")
        return seeded_sample(x, y, count, 0 if split == "train" else 1)
    return x.astype("int32"), y.astype("float32")


def _cudnn_ran(model, batch) -> bool:
    """Whether a forward pass of a Keras model (torch or JAX backend, on a GPU) runs a
    cuDNN RNN: torch's ``_cudnn_rnn`` op in a profile, or a cuDNN custom call in the
    compiled JAX program."""
    import keras

    if keras.backend.backend() == "jax":
        import jax

        return "cudnn" in jax.jit(lambda t: model(t)).lower(batch).as_text().lower()
    import torch

    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as prof:
        model(batch)
    return any("cudnn_rnn" in event.key for event in prof.key_averages())


def check_worker(args) -> None:
    """Runs :func:`check_learns` for every selected architecture; prints one JSON line."""
    train = _data(args)
    validation = _data(args, "validation", args.check_validation)
    results = [check_learns(a.name, train, validation, epochs=args.check_epochs or a.check_epochs,
                            length=LENGTH)
               for a in _selected(args.models)]
    harness.emit({"checks": results, "versions": harness.versions()})


def worker(args) -> None:
    """Runs in a process whose KERAS_BACKEND is fixed; prints one JSON line."""
    import keras
    import torch

    import keras_seqzoo as zoo
    from keras_seqzoo.layers import recurrent_kernels

    if args.check:
        check_worker(args)
        return
    device = torch.device(args.device or ("cuda" if torch.cuda.is_available() else "cpu"))
    # Keras' own device: a GPU when its backend sees one (TensorFlow: not checked).
    gpu = keras.backend.backend() == "torch" and torch.cuda.is_available()
    if keras.backend.backend() == "jax":
        import jax

        gpu = jax.default_backend() == "gpu"
    x, y = _data(args)
    steps = len(x) // BATCH
    runs = {}  # (label, way) -> a function that trains one epoch
    kernels = {}
    params = {}
    for spec in _selected(args.models):
        label, preset, cell = spec.label, spec.preset, spec.cell
        xv = x % zoo.describe(preset)["preset"]["arguments"]["vocab_size"]
        ways = ["seqzoo", "torch"] + (["keras"] if args.with_keras and cell else [])
        if args.with_wrapped and cell and keras.backend.backend() == "torch":
            ways.append("wrapped")
        for way in ways:
            if way == "torch":
                torch.manual_seed(0)
                model = torch_twin(spec.name, LENGTH).to(device)
                epoch = train_twin(model, xv[: steps * BATCH], y[: steps * BATCH],
                                   device=device, shuffle_seed=None)
                params[(label, way)] = sum(p.numel() for p in model.parameters())
            else:
                keras.utils.set_random_seed(0)
                if way == "wrapped":
                    model = wrapped_twin(preset, cell)
                elif cell:
                    model = zoo.build(preset, fused=way == "seqzoo", max_length=LENGTH)
                else:
                    model = zoo.build(preset, max_length=LENGTH)
                model.compile(loss="binary_crossentropy", optimizer="adam",
                              metrics=["accuracy"])

                def epoch(model=model, xv=xv):
                    model.fit(xv[: steps * BATCH], y[: steps * BATCH], batch_size=BATCH,
                              epochs=1, verbose=0, shuffle=False)

            epoch()  # warm-up: compilation, first allocations
            if way != "torch":  # a Keras model, built by the warm-up
                params[(label, way)] = model.count_params()
                ran = (["TorchModuleWrapper"] if way == "wrapped"
                       else sorted(set(recurrent_kernels(model).values())) or ["keras"])
                kernels[(label, way)] = ran + (
                    ["cuDNN"] if gpu and cell and _cudnn_ran(model, xv[:BATCH]) else [])
            runs[(label, way)] = epoch
    times = harness.alternating_rounds(runs, args.rounds)
    result = {f"{label}|{way}": {"epochs": values, "params": params[(label, way)],
                                 "kernels": kernels.get((label, way))}
              for (label, way), values in times.items()}
    harness.emit({"results": result, "versions": harness.versions(torch_device=device),
                  "steps_per_epoch": steps})


def _rows(measured: dict) -> list[dict]:
    rows = []
    for config, results in measured.items():
        for label in MODELS:
            peer = results.get(f"{label}|torch")
            for way in WAYS:
                item = results.get(f"{label}|{way}")
                if not item or not peer:
                    continue
                best, median = harness.best_and_median(item["epochs"])
                peer_best, peer_median = harness.best_and_median(peer["epochs"])
                rows.append({
                    "model": label, "architecture": ARCHITECTURE_OF[label],
                    "backend": config, "way": way,
                    "kernels": item["kernels"], "params": item["params"],
                    "torch_params": peer["params"],
                    "best": best, "median": median,
                    "torch_best": peer_best, "torch_median": peer_median,
                    "ratio_best": best / peer_best, "ratio_median": median / peer_median,
                    "epochs": item["epochs"], "torch_epochs": peer["epochs"],
                })
    return rows


def _key(row: dict) -> tuple:
    return row["model"], row["backend"], row["way"]


def _merge_recordings(old: dict, new: dict) -> dict:
    """``new``'s rows replace ``old``'s rows of the same (model, backend, way); the
    other old rows stay, each still naming the recording that measured it."""
    recordings = old.get("recordings") or [
        {key: old[key] for key in ("command", "hardware", "versions", "sequences", "rounds")}
        | {"recorded": old.get("recorded")}]
    offset = len(recordings)
    replaced = {_key(r) for r in new["rows"]}
    rows = [{"recording": 0, **r} for r in old["rows"] if _key(r) not in replaced]
    rows += [{**r, "recording": r.get("recording", 0) + offset} for r in new["rows"]]
    # Each model and backend keeps its place; inside it the ways in a fixed order.
    groups: dict[tuple, int] = {}
    for r in old["rows"]:
        groups.setdefault(_key(r)[:2], len(groups))
    ways = {way: i for i, way in enumerate(WAYS)}
    rows.sort(key=lambda r: (groups.get(_key(r)[:2], len(groups)), ways.get(r["way"], len(ways))))
    # A recording whose rows were all measured again is dropped; the others renumbered.
    recordings = recordings + new["recordings"]
    kept = sorted({r["recording"] for r in rows})
    rows = [{**r, "recording": kept.index(r["recording"])} for r in rows]
    return {**new, "rows": rows, "recordings": [recordings[i] for i in kept]}


def _recording_text(recording: dict) -> str:
    hardware, versions = recording["hardware"], recording["versions"]
    version_text = "; ".join(
        f"{name}: " + ", ".join(f"{k} {v}" for k, v in v_.items() if k not in ("backend", "gpu"))
        for name, v_ in versions.items())
    when = f" on {recording['recorded']}" if recording.get("recorded") else ""
    gpu = f", GPU {hardware['gpu']}" if hardware.get("gpu") else ""
    data = f" ({recording['data']})" if recording.get("data") else ""
    return (f"Measured by ``{recording['command']}``{when}, {hardware['cpus']} CPUs "
            f"({hardware['machine']}, {hardware['processor']}){gpu}, Python "
            f"{hardware['python']}; {version_text}. {recording['sequences']:,} sequences{data} "
            f"of {LENGTH} tokens, batch {BATCH} ({recording['sequences'] // BATCH} steps an "
            f"epoch, no validation), {recording['rounds']} alternating rounds after a "
            "warm-up epoch." + _check_text(recording) + (
                " " + harness.load_line(recording["load"]) if recording.get("load") else ""))


def _check_text(recording: dict) -> str:
    """What the recording's learning check found (empty for recordings without one)."""
    check = recording.get("learning_check") or {}
    if not check.get("checks"):
        return ""
    worst = min(c["twin_accuracy"] - c["keras_accuracy"] for c in check["checks"])
    usual = check["checks"][0]["epochs"]
    others = ", ".join(f"{c['architecture']} {c['epochs']}" for c in check["checks"]
                       if c["epochs"] != usual)
    epochs = f"{usual} epochs" + (f" ({others})" if others else "")
    return (f" Every twin was checked to learn first ({epochs}, "
            f"{check['validation']:,} validation reviews: twin accuracy - Keras accuracy "
            f">= {worst * 100:+.1f} points" + ("" if check.get("enforced") else
                                               ", not enforced: a quick run") + ").")


def _legend(rows: list[dict], several_recordings: bool) -> str:
    """The paragraph above the table: what the columns and the layer names mean."""
    kernels = ["-bidi: both directions in one scan on JAX, in one call of torch's op on PyTorch"]
    if any("cuDNN" in r["kernels"] for r in rows):
        kernels.append("cuDNN: a cuDNN RNN ran, as found in a forward pass (torch's profiler, "
                       "JAX's compiled program)")
    text = ("Seconds per epoch, best and median; ratio: the row's time / plain PyTorch's (below "
            "1: faster than plain PyTorch), each row against the plain PyTorch twin of its own "
            "recording" + (" (the number in brackets after the backend)" if several_recordings
                           else "") + ". Layers: keras_seqzoo's fused layers (seqzoo) or Keras' "
            "own (Keras, ``fused=False``), with the kernel they ran (" + "; ".join(kernels) + ")")
    if any(r["way"] == "wrapped" for r in rows):
        text += ("; nn.LSTM / nn.GRU (wrapped): the twin's own torch layers in "
                 "``keras.layers.TorchModuleWrapper`` inside a Keras model trained by Keras' fit "
                 "(``--with-wrapped``), the same op with none of keras_seqzoo around it")
    return text + "."


def _rst(result: dict) -> str:
    rows, recordings = result["rows"], result["recordings"]
    texts = [_recording_text(rec) for rec in recordings]
    if len(recordings) > 1:
        counts = [sum(r.get("recording", 0) == i for r in rows) for i in range(len(texts))]
        main = counts.index(max(counts))  # named as "all other rows"
        texts = [f"Recording {i + 1}: {text} Rows: " + (
            "all other rows." if i == main else "; ".join(
                f"{r['model']}, {r['backend']}, {r['way']}" for r in rows
                if r.get("recording", 0) == i) + ".")
            for i, text in enumerate(texts)]
    lines = [
        *[line for text in texts for line in (text, "")],
        _legend(rows, several_recordings=len(recordings) > 1),
        "",
        ".. list-table::",
        "   :header-rows: 1",
        "",
        "   * - Model",
        "     - Backend",
        "     - Layers (kernel)",
        "     - Best",
        "     - Torch best",
        "     - Ratio",
        "     - Median",
        "     - Torch median",
        "     - Ratio",
    ]
    for r in rows:  # short cells: the table fits the docs' column at 1280 px
        if r["way"] == "wrapped":
            layers = f"nn.{MODELS[r['model']][1].upper()} (wrapped)"
        else:
            layers = ("seqzoo" if r["way"] == "seqzoo" else "Keras") + \
                f" ({', '.join(k.replace('-bidirectional', '-bidi') for k in r['kernels'])})"
        backend = r["backend"] + (f" [{r.get('recording', 0) + 1}]" if len(recordings) > 1 else "")
        lines += [f"   * - {r['model']}", f"     - {backend}", f"     - {layers}",
                  f"     - {r['best']:.2f}", f"     - {r['torch_best']:.2f}",
                  f"     - {r['ratio_best']:.2f}", f"     - {r['median']:.2f}",
                  f"     - {r['torch_median']:.2f}", f"     - {r['ratio_median']:.2f}"]
    return "\n".join(lines) + "\n"


def write_advice(result: dict, path: str, source: str) -> None:
    """Writes the package's backend advice (:mod:`keras_seqzoo.backend_speed`) from a
    recording of this script."""
    from keras_seqzoo import backend_speed

    backend_speed.write_table_module(
        backend_speed.advice_table(result, architecture_of=ARCHITECTURE_OF), path, source)
    print(f"wrote the backend advice of {source} to {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=None, help="IMDB folder or tarball ($KERAS_SEQZOO_IMDB)")
    parser.add_argument("--synthetic", action="store_true",
                        help="random tokens instead of IMDB (the check: a learnable synthetic "
                             "task)")
    parser.add_argument("--sequences", type=int, default=None,
                        help="timed training reviews (default 6400; --quick: 64)")
    parser.add_argument("--configs", nargs="*", default=list(CONFIGS), choices=CONFIGS,
                        help="Keras backends, each in its own process")
    parser.add_argument("--models", nargs="*", default=None,
                        help="e.g. T5 M1 or bilstm transformer_encoder (default: all)")
    parser.add_argument("--with-keras", action="store_true",
                        help="also time the recurrent builders with plain Keras layers "
                             "(fused=False)")
    parser.add_argument("--with-wrapped", action="store_true",
                        help="PyTorch backend: also time a Keras model whose recurrence is the "
                             "twin's nn.LSTM / nn.GRU in keras.layers.TorchModuleWrapper")
    parser.add_argument("--device", default=None,
                        help="torch device of the twins (default: cuda if available, else cpu)")
    parser.add_argument("--update", action="store_true",
                        help="keep the rows of --json that this run does not measure "
                             "(each row names the recording it comes from)")
    parser.add_argument("--check-epochs", type=int, default=None,
                        help="epochs of the learning check for every architecture (default: "
                             "each one's own, 2, fastText 5; 0: no check)")
    parser.add_argument("--check-validation", type=int, default=None,
                        help="validation reviews of the learning check (default 2000)")
    harness.add_output_flags(parser, rounds=None, rst=True)
    parser.add_argument("--rounds", type=int, default=None,
                        help="alternating rounds (default 5; --quick: 1)")
    parser.add_argument("--advice", default=None, metavar="PATH",
                        help="also write the package's backend advice from the recording "
                             "(keras_seqzoo/_backend_speed_table.py)")
    parser.add_argument("--advice-only", action="store_true",
                        help="measure nothing: write --advice from the recording in --json")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--check", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    defaults = QUICK if args.quick else {"sequences": 6400, "rounds": 5, "check_validation": 2000}
    for name, value in defaults.items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    if args.quick and not args.data:
        args.synthetic = True
    if args.worker:
        worker(args)
        return
    if args.advice_only:
        if not (args.advice and args.json and os.path.exists(args.json)):
            raise SystemExit("torch_twins: --advice-only needs --advice PATH and --json naming "
                             f"a recording; got --advice {args.advice!r}, --json {args.json!r}")
        with open(args.json) as handle:
            write_advice(json.load(handle), args.advice, args.json)
        return

    if importlib.util.find_spec("torch") is None:
        raise SystemExit("torch_twins needs PyTorch: pip install 'keras-seqzoo[torch]'")
    if args.update and not (args.json and os.path.exists(args.json)):
        raise SystemExit("--update needs --json naming an earlier recording to update")
    selected = _selected(args.models)
    recording_run = harness.Recording(MODULE)
    common = ["--sequences", str(args.sequences), "--rounds", str(args.rounds),
              "--check-validation", str(args.check_validation)]
    if args.check_epochs is not None:
        common += ["--check-epochs", str(args.check_epochs)]
    for flag, value in (("--data", args.data), ("--device", args.device)):
        if value:
            common += [flag, value]
    for flag in ("synthetic", "with_keras", "with_wrapped", "quick"):
        if getattr(args, flag):
            common.append("--" + flag.replace("_", "-"))
    common += ["--models", *[a.name for a in selected]]
    configs = [c for c in args.configs if importlib.util.find_spec(c) is not None]
    for config in set(args.configs) - set(configs):
        print(f"skip {config}: not installed")
    checks: list[dict] = []
    if configs and args.check_epochs != 0:
        checks = harness.run_worker(MODULE, [*common, "--check"], configs[0],
                                    label=f"learning check ({configs[0]})")["checks"]
        for check in checks:
            print(f"learning check {check['architecture']}: Keras {check['keras_accuracy']:.3f}, "
                  f"twin {check['twin_accuracy']:.3f} after {check['epochs']} epochs")
        failed = [c["architecture"] for c in checks if not c["learns"]]
        if failed and not args.quick:
            raise SystemExit(
                f"torch_twins: the twins of {failed} end more than 2 points below the Keras "
                "model's validation accuracy; fix them (benchmarks/training/twins.py) before "
                "timing them")
    measured, versions = {}, {}
    for config in configs:
        payload = harness.run_worker(MODULE, common, config)
        measured[config] = payload["results"]
        versions[config] = payload["versions"]
    rows = _rows(measured)
    hardware = harness.hardware()
    gpus = {v["gpu"] for v in versions.values() if v.get("gpu")}
    if gpus:
        hardware["gpu"] = ", ".join(sorted(gpus))
    lines = [f"hardware: {hardware}", f"versions: {versions}",
             f"{args.sequences} sequences x {LENGTH} tokens, batch {BATCH}, {args.rounds} rounds",
             "",
             "| model | backend | layers (kernel) | best | torch best | ratio best "
             "| median | torch median | ratio medians |",
             "|---|---|---|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(
            f"| {r['model']} | {r['backend']} | {r['way']} ({', '.join(r['kernels'])}) "
            f"| {r['best']:.2f} | {r['torch_best']:.2f} | {r['ratio_best']:.2f} "
            f"| {r['median']:.2f} | {r['torch_median']:.2f} | {r['ratio_median']:.2f} |")
    recording = {"command": recording_run.command, "hardware": hardware, "versions": versions,
                 "sequences": args.sequences, "rounds": args.rounds,
                 "data": "random tokens" if args.synthetic else "IMDB training reviews",
                 "recorded": recording_run.record()["recorded"],
                 "learning_check": {"checks": checks, "enforced": not args.quick,
                                    "validation": args.check_validation},
                 "load": recording_run.load()}
    result = {"rows": rows, "recordings": [recording], **recording}
    if args.update:
        with open(args.json) as handle:
            result = _merge_recordings(json.load(handle), result)
    record = recording_run.finish(args, text="\n".join(lines) + "\n", payload=result,
                                  rst=_rst(result))
    if args.advice:
        write_advice(record, args.advice, args.json or "this run")


if __name__ == "__main__":
    main()
