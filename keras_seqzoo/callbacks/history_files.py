"""The files a :class:`~keras_seqzoo.callbacks.HistoryExporter` writes, and their readers.

A run directory holds:

- ``history.jsonl``: one JSON record per epoch, appended, flushed and fsynced.
  It is the history's source of truth, written first each epoch.
- ``history.csv`` and ``history.json``: derived from ``history.jsonl``: the
  whole history, with one column per key ever seen (empty cell / ``null``
  where an epoch has no value).
- ``run.json``: metadata (model, data, versions, device, seed) and the status
  (kept by :mod:`keras_seqzoo.callbacks.run_record`).

**Epochs.** Records carry Keras' own epoch number. A record for epoch ``e``
replaces every earlier record for epoch ``e`` *or later* (those belong to an
attempt that was abandoned: a fit restarted from ``initial_epoch=e`` or by
``keras.callbacks.BackupAndRestore``); ``history.jsonl`` keeps them all, the
other files and :func:`read_history` show the replacement.

**Values.** Numbers are written exactly. NaN and infinities are written as the
strings ``"NaN"``, ``"Infinity"`` and ``"-Infinity"`` in JSON (so the files stay
strict JSON) and ``nan``, ``inf``, ``-inf`` in CSV; a *string* value that is
spelled like one of them is written as ``{"string": "NaN"}`` in JSON so that
:func:`read_history` gives back exactly what was logged (a float NaN, or the
string ``"NaN"``). Arrays (e.g. a per-class metric) are nested lists (a JSON
string in the CSV cell). Anything else is refused with a ``TypeError``.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import math
import os
from pathlib import Path
from typing import Any, Iterable, Mapping

import keras

__all__ = ["read_history", "read_run"]

_logger = logging.getLogger("keras_seqzoo.callbacks")

JSONL_NAME = "history.jsonl"
CSV_NAME = "history.csv"
JSON_NAME = "history.json"
RUN_NAME = "run.json"
RUN_FILES = (JSONL_NAME, CSV_NAME, JSON_NAME, RUN_NAME)

_FLOAT_TOKENS = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}
_STRING = "string"  # {"string": "NaN"}: a string value spelled like a float token

# history.json is a list with one record per line; it always ends with this tail,
# which an in-place append overwrites.
JSON_TAIL = b"\n]\n"


class HistoryFileError(ValueError):
    """A history file that cannot be read: names the file and the line."""


# -- values ----------------------------------------------------------------------


def encode_value(value: Any, key: str) -> Any:
    """Converts one log value to strict-JSON data (see the module docstring).

    Raises:
        TypeError: a dict, or a value that is not a number, string, boolean
            or numeric array.
    """
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return {_STRING: value} if value in _FLOAT_TOKENS else value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if math.isfinite(value):
            return value
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, (list, tuple)):
        return [encode_value(v, key) for v in value]
    if isinstance(value, Mapping):
        raise TypeError(
            f"HistoryExporter cannot record a dict as the value of {key!r}; log its entries "
            f"as separate keys instead. Received: logs[{key!r}]={value!r}"
        )
    try:
        import numpy as np

        if keras.ops.is_tensor(value):
            value = keras.ops.convert_to_numpy(value)
        elif hasattr(value, "__array__") and not isinstance(value, (np.ndarray, np.generic)):
            value = np.asarray(value)
        if isinstance(value, (np.ndarray, np.generic)):
            if value.dtype.kind in "biuf":
                return encode_value(value.tolist(), key)
            raise TypeError
    except TypeError:
        pass
    raise TypeError(
        "HistoryExporter can record numbers, strings, booleans and numeric arrays "
        f"(written as nested lists). Received: logs[{key!r}]={value!r} "
        f"of type {type(value).__name__}. Convert it to one of these, or remove it from the logs."
    )


def decode_value(value: Any) -> Any:
    """The inverse of :func:`encode_value`."""
    if isinstance(value, str) and value in _FLOAT_TOKENS:
        return _FLOAT_TOKENS[value]
    if isinstance(value, list):
        return [decode_value(v) for v in value]
    if isinstance(value, dict) and set(value) == {_STRING}:
        return value[_STRING]
    return value


def csv_cell(value: Any) -> str:
    """One CSV cell from an encoded value; missing values are empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)  # the shortest string that reads back exactly
    if isinstance(value, str):
        return {"NaN": "nan", "Infinity": "inf", "-Infinity": "-inf"}.get(value, value)
    if isinstance(value, dict):
        return str(value.get(_STRING, ""))
    if isinstance(value, list):
        return json.dumps(value, allow_nan=False)
    return str(value)


