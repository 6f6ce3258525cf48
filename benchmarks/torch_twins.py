"""Seconds per epoch of the slides' recurrent models: keras_seqzoo against plain PyTorch twins.

Side by side in one process per Keras backend: the same batches train

- ``seqzoo``: the model from ``keras_seqzoo.build`` (its default fused
  ``LSTM`` / ``GRU`` layers; the kernel they ran is recorded);
- ``keras`` (with ``--with-keras``): the same builder with ``fused=False``,
  i.e. plain ``keras.layers.LSTM`` / ``GRU``;
- ``wrapped`` (with ``--with-wrapped``, PyTorch backend): a Keras model whose recurrence
  is the twin's own ``nn.LSTM`` / ``nn.GRU`` in ``keras.layers.TorchModuleWrapper``,
  trained by Keras' ``fit``: torch's own layers with Keras' training step around them;
- ``torch``: the twin written in plain PyTorch as a PyTorch user would:
  ``nn.Embedding``, ``nn.LSTM`` / ``nn.GRU(bidirectional=True, batch_first=True)``,
  ``nn.Linear`` + ReLU, ``nn.Linear`` + sigmoid, ``nn.BCELoss``, ``torch.optim.Adam``
  (a plain training loop over the same tensors, batch 32).

Models: T5 Embedding(10000, 16) -> BiLSTM(32) -> Dense(6) -> Dense(1); T6 the
same with BiGRU(32); T2 Embedding(8185, 64) -> BiLSTM(64, sequences) ->
BiLSTM(32) -> Dense(64) -> Dense(1) (the subwords preset's vocabulary; token
ids folded into it). Data: ``--sequences`` IMDB training reviews (words, 120
tokens, padded after the text), or random tokens with ``--synthetic``.

Each round times one full epoch (``--sequences`` / 32 steps, no validation) of
every model and way, in an order that reverses every round, after a warm-up
epoch. Reported per cell: the best epoch and the median epoch; the ratio
keras_seqzoo / PyTorch best against best (the targets' figure: what each path
does when the machine lets it) and of the medians.

On a GPU (the twins on CUDA, Keras on its backend's GPU) each Keras row also says
whether a cuDNN RNN ran; the same command records the GPU table (``--synthetic``
where the IMDB archive is not on the GPU machine: without a mask, the recurrent
kernels' time does not depend on the token values).

Run (the lead's measurement; one process per backend, one after the other):

```bash
KERAS_SEQZOO_IMDB=/path/to/aclImdb_v1.tar.gz python benchmarks/torch_twins.py \\
    --configs jax torch tensorflow --rounds 7 \\
    --json docs/data/benchmarks/torch_twins.json --rst docs/data/benchmarks/torch_twins.rst
```

``--update`` re-measures part of a recording (say ``--configs torch`` after a change
to the PyTorch kernels): the rows it measures replace those of ``--json``, the others
stay, and the table says which recording each row comes from (every ratio is still
against the plain PyTorch twin timed in the same process).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time

MODELS = {
    "T5 BiLSTM(32)": ("bilstm.imdb_words10k", "lstm"),
    "T6 BiGRU(32)": ("bigru.imdb_words10k", "gru"),
    "T2 stacked BiLSTM(64, 32)": ("stacked_bilstm.imdb_subwords8k", "lstm"),
}
# The twins' shapes: vocabulary, embedding, units per layer, dense units.
SHAPES = {
    "bilstm.imdb_words10k": (10000, 16, (32,), 6),
    "bigru.imdb_words10k": (10000, 16, (32,), 6),
    "stacked_bilstm.imdb_subwords8k": (8185, 64, (64, 32), 64),
}
CONFIGS = ("jax", "torch", "tensorflow")
WAYS = ("seqzoo", "keras", "wrapped")  # the Keras rows of a model, in the table's order
LENGTH = 120
BATCH = 32


def _cpu_model() -> str:
    """The CPU's model name (``platform.processor()`` is empty on most Linux systems)."""
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def write_report(report: str, path: str | None) -> None:
    """Prints a benchmark's text report and, when ``path`` is given, writes it there."""
    print(report)
    if path:
        with open(path, "w") as handle:
            handle.write(report)


