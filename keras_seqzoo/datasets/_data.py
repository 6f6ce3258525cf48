"""The loaded, encoded data and the shared read -> limit -> encode -> cache flow."""

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

__all__ = ["DatasetError", "RawSplits", "TextClassificationData", "build_data"]

_logger = logging.getLogger(__name__)


class DatasetError(ValueError):
    """Raised for unusable data: a corrupt or truncated archive, a folder without
    the expected layout, an empty split, a file without the named columns."""


@dataclasses.dataclass
class RawSplits:
    """Texts and integer labels of the training and validation splits."""

    train_texts: list[str]
    train_labels: np.ndarray
    validation_texts: list[str]
    validation_labels: np.ndarray
    class_names: tuple[str, ...]


@dataclasses.dataclass(eq=False)
class TextClassificationData:
    """Encoded text classification data: tf.data pipelines, arrays and metadata.

    Returned by :func:`load_imdb` and :func:`load_text_files`. ``train`` and
    ``validation`` are batched, prefetched ``tf.data.Dataset``s of
    ``(int32 tokens, int32 label)`` that ``model.fit`` accepts on every Keras
    backend. With a fixed ``max_length`` every batch has shape
    ``(batch_size, max_length)``; with ``max_length=None`` (subwords' default)
    batches are bucketed by length, so a batch is padded (with 0) only to its
    bucket's bound, not to the longest review.

    Attributes:
        encoding: ``"words"`` or ``"subwords"``.
        encoder: the fitted :class:`WordEncoder` or :class:`SubwordEncoder`.
        max_length: the sequence length (truncate and pad after the text), or
            ``None`` for variable-length batches.
        batch_size: the batch size of ``train`` and ``validation``.
        class_names: the class of each label id, e.g. ``("neg", "pos")``.
        info: a JSON-ready dict: source, settings, cache key and path, sizes,
            timings; a comparison runner writes it into its ``run.json``.
        shuffle: whether ``train`` is reshuffled every epoch.
        seed: the shuffling seed.
        bucket: whether batches are bucketed by length.

    Example:

    ```python
    from keras_seqzoo import datasets
    data = datasets.load_imdb(encoding="words")
    model.fit(data.train, validation_data=data.validation, epochs=10)
    (x_train, y_train), (x_val, y_val) = data.numpy()
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

    def with_seed(self, seed: int) -> TextClassificationData:
        """Returns the same data with pipelines of their own, shuffled by ``seed``.

        The arrays and the encoder are shared; ``train`` and ``validation`` are
        built afresh, so the copy's epochs do not depend on how far this
        object's ``train`` has been iterated.

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
    def num_train(self) -> int:
        """The number of training examples."""
        return len(self._ids["train_labels"])

    @property
    def num_validation(self) -> int:
        """The number of validation examples."""
        return len(self._ids["validation_labels"])

    @property
    def num_classes(self) -> int:
        """The number of classes (2 for IMDB)."""
        return len(self.class_names)

    def sequences(self, split: str = "train") -> list[np.ndarray]:
        """Returns the unpadded, untruncated id sequences of a split.

        Args:
            split: ``"train"`` or ``"validation"``.

        Returns:
            One int32 array per example.
        """
        values, splits = self._ragged(split)
        return np.split(values, splits[1:-1])

    def labels(self, split: str = "train") -> np.ndarray:
        """Returns the int32 labels of ``"train"`` or ``"validation"``."""
        self._check_split(split)
        return self._ids[f"{split}_labels"]

    def lengths(self, split: str = "train") -> np.ndarray:
        """Returns the untruncated sequence lengths of a split."""
        return np.diff(self._ragged(split)[1])

    def numpy(
        self, max_length: int | None = None
    ) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
        """Returns ``((x_train, y_train), (x_val, y_val))`` as padded arrays.

        Sequences are truncated and padded (with 0) after the text to
        ``max_length``: the argument, else :attr:`max_length`, else the longest
        sequence of each split (for full-length subwords that is thousands of
        columns; pass a length to bound the memory).

        Args:
            max_length: the number of columns; ``None`` uses the data's.

        Returns:
            int32 token arrays of shape ``(n, max_length)`` and int32 labels.
        """
        length = max_length if max_length is not None else self.max_length
        return tuple(  # type: ignore[return-value]
            (self._padded(split, length), self.labels(split)) for split in ("train", "validation")
        )

    @functools.cached_property
    def train(self) -> Any:
        """The training ``tf.data.Dataset`` (shuffled each epoch when ``shuffle``)."""
        return self._dataset("train", shuffle=self.shuffle)

    @functools.cached_property
    def validation(self) -> Any:
        """The validation ``tf.data.Dataset`` (IMDB's test split), not shuffled."""
        return self._dataset("validation", shuffle=False)

    def __repr__(self) -> str:
        return (
            f"TextClassificationData(encoding={self.encoding!r}, vocab_size={self.vocab_size}, "
            f"max_length={self.max_length}, num_train={self.num_train}, "
            f"num_validation={self.num_validation}, batch_size={self.batch_size})"
        )

    # -- internals -------------------------------------------------------------------------

    def _check_split(self, split: str) -> None:
        if split not in ("train", "validation"):
            raise ValueError(f"split must be 'train' or 'validation'. Received: {split!r}")

    def _ragged(self, split: str) -> tuple[np.ndarray, np.ndarray]:
        self._check_split(split)
        return self._ids[f"{split}_values"], self._ids[f"{split}_row_splits"]

    def _padded(self, split: str, length: int | None) -> np.ndarray:
        values, splits = self._ragged(split)
        lengths = np.diff(splits)
        if length is None:
            length = int(lengths.max()) if len(lengths) else 0
        n = len(lengths)
        out = np.zeros((n, length), dtype=np.int32)
        kept = np.minimum(lengths, length)
        rows = np.repeat(np.arange(n), kept)
        cols = np.arange(kept.sum()) - np.repeat(np.cumsum(kept) - kept, kept)
        out[rows, cols] = values[np.repeat(splits[:-1], kept) + cols]
        return out

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
        if self.max_length is not None:  # truncate after the text
            keep = np.arange(len(values)) - np.repeat(splits[:-1], lengths) < self.max_length
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


