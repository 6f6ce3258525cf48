"""The IMDB reviews (Maas et al., 2011): where to find them, and :func:`load_imdb`.

Sources, in this order (the first that is available wins):

1. ``source=``: an ``aclImdb`` folder (or a folder holding one), a tar archive
   of one (``.tar.gz``, ``.tar.bz2``, ``.tar``), or ``"tfds"`` for
   tensorflow-datasets;
2. the environment variable ``KERAS_SEQZOO_IMDB`` (same forms);
3. Keras' cache, ``$KERAS_HOME/datasets`` (by default ``~/.keras/datasets``):
   an extracted ``aclImdb`` folder, or ``aclImdb_v1.tar.gz`` as
   ``keras.utils.get_file`` saves it;
4. tensorflow-datasets' ``imdb_reviews``, when it is already prepared locally;
5. with ``download=True`` (the default), a download: first
   ``keras.utils.get_file("aclImdb_v1.tar.gz", IMDB_URL)`` into Keras' cache
   (as keras.io's text classification example does), then
   ``tfds.load("imdb_reviews")``. Before downloading, one connection to the
   download host (a few seconds at most) checks that it is reachable; offline,
   no download is tried, and a failed tensorflow-datasets download leaves no
   partial files behind.

When none works, :class:`ImdbNotFoundError` names every option, within seconds. A corrupt or
truncated archive, a folder without ``train/pos``, or an empty split raises
:class:`DatasetError`: the loader never returns a silently smaller dataset.

A download is checked against IMDB's published SHA-256 (:data:`IMDB_SHA256`); a
mismatch raises :class:`DatasetError` and removes the file.

Splits (see :func:`load_imdb`): under the sound protocol (the default) 10 % of the
training split validates and the test split (25,000) tests; under ``protocol="slides"``
the test split is the validation data, as in the slides. Labels: 0 = negative,
1 = positive.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
import shutil
import tarfile
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from keras_seqzoo.datasets import _cache, _download
from keras_seqzoo.datasets.data import (
    DatasetError,
    RawSplits,
    TextClassificationData,
    build_data,
    texts_of,
)
from keras_seqzoo.datasets.options import DataOptions, make_options

__all__ = [
    "IMDB_ENV",
    "IMDB_SHA256",
    "IMDB_URL",
    "ImdbNotFoundError",
    "ImdbSource",
    "find_imdb",
    "load_imdb",
    "read_imdb",
]

#: The environment variable naming a local copy (folder or archive).
IMDB_ENV = "KERAS_SEQZOO_IMDB"
#: Where ``keras.utils.get_file`` downloads the original archive from.
IMDB_URL = "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz"
#: The published SHA-256 of ``aclImdb_v1.tar.gz``; a download that differs is removed.
IMDB_SHA256 = "c40f74a18d3b61f90feba1e17730e0d38e8b97c05fde7008942e91923d1658fe"
IMDB_ARCHIVE = "aclImdb_v1.tar.gz"
TFDS_NAME = "imdb_reviews"

CLASS_NAMES = ("neg", "pos")
_SPLITS = {"train": "train", "test": "test"}
_MEMBER = re.compile(r"^(?P<root>(?:.*/)?)(?P<split>train|test)/(?P<cls>pos|neg)/(?P<name>[^/]+\.txt)$")


class ImdbNotFoundError(FileNotFoundError):
    """Raised when no copy of IMDB is available and none could be downloaded."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


