"""Your own labelled text: CSV, TSV, headerless files, JSON Lines, a folder per class (as a
folder or inside a ``.tar.gz``/``.zip``), or Python lists.

The loaders feed the same splits, encoders, cache and pipelines as :func:`load_imdb`, and
return the same :class:`TextClassificationData`.

Formats (``format=``, guessed from the path when not given):

- ``"csv"`` (``.csv``) and ``"tsv"`` (``.tsv``, ``.tab``; a file without a suffix whose
  first line holds a tab): a header row names the columns, or ``columns=`` names them
  for a headerless file (``columns=("label", "text")`` for the SMS Spam Collection's
  ``label<TAB>text`` lines). TSV is read without quoting: a quote is part of the text.
- ``"jsonl"`` (``.jsonl``, ``.ndjson``, ``.json``): one JSON object a line.
- ``"folder"``: a folder per class holding one text a file (``.txt`` or no suffix), as
  ``keras.utils.text_dataset_from_directory`` reads; as a folder or a ``.tar.gz``,
  ``.tgz``, ``.tar``, ``.tar.bz2`` or ``.zip`` archive. With ``train``/``test`` (or
  ``validation``) subfolders, also named like ``20news-bydate-train``, each is a split;
  one wrapping top folder is looked through.

Labels are either integer class ids ``0..k-1`` (ints, integral floats, bools, or digit
strings such as ``"1"`` in a CSV) or class names (strings), numbered in sorted order like
``keras.utils.text_dataset_from_directory`` numbers its class folders (a folder per class
always gives names). Integer labels that are not exactly ``0..k-1`` (``{1, 2}``,
``{0, 5}``), empty labels, ids in one file and names in another, and empty texts are
refused with the values and the file and line (or list index) where they are.

Files are read as UTF-8 (a byte-order mark is skipped) unless you pass ``file_encoding=``;
a file that does not decode is refused with its name and the byte offset, never read with
replacement characters.

``keras.utils.text_dataset_from_directory`` is not used for folders: it reads ``.txt``
files only, from a plain folder (no archives), without decoding them, so a file that does
not decode or is empty could not be named in an error as here.
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import functools
import hashlib
import io
import json
import math
import numbers
import os
import re
import tarfile
import zipfile
import zlib
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from keras_seqzoo.datasets import _cache
from keras_seqzoo.datasets.data import (
    DatasetError,
    RawSplits,
    TextClassificationData,
    build_data,
)
from keras_seqzoo.datasets.options import DataOptions, make_options

__all__ = ["FORMATS", "from_texts", "load_text_files", "read_labelled_texts"]

#: The formats :func:`load_text_files` reads.
FORMATS = ("csv", "tsv", "jsonl", "folder")
_ARCHIVES = (".tar.gz", ".tgz", ".tar", ".tar.bz2", ".tbz2", ".tar.xz", ".zip")
_SPLIT_NAME = re.compile(
    r"(?:^|[-_. ])(train|training|test|testing|val|valid|validation|dev)$", re.IGNORECASE
)
_SPLIT_OF = {"train": "train", "training": "train", "test": "test", "testing": "test",
             "val": "validation", "valid": "validation", "validation": "validation",
             "dev": "validation"}


@dataclasses.dataclass
class _Source:
    """Texts and raw labels, and where each example came from (for error messages)."""

    texts: list[str]
    labels: list[Any]
    where: Callable[[int], str]  # index -> "'train.csv' line 3"
    names_only: bool = False  # labels are class folder names: never read as integer ids
    name: str = ""  # the file, or the split of a folder, in words

    def subset(self, indices: Sequence[int] | np.ndarray) -> "_Source":
        kept = [int(i) for i in indices]
        outer = self.where

        def where(i: int) -> str:
            return outer(kept[i])

        return _Source(
            [self.texts[i] for i in kept], [self.labels[i] for i in kept], where,
            self.names_only, self.name,
        )


def read_labelled_texts(
    path: str | os.PathLike,
    *,
    format: str | None = None,
    columns: Sequence[str] | str | None = None,
    text_column: str = "text",
    label_column: str = "label",
    file_encoding: str = "utf-8",
) -> tuple[list[str], list[Any]]:
    """Reads texts and raw labels from one file or folder (every split of a folder together).

    Args:
        path: a CSV, TSV, JSON Lines file, or a folder per class (or an archive of one).
        format: ``"csv"``, ``"tsv"``, ``"jsonl"`` or ``"folder"``; default: from ``path``.
        columns: the column names of a headerless CSV/TSV, e.g. ``("label", "text")`` or
            ``"label,text"``.
        text_column: the column (CSV/TSV) or key (JSON Lines) holding the text.
        label_column: the column or key holding the label.
        file_encoding: the files' text encoding (``"utf-8"``; a byte-order mark is
            skipped), e.g. ``"latin-1"`` or ``"cp1252"``.

    Returns:
        ``(texts, labels)``; labels as read (strings, ints, bools, or the class folder
        names).

    Raises:
        DatasetError: an empty file, a file that does not decode (its name and the byte
            offset), missing columns (the file's columns listed), a ``columns`` spec that
            does not fit the file, an empty text or label (the file and line).

    Example:

    ```python
    texts, labels = read_labelled_texts("reviews.csv", text_column="review")
    ```
    """
    parts = _read_path(
        path, format=format, columns=_columns(columns, text_column, label_column),
        text_column=text_column, label_column=label_column, file_encoding=file_encoding,
    )
    texts: list[str] = []
    labels: list[Any] = []
    for source in parts.values():
        texts.extend(source.texts)
        labels.extend(source.labels)
    return texts, labels


def load_text_files(
    train: str | os.PathLike,
    test: str | os.PathLike | None = None,
    *,
    validation: str | os.PathLike | None = None,
    format: str | None = None,
    columns: Sequence[str] | str | None = None,
    text_column: str = "text",
    label_column: str = "label",
    file_encoding: str = "utf-8",
    options: DataOptions | None = None,
    **settings: Any,
) -> TextClassificationData:
    """Loads your own labelled text and encodes it as :func:`load_imdb` does.

    Splits (protocol ``"sound"``, the default): validation is ``validation=`` (or a
    ``validation``/``dev`` subfolder), else a stratified, seeded ``validation_fraction``
    of train (10 %); test is ``test=`` (or a ``test`` subfolder), else a stratified
    ``test_fraction`` of train (10 %). ``info["splits"]`` records which. Protocol
    ``"slides"``: the test data is the validation data and there is no test split.

    Args:
        train: the training data: a CSV, TSV or JSON Lines file, or a folder per class
            (a folder or a ``.tar.gz``/``.zip``), possibly with ``train``/``test``
            subfolders that give every split.
        test: the test data, in the same format.
        validation: the validation data, in the same format.
        format: ``"csv"``, ``"tsv"``, ``"jsonl"`` or ``"folder"``; default: from the path.
        columns: the column names of headerless CSV/TSV files, e.g. ``("label", "text")``.
        text_column: the text column (CSV/TSV) or key (JSON Lines).
        label_column: the label column or key.
        file_encoding: the files' text encoding, ``"utf-8"`` by default (a byte-order
            mark is skipped); e.g. ``"latin-1"`` or ``"cp1252"``. A file that does not
            decode is refused with its name and byte offset. (``encoding`` is the token
            encoding, as in :func:`load_imdb`.)
        options: a :class:`DataOptions`; keyword ``settings`` override it.
        **settings: the fields of :class:`DataOptions` (``encoding``, ``vocab_size``,
            ``max_length``, ``keep``, ``batch_size``, ``limit``, ``protocol``,
            ``validation_fraction``, ``test_fraction``, ``split_seed``, ``seed``, ...).

    Returns:
        :class:`TextClassificationData`; ``class_names`` maps label ids to names.

    Raises:
        DatasetError: unusable data, named with the file and line: one class only, a class
            in validation or test that train lacks, missing columns, a ``columns`` spec
            that does not fit, ids in one file and names in another, empty texts.

    Example:

    ```python
    from keras_seqzoo import datasets
    r8 = datasets.load_text_files("reuters-r8-train.csv", "reuters-r8-test.csv")
    sms = datasets.load_text_files("SMSSpamCollection", format="tsv",
                                   columns=("label", "text"))
    news = datasets.load_text_files("20news-bydate.tar.gz", file_encoding="latin-1")
    r8.num_classes, sms.positive_class  # 8, 'spam'
    ```
    """
    opts = make_options("load_text_files", options, **settings)
    _check_file_encoding(file_encoding)
    if format is not None and format not in FORMATS + ("directory",):
        raise ValueError(
            f"load_text_files: format must be one of {', '.join(map(repr, FORMATS))}. "
            f"Received: format={format!r}"
        )
    spec = _columns(columns, text_column, label_column)
    given = {"train": train, "test": test, "validation": validation}
    paths: dict[str, Path] = {}
    for split, value in given.items():
        if value is None:
            continue
        p = Path(value).expanduser()
        if not p.exists():
            raise FileNotFoundError(
                f"load_text_files: {split}={str(value)!r} does not exist; pass a CSV, TSV or "
                "JSON Lines file, a folder per class, or a .tar.gz/.zip of one."
            )
        paths[split] = p
    read_options: dict[str, Any] = {"format": format, "columns": spec, "text_column": text_column,
                    "label_column": label_column, "file_encoding": file_encoding}
    identity = {
        "kind": "text_files",
        "files": {split: _identity(p) for split, p in paths.items()},
        "read": {k: (list(v) if isinstance(v, tuple) else v) for k, v in read_options.items()},
    }
    names = {split: _display(p) for split, p in paths.items()}

    def read() -> RawSplits:
        sources: dict[str, _Source] = {}
        for split, p in paths.items():
            parts = _read_path(p, **read_options)
            if split != "train" and set(parts) != {"train"}:
                raise DatasetError(
                    f"load_text_files: {split}={str(p)!r} holds split folders "
                    f"({', '.join(sorted(parts))}); pass it as train= alone, or pass a folder "
                    "per class without split folders."
                )
            for part, source in parts.items():
                target = part if split == "train" else split
                if target in sources:
                    raise DatasetError(
                        f"load_text_files: the {target} split is given twice: as {target}= "
                        f"and as a {target} folder inside train={str(paths['train'])!r}. Pass "
                        "one of them."
                    )
                sources[target] = source
                if split == "train" and part != "train":
                    names[target] = f"{names['train']}: {source.name}"
            if split == "train" and "train" in parts and len(parts) > 1:
                names["train"] = f"{names['train']}: {parts['train'].name}"
        if "train" not in sources:
            raise DatasetError(
                f"load_text_files: train={str(paths['train'])!r} has no training split: it "
                f"holds only {', '.join(sorted(sources))} folders. Name the training folder "
                "'train' (or '...-train')."
            )
        return _raw_splits(sources)

    return build_data(
        dataset="text",
        source={"kind": "text_files", **{split: str(p) for split, p in paths.items()},
                "format": format, "columns": list(spec) if spec else None},
        identity=identity, read=read, options=opts, source_names=names,
    )


def from_texts(
    train_texts: Sequence[str],
    train_labels: Sequence[Any],
    validation_texts: Sequence[str] | None = None,
    validation_labels: Sequence[Any] | None = None,
    *,
    test_texts: Sequence[str] | None = None,
    test_labels: Sequence[Any] | None = None,
    options: DataOptions | None = None,
    **settings: Any,
) -> TextClassificationData:
    """Encodes texts already in memory as :func:`load_imdb` does.

    The cache key hashes the texts and labels. Labels are integer class ids ``0..k-1`` or
    class names, as in :func:`load_text_files`; ``bytes`` texts must be UTF-8. Bad values
    are refused with their list index (e.g. ``train_labels[3]``). Splits not given are
    held out of train as the protocol says (see :func:`load_text_files`).

    Args:
        train_texts: the training texts.
        train_labels: their labels.
        validation_texts: the validation texts, or ``None``.
        validation_labels: their labels.
        test_texts: the test texts, or ``None``.
        test_labels: their labels.
        options: a :class:`DataOptions`; keyword ``settings`` override it.
        **settings: the fields of :class:`DataOptions`.

    Returns:
        :class:`TextClassificationData`.

    Example:

    ```python
    data = from_texts(["good", "bad"] * 10, [1, 0] * 10, ["fine", "awful"], [1, 0],
                      test_texts=["great", "dull"], test_labels=[1, 0], vocab_size=50)
    ```
    """
    opts = make_options("from_texts", options, **settings)
    given = {"train": (train_texts, train_labels), "validation": (validation_texts, validation_labels),
             "test": (test_texts, test_labels)}
    for split, (texts, labels) in given.items():
        if (texts is None) != (labels is None):
            raise ValueError(
                f"from_texts: pass both {split}_texts and {split}_labels, or neither. "
                f"Received: {split}_texts={'None' if texts is None else '...'}, "
                f"{split}_labels={'None' if labels is None else '...'}"
            )
    digest = hashlib.sha256()
    for split, (texts, labels) in given.items():
        if texts is not None:
            digest.update(split.encode())
            digest.update(json.dumps([str(v) for v in texts]).encode("utf-8"))
            digest.update(json.dumps([str(v) for v in labels]).encode("utf-8"))  # type: ignore[union-attr]
    identity = {"kind": "texts", "sha256": digest.hexdigest()}

    def read() -> RawSplits:
        return _raw_splits({
            split: _memory_source(texts, labels, split)  # type: ignore[arg-type]
            for split, (texts, labels) in given.items() if texts is not None
        })

    return build_data(
        dataset="texts",
        source={"kind": "texts", "num_texts": sum(len(t) for t, _ in given.values() if t is not None)},
        identity=identity, read=read, options=opts,
        source_names={split: f"{split}_texts" for split, (t, _) in given.items() if t is not None},
    )


# -- reading -------------------------------------------------------------------------------


def _display(path: Path) -> str:
    return path.name or str(path)


def _columns(columns: Sequence[str] | str | None, text: str, label: str) -> tuple[str, ...] | None:
    """Validates a ``columns`` spec; returns it as a tuple."""
    if columns is None:
        return None
    spec = tuple(c.strip() for c in columns.split(",")) if isinstance(columns, str) else tuple(columns)
    if len(spec) < 2 or not all(isinstance(c, str) and c for c in spec) or len(set(spec)) != len(spec):
        raise ValueError(
            "columns must name each column of a headerless file once, e.g. ('label', 'text') "
            f"or 'label,text'. Received: columns={columns!r}"
        )
    missing = [c for c in (text, label) if c not in spec]
    if missing:
        raise ValueError(
            f"columns={list(spec)} does not name the text and label columns "
            f"({', '.join(map(repr, missing))} missing); name them in columns, or pass "
            f"text_column=/label_column= with names from columns (e.g. columns=('label', "
            "'text'), the defaults)."
        )
    return spec


def _guess_format(path: Path) -> str:
    name = path.name.lower()
    if path.is_dir() or name.endswith(_ARCHIVES):
        return "folder"
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in (".tsv", ".tab"):
        return "tsv"
    if suffix in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    with open(path, "rb") as f:
        first = f.read(1 << 16).split(b"\n", 1)[0]
    if first.lstrip().startswith(b"{"):
        return "jsonl"
    if b"\t" in first:
        return "tsv"
    if b"," in first:
        return "csv"
    raise ValueError(
        f"Cannot tell the format of {str(path)!r} from its name or first line; pass "
        "format='csv', 'tsv', 'jsonl' or 'folder'."
    )


def _read_path(
    path: str | os.PathLike,
    *,
    format: str | None,
    columns: tuple[str, ...] | None,
    text_column: str,
    label_column: str,
    file_encoding: str,
) -> dict[str, _Source]:
    """Reads one path; returns its splits (``{"train": ...}`` for a file)."""
    p = Path(path).expanduser()
    _check_file_encoding(file_encoding)
    if not p.exists():
        raise FileNotFoundError(
            f"{str(path)!r} does not exist; pass a CSV, TSV or JSON Lines file, a folder per "
            "class, or a .tar.gz/.zip of one."
        )
    fmt = format or _guess_format(p)
    if fmt == "directory":
        fmt = "folder"
    if fmt not in FORMATS:
        raise ValueError(f"Unknown format {fmt!r}: use one of {', '.join(map(repr, FORMATS))}.")
    if fmt == "folder":
        return _read_folder_tree(p, file_encoding)
    if columns is not None and fmt == "jsonl":
        raise ValueError(
            f"columns= names the columns of a headerless CSV or TSV; {str(p)!r} is JSON Lines, "
            "whose keys are named by text_column= and label_column=."
        )
    text = _decode_file(p, file_encoding)
    if fmt == "jsonl":
        return {"train": _read_jsonl(p, text, text_column, label_column)}
    return {"train": _read_delimited(p, text, fmt, columns, text_column, label_column)}


def _read_delimited(
    p: Path, text: str, fmt: str, columns: tuple[str, ...] | None, text_column: str, label_column: str
) -> _Source:
    if fmt == "tsv":
        reader = csv.reader(io.StringIO(text, newline=""), delimiter="\t", quoting=csv.QUOTE_NONE)
    else:
        reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[tuple[int, Any, Any]] = []  # (line, text, label)
    header: list[str] | None = None
    try:
        for fields in reader:
            if not fields or (len(fields) == 1 and not fields[0].strip()):
                continue  # a blank line
            if header is None:
                if columns is None:
                    header = fields
                    _check_columns(p, header, text_column, label_column)
                    continue
                header = list(columns)
                if [f.strip() for f in fields] == header:
                    continue  # the file has this header after all
            if columns is not None and len(fields) != len(columns):
                raise DatasetError(
                    f"{str(p)!r} line {reader.line_num} has {len(fields)} field(s) "
                    f"({_preview(fields)}), but columns={list(columns)} names {len(columns)}: "
                    f"the columns spec does not fit the file. Name every column of the file "
                    f"in columns= (its fields are separated by "
                    f"{'tabs' if fmt == 'tsv' else 'commas'}), or pass format= if it is "
                    f"{'CSV' if fmt == 'tsv' else 'TSV'}."
                )
            record = dict(zip(header, fields))
            rows.append((reader.line_num, record.get(text_column), record.get(label_column)))
    except csv.Error as error:
        raise DatasetError(f"{str(p)!r} line {reader.line_num} is not valid {fmt.upper()}: {error}") from None
    return _rows_source(p, rows, f"column {text_column!r}", f"column {label_column!r}")


def _preview(fields: Sequence[str]) -> str:
    return ", ".join(repr(f[:20] + ("..." if len(f) > 20 else "")) for f in fields[:4]) + (
        ", ..." if len(fields) > 4 else "")


def _read_jsonl(p: Path, text: str, text_column: str, label_column: str) -> _Source:
    rows: list[tuple[int, Any, Any]] = []
    # split("\n"), not splitlines(): a JSON string may hold U+2028 and the like.
    for number, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            raise DatasetError(f"{str(p)!r} line {number} is not JSON: {error}") from None
        if not isinstance(row, dict) or text_column not in row or label_column not in row:
            keys = sorted(row) if isinstance(row, dict) else f"a {type(row).__name__}, not an object"
            raise DatasetError(
                f"{str(p)!r} line {number} needs the keys {text_column!r} and "
                f"{label_column!r}; its keys are {keys}. Pass text_column=/label_column= to "
                "name yours."
            )
        rows.append((number, row[text_column], row[label_column]))
    return _rows_source(p, rows, f"key {text_column!r}", f"key {label_column!r}")


def _rows_source(p: Path, rows: list[tuple[int, Any, Any]], text_what: str, label_what: str) -> _Source:
    if not rows:
        raise DatasetError(f"{str(p)!r} holds no examples.")
    lines = [line for line, _, _ in rows]

    def where(i: int) -> str:
        return f"{str(p)!r} line {lines[i]}"

    texts = [_text(value, i, where, text_what) for i, (_, value, _) in enumerate(rows)]
    labels = [label for _, _, label in rows]
    for i, label in enumerate(labels):
        if _is_empty(label):
            raise DatasetError(
                f"{where(i)} has an empty label ({label_what}, received {label!r}); every "
                "example needs a label: fill it in or remove the row."
            )
    return _Source(texts, labels, where, name=repr(str(p)))


def _check_columns(path: Path, columns: Sequence[str], text: str, label: str) -> None:
    missing = [c for c in (text, label) if c not in columns]
    if missing:
        raise DatasetError(
            f"{str(path)!r} has no column {', '.join(map(repr, missing))}: its first line "
            f"(read as the header) holds the columns {_preview(list(columns))}. Pass "
            "text_column=/label_column= to name yours, or columns= (e.g. "
            "columns=('label', 'text')) if the file has no header."
        )


# -- a folder per class, as a folder or an archive -----------------------------------------


def _entries(root: Path) -> list[tuple[tuple[str, ...], Callable[[], bytes]]]:
    """Every regular file under a folder or in an archive: (path parts, reader)."""
    name = root.name.lower()
    out: list[tuple[tuple[str, ...], Callable[[], bytes]]] = []
    if root.is_dir():
        for folder, dirs, files in os.walk(root):
            dirs.sort()
            rel = Path(folder).relative_to(root).parts
            for file in sorted(files):
                full = Path(folder) / file
                out.append(((*rel, file), full.read_bytes))
        return out
    try:
        if name.endswith(".zip"):
            with zipfile.ZipFile(root) as archive:
                for info in archive.infolist():
                    if not info.is_dir():
                        out.append((tuple(info.filename.split("/")),
                                    functools.partial(bytes, archive.read(info))))
        else:
            with tarfile.open(root, "r:*") as archive:
                for member in archive:
                    if member.isfile():
                        handle = archive.extractfile(member)
                        data = handle.read() if handle is not None else b""
                        out.append((tuple(Path(member.name).parts), functools.partial(bytes, data)))
    except (tarfile.TarError, zipfile.BadZipFile, EOFError, zlib.error, OSError) as error:
        raise DatasetError(
            f"The archive {str(root)!r} is corrupt or truncated ({type(error).__name__}: "
            f"{error}). Copy or download it again, or pass the extracted folder."
        ) from error
    return sorted(out, key=lambda entry: entry[0])


def _wanted(parts: tuple[str, ...]) -> bool:
    if any(p.startswith(".") or p == "__MACOSX" for p in parts):
        return False
    return Path(parts[-1]).suffix.lower() in ("", ".txt")


def _split_of(name: str) -> str | None:
    match = _SPLIT_NAME.search(name)
    return _SPLIT_OF[match.group(1).lower()] if match else None


def _read_folder_tree(root: Path, file_encoding: str) -> dict[str, _Source]:
    entries = [(parts, read) for parts, read in _entries(root) if _wanted(parts)]
    # Look through one wrapping folder (e.g. an archive's top folder) that is no split.
    while True:
        nested = [parts for parts, _ in entries if len(parts) > 1]
        tops = {parts[0] for parts in nested}
        if (len(tops) == 1 and _split_of(next(iter(tops))) is None
                and all(len(parts) > 2 for parts in nested)):
            entries = [(parts[1:], read) for parts, read in entries if len(parts) > 1]
        else:
            break
    split_tops: dict[str, str] = {}
    for top in sorted({parts[0] for parts, _ in entries if len(parts) > 1}):
        split_name = _split_of(top)
        if split_name is not None:
            split_tops[top] = split_name
    where_root = str(root)
    if split_tops:
        splits: dict[str, _Source] = {}
        for top, split in sorted(split_tops.items(), key=lambda item: item[1]):
            if split in splits:
                both = ", ".join(t for t, s in split_tops.items() if s == split)
                raise DatasetError(f"{where_root!r} holds two {split} folders ({both}); keep one.")
            sub = [(parts[1:], read) for parts, read in entries if parts[0] == top and len(parts) > 2]
            splits[split] = _class_source(sub, f"{where_root}/{top}", file_encoding, top)
        return splits
    return {"train": _class_source(entries, where_root, file_encoding, _display(root))}


def _class_source(
    entries: list[tuple[tuple[str, ...], Callable[[], bytes]]], where_root: str, file_encoding: str,
    name: str,
) -> _Source:
    by_class: dict[str, list[tuple[str, Callable[[], bytes]]]] = {}
    for parts, read in entries:
        if len(parts) < 2:
            continue  # a file beside the class folders (README)
        by_class.setdefault(parts[0], []).append(("/".join(parts), read))
    if not by_class:
        raise DatasetError(
            f"The folder {where_root!r} has no class subfolders holding text files (.txt or no "
            "suffix); expected one folder per class, as keras.utils.text_dataset_from_directory "
            "reads, optionally inside train/ and test/ folders."
        )
    texts: list[str] = []
    labels: list[Any] = []
    names: list[str] = []
    for cls in sorted(by_class):
        for file, read in by_class[cls]:
            texts.append(_decode_bytes(read(), repr(f"{where_root}/{file}"), file_encoding))
            labels.append(cls)
            names.append(f"{where_root}/{file}")
    return _Source(texts, labels, lambda i: repr(names[i]), names_only=True, name=name)


def _identity(path: Path) -> dict[str, Any]:
    digest = hashlib.sha256()
    if path.is_dir():
        for file in sorted(f for f in path.rglob("*") if f.is_file()):
            stat = file.stat()
            digest.update(f"{file.relative_to(path)}:{stat.st_size}:{stat.st_mtime_ns}\n".encode())
        return {"kind": "directory", "listing_sha256": digest.hexdigest()}
    return {"kind": "file", "sha256": _cache.file_sha256(path)}


def _raw_splits(sources: dict[str, _Source]) -> RawSplits:
    order = [s for s in ("train", "validation", "test") if s in sources]
    names, ids = _label_ids([sources[s] for s in order])
    by_split = dict(zip(order, ids))
    raw = RawSplits(
        train_texts=list(sources["train"].texts),
        train_labels=np.asarray(by_split["train"], dtype=np.int32),
        class_names=names,
    )
    for split in order[1:]:
        setattr(raw, f"{split}_texts", list(sources[split].texts))
        setattr(raw, f"{split}_labels", np.asarray(by_split[split], dtype=np.int32))
    return raw


# -- values --------------------------------------------------------------------------------


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
    return _decode_bytes(path.read_bytes(), repr(str(path)), file_encoding)


def _decode_bytes(data: bytes, name: str, file_encoding: str) -> str:
    """Returns ``data`` decoded; refuses an empty text or bytes that do not decode."""
    if not name.startswith("'"):
        name = repr(name)
    skip = 0
    if codecs.lookup(file_encoding).name == "utf-8" and data.startswith(codecs.BOM_UTF8):
        skip = len(codecs.BOM_UTF8)
    try:
        text = data[skip:].decode(file_encoding)
    except UnicodeDecodeError as error:
        offset = skip + error.start
        line = data.count(b"\n", 0, offset) + 1
        raise DatasetError(
            f"{name} is not {file_encoding} text: byte {offset} (line {line}) is "
            f"{data[offset:skip + error.end]!r} ({error.reason}). Convert the file to "
            f"{file_encoding}, or pass file_encoding= with its encoding (e.g. "
            "file_encoding='cp1252' or 'latin-1')."
        ) from None
    if not text.strip():
        raise DatasetError(
            f"{name} is empty; remove it or fill it (every text file must hold a text)."
        )
    return text


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
    return _Source(decoded, labels, where, name=f"{split}_labels")


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
    kinds = [
        ({type(v) for v in values}, source.name) for values, source in zip(parsed, sources)
    ]
    if ints and names and any(k == {int} for k, _ in kinds) and any(k == {str} for k, _ in kinds):
        as_ids = [name for k, name in kinds if k == {int}]
        as_names = [name for k, name in kinds if k == {str}]
        raise DatasetError(
            f"The labels are class ids in {', '.join(as_ids)} ({_listing(ints, None)}) and "
            f"class names in {', '.join(as_names)} ({_listing(names, None)}): the files must "
            "label the same way. Write the same labels in every file: all ids 0..k-1, or "
            "all class names."
        )
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
