"""Export a trained model so that raw text goes in and probabilities come out.

Three formats, each written beside a model card (``model_card.json``: the
data, the validation metrics, the parameters, the command):

- ``"keras"``: ``PATH`` ending in ``.keras``; a model whose input is a batch of
  strings (a ``TextVectorization`` with the training vocabulary inside) and
  whose output is ``(n, classes)`` probabilities. It loads with
  ``keras.saving.load_model`` on the TensorFlow backend (``import keras_seqzoo``
  first when the model holds keras_seqzoo layers). Word encodings only.
- ``"saved_model"``: a folder in TF Serving's layout, ``PATH/1/`` (version 1),
  made from any backend (``model.export`` to TensorFlow, then the tokenizer in
  TensorFlow ops around it). It loads with ``tf.saved_model.load`` in a
  process with TensorFlow alone; its ``serving_default`` signature takes a 1-D
  string tensor ``texts`` and returns ``probabilities`` ``(n, classes)``.
  Word encodings only.
- ``"onnx"``: a folder with ``model.onnx`` (on int32 token ids) and
  ``tokenizer.json`` (the encoding as data), served by
  :class:`keras_seqzoo.serving.TextClassifier` with onnxruntime and NumPy
  alone. Words and subwords.

A two-class model with a sigmoid head (``Dense(1)``) gives ``[1 - p, p]``.

Example:

```python
import keras_seqzoo as zoo
from keras_seqzoo.exporting import export

zoo.compare(["conv1d.imdb_words10k"], epochs=2, output_dir="runs/demo")
export("runs/demo", "exported/demo_onnx", format="onnx")          # the best trial
export("runs/demo", "exported/demo.keras", format="keras", trial="0000")
```
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from keras_seqzoo._values import did_you_mean, to_jsonable
from keras_seqzoo.serving import CARD_FILE, MODEL_FILE, TOKENIZER_FILE, SubwordTokenizer
from keras_seqzoo.serving import WordTokenizer, probabilities_from_outputs

__all__ = [
    "ENCODING_FILE",
    "FORMATS",
    "WEIGHTS_FILE",
    "Encoding",
    "ExportError",
    "export",
    "load_encoding",
    "reference_probabilities",
    "save_encoding",
]

#: The export formats.
FORMATS = ("keras", "saved_model", "onnx")
#: The JSON description in an encoding folder (beside the encoder's own files).
ENCODING_FILE = "encoding.json"
#: The best epoch's weights in a trial folder (keras-tuner's own name for them).
WEIGHTS_FILE = "checkpoint.weights.h5"
#: The version folder of a SavedModel export (TF Serving's layout).
SAVED_MODEL_VERSION = "1"
_ENCODING_VERSION = 1
# TextVectorization's DEFAULT_STRIP_REGEX.
_STRIP_REGEX = r'[!"#$%&()\*\+,-\./:;<=>?@\[\\\]^_`{|}~\']'
# Which modules each format needs, and the extra that installs them.
_NEEDS = {
    "keras": [("tensorflow", "data")],
    "saved_model": [("tensorflow", "data")],
    "onnx": [("onnx", "export"), ("onnxruntime", "serve")],
}


class ExportError(ValueError):
    """Raised for a run directory, trial or model that cannot be exported (named, with the fix)."""


# -- the encoding ----------------------------------------------------------------------------


@dataclasses.dataclass
class Encoding:
    """The exact text encoding a model was trained with (see :func:`load_encoding`).

    Attributes:
        encoding: ``"words"`` or ``"subwords"``.
        encoder: the encoder's settings (``WordEncoder.config()`` or ``SubwordEncoder.config()``).
        vocab_size: the real vocabulary size (the ``Embedding``'s ``input_dim``).
        max_length: the token columns (``None``: as long as the longest text of a batch).
        keep: ``"first"`` or ``"last"``: which end of a long text is kept.
        class_names: the class of each label id.
        vocabulary: the words by id (words only).
        subwords: the subwords in id order (subwords only).
        folder: where it was read from, if anywhere.
    """

    encoding: str
    encoder: dict[str, Any]
    vocab_size: int
    max_length: int | None
    keep: str
    class_names: tuple[str, ...]
    vocabulary: list[str] | None = None
    subwords: list[str] | None = None
    folder: Path | None = None

    @property
    def num_classes(self) -> int:
        """The number of classes."""
        return len(self.class_names)

    def tokenizer(self) -> WordTokenizer | SubwordTokenizer:
        """Returns the plain-Python tokenizer (:mod:`keras_seqzoo.serving`) of this encoding."""
        if self.encoding == "words":
            _check_standardize(self.encoder)
            return WordTokenizer(self.vocabulary or [], standardize=self.encoder.get("standardize"),
                                 split=self.encoder.get("split"))
        return SubwordTokenizer(self.subwords or [])

    def serving_config(self) -> dict[str, Any]:
        """Returns the ``tokenizer.json`` of an ``onnx`` export."""
        return {"format": _ENCODING_VERSION, "encoding": self.encoding,
                "encoder": self.encoder, "max_length": self.max_length, "keep": self.keep,
                "class_names": list(self.class_names), "tokenizer": self.tokenizer().config()}


def _check_standardize(encoder: Mapping[str, Any]) -> None:
    standardize = encoder.get("standardize")
    if standardize not in (None, "lower", "strip_punctuation", "lower_and_strip_punctuation"):
        raise ExportError(
            f"export: the word encoding uses a custom standardize ({standardize!r}); only "
            "TextVectorization's built-in ones (None, 'lower', 'strip_punctuation', "
            "'lower_and_strip_punctuation') can be exported as data. Train with one of them."
        )
    if encoder.get("split") not in (None, "whitespace", "character"):
        raise ExportError(f"export: the word encoding uses a custom split "
                          f"({encoder.get('split')!r}); only 'whitespace', 'character' or None "
                          "can be exported.")


def save_encoding(data: Any, folder: str | os.PathLike) -> Path:
    """Writes the text encoding of ``data`` into ``folder`` (``encoding.json`` + the encoder's files).

    The comparison runner calls it once per comparison with
    ``output_dir / "encoding"``; :func:`export` reads it back. The folder is
    written whole or not at all (a temporary folder renamed at the end).

    Args:
        data: a :class:`~keras_seqzoo.datasets.TextClassificationData`
            (``load_imdb``, ``load_text_files``): its fitted ``encoder``,
            ``encoding``, ``max_length``, ``class_names`` and ``keep``
            (``"first"`` when it has none).
        folder: the folder to write; an existing one is replaced.

    Returns:
        The folder.

    Example:

    ```python
    data = datasets.load_imdb("words", limit=2000)
    save_encoding(data, "runs/demo/encoding")
    ```
    """
    encoder = getattr(data, "encoder", None)
    if encoder is None or not hasattr(encoder, "save") or not getattr(encoder, "fitted", True):
        raise TypeError(
            "save_encoding: `data` must be loaded data with a fitted encoder (load_imdb(...), "
            f"load_text_files(...)). Received: {type(data).__name__}"
        )
    keep = getattr(data, "keep", "first") or "first"
    class_names = [str(c) for c in getattr(data, "class_names", ())]
    meta = {
        "format": _ENCODING_VERSION,
        "encoding": getattr(data, "encoding", getattr(encoder, "encoding", None)),
        "encoder": encoder.config(),
        "vocab_size": int(encoder.vocab_size),
        "max_length": getattr(data, "max_length", None),
        "keep": keep,
        "class_names": class_names,
        "num_classes": len(class_names),
        "dataset": (getattr(data, "info", None) or {}).get("dataset"),
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(prefix=f".{folder.name}.partial-", dir=folder.parent))
    try:
        encoder.save(partial)
        (partial / ENCODING_FILE).write_text(json.dumps(to_jsonable(meta), indent=1) + "\n",
                                             encoding="utf-8")
        _replace(partial, folder)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return folder


def load_encoding(folder: str | os.PathLike) -> Encoding:
    """Reads an encoding folder written by :func:`save_encoding` (no TensorFlow needed).

    Args:
        folder: the folder (e.g. ``RUN_DIR/encoding``).

    Returns:
        The :class:`Encoding`.

    Raises:
        FileNotFoundError: the folder has no ``encoding.json`` or encoder files.

    Example:

    ```python
    encoding = load_encoding("runs/demo/encoding")
    encoding.max_length, encoding.class_names   # 120, ("neg", "pos")
    ```
    """
    folder = Path(folder)
    path = folder / ENCODING_FILE
    if not path.is_file():
        raise FileNotFoundError(
            f"load_encoding: {os.fspath(folder)!r} has no {ENCODING_FILE}. It is written by "
            "save_encoding(data, folder) (the comparison runner writes RUN_DIR/encoding/); "
            "pass encoding=<that folder> or the data you trained with."
        )
    meta = json.loads(path.read_text(encoding="utf-8"))
    encoding = Encoding(
        encoding=meta["encoding"], encoder=dict(meta.get("encoder") or {}),
        vocab_size=int(meta["vocab_size"]), max_length=meta.get("max_length"),
        keep=meta.get("keep") or "first", class_names=tuple(meta["class_names"]), folder=folder,
    )
    if encoding.encoding == "words":
        text = (folder / "vocabulary.txt").read_text(encoding="utf-8")
        encoding.vocabulary = text.split("\n")[:-1]  # WordEncoder.save's format
    elif encoding.encoding == "subwords":
        encoding.subwords = SubwordTokenizer.from_file(folder / "subwords.subwords").subwords
    else:
        raise ValueError(f"load_encoding: unknown encoding {encoding.encoding!r} in {path}.")
    return encoding


def _encoding_of(value: Any) -> Encoding:
    if isinstance(value, Encoding):
        return value
    if isinstance(value, (str, os.PathLike)):
        return load_encoding(value)
    if hasattr(value, "encoder"):
        with tempfile.TemporaryDirectory() as tmp:
            return dataclasses.replace(load_encoding(save_encoding(value, Path(tmp) / "e")),
                                       folder=None)
    raise TypeError("export: `encoding` must be an encoding folder, an Encoding (load_encoding) "
                    f"or the loaded data. Received: {type(value).__name__}")


# -- the source: a run directory or a model ------------------------------------------------------


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _pick_trial(run_dir: Path, trial: str) -> dict[str, Any]:
    from keras_seqzoo.comparison.report import read_trials

    if not run_dir.is_dir():
        raise ExportError(f"export: the run directory {os.fspath(run_dir)!r} does not exist. "
                          "Pass the output directory of a comparison (seqzoo compare -o DIR).")
    trials = read_trials(run_dir)
    finished = [t for t in trials if t.get("status") == "COMPLETED"]
    if trial != "best":
        wanted = str(trial)
        by_id = {str(t["trial_id"]): t for t in trials}
        if wanted not in by_id and wanted.isdigit():  # --trial 3 for trial_0003
            wanted = next((i for i in by_id if i.isdigit() and int(i) == int(wanted)), wanted)
        if wanted not in by_id:
            known = sorted(by_id)
            hint = did_you_mean(wanted, known) if known else ""
            raise ExportError(
                f"export: trial {wanted!r} does not exist in {os.fspath(run_dir)!r}. Known "
                f"trials: {', '.join(known) or 'none'}.{hint} "
                "Pass --trial best or one of them."
            )
        chosen = by_id[wanted]
        if chosen.get("status") != "COMPLETED":
            raise ExportError(f"export: trial {wanted} in {os.fspath(run_dir)!r} is not "
                              f"finished (status {chosen.get('status')!r}). Finish the comparison "
                              "(run it again) or pick a finished trial.")
        return chosen
    if not finished:
        raise ExportError(
            f"export: {os.fspath(run_dir)!r} has no finished trial ({len(trials)} trial(s), none "
            "COMPLETED). Run or resume the comparison first (seqzoo compare ... -o "
            f"{os.fspath(run_dir)})."
        )
    scored = [t for t in finished if isinstance(t.get("score"), (int, float))]
    if not scored:
        return finished[0]
    name = _objective_name(run_dir)
    direction = "max"
    for t in scored:
        d = (((t.get("metrics") or {}).get("metrics") or {}).get(name) or {}).get("direction")
        if d in ("min", "max"):
            direction = d
            break
    else:
        direction = "min" if "loss" in name else "max"
    pick = max if direction == "max" else min
    return pick(scored, key=lambda t: float(t["score"]))


def _objective_name(run_dir: Path) -> str:
    settings = _read_json(run_dir / "comparison.json") or {}
    metrics = str((settings.get("compile_options") or {}).get("metrics", ""))
    return "val_loss" if metrics and "accuracy" not in metrics else "val_accuracy"


def _rebuild(chosen: Mapping[str, Any]) -> tuple[Any, dict[str, Any]]:
    """The trial's model with its best epoch's weights, and its run.json."""
    from keras_seqzoo import _registry

    folder = Path(chosen["folder"])
    run = _read_json(folder / "run.json") or {}
    recorded = run.get("model") or {}
    builder = recorded.get("builder")
    if not builder:
        builder = ((chosen.get("hyperparameters") or {}).get("values") or {}).get("architecture")
    if not builder:
        raise ExportError(f"export: trial {chosen['trial_id']} records no model (no run.json "
                          f"'model' and no 'architecture' hyperparameter in {folder}).")
    weights = folder / WEIGHTS_FILE
    if not weights.is_file():
        raise ExportError(
            f"export: trial {chosen['trial_id']} has no best-epoch weights ({folder.name}/"
            f"{WEIGHTS_FILE}). Comparisons keep them from keras_seqzoo 0.2 on; run the "
            "comparison again with --overwrite (or train that model and pass it to export())."
        )
    model = _registry.build(builder, **dict(recorded.get("arguments") or {}))
    model.load_weights(os.fspath(weights))
    return model, run


def _card(source: str, run_dir: Path | None, chosen: Mapping[str, Any] | None,
          run: Mapping[str, Any] | None, model: Any, encoding: Encoding, fmt: str) -> dict[str, Any]:
    import keras

    card: dict[str, Any] = {
        "format": fmt,
        "source": source,
        "exported_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "exported_with": {"backend": keras.backend.backend(), "keras": keras.__version__},
        "encoding": {"encoding": encoding.encoding, "encoder": encoding.encoder,
                     "vocab_size": encoding.vocab_size, "max_length": encoding.max_length,
                     "keep": encoding.keep},
        "class_names": list(encoding.class_names),
        "params": int(model.count_params()),
    }
    seqzoo_config = getattr(model, "seqzoo_config", None)
    if seqzoo_config:
        card["model"] = seqzoo_config
    if chosen is not None and run_dir is not None:
        settings = _read_json(run_dir / "comparison.json") or {}
        values = (chosen.get("hyperparameters") or {}).get("values") or {}
        card["trial"] = {"trial_id": chosen["trial_id"], "hyperparameters": values,
                         "score": chosen.get("score"), "best_step": chosen.get("best_step")}
        card["data"] = settings.get("data") or ((run or {}).get("metadata") or {}).get("data")
        card["command"] = settings.get("command")
        card["training"] = {k: settings.get(k) for k in
                            ("experiment", "epochs", "batch_size", "limit", "compile_options",
                             "backend", "keras_version") if k in settings}
        card["validation_metrics"] = _epoch_metrics(Path(chosen["folder"]),
                                                    chosen.get("best_step"))
        test = (run or {}).get("test") or (run or {}).get("test_metrics")
        card["test_metrics"] = test
    return to_jsonable(card)


def _epoch_metrics(folder: Path, step: Any) -> dict[str, Any] | None:
    """The metrics of the best epoch, from history.jsonl."""
    path = folder / "history.jsonl"
    if not path.is_file() or not isinstance(step, int):
        return None
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if record.get("epoch") == step:
            return {k: v for k, v in record.items()
                    if k.startswith("val_") or k in ("loss", "accuracy", "epoch")}
    return None


# -- the formats -----------------------------------------------------------------------------------


def _check_dependencies(fmt: str) -> None:
    from keras_seqzoo._extras import MissingExtraError, install_command

    import keras

    needs = list(_NEEDS[fmt])
    if fmt == "onnx":
        backend = keras.backend.backend()
        if backend in ("tensorflow", "jax"):
            needs.append(("tf2onnx", "export"))
            needs.append(("tensorflow", "export"))
        elif backend == "torch":
            needs.append(("onnxscript", "export"))
    for module, extra in needs:
        try:
            importlib.import_module(module)
        except ImportError as error:
            raise MissingExtraError(
                f"export(format={fmt!r}) needs {module}, which is not installed: "
                f"{install_command(extra)} ({error}). Nothing was written.", extra=extra,
                name=module) from error


def _input_dtype(model: Any) -> str:
    inputs = getattr(model, "inputs", None) or []
    dtype = getattr(inputs[0], "dtype", "int32") if inputs else "int32"
    return str(dtype) if "int" in str(dtype) else "int32"


def _write_keras(model: Any, encoding: Encoding, target: Path) -> None:
    import keras

    if encoding.encoding != "words":
        raise ExportError("export(format='keras') needs a word encoding (TextVectorization); "
                          "this model was trained on subwords, which have no Keras layer. Use "
                          "format='onnx' (keras_seqzoo.serving.TextClassifier).")
    if encoding.keep != "first":
        raise ExportError("export(format='keras'): TextVectorization keeps the first tokens "
                          f"of a long text, but this model kept the {encoding.keep} ones. Use "
                          "format='saved_model' or 'onnx'.")
    _check_standardize(encoding.encoder)
    inputs = keras.Input(shape=(), dtype="string", name="texts")
    vectorizer = keras.layers.TextVectorization(
        standardize=encoding.encoder.get("standardize"), split=encoding.encoder.get("split"),
        output_mode="int", output_sequence_length=encoding.max_length,
        vocabulary=encoding.vocabulary, name="text_vectorization")
    ids = vectorizer(inputs)
    outputs = model(ids)
    if outputs.shape[-1] == 1:
        outputs = keras.layers.Concatenate(name="probabilities")(
            [keras.layers.Rescaling(-1.0, offset=1.0, name="one_minus")(outputs), outputs])
    wrapped = keras.Model(inputs, outputs, name=f"{model.name}_texts")
    wrapped.save(os.fspath(target / "model.keras"))


def _export_ids_saved_model(model: Any, folder: Path, encoding: Encoding, scratch: Path) -> None:
    """The model on token ids as a SavedModel (``model.export``; PyTorch through TensorFlow)."""
    import keras

    if keras.backend.backend() == "torch":
        # Keras exports PyTorch models to SavedModels through torch_xla; the same model and
        # weights go through TensorFlow in a subprocess instead.
        _in_tensorflow("saved_model", model, folder, encoding, scratch)
    else:
        _ids_saved_model(model, folder, encoding.max_length, _input_dtype(model))


def _ids_saved_model(model: Any, folder: Path, max_length: int | None, dtype: str) -> None:
    import keras

    spec = keras.InputSpec(shape=(None, max_length), dtype=dtype)
    model.export(os.fspath(folder), format="tf_saved_model", input_signature=[spec],
                 verbose=False)


def _in_tensorflow(fmt: str, model: Any, out: Path, encoding: Encoding, scratch: Path) -> None:
    """Exports ``model`` on token ids in a subprocess on Keras' TensorFlow backend."""
    saved = scratch / "model.keras"
    if not saved.exists():
        model.save(os.fspath(saved))
    command = [sys.executable, "-m", "keras_seqzoo.exporting", "--worker", fmt, os.fspath(saved),
               os.fspath(out), json.dumps(encoding.max_length), _input_dtype(model)]
    env = {**os.environ, "KERAS_BACKEND": "tensorflow"}
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise ExportError(f"export(format={fmt!r}): the TensorFlow subprocess that converts the "
                          "model failed:\n" + done.stderr[-3000:])


def _write_saved_model(model: Any, encoding: Encoding, target: Path, scratch: Path) -> None:
    from keras_seqzoo._extras import require

    if encoding.encoding != "words":
        raise ExportError("export(format='saved_model') needs a word encoding; subwords have no "
                          "TensorFlow ops here. Use format='onnx' "
                          "(keras_seqzoo.serving.TextClassifier).")
    _check_standardize(encoding.encoder)
    tf = require("data", "tensorflow", feature="export(format='saved_model')")
    ids_dir = scratch / "ids_model"
    _export_ids_saved_model(model, ids_dir, encoding, scratch)
    inner = tf.saved_model.load(os.fspath(ids_dir))
    serve_fn = inner.signatures["serving_default"]
    input_spec = list(serve_fn.structured_input_signature[1].values())[0]
    input_name = list(serve_fn.structured_input_signature[1])[0]

    standardize = encoding.encoder.get("standardize")
    split = encoding.encoder.get("split")
    max_length = encoding.max_length
    keep = encoding.keep
    vocabulary = list(encoding.vocabulary or [])

    module = tf.Module()
    module.inner = inner
    module.table = tf.lookup.StaticHashTable(
        tf.lookup.KeyValueTensorInitializer(
            tf.constant(vocabulary[2:], dtype=tf.string),
            tf.range(2, len(vocabulary), dtype=tf.int64)),
        default_value=tf.constant(1, tf.int64))

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="texts")])
    def serve(texts):
        x = texts
        if standardize in ("lower", "lower_and_strip_punctuation"):
            x = tf.strings.lower(x)
        if standardize in ("strip_punctuation", "lower_and_strip_punctuation"):
            x = tf.strings.regex_replace(x, _STRIP_REGEX, "")
        if split == "whitespace":
            tokens = tf.strings.split(x)
        elif split == "character":
            tokens = tf.strings.unicode_split(x, "UTF-8")
        else:
            tokens = tf.RaggedTensor.from_tensor(tf.expand_dims(x, -1))
        ids = tf.ragged.map_flat_values(module.table.lookup, tokens)
        if max_length is not None:
            if keep == "last":
                ids = ids[:, -max_length:]
            dense = ids.to_tensor(default_value=0, shape=[None, max_length])
        else:
            dense = ids.to_tensor(default_value=0)
            width = tf.shape(dense)[1]
            dense = tf.pad(dense, [[0, 0], [0, tf.maximum(1 - width, 0)]])
        outputs = module.inner.signatures["serving_default"](
            **{input_name: tf.cast(dense, input_spec.dtype)})
        y = tf.cast(list(outputs.values())[0], tf.float32)
        if y.shape[-1] == 1:
            y = tf.concat([1.0 - y, y], axis=-1)
        return {"probabilities": y}

    module.serve = serve
    # jax2tf's functions carry custom gradients that cannot be re-saved; serving needs none.
    options = tf.saved_model.SaveOptions(experimental_custom_gradients=False)
    tf.saved_model.save(module, os.fspath(target / SAVED_MODEL_VERSION),
                        signatures={"serving_default": serve}, options=options)