@dataclasses.dataclass(frozen=True)
class ImdbSource:
    """A located copy of IMDB.

    Attributes:
        kind: ``"folder"``, ``"archive"`` or ``"tfds"``.
        location: the folder or archive path, or the tfds dataset name.
        origin: how it was found: ``"argument"``, ``"environment"``,
            ``"keras_cache"``, ``"keras_download"``, ``"tfds_local"``,
            ``"tfds_download"``.
    """

    kind: str
    location: str
    origin: str

    def describe(self) -> dict[str, Any]:
        """Returns a JSON-ready description (for ``info["source"]``)."""
        return {"kind": self.kind, "location": self.location, "origin": self.origin}

    def identity(self) -> dict[str, Any]:
        """Returns what identifies the content, for the cache key.

        An archive: its size and SHA-256 (a copy elsewhere hits the same cache).
        A folder: a hash of its review files' names, sizes and modification times.
        tfds: the dataset name and version.
        """
        if self.kind == "archive":
            path = Path(self.location)
            return {"kind": "archive", "size": path.stat().st_size,
                    "sha256": _cache.file_sha256(path)}
        if self.kind == "folder":
            digest = hashlib.sha256()
            for split, cls, folder in _class_folders(Path(self.location)):
                for entry in sorted(os.scandir(folder), key=lambda e: e.name):
                    if entry.name.endswith(".txt") and entry.is_file():
                        stat = entry.stat()
                        digest.update(f"{split}/{cls}/{entry.name}:{stat.st_size}:{stat.st_mtime_ns}\n".encode())
            return {"kind": "folder", "listing_sha256": digest.hexdigest()}
        return {"kind": "tfds", "name": self.location, "version": _tfds_version()}

    def read(self, *, download: bool = False) -> RawSplits:
        """Reads the texts and labels of both splits.

        Args:
            download: for tfds, whether ``tfds.load`` may download.

        Returns:
            The :class:`RawSplits` (``train`` and ``test``).
        """
        if self.kind == "archive":
            return _read_archive(Path(self.location))
        if self.kind == "folder":
            return _read_folder(Path(self.location))
        return _read_tfds(download=download)


def find_imdb(
    source: str | os.PathLike | ImdbSource | None = None, *, download: bool = True
) -> ImdbSource:
    """Locates IMDB: ``source``, ``$KERAS_SEQZOO_IMDB``, Keras' cache, tfds, downloads.

    See the module docstring for the order. Downloads happen only with
    ``download=True`` and only when no local copy exists.

    Args:
        source: a folder or archive path, ``"tfds"``, or an :class:`ImdbSource`.
        download: allow downloading into Keras' cache (or tfds' data dir).

    Returns:
        The :class:`ImdbSource`.

    Raises:
        ImdbNotFoundError: nothing found and nothing downloaded; lists every option.
        DatasetError: a named path exists but is not an IMDB folder or archive.

    Example:

    ```python
    from keras_seqzoo.datasets import find_imdb
    find_imdb("~/data/aclImdb_v1.tar.gz")
    ```
    """
    if isinstance(source, ImdbSource):
        return source
    if source is not None:
        return _from_path(source, origin="argument")
    env = os.environ.get(IMDB_ENV)
    if env:
        return _from_path(env, origin="environment", what=f"${IMDB_ENV}")
    cached = _find_in_keras_cache()
    if cached is not None:
        return cached
    if _tfds_prepared():
        return ImdbSource("tfds", TFDS_NAME, "tfds_local")
    failures: list[str] = []
    if download:
        offline = _unreachable(IMDB_URL)
        if offline is not None:
            # Both downloads come from this host: don't wait for retries (tfds tries 10 times).
            failures.append(f"offline: {offline}; no download tried")
        else:
            try:
                return ImdbSource("archive", _keras_download(), "keras_download")
            except DatasetError:  # the download is not IMDB's archive: say so, try nothing else
                raise
            except Exception as error:  # proxy, disk full, server error: try tfds, then explain
                failures.append(f"keras.utils.get_file({IMDB_ARCHIVE!r}) failed: {_short(error)}")
            try:
                _tfds_download()
                return ImdbSource("tfds", TFDS_NAME, "tfds_download")
            except Exception as error:
                failures.append(f"tfds.load({TFDS_NAME!r}) failed: {_short(error)}")
    raise ImdbNotFoundError(_not_found_message(download, failures))


