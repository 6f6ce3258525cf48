"""Classification metrics for sparse integer labels, on every Keras backend.

Keras' ``F1Score`` expects one-hot labels; the zoo's data holds integer class ids
(``0 .. num_classes - 1``). These metrics take those ids as they are, from a
one-unit sigmoid output (2 classes; the prediction is ``y_pred > threshold``) or a
softmax over ``num_classes`` units (the prediction is the argmax). They keep each
class's true positives, false positives and false negatives in variables and are
written with ``keras.ops`` only, so they run on TensorFlow, JAX and PyTorch.

- :class:`SparseF1Score` with ``average="macro"``: the mean F1 over the classes
  that occur in the labels or the predictions seen so far, as scikit-learn's
  ``f1_score(y_true, y_pred, average="macro")`` computes it;
- ``average="binary"``: the F1 of one class, ``positive_class`` (1 by default),
  as ``f1_score(y_true, y_pred, pos_label=1)``;
- :class:`SparsePrecision` and :class:`SparseRecall`: one class's precision and
  recall the same way (a class with no predicted / no true example scores 0, as
  scikit-learn's ``zero_division=0``).

Example:

```python
import keras_seqzoo as zoo
from keras_seqzoo.metrics import SparseF1Score

model = zoo.build("fasttext", num_classes=8)
model.compile("adam", "sparse_categorical_crossentropy",
              metrics=["accuracy", SparseF1Score(8, name="macro_f1")])
```
"""

from __future__ import annotations

import numbers
from typing import Any

import keras
from keras import ops

__all__ = ["SparseF1Score", "SparsePrecision", "SparseRecall"]


def _check(where: str, num_classes: Any, positive_class: Any, threshold: Any) -> None:
    if isinstance(num_classes, bool) or not isinstance(num_classes, numbers.Integral) \
            or int(num_classes) < 2:
        raise ValueError(
            f"{where}: num_classes must be an integer >= 2 (the number of classes; 2 for a "
            f"one-unit sigmoid output). Received: num_classes={num_classes!r}"
        )
    if isinstance(positive_class, bool) or not isinstance(positive_class, numbers.Integral) \
            or not 0 <= int(positive_class) < int(num_classes):
        raise ValueError(
            f"{where}: positive_class must be a class id in [0, {int(num_classes) - 1}]. "
            f"Received: positive_class={positive_class!r}"
        )
    if isinstance(threshold, bool) or not isinstance(threshold, numbers.Real) \
            or not 0 < float(threshold) < 1:
        raise ValueError(
            f"{where}: threshold must be a number in (0, 1) (applied to a one-unit sigmoid "
            f"output). Received: threshold={threshold!r}"
        )


