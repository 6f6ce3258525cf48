"""Serving latency and throughput of each export format, side by side in one run.

Run from the repository root:

```bash
KERAS_BACKEND=tensorflow python -m benchmarks.serving.latency
KERAS_BACKEND=tensorflow KERAS_SEQZOO_IMDB=... python -m benchmarks.serving.latency --data imdb --json serving.json
KERAS_BACKEND=jax python -m benchmarks.serving.latency --quick
```

One model (``embedding_pooling.imdb_words10k`` by default: words, 10,000 tokens,
120 per text), its word encoding fitted on the texts, and these ways to classify
raw texts, each timed in the same process:

- ``keras predict``: the plain-Python tokenizer, then the Keras model's ``predict``;
- ``keras call``: the same tokenizer, then ``model(ids)`` (no ``predict`` loop);
- ``pytorch twin``: the same tokenizer, then a plain PyTorch module with the same
  weights under ``torch.inference_mode()`` (checked equal to the Keras model);
- ``onnx``: :class:`keras_seqzoo.serving.TextClassifier` (onnxruntime, tokenizer
  in Python);
- ``saved_model``: ``tf.saved_model.load`` of the SavedModel export (tokenizer in
  TensorFlow ops);
- ``keras file``: ``keras.saving.load_model`` of the ``.keras`` export (strings in;
  the TensorFlow backend only).

Each export's probabilities are checked against the Keras model's before it is timed.
For each way: single-text latency (p50 and p99 over ``--repeats`` calls, one text
each, texts taken in turn) and batch throughput (texts per second: ``--batch`` over the
median batch time, and over the best). The ways are timed in the harness' alternating
rounds (:func:`benchmarks.harness.alternating_rounds`, ``--rounds``): every round runs,
for each way in an order that reverses every round, its share of the single-text calls
and one batch, so that a drift of the machine's speed hits all ways alike. The weights
are the initial ones (latency does not depend on them). It prints a table with the
machine's load; ``--json`` writes the rows with the command, the machine, the versions
and the load (:class:`benchmarks.harness.Recording`). ``--quick``: 40 texts, 6
single-text calls, batches of 8, 2 rounds (a smoke run).

This is a script, not a test.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

import keras
import numpy as np

import keras_seqzoo as zoo
from benchmarks import harness
from keras_seqzoo.exporting import export, load_encoding, save_encoding
from keras_seqzoo.serving import TextClassifier, pad_ids, probabilities_from_outputs

__all__ = ["MODULE", "main", "time_ways", "torch_twin"]

MODULE = "benchmarks.serving.latency"

_WORDS = ("the film plot actor great bad boring wonderful story scene director music "
          "awful loved hated funny slow brilliant waste money ending characters").split()


class _Data:
    """What save_encoding needs: a fitted encoder and the settings."""

    def __init__(self, encoder, max_length):
        self.encoder, self.encoding, self.max_length = encoder, "words", max_length
        self.class_names = ("neg", "pos")


def _texts(args: argparse.Namespace) -> list[str]:
    if args.data == "imdb":
        from keras_seqzoo.datasets import read_imdb

        return read_imdb(os.environ.get("KERAS_SEQZOO_IMDB"), download=False).test_texts
    rng = random.Random(0)
    return [" ".join(rng.choice(_WORDS) for _ in range(rng.randint(20, 300)))
            for _ in range(max(args.texts, args.batch))]


def torch_twin(model: keras.Model):
    """A plain PyTorch module with the Keras ``embedding_pooling`` model's weights.

    Args:
        model: an ``embedding_pooling`` model (an Embedding, a mean over time, Dense
            layers with ReLU and a sigmoid output).

    Returns:
        A ``torch.nn.Module`` in eval mode: int64 ids ``(batch, time)`` in, the same
        sigmoid outputs as ``model`` out.

    Example:

    ```python
    twin = torch_twin(zoo.build("embedding_pooling.imdb_words10k"))
    ```
    """
    import torch
    from torch import nn

    embedding = next(layer for layer in model.layers if isinstance(layer, keras.layers.Embedding))
    denses = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]

    class Twin(nn.Module):
        def __init__(self):
            super().__init__()
            table = np.asarray(embedding.embeddings)
            self.embedding = nn.Embedding(*table.shape)
            self.embedding.weight.data = torch.from_numpy(table.copy())
            self.denses = nn.ModuleList()
            for layer in denses:
                kernel, bias = (np.asarray(w) for w in layer.weights)
                linear = nn.Linear(*kernel.shape)
                linear.weight.data = torch.from_numpy(kernel.T.copy())
                linear.bias.data = torch.from_numpy(bias.copy())
                self.denses.append(linear)

        def forward(self, ids):
            x = self.embedding(ids).mean(dim=1)
            for linear in self.denses[:-1]:
                x = torch.relu(linear(x))
            return torch.sigmoid(self.denses[-1](x))

    twin = Twin().eval()
    return twin


def time_ways(ways: dict[str, Callable[[list[str]], Any]], texts: list[str], *,
              repeats: int, batch: int, rounds: int) -> list[dict[str, Any]]:
    """Times each way's single-text latency and batch throughput in alternating rounds.

    Args:
        ways: name -> a function that classifies a list of raw texts.
        texts: the texts, taken in turn.
        repeats: single-text calls per way in all (split evenly over the rounds).
        batch: texts per batch.
        rounds: alternating rounds; each runs, for every way, its share of the
            single-text calls and one batch.

    Returns:
        One row per way, in the order of ``ways``: ``p50_ms``, ``p99_ms`` (over the
        single-text calls), ``texts_per_s`` (``batch`` over the median batch time),
        ``texts_per_s_best`` (over the best), ``single_calls`` and ``batch_seconds``
        (one per round).

    Example:

    ```python
    rows = time_ways({"onnx": classifier.predict}, texts, repeats=300, batch=256, rounds=10)
    ```
    """
    for predict in ways.values():  # warm-up (compilation, caches)
        predict(texts[:1])
        predict(texts[:batch])
    per_round = math.ceil(repeats / rounds) if rounds else 0
    single: dict[str, list[float]] = {name: [] for name in ways}
    batches: dict[str, list[float]] = {name: [] for name in ways}
    counter = {"round": 0}

    def one_round(name: str, predict: Callable[[list[str]], Any]) -> None:
        # Each way sees the same texts in the same round.
        index = counter["round"] // len(ways)
        counter["round"] += 1
        for i in range(per_round):
            text = [texts[(index * per_round + i) % len(texts)]]
            start = time.perf_counter()
            predict(text)
            single[name].append(time.perf_counter() - start)
        chunk = [texts[(index * batch + j) % len(texts)] for j in range(batch)]
        start = time.perf_counter()
        predict(chunk)
        batches[name].append(time.perf_counter() - start)

    harness.alternating_rounds(
        {name: (lambda name=name, predict=predict: one_round(name, predict))
         for name, predict in ways.items()}, rounds)
    rows = []
    for name in ways:
        calls = sorted(single[name])
        best, median = harness.best_and_median(batches[name])
        rows.append({"way": name, "p50_ms": 1000 * statistics.median(calls),
                     "p99_ms": 1000 * calls[min(len(calls) - 1, int(0.99 * len(calls)))],
                     "texts_per_s": batch / median, "texts_per_s_best": batch / best,
                     "single_calls": len(calls), "batch_seconds": batches[name]})
    return rows


def _ways(args: argparse.Namespace, model, texts: list[str], tmp: Path) -> dict[str, Callable]:
    """Every way to classify raw texts this machine can run, each export checked against
    the Keras model first."""
    max_length = model.inputs[0].shape[1]
    from keras_seqzoo.datasets import WordEncoder

    encoder = WordEncoder(vocab_size=int(model.seqzoo_config["arguments"].get("vocab_size", 10000)))
    encoder.fit(texts[:5000])
    folder = save_encoding(_Data(encoder, max_length), tmp / "encoding")
    tokenizer = load_encoding(folder).tokenizer()

    def ids_of(batch):
        return pad_ids([tokenizer.encode(t) for t in batch], max_length)

    ways: dict[str, Callable] = {
        "keras predict": lambda batch: model.predict(ids_of(batch), verbose=0),
        "keras call": lambda batch: keras.ops.convert_to_numpy(model(ids_of(batch))),
    }
    try:
        import torch

        twin = torch_twin(model)
        sample = ids_of(texts[:64])
        with torch.inference_mode():
            twin_out = twin(torch.from_numpy(sample.astype(np.int64))).numpy()
        np.testing.assert_allclose(twin_out, np.asarray(model.predict(sample, verbose=0)),
                                   atol=1e-5)

        def torch_predict(batch):
            with torch.inference_mode():
                return twin(torch.from_numpy(ids_of(batch).astype(np.int64))).numpy()

        ways["pytorch twin"] = torch_predict
    except ImportError:
        pass
    reference = probabilities_from_outputs(model.predict(ids_of(texts[:64]), verbose=0))
    for fmt in ("onnx", "saved_model", "keras"):
        path = tmp / ("model.keras" if fmt == "keras" else fmt)
        try:
            export(model, path, format=fmt, encoding=folder)
        except Exception as error:  # a format this machine cannot make: say so, go on
            print(f"{fmt}: not measured ({type(error).__name__}: {str(error)[:200]})",
                  file=sys.stderr)
            continue
        if fmt == "onnx":
            classifier = TextClassifier.load(path, threads=args.threads)
            name, predict = "onnx", classifier.predict
        elif fmt == "saved_model":
            import tensorflow as tf

            serve = tf.saved_model.load(str(path / "1")).signatures["serving_default"]
            name, predict = "saved_model", (lambda batch, serve=serve, tf=tf: serve(
                texts=tf.constant(batch))["probabilities"].numpy())
        elif keras.backend.backend() == "tensorflow":
            import tensorflow as tf

            loaded = keras.saving.load_model(path)
            name, predict = "keras file", (lambda batch, loaded=loaded, tf=tf: loaded.predict(
                tf.constant(batch), verbose=0))
        else:
            continue
        error = float(np.abs(np.asarray(predict(texts[:64])) - reference).max())
        if not error < 1e-5:
            raise SystemExit(f"{MODULE}: {name} disagrees with the Keras model by {error:.2e} "
                             "(more than 1e-5); its timings would not be comparable.")
        ways[name] = predict
    return ways


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Runs the benchmark; returns the JSON record (also written to ``--json``)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="embedding_pooling.imdb_words10k")
    parser.add_argument("--data", choices=("synthetic", "imdb"), default="synthetic",
                        help="imdb: the validation texts of KERAS_SEQZOO_IMDB")
    parser.add_argument("--texts", type=int, default=2000, help="synthetic texts")
    parser.add_argument("--repeats", type=int, default=300,
                        help="single-text calls per way, split over the rounds (default 300)")
    parser.add_argument("--batch", type=int, default=256, help="texts per batch (default 256)")
    parser.add_argument("--threads", type=int, default=None, help="onnxruntime threads")
    harness.add_output_flags(parser, rounds=10)
    args = parser.parse_args(argv)
    if args.quick:
        args.texts, args.repeats = min(args.texts, 40), min(args.repeats, 6)
        args.batch, args.rounds = min(args.batch, 8), min(args.rounds, 2)
    if args.rounds < 1:
        parser.error(f"--rounds must be >= 1. Received: {args.rounds}")
    recording = harness.Recording(MODULE, argv)
    texts = _texts(args)
    keras.utils.set_random_seed(0)
    model = zoo.build(args.model)
    with tempfile.TemporaryDirectory() as tmp:
        ways = _ways(args, model, texts, Path(tmp))
        rows = time_ways(ways, texts, repeats=args.repeats, batch=args.batch,
                         rounds=args.rounds)
    backend = keras.backend.backend()
    lines = [f"{args.model} on {backend}, {args.data} texts; {rows[0]['single_calls']} "
             f"single-text calls and {args.rounds} batches of {args.batch} per way, in "
             f"{args.rounds} alternating rounds",
             f"{'way':14s} {'p50 ms':>9s} {'p99 ms':>9s} {'texts/s':>10s} {'best':>10s}"]
    lines += [f"{r['way']:14s} {r['p50_ms']:9.3f} {r['p99_ms']:9.3f} {r['texts_per_s']:10.0f} "
              f"{r['texts_per_s_best']:10.0f}" for r in rows]
    return recording.finish(args, text="\n".join(lines) + "\n", payload={
        "benchmark": "serving_latency", "model": args.model, "backend": backend,
        "data": args.data, "texts": len(texts), "batch": args.batch, "repeats": args.repeats,
        "rounds": args.rounds, "quick": args.quick, "versions": harness.versions(),
        "rows": rows})


if __name__ == "__main__":
    main()