# -- history.jsonl ---------------------------------------------------------------


def load_jsonl(path: Path) -> tuple[list[dict[str, Any]], int]:
    """Reads ``history.jsonl``.

    Returns:
        ``(raw records in file order, byte length of the complete part)``. A
        last line cut short by a killed process is left out (with a warning).

    Raises:
        HistoryFileError: a line other than the last is not an epoch record;
            the message names the file and the line.
    """
    data = path.read_bytes()
    records: list[dict[str, Any]] = []
    offset = 0
    lines = data.split(b"\n")
    for number, line in enumerate(lines, start=1):
        is_last = number == len(lines)
        if line.strip():
            try:
                record = json.loads(line)
                if not isinstance(record, dict):
                    raise ValueError("not a JSON object")
                if not isinstance(record.get("epoch"), int) or isinstance(record["epoch"], bool):
                    raise ValueError("no integer 'epoch'")
            except ValueError as error:
                if is_last:  # a partial write: the process died mid-line
                    _logger.warning(
                        "keras_seqzoo: ignoring an incomplete last line (line %d) in %s "
                        "(the writing process was probably killed).", number, path
                    )
                    break
                raise HistoryFileError(
                    f"{path}, line {number}: not a valid history record ({error}). The file "
                    "may have been edited or corrupted; fix or remove that line."
                ) from None
            records.append(record)
        if not is_last:
            offset += len(line) + 1
        elif line.strip():
            offset += len(line)
    return records, offset