class _ClassCounts(keras.metrics.Metric):
    """True positives, false positives and false negatives per class, from integer labels."""

    _where = "_ClassCounts"
    #: The metric's name in the logs when none is given.
    default_name = "counts"

    def __init__(
        self,
        num_classes: int,
        *,
        positive_class: int = 1,
        threshold: float = 0.5,
        name: str | None = None,
        dtype: Any = None,
    ):
        _check(type(self).__name__, num_classes, positive_class, threshold)
        super().__init__(name=name or self.default_name, dtype=dtype or "float32")
        self.num_classes = int(num_classes)
        self.positive_class = int(positive_class)
        self.threshold = float(threshold)
        shape = (self.num_classes,)
        self.true_positives = self.add_variable(shape, "zeros", name="true_positives")
        self.false_positives = self.add_variable(shape, "zeros", name="false_positives")
        self.false_negatives = self.add_variable(shape, "zeros", name="false_negatives")

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Adds a batch: ``y_true`` integer ids (any shape of one id per example),
        ``y_pred`` probabilities of shape ``(n, 1)`` (sigmoid) or ``(n, num_classes)``.
        """
        y_pred = ops.convert_to_tensor(y_pred)
        units = y_pred.shape[-1] if len(y_pred.shape) > 1 else 1
        if units == 1:
            if self.num_classes != 2:
                raise ValueError(
                    f"{type(self).__name__}: a one-unit output stands for 2 classes, but this "
                    f"metric was made for num_classes={self.num_classes}. Build the model with "
                    f"num_classes={self.num_classes} (a softmax output)."
                )
            predicted = ops.cast(ops.reshape(y_pred, (-1,)) > self.threshold, "int32")
        else:
            if units != self.num_classes:
                raise ValueError(
                    f"{type(self).__name__}: the output has {units} units, but this metric was "
                    f"made for num_classes={self.num_classes}."
                )
            predicted = ops.cast(ops.argmax(ops.reshape(y_pred, (-1, units)), axis=-1), "int32")
        true = ops.cast(ops.reshape(ops.convert_to_tensor(y_true), (-1,)), "int32")
        true_hot = ops.one_hot(true, self.num_classes, dtype=self.dtype)
        pred_hot = ops.one_hot(predicted, self.num_classes, dtype=self.dtype)
        if sample_weight is not None:
            weight = ops.reshape(ops.cast(sample_weight, self.dtype), (-1, 1))
            true_hot, pred_hot = true_hot * weight, pred_hot * weight
            both = true_hot * ops.one_hot(predicted, self.num_classes, dtype=self.dtype)
        else:
            both = true_hot * pred_hot
        self.true_positives.assign_add(ops.sum(both, axis=0))
        self.false_positives.assign_add(ops.sum(pred_hot - both, axis=0))
        self.false_negatives.assign_add(ops.sum(true_hot - both, axis=0))

    def reset_state(self):
        for variable in (self.true_positives, self.false_positives, self.false_negatives):
            variable.assign(ops.zeros(variable.shape, dtype=self.dtype))

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(
            num_classes=self.num_classes, positive_class=self.positive_class,
            threshold=self.threshold,
        )
        return config

    def _counts(self):
        """The counts as tensors: ``(true positives, false positives, false negatives)``."""
        return tuple(
            ops.convert_to_tensor(v)
            for v in (self.true_positives, self.false_positives, self.false_negatives)
        )

    @staticmethod
    def _ratio(numerator, denominator):
        """``numerator / denominator``, and 0 where the denominator is 0 (sklearn's
        ``zero_division=0``)."""
        numerator = ops.convert_to_tensor(numerator)
        denominator = ops.convert_to_tensor(denominator)
        safe = ops.where(denominator > 0, denominator, ops.ones_like(denominator))
        return ops.where(denominator > 0, numerator / safe, ops.zeros_like(numerator))


@keras.saving.register_keras_serializable(package="keras_seqzoo")
class SparseF1Score(_ClassCounts):
    """F1 from integer labels: macro over the classes, or one class's.

    Args:
        num_classes: the number of classes (2 for a one-unit sigmoid output).
        average: ``"macro"`` (the mean F1 over the classes that occur among the
            labels or the predictions so far, as scikit-learn's
            ``f1_score(average="macro")``), or ``"binary"`` (the F1 of
            ``positive_class``).
        positive_class: the class whose F1 ``"binary"`` reports (label 1 by default).
        threshold: a one-unit sigmoid output predicts class 1 above it.
        name: the metric's name in the logs; ``"macro_f1"`` or ``"f1"`` by default.
        dtype: the variables' dtype.

    Example:

    ```python
    >>> import numpy as np
    >>> from keras_seqzoo.metrics import SparseF1Score
    >>> metric = SparseF1Score(3)
    >>> metric.update_state(np.array([0, 1, 2, 2]),
    ...                     np.eye(3)[[0, 2, 2, 2]])
    >>> round(float(metric.result()), 4)
    0.6
    ```
    """

    def __init__(
        self,
        num_classes: int,
        *,
        average: str = "macro",
        positive_class: int = 1,
        threshold: float = 0.5,
        name: str | None = None,
        dtype: Any = None,
    ):
        if average not in ("macro", "binary"):
            raise ValueError(
                "SparseF1Score: average must be 'macro' or 'binary' (the F1 of "
                f"positive_class). Received: average={average!r}"
            )
        self.average = average
        super().__init__(
            num_classes, positive_class=positive_class, threshold=threshold,
            name=name or ("macro_f1" if average == "macro" else "f1"), dtype=dtype,
        )

    def result(self):
        tp, fp, fn = self._counts()
        f1 = self._ratio(2 * tp, 2 * tp + fp + fn)
        if self.average == "binary":
            return f1[self.positive_class]
        seen = ops.cast(tp + fp + fn > 0, self.dtype)  # classes among the labels or predictions
        return self._ratio(ops.sum(f1 * seen), ops.sum(seen))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "average": self.average}


@keras.saving.register_keras_serializable(package="keras_seqzoo")
class SparsePrecision(_ClassCounts):
    """Precision of one class (``positive_class``, label 1 by default) from integer labels.

    Args:
        num_classes: the number of classes (2 for a one-unit sigmoid output).
        positive_class: the class whose precision is reported.
        threshold: a one-unit sigmoid output predicts class 1 above it.
        name: the metric's name in the logs; ``"precision"`` by default.
        dtype: the variables' dtype.

    Example:

    ```python
    metric = SparsePrecision(2)  # for a softmax over 2 classes or a sigmoid unit
    ```
    """

    default_name = "precision"

    def result(self):
        tp, fp, _ = self._counts()
        return self._ratio(tp, tp + fp)[self.positive_class]


@keras.saving.register_keras_serializable(package="keras_seqzoo")
class SparseRecall(_ClassCounts):
    """Recall of one class (``positive_class``, label 1 by default) from integer labels.

    Args:
        num_classes: the number of classes (2 for a one-unit sigmoid output).
        positive_class: the class whose recall is reported.
        threshold: a one-unit sigmoid output predicts class 1 above it.
        name: the metric's name in the logs; ``"recall"`` by default.
        dtype: the variables' dtype.

    Example:

    ```python
    metric = SparseRecall(2)
    ```
    """

    default_name = "recall"

    def result(self):
        tp, _, fn = self._counts()
        return self._ratio(tp, tp + fn)[self.positive_class]
