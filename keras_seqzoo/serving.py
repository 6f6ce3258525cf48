"""Serve an exported model with onnxruntime and NumPy alone: raw text in, probabilities out.

:func:`keras_seqzoo.exporting.export` with ``format="onnx"`` writes a folder::

    PATH/
      model.onnx        the trained model on token ids (int32, padded with 0)
      tokenizer.json    the exact text encoding it trained with, as data
      model_card.json   data, metrics, parameters, the command (when known)

:class:`TextClassifier` reads that folder and classifies texts. It imports
only the standard library, NumPy and onnxruntime (the ``serve`` extra:
``pip install "keras-seqzoo[serve]"``): no TensorFlow, JAX, PyTorch or Keras.
Its tokenizers reproduce the training encoders exactly:

- **words** (``TextVectorization``): the standardization (``tf.strings.lower``
  lowers ASCII letters only; the punctuation stripped is ASCII's 32 signs), the
  split on ASCII whitespace (space, ``\\t \\n \\v \\f \\r``; not on ``U+00A0``
  and other Unicode spaces, as TensorFlow), id 1 (``[UNK]``) for unknown words;
- **subwords** (``tfds.deprecated.text.SubwordTextEncoder``): its tokenizer,
  greedy longest-match subwords and the byte fallback for unknown characters;
- the truncation to ``max_length`` tokens (the first ones, or the last ones
  with ``keep="last"``), padded with 0 after the text.

Example:

```python
from keras_seqzoo.serving import TextClassifier

classifier = TextClassifier.load("exported/imdb_onnx")
classifier.predict(["A wonderful film.", "Dreadful."])  # (2, 2) probabilities
classifier.class_names                                  # ("neg", "pos")
```
"""

from __future__ import annotations

import json
import os
import re
import string
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np

__all__ = [
    "CARD_FILE",
    "MODEL_FILE",
    "TOKENIZER_FILE",
    "SubwordTokenizer",
    "TextClassifier",
    "load",
    "predict_records",
    "WordTokenizer",
    "check_texts",
    "make_tokenizer",
    "pad_ids",
    "read_texts",
    "probabilities_from_outputs",
]

#: The ONNX model of an ``onnx`` export.
MODEL_FILE = "model.onnx"
#: The text encoding of an ``onnx`` export (JSON).
TOKENIZER_FILE = "tokenizer.json"
#: The model card beside every export (JSON).
CARD_FILE = "model_card.json"

_STANDARDIZE = (None, "lower", "strip_punctuation", "lower_and_strip_punctuation")
_SPLIT = (None, "whitespace", "character")
# tf.strings.lower without an encoding lowers ASCII letters only.
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
# TextVectorization's DEFAULT_STRIP_REGEX is exactly string.punctuation (32 ASCII signs).
_STRIP = str.maketrans("", "", string.punctuation)
# tf.strings.split() splits on ASCII whitespace only (absl::ascii_isspace).
_ASCII_SPACE = re.compile(r"[ \t\n\x0b\x0c\r]+")
# tfds' Tokenizer (alphanum_only=False) and its underscore escape.
_ALL_REGEX = re.compile(r"(\W+)", flags=re.UNICODE)
_UNDERSCORE_REPLACEMENT = "\\&undsc"


def check_texts(texts: Any, caller: str = "TextClassifier.predict") -> list[str]:
    """Returns ``texts`` as a list of ``str``; anything else is a clear ``TypeError``.

    Args:
        texts: a sequence of ``str`` (a list, a tuple, a 1-D NumPy array of
            strings). A single ``str`` is refused (it would be read letter by letter).
        caller: the function named in the error.

    Returns:
        The texts.

    Raises:
        TypeError: ``texts`` is a single string, not a sequence, or holds a
            value that is not a ``str``.
    """
    if isinstance(texts, (str, bytes)):
        raise TypeError(
            f"{caller}: `texts` must be a list of strings, not a single "
            f"{type(texts).__name__}. Received: texts={texts[:40]!r}. Fix: pass [text]."
        )
    if isinstance(texts, np.ndarray):
        if texts.ndim != 1:
            raise TypeError(f"{caller}: `texts` must be 1-D. Received: an array of shape "
                            f"{texts.shape}. Fix: pass a flat list of strings.")
        texts = texts.tolist()
    try:
        out = list(texts)
    except TypeError:
        raise TypeError(
            f"{caller}: `texts` must be a list of strings. Received: "
            f"{type(texts).__name__} {texts!r:.60}."
        ) from None
    for i, text in enumerate(out):
        if not isinstance(text, str):
            raise TypeError(
                f"{caller}: `texts` must hold strings only; texts[{i}] is "
                f"{type(text).__name__} {text!r:.60}. Fix: convert it with str() (decode bytes "
                "as UTF-8) or drop it."
            )
    return out


