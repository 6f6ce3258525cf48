"""Atomic file writes: a temporary file next to the target, renamed into place.

Readers, and other processes or hosts writing the same file, see a whole old or a
whole new file, never a torn one; a failed write leaves the old file and no
temporary file behind. That survives a killed process. To survive a power loss
too, the data must reach the disk before the rename and the rename must reach it
after: :func:`write_text` with ``fsync=True`` fsyncs the file and then its folder
(:func:`fsync_directory`).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import socket
import threading
from pathlib import Path
from typing import Iterator

__all__ = ["HOST", "fsync_directory", "replacing", "write_bytes", "write_text"]

HOST = socket.gethostname()


@contextlib.contextmanager
def replacing(path: Path) -> Iterator[Path]:
    """Yields a temporary path for ``path``, then renames it into place.

    The temporary name is next to ``path`` (same file system), unique to this
    writer (host, process, thread, a random part), hidden, and ends with
    ``path``'s own name, so suffixes such as ``.weights.h5`` or ``.png`` still
    tell the format. It is renamed to ``path`` when the block succeeds and
    removed when it fails.

    Args:
        path: the file to write.

    Yields:
        The temporary path to write.

    Example:

    ```python
    with replacing(Path("curves.png")) as tmp:
        figure.savefig(tmp)
    ```
    """
    unique = f"{HOST}.{os.getpid()}.{threading.get_ident()}.{secrets.token_hex(4)}"
    tmp = path.with_name(f".{unique}.tmp.{path.name}")
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def fsync_directory(directory: Path) -> None:
    """Flushes a folder's entries (a file created, renamed or removed in it) to the disk.

    POSIX only (elsewhere a no-op); a file system that refuses to fsync a folder
    is ignored.

    Args:
        directory: the folder.
    """
    if os.name != "posix":
        return
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # pragma: no cover - an unreadable folder
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover - some file systems refuse
        pass
    finally:
        os.close(fd)


def write_text(path: Path, text: str, *, fsync: bool = False) -> None:
    """Writes ``text`` (UTF-8, newlines as given) to ``path`` atomically.

    Args:
        path: the file to write.
        text: its new content.
        fsync: also make it durable (survives a power loss): the temporary file is
            fsynced before the rename, and the folder after it.
    """
    write_bytes(path, text.encode("utf-8"), fsync=fsync)


def write_bytes(path: Path, data: bytes, *, fsync: bool = False) -> None:
    """Writes ``data`` to ``path`` atomically; ``fsync`` as in :func:`write_text`.

    Args:
        path: the file to write.
        data: its new content.
        fsync: also make it durable (the file before the rename, the folder after).
    """
    with replacing(path) as tmp:
        with open(tmp, "wb") as handle:
            handle.write(data)
            if fsync:
                handle.flush()
                os.fsync(handle.fileno())
    if fsync:
        fsync_directory(path.parent)