def read_imdb(
    source: str | os.PathLike | ImdbSource | None = None, *, download: bool = True
) -> RawSplits:
    """Reads IMDB's raw texts and labels (no encoding, no cache).

    Args:
        source: see :func:`find_imdb`.
        download: see :func:`find_imdb`.

    Returns:
        :class:`RawSplits`: ``train_texts``, ``train_labels``, ``test_texts``,
        ``test_labels`` (IMDB's test split), ``class_names``; no validation split (the
        protocol makes one, see :func:`load_imdb`).

    Example:

    ```python
    raw = read_imdb("aclImdb_v1.tar.gz")
    len(raw.train_texts), len(raw.test_texts)  # 25000, 25000
    ```
    """
    found = find_imdb(source, download=download)
    return found.read(download=download)


def load_imdb(
    encoding: str = "words",
    *,
    source: str | os.PathLike | ImdbSource | None = None,
    download: bool = True,
    options: DataOptions | None = None,
    **settings: Any,
) -> TextClassificationData:
    """Loads IMDB encoded as in the slides, as batched tf.data pipelines.

    ``"words"``: ``TextVectorization`` with a 10,000 vocabulary (padding and
    ``"[UNK]"`` included), adapted on the training texts only, sequences of 120
    tokens cut and padded after the text. ``"subwords"``:
    ``SubwordTextEncoder.build_from_corpus(train_texts, 2**13)`` (vocabulary
    8185 on the full training set), variable-length sequences bucketed by
    length. The fitted encoder and the encoded ids are cached on disk, keyed by
    the source's content and the settings, so the second load rebuilds nothing
    (the subword build takes minutes).

    Splits: protocol ``"sound"`` (the default): validation is 10 % of IMDB's
    training reviews (stratified, seeded by ``split_seed``; 2,500), train the other
    22,500, and test IMDB's 25,000 test reviews. Protocol ``"slides"``: train is all
    25,000 training reviews and validation IMDB's test reviews; no test split.

    Args:
        encoding: ``"words"`` or ``"subwords"``.
        source: where the data is (see :func:`find_imdb` for the search order):
            an ``aclImdb`` folder, a ``.tar.gz`` of one, or ``"tfds"``.
        download: allow downloading when no local copy exists.
        options: a :class:`DataOptions`; keyword ``settings`` override it.
        **settings: the fields of :class:`DataOptions`: ``vocab_size``,
            ``max_length`` (default 120 for words, ``None`` for subwords), ``keep``,
            ``batch_size``, ``shuffle``, ``seed``, ``bucket``, ``limit``, ``protocol``,
            ``validation_fraction``, ``split_seed``, ``cache_dir``, ``use_cache``,
            ``encoder_options``; and the encoder's own arguments (``standardize``,
            ``split``, ``max_subword_length``).

    Returns:
        :class:`TextClassificationData`: ``train``, ``validation``, ``test``,
        ``vocab_size``, ``num_train``, ``num_validation``, ``num_test``, ``encoder``,
        ``info``, ``numpy()``.

    Raises:
        ImdbNotFoundError: no copy found or downloadable; the message lists every option.
        DatasetError: a corrupt or truncated archive, a download whose SHA-256 is not the
            published one, a folder without ``train/pos``, or an empty split.

    Example:

    ```python
    from keras_seqzoo import datasets
    data = datasets.load_imdb(encoding="words")
    data.vocab_size                                     # 10000
    data.num_train, data.num_validation, data.num_test  # 22500, 2500, 25000
    model.fit(data.train, validation_data=data.validation, epochs=10)
    model.evaluate(data.test)

    slides = datasets.load_imdb(protocol="slides")     # 25000, 25000, no test
    ```
    """
    if options is None:
        settings["encoding"] = encoding  # with options=, its encoding holds unless settings say
    opts = make_options("load_imdb", options, **settings)
    found = find_imdb(source, download=download)
    identity = found.identity()
    return build_data(
        dataset="imdb",
        source={**found.describe(), "identity": identity},
        identity=identity,
        read=lambda: found.read(download=download),
        options=opts,
        source_names={"test": "IMDB's test split", "train": "IMDB's train split"},
    )