def _write_onnx(model: Any, encoding: Encoding, target: Path, scratch: Path) -> None:
    import keras

    if keras.backend.backend() == "jax":
        # Keras exports JAX models to ONNX through jax2onnx (flax, orbax and more); the same
        # model and weights go through TensorFlow and tf2onnx in a subprocess instead.
        _in_tensorflow("onnx", model, target / MODEL_FILE, encoding, scratch)
    else:
        _onnx_file(model, target / MODEL_FILE, encoding.max_length, _input_dtype(model))
    config = encoding.serving_config()
    (target / TOKENIZER_FILE).write_text(json.dumps(config, ensure_ascii=False) + "\n",
                                         encoding="utf-8")


def _onnx_file(model: Any, path: Path, max_length: int | None, dtype: str) -> None:
    import keras

    spec = keras.InputSpec(shape=(None, max_length), dtype=dtype, name="token_ids")
    model.export(os.fspath(path), format="onnx", input_signature=[spec], verbose=False)


def _worker(argv: Sequence[str]) -> None:
    """``python -m keras_seqzoo.exporting --worker FORMAT MODEL.keras OUT MAX_LENGTH DTYPE``."""
    import keras

    import keras_seqzoo  # noqa: F401  (registers the package's layers for loading)

    fmt, source, out, max_length, dtype = argv
    model = keras.saving.load_model(source, compile=False)
    write = _onnx_file if fmt == "onnx" else _ids_saved_model
    write(model, Path(out), json.loads(max_length), dtype)


