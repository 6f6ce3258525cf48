"""The three splits: train, validation, test; stratified, seeded hold-outs and the protocol.

Protocol ``"sound"`` (the default): validation is the given validation split, else a
stratified, seeded fraction of train; test is the given test split, else a stratified,
seeded fraction of train. Models are selected on validation and the test split is touched
once. Protocol ``"slides"``: the given test split is the validation split (IMDB's 25,000
test reviews, as in the slides) and there is no test split.

A hold-out is stratified: each class gives ``round(fraction * its count)`` examples, at
least one. A class with too few examples to give one to every held-out split and keep one
for training stays in train whole, and a warning names it.
"""

from __future__ import annotations

import dataclasses
import warnings
from typing import Any

import numpy as np

from keras_seqzoo.datasets.errors import DatasetError

__all__ = ["RawSplits", "apply_protocol", "check_classes", "stratified_holdout"]


@dataclasses.dataclass
class RawSplits:
    """Texts and integer labels of the splits a source holds (``None``: not given).

    Attributes:
        train_texts, train_labels: the training split.
        class_names: the class of each label id.
        validation_texts, validation_labels: a given validation split, or ``None``.
        test_texts, test_labels: a given test split, or ``None``.
        splits: for each split present, its source in words (filled by
            :func:`apply_protocol`, e.g. ``"10 % of train, stratified, seed 0"``).
    """

    train_texts: list[str]
    train_labels: np.ndarray
    class_names: tuple[str, ...]
    validation_texts: list[str] | None = None
    validation_labels: np.ndarray | None = None
    test_texts: list[str] | None = None
    test_labels: np.ndarray | None = None
    splits: dict[str, str] = dataclasses.field(default_factory=dict)

    def take(self, split: str, indices: np.ndarray) -> tuple[list[str], np.ndarray]:
        texts = getattr(self, f"{split}_texts")
        labels = getattr(self, f"{split}_labels")
        return [texts[i] for i in indices], np.asarray(labels)[indices]


def stratified_holdout(
    labels: np.ndarray, fractions: list[float], seed: int, *, num_classes: int | None = None,
) -> tuple[np.ndarray, list[np.ndarray], list[int]]:
    """Splits indices of ``labels`` into a kept part and one held-out part per fraction.

    Args:
        labels: int labels.
        fractions: the fraction of each held-out part (of the whole).
        seed: the seed of the draw.
        num_classes: the number of classes (default: ``labels.max() + 1``).

    Returns:
        ``(kept, [held_out, ...], rare)``: sorted index arrays, and the classes too rare
        to be held out (kept whole).
    """
    labels = np.asarray(labels)
    k = int(num_classes if num_classes is not None else (labels.max() + 1 if len(labels) else 0))
    rng = np.random.default_rng(seed)
    kept: list[np.ndarray] = []
    held: list[list[np.ndarray]] = [[] for _ in fractions]
    rare: list[int] = []
    for label in range(k):
        pool = np.flatnonzero(labels == label)
        if len(pool) == 0:
            continue
        if len(pool) < len(fractions) + 1:
            rare.append(label)
            kept.append(pool)
            continue
        pool = rng.permutation(pool)
        start = 0
        for j, (part, fraction) in enumerate(zip(held, fractions)):
            n = max(1, int(round(fraction * len(pool))))
            # leave one for each later part and one for training
            n = min(n, len(pool) - start - 1 - (len(fractions) - 1 - j))
            part.append(pool[start : start + n])
            start += n
        kept.append(pool[start:])
    cat = lambda parts: np.sort(np.concatenate(parts)) if parts else np.zeros(0, np.int64)  # noqa: E731
    return cat(kept), [cat(p) for p in held], rare


def _percent(fraction: float) -> str:
    return f"{fraction * 100:g} %"


