"""Named data sets that download from their home pages: ``"20newsgroups"``,
``"reuters_r8"``, ``"sms_spam"`` (:data:`NAMED_DATASETS`, :func:`load_named`).

Where a data set's files are looked for, in this order (the first that holds them wins):

1. ``data_dir=`` (``seqzoo compare --data-dir DIR``): a folder that must hold them;
2. the folder named by ``$KERAS_SEQZOO_TEXT_DATA`` (a folder of several data sets: one it
   lacks is looked for further on);
3. Keras' download cache, ``$KERAS_HOME/datasets`` (by default ``~/.keras/datasets``),
   where ``keras.utils.get_file`` keeps its downloads;
4. with ``download=True`` (the default), a download from the data set's home page with
   ``keras.utils.get_file`` into Keras' cache. Before downloading, one connection to the
   host (a few seconds at most) checks that it is reachable; offline, or when the download
   fails, a :class:`DatasetError` names the data set, the URL, and where to put the file,
   and nothing is written.

Each data set is read in the format its home page ships and in the format of common local
copies (the files are found by name):

- ``"20newsgroups"``: 20 Newsgroups, Jason Rennie's "bydate" split (Lang, 1995), 20
  classes, 11,314 train / 7,532 test messages with their headers, Latin-1:
  ``20news-bydate.tar.gz`` (``20news-bydate-{train,test}/<newsgroup>/<id>``). A download
  is checked against :data:`NEWSGROUPS_SHA256`, the SHA-256 that scikit-learn pins for
  the same archive (``sklearn/datasets/_twenty_newsgroups.py``). A local copy is accepted
  by its name, unchecked: an archive written back from scikit-learn's cache (same messages
  and split) has other bytes.
- ``"reuters_r8"``: Reuters-21578 R8 in Ana Cardoso-Cachopo's split and preprocessing
  (lowercase, letters only), 8 classes, 5,485 train / 2,189 test: her
  ``r8-train-all-terms.txt`` and ``r8-test-all-terms.txt`` (``label<TAB>text`` a line),
  or ``reuters-r8-train.csv`` and ``reuters-r8-test.csv`` (CSV with the header
  ``text,label``). No SHA-256 is published for these files: a download is checked by
  reading it (a file that does not parse is removed).
- ``"sms_spam"``: the SMS Spam Collection v.1 (Almeida, Gómez Hidalgo & Yamakami, 2011),
  5,574 messages, 747 spam: UCI's ``smsspamcollection.zip`` (also as a browser saves it,
  ``sms+spam+collection.zip``) or the bare ``SMSSpamCollection`` file inside it
  (``label<TAB>text`` a line, no header). No SHA-256 is published: a download is checked
  by reading it. It has no split: under the sound protocol a stratified, seeded 10 % is
  held out as the test split (and 10 % of the rest validates).

Example:

```python
from keras_seqzoo import datasets
sms = datasets.load_data("sms_spam")                # looks, then downloads
sms.class_names, sms.positive_class                 # ('ham', 'spam'), 'spam'
r8 = datasets.load_data("reuters_r8", data_dir="~/data/text")
r8.num_classes, r8.num_test                         # 8, 2189
```
"""

from __future__ import annotations

import dataclasses
import os
import zipfile
import zlib
from pathlib import Path
from typing import Any, Callable

from keras_seqzoo.datasets import _cache, _download
from keras_seqzoo.datasets import text as _text
from keras_seqzoo.datasets.data import TextClassificationData, build_data
from keras_seqzoo.datasets.errors import DatasetError
from keras_seqzoo.datasets.options import DataOptions, make_options
from keras_seqzoo.datasets.splits import RawSplits

__all__ = [
    "NAMED_DATASETS",
    "NEWSGROUPS_SHA256",
    "NEWSGROUPS_URL",
    "R8_URLS",
    "SMS_SPAM_URL",
    "TEXT_DATA_ENV",
    "NamedDataset",
    "load_named",
]

#: The environment variable naming a folder of text data sets (any of the file names below).
TEXT_DATA_ENV = "KERAS_SEQZOO_TEXT_DATA"

