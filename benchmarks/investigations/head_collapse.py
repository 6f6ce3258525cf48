"""How often a preset never starts learning on IMDB, by the activation of its head's hidden layer.

In C5 one seed of ``transformer_encoder.imdb_words10k`` and one of
``bigru_attention.imdb_words10k`` stayed at loss ln 2 = 0.693 for all ten epochs: a
constant output. Both end in average or attention pooling, whose output varies
little from one review to another at initialisation, then a ``Dense(6, relu)``. If
that layer's six units go negative for every review at once, ReLU passes no gradient
to anything below them, and nothing can bring them back.

For each preset, head activation and seed this script trains the preset as the
comparison runner does (same data pipeline shuffled by the seed, same compile
options) for ``--steps`` batches, then, on ``--probe`` validation reviews drawn at
random, reports the accuracy and how many of the hidden units are negative before
their activation for every one of those reviews ("silent": for ReLU that is dead, no
gradient; leaky ReLU and GELU still pass one). A run "never learned" when its probe
accuracy is below 0.6.

Run (real IMDB data; JAX, the runner's default backend):

```bash
KERAS_BACKEND=jax python -m benchmarks.investigations.head_collapse \\
    --data /path/to/aclImdb_v1.tar.gz --text docs/data/benchmarks/head_collapse.txt
```
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import platform
import time

os.environ.setdefault("KERAS_BACKEND", "jax")

from benchmarks import harness  # noqa: E402  (after the backend is chosen)

MODULE = "benchmarks.investigations.head_collapse"
PRESETS = ["transformer_encoder.imdb_words10k", "bigru_attention.imdb_words10k"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presets", nargs="+", default=PRESETS)
    parser.add_argument("--activations", nargs="+", default=["relu", "leaky_relu", "gelu"])
    parser.add_argument("--seeds", type=int, nargs="+", default=list(range(8)))
    parser.add_argument("--steps", type=int, default=300, help="training batches per run")
    parser.add_argument("--probe", type=int, default=2048, help="validation reviews probed")
    parser.add_argument("--data", default=os.environ.get("KERAS_SEQZOO_IMDB"),
                        help="aclImdb folder or .tar.gz (default: $KERAS_SEQZOO_IMDB)")
    harness.add_output_flags(parser)
    args = parser.parse_args()
    if args.quick:
        args.presets, args.activations = args.presets[:1], args.activations[:1]
        args.seeds, args.steps = args.seeds[:1], min(args.steps, 2)
        args.probe = min(args.probe, 64)
    recording = harness.Recording(MODULE)

    import keras
    import numpy as np

    import keras_seqzoo as zoo
    from keras_seqzoo.comparison import fast_compile_options
    from keras_seqzoo.datasets import load_imdb

    data = load_imdb("words", source=args.data, protocol="slides")
    (_, _), (x_val, y_val) = data.numpy()
    pick = np.random.default_rng(0).choice(len(y_val), size=args.probe, replace=False)
    x_probe, y_probe = x_val[pick], y_val[pick]

    lines: list[str] = []

    def say(line: str) -> None:
        lines.append(line)
        print(line, flush=True)

    say(f"# benchmarks.investigations.head_collapse: {args.steps} training batches of "
        f"{data.batch_size}, probe {args.probe} validation reviews; loss: the mean training "
        "loss over those batches")
    say(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, Keras {keras.__version__} ({keras.backend.backend()})")
    say(f"{'preset':36s} {'head':10s} {'seed':>4s} {'loss':>6s} {'probe acc':>9s} "
        f"{'silent units':>12s} {'seconds':>7s}")
    summary, runs = {}, []
    for preset in args.presets:
        for activation in args.activations:
            failed = 0
            for seed in args.seeds:
                started = time.monotonic()
                keras.backend.clear_session()
                keras.utils.set_random_seed(seed)
                model = zoo.build(preset, vocab_size=data.vocab_size, head_activation=activation)
                zoo.compile_model(model, **fast_compile_options())
                train = dataclasses.replace(data, seed=seed).train.take(args.steps)
                history = model.fit(train, epochs=1, shuffle=False, verbose=0)
                hidden = model.layers[-2]  # the head's hidden Dense, before the output
                features = keras.Model(model.inputs, hidden.input).predict(x_probe, verbose=0)
                kernel, bias = (np.asarray(w) for w in hidden.get_weights())
                pre = features @ kernel + bias
                silent = int((pre.max(axis=0) <= 0).sum())
                probability = model.predict(x_probe, verbose=0)[:, 0]
                accuracy = float(((probability > 0.5) == (y_probe > 0.5)).mean())
                failed += accuracy < 0.6
                say(f"{preset:36s} {activation:10s} {seed:4d} "
                    f"{history.history['loss'][-1]:6.3f} {accuracy:9.3f} "
                    f"{silent:>8d} of {pre.shape[1]} {time.monotonic() - started:7.1f}")
                runs.append({"preset": preset, "activation": activation, "seed": seed,
                             "loss": history.history["loss"][-1], "probe_accuracy": accuracy,
                             "silent_units": silent})
            summary[preset, activation] = failed
    lines += ["", f"never learned (probe accuracy < 0.6) in {args.steps} batches, of "
                  f"{len(args.seeds)} seeds:"]
    for (preset, activation), failed in summary.items():
        lines.append(f"  {preset:36s} {activation:10s} {failed}")
    recording.finish(args, text="\n".join(lines) + "\n",
                     payload={"steps": args.steps, "probe": args.probe, "runs": runs,
                              "versions": harness.versions()})


if __name__ == "__main__":
    main()