def apply_protocol(
    raw: RawSplits, *, protocol: str, validation_fraction: float, test_fraction: float,
    split_seed: int, source_names: dict[str, str] | None = None,
) -> RawSplits:
    """Returns the train, validation and test splits the protocol asks for.

    Args:
        raw: what the source holds (validation and test may be ``None``).
        protocol: ``"sound"`` or ``"slides"`` (see the module docstring).
        validation_fraction, test_fraction: the held-out fractions of train.
        split_seed: the seed of the hold-outs.
        source_names: words for the given splits, e.g. ``{"test": "IMDB's test split"}``.

    Returns:
        A :class:`RawSplits` with validation always set, test set or ``None``, and
        ``splits`` describing each split.
    """
    names = dict(source_names or {})
    given_val = raw.validation_labels is not None
    given_test = raw.test_labels is not None
    out = dataclasses.replace(raw, splits={})
    carve: list[tuple[str, float]] = []
    if protocol == "slides":
        if given_val:
            names_val = names.get("validation", "the given validation split")
            out.test_texts, out.test_labels = None, None
            if given_test:
                names_val += " (the test split is not used)"
            out.splits["validation"] = names_val
        elif given_test:
            out.validation_texts, out.validation_labels = raw.test_texts, raw.test_labels
            out.test_texts, out.test_labels = None, None
            out.splits["validation"] = (
                f"{names.get('test', 'the given test split')}, as validation "
                "(protocol 'slides': no test split)"
            )
        else:
            carve.append(("validation", validation_fraction))
    else:
        if not given_test:
            carve.append(("test", test_fraction))
        else:
            out.splits["test"] = names.get("test", "the given test split")
        if not given_val:
            carve.append(("validation", validation_fraction))
        else:
            out.splits["validation"] = names.get("validation", "the given validation split")
    if carve:
        kept, held, rare = stratified_holdout(
            raw.train_labels, [f for _, f in carve], split_seed, num_classes=len(raw.class_names)
        )
        for (split, fraction), indices in zip(carve, held):
            texts, labels = raw.take("train", indices)
            setattr(out, f"{split}_texts", texts)
            setattr(out, f"{split}_labels", labels)
            out.splits[split] = f"{_percent(fraction)} of train, stratified, seed {split_seed}"
        out.train_texts, out.train_labels = raw.take("train", kept)
        if rare:
            shown = ", ".join(repr(raw.class_names[c]) for c in rare)
            counts = np.bincount(raw.train_labels, minlength=len(raw.class_names))
            warnings.warn(
                f"The class{'es' if len(rare) > 1 else ''} {shown} "
                f"({', '.join(str(int(counts[c])) for c in rare)} training example(s)) "
                f"{'are' if len(rare) > 1 else 'is'} too rare to appear in the "
                f"{' and '.join(s for s, _ in carve)} split(s) and stay{'' if len(rare) > 1 else 's'} "
                "in train; the hold-out is stratified for the other classes.",
                stacklevel=3,
            )
            out.splits["rare_classes_kept_in_train"] = [raw.class_names[c] for c in rare]  # type: ignore[assignment]
        out.splits["train"] = "the rest of train" if carve else names.get("train", "the given train split")
    else:
        out.splits["train"] = names.get("train", "the given train split")
    return out


def check_classes(raw: RawSplits, where: dict[str, str] | None = None) -> None:
    """Refuses one class only, and a class in validation or test that train lacks."""
    where = where or {}
    k = len(raw.class_names)
    train_counts = np.bincount(np.asarray(raw.train_labels, dtype=np.int64), minlength=k)
    present = set(np.flatnonzero(train_counts).tolist())
    if len(present) < 2:
        only = ", ".join(repr(raw.class_names[c]) for c in sorted(present)) or "none"
        raise DatasetError(
            f"The training data {where.get('train', '')}holds one class only ({only}); "
            "classification needs at least 2 classes. Check the label column "
            "(label_column=/columns=) and the files."
        )
    for split in ("validation", "test"):
        labels = getattr(raw, f"{split}_labels")
        if labels is None:
            continue
        lacking = sorted(set(np.unique(labels).tolist()) - present)
        if lacking:
            shown = ", ".join(repr(raw.class_names[c]) for c in lacking)
            raise DatasetError(
                f"The {split} data {where.get(split, '')}holds the class{'es' if len(lacking) > 1 else ''} "
                f"{shown}, which the training data {where.get('train', '')}lacks: a model cannot "
                "learn a class it never sees. Add training examples of it, or remove it from "
                f"the {split} data."
            )