def torch_twin(preset: str, cell: str):
    """The plain PyTorch model of ``preset`` (``cell`` is "lstm" or "gru")."""
    import torch
    from torch import nn

    vocab, embedding_dim, units, dense = SHAPES[preset]
    rnn = nn.LSTM if cell == "lstm" else nn.GRU

    class Twin(nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = nn.Embedding(vocab, embedding_dim)
            sizes = [embedding_dim] + [2 * u for u in units[:-1]]
            self.rnns = nn.ModuleList(
                rnn(size, u, batch_first=True, bidirectional=True)
                for size, u in zip(sizes, units))
            self.dense = nn.Linear(2 * units[-1], dense)
            self.out = nn.Linear(dense, 1)

        def forward(self, tokens):
            x = self.embedding(tokens)
            for rnn_layer in self.rnns:
                x, state = rnn_layer(x)
            h = state[0] if isinstance(state, tuple) else state
            x = torch.cat([h[-2], h[-1]], dim=-1)  # last forward, last backward
            return torch.sigmoid(self.out(torch.relu(self.dense(x)))).squeeze(-1)

    return Twin()


def wrapped_twin(preset: str, cell: str):
    """A Keras model of ``preset`` whose recurrence is the plain PyTorch twin's ``nn.LSTM``
    / ``nn.GRU`` layers in ``keras.layers.TorchModuleWrapper`` (PyTorch backend only): what
    torch's own layers do with Keras' training step around them."""
    import keras
    import torch
    from torch import nn

    vocab, embedding_dim, units, dense = SHAPES[preset]

    class LastStates(nn.Module):
        def __init__(self, rnns):
            super().__init__()
            self.rnns = rnns

        def forward(self, x):
            for rnn_layer in self.rnns:
                x, state = rnn_layer(x)
            h = state[0] if isinstance(state, tuple) else state
            return torch.cat([h[-2], h[-1]], dim=-1)

    torch.manual_seed(0)
    recurrence = LastStates(torch_twin(preset, cell).rnns)
    inputs = keras.Input((LENGTH,), dtype="int32")
    x = keras.layers.Embedding(vocab, embedding_dim)(inputs)
    x = keras.layers.TorchModuleWrapper(recurrence, output_shape=(None, 2 * units[-1]))(x)
    x = keras.layers.Dense(dense, activation="relu")(x)
    return keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid")(x))


def _data(args):
    import numpy as np

    if args.synthetic:
        rng = np.random.default_rng(0)
        x = rng.integers(1, 10000, size=(args.sequences, LENGTH))
        y = rng.integers(0, 2, size=args.sequences)
    else:
        from keras_seqzoo import datasets

        (x, y), _ = datasets.load_imdb("words", source=args.data).numpy()
        if len(x) < args.sequences:
            raise SystemExit(f"only {len(x)} training sequences, asked for {args.sequences}")
        x, y = x[: args.sequences], y[: args.sequences]
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


def worker(args) -> None:
    """Runs in a process whose KERAS_BACKEND is fixed; prints one JSON line."""
    import keras
    import numpy as np
    import torch

    import keras_seqzoo as zoo
    from keras_seqzoo.layers import recurrent_kernels

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
    for label, (preset, cell) in MODELS.items():
        if args.models and label.split()[0] not in args.models:
            continue
        vocab = SHAPES[preset][0]
        xv = x % vocab
        ways = ["seqzoo", "torch"] + (["keras"] if args.with_keras else [])
        if args.with_wrapped and keras.backend.backend() == "torch":
            ways.append("wrapped")
        for way in ways:
            if way == "torch":
                torch.manual_seed(0)
                model = torch_twin(preset, cell).to(device)
                optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
                loss_fn = torch.nn.BCELoss()
                xt = torch.tensor(xv, dtype=torch.long, device=device)
                yt = torch.tensor(y, device=device)

                def epoch(model=model, optimizer=optimizer, loss_fn=loss_fn, xt=xt, yt=yt):
                    model.train()
                    for i in range(0, steps * BATCH, BATCH):
                        optimizer.zero_grad()
                        loss = loss_fn(model(xt[i:i + BATCH]), yt[i:i + BATCH])
                        loss.backward()
                        optimizer.step()
                    if device.type == "cuda":
                        torch.cuda.synchronize()

                params[(label, way)] = sum(p.numel() for p in model.parameters())
            else:
                keras.utils.set_random_seed(0)
                if way == "wrapped":
                    model = wrapped_twin(preset, cell)
                else:
                    model = zoo.build(preset, fused=way == "seqzoo", max_length=LENGTH)
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
                    ["cuDNN"] if gpu and _cudnn_ran(model, xv[:BATCH]) else [])
            runs[(label, way)] = epoch
    times = {key: [] for key in runs}
    keys = list(runs)
    for round_index in range(args.rounds):
        for key in keys if round_index % 2 == 0 else keys[::-1]:
            start = time.perf_counter()
            runs[key]()
            times[key].append(time.perf_counter() - start)
    result = {f"{label}|{way}": {"epochs": values, "params": params[(label, way)],
                                 "kernels": kernels.get((label, way))}
              for (label, way), values in times.items()}
    versions = {"keras": keras.__version__, "backend": keras.backend.backend(),
                "torch": torch.__version__, "numpy": np.__version__}
    if keras.backend.backend() == "jax":
        import jax

        versions["jax"] = jax.__version__
        versions["jax_device"] = str(jax.devices()[0])
    elif keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        versions["tensorflow"] = tf.__version__
    versions["torch_device"] = str(device)
    if device.type == "cuda":
        versions["gpu"] = torch.cuda.get_device_name(device)
        versions["cudnn"] = torch.backends.cudnn.version()
    print("RESULT " + json.dumps({"results": result, "versions": versions,
                                  "steps_per_epoch": steps}))