#: Jason Rennie's "bydate" archive of 20 Newsgroups (home page http://qwone.com/~jason/20Newsgroups/).
NEWSGROUPS_URL = "http://qwone.com/~jason/20Newsgroups/20news-bydate.tar.gz"
#: The SHA-256 of ``20news-bydate.tar.gz`` that scikit-learn pins (fetch_20newsgroups).
NEWSGROUPS_SHA256 = "8f1b2514ca22a5ade8fbb9cfa5727df95fa587f4c87b786e15c759fa66d95610"
#: The UCI Machine Learning Repository's zip of the SMS Spam Collection (data set 228).
SMS_SPAM_URL = "https://archive.ics.uci.edu/static/public/228/sms+spam+collection.zip"
#: Ana Cardoso-Cachopo's R8 files, train and test (home page
#: https://ana.cachopo.org/datasets-for-single-label-text-categorization).
R8_URLS = (
    "http://web.ist.utl.pt/~acardoso/datasets/r8-train-all-terms.txt",
    "http://web.ist.utl.pt/~acardoso/datasets/r8-test-all-terms.txt",
)

_Reader = Callable[[list[Path]], dict[str, "_text._Source"]]


@dataclasses.dataclass(frozen=True)
class _Layout:
    files: tuple[str, ...]  # file names that together hold the data set
    read: _Reader  # paths -> {"train": ..., "test": ...}
    format: str  # in words
    parts: tuple[str, ...] = ()  # the train and test parts in words (default: the files)


@dataclasses.dataclass(frozen=True)
class NamedDataset:
    """A data set :func:`~keras_seqzoo.datasets.load_data` knows by name.

    Attributes:
        name: its name for ``load_data`` and ``--data``.
        title: its name in words.
        home_page: where it is published.
        downloads: what ``keras.utils.get_file`` downloads (URL, file name, SHA-256 or
            ``None`` where none is published).
        layouts: the file names that hold it, in the home page's format first.
    """

    name: str
    title: str
    home_page: str
    downloads: tuple[_download.RemoteFile, ...]
    layouts: tuple[_Layout, ...]

    @property
    def urls(self) -> tuple[str, ...]:
        """The download URLs."""
        return tuple(remote.url for remote in self.downloads)

    def file_choices(self) -> str:
        """The file names that can hold it, in words, e.g. ``"a and b or c and d"``."""
        return " or ".join(" and ".join(layout.files) for layout in self.layouts)


@dataclasses.dataclass(frozen=True)
class _Found:
    spec: NamedDataset
    layout: _Layout
    paths: tuple[Path, ...]
    origin: str  # "argument", "environment", "keras_cache", "keras_download"

    def describe(self) -> dict[str, Any]:
        return {"kind": "named", "name": self.spec.name, "origin": self.origin,
                "files": [str(p) for p in self.paths], "format": self.layout.format}

    def identity(self) -> dict[str, Any]:
        return {"kind": "named", "name": self.spec.name,
                "files": {p.name: _cache.file_sha256(p) for p in self.paths}}

    def read(self) -> RawSplits:
        return _text._raw_splits(self.layout.read(list(self.paths)))


# -- readers ---------------------------------------------------------------------------------

_LABEL_TEXT = ("label", "text")


def _delimited(path: Path, fmt: str, columns: tuple[str, ...] | None, *,
               data: bytes | None = None, file_encoding: str = "utf-8") -> "_text._Source":
    raw = path.read_bytes() if data is None else data
    decoded = _text._decode_bytes(raw, repr(str(path)), file_encoding)
    return _text._read_delimited(path, decoded, fmt, columns, "text", "label")


def _read_newsgroups(paths: list[Path]) -> dict[str, "_text._Source"]:
    splits = _text._read_folder_tree(paths[0], "latin-1")
    if set(splits) != {"train", "test"}:
        raise DatasetError(
            f"{str(paths[0])!r} is not the 20 Newsgroups bydate archive: it holds the splits "
            f"{sorted(splits)}, not 20news-bydate-train and 20news-bydate-test. Download it "
            f"again from {NEWSGROUPS_URL}."
        )
    return splits


def _read_r8_tsv(paths: list[Path]) -> dict[str, "_text._Source"]:
    return {split: _delimited(p, "tsv", _LABEL_TEXT) for split, p in zip(("train", "test"), paths)}


def _read_r8_csv(paths: list[Path]) -> dict[str, "_text._Source"]:
    return {split: _delimited(p, "csv", None) for split, p in zip(("train", "test"), paths)}


def _read_sms_file(paths: list[Path]) -> dict[str, "_text._Source"]:
    return {"train": _delimited(paths[0], "tsv", _LABEL_TEXT)}