class WordTokenizer:
    """``TextVectorization``'s encoding in plain Python (standardize, split, look up).

    Args:
        vocabulary: the tokens by id: ``["", "[UNK]", "the", ...]``.
        standardize: ``None``, ``"lower"``, ``"strip_punctuation"`` or
            ``"lower_and_strip_punctuation"``.
        split: ``"whitespace"``, ``"character"`` or ``None``.

    Example:

    ```python
    tokenizer = WordTokenizer(["", "[UNK]", "the", "film"])
    tokenizer.encode("The FILM, the plot!")  # [2, 3, 2, 1]
    ```
    """

    kind = "words"

    def __init__(self, vocabulary: Sequence[str], *,
                 standardize: str | None = "lower_and_strip_punctuation",
                 split: str | None = "whitespace") -> None:
        if standardize not in _STANDARDIZE:
            raise ValueError(f"WordTokenizer: standardize must be one of {_STANDARDIZE}. "
                             f"Received: standardize={standardize!r}")
        if split not in _SPLIT:
            raise ValueError(f"WordTokenizer: split must be one of {_SPLIT}. "
                             f"Received: split={split!r}")
        self.vocabulary = list(vocabulary)
        self.standardize = standardize
        self.split = split
        # StringLookup: the padding token "" is not looked up; the rest by id, OOV -> 1.
        self._ids = {token: i for i, token in enumerate(self.vocabulary) if i >= 2}

    def standardized(self, text: str) -> str:
        """Returns ``text`` standardized as ``TextVectorization`` does."""
        if self.standardize in ("lower", "lower_and_strip_punctuation"):
            text = text.translate(_ASCII_LOWER)
        if self.standardize in ("strip_punctuation", "lower_and_strip_punctuation"):
            text = text.translate(_STRIP)
        return text

    def tokens(self, text: str) -> list[str]:
        """Returns the tokens of ``text`` (standardized, then split)."""
        text = self.standardized(text)
        if self.split == "whitespace":
            return [t for t in _ASCII_SPACE.split(text) if t]
        if self.split == "character":
            return list(text)
        return [text]

    def encode(self, text: str) -> list[int]:
        """Returns the ids of ``text``, unpadded and untruncated."""
        get = self._ids.get
        return [get(token, 1) for token in self.tokens(text)]

    def config(self) -> dict[str, Any]:
        """Returns the JSON-ready description (``tokenizer.json``)."""
        return {"kind": self.kind, "standardize": self.standardize, "split": self.split,
                "vocabulary": self.vocabulary}