def _rows(measured: dict) -> list[dict]:
    rows = []
    for config, results in measured.items():
        for label in MODELS:
            peer = results.get(f"{label}|torch")
            for way in WAYS:
                item = results.get(f"{label}|{way}")
                if not item or not peer:
                    continue
                best, median = min(item["epochs"]), statistics.median(item["epochs"])
                peer_best, peer_median = min(peer["epochs"]), statistics.median(peer["epochs"])
                rows.append({
                    "model": label, "backend": config, "way": way,
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
            "warm-up epoch.")


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


def run_worker(command: list[str], config: str, label: str | None = None) -> dict:
    """Runs a benchmark's ``--worker`` process under Keras backend ``config`` and returns
    the JSON it prints on its ``RESULT`` line (exits with its stderr when it fails);
    ``label`` names the run in messages (default: ``config``)."""
    label = label or config
    env = {**os.environ, "KERAS_BACKEND": config, "TF_CPP_MIN_LOG_LEVEL": "3"}
    print(f"running {label} ...", flush=True)
    out = subprocess.run(command, env=env, capture_output=True, text=True)
    line = [l for l in out.stdout.splitlines() if l.startswith("RESULT ")]
    if out.returncode != 0 or not line:
        print(out.stderr[-3000:])
        raise SystemExit(f"{label} failed")
    return json.loads(line[0][len("RESULT "):])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=None, help="IMDB folder or tarball ($KERAS_SEQZOO_IMDB)")
    parser.add_argument("--synthetic", action="store_true",
                        help="random tokens and labels instead of IMDB (smoke runs)")
    parser.add_argument("--sequences", type=int, default=6400)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--configs", nargs="*", default=list(CONFIGS), choices=CONFIGS,
                        help="Keras backends, each in its own process")
    parser.add_argument("--models", nargs="*", default=None, help="e.g. T5 T6")
    parser.add_argument("--with-keras", action="store_true",
                        help="also time the builders with plain Keras layers (fused=False)")
    parser.add_argument("--with-wrapped", action="store_true",
                        help="PyTorch backend: also time a Keras model whose recurrence is the "
                             "twin's nn.LSTM / nn.GRU in keras.layers.TorchModuleWrapper")
    parser.add_argument("--device", default=None,
                        help="torch device of the twins (default: cuda if available, else cpu)")
    parser.add_argument("--json", default=None, help="write the results here")
    parser.add_argument("--rst", default=None, help="write the table as reStructuredText here")
    parser.add_argument("--update", action="store_true",
                        help="keep the rows of --json that this run does not measure "
                             "(each row names the recording it comes from)")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return

    import importlib.util

    if importlib.util.find_spec("torch") is None:
        raise SystemExit("torch_twins.py needs PyTorch: pip install 'keras-seqzoo[torch]'")
    if args.update and not (args.json and os.path.exists(args.json)):
        raise SystemExit("--update needs --json naming an earlier recording to update")
    measured, versions = {}, {}
    for config in args.configs:
        if importlib.util.find_spec(config) is None:
            print(f"skip {config}: not installed")
            continue
        command = [sys.executable, __file__, "--worker", "--sequences", str(args.sequences),
                   "--rounds", str(args.rounds)]
        for flag, value in (("--data", args.data), ("--device", args.device)):
            if value:
                command += [flag, value]
        if args.synthetic:
            command.append("--synthetic")
        if args.with_keras:
            command.append("--with-keras")
        if args.with_wrapped:
            command.append("--with-wrapped")
        if args.models:
            command += ["--models", *args.models]
        payload = run_worker(command, config)
        measured[config] = payload["results"]
        versions[config] = payload["versions"]
    rows = _rows(measured)
    hardware = {"machine": platform.machine(), "processor": _cpu_model(),
                "cpus": os.cpu_count(), "python": platform.python_version(),
                "platform": platform.platform()}
    gpus = {v["gpu"] for v in versions.values() if v.get("gpu")}
    if gpus:
        hardware["gpu"] = ", ".join(sorted(gpus))
    command = "python benchmarks/torch_twins.py " + " ".join(sys.argv[1:])
    print(f"\nhardware: {hardware}\nversions: {versions}")
    print(f"{args.sequences} sequences x {LENGTH} tokens, batch {BATCH}, {args.rounds} rounds\n")
    print("| model | backend | layers (kernel) | best | torch best | ratio best "
          "| median | torch median | ratio medians |")
    print("|---|---|---|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['model']} | {r['backend']} | {r['way']} ({', '.join(r['kernels'])}) "
              f"| {r['best']:.2f} | {r['torch_best']:.2f} | {r['ratio_best']:.2f} "
              f"| {r['median']:.2f} | {r['torch_median']:.2f} | {r['ratio_median']:.2f} |")
    recording = {"command": command, "hardware": hardware, "versions": versions,
                 "sequences": args.sequences, "rounds": args.rounds,
                 "data": "random tokens" if args.synthetic else "IMDB training reviews",
                 "recorded": time.strftime("%Y-%m-%d", time.gmtime())}
    result = {"rows": rows, "recordings": [recording], **recording}
    if args.update:
        with open(args.json) as handle:
            result = _merge_recordings(json.load(handle), result)
    if args.rst:
        os.makedirs(os.path.dirname(os.path.abspath(args.rst)), exist_ok=True)
        with open(args.rst, "w") as handle:
            handle.write(_rst(result))
    if args.json:
        os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
        with open(args.json, "w") as handle:
            json.dump(result, handle, indent=2)


if __name__ == "__main__":
    main()
