"""Seconds per epoch of the slides' word models on each Keras backend, with and without XLA.

Side by side in one run: every configuration trains the same models on the same
IMDB batches (words, vocabulary 10,000, length 120, batch 32), and within each
backend process the models and the two ways of writing them alternate round by
round:

- ``slides``: the model written by hand as in the slides (``keras.Sequential``),
  compiled with Keras' defaults: on TensorFlow that is the slides' plain path;
- ``seqzoo``: the same model from ``keras_seqzoo.build`` (identical parameter
  counts are checked).

The newer architectures (``M1``-``M5``) have no hand-written twin: they run as
builders only, and their rows give the ratio of their time to the BiGRU's (T6,
builder) in the same process (median of the per-round ratios), so run them
with ``--models T6 M1 M2 M3 M4 M5`` (``M4w`` adds the minGRU at the BiGRU's
state width).

Configurations: TensorFlow (Keras default: no XLA on CPU), TensorFlow with
``jit_compile=True``, JAX, PyTorch (those installed). Each measurement times
``--steps`` training steps after a warm-up fit; an epoch is 782 steps (25,000
reviews / 32), validation excluded; a measurement repeats its fit until it
has lasted ``--min-seconds``. Medians over ``--rounds`` rounds; the builder /
hand-written ratio is the median of the per-round ratios (paired measurements,
taken back to back in an order that reverses every round).

Run:

```bash
KERAS_SEQZOO_IMDB=/path/to/aclImdb_v1.tar.gz python -m benchmarks.training.epoch_times \\
    --json docs/data/benchmarks/epoch_times.json --rst docs/data/benchmarks/epoch_times.rst
```
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import time

from benchmarks import harness

MODULE = "benchmarks.training.epoch_times"

MODELS = {
    "T4 Embedding + Flatten": "embedding_flatten.imdb_words10k",
    "T5 BiLSTM(32)": "bilstm.imdb_words10k",
    "T6 BiGRU(32)": "bigru.imdb_words10k",
    "T7 Conv1D + GAP": "conv1d.imdb_words10k",
    # The two models of comparison C3 (in the slides' code, without a summary table).
    "C3 Embedding + GAP": "embedding_pooling.imdb_words10k",
    "C3 BiLSTM(32), Dense(24)": "bilstm.imdb_words10k_dense24",
    # The newer architectures (issue 16), at the T5 BiLSTM's budget. The slides have no
    # code for them, so they run as builders only, side by side with the BiGRU (T6):
    # the "x BiGRU" column is the median of their per-round ratios to it.
    "M1 Transformer encoder": "transformer_encoder.imdb_words10k",
    "M2 fastText bigrams": "fasttext.imdb_words10k",
    "M3 TCN": "tcn.imdb_words10k",
    "M4 minGRU (scan)": "mingru.imdb_words10k",
    # The same minGRU at the BiGRU's state width (32 per direction; 162,573 parameters,
    # just outside the +-5% budget): the two recurrences compared like for like.
    "M4w minGRU(32) (scan)": ("mingru.imdb_words10k", {"units": 32}),
    "M5 BiGRU + attention": "bigru_attention.imdb_words10k",
}
#: The model every newer architecture is compared with, round by round.
BIGRU = "T6 BiGRU(32)"
HANDWRITTEN = {
    "embedding_flatten.imdb_words10k", "bilstm.imdb_words10k", "bigru.imdb_words10k",
    "conv1d.imdb_words10k", "embedding_pooling.imdb_words10k", "bilstm.imdb_words10k_dense24",
}
CONFIGS = {
    "tensorflow": ("tensorflow", False),
    "tensorflow+xla": ("tensorflow", True),
    "jax": ("jax", None),
    "torch": ("torch", None),
}
STEPS_PER_EPOCH = 782


def slides_model(preset: str):
    """The slides' code, verbatim but for Keras 3's explicit input; ``None`` without one."""
    import keras

    if preset not in HANDWRITTEN:
        return None

    layers = keras.layers
    units = 24 if preset.startswith(("embedding_pooling.", "bilstm.imdb_words10k_dense24")) else 6
    head = [layers.Dense(units, activation="relu"), layers.Dense(1, activation="sigmoid")]
    body = {
        "embedding_flatten.imdb_words10k": [layers.Flatten()],
        "bilstm.imdb_words10k": [layers.Bidirectional(layers.LSTM(32))],
        "bigru.imdb_words10k": [layers.Bidirectional(layers.GRU(32))],
        "conv1d.imdb_words10k": [layers.Conv1D(128, 5, activation="relu"),
                                 layers.GlobalAveragePooling1D()],
        "embedding_pooling.imdb_words10k": [layers.GlobalAveragePooling1D()],
        "bilstm.imdb_words10k_dense24": [layers.Bidirectional(layers.LSTM(32))],
    }[preset]
    return keras.Sequential(
        [keras.Input((120,), dtype="int32"), layers.Embedding(10000, 16), *body, *head]
    )


def worker(args) -> None:
    """Runs in a process whose KERAS_BACKEND is fixed; prints one JSON line."""
    import keras

    import keras_seqzoo as zoo
    from keras_seqzoo import datasets

    data = datasets.load_imdb("words", source=args.data, protocol="slides")
    (x, y), _ = data.numpy()
    n = args.steps * 32
    x, y = x[:n].astype("int32"), y[:n].astype("float32")
    compile_kwargs = {} if args.jit is None else {"jit_compile": args.jit}
    models = {}
    for label, entry in MODELS.items():
        if args.models and label.split()[0] not in args.models:
            continue
        preset, overrides = (entry, {}) if isinstance(entry, str) else entry
        for way in ("slides", "seqzoo"):
            if way == "slides" and (preset not in HANDWRITTEN or overrides):
                continue
            keras.utils.set_random_seed(0)
            model = slides_model(preset) if way == "slides" else zoo.build(preset, **overrides)
            model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"],
                          **compile_kwargs)
            model.fit(x[:320], y[:320], batch_size=32, epochs=1, verbose=0)  # warm-up
            models[(label, way)] = model
    for label in {label for label, way in models if way == "slides"}:
        counts = {way: models[(label, way)].count_params() for way in ("slides", "seqzoo")}
        if counts["slides"] != counts["seqzoo"]:
            raise SystemExit(f"{label}: the two ways of writing it differ: {counts} parameters")
    def measure(model):
        # Repeat the fit until --min-seconds have passed: a fast model's 50 steps
        # take a fraction of a second, shorter than the machine's slow phases.
        def run() -> float:
            fits, start = 0, time.perf_counter()
            while fits == 0 or time.perf_counter() - start < args.min_seconds:
                model.fit(x, y, batch_size=32, epochs=1, verbose=0, shuffle=False)
                fits += 1
            return (time.perf_counter() - start) / (args.steps * fits)

        return run

    times = harness.alternating_rounds({key: measure(m) for key, m in models.items()},
                                       args.rounds)
    result = {
        f"{label}|{way}": {
            "seconds_per_step": statistics.median(values),
            "params": models[(label, way)].count_params(),
            "rounds": values,
        }
        for (label, way), values in times.items()
    }
    harness.emit({"results": result, "versions": harness.versions()})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=None, help="IMDB folder or tarball ($KERAS_SEQZOO_IMDB)")
    parser.add_argument("--steps", type=int, default=None,
                        help="timed steps per measurement (default 100; --quick: 2)")
    parser.add_argument("--min-seconds", type=float, default=None,
                        help="repeat a measurement's fit until it has lasted this long "
                             "(default 2; --quick: 0)")
    parser.add_argument("--configs", nargs="*", default=list(CONFIGS), choices=list(CONFIGS))
    parser.add_argument("--models", nargs="*", default=None, help="e.g. T5 T6")
    harness.add_output_flags(parser, rst=True)
    parser.add_argument("--rounds", type=int, default=None,
                        help="alternating rounds (default 3; --quick: 1)")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--jit", type=lambda s: {"true": True, "false": False}[s], default=None,
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    defaults = ({"steps": 2, "min_seconds": 0.0, "rounds": 1} if args.quick
                else {"steps": 100, "min_seconds": 2.0, "rounds": 3})
    for name, value in defaults.items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    if args.worker:
        worker(args)
        return

    recording = harness.Recording(MODULE)
    measured = {}
    versions = {}
    for name in args.configs:
        backend, jit = CONFIGS[name]
        if importlib.util.find_spec(backend) is None:
            print(f"skip {name}: {backend} is not installed")
            continue
        command = ["--steps", str(args.steps), "--rounds", str(args.rounds),
                   "--min-seconds", str(args.min_seconds)]
        if args.data:
            command += ["--data", args.data]
        if args.models:
            command += ["--models", *args.models]
        if jit is not None:
            command += ["--jit", "true" if jit else "false"]
        payload = harness.run_worker(MODULE, command, backend, label=name)
        measured[name] = payload["results"]
        versions[name] = payload["versions"]

    baseline_config = "tensorflow"
    rows = []
    for label in MODELS:
        base = measured.get(baseline_config, {}).get(f"{label}|slides")
        for name, results in measured.items():
            for way in ("slides", "seqzoo"):
                item = results.get(f"{label}|{way}")
                if not item:
                    continue
                seconds = item["seconds_per_step"] * STEPS_PER_EPOCH
                speedup = base["seconds_per_step"] / item["seconds_per_step"] if base else None
                # Builder vs hand-written: the median of the per-round ratios (paired
                # measurements taken back to back, so slow phases of the machine cancel).
                paired = results.get(f"{label}|slides")
                builder_ratio = None
                if way == "seqzoo" and paired:
                    builder_ratio = harness.paired_ratio(paired["rounds"], item["rounds"])
                bigru = results.get(f"{BIGRU}|seqzoo")
                vs_bigru = None
                if way == "seqzoo" and bigru and label != BIGRU:
                    vs_bigru = harness.paired_ratio(bigru["rounds"], item["rounds"])
                rows.append({"model": label, "config": name, "written": way,
                             "seconds_per_epoch": seconds, "params": item["params"],
                             "speedup_vs_slides_tf": speedup,
                             "builder_vs_handwritten": builder_ratio,
                             "vs_bigru": vs_bigru,
                             "seconds_per_step_by_round": item["rounds"]})
    hardware = harness.hardware()
    lines = [f"hardware: {hardware}", f"versions: {versions}",
             f"steps timed: {args.steps} x {args.rounds} rounds (medians); epoch = "
             f"{STEPS_PER_EPOCH} steps, training only", "",
             "| model | config | written as | params | s/epoch | speed-up vs slides' TF code "
             "| builder / hand-written | x BiGRU |",
             "|---|---|---|---:|---:|---:|---:|---:|"]
    for r in rows:
        speedup = f"{r['speedup_vs_slides_tf']:.2f}x" if r["speedup_vs_slides_tf"] else ""
        ratio = f"{r['builder_vs_handwritten']:.3f}" if r["builder_vs_handwritten"] else ""
        vs_bigru = f"{r['vs_bigru']:.2f}" if r["vs_bigru"] else ""
        lines.append(f"| {r['model']} | {r['config']} | {r['written']} | {r['params']:,} "
                     f"| {r['seconds_per_epoch']:.1f} | {speedup} | {ratio} | {vs_bigru} |")
    ratios = [r["builder_vs_handwritten"] for r in rows if r["builder_vs_handwritten"]]
    if ratios:
        lines += ["", f"builder / hand-written, over {len(ratios)} cells: median "
                      f"{statistics.median(ratios):.3f}, range {min(ratios):.3f}-{max(ratios):.3f}"]
    table = [
        f"Measured by ``{recording.command}`` on "
        f"{hardware['cpus']} CPUs ({hardware['machine']}, {hardware['processor']}), "
        f"Python {hardware['python']}; "
        + "; ".join(f"{name}: " + ", ".join(f"{k} {v}" for k, v in v_.items() if k != "backend")
                    for name, v_ in versions.items())
        + f". {args.steps} timed training steps (fits repeated to at least "
        f"{args.min_seconds:g} s) "
        f"x {args.rounds} rounds per cell (medians), "
        f"scaled to an epoch of {STEPS_PER_EPOCH} steps, validation excluded. "
        + harness.load_line(recording.load()),
        "",
        ".. list-table::",
        "   :header-rows: 1",
        "",
        "   * - Model",
        "     - Configuration",
        "     - Written as",
        "     - Params",
        "     - s/epoch",
        "     - Speed-up vs the slides' code on TF",
        "     - Builder / hand-written",
        "     - x BiGRU (same process)",
    ]
    for r in rows:
        # "\\-": a lone "-" in a list-table cell would be read as an empty bullet list.
        speedup = f"{r['speedup_vs_slides_tf']:.2f}x" if r["speedup_vs_slides_tf"] else "\\-"
        ratio = f"{r['builder_vs_handwritten']:.3f}" if r["builder_vs_handwritten"] else "\\-"
        vs_bigru = f"{r['vs_bigru']:.2f}" if r["vs_bigru"] else "\\-"
        table += [f"   * - {r['model']}", f"     - {r['config']}", f"     - {r['written']}",
                  f"     - {r['params']:,}", f"     - {r['seconds_per_epoch']:.1f}",
                  f"     - {speedup}", f"     - {ratio}", f"     - {vs_bigru}"]
    if ratios:
        table += ["", f"Builder / hand-written (median of the per-round ratios in each cell) over "
                      f"the {len(ratios)} cells: median {statistics.median(ratios):.3f}, range "
                      f"{min(ratios):.3f}-{max(ratios):.3f}."]
    recording.finish(args, text="\n".join(lines) + "\n", rst="\n".join(table) + "\n",
                     payload={"rows": rows, "hardware": hardware, "versions": versions,
                              "steps": args.steps, "rounds": args.rounds})


if __name__ == "__main__":
    main()