def _parse_limit(limit: Any) -> tuple[int | None, int | None]:
    if limit is None:
        return None, None
    pair = tuple(limit) if isinstance(limit, (tuple, list)) else (limit, limit)
    if len(pair) != 2 or not all(v is None or (isinstance(v, int) and v > 0) for v in pair):
        raise ValueError(
            "limit must be a positive int (examples per split) or a pair (train, validation) "
            f"of positive ints or None. Received: limit={limit!r}"
        )
    return pair  # type: ignore[return-value]


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
    train_limit, validation_limit = _parse_limit(limit)
    rng = np.random.default_rng(seed)
    k = len(raw.class_names)
    train_idx = _balanced_sample(raw.train_labels, train_limit, k, rng, "training")
    val_idx = _balanced_sample(raw.validation_labels, validation_limit, k, rng, "validation")
    out = dataclasses.replace(raw)
    if train_idx is not None:
        out.train_texts = [raw.train_texts[i] for i in train_idx]
        out.train_labels = raw.train_labels[train_idx]
    if val_idx is not None:
        out.validation_texts = [raw.validation_texts[i] for i in val_idx]
        out.validation_labels = raw.validation_labels[val_idx]
    return out


def build_data(
    *,
    dataset: str,
    source: Mapping[str, Any],
    identity: Mapping[str, Any],
    read: Callable[[], RawSplits],
    encoding: str,
    vocab_size: int | None,
    encoder_options: Mapping[str, Any] | None,
    max_length: int | None,
    batch_size: int,
    limit: Any,
    seed: int,
    cache_dir: str | Path | None,
    use_cache: bool,
    shuffle: bool,
    bucket: bool | None,
) -> TextClassificationData:
    """Reads, limits, encodes and caches a dataset; returns its pipelines.

    Args:
        dataset: a short name for cache folders, e.g. ``"imdb"``.
        source: a JSON-ready description of where the data comes from.
        identity: what identifies the source's content (part of the cache key).
        read: returns the raw splits; not called on a cache hit.
        encoding, vocab_size, encoder_options: the encoder (see :func:`make_encoder`).
        max_length, batch_size, shuffle, seed, bucket: the pipelines.
        limit: a balanced limit per split, see :func:`load_imdb`.
        cache_dir: the cache directory (``None``: :func:`default_cache_dir`).
        use_cache: read and write the cache.

    Returns:
        The :class:`TextClassificationData`.
    """
    if not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int. Received: batch_size={batch_size!r}")
    if max_length is not None and (not isinstance(max_length, int) or max_length < 1):
        raise ValueError(
            f"max_length must be a positive int, or None for variable-length batches. "
            f"Received: max_length={max_length!r}"
        )
    train_limit, validation_limit = _parse_limit(limit)
    encoder = make_encoder(encoding, vocab_size, **dict(encoder_options or {}))
    material = {
        "dataset": dataset,
        "source": dict(identity),
        "encoding": encoding,
        "encoder": encoder.config(),
        "limit": [train_limit, validation_limit] if limit is not None else None,
        "seed": seed if limit is not None else None,  # the seed only picks the limited sample
    }
    key = _cache.cache_key(material)
    cache_root = _cache.resolve_cache_dir(cache_dir)
    path = _cache.entry_dir(cache_root, dataset, encoding, key)
    timings: dict[str, float] = {}

    start = time.perf_counter()
    entry = _cache.read_entry(path) if use_cache else None
    if entry is not None:
        meta, arrays = entry
        encoder.load(path / "encoder")
        class_names = tuple(meta["class_names"])
        timings["cache_load_s"] = time.perf_counter() - start
        build_timings = meta.get("timings", {})
    else:
        raw = read()
        timings["read_s"] = time.perf_counter() - start
        raw = _apply_limit(raw, limit, seed)
        class_names = raw.class_names
        for split, labels in (("training", raw.train_labels), ("validation", raw.validation_labels)):
            if len(labels) == 0:
                raise DatasetError(f"The {split} split of {dataset} is empty; check the source.")
        t = time.perf_counter()
        encoder.fit(raw.train_texts)
        timings["fit_s"] = time.perf_counter() - t
        t = time.perf_counter()
        train_values, train_splits = _cache.pack_ragged(encoder.encode(raw.train_texts))
        val_values, val_splits = _cache.pack_ragged(encoder.encode(raw.validation_texts))
        timings["encode_s"] = time.perf_counter() - t
        arrays = {
            "train_values": train_values,
            "train_row_splits": train_splits,
            "train_labels": np.asarray(raw.train_labels, dtype=np.int32),
            "validation_values": val_values,
            "validation_row_splits": val_splits,
            "validation_labels": np.asarray(raw.validation_labels, dtype=np.int32),
        }
        build_timings = dict(timings)
        if use_cache:
            t = time.perf_counter()
            meta = {
                "format": _cache.CACHE_FORMAT,
                "key": key,
                "material": material,
                "source": dict(source),
                "class_names": list(class_names),
                "vocab_size": encoder.vocab_size,
                "num_train": len(raw.train_labels),
                "num_validation": len(raw.validation_labels),
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

    if bucket is None:
        bucket = max_length is None
    info = {
        "dataset": dataset,
        "source": dict(source),
        "encoding": encoding,
        "encoder": encoder.config(),
        "vocab_size": encoder.vocab_size,
        "max_length": max_length,
        "batch_size": batch_size,
        "bucket": bool(bucket),
        "limit": material["limit"],
        "seed": seed,
        "shuffle": shuffle,
        "class_names": list(class_names),
        "num_train": int(len(arrays["train_labels"])),
        "num_validation": int(len(arrays["validation_labels"])),
        "label_counts": {
            split: np.bincount(arrays[f"{split}_labels"], minlength=len(class_names)).tolist()
            for split in ("train", "validation")
        },
        "cache": {
            "key": key,
            "path": str(path) if use_cache else None,
            "hit": entry is not None,
        },
        "timings": {k: round(v, 3) for k, v in timings.items()},
        "build_timings": {k: round(v, 3) for k, v in build_timings.items()},
    }
    return TextClassificationData(
        encoding=encoding,
        encoder=encoder,
        max_length=max_length,
        batch_size=batch_size,
        class_names=tuple(class_names),
        info=info,
        shuffle=shuffle,
        seed=seed,
        bucket=bool(bucket),
        _ids=arrays,
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