# -- locating ------------------------------------------------------------------------------


def _from_path(path: str | os.PathLike, *, origin: str, what: str = "source") -> ImdbSource:
    if str(path) == "tfds":
        return ImdbSource("tfds", TFDS_NAME, origin)
    p = Path(path).expanduser()
    if p.is_dir():
        return ImdbSource("folder", str(_imdb_root(p, what)), origin)
    if p.is_file():
        return ImdbSource("archive", str(p.resolve()), origin)
    raise DatasetError(
        f"{what}={str(path)!r} does not exist. Pass an aclImdb folder, a .tar.gz of one "
        "(e.g. aclImdb_v1.tar.gz), or 'tfds'."
    )


def _imdb_root(folder: Path, what: str) -> Path:
    """Returns the aclImdb folder: ``folder`` itself or its ``aclImdb`` child."""
    for candidate in (folder, folder / "aclImdb"):
        if (candidate / "train").is_dir() or (candidate / "test").is_dir():
            _class_folders(candidate)  # raises on a missing class folder
            return candidate.resolve()
    raise DatasetError(
        f"{what}={str(folder)!r} is not an IMDB folder: it has no train/pos (nor an aclImdb "
        "subfolder with one). Expected aclImdb/{train,test}/{pos,neg}/*.txt, as in "
        "aclImdb_v1.tar.gz."
    )


def _class_folders(root: Path) -> list[tuple[str, str, Path]]:
    folders = []
    for split in _SPLITS:
        for cls in CLASS_NAMES:
            folder = root / split / cls
            if not folder.is_dir():
                raise DatasetError(
                    f"The IMDB folder {str(root)!r} has no {split}/{cls} folder. Expected "
                    "aclImdb/{train,test}/{pos,neg}/*.txt; re-extract aclImdb_v1.tar.gz."
                )
            folders.append((split, cls, folder))
    return folders


def _find_in_keras_cache() -> ImdbSource | None:
    base = _download.keras_datasets_dir()
    for folder in (
        base / "aclImdb",
        base / f"{IMDB_ARCHIVE}_extracted" / "aclImdb",  # get_file(..., extract=True), Keras 3
        base / "aclImdb_v1_extracted" / "aclImdb",
        base / "aclImdb_v1" / "aclImdb",
    ):
        if folder.is_dir():
            return ImdbSource("folder", str(_imdb_root(folder, "the Keras cache folder")), "keras_cache")
    archive = base / IMDB_ARCHIVE
    if archive.is_file():
        return ImdbSource("archive", str(archive), "keras_cache")
    return None


#: Seconds to wait for the download host before calling the machine offline.
CONNECT_TIMEOUT = _download.CONNECT_TIMEOUT
_unreachable = _download.unreachable


def _keras_download() -> str:
    return _checked_download()


def _checked_download(url: str | None = None, sha256: str | None = None) -> str:
    """Downloads ``aclImdb_v1.tar.gz`` into Keras' cache and checks its SHA-256.

    A mismatch (or a failed download) removes what was written. ``url`` and ``sha256``
    default to :data:`IMDB_URL` and :data:`IMDB_SHA256` (read when called).
    """
    remote = _download.RemoteFile(IMDB_ARCHIVE, url or IMDB_URL, sha256 or IMDB_SHA256)
    fix = (f"Try again, or download {IMDB_ARCHIVE} yourself, check `sha256sum {IMDB_ARCHIVE}` "
           "and pass source= (or set $KERAS_SEQZOO_IMDB).")
    return str(_download.fetch([remote], what="IMDB", fix=fix)[0])


def _tfds_prepared() -> bool:
    local = os.environ.get("TFDS_DATA_DIR") or str(Path.home() / "tensorflow_datasets")
    if "://" not in local and not (Path(local).expanduser() / TFDS_NAME).is_dir():
        return False  # nothing prepared there: don't import tensorflow-datasets (seconds)
    try:
        import tensorflow_datasets as tfds

        return bool(tfds.builder(TFDS_NAME).is_prepared())
    except Exception:  # no tfds, or a broken data dir: not available
        return False