class SubwordTokenizer:
    """``tfds.deprecated.text.SubwordTextEncoder.encode`` in plain Python.

    Args:
        subwords: the subwords (``SubwordTextEncoder.subwords``, in id order,
            without padding); ids are 1 + the subword's index, then the 256 bytes.

    Example:

    ```python
    tokenizer = SubwordTokenizer(["the_", "film_", "a"])
    tokenizer.encode("the film")  # [1, 2]
    ```
    """

    kind = "subwords"

    def __init__(self, subwords: Sequence[str]) -> None:
        self.subwords = [s for s in subwords if s]
        self._subword_to_id = {s: i for i, s in enumerate(self.subwords)}
        self._max_len = max(len(_UNDERSCORE_REPLACEMENT),
                            max([len(s) for s in self.subwords] or [1]))
        reserved = {_UNDERSCORE_REPLACEMENT}
        reserved.update(t for t in self.subwords if len([s for s in _ALL_REGEX.split(t) if s]) > 1)
        escaped = [re.sub(r"[(){}\[\].*?|^$\\+-]", r"\\\g<0>", t) for t in reserved]
        self._reserved = reserved
        self._reserved_re = re.compile("(%s)" % "|".join(escaped), flags=re.UNICODE)
        self._cache: dict[str, list[int]] = {}

    @classmethod
    def from_file(cls, path: str | os.PathLike) -> "SubwordTokenizer":
        """Reads a ``.subwords`` file written by ``SubwordTextEncoder.save_to_file``."""
        lines = [line.decode("utf-8") for line in Path(path).read_bytes().split(b"\n")]
        if not lines or not lines[0].endswith("SubwordTextEncoder"):
            raise ValueError(f"SubwordTokenizer.from_file: {os.fspath(path)!r} is not a "
                             "SubwordTextEncoder vocabulary file.")
        return cls([line[1:-1] for line in lines[2:-1]])

    def _tokenize(self, text: str) -> list[str]:
        tokens: list[str] = []
        for part in self._reserved_re.split(text):
            if part in self._reserved:
                tokens.append(part)
            else:
                tokens.extend(_ALL_REGEX.split(part))
        return [t for t in tokens if t]

    def _prepared(self, tokens: list[str]) -> list[str]:
        def prepare(token: str, following: str | None) -> tuple[str, bool]:
            token = token.replace("_", _UNDERSCORE_REPLACEMENT)
            if following == " ":
                return token + "_", True
            return token, False

        out: list[str] = []
        skip = False
        for token, following in zip(tokens, tokens[1:] + [None]):
            if skip:
                skip = False
                continue
            if token == _UNDERSCORE_REPLACEMENT:
                first, second = _UNDERSCORE_REPLACEMENT[:2], _UNDERSCORE_REPLACEMENT[2:]
                out.append(prepare(first, None)[0])
                out.append(prepare(second, following)[0])
                continue
            token, skip = prepare(token, following)
            out.append(token)
        return out

    def _token_ids(self, token: str) -> list[int]:
        cached = self._cache.get(token)
        if cached is not None:
            return cached
        n = len(self.subwords)
        ids: list[int] = []
        start = 0
        while start < len(token):
            for end in range(min(len(token), start + self._max_len), start, -1):
                candidate = token[start:end]
                if candidate in self._subword_to_id or candidate == _UNDERSCORE_REPLACEMENT:
                    break
            else:
                candidate, end = token[start], start + 1
            start = end
            if candidate == _UNDERSCORE_REPLACEMENT:
                ids.append(n + ord("_"))
            elif candidate in self._subword_to_id:
                ids.append(self._subword_to_id[candidate])
            elif candidate == "_":
                ids.append(n + ord(" "))
            else:
                ids.extend(n + b for b in candidate.encode("utf-8"))
        if len(self._cache) < 2**20:
            self._cache[token] = ids
        return ids

    def encode(self, text: str) -> list[int]:
        """Returns the ids of ``text`` (from 1; 0 is padding), unpadded and untruncated."""
        ids: list[int] = []
        for token in self._prepared(self._tokenize(text)):
            ids.extend(self._token_ids(token))
        return [i + 1 for i in ids]

    def config(self) -> dict[str, Any]:
        """Returns the JSON-ready description (``tokenizer.json``)."""
        return {"kind": self.kind, "subwords": self.subwords}


def make_tokenizer(config: dict[str, Any]) -> WordTokenizer | SubwordTokenizer:
    """Returns the tokenizer that ``config`` (a ``tokenizer.json``) describes.

    Args:
        config: ``{"kind": "words", "vocabulary": ..., "standardize": ...,
            "split": ...}`` or ``{"kind": "subwords", "subwords": [...]}``.

    Returns:
        A :class:`WordTokenizer` or :class:`SubwordTokenizer`.
    """
    kind = config.get("kind")
    if kind == "words":
        return WordTokenizer(config["vocabulary"], standardize=config.get("standardize"),
                             split=config.get("split"))
    if kind == "subwords":
        return SubwordTokenizer(config["subwords"])
    raise ValueError(f"make_tokenizer: unknown tokenizer kind {kind!r}; expected 'words' or "
                     "'subwords'. Was the folder written by keras_seqzoo.export?")


