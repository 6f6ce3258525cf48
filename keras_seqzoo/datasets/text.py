"""Your own labelled text: CSV, JSON Lines, a folder per class, or Python lists.

The loaders feed the same encoders, cache and pipelines as :func:`load_imdb`,
and return the same :class:`TextClassificationData`.

Labels: integer labels are kept as they are (they must be ``0..k-1``); string
labels are numbered in sorted order, like
``keras.utils.text_dataset_from_directory`` numbers its class folders.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from keras_seqzoo.datasets import _cache
from keras_seqzoo.datasets._data import (
    DatasetError,
    RawSplits,
    TextClassificationData,
    build_data,
    texts_of,
)

__all__ = ["from_texts", "load_text_files", "read_labelled_texts"]

_FORMATS = ("csv", "jsonl", "directory")


def read_labelled_texts(
    path: str | os.PathLike,
    *,
    format: str | None = None,
    text_column: str = "text",
    label_column: str = "label",
) -> tuple[list[str], list[Any]]:
    """Reads texts and raw labels from a CSV, a JSON Lines file, or a folder per class.

    Args:
        path: a ``.csv``/``.tsv`` file, a ``.jsonl``/``.ndjson`` file, or a folder
            whose subfolders are the classes and hold ``.txt`` files.
        format: ``"csv"``, ``"jsonl"`` or ``"directory"``; default: from ``path``.
        text_column: the column (CSV) or key (JSON Lines) holding the text.
        label_column: the column or key holding the label.

    Returns:
        ``(texts, labels)``; labels as read (strings, ints, bools, or the class
        folder names).

    Example:

    ```python
    texts, labels = read_labelled_texts("reviews.csv", text_column="review")
    ```
    """
    p = Path(path).expanduser()
    fmt = format or _guess_format(p)
    if fmt not in _FORMATS:
        raise ValueError(f"Unknown format {fmt!r}: use one of {', '.join(map(repr, _FORMATS))}.")
    if not p.exists():
        raise FileNotFoundError(f"{str(path)!r} does not exist; pass a CSV, JSON Lines file or folder.")
    if fmt == "directory":
        return _read_directory(p)
    rows: list[dict[str, Any]]
    if fmt == "csv":
        with open(p, newline="", encoding="utf-8") as f:
            sample = f.read(4096)
            f.seek(0)
            delimiter = "\t" if p.suffix.lower() == ".tsv" else ","
            reader = csv.DictReader(f, delimiter=delimiter)
            columns = reader.fieldnames or []
            _check_columns(p, columns, text_column, label_column, sample)
            rows = list(reader)
    else:
        rows = []
        with open(p, encoding="utf-8") as f:
            for number, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as error:
                    raise DatasetError(f"{str(p)!r} line {number} is not JSON: {error}") from None
                if not isinstance(row, dict) or text_column not in row or label_column not in row:
                    raise DatasetError(
                        f"{str(p)!r} line {number} needs the keys {text_column!r} and "
                        f"{label_column!r}; pass text_column=/label_column= to name yours."
                    )
                rows.append(row)
    if not rows:
        raise DatasetError(f"{str(p)!r} holds no examples.")
    return texts_of([r[text_column] for r in rows]), [r[label_column] for r in rows]


def load_text_files(
    train: str | os.PathLike,
    validation: str | os.PathLike | None = None,
    *,
    validation_split: float | None = None,
    format: str | None = None,
    text_column: str = "text",
    label_column: str = "label",
    encoding: str = "words",
    vocab_size: int | None = None,
    max_length: int | None | str = "default",
    batch_size: int = 32,
    limit: int | tuple[int | None, int | None] | None = None,
    seed: int = 0,
    cache_dir: str | os.PathLike | None = None,
    shuffle: bool = True,
    bucket: bool | None = None,
    use_cache: bool = True,
    **encoder_options: Any,
) -> TextClassificationData:
    """Loads your own labelled text and encodes it as :func:`load_imdb` does.

    Args:
        train: the training data: a CSV, a JSON Lines file, or a folder per class.
        validation: the validation data, in the same format; or use ``validation_split``.
        validation_split: the fraction of ``train`` held out (a seeded random split).
        format: ``"csv"``, ``"jsonl"`` or ``"directory"``; default: from the path.
        text_column: the text column (CSV) or key (JSON Lines).
        label_column: the label column or key.
        **settings: ``encoding``, ``vocab_size``, ``max_length``, ``batch_size``,
            ``limit``, ``seed``, ``cache_dir``, ``shuffle``, ``bucket``,
            ``use_cache`` and encoder options, as in :func:`load_imdb`.

    Returns:
        :class:`TextClassificationData`; ``class_names`` maps label ids to names.

    Example:

    ```python
    from keras_seqzoo import datasets
    data = datasets.load_text_files("train.csv", "test.csv", text_column="review",
                                    label_column="sentiment")
    data.class_names  # ('negative', 'positive')
    ```
    """
    if (validation is None) == (validation_split is None):
        raise ValueError(
            "Pass exactly one of validation= (a file or folder) and validation_split= "
            "(a fraction of train, e.g. 0.2)."
        )
    if validation_split is not None and not 0 < validation_split < 1:
        raise ValueError(f"validation_split must be in (0, 1). Received: {validation_split!r}")
    options = {"format": format, "text_column": text_column, "label_column": label_column}
    paths = [Path(train).expanduser()] + ([Path(validation).expanduser()] if validation else [])
    for p in paths:
        if not p.exists():
            raise FileNotFoundError(f"{str(p)!r} does not exist; pass a CSV, JSON Lines file or folder.")
    identity = {
        "kind": "text_files",
        "files": [_identity(p) for p in paths],
        "columns": [text_column, label_column],
        "validation_split": validation_split,
        "split_seed": seed if validation_split is not None else None,
    }

    def read() -> RawSplits:
        texts, labels = read_labelled_texts(train, **options)
        if validation is not None:
            val_texts, val_labels = read_labelled_texts(validation, **options)
        else:
            order = np.random.default_rng(seed).permutation(len(texts))
            n_val = max(1, int(round(len(texts) * validation_split)))
            val_idx, train_idx = np.sort(order[:n_val]), np.sort(order[n_val:])
            val_texts, val_labels = [texts[i] for i in val_idx], [labels[i] for i in val_idx]
            texts, labels = [texts[i] for i in train_idx], [labels[i] for i in train_idx]
        return _raw_splits(texts, labels, val_texts, val_labels)

    return _build(
        "text",
        {"kind": "text_files", "train": str(paths[0]), "validation": str(paths[1]) if validation else None,
         "validation_split": validation_split},
        identity, read, encoding, vocab_size, max_length, batch_size, limit, seed, cache_dir,
        shuffle, bucket, use_cache, encoder_options,
    )


def from_texts(
    train_texts: Sequence[str],
    train_labels: Sequence[Any],
    validation_texts: Sequence[str],
    validation_labels: Sequence[Any],
    *,
    encoding: str = "words",
    vocab_size: int | None = None,
    max_length: int | None | str = "default",
    batch_size: int = 32,
    limit: int | tuple[int | None, int | None] | None = None,
    seed: int = 0,
    cache_dir: str | os.PathLike | None = None,
    shuffle: bool = True,
    bucket: bool | None = None,
    use_cache: bool = True,
    **encoder_options: Any,
) -> TextClassificationData:
    """Encodes texts already in memory as :func:`load_imdb` does.

    The cache key hashes the texts and labels.

    Args:
        train_texts: the training texts.
        train_labels: their labels.
        validation_texts: the validation texts.
        validation_labels: their labels.
        **settings: ``encoding``, ``vocab_size``, ``max_length``, ``batch_size``,
            ``limit``, ``seed``, ``cache_dir``, ``shuffle``, ``bucket``,
            ``use_cache`` and encoder options, as in :func:`load_imdb`.

    Returns:
        :class:`TextClassificationData`.

    Example:

    ```python
    data = from_texts(["good", "bad"], [1, 0], ["fine"], [1], vocab_size=50)
    ```
    """
    digest = hashlib.sha256()
    for part in (train_texts, train_labels, validation_texts, validation_labels):
        digest.update(json.dumps([str(v) for v in part]).encode("utf-8"))
    identity = {"kind": "texts", "sha256": digest.hexdigest()}

    def read() -> RawSplits:
        return _raw_splits(
            texts_of(train_texts), list(train_labels), texts_of(validation_texts), list(validation_labels)
        )

    return _build(
        "texts", {"kind": "texts", "num_texts": len(train_texts) + len(validation_texts)},
        identity, read, encoding, vocab_size, max_length, batch_size, limit, seed, cache_dir,
        shuffle, bucket, use_cache, encoder_options,
    )


# -- internals -----------------------------------------------------------------------------


def _build(dataset, source, identity, read, encoding, vocab_size, max_length, batch_size, limit,
           seed, cache_dir, shuffle, bucket, use_cache, encoder_options) -> TextClassificationData:
    if max_length == "default":
        max_length = 120 if encoding == "words" else None
    return build_data(
        dataset=dataset, source=source, identity=identity, read=read, encoding=encoding,
        vocab_size=vocab_size, encoder_options=encoder_options, max_length=max_length,
        batch_size=batch_size, limit=limit, seed=seed, cache_dir=cache_dir,
        use_cache=use_cache, shuffle=shuffle, bucket=bucket,
    )


def _guess_format(path: Path) -> str:
    if path.is_dir():
        return "directory"
    suffix = path.suffix.lower()
    if suffix in (".csv", ".tsv"):
        return "csv"
    if suffix in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    raise ValueError(
        f"Cannot tell the format of {str(path)!r} from its name; pass format='csv', "
        "'jsonl' or 'directory'."
    )


def _check_columns(path: Path, columns: Sequence[str], text: str, label: str, sample: str) -> None:
    missing = [c for c in (text, label) if c not in columns]
    if missing:
        raise DatasetError(
            f"{str(path)!r} has no column {', '.join(map(repr, missing))} (its header is "
            f"{list(columns)}); pass text_column=/label_column= to name yours."
        )


def _read_directory(root: Path) -> tuple[list[str], list[Any]]:
    classes = sorted(d for d in root.iterdir() if d.is_dir() and not d.name.startswith("."))
    if not classes:
        raise DatasetError(
            f"The folder {str(root)!r} has no class subfolders; expected one folder per class "
            "holding .txt files, as keras.utils.text_dataset_from_directory does."
        )
    texts: list[str] = []
    labels: list[Any] = []
    for folder in classes:
        files = sorted(f for f in folder.rglob("*.txt") if f.is_file())
        if not files:
            raise DatasetError(f"The class folder {str(folder)!r} holds no .txt files.")
        for file in files:
            texts.append(file.read_bytes().decode("utf-8", "replace"))
            labels.append(folder.name)
    return texts, labels


def _identity(path: Path) -> dict[str, Any]:
    digest = hashlib.sha256()
    if path.is_dir():
        for file in sorted(path.rglob("*.txt")):
            stat = file.stat()
            digest.update(f"{file.relative_to(path)}:{stat.st_size}:{stat.st_mtime_ns}\n".encode())
        return {"kind": "directory", "listing_sha256": digest.hexdigest()}
    return {"kind": "file", "sha256": _cache.file_sha256(path)}


def _raw_splits(texts, labels, val_texts, val_labels) -> RawSplits:
    if len(texts) != len(labels) or len(val_texts) != len(val_labels):
        raise ValueError("Each split needs as many labels as texts.")
    names, encode = _label_mapping(list(labels) + list(val_labels))
    return RawSplits(
        train_texts=list(texts),
        train_labels=np.asarray([encode(v) for v in labels], dtype=np.int32),
        validation_texts=list(val_texts),
        validation_labels=np.asarray([encode(v) for v in val_labels], dtype=np.int32),
        class_names=names,
    )


def _label_mapping(labels: list[Any]) -> tuple[tuple[str, ...], Any]:
    def as_int(value: Any) -> int | None:
        if isinstance(value, (bool, np.bool_)):
            return int(value)
        if isinstance(value, (int, np.integer)):
            return int(value)
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            return int(value.strip())
        if isinstance(value, float) and value.is_integer():
            return int(value)
        return None

    ints = [as_int(v) for v in labels]
    if labels and all(i is not None for i in ints):
        k = max(ints) + 1  # type: ignore[type-var]
        if min(ints) < 0:  # type: ignore[type-var]
            raise DatasetError(f"Integer labels must be 0..k-1; found {min(ints)}.")  # type: ignore[type-var]
        return tuple(str(i) for i in range(k)), as_int
    names = tuple(sorted({str(v) for v in labels}))
    index = {name: i for i, name in enumerate(names)}
    return names, lambda value: index[str(value)]