def _read_sms_zip(paths: list[Path]) -> dict[str, "_text._Source"]:
    path = paths[0]
    try:
        with zipfile.ZipFile(path) as archive:
            members = [m for m in archive.namelist() if m.rsplit("/", 1)[-1] == "SMSSpamCollection"]
            if len(members) != 1:
                raise DatasetError(
                    f"{str(path)!r} is not the SMS Spam Collection's zip: it holds "
                    f"{len(members)} SMSSpamCollection files (members: "
                    f"{', '.join(archive.namelist()[:5])}). Download it again from "
                    f"{SMS_SPAM_URL}, or pass the bare SMSSpamCollection file."
                )
            data = archive.read(members[0])
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as error:
        raise DatasetError(
            f"{str(path)!r} is not a readable zip ({type(error).__name__}: {error}). Download it "
            f"again from {SMS_SPAM_URL}, or pass the bare SMSSpamCollection file."
        ) from error
    return {"train": _delimited(path / members[0], "tsv", _LABEL_TEXT, data=data)}


#: The data sets :func:`load_named` knows, by name.
NAMED_DATASETS: dict[str, NamedDataset] = {
    spec.name: spec for spec in (
        NamedDataset(
            name="20newsgroups",
            title="20 Newsgroups (bydate)",
            home_page="http://qwone.com/~jason/20Newsgroups/",
            downloads=(_download.RemoteFile("20news-bydate.tar.gz", NEWSGROUPS_URL,
                                            NEWSGROUPS_SHA256),),
            layouts=(_Layout(("20news-bydate.tar.gz",), _read_newsgroups,
                             "a folder per newsgroup in a .tar.gz, Latin-1",
                             ("20news-bydate-train", "20news-bydate-test")),),
        ),
        NamedDataset(
            name="reuters_r8",
            title="Reuters-21578 R8 (Cardoso-Cachopo)",
            home_page="https://ana.cachopo.org/datasets-for-single-label-text-categorization",
            downloads=tuple(_download.RemoteFile(url.rsplit("/", 1)[1], url) for url in R8_URLS),
            layouts=(
                _Layout(("r8-train-all-terms.txt", "r8-test-all-terms.txt"), _read_r8_tsv,
                        "label<TAB>text lines"),
                _Layout(("reuters-r8-train.csv", "reuters-r8-test.csv"), _read_r8_csv,
                        "CSV with the header text,label"),
            ),
        ),
        NamedDataset(
            name="sms_spam",
            title="SMS Spam Collection v.1",
            home_page="https://archive.ics.uci.edu/dataset/228/sms+spam+collection",
            downloads=(_download.RemoteFile("smsspamcollection.zip", SMS_SPAM_URL),),
            layouts=(
                _Layout(("smsspamcollection.zip",), _read_sms_zip, "UCI's zip"),
                _Layout(("sms+spam+collection.zip",), _read_sms_zip, "UCI's zip"),
                _Layout(("SMSSpamCollection",), _read_sms_file, "label<TAB>text lines"),
            ),
        ),
    )
}


# -- locating --------------------------------------------------------------------------------


def _in_folder(spec: NamedDataset, folder: Path, origin: str, partial: list[str]) -> _Found | None:
    for layout in spec.layouts:
        paths = tuple(folder / name for name in layout.files)
        present = [p.is_file() for p in paths]
        if all(present):
            return _Found(spec, layout, paths, origin)
        if any(present):
            missing = [p.name for p, here in zip(paths, present) if not here]
            partial.append(f"{folder} lacks {', '.join(missing)}")
    return None


def _where_to_put(spec: NamedDataset) -> str:
    env = os.environ.get(TEXT_DATA_ENV)
    return (
        f"Put {spec.file_choices()} in a folder and pass it as data_dir= (--data-dir on the "
        f"command line), or in the folder named by ${TEXT_DATA_ENV} "
        f"({'now ' + repr(env) if env else 'unset'}), or in Keras' cache "
        f"{_download.keras_datasets_dir()} ($KERAS_HOME moves it). The files are published "
        f"at {spec.home_page}."
    )


def _find(spec: NamedDataset, data_dir: str | os.PathLike | None, download: bool) -> _Found:
    where = f"load_data({spec.name!r})"
    partial: list[str] = []
    if data_dir is not None:
        folder = Path(data_dir).expanduser()
        if not folder.is_dir():
            raise DatasetError(
                f"{where}: data_dir={str(data_dir)!r} is not a folder. Pass the folder that "
                f"holds {spec.file_choices()}."
            )
        found = _in_folder(spec, folder, "argument", partial)
        if found is None:
            raise DatasetError(
                f"{where}: data_dir={str(data_dir)!r} does not hold the {spec.title}: expected "
                f"{spec.file_choices()}{' (' + '; '.join(partial) + ')' if partial else ''}. "
                f"They are published at {spec.home_page}."
            )
        return found
    env = os.environ.get(TEXT_DATA_ENV)
    candidates = [(Path(env).expanduser(), "environment")] if env else []
    candidates.append((_download.keras_datasets_dir(), "keras_cache"))
    for folder, origin in candidates:
        if folder.is_dir():
            found = _in_folder(spec, folder, origin, partial)
            if found is not None:
                return found
    head = f"{where}: the {spec.title} is not on this machine"
    if partial:
        head += f" ({'; '.join(partial)})"
    if not download:
        raise DatasetError(f"{head}, and download=False. {_where_to_put(spec)}")
    return _fetch(spec, head)