def pad_ids(sequences: Iterable[Sequence[int]], max_length: int | None,
            keep: str = "first") -> np.ndarray:
    """Truncates and pads id sequences as the training data did.

    Args:
        sequences: unpadded id sequences.
        max_length: the number of columns; ``None`` pads to the longest (at least 1).
        keep: ``"first"`` keeps the first ``max_length`` ids, ``"last"`` the last ones.

    Returns:
        An int32 array ``(n, max_length)``, padded with 0 after the ids.
    """
    if keep not in ("first", "last"):
        raise ValueError(f"pad_ids: keep must be 'first' or 'last'. Received: keep={keep!r}")
    sequences = [list(s) for s in sequences]
    if max_length is None:
        width = max([len(s) for s in sequences] + [1])
    else:
        width = int(max_length)
    out = np.zeros((len(sequences), width), dtype=np.int32)
    for row, ids in enumerate(sequences):
        ids = ids[:width] if keep == "first" else ids[max(len(ids) - width, 0):]
        out[row, : len(ids)] = ids
    return out


def probabilities_from_outputs(outputs: np.ndarray) -> np.ndarray:
    """Returns ``(n, classes)`` probabilities from a model's output.

    A sigmoid head's ``(n, 1)`` output ``p`` becomes ``[1 - p, p]``; a softmax
    head's ``(n, classes)`` is returned as it is (float32).
    """
    outputs = np.asarray(outputs, dtype=np.float32)
    if outputs.ndim == 1:
        outputs = outputs[:, None]
    if outputs.shape[-1] == 1:
        return np.concatenate([1.0 - outputs, outputs], axis=-1)
    return outputs


def _onnxruntime() -> Any:
    try:
        import onnxruntime
    except ImportError as error:
        raise ModuleNotFoundError(
            "keras_seqzoo.serving needs the 'serve' extra: pip install \"keras-seqzoo[serve]\" "
            f"({error})", name="onnxruntime") from error
    return onnxruntime


