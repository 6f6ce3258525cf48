"""Serving latency and throughput of each export format, side by side in one run.

One model (``embedding_pooling.imdb_words10k`` by default: words, 10,000 tokens,
120 per text), its word encoding fitted on the texts, and these ways to classify
raw texts, each timed in the same process, in turn:

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

For each: single-text latency (p50 and p99 over ``--repeats`` calls, one text
each, texts taken in turn) and batch throughput (texts per second, batches of
``--batch``). The weights are the initial ones (latency does not depend on them).
It prints a table, and with ``--output`` writes JSON with the machine's load
(:func:`keras_seqzoo.machine.load_record`).

This is a script, not a test. Examples:

```
KERAS_BACKEND=tensorflow python benchmarks/serving_latency.py
KERAS_BACKEND=tensorflow python benchmarks/serving_latency.py --data imdb --output serving.json
```
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import keras
import numpy as np

import keras_seqzoo as zoo
from keras_seqzoo import machine
from keras_seqzoo.exporting import export, load_encoding, save_encoding
from keras_seqzoo.serving import TextClassifier, pad_ids, probabilities_from_outputs

_WORDS = ("the film plot actor great bad boring wonderful story scene director music "
          "awful loved hated funny slow brilliant waste money ending characters").split()


class _Data:
    """What save_encoding needs: a fitted encoder and the settings."""

    def __init__(self, encoder, max_length):
        self.encoder, self.encoding, self.max_length = encoder, "words", max_length
        self.class_names = ("neg", "pos")


def _texts(args) -> list[str]:
    if args.data == "imdb":
        from keras_seqzoo.datasets import read_imdb

        return read_imdb(os.environ.get("KERAS_SEQZOO_IMDB"), download=False).validation_texts
    rng = random.Random(0)
    return [" ".join(rng.choice(_WORDS) for _ in range(rng.randint(20, 300)))
            for _ in range(max(args.texts, args.batch))]


def torch_twin(model):
    """A plain PyTorch module with the Keras ``embedding_pooling`` model's weights."""
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


def _time_way(predict, texts: list[str], repeats: int, batch: int, rounds: int) -> dict:
    predict(texts[:1])  # warm-up (compilation, caches)
    predict(texts[:batch])
    single = []
    for i in range(repeats):
        text = [texts[i % len(texts)]]
        start = time.perf_counter()
        predict(text)
        single.append(time.perf_counter() - start)
    batches = []
    for i in range(rounds):
        chunk = [texts[(i * batch + j) % len(texts)] for j in range(batch)]
        start = time.perf_counter()
        predict(chunk)
        batches.append(time.perf_counter() - start)
    single.sort()
    return {"p50_ms": 1000 * statistics.median(single),
            "p99_ms": 1000 * single[min(len(single) - 1, int(0.99 * len(single)))],
            "texts_per_s": batch / statistics.median(batches)}


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="embedding_pooling.imdb_words10k")
    parser.add_argument("--data", choices=("synthetic", "imdb"), default="synthetic")
    parser.add_argument("--texts", type=int, default=2000, help="synthetic texts")
    parser.add_argument("--repeats", type=int, default=300, help="single-text calls per way")
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--rounds", type=int, default=10, help="batches per way")
    parser.add_argument("--threads", type=int, default=None, help="onnxruntime threads")
    parser.add_argument("--output", default=None, help="write the JSON recording here")
    args = parser.parse_args(argv)

    from keras_seqzoo.datasets import WordEncoder

    before = machine.load_snapshot()
    texts = _texts(args)
    keras.utils.set_random_seed(0)
    model = zoo.build(args.model)
    max_length = model.inputs[0].shape[1]
    encoder = WordEncoder(vocab_size=int(model.seqzoo_config["arguments"].get("vocab_size", 10000)))
    encoder.fit(texts[:5000])
    backend = keras.backend.backend()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = save_encoding(_Data(encoder, max_length), Path(tmp) / "encoding")
        encoding = load_encoding(folder)
        tokenizer = encoding.tokenizer()

        def ids_of(batch):
            return pad_ids([tokenizer.encode(t) for t in batch], max_length)

        ways = {
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
            path = Path(tmp) / ("model.keras" if fmt == "keras" else fmt)
            try:
                export(model, path, format=fmt, encoding=folder)
            except Exception as error:  # a format this machine cannot make: say so, go on
                print(f"{fmt}: not measured ({type(error).__name__}: {str(error)[:200]})",
                      file=sys.stderr)
                continue
            if fmt == "onnx":
                classifier = TextClassifier.load(path, threads=args.threads)
                ways["onnx"] = classifier.predict
            elif fmt == "saved_model":
                import tensorflow as tf

                serve = tf.saved_model.load(str(path / "1")).signatures["serving_default"]
                ways["saved_model"] = lambda batch, serve=serve, tf=tf: serve(
                    texts=tf.constant(batch))["probabilities"].numpy()
            elif backend == "tensorflow":
                import tensorflow as tf

                loaded = keras.saving.load_model(path)
                ways["keras file"] = lambda batch, loaded=loaded, tf=tf: loaded.predict(
                    tf.constant(batch), verbose=0)
        for name, predict in ways.items():
            if name in ("onnx", "saved_model", "keras file"):
                out = np.asarray(predict(texts[:64]))
                assert np.abs(out - reference).max() < 1e-5, name
            row = {"way": name, **_time_way(predict, texts, args.repeats, args.batch, args.rounds)}
            rows.append(row)
            print(f"{name:14s} p50 {row['p50_ms']:8.3f} ms  p99 {row['p99_ms']:8.3f} ms  "
                  f"{row['texts_per_s']:10.0f} texts/s", flush=True)
    recording = {
        "benchmark": "serving_latency",
        "model": args.model,
        "backend": backend,
        "keras_version": keras.__version__,
        "data": args.data,
        "batch": args.batch,
        "repeats": args.repeats,
        "rows": rows,
        "load": machine.load_record(before, machine.load_snapshot()),
    }
    if args.output:
        Path(args.output).write_text(json.dumps(recording, indent=1) + "\n")
    return recording


if __name__ == "__main__":
    main()