def _tfds_version() -> str:
    try:
        import tensorflow_datasets as tfds

        return str(tfds.builder(TFDS_NAME).version)
    except Exception:
        return "unknown"


def _tfds_download() -> None:
    """Downloads and prepares tfds' imdb_reviews; a failure removes what it left behind."""
    tfds = _require_tfds()
    builder = tfds.builder(TFDS_NAME)
    data_dir = Path(str(getattr(builder, "_data_dir_root", None) or tfds.core.constants.DATA_DIR))
    data_dir = data_dir.expanduser()
    before = _listing(data_dir)
    try:
        builder.download_and_prepare()
    except BaseException:
        _remove_new_partials(data_dir, before)
        raise


def _listing(root: Path, depth: int = 4) -> set[Path]:
    """Every path under ``root`` down to ``depth`` levels."""
    found: set[Path] = set()
    if not root.is_dir():
        return found
    level = [root]
    for _ in range(depth):
        nxt: list[Path] = []
        for folder in level:
            try:
                entries = list(folder.iterdir())
            except OSError:
                continue
            found.update(entries)
            nxt.extend(e for e in entries if e.is_dir() and not e.is_symlink())
        level = nxt
    return found


def _remove_new_partials(root: Path, before: set[Path]) -> None:
    """Removes what a failed download created under ``root``: temporary and incomplete
    files and folders, and folders left empty."""
    created = sorted(_listing(root) - before, key=lambda p: len(p.parts))
    removed: list[Path] = []
    for path in created:
        if any(parent in removed for parent in path.parents):
            continue
        name = path.name.lower()
        if "tmp" in name or "incomplete" in name or name.endswith(".part"):
            shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink(missing_ok=True)
            removed.append(path)
    for path in sorted(created, key=lambda p: -len(p.parts)):  # new folders now empty
        if path.is_dir() and not any(path.iterdir()):
            path.rmdir()


def _require_tfds() -> Any:
    from keras_seqzoo._extras import require

    return require("data", "tensorflow_datasets", feature="keras_seqzoo.datasets (tfds)")


def _short(error: BaseException) -> str:
    text = " ".join(str(error).split())
    hint = ""
    if isinstance(error, ModuleNotFoundError) and error.name:
        # tensorflow-datasets 4.9 imports importlib_resources but declares it only for Python < 3.9
        hint = f" (pip install {error.name.replace('_', '-')})"
    return f"{type(error).__name__}: {text[:300]}{hint}"


def _not_found_message(download: bool, failures: list[str]) -> str:
    base = _download.keras_datasets_dir()
    lines = [
        "No copy of the IMDB reviews (aclImdb) was found"
        + (" and none could be downloaded." if download else " (download=False)."),
        "Any one of these works:",
        "  1. pass an aclImdb folder or a .tar.gz of one: `seqzoo compare/reproduce --data PATH`, "
        "or load_imdb(source='aclImdb_v1.tar.gz');",
        f"  2. set the environment variable {IMDB_ENV} to such a folder or archive "
        f"(it is {'unset' if not os.environ.get(IMDB_ENV) else 'set but empty'});",
        f"  3. put {IMDB_ARCHIVE} (from {IMDB_URL}) or its extracted aclImdb folder in "
        f"Keras' cache, {base} ($KERAS_HOME moves it); online, load_imdb(download=True) "
        "downloads it there with keras.utils.get_file;",
        f"  4. prepare tensorflow-datasets' {TFDS_NAME!r}: tfds.load({TFDS_NAME!r}) downloads "
        "it when online (or copy a prepared tensorflow_datasets folder).",
    ]
    if failures:
        lines.append("Download attempts: " + "; ".join(failures))
    return "\n".join(lines)


# -- reading -------------------------------------------------------------------------------


