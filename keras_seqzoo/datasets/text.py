"""Your own labelled text: CSV, JSON Lines, a folder per class, or Python lists.

The loaders feed the same encoders, cache and pipelines as :func:`load_imdb`,
and return the same :class:`TextClassificationData`.

Labels are either integer class ids ``0..k-1`` (ints, integral floats, bools, or
digit strings such as ``"1"`` in a CSV) or class names (strings), numbered in
sorted order like ``keras.utils.text_dataset_from_directory`` numbers its class
folders (a folder per class always gives names). Integer labels that are not
exactly ``0..k-1`` (``{1, 2}``, ``{0, 5}``), empty labels, a mix of integers
and names, and empty texts are refused with the values and the file and line
(or list index) where they are.

Files are read as UTF-8 (a byte-order mark is skipped) unless you pass
``file_encoding=``; a file that does not decode is refused with its name and
the byte offset, never read with replacement characters.
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import hashlib
import io
import json
import math
import numbers
import os
import re
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from keras_seqzoo.datasets import _cache
from keras_seqzoo.datasets._data import (
    DatasetError,
    RawSplits,
    TextClassificationData,
    build_data,
)

__all__ = ["from_texts", "load_text_files", "read_labelled_texts"]

_FORMATS = ("csv", "jsonl", "directory")


def read_labelled_texts(
    path: str | os.PathLike,
    *,
    format: str | None = None,
    text_column: str = "text",
    label_column: str = "label",
    file_encoding: str = "utf-8",
) -> tuple[list[str], list[Any]]:
    """Reads texts and raw labels from a CSV, a JSON Lines file, or a folder per class.

    Args:
        path: a ``.csv``/``.tsv`` file, a ``.jsonl``/``.ndjson`` file, or a folder
            whose subfolders are the classes and hold ``.txt`` files.
        format: ``"csv"``, ``"jsonl"`` or ``"directory"``; default: from ``path``.
        text_column: the column (CSV) or key (JSON Lines) holding the text.
        label_column: the column or key holding the label.
        file_encoding: the files' text encoding (``"utf-8"``; a byte-order mark
            is skipped), e.g. ``"latin-1"`` or ``"cp1252"``.

    Returns:
        ``(texts, labels)``; labels as read (strings, ints, bools, or the class
        folder names).

    Raises:
        DatasetError: an empty file, a file that does not decode (its name and
            the byte offset), a row without the columns, an empty text or an
            empty label (the file and line).

    Example:

    ```python
    texts, labels = read_labelled_texts("reviews.csv", text_column="review")
    ```
    """
    source = _read_source(
        path, format=format, text_column=text_column, label_column=label_column,
        file_encoding=file_encoding,
    )
    return source.texts, source.labels


def load_text_files(
    train: str | os.PathLike,
    validation: str | os.PathLike | None = None,
    *,
    validation_split: float | None = None,
    format: str | None = None,
    text_column: str = "text",
    label_column: str = "label",
    file_encoding: str = "utf-8",
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

    Labels are integer class ids ``0..k-1`` or class names (numbered in sorted
    order; a folder per class gives names). Integer labels that are not exactly
    ``0..k-1``, empty labels, a mix of ids and names, and empty texts are refused
    with the file and line where they are.

    Args:
        train: the training data: a CSV, a JSON Lines file, or a folder per class.
        validation: the validation data, in the same format; or use ``validation_split``.
        validation_split: the fraction of ``train`` held out (a seeded random split).
        format: ``"csv"``, ``"jsonl"`` or ``"directory"``; default: from the path.
        text_column: the text column (CSV) or key (JSON Lines).
        label_column: the label column or key.
        file_encoding: the files' text encoding, ``"utf-8"`` by default (a
            byte-order mark is skipped); e.g. ``"latin-1"`` or ``"cp1252"``. A
            file that does not decode is refused with its name and byte offset.
            (``encoding`` is the token encoding, as in :func:`load_imdb`.)
        **settings: ``encoding``, ``vocab_size``, ``max_length``, ``batch_size``,
            ``limit``, ``seed``, ``cache_dir``, ``shuffle``, ``bucket``,
            ``use_cache`` and encoder options, as in :func:`load_imdb`.

    Returns:
        :class:`TextClassificationData`; ``class_names`` maps label ids to names.

    Raises:
        DatasetError: unusable data, named with the file and line (see above).

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
    _check_file_encoding(file_encoding)
    options: dict[str, Any] = {"format": format, "text_column": text_column, "label_column": label_column,
               "file_encoding": file_encoding}
    paths = [Path(train).expanduser()] + ([Path(validation).expanduser()] if validation else [])
    for p in paths:
        if not p.exists():
            raise FileNotFoundError(f"{str(p)!r} does not exist; pass a CSV, JSON Lines file or folder.")
    identity = {
        "kind": "text_files",
        "files": [_identity(p) for p in paths],
        "columns": [text_column, label_column],
        "file_encoding": file_encoding,
        "validation_split": validation_split,
        "split_seed": seed if validation_split is not None else None,
    }

    def read() -> RawSplits:
        source = _read_source(train, **options)
        if validation is not None:
            held_out = _read_source(validation, **options)
        else:
            assert validation_split is not None
            order = np.random.default_rng(seed).permutation(len(source.texts))
            n_val = max(1, int(round(len(source.texts) * validation_split)))
            val_idx, train_idx = np.sort(order[:n_val]), np.sort(order[n_val:])
            source, held_out = source.subset(train_idx), source.subset(val_idx)
        return _raw_splits(source, held_out)

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

    The cache key hashes the texts and labels. Labels are integer class ids
    ``0..k-1`` or class names, as in :func:`load_text_files`; ``bytes`` texts
    must be UTF-8. Bad values are refused with their list index (e.g.
    ``train_labels[3]``).

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
            _memory_source(train_texts, train_labels, "train"),
            _memory_source(validation_texts, validation_labels, "validation"),
        )

    return _build(
        "texts", {"kind": "texts", "num_texts": len(train_texts) + len(validation_texts)},
        identity, read, encoding, vocab_size, max_length, batch_size, limit, seed, cache_dir,
        shuffle, bucket, use_cache, encoder_options,
    )


# -- internals -----------------------------------------------------------------------------


@dataclasses.dataclass
class _Source:
    """Texts and raw labels, and where each example came from (for error messages)."""

    texts: list[str]
    labels: list[Any]
    where: Callable[[int], str]  # index -> "'train.csv' line 3"
    names_only: bool = False  # labels are class folder names: never read as integer ids

    def subset(self, indices: Sequence[int] | np.ndarray) -> "_Source":
        kept = [int(i) for i in indices]
        outer = self.where

        def where(i: int) -> str:
            return outer(kept[i])

        return _Source(
            [self.texts[i] for i in kept], [self.labels[i] for i in kept], where, self.names_only
        )


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


def _check_file_encoding(file_encoding: str) -> None:
    try:
        codecs.lookup(file_encoding)
    except (LookupError, TypeError):
        raise ValueError(
            f"Unknown file_encoding {file_encoding!r}; pass a Python codec name such as "
            "'utf-8', 'latin-1' or 'cp1252'."
        ) from None


def _decode_file(path: Path, file_encoding: str) -> str:
    """Returns the text of ``path``; refuses an empty file or bytes that do not decode."""
    data = path.read_bytes()
    skip = 0
    if codecs.lookup(file_encoding).name == "utf-8" and data.startswith(codecs.BOM_UTF8):
        skip = len(codecs.BOM_UTF8)
    try:
        text = data[skip:].decode(file_encoding)
    except UnicodeDecodeError as error:
        offset = skip + error.start
        line = data.count(b"\n", 0, offset) + 1
        raise DatasetError(
            f"{str(path)!r} is not {file_encoding} text: byte {offset} (line {line}) is "
            f"{data[offset:skip + error.end]!r} ({error.reason}). Convert the file to "
            f"{file_encoding}, or pass file_encoding= with its encoding (e.g. "
            "file_encoding='cp1252' or 'latin-1')."
        ) from None
    if not text.strip():
        raise DatasetError(
            f"{str(path)!r} is empty; remove it or fill it (every text file must hold a text)."
        )
    return text


def _read_source(
    path: str | os.PathLike,
    *,
    format: str | None,
    text_column: str,
    label_column: str,
    file_encoding: str,
) -> _Source:
    p = Path(path).expanduser()
    fmt = format or _guess_format(p)
    if fmt not in _FORMATS:
        raise ValueError(f"Unknown format {fmt!r}: use one of {', '.join(map(repr, _FORMATS))}.")
    _check_file_encoding(file_encoding)
    if not p.exists():
        raise FileNotFoundError(f"{str(path)!r} does not exist; pass a CSV, JSON Lines file or folder.")
    if fmt == "directory":
        return _read_directory(p, file_encoding)
    text = _decode_file(p, file_encoding)
    rows: list[tuple[int, Any, Any]] = []  # (line, text, label)
    if fmt == "csv":
        delimiter = "\t" if p.suffix.lower() == ".tsv" else ","
        reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
        columns = reader.fieldnames or []
        _check_columns(p, columns, text_column, label_column)
        for row in reader:
            rows.append((reader.line_num, row.get(text_column), row.get(label_column)))
    else:
        # split("\n"), not splitlines(): a JSON string may hold U+2028 and the like.
        for number, line in enumerate(text.split("\n"), 1):
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
            rows.append((number, row[text_column], row[label_column]))
    if not rows:
        raise DatasetError(f"{str(p)!r} holds no examples.")
    lines = [line for line, _, _ in rows]

    def where(i: int) -> str:
        return f"{str(p)!r} line {lines[i]}"

    column = f"column {text_column!r}"
    texts = [_text(value, i, where, column) for i, (_, value, _) in enumerate(rows)]
    labels = [label for _, _, label in rows]
    for i, label in enumerate(labels):
        if _is_empty(label):
            raise DatasetError(
                f"{where(i)} has an empty label (column {label_column!r}, received {label!r}); "
                "every example needs a label: fill it in or remove the row."
            )
    return _Source(texts, labels, where)


def _memory_source(texts: Sequence[Any], labels: Sequence[Any], split: str) -> _Source:
    texts, labels = list(texts), list(labels)
    if len(texts) != len(labels):
        raise ValueError(
            f"from_texts: {split}_texts has {len(texts)} texts but {split}_labels has "
            f"{len(labels)} labels; each text needs one label."
        )

    def where(i: int) -> str:
        return f"{split}_labels[{i}]"

    def text_where(i: int) -> str:
        return f"{split}_texts[{i}]"

    decoded = [_text(value, i, text_where, None) for i, value in enumerate(texts)]
    return _Source(decoded, labels, where)


def _is_empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, numbers.Real) and not isinstance(value, numbers.Integral):
        return math.isnan(float(value))
    return False


def _text(value: Any, i: int, where: Callable[[int], str], column: str | None) -> str:
    """Returns one text as ``str``; refuses an empty one or bytes that are not UTF-8."""
    if isinstance(value, bytes):
        try:
            value = value.decode("utf-8")
        except UnicodeDecodeError as error:
            raise DatasetError(
                f"{where(i)} is not UTF-8: byte {error.start} is "
                f"{value[error.start:error.end]!r} ({error.reason}). Decode it yourself "
                "(bytes.decode with its encoding) and pass str."
            ) from None
    if _is_empty(value):
        what = f" ({column})" if column else ""
        raise DatasetError(
            f"{where(i)} has an empty text{what}: received {value!r}. Remove the example "
            "or fill in its text."
        )
    return value if isinstance(value, str) else str(value)


def _check_columns(path: Path, columns: Sequence[str], text: str, label: str) -> None:
    missing = [c for c in (text, label) if c not in columns]
    if missing:
        raise DatasetError(
            f"{str(path)!r} has no column {', '.join(map(repr, missing))} (its header is "
            f"{list(columns)}); pass text_column=/label_column= to name yours."
        )


def _read_directory(root: Path, file_encoding: str) -> _Source:
    classes = sorted(d for d in root.iterdir() if d.is_dir() and not d.name.startswith("."))
    if not classes:
        raise DatasetError(
            f"The folder {str(root)!r} has no class subfolders; expected one folder per class "
            "holding .txt files, as keras.utils.text_dataset_from_directory does."
        )
    texts: list[str] = []
    labels: list[Any] = []
    paths: list[Path] = []
    for folder in classes:
        files = sorted(f for f in folder.rglob("*.txt") if f.is_file())
        if not files:
            raise DatasetError(f"The class folder {str(folder)!r} holds no .txt files.")
        for file in files:
            texts.append(_decode_file(file, file_encoding))
            labels.append(folder.name)
            paths.append(file)
    return _Source(texts, labels, lambda i: repr(str(paths[i])), names_only=True)


def _identity(path: Path) -> dict[str, Any]:
    digest = hashlib.sha256()
    if path.is_dir():
        for file in sorted(path.rglob("*.txt")):
            stat = file.stat()
            digest.update(f"{file.relative_to(path)}:{stat.st_size}:{stat.st_mtime_ns}\n".encode())
        return {"kind": "directory", "listing_sha256": digest.hexdigest()}
    return {"kind": "file", "sha256": _cache.file_sha256(path)}


def _raw_splits(train: _Source, validation: _Source) -> RawSplits:
    names, ids = _label_ids([train, validation])
    return RawSplits(
        train_texts=list(train.texts),
        train_labels=np.asarray(ids[0], dtype=np.int32),
        validation_texts=list(validation.texts),
        validation_labels=np.asarray(ids[1], dtype=np.int32),
        class_names=names,
    )


_INTEGER = re.compile(r"^[+-]?\d+(\.0*)?$")
_SHOWN = 5  # offending values listed in a message


def _as_label(value: Any, names_only: bool) -> int | str | None:
    """Returns an integer class id, a class name, or None for a value that is neither."""
    if names_only:
        return str(value)
    if isinstance(value, (bool, np.bool_)):
        return int(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return int(float(value)) if float(value).is_integer() else None
    if isinstance(value, str):
        stripped = value.strip()
        return int(float(stripped)) if _INTEGER.match(stripped) else stripped
    return None


def _label_ids(sources: list[_Source]) -> tuple[tuple[str, ...], list[list[int]]]:
    """Numbers the labels of every source; refuses anything but ids 0..k-1 or names."""
    parsed: list[list[int | str]] = []
    first: dict[int | str, str] = {}  # label -> where it first occurs
    for source in sources:
        values: list[int | str] = []
        for i, raw in enumerate(source.labels):
            if _is_empty(raw):
                raise DatasetError(
                    f"{source.where(i)}: empty label (received {raw!r}); every example needs "
                    "a label."
                )
            label = _as_label(raw, source.names_only)
            if label is None:
                raise DatasetError(
                    f"{source.where(i)}: the label {raw!r} is neither an integer class id "
                    "(0..k-1) nor a class name (a string)."
                )
            values.append(label)
            first.setdefault(label, source.where(i))
        parsed.append(values)
    ints = sorted(v for v in first if isinstance(v, int))
    names = sorted(v for v in first if isinstance(v, str))
    if ints and names:
        raise DatasetError(
            "The labels mix integer class ids and class names: "
            f"{_listing(ints, first)} and {_listing(names, first)}. Use ids 0..k-1 for "
            "every example, or class names for every example."
        )
    if ints:
        k = len(ints)
        bad = [v for v in ints if not 0 <= v < k]
        if bad:
            present = set(ints)
            missing = [i for i in range(k) if i not in present]
            raise DatasetError(
                f"Integer labels must be the class ids 0..k-1; these {k} distinct labels "
                f"({_listing(ints, None)}) should be 0..{k - 1}, but {_listing(bad, first)} "
                f"{'is' if len(bad) == 1 else 'are'} out of range and "
                f"{_listing(missing, None)} {'is' if len(missing) == 1 else 'are'} missing. "
                f"Renumber them 0..{k - 1} "
                "(e.g. subtract 1 from 1-based ids), or write the labels as class names "
                "(strings that are not numbers, such as 'neg' and 'pos')."
            )
        ids = [[int(v) for v in values] for values in parsed]
        return tuple(str(i) for i in range(k)), ids
    index = {name: i for i, name in enumerate(names)}
    return tuple(names), [[index[v] for v in values] for values in parsed]  # type: ignore[index]


def _listing(values: list, first: dict | None) -> str:
    shown = [
        f"{v!r} ({first[v]})" if first is not None else repr(v) for v in values[:_SHOWN]
    ]
    more = f" and {len(values) - _SHOWN} more" if len(values) > _SHOWN else ""
    return ", ".join(shown) + more
