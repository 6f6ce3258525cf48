"""Atomic file writes: a temporary file next to the target, renamed into place.

Readers, and other processes or hosts writing the same file, see a whole old or a
whole new file, never a torn one; a failed write leaves the old file and no
temporary file behind.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import socket
import threading
from pathlib import Path
from typing import Iterator

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


def write_text(path: Path, text: str, *, fsync: bool = False) -> None:
    """Writes ``text`` (UTF-8, newlines as given) to ``path`` atomically.

    Args:
        path: the file to write.
        text: its new content.
        fsync: also flush it to the disk before the rename (survives a power loss).
    """
    with replacing(path) as tmp, open(tmp, "w", encoding="utf-8", newline="") as handle:
        handle.write(text)
        if fsync:
            handle.flush()
            os.fsync(handle.fileno())