def _sort_key(name: str) -> tuple[int, str]:
    head = name.split("_", 1)[0]
    return (int(head), name) if head.isdigit() else (1 << 62, name)


def _assemble(found: dict[tuple[str, str], list[tuple[str, str]]], where: str) -> RawSplits:
    parts: dict[str, tuple[list[str], np.ndarray]] = {}
    for split in _SPLITS:
        texts: list[str] = []
        labels: list[int] = []
        for label, cls in enumerate(CLASS_NAMES):
            items = found.get((split, cls), [])
            if not items:
                raise DatasetError(
                    f"{where} has no reviews in {split}/{cls}: the split is empty or the "
                    "archive/folder is incomplete. Re-download or re-extract aclImdb_v1.tar.gz."
                )
            items.sort(key=lambda item: _sort_key(item[0]))
            texts.extend(text for _, text in items)
            labels.extend([label] * len(items))
        parts[_SPLITS[split]] = (texts, np.asarray(labels, dtype=np.int32))
    return RawSplits(
        train_texts=parts["train"][0],
        train_labels=parts["train"][1],
        class_names=CLASS_NAMES,
        test_texts=parts["test"][0],
        test_labels=parts["test"][1],
    )


def _read_folder(root: Path) -> RawSplits:
    found: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for split, cls, folder in _class_folders(root):
        items = found.setdefault((split, cls), [])
        for entry in os.scandir(folder):
            if entry.name.endswith(".txt") and entry.is_file():
                with open(entry.path, "rb") as f:
                    items.append((entry.name, f.read().decode("utf-8", "replace")))
    return _assemble(found, f"The IMDB folder {str(root)!r}")


def _read_archive(path: Path) -> RawSplits:
    found: dict[tuple[str, str], list[tuple[str, str]]] = {}
    roots: set[str] = set()
    where = f"The IMDB archive {str(path)!r}"
    try:
        with tarfile.open(path, "r:*") as archive:
            for member in archive:
                if not member.isfile():
                    continue
                match = _MEMBER.match(member.name)
                if match is None:
                    continue  # README, imdb.vocab, train/unsup, *.feat
                roots.add(match["root"])
                handle = archive.extractfile(member)
                text = handle.read().decode("utf-8", "replace") if handle is not None else ""
                found.setdefault((match["split"], match["cls"]), []).append((match["name"], text))
    except (tarfile.TarError, EOFError, zlib.error, OSError) as error:
        raise DatasetError(
            f"{where} is corrupt or truncated ({_short(error)}). Download it again "
            f"(from {IMDB_URL}), or pass an extracted aclImdb folder."
        ) from error
    if len(roots) > 1:
        raise DatasetError(
            f"{where} holds more than one IMDB tree ({', '.join(sorted(r or '/' for r in roots))}); "
            "keep one aclImdb folder per archive."
        )
    if not found:
        raise DatasetError(
            f"{where} holds no IMDB reviews: expected members aclImdb/{{train,test}}/{{pos,neg}}/*.txt."
        )
    return _assemble(found, where)


def _read_tfds(*, download: bool) -> RawSplits:
    tfds = _require_tfds()

    train, test = tfds.load(
        TFDS_NAME, split=["train", "test"], as_supervised=True, download=download
    )
    parts = []
    for dataset in (train, test):
        texts: list[Any] = []
        ids: list[int] = []
        for text, label in tfds.as_numpy(dataset):
            texts.append(text)
            ids.append(int(label))
        parts.append((texts_of(texts), np.asarray(ids, dtype=np.int32)))
    raw = RawSplits(
        train_texts=parts[0][0], train_labels=parts[0][1], class_names=CLASS_NAMES,
        test_texts=parts[1][0], test_labels=parts[1][1],
    )
    for split, labels in (("train", raw.train_labels), ("test", raw.test_labels)):
        if labels is None or len(labels) == 0:
            raise DatasetError(f"tfds' {TFDS_NAME} {split} split is empty; re-prepare it.")
    return raw