# -- export ------------------------------------------------------------------------------------


def _is_export(folder: Path) -> bool:
    """Whether ``folder`` holds an export (ONNX, or a SavedModel in TF Serving's layout)."""
    return any((folder / name).exists() for name in (CARD_FILE, MODEL_FILE, "saved_model.pb")) \
        or any(folder.glob("*/saved_model.pb"))


def _replace(partial: Path, target: Path) -> None:
    """Renames ``partial`` to ``target``, replacing what is there only once ``partial`` is whole."""
    if target.exists() or target.is_symlink():
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        os.replace(target, old)
        os.replace(partial, target)
        if old.is_dir():
            shutil.rmtree(old, ignore_errors=True)
        else:
            old.unlink(missing_ok=True)
    else:
        os.replace(partial, target)


def export(
    model_or_run_dir: Any,
    path: str | os.PathLike,
    *,
    format: str = "keras",
    trial: str = "best",
    encoding: Any = None,
    overwrite: bool = False,
) -> Path:
    """Exports a trained model with its text encoding: raw text in, probabilities out.

    Args:
        model_or_run_dir: a comparison's run directory (``seqzoo compare -o DIR``:
            the trial's best-epoch weights ``trial_<id>/checkpoint.weights.h5``,
            its builder and arguments from ``run.json``, the encoding from
            ``DIR/encoding/``), or a trained ``keras.Model`` on token ids
            (then pass ``encoding``).
        path: what to write: a ``.keras`` file (``format="keras"``) or a folder
            (``"saved_model"``: ``PATH/1/``; ``"onnx"``: ``PATH/model.onnx``
            and ``PATH/tokenizer.json``).
        format: ``"keras"``, ``"saved_model"`` or ``"onnx"``.
        trial: ``"best"`` (the best score among finished trials) or a trial id
            such as ``"0003"``.
        encoding: the encoding folder, an :class:`Encoding` or the loaded data
            (default: ``RUN_DIR/encoding``).
        overwrite: replace an existing ``path``.

    Returns:
        The path written. The model card is ``PATH/model_card.json`` for a
        folder, ``NAME.card.json`` beside a ``.keras`` file.

    Raises:
        ExportError: no finished trial, an unknown trial id, no best-epoch weights,
            an encoding the format cannot hold.
        FileExistsError: ``path`` exists and ``overwrite`` is false.
        MissingExtraError: the format's dependency is not installed (the extra is named).
        ValueError: an unknown format.

    Example:

    ```python
    export("runs/demo", "exported/demo_onnx", format="onnx")
    TextClassifier.load("exported/demo_onnx").predict(["A fine film."])
    ```
    """
    if format not in FORMATS:
        hint = did_you_mean(str(format), FORMATS)
        raise ValueError(f"export: unknown format {format!r}; use one of "
                         f"{', '.join(map(repr, FORMATS))}.{hint}")
    path = Path(path)
    if format == "keras" and path.suffix != ".keras":
        raise ValueError(f"export(format='keras'): the path must end in .keras. Received: "
                         f"{os.fspath(path)!r}. Fix: -o {path.name}.keras")
    if (path.exists() or path.is_symlink()) and not overwrite:
        raise FileExistsError(f"export: {os.fspath(path)!r} exists; nothing was written. Choose "
                              "another path or pass overwrite=True (--overwrite) to replace it.")
    if overwrite and path.is_dir() and not path.is_symlink() and any(path.iterdir()) \
            and not _is_export(path):
        shown = ", ".join(sorted(p.name for p in path.iterdir())[:5])
        raise FileExistsError(
            f"export: overwrite=True (--overwrite) replaces only an earlier export; "
            f"{os.fspath(path)!r} holds {shown} (no {CARD_FILE}, {MODEL_FILE} or "
            "saved_model.pb). Nothing was written or deleted. Choose another path.")
    card_path = path.with_name(path.stem + ".card.json") if format == "keras" else None
    if card_path is not None and card_path.exists() and not overwrite:
        raise FileExistsError(f"export: {os.fspath(card_path)!r} exists; nothing was written. "
                              "Pass overwrite=True (--overwrite) to replace it.")
    _check_dependencies(format)

    run_dir = chosen = run = None
    if isinstance(model_or_run_dir, (str, os.PathLike)):
        run_dir = Path(model_or_run_dir)
        chosen = _pick_trial(run_dir, trial)
        if encoding is None:
            encoding = run_dir / "encoding"
            if not (encoding / ENCODING_FILE).is_file():
                raise ExportError(
                    f"export: {os.fspath(run_dir)!r} has no encoding/ folder (the runner writes "
                    "it with save_encoding from keras_seqzoo 0.2 on). Pass encoding=<the data "
                    "or an encoding folder> with the data the comparison trained on."
                )
        enc = _encoding_of(encoding)
        model, run = _rebuild(chosen)
        source = f"{os.fspath(run_dir)} trial {chosen['trial_id']}"
    else:
        if not hasattr(model_or_run_dir, "predict") or not hasattr(model_or_run_dir, "inputs"):
            raise TypeError("export: pass a run directory or a keras.Model. Received: "
                            f"{type(model_or_run_dir).__name__}")
        if encoding is None:
            raise ExportError("export: a model needs its text encoding: pass encoding=<the data "
                              "it trained on> (or an encoding folder from save_encoding).")
        enc = _encoding_of(encoding)
        model = model_or_run_dir
        source = f"model {model.name}"
    card = _card(source, run_dir, chosen, run, model, enc, format)

    path.parent.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(prefix=f".{path.name}.partial-", dir=path.parent))
    scratch = Path(tempfile.mkdtemp(prefix=".export-scratch-", dir=path.parent))
    try:
        if format == "keras":
            _write_keras(model, enc, partial)
            (partial / "card.json").write_text(json.dumps(card, indent=1) + "\n", encoding="utf-8")
            assert card_path is not None
            _replace(partial / "card.json", card_path)
            _replace(partial / "model.keras", path)
            shutil.rmtree(partial, ignore_errors=True)
        else:
            if format == "saved_model":
                _write_saved_model(model, enc, partial, scratch)
            else:
                _write_onnx(model, enc, partial, scratch)
            (partial / CARD_FILE).write_text(json.dumps(card, indent=1) + "\n", encoding="utf-8")
            _replace(partial, path)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return path


def reference_probabilities(model: Any, encoding: Encoding, texts: Sequence[str]) -> np.ndarray:
    """The training model's probabilities on ``texts``, encoded as in training (for checks).

    Args:
        model: the model on token ids.
        encoding: its :class:`Encoding`.
        texts: the texts.

    Returns:
        ``(len(texts), classes)`` float32 probabilities (``[1 - p, p]`` for a sigmoid head).

    Example:

    ```python
    reference_probabilities(model, load_encoding("runs/demo/encoding"), ["A fine film."])
    ```
    """
    from keras_seqzoo.serving import pad_ids

    tokenizer = encoding.tokenizer()
    ids = pad_ids([tokenizer.encode(t) for t in texts], encoding.max_length, encoding.keep)
    return probabilities_from_outputs(np.asarray(model.predict(ids, verbose=0)))


if __name__ == "__main__" and sys.argv[1:2] == ["--worker"]:
    _worker(sys.argv[2:])
