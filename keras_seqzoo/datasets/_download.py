"""Downloads into Keras' cache with ``keras.utils.get_file``: a reachability check first,
SHA-256 checks after, and nothing left behind when either fails.

Used by :mod:`keras_seqzoo.datasets.imdb` and :mod:`keras_seqzoo.datasets.named`.
"""

from __future__ import annotations

import dataclasses
import socket
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Sequence

from keras_seqzoo.datasets import _cache
from keras_seqzoo.datasets.errors import DatasetError

__all__ = ["CONNECT_TIMEOUT", "RemoteFile", "fetch", "keras_datasets_dir", "unreachable"]

#: Seconds to wait for the download host before calling the machine offline.
CONNECT_TIMEOUT = 5.0


@dataclasses.dataclass(frozen=True)
class RemoteFile:
    """A file to download into Keras' cache.

    Attributes:
        name: the file name in the cache (``keras.utils.get_file``'s ``fname``).
        url: where it is downloaded from.
        sha256: the published SHA-256, or ``None`` when none is published (not checked).
    """

    name: str
    url: str
    sha256: str | None = None


def keras_datasets_dir() -> Path:
    """Returns Keras' download cache, ``$KERAS_HOME/datasets`` (``~/.keras/datasets``)."""
    return _cache.keras_home() / "datasets"


def unreachable(url: str, timeout: float = CONNECT_TIMEOUT) -> str | None:
    """Returns why ``url``'s host cannot be reached (one TCP connection), or ``None``.

    With a proxy configured (``$HTTPS_PROXY``/``$HTTP_PROXY``), the proxy is what is checked.
    A ``file://`` URL has no host: ``None``.
    """
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "file":
        return None
    host, port = parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80)
    proxy = urllib.request.getproxies().get(parts.scheme)
    if proxy:
        if urllib.request.proxy_bypass(host):  # type: ignore[attr-defined]
            proxy = None
        else:
            proxy_parts = urllib.parse.urlsplit(proxy if "//" in proxy else f"//{proxy}")
            host, port = proxy_parts.hostname or host, proxy_parts.port or 80
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return None
    except OSError as error:
        return f"cannot reach {host}:{port} ({type(error).__name__}: {error})"


def fetch(files: Sequence[RemoteFile], *, what: str, fix: str) -> list[Path]:
    """Downloads ``files`` into Keras' cache with ``keras.utils.get_file``; checks SHA-256s.

    All or nothing: when a download fails or a file's SHA-256 is not the published one,
    the files this call wrote and the cache folders it created are removed before the
    error propagates.

    Args:
        files: the files, downloaded in order.
        what: the data set in words, for the checksum error (e.g. ``"IMDB"``).
        fix: the sentence that ends the checksum error (what the user can do).

    Returns:
        The downloaded files' paths, in order.

    Raises:
        DatasetError: a SHA-256 that is not the published one.
        Exception: whatever ``keras.utils.get_file`` raised (no network, HTTP errors).
    """
    import keras

    base = keras_datasets_dir()
    created = [p for p in (base.parent, base) if not p.exists()]
    written: list[Path] = []
    # get_file falls back to /tmp/.keras when the cache folder does not exist yet
    base.mkdir(parents=True, exist_ok=True)
    try:
        paths = []
        for remote in files:
            target = base / remote.name
            if not target.exists():
                written.append(target)
            path = Path(keras.utils.get_file(remote.name, remote.url,
                                             cache_dir=str(_cache.keras_home())))
            paths.append(path)
            if remote.sha256 is not None:
                actual, expected = _cache.file_sha256(path), remote.sha256.lower()
                if actual != expected:
                    written.append(path)
                    raise DatasetError(
                        f"The {what} download from {remote.url} has SHA-256 {actual}, not the "
                        f"published {expected}: it is truncated, corrupt or not {what}'s "
                        f"{remote.name}, and was removed. {fix}"
                    )
        return paths
    except BaseException:
        discard(written, created)
        raise


def discard(files: Sequence[Path], folders: Sequence[Path] = ()) -> None:
    """Removes ``files``, then ``folders`` that are left empty (deepest first)."""
    for path in files:
        path.unlink(missing_ok=True)
    for folder in sorted(folders, key=lambda p: -len(p.parts)):
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
