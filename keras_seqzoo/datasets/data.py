"""The loaded, encoded data (:class:`TextClassificationData`) and the shared
read -> split -> limit -> encode -> cache flow (:func:`build_data`)."""

from __future__ import annotations

import dataclasses
import functools
import logging
import math
import time
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from keras_seqzoo.datasets import _cache
from keras_seqzoo.datasets.encoders import SubwordEncoder, WordEncoder, make_encoder
from keras_seqzoo.datasets.errors import DatasetError
from keras_seqzoo.datasets.options import DataOptions
from keras_seqzoo.datasets.splits import RawSplits, apply_protocol, check_classes

__all__ = ["DatasetError", "RawSplits", "TextClassificationData", "bucket_boundaries", "build_data"]

_logger = logging.getLogger(__name__)

SPLITS = ("train", "validation", "test")


@dataclasses.dataclass(eq=False)
class TextClassificationData:
    """Encoded text classification data: tf.data pipelines, arrays and metadata.

    Returned by :func:`load_data`, :func:`load_imdb`, :func:`load_text_files` and
    :func:`from_texts`. ``train``, ``validation`` and ``test`` are batched, prefetched
    ``tf.data.Dataset``s of ``(int32 tokens, int32 label)`` that ``model.fit`` accepts on
    every Keras backend (``test`` is ``None`` when there is no test split: protocol
    ``"slides"``). With a fixed ``max_length`` every batch has shape
    ``(batch_size, max_length)``; with ``max_length=None`` (subwords' default) batches
    are bucketed by length, so a batch is padded (with 0) only to its bucket's bound.

    Attributes:
        encoding: ``"words"`` or ``"subwords"``.
        encoder: the fitted :class:`WordEncoder` or :class:`SubwordEncoder`.
        max_length: the sequence length (padded after the text), or ``None`` for
            variable-length batches.
        batch_size: the batch size of the pipelines.
        class_names: the class of each label id, e.g. ``("neg", "pos")``.
        info: a JSON-ready dict: source, settings, ``splits`` (each split's source in
            words and size), ``protocol``, cache key and path, sizes, timings; a
            comparison runner writes it into its ``run.json``.
        shuffle: whether ``train`` is reshuffled every epoch.
        seed: the shuffling seed.
        bucket: whether batches are bucketed by length.
        keep: ``"first"`` or ``"last"``: which end of a long text is kept.
        protocol: ``"sound"`` or ``"slides"``.

    Example:

    ```python
    from keras_seqzoo import datasets
    data = datasets.load_imdb(encoding="words")
    model.fit(data.train, validation_data=data.validation, epochs=10)
    model.evaluate(data.test)
    (x_train, y_train), (x_val, y_val), (x_test, y_test) = data.numpy()
    ```
    """

    encoding: str
    encoder: WordEncoder | SubwordEncoder
    max_length: int | None
    batch_size: int
    class_names: tuple[str, ...]
    info: dict[str, Any]
    shuffle: bool
    seed: int
    bucket: bool
    _ids: Mapping[str, np.ndarray] = dataclasses.field(repr=False)
    keep: str = "first"
    protocol: str = "sound"

    def with_seed(self, seed: int) -> TextClassificationData:
        """Returns the same data with pipelines of their own, shuffled by ``seed``.

        The arrays, the splits and the encoder are shared (the splits depend on the
        data's ``split_seed``, not on this seed); the pipelines are built afresh, so the
        copy's epochs do not depend on how far this object's ``train`` has been iterated.

        Args:
            seed: the shuffling seed of the copy's ``train``.

        Returns:
            A new :class:`TextClassificationData`.

        Example:

        ```python
        data_for_seed_1 = data.with_seed(1)
        ```
        """
        return dataclasses.replace(self, seed=int(seed))

    @property
    def vocab_size(self) -> int:
        """The real vocabulary size: give it to the ``Embedding`` (10000, 8185)."""
        return self.encoder.vocab_size

    @property
    def splits(self) -> tuple[str, ...]:
        """The splits present: ``("train", "validation", "test")`` or without ``"test"``."""
        return tuple(s for s in SPLITS if f"{s}_labels" in self._ids)

    @property
    def num_train(self) -> int:
        """The number of training examples."""
        return len(self._ids["train_labels"])

    @property
    def num_validation(self) -> int:
        """The number of validation examples."""
        return len(self._ids["validation_labels"])

    @property
    def num_test(self) -> int:
        """The number of test examples (0 without a test split)."""
        labels = self._ids.get("test_labels")
        return 0 if labels is None else len(labels)

    @property
    def num_classes(self) -> int:
        """The number of classes (2 for IMDB)."""
        return len(self.class_names)

    @property
    def positive_class(self) -> str | None:
        """The name of label 1 with 2 classes (``"pos"`` for IMDB), else ``None``."""
        return self.class_names[1] if self.num_classes == 2 else None

    def class_weight(self, mode: str = "balanced") -> dict[int, float]:
        """Returns ``{label_id: weight}`` for ``model.fit(class_weight=...)``.

        ``"balanced"`` is scikit-learn's formula: ``n_train / (num_classes * count)``, so
        every class weighs as much in the loss as if the classes were equally frequent.

        Args:
            mode: ``"balanced"``.

        Returns:
            A weight per label id.

        Example:

        ```python
        model.fit(data.train, class_weight=data.class_weight("balanced"))
        ```
        """
        if mode != "balanced":
            raise ValueError(
                f"TextClassificationData.class_weight: mode must be 'balanced'. Received: {mode!r}"
            )
        counts = np.bincount(self.labels("train"), minlength=self.num_classes)
        total = counts.sum()
        return {
            i: float(total / (self.num_classes * c)) if c else 0.0 for i, c in enumerate(counts)
        }

    def sequences(self, split: str = "train") -> list[np.ndarray]:
        """Returns the unpadded, untruncated id sequences of a split.

        Args:
            split: ``"train"``, ``"validation"`` or ``"test"``.

        Returns:
            One int32 array per example.
        """
        values, splits = self._ragged(split)
        return np.split(values, splits[1:-1]) if len(splits) > 1 else []

    def labels(self, split: str = "train") -> np.ndarray:
        """Returns the int32 labels of ``"train"``, ``"validation"`` or ``"test"``."""
        self._check_split(split)
        return self._ids[f"{split}_labels"]

    def lengths(self, split: str = "train") -> np.ndarray:
        """Returns the untruncated sequence lengths of a split."""
        return np.diff(self._ragged(split)[1])

    def numpy(self, max_length: int | None = None) -> tuple[tuple[np.ndarray, np.ndarray], ...]:
        """Returns ``(x, y)`` padded arrays of every split present, in order.

        That is ``((x_train, y_train), (x_val, y_val), (x_test, y_test))``, or without the
        test pair when there is no test split (protocol ``"slides"``). Sequences are cut
        to ``max_length`` (keeping the end :attr:`keep` names) and padded with 0 after
        the text: the argument, else :attr:`max_length`, else the longest sequence of
        each split (for full-length subwords that is thousands of columns; pass a length
        to bound the memory).

        Args:
            max_length: the number of columns; ``None`` uses the data's.

        Returns:
            int32 token arrays of shape ``(n, max_length)`` and int32 labels, per split.
        """
        length = max_length if max_length is not None else self.max_length
        return tuple((self._padded(split, length), self.labels(split)) for split in self.splits)

    @functools.cached_property
    def train(self) -> Any:
        """The training ``tf.data.Dataset`` (shuffled each epoch when ``shuffle``)."""
        return self._dataset("train", shuffle=self.shuffle)

    @functools.cached_property
    def validation(self) -> Any:
        """The validation ``tf.data.Dataset``, not shuffled: select models on it."""
        return self._dataset("validation", shuffle=False)

    @functools.cached_property
    def test(self) -> Any:
        """The test ``tf.data.Dataset``, not shuffled; ``None`` without a test split."""
        return self._dataset("test", shuffle=False) if "test" in self.splits else None

    def __repr__(self) -> str:
        return (
            f"TextClassificationData(encoding={self.encoding!r}, vocab_size={self.vocab_size}, "
            f"max_length={self.max_length}, num_classes={self.num_classes}, "
            f"num_train={self.num_train}, num_validation={self.num_validation}, "
            f"num_test={self.num_test}, protocol={self.protocol!r}, batch_size={self.batch_size})"
        )

    # -- internals -------------------------------------------------------------------------

    def _check_split(self, split: str) -> None:
        if split not in self.splits:
            extra = (
                " (there is no test split under protocol 'slides': its validation split is "
                "the test data)" if split == "test" else ""
            )
            raise ValueError(
                f"split must be one of {', '.join(map(repr, self.splits))}. "
                f"Received: {split!r}{extra}"
            )

    def _ragged(self, split: str) -> tuple[np.ndarray, np.ndarray]:
        self._check_split(split)
        return self._ids[f"{split}_values"], self._ids[f"{split}_row_splits"]

    def _padded(self, split: str, length: int | None) -> np.ndarray:
        import keras

        lengths = self.lengths(split)
        if length is None:
            length = int(lengths.max()) if len(lengths) else 0
        if not len(lengths):
            return np.zeros((0, length), np.int32)
        return keras.utils.pad_sequences(
            self.sequences(split), maxlen=length, dtype="int32", padding="post",
            truncating="pre" if self.keep == "last" else "post", value=0,
        )

    def _dataset(self, split: str, *, shuffle: bool) -> Any:
        import tensorflow as tf

        labels = self.labels(split)
        autotune = tf.data.AUTOTUNE
        if not self.bucket and self.max_length is not None:
            x = self._padded(split, self.max_length)
            dataset = tf.data.Dataset.from_tensor_slices((x, labels))
            if shuffle:
                dataset = dataset.shuffle(len(labels), seed=self.seed, reshuffle_each_iteration=True)
            return dataset.batch(self.batch_size).prefetch(autotune)

        values, splits = self._ragged(split)
        lengths = np.diff(splits)
        if self.max_length is not None:  # cut to max_length, keeping the first or last tokens
            position = np.arange(len(values)) - np.repeat(splits[:-1], lengths)
            if self.keep == "last":
                keep = position >= np.repeat(lengths - self.max_length, lengths)
            else:
                keep = position < self.max_length
            values = values[keep]
            lengths = np.minimum(lengths, self.max_length)
        starts = np.zeros(len(lengths), dtype=np.int64)
        np.cumsum(lengths[:-1], out=starts[1:])
        all_ids = tf.constant(values, dtype=tf.int32)
        dataset = tf.data.Dataset.from_tensor_slices((starts, lengths.astype(np.int64), labels)).map(
            lambda start, length, label: (all_ids[start : start + length], label),
            num_parallel_calls=autotune,
            deterministic=True,
        )
        if shuffle:
            dataset = dataset.shuffle(len(labels), seed=self.seed, reshuffle_each_iteration=True)
        if not self.bucket:
            return dataset.padded_batch(self.batch_size).prefetch(autotune)
        boundaries = bucket_boundaries(int(lengths.max()) if len(lengths) else 1)
        dataset = dataset.bucket_by_sequence_length(
            element_length_func=lambda tokens, label: tf.shape(tokens)[0],
            bucket_boundaries=boundaries,
            bucket_batch_sizes=[self.batch_size] * (len(boundaries) + 1),
            pad_to_bucket_boundary=True,
        )
        # Bucket membership depends on lengths only, so the number of batches is known;
        # telling tf.data lets Keras show progress and avoids "ran out of data" warnings.
        per_bucket = np.bincount(np.searchsorted(boundaries, lengths, side="right"))
        num_batches = int(sum(-(-n // self.batch_size) for n in per_bucket))
        dataset = dataset.apply(tf.data.experimental.assert_cardinality(num_batches))
        return dataset.prefetch(autotune)


def bucket_boundaries(longest: int, *, smallest: int = 16, growth: float = 1.25) -> list[int]:
    """Returns the length bucket boundaries for ``bucket_by_sequence_length``.

    With ``pad_to_bucket_boundary=True`` a batch of the bucket ``[lo, hi)`` is
    padded to ``hi - 1`` columns; these boundaries make those widths 16, 24,
    32, 40, 56, ... (multiples of 8 growing by about ``growth``), and the last
    one ``longest``. Padding thus wastes at most about ``growth - 1`` (25%) of a
    batch, and there are few distinct batch shapes (about 30 for full-length
    IMDB subwords), which keeps compiled backends (JAX, XLA) from recompiling
    for every batch.

    Args:
        longest: the longest sequence.
        smallest: the first padded width.
        growth: the ratio between consecutive widths.

    Returns:
        Increasing boundaries; the last one is ``longest + 1``.
    """
    widths: list[int] = []
    width = smallest
    while width < longest:
        widths.append(width)
        width = max(width + 8, int(math.ceil(width * growth / 8) * 8))
    widths.append(longest)
    return [w + 1 for w in widths]


def _parse_limit(limit: Any) -> tuple[int | None, int | None, int | None]:
    if limit is None:
        return None, None, None
    parts = tuple(limit) if isinstance(limit, (tuple, list)) else (limit, limit, limit)
    if len(parts) == 2:
        parts = (*parts, parts[1])  # (train, validation): test as validation
    if len(parts) != 3 or not all(
        v is None or (isinstance(v, int) and not isinstance(v, bool) and v > 0) for v in parts
    ):
        raise ValueError(
            "limit must be a positive int (examples per split) or a tuple (train, validation) "
            "or (train, validation, test) of positive ints or None. "
            f"Received: limit={limit!r}"
        )
    return parts  # type: ignore[return-value]


def _balanced_sample(
    labels: np.ndarray, limit: int | None, num_classes: int, rng: np.random.Generator, split: str
) -> np.ndarray | None:
    """Returns sorted indices of a class-balanced sample of ``limit`` examples, or None."""
    if limit is None or limit >= len(labels):
        return None
    if limit < num_classes:
        raise ValueError(
            f"limit={limit} is smaller than the number of classes ({num_classes}); a balanced "
            "sample needs at least one example per class."
        )
    quotas = [limit // num_classes + (1 if c < limit % num_classes else 0) for c in range(num_classes)]
    chosen = []
    for label, quota in enumerate(quotas):
        pool = np.flatnonzero(labels == label)
        if len(pool) < quota:
            raise ValueError(
                f"A balanced limit of {limit} needs {quota} {split} examples of class {label}, "
                f"but there are only {len(pool)}. Lower the limit."
            )
        chosen.append(rng.choice(pool, size=quota, replace=False))
    return np.sort(np.concatenate(chosen))


def _apply_limit(raw: RawSplits, limit: Any, seed: int) -> RawSplits:
    limits = _parse_limit(limit)
    rng = np.random.default_rng(seed)
    k = len(raw.class_names)
    out = dataclasses.replace(raw)
    for split, split_limit in zip(SPLITS, limits):
        labels = getattr(raw, f"{split}_labels")
        if labels is None:
            continue
        idx = _balanced_sample(labels, split_limit, k, rng, "training" if split == "train" else split)
        if idx is not None:
            texts, labels = raw.take(split, idx)
            setattr(out, f"{split}_texts", texts)
            setattr(out, f"{split}_labels", labels)
    return out


def build_data(
    *,
    dataset: str,
    source: Mapping[str, Any],
    identity: Mapping[str, Any],
    read: Callable[[], RawSplits],
    options: DataOptions,
    source_names: Mapping[str, str] | None = None,
) -> TextClassificationData:
    """Reads, splits, limits, encodes and caches a dataset; returns its pipelines.

    The flow: ``read()`` -> the protocol's splits (:func:`apply_protocol`, seeded by
    ``options.split_seed``) -> the class checks -> the balanced ``limit`` -> the encoder
    fitted on train -> ids of every split, cached untruncated -> pipelines.

    Args:
        dataset: a short name for cache folders, e.g. ``"imdb"``.
        source: a JSON-ready description of where the data comes from.
        identity: what identifies the source's content (part of the cache key).
        read: returns the raw splits; not called on a cache hit.
        options: the :class:`DataOptions`.
        source_names: words for the splits the source gives, e.g.
            ``{"test": "IMDB's test split (25,000 reviews)"}``.

    Returns:
        The :class:`TextClassificationData`.

    Raises:
        DatasetError: one class only, a class in validation or test that train lacks, an
            empty split.
    """
    o = options
    limits = _parse_limit(o.limit)
    encoder = make_encoder(o.encoding, o.vocab_size, **dict(o.encoder_options))
    split_material = {
        "protocol": o.protocol,
        "validation_fraction": o.validation_fraction,
        "test_fraction": o.test_fraction,
        "split_seed": o.split_seed,
    }
    material = {
        "dataset": dataset,
        "source": dict(identity),
        "encoding": o.encoding,
        "encoder": encoder.config(),
        "splits": split_material,
        "limit": list(limits) if o.limit is not None else None,
        "seed": o.split_seed if o.limit is not None else None,  # the seed picks the sample
    }
    key = _cache.cache_key(material)
    cache_root = _cache.resolve_cache_dir(o.cache_dir)
    path = _cache.entry_dir(cache_root, dataset, o.encoding, key)
    timings: dict[str, float] = {}

    start = time.perf_counter()
    entry = _cache.read_entry(path) if o.use_cache else None
    if entry is not None:
        meta, arrays = entry
        encoder.load(path / "encoder")
        class_names = tuple(meta["class_names"])
        split_words = dict(meta["splits"])
        timings["cache_load_s"] = time.perf_counter() - start
        build_timings = meta.get("timings", {})
    else:
        raw = read()
        timings["read_s"] = time.perf_counter() - start
        check_classes(raw)
        raw = apply_protocol(
            raw, protocol=o.protocol, validation_fraction=o.validation_fraction,
            test_fraction=o.test_fraction, split_seed=o.split_seed,
            source_names=dict(source_names or {}),
        )
        raw = _apply_limit(raw, o.limit, o.split_seed)
        class_names = raw.class_names
        split_words = dict(raw.splits)
        for split in SPLITS:
            labels = getattr(raw, f"{split}_labels")
            if labels is not None and len(labels) == 0:
                raise DatasetError(
                    f"The {'training' if split == 'train' else split} split of {dataset} is "
                    "empty; check the source."
                )
        t = time.perf_counter()
        encoder.fit(raw.train_texts)
        timings["fit_s"] = time.perf_counter() - t
        t = time.perf_counter()
        arrays = {}
        for split in SPLITS:
            texts = getattr(raw, f"{split}_texts")
            if texts is None:
                continue
            values, row_splits = _cache.pack_ragged(encoder.encode(texts))
            arrays[f"{split}_values"] = values
            arrays[f"{split}_row_splits"] = row_splits
            arrays[f"{split}_labels"] = np.asarray(getattr(raw, f"{split}_labels"), dtype=np.int32)
        timings["encode_s"] = time.perf_counter() - t
        build_timings = dict(timings)
        if o.use_cache:
            t = time.perf_counter()
            meta = {
                "format": _cache.CACHE_FORMAT,
                "key": key,
                "material": material,
                "source": dict(source),
                "class_names": list(class_names),
                "splits": split_words,
                "vocab_size": encoder.vocab_size,
                "sizes": {s: int(len(arrays[f"{s}_labels"])) for s in SPLITS if f"{s}_labels" in arrays},
                "timings": build_timings,
                "versions": _versions(),
                "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            }
            try:
                _cache.write_entry(path, meta, arrays, encoder.save)
                timings["cache_write_s"] = time.perf_counter() - t
            except OSError as error:
                _logger.warning(
                    "Could not write the cache entry %s (%s); the next load rebuilds it. Pass "
                    "cache_dir= (or set $%s) to a writable folder.", path, error, _cache.CACHE_ENV
                )

    bucket = o.max_length is None if o.bucket is None else bool(o.bucket)
    present = [s for s in SPLITS if f"{s}_labels" in arrays]
    sizes = {s: int(len(arrays[f"{s}_labels"])) for s in present}
    splits_info: dict[str, Any] = {
        s: {"source": split_words.get(s, ""), "size": sizes[s]} for s in present
    }
    if "rare_classes_kept_in_train" in split_words:
        splits_info["rare_classes_kept_in_train"] = list(split_words["rare_classes_kept_in_train"])
    info = {
        "dataset": dataset,
        "source": dict(source),
        "encoding": o.encoding,
        "encoder": encoder.config(),
        "vocab_size": encoder.vocab_size,
        "max_length": o.max_length,
        "keep": o.keep,
        "batch_size": o.batch_size,
        "bucket": bucket,
        "limit": material["limit"],
        "seed": o.seed,
        "split_seed": o.split_seed,
        "shuffle": o.shuffle,
        "protocol": o.protocol,
        "splits": splits_info,
        "class_names": list(class_names),
        "num_classes": len(class_names),
        "num_train": sizes["train"],
        "num_validation": sizes["validation"],
        "num_test": sizes.get("test", 0),
        "label_counts": {
            s: np.bincount(arrays[f"{s}_labels"], minlength=len(class_names)).tolist()
            for s in present
        },
        "cache": {
            "key": key,
            "path": str(path) if o.use_cache else None,
            "hit": entry is not None,
        },
        "timings": {k: round(v, 3) for k, v in timings.items()},
        "build_timings": {k: round(v, 3) for k, v in build_timings.items()},
    }
    return TextClassificationData(
        encoding=o.encoding,
        encoder=encoder,
        max_length=o.max_length,
        batch_size=o.batch_size,
        class_names=tuple(class_names),
        info=info,
        shuffle=o.shuffle,
        seed=o.seed,
        bucket=bucket,
        _ids=arrays,
        keep=o.keep,
        protocol=o.protocol,
    )


def _versions() -> dict[str, str]:
    import importlib.metadata

    versions = {}
    for package in ("keras", "tensorflow", "tensorflow-datasets", "numpy"):
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            pass
    return versions


def texts_of(values: Sequence[Any]) -> list[str]:
    """Returns ``values`` as ``str`` (bytes are decoded as UTF-8)."""
    return [v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v) for v in values]