def _fetch(spec: NamedDataset, head: str) -> _Found:
    urls = ", ".join(spec.urls)
    for url in dict.fromkeys(spec.urls):
        reason = _download.unreachable(url)
        if reason is not None:
            raise DatasetError(
                f"{head}, and it cannot be downloaded from {urls}: offline ({reason}); no "
                f"download was tried and nothing was written. {_where_to_put(spec)}"
            )
    created = [p for p in (_download.keras_datasets_dir().parent, _download.keras_datasets_dir())
               if not p.exists()]
    put = _where_to_put(spec)
    fix = f"Try again, or {put[0].lower()}{put[1:]}"
    try:
        paths = _download.fetch(spec.downloads, what=spec.title, fix=fix)
    except DatasetError:
        raise  # a checksum mismatch, already removed
    except Exception as error:
        raise DatasetError(
            f"{head}, and the download from {urls} failed ({type(error).__name__}: "
            f"{' '.join(str(error).split())[:300]}); nothing was written. {_where_to_put(spec)}"
        ) from error
    found = _Found(spec, spec.layouts[0], tuple(paths), "keras_download")
    if any(remote.sha256 is None for remote in spec.downloads):
        try:  # no published checksum: the download is checked by reading it
            found.read()
        except DatasetError as error:
            _download.discard(paths, created)
            raise DatasetError(
                f"The {spec.title} downloaded from {urls} does not read as {found.layout.format} "
                f"and was removed: {error}"
            ) from error
    return found


# -- loading ---------------------------------------------------------------------------------


def load_named(
    name: str,
    *,
    data_dir: str | os.PathLike | None = None,
    download: bool = True,
    options: DataOptions | None = None,
    **settings: Any,
) -> TextClassificationData:
    """Loads a named data set (:data:`NAMED_DATASETS`), downloading it when it is nowhere local.

    ``load_data(name, ...)`` calls this. See the module docstring for where the files are
    looked for, the formats read, and the checksums.

    Args:
        name: ``"20newsgroups"``, ``"reuters_r8"`` or ``"sms_spam"``.
        data_dir: a folder holding the data set's files (then nothing else is looked at).
        download: allow a download into Keras' cache when no local copy is found.
        options: a :class:`DataOptions`; keyword ``settings`` override it.
        **settings: the fields of :class:`DataOptions` (``encoding``, ``max_length``,
            ``limit``, ``protocol``, ``test_fraction``, ...).

    Returns:
        :class:`TextClassificationData`; ``info["source"]`` says which files were read and
        how they were found (``"argument"``, ``"environment"``, ``"keras_cache"``,
        ``"keras_download"``).

    Raises:
        ValueError: an unknown name (the closest named).
        DatasetError: the files are nowhere local and the download failed or was not
            allowed (the message names the URL and where to put the files); a download
            whose SHA-256 is not the published one; files that do not parse.

    Example:

    ```python
    from keras_seqzoo import datasets
    news = datasets.load_named("20newsgroups", max_length=400)
    news.num_classes, news.num_train + news.num_validation, news.num_test  # 20, 11314, 7532
    ```
    """
    from keras_seqzoo._values import did_you_mean

    key = str(name).lower().replace("-", "_")
    if key not in NAMED_DATASETS:
        raise ValueError(
            f"load_named: unknown data set {name!r}; the named data sets are "
            f"{', '.join(map(repr, NAMED_DATASETS))}.{did_you_mean(key, NAMED_DATASETS)}"
        )
    spec = NAMED_DATASETS[key]
    opts = make_options("load_data", options, **settings)
    found = _find(spec, data_dir, download)
    identity = found.identity()
    parts = found.layout.parts or tuple(p.name for p in found.paths)
    names = {split: f"{spec.title}: {part}" for split, part in zip(("train", "test"), parts)}
    return build_data(
        dataset=spec.name,
        source={**found.describe(), "identity": identity},
        identity=identity,
        read=found.read,
        options=opts,
        source_names=names,
    )
