"""One entry point for every data source: :func:`load_data`."""

from __future__ import annotations

import os
from typing import Any

from keras_seqzoo._values import did_you_mean
from keras_seqzoo.datasets.data import TextClassificationData, build_data
from keras_seqzoo.datasets.named import NAMED_DATASETS, load_named
from keras_seqzoo.datasets.options import DataOptions, make_options

__all__ = ["NAMED", "load_data"]

#: The named data sets :func:`load_data` knows besides paths.
NAMED = ("imdb", "listops", *NAMED_DATASETS)
_LISTOPS_DEFAULTS = {"size": 20000, "max_length": 500, "max_depth": 10, "max_args": 10,
                     "min_length": 1}


def load_data(
    source: str | os.PathLike | None = None,
    *,
    test: str | os.PathLike | None = None,
    validation: str | os.PathLike | None = None,
    options: DataOptions | None = None,
    **settings: Any,
) -> TextClassificationData:
    """Loads a data set: IMDB, generated ListOps, a named data set, or your own files.

    The runner and the command line (``--data``) call only this. A name is a name only
    when no file or folder of that name exists.

    - ``source=None`` or ``"imdb"``: :func:`load_imdb` (``imdb_source=`` names its copy,
      ``download=`` allows a download).
    - ``"listops"``: :func:`make_listops` examples (``listops={"size": 20000,
      "max_length": 500, "max_depth": 10, ...}``), split by the protocol; the word
      encoder keeps the brackets (``standardize=None``).
    - ``"20newsgroups"`` (20 classes, 11,314 train / 7,532 test), ``"reuters_r8"`` (8
      classes, 5,485 / 2,189), ``"sms_spam"`` (2 classes, 5,574 messages, no split):
      :func:`load_named`. Their files are looked for in ``data_dir=``, then
      ``$KERAS_SEQZOO_TEXT_DATA``, then Keras' cache ``~/.keras/datasets``, else
      downloaded from their home pages with ``keras.utils.get_file`` (``download=False``
      forbids it); offline, a :class:`DatasetError` says where to put them.
    - anything else: a path for :func:`load_text_files` (``test=``, ``validation=``,
      ``format=``, ``columns=``, ``text_column=``, ``label_column=``,
      ``file_encoding=``). A name that is no path and is close to a known name is
      answered with the name it may be.

    Args:
        source: ``None``, ``"imdb"``, ``"listops"``, ``"20newsgroups"``,
            ``"reuters_r8"``, ``"sms_spam"`` or a path.
        test: a test file (paths only).
        validation: a validation file (paths only).
        options: a :class:`DataOptions`; keyword ``settings`` override it.
        **settings: the fields of :class:`DataOptions` and the source's own options
            (above).

    Returns:
        :class:`TextClassificationData`.

    Raises:
        DatasetError: unusable data (see :func:`load_text_files`).

    Example:

    ```python
    from keras_seqzoo import datasets
    imdb = datasets.load_data()                                  # the sound protocol
    r8 = datasets.load_data("reuters-r8-train.csv", test="reuters-r8-test.csv")
    sms = datasets.load_data("SMSSpamCollection", columns=("label", "text"))
    listops = datasets.load_data("listops", listops={"size": 2000, "max_length": 200})
    sms_named = datasets.load_data("sms_spam")       # found locally, else downloaded
    ```
    """
    name = str(source).lower() if source is not None else "imdb"
    exists = source is not None and os.path.exists(str(source))
    named = name.replace("-", "_")
    if named in NAMED_DATASETS and not exists:
        _only_for_paths(named, test=test, validation=validation)
        return load_named(named, options=options, **settings)
    if settings.pop("data_dir", None) is not None:
        raise ValueError(
            f"load_data: data_dir= is the folder of a named data set "
            f"({', '.join(map(repr, NAMED_DATASETS))}); it does not apply to "
            f"source={source!r}. Pass the file itself as the source."
        )
    if name == "imdb" and (source is None or not os.path.exists(str(source))):
        _only_for_paths("imdb", test=test, validation=validation)
        from keras_seqzoo.datasets.imdb import load_imdb

        imdb = {k: settings.pop(k) for k in ("download",) if k in settings}
        return load_imdb(source=settings.pop("imdb_source", None), options=options, **imdb,
                         **settings)
    if name == "listops" and not os.path.exists(str(source)):
        _only_for_paths("listops", test=test, validation=validation)
        return _load_listops(settings.pop("listops", None), options, settings)
    if not exists and isinstance(source, str) and not any(c in source for c in "/\\."):
        hint = did_you_mean(named, NAMED)
        if hint:
            raise ValueError(
                f"load_data: {source!r} is neither a file or folder nor a named data set "
                f"({', '.join(map(repr, NAMED))}).{hint}"
            )
    from keras_seqzoo.datasets.text import load_text_files

    read = {k: settings.pop(k) for k in ("format", "columns", "text_column", "label_column",
                                         "file_encoding") if k in settings}
    assert source is not None  # None and "imdb" returned above
    return load_text_files(source, test, validation=validation, options=options, **read, **settings)


def _only_for_paths(name: str, **given: Any) -> None:
    extra = [k for k, v in given.items() if v is not None]
    if extra:
        raise ValueError(
            f"load_data: {', '.join(f'{k}=' for k in extra)} is for data from files; "
            f"{name!r} brings its own splits. Received: "
            + ", ".join(f"{k}={given[k]!r}" for k in extra)
        )


def _load_listops(listops: dict[str, Any] | None, options: DataOptions | None,
                  settings: dict[str, Any]) -> TextClassificationData:
    from keras_seqzoo.datasets.listops import make_listops
    from keras_seqzoo.datasets.splits import RawSplits

    given = dict(listops or {})
    unknown = sorted(set(given) - set(_LISTOPS_DEFAULTS))
    if unknown:
        raise ValueError(
            f"load_data('listops'): unknown listops option {unknown[0]!r}; the options are "
            f"{', '.join(_LISTOPS_DEFAULTS)}. Received: listops={listops!r}"
        )
    spec = {**_LISTOPS_DEFAULTS, **given}
    settings.setdefault("standardize", None)  # keep '[MAX' and ']'
    if options is None:
        settings.setdefault("max_length", spec["max_length"])
        settings.setdefault("vocab_size", 20)
    opts = make_options("load_data", options, **settings)
    seed = opts.split_seed

    def read() -> RawSplits:
        texts, labels = make_listops(
            spec["size"], max_length=spec["max_length"], max_depth=spec["max_depth"],
            max_args=spec["max_args"], min_length=spec["min_length"], seed=seed,
        )
        return RawSplits(train_texts=texts, train_labels=labels,
                         class_names=tuple(str(i) for i in range(10)))

    identity = {"kind": "listops", "generator": 1, **spec, "seed": seed}
    return build_data(
        dataset="listops", source={"kind": "listops", **spec, "seed": seed}, identity=identity,
        read=read, options=opts,
        source_names={"train": f"{spec['size']} generated ListOps expressions, seed {seed}"},
    )
