"""The on-disk cache of fitted encoders and encoded token ids.

Layout (one folder per entry, written atomically)::

    <cache_dir>/<dataset>-<encoding>-<key[:16]>/
        meta.json       the key material, sizes, timings and library versions
        encoder/        the fitted encoder (``vocabulary.txt`` or ``subwords.subwords``)
        ids.npz         the encoded ids of every split, ragged (values + row splits),
                        and the labels

The key is the SHA-256 of the JSON of: the source's identity (content hash of an
archive, or a hash of a folder's file listing with sizes and modification
times), the encoding and the encoder's settings, and the ``limit`` (with its
``seed``, which only matters when there is a limit). The sequence length is not
part of the key: ids are cached untruncated and padded when the pipelines are
built, so one entry serves every ``max_length``.

The cache directory is, in this order: the ``cache_dir`` argument,
``$KERAS_SEQZOO_CACHE``, ``$KERAS_HOME/seqzoo_cache``, ``~/.keras/seqzoo_cache``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Mapping

import numpy as np

__all__ = [
    "CACHE_ENV",
    "cache_key",
    "file_sha256",
    "default_cache_dir",
    "keras_home",
]

CACHE_ENV = "KERAS_SEQZOO_CACHE"
CACHE_FORMAT = 2  # 2: train, validation and test splits (the protocol)

_logger = logging.getLogger(__name__)


def file_sha256(path: str | os.PathLike, chunk_size: int = 1 << 20) -> str:
    """Returns the hex SHA-256 of a file, read in chunks (works on Python 3.10).

    Args:
        path: the file.
        chunk_size: bytes read at a time.

    Returns:
        The hex digest.
    """
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            digest.update(chunk)
    return digest.hexdigest()


def keras_home() -> Path:
    """Returns Keras' home folder: ``$KERAS_HOME``, else ``~/.keras``.

    Returns:
        The folder (it may not exist).
    """
    env = os.environ.get("KERAS_HOME")
    return Path(env).expanduser() if env else Path.home() / ".keras"


def default_cache_dir() -> Path:
    """Returns the cache directory used when ``cache_dir`` is not given.

    ``$KERAS_SEQZOO_CACHE`` if set, else ``$KERAS_HOME/seqzoo_cache`` (by default
    ``~/.keras/seqzoo_cache``).

    Returns:
        The folder (created on the first write).

    Example:

    ```python
    from keras_seqzoo import datasets
    print(datasets.default_cache_dir())
    ```
    """
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env).expanduser()
    return keras_home() / "seqzoo_cache"


def resolve_cache_dir(cache_dir: str | os.PathLike | None) -> Path:
    """Returns ``cache_dir`` as a path, or the default cache directory."""
    return Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()


def cache_key(material: Mapping[str, Any]) -> str:
    """Returns the SHA-256 hex digest of ``material`` serialised as sorted JSON.

    Args:
        material: a JSON-ready mapping (source identity, encoding, settings).

    Returns:
        64 hex digits.
    """
    payload = json.dumps({"format": CACHE_FORMAT, **material}, sort_keys=True, default=str)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def entry_dir(cache_dir: Path, dataset: str, encoding: str, key: str) -> Path:
    """Returns the folder of one cache entry."""
    return cache_dir / f"{dataset}-{encoding}-{key[:16]}"


def pack_ragged(sequences: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Packs sequences of ids into ``(values, row_splits)``."""
    lengths = np.fromiter((len(s) for s in sequences), dtype=np.int64, count=len(sequences))
    row_splits = np.zeros(len(sequences) + 1, dtype=np.int64)
    np.cumsum(lengths, out=row_splits[1:])
    values = (
        np.concatenate([np.asarray(s, dtype=np.int32) for s in sequences])
        if sequences
        else np.zeros((0,), np.int32)
    )
    return values.astype(np.int32, copy=False), row_splits


def write_entry(
    path: Path,
    meta: Mapping[str, Any],
    arrays: Mapping[str, np.ndarray],
    save_encoder: Any,
) -> None:
    """Writes a cache entry atomically (a temporary folder renamed into place).

    Args:
        path: the entry folder.
        meta: JSON-ready metadata, written as ``meta.json``.
        arrays: written to ``ids.npz``.
        save_encoder: a callable that saves the encoder into the folder it gets.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent))
    try:
        (tmp / "encoder").mkdir()
        save_encoder(tmp / "encoder")
        np.savez(tmp / "ids.npz", **dict(arrays))  # type: ignore[arg-type]
        (tmp / "meta.json").write_text(json.dumps(meta, indent=2, sort_keys=True, default=str))
        if path.exists():  # a concurrent writer won, or a broken entry: replace it
            shutil.rmtree(path, ignore_errors=True)
        os.replace(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def read_entry(path: Path) -> tuple[dict[str, Any], dict[str, np.ndarray]] | None:
    """Reads a cache entry; returns ``None`` when it is absent or unreadable.

    Args:
        path: the entry folder.

    Returns:
        ``(meta, arrays)`` or ``None``.
    """
    if not (path / "meta.json").is_file():
        return None
    try:
        meta = json.loads((path / "meta.json").read_text())
        with np.load(path / "ids.npz") as npz:
            arrays = {name: npz[name] for name in npz.files}
    except Exception as error:  # a damaged entry is rebuilt, not fatal
        _logger.warning("Ignoring the unreadable cache entry %s (%s); rebuilding it.", path, error)
        return None
    if meta.get("format") != CACHE_FORMAT:
        return None
    return meta, arrays