def reduce_records(records: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Applies the epoch rule: a record for epoch ``e`` replaces every earlier
    record for epoch ``e`` *or later* (they belong to an abandoned attempt)."""
    kept: list[dict[str, Any]] = []
    for record in records:
        epoch = record["epoch"]
        if kept and kept[-1]["epoch"] >= epoch:
            kept = [r for r in kept if r["epoch"] < epoch]
        kept.append(record)
    return kept


# -- derived files ---------------------------------------------------------------


def columns_of(records: Iterable[Mapping[str, Any]]) -> list[str]:
    """Every key seen, in order of first appearance, ``epoch`` first."""
    columns = {"epoch": None}
    for record in records:
        for key in record:
            columns.setdefault(key, None)
    return list(columns)


def csv_rows(rows: Iterable[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


def render_csv(records: list[dict[str, Any]], columns: list[str]) -> str:
    """The whole ``history.csv``."""
    return csv_rows([columns, *([csv_cell(r.get(c)) for c in columns] for r in records)])


def json_item(record: Mapping[str, Any], columns: list[str]) -> str:
    return json.dumps({c: record.get(c) for c in columns}, allow_nan=False)


def render_json(records: list[dict[str, Any]], columns: list[str]) -> str:
    """The whole ``history.json``."""
    if not records:
        return "[]\n"
    return "[\n" + ",\n".join(json_item(r, columns) for r in records) + JSON_TAIL.decode()


# -- run.json --------------------------------------------------------------------


def load_run(path: Path) -> dict[str, Any]:
    """Reads ``run.json``.

    Raises:
        FileNotFoundError: it does not exist.
        HistoryFileError: it is not a JSON object; names the file, line and column.
    """
    text = path.read_text(encoding="utf-8", errors="replace")
    try:
        run = json.loads(text)
    except json.JSONDecodeError as error:
        raise HistoryFileError(
            f"{path}, line {error.lineno} column {error.colno}: not valid JSON ({error.msg}). "
            "The file may have been edited or cut short; fix it, or move it away (the "
            f"history itself is in {JSONL_NAME})."
        ) from None
    if not isinstance(run, dict):
        raise HistoryFileError(
            f"{path}, line 1: expected a JSON object, found {type(run).__name__}. Fix it, "
            f"or move it away (the history itself is in {JSONL_NAME})."
        )
    return run


# -- readers ---------------------------------------------------------------------


def read_history(directory: str | os.PathLike, *, as_frame: bool = False):
    """Reads the history a :class:`~keras_seqzoo.callbacks.HistoryExporter` wrote.

    It reads ``history.jsonl`` (the source of truth), keeps the last record of
    each epoch (a fit restarted from epoch ``e`` replaces the old records from
    ``e`` on), and ignores a last line cut short by a killed process.

    Args:
        directory: the exporter's directory.
        as_frame: return a ``pandas.DataFrame`` (one row per epoch) instead of
            a list of dicts. Needs pandas.

    Returns:
        The records sorted by epoch, each with every column (``None`` where an
        epoch has no value, e.g. ``val_loss`` under ``validation_freq=2``),
        NaN and infinities as floats, strings as logged and arrays as lists;
        or the DataFrame.

    Raises:
        FileNotFoundError: the directory holds no run (neither
            ``history.jsonl`` nor ``run.json``; a run without a finished
            epoch reads as an empty history).
        ValueError: a line of ``history.jsonl`` (other than a cut-short last
            one) is not a record; the message names the file and the line.

    Example:

    ```python
    records = keras_seqzoo.callbacks.read_history("runs/bilstm")
    best = min(records, key=lambda r: r["val_loss"] or float("inf"))
    frame = keras_seqzoo.callbacks.read_history("runs/bilstm", as_frame=True)
    ```
    """
    path = Path(directory) / JSONL_NAME
    if not path.is_file() and (Path(directory) / RUN_NAME).is_file():
        raw: list[dict[str, Any]] = []  # a run that has not finished an epoch yet
    elif not path.is_file():
        raise FileNotFoundError(
            f"No training history in {os.fspath(directory)!r}: {JSONL_NAME} is missing. "
            "Pass the directory given to HistoryExporter."
        )
    else:
        raw, _ = load_jsonl(path)
    records = reduce_records(raw)
    columns = columns_of(records)
    records = [{c: decode_value(r.get(c)) for c in columns} for r in records]
    if not as_frame:
        return records
    try:
        import pandas as pd
    except ImportError:
        raise ImportError(
            "read_history(..., as_frame=True) needs pandas. Install it with "
            "`pip install pandas`, or call read_history(directory) for a list of dicts."
        ) from None
    return pd.DataFrame.from_records(records, columns=columns)


def read_run(directory: str | os.PathLike) -> dict[str, Any]:
    """Reads ``run.json``, the metadata and status of a run.

    ``status`` is ``"running"`` (in progress, or killed without a chance to
    write: ``updated_at`` tells when the last epoch ended), ``"finished"``,
    ``"failed"`` or ``"interrupted"``. ``fits`` lists every ``fit`` call with
    its first epoch and status; ``trial_id`` is set inside a keras-tuner search.

    Args:
        directory: the exporter's directory.

    Returns:
        The run metadata as a dict.

    Raises:
        FileNotFoundError: the directory holds no ``run.json``.
        ValueError: ``run.json`` is not valid JSON; the message names the file,
            line and column.
    """
    path = Path(directory) / RUN_NAME
    if not path.is_file():
        raise FileNotFoundError(
            f"No run metadata in {os.fspath(directory)!r}: {RUN_NAME} is missing. "
            "Pass the directory given to HistoryExporter."
        )
    return load_run(path)
