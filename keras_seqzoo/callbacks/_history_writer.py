"""Writes one epoch of a :class:`~keras_seqzoo.callbacks.HistoryExporter` to every file.

``history.jsonl`` (with ``run.json``) is the record; ``history.csv`` and
``history.json`` are derived from it. Each epoch is written in this order:

1. the new ``history.csv``/``history.json`` (when they must be rewritten) and
   ``run.json`` are written to temporary files (fsynced for ``run.json``), so a
   full disk fails here, before any file changes;
2. the epoch's line is appended to ``history.jsonl``, flushed and fsynced (the
   folder too when the file is new): from here the epoch is recorded;
3. the derived files: the row is appended in place (each append leaves a file
   that parses at every step; see :meth:`HistoryWriter._append_in_place`), or
   the temporary whole files are renamed into place (a new column, replaced
   epochs, or a derived file deleted or changed by someone else);
4. ``run.json`` is renamed into place, and its folder fsynced.

A failure at any step undoes what the earlier steps changed (the appends are cut
back, the temporary files removed) before the error propagates, so the four files
still agree. A process killed between steps 2 and 4 leaves the derived files and
``run.json`` one epoch behind ``history.jsonl``; the next fit with ``resume=True``
rebuilds the derived files from ``history.jsonl`` and counts the epochs from it.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from pathlib import Path
from typing import Any, Callable

from keras_seqzoo import _atomic
from keras_seqzoo.callbacks import history_files as files
from keras_seqzoo.callbacks import run_record

__all__ = ["HistoryWriter"]

_logger = logging.getLogger("keras_seqzoo.callbacks")


class HistoryWriter:
    """The history files of one run directory.

    Args:
        directory: the run directory.
        fsync: fsync ``history.jsonl`` after every epoch and ``run.json`` on every write.
    """

    def __init__(self, directory: Path, *, fsync: bool):
        self.directory = directory
        self.fsync = fsync
        self.records: list[dict[str, Any]] = []  # the reduced history (last record of each epoch)
        self._columns: list[str] = []
        self._derived_sizes: dict[str, int] | None = None  # None: rebuild before appending

    def _path(self, name: str) -> Path:
        return self.directory / name

    @property
    def last_epoch(self) -> int | None:
        return self.records[-1]["epoch"] if self.records else None

    def load(self) -> None:
        """Reads ``history.jsonl`` to continue it; cuts a partial last line (a killed
        writer) so the next line starts clean. The derived files are rebuilt at the
        first epoch written.

        Raises:
            HistoryFileError: a line other than the last is not a record.
        """
        path = self._path(files.JSONL_NAME)
        raw: list[dict[str, Any]] = []
        if path.exists():
            raw, complete = files.load_jsonl(path)
            if complete != path.stat().st_size:
                with open(path, "r+b") as f:
                    f.truncate(complete)
                    if complete:
                        f.seek(complete - 1)
                        if f.read(1) != b"\n":
                            f.write(b"\n")
        self.records = files.reduce_records(raw)
        self._derived_sizes = None

    def commit(self, record: dict[str, Any], run: run_record.RunRecord) -> None:
        """Writes one epoch to every file, or to none of them (see the module docstring)."""
        if self.records and record["epoch"] > self.records[-1]["epoch"]:
            records = [*self.records, record]
        else:
            records = files.reduce_records([*self.records, record])
        appending = (
            len(records) == len(self.records) + 1
            and all(key in self._columns for key in record)
            and self._derived_intact()
        )
        columns = self._columns if appending else files.columns_of(records)
        new_run = run.after_epoch(len(records), record["epoch"])

        undo: list[Callable[[], None]] = []
        sizes: dict[str, int] = dict(self._derived_sizes or {})
        try:
            with contextlib.ExitStack() as renames:
                # 1. Whole files to temporary names, renamed when the block ends in
                #    the reverse order: the derived files, then run.json.
                self._write_temporary(renames, files.RUN_NAME,
                                      run_record.render(new_run).encode("utf-8"),
                                      durable=self.fsync)
                if not appending:
                    for name, text in (
                        (files.CSV_NAME, files.render_csv(records, columns)),
                        (files.JSON_NAME, files.render_json(records, columns)),
                    ):
                        data = text.encode("utf-8")
                        self._write_temporary(renames, name, data, durable=False)
                        sizes[name] = len(data)
                # 2. The record.
                undo.append(self._append_jsonl(record))
                # 3. The derived rows, in place (or the rewrites, renamed below).
                if appending:
                    row = files.csv_rows([[files.csv_cell(record.get(c)) for c in columns]])
                    item = b",\n" + files.json_item(record, columns).encode() + files.JSON_TAIL
                    for name, data, keep in ((files.CSV_NAME, row.encode(), 0),
                                             (files.JSON_NAME, item, len(files.JSON_TAIL))):
                        undo.append(self._append_in_place(name, data, keep))
                        sizes[name] += len(data) - keep
        except BaseException:
            for step in reversed(undo):
                with contextlib.suppress(OSError):
                    step()
            raise
        if self.fsync:
            _atomic.fsync_directory(self.directory)  # 4. run.json's rename
        self.records, self._columns, self._derived_sizes = records, columns, sizes
        run.adopt(new_run)

    def _write_temporary(self, renames: contextlib.ExitStack, name: str, data: bytes,
                         *, durable: bool) -> None:
        tmp = renames.enter_context(_atomic.replacing(self._path(name)))
        with open(tmp, "wb") as handle:
            handle.write(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())

    def _derived_intact(self) -> bool:
        """history.csv and history.json are as this writer left them (by size, and
        history.json's closing bracket); otherwise they are rebuilt."""
        if self._derived_sizes is None:
            return False
        for name, size in self._derived_sizes.items():
            try:
                if self._path(name).stat().st_size != size:
                    raise OSError
                if name == files.JSON_NAME:
                    with open(self._path(name), "rb") as f:
                        f.seek(max(0, size - len(files.JSON_TAIL)))
                        if f.read() != files.JSON_TAIL:
                            raise OSError
            except OSError:
                _logger.warning("keras_seqzoo: %s was deleted or changed during the run; "
                                "rebuilding it from %s.", self._path(name), files.JSONL_NAME)
                return False
        return True

    def _append_in_place(self, name: str, data: bytes, keep: int) -> Callable[[], None]:
        """Writes ``data`` over the last ``keep`` bytes of a file (its closing tail).

        The space is claimed first by appending blanks (JSON allows trailing
        whitespace), so a full disk or a file-size limit fails before any byte
        of the old content changes, and putting the tail back never needs
        space the file did not already have. A process killed at any step
        leaves a file that parses: the old content plus blanks, or the new
        row followed by blanks, or the new file.

        Returns:
            A function that puts the file back as it was.
        """
        path = self._path(name)
        with open(path, "r+b", buffering=0) as f:
            size = f.seek(0, os.SEEK_END)
            start = size - keep
            f.seek(start)
            tail = f.read(keep)

            def restore() -> None:
                with open(path, "r+b", buffering=0) as g:
                    g.seek(start)
                    g.write(tail)
                    g.truncate(size)

            try:
                if keep:
                    _write_all(f, size, b" " * len(data), path)
                _write_all(f, start, data, path)
                f.truncate(start + len(data))
            except OSError:
                with contextlib.suppress(OSError):
                    f.truncate(size)
                    if keep:
                        restore()
                raise
        return restore

    def _append_jsonl(self, record: dict[str, Any]) -> Callable[[], None]:
        """Appends the record's line to ``history.jsonl`` (fsynced; the folder too
        when the file is new). Returns a function that cuts it back."""
        path = self._path(files.JSONL_NAME)
        data = (json.dumps(record, allow_nan=False) + "\n").encode("utf-8")
        created = not path.exists()
        with open(path, "ab", buffering=0) as f:
            start = f.seek(0, os.SEEK_END)

            def restore() -> None:
                with open(path, "r+b") as g:
                    g.truncate(start)

            try:
                written = f.write(data)
                if written != len(data):
                    raise OSError(f"short write to {path} ({written} of {len(data)} bytes; "
                                  "is the disk full?)")
                if self.fsync:
                    os.fsync(f.fileno())
            except OSError:
                restore()
                raise
        if created and self.fsync:
            _atomic.fsync_directory(self.directory)  # the new file's name, durable too
        return restore


def _write_all(handle: Any, offset: int, data: bytes, path: Path) -> None:
    handle.seek(offset)
    written = handle.write(data)
    if written != len(data):
        raise OSError(f"short write to {path} ({written} of {len(data)} bytes; is the disk full?)")