class TextClassifier:
    """A text classifier exported with ``format="onnx"``: onnxruntime plus a plain tokenizer.

    Use :meth:`load`; the constructor takes the parts.

    Attributes:
        path: the export folder.
        class_names: the class of each probability column.
        max_length: the number of token columns (``None``: the longest text of a batch).
        keep: which end of a long text is kept (``"first"`` or ``"last"``).
        tokenizer: the :class:`WordTokenizer` or :class:`SubwordTokenizer`.
        card: the model card (a dict; empty when there is none).

    Example:

    ```python
    classifier = TextClassifier.load("exported/imdb_onnx")
    probabilities = classifier.predict(["What a film!"])
    ```
    """

    def __init__(self, path: str | os.PathLike, session: Any, tokenizer: Any,
                 class_names: Sequence[str], max_length: int | None, keep: str,
                 card: dict[str, Any] | None = None) -> None:
        self.path = Path(path)
        self.session = session
        self.tokenizer = tokenizer
        self.class_names = tuple(class_names)
        self.max_length = max_length
        self.keep = keep
        self.card = dict(card or {})
        self._input = session.get_inputs()[0]
        self._dtype = np.int64 if "int64" in self._input.type else np.int32

    @classmethod
    def load(cls, path: str | os.PathLike, *, threads: int | None = None) -> "TextClassifier":
        """Loads an ``onnx`` export folder.

        Args:
            path: the folder written by ``export(..., format="onnx")``.
            threads: onnxruntime's intra-op threads (default: onnxruntime's).

        Returns:
            The classifier.

        Raises:
            FileNotFoundError: the folder lacks ``model.onnx`` or ``tokenizer.json``.
            ModuleNotFoundError: onnxruntime is not installed (the ``serve`` extra).
        """
        folder = Path(path)
        missing = [name for name in (MODEL_FILE, TOKENIZER_FILE) if not (folder / name).is_file()]
        if missing:
            raise FileNotFoundError(
                f"TextClassifier.load: {os.fspath(folder)!r} has no {' and no '.join(missing)}. "
                "Pass the folder written by keras_seqzoo.export(..., format='onnx') "
                "(seqzoo export RUN_DIR -o PATH --format onnx)."
            )
        config = json.loads((folder / TOKENIZER_FILE).read_text(encoding="utf-8"))
        ort = _onnxruntime()
        options = ort.SessionOptions()
        if threads:
            options.intra_op_num_threads = int(threads)
        session = ort.InferenceSession(os.fspath(folder / MODEL_FILE), options,
                                       providers=["CPUExecutionProvider"])
        card = {}
        if (folder / CARD_FILE).is_file():
            card = json.loads((folder / CARD_FILE).read_text(encoding="utf-8"))
        return cls(folder, session, make_tokenizer(config["tokenizer"]), config["class_names"],
                   config.get("max_length"), config.get("keep", "first"), card)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Returns the padded token ids of ``texts``, as the model was trained on."""
        texts = check_texts(texts, "TextClassifier.encode")
        return pad_ids([self.tokenizer.encode(t) for t in texts], self.max_length, self.keep)

    def predict(self, texts: Sequence[str], *, batch_size: int = 256) -> np.ndarray:
        """Returns the probability of each class for each text.

        Args:
            texts: a list of strings (an empty string is fine).
            batch_size: texts per onnxruntime call.

        Returns:
            A float32 array ``(len(texts), len(class_names))``.

        Raises:
            TypeError: ``texts`` is not a list of strings.
        """
        texts = check_texts(texts)
        parts = []
        for start in range(0, len(texts), batch_size):
            ids = self.encode(texts[start: start + batch_size]).astype(self._dtype)
            outputs = self.session.run(None, {self._input.name: ids})[0]
            parts.append(probabilities_from_outputs(outputs))
        if not parts:
            return np.zeros((0, len(self.class_names)), dtype=np.float32)
        return np.concatenate(parts)

    def __repr__(self) -> str:
        return (f"TextClassifier({os.fspath(self.path)!r}, classes={list(self.class_names)}, "
                f"encoding={self.tokenizer.kind!r}, max_length={self.max_length})")


class _SavedModelClassifier:
    """A ``saved_model`` export, through ``tf.saved_model.load`` (TensorFlow alone)."""

    def __init__(self, path: Path) -> None:
        import tensorflow as tf

        self.path = path
        self._tf = tf
        self._fn = tf.saved_model.load(os.fspath(path / "1")).signatures["serving_default"]
        self.card = json.loads((path / CARD_FILE).read_text(encoding="utf-8"))
        self.class_names = tuple(self.card["class_names"])

    def predict(self, texts: Sequence[str], *, batch_size: int = 256) -> np.ndarray:
        texts = check_texts(texts)
        parts = [self._fn(texts=self._tf.constant(texts[i: i + batch_size], self._tf.string))
                 ["probabilities"].numpy() for i in range(0, len(texts), batch_size)]
        return np.concatenate(parts) if parts else np.zeros((0, len(self.class_names)), np.float32)


class _KerasClassifier:
    """A ``keras`` export (``.keras`` with ``TextVectorization``): Keras on TensorFlow."""

    def __init__(self, path: Path) -> None:
        import keras

        if keras.backend.backend() != "tensorflow":
            raise ValueError(
                f"load: {os.fspath(path)!r} takes strings through TextVectorization, which runs "
                f"inside a model on the TensorFlow backend only (Keras' backend is "
                f"{keras.backend.backend()!r}). Fix: KERAS_BACKEND=tensorflow, or export with "
                "--format onnx or saved_model."
            )
        import tensorflow as tf

        import keras_seqzoo  # noqa: F401  (the package's layers, for loading)

        self.path = path
        self._tf = tf
        self.model = keras.saving.load_model(os.fspath(path), compile=False)
        card_path = path.with_name(path.stem + ".card.json")
        self.card = json.loads(card_path.read_text(encoding="utf-8")) if card_path.is_file() else {}
        columns = int(self.model.outputs[0].shape[-1])
        self.class_names = tuple(self.card.get("class_names") or map(str, range(columns)))

    def predict(self, texts: Sequence[str], *, batch_size: int = 256) -> np.ndarray:
        texts = check_texts(texts)
        if not texts:
            return np.zeros((0, len(self.class_names)), np.float32)
        return np.asarray(self.model.predict(self._tf.constant(texts), batch_size=batch_size,
                                             verbose=0), dtype=np.float32)


def load(path: str | os.PathLike) -> Any:
    """Loads any export of :func:`keras_seqzoo.exporting.export` for prediction.

    - a folder with ``model.onnx``: :class:`TextClassifier` (onnxruntime);
    - a folder with ``1/saved_model.pb``: ``tf.saved_model.load`` (TensorFlow);
    - a ``.keras`` file: ``keras.saving.load_model`` (the TensorFlow backend).

    Args:
        path: the export.

    Returns:
        An object with ``predict(texts)`` -> ``(n, classes)`` and ``class_names``.

    Raises:
        FileNotFoundError: ``path`` is none of these.

    Example:

    ```python
    classifier = load("exported/demo_onnx")
    classifier.predict(["A fine film."])
    ```
    """
    path = Path(path)
    if path.is_dir() and (path / MODEL_FILE).is_file():
        return TextClassifier.load(path)
    if path.is_dir() and (path / "1" / "saved_model.pb").is_file():
        return _SavedModelClassifier(path)
    if path.is_file() and path.suffix == ".keras":
        return _KerasClassifier(path)
    raise FileNotFoundError(
        f"load: {os.fspath(path)!r} is not an export: expected a folder with {MODEL_FILE} "
        "(format onnx), a folder with 1/saved_model.pb (format saved_model) or a .keras file. "
        "Write one with: seqzoo export RUN_DIR -o PATH --format FORMAT."
    )


def predict_records(path: str | os.PathLike, texts: Sequence[str], *,
                    classifier: Any = None) -> list[dict[str, Any]]:
    """Classifies ``texts`` with an export: one JSON-ready dict per text.

    Args:
        path: the export (see :func:`load`).
        texts: a list of strings.
        classifier: an already loaded :func:`load` result for ``path``.

    Returns:
        ``[{"label": "pos", "probabilities": {"neg": 0.1, "pos": 0.9}, "model": PATH}, ...]``.

    Example:

    ```python
    predict_records("exported/demo_onnx", ["A fine film."])[0]["label"]   # "pos"
    ```
    """
    texts = check_texts(texts, "predict")
    classifier = classifier if classifier is not None else load(path)
    probabilities = classifier.predict(texts)
    names = list(classifier.class_names)
    return [{"label": names[int(np.argmax(row))],
             "probabilities": {name: float(p) for name, p in zip(names, row)},
             "model": os.fspath(path)} for row in probabilities]


def read_texts(path: str | os.PathLike, *, jsonl: bool = False) -> list[str]:
    """Reads texts to classify from a file (``"-"``: standard input).

    Args:
        path: a text file, one text per line (``--file``), or with ``jsonl`` a
            JSON-lines file whose lines are strings or objects with a ``"text"``.
        jsonl: read JSON lines.

    Returns:
        The texts.

    Raises:
        TypeError: a JSON line whose text is not a string (named by line number).
        ValueError: a line that is not JSON.
    """
    import sys

    if os.fspath(path) == "-":
        content = sys.stdin.read()
    else:
        content = Path(path).read_text(encoding="utf-8")
    lines = content.splitlines() if jsonl else content.split("\n")
    if not jsonl:
        return lines[:-1] if lines and lines[-1] == "" else lines
    texts = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except ValueError as error:
            raise ValueError(f"predict: line {number} of {os.fspath(path)} is not JSON ({error}). "
                             'Each line must be a JSON string or {"text": "..."}.') from None
        if isinstance(value, dict):
            value = value.get("text")
        if not isinstance(value, str):
            raise TypeError(f"predict: line {number} of {os.fspath(path)} holds "
                            f"{type(value).__name__} {value!r:.60}, not a text. Each line must be "
                            'a JSON string or {"text": "..."} with a string.')
        texts.append(value)
    return texts
