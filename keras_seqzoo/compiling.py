"""Compiling a classifier for its number of classes, and checking labels against it.

:func:`compile_model` reads the number of classes from the output layer (one
sigmoid unit: 2 classes; a softmax over ``k`` units: ``k`` classes), picks the loss
and the metrics for it, and refuses a ``num_classes`` that the model cannot
predict. :func:`check_labels` refuses labels that the model cannot learn, before
any training.
"""

from __future__ import annotations

import math
import numbers
from typing import Any, Sequence

import keras
import numpy as np

__all__ = [
    "SLIDES_METRICS",
    "check_labels",
    "check_training_values",
    "compile_model",
    "default_metrics",
    "output_classes",
    "release_compiled_programs",
]

#: The slides' metrics: ``metrics="slides"`` compiles with exactly these.
SLIDES_METRICS = ("accuracy",)


def check_training_values(
    where: str,
    *,
    learning_rate: Any = None,
    batch_size: Any = None,
    epochs: Any = None,
) -> None:
    """Refuses bad training values up front, naming the caller and the value.

    ``None`` means "not given" and is always accepted. NumPy scalars count as
    the Python numbers they hold.

    Args:
        where: who asks, for the message (e.g. ``"compare"``, ``"compile_model"``).
        learning_rate: must be a finite real number > 0.
        batch_size: must be an integer >= 1.
        epochs: must be an integer >= 1.

    Raises:
        ValueError: naming the argument, what was received and what is allowed.

    Example:

    ```python
    check_training_values("my_script", learning_rate=1e-3, batch_size=32, epochs=10)
    ```
    """
    if learning_rate is not None:
        if isinstance(learning_rate, bool) or not isinstance(learning_rate, numbers.Real):
            raise ValueError(
                f"{where}: learning_rate must be a number > 0. "
                f"Received: learning_rate={learning_rate!r}"
            )
        if not math.isfinite(float(learning_rate)) or float(learning_rate) <= 0:
            raise ValueError(
                f"{where}: learning_rate must be finite and > 0. "
                f"Received: learning_rate={learning_rate!r}"
            )
    for name, value in (("batch_size", batch_size), ("epochs", epochs)):
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise ValueError(
                f"{where}: {name} must be an integer >= 1. Received: {name}={value!r}"
            )
        if int(value) < 1:
            raise ValueError(
                f"{where}: {name} must be an integer >= 1. Received: {name}={value!r}"
            )


def release_compiled_programs() -> None:
    """Frees the programs the JAX backend compiled for earlier models (no-op elsewhere).

    ``keras.backend.clear_session()`` leaves them in JAX's caches: on a CPU every new
    configuration's compiled train and test steps keep their memory mappings (about 230
    for a small stacked BiLSTM), and after about 90 trials in one process a search hits
    Linux's default limit of 65,530 mappings: LLVM fails with "Cannot allocate memory"
    and the process dies. A model built afterwards compiles as usual. Called before each
    trial's model is built (:class:`keras_seqzoo.tuning.HyperModel`, the comparison's
    trials); call it yourself in a loop that builds many models of your own.

    Example:

    ```python
    for units in (16, 32, 64):
        keras.backend.clear_session()
        release_compiled_programs()
        model = keras_seqzoo.compile_model(keras_seqzoo.build("bilstm", units=units))
        model.fit(x, y, epochs=1)
    ```
    """
    if keras.backend.backend() == "jax":
        import jax

        jax.clear_caches()


def _check_num_classes(where: str, num_classes: Any) -> int:
    if isinstance(num_classes, bool) or not isinstance(num_classes, numbers.Integral) \
            or int(num_classes) < 2:
        raise ValueError(
            f"{where}: num_classes must be an integer >= 2 (2 for a one-unit sigmoid output, "
            f"more for a softmax). Received: num_classes={num_classes!r}"
        )
    return int(num_classes)


def output_classes(model: keras.Model) -> int | None:
    """Returns the number of classes a classifier's output layer predicts.

    One unit (a sigmoid) stands for 2 classes; ``k > 1`` units (a softmax) for
    ``k`` classes.

    Args:
        model: a built ``keras.Model`` with one output.

    Returns:
        The number of classes, or ``None`` when the model has no known output shape
        (a subclassed model that was never called).

    Example:

    ```python
    >>> import keras_seqzoo as zoo
    >>> from keras_seqzoo.compiling import output_classes
    >>> output_classes(zoo.build("conv1d", num_classes=8))
    8
    ```
    """
    try:
        outputs = model.outputs
    except (AttributeError, ValueError):
        return None
    if not outputs:
        return None
    units = outputs[0].shape[-1]
    if units is None:
        return None
    return 2 if int(units) == 1 else int(units)


def default_metrics(num_classes: int, *, units: int | None = None) -> list[Any]:
    """The metrics :func:`compile_model` tracks for a task with ``num_classes`` classes.

    - 2 classes: ``accuracy``, and the positive class's (label 1) ``precision``,
      ``recall`` and ``f1``, plus ``auc`` (ROC, from the sigmoid's probability;
      a 2-unit softmax has no ``auc``);
    - more: ``accuracy`` and ``macro_f1`` (:class:`keras_seqzoo.metrics.SparseF1Score`).

    Args:
        num_classes: the number of classes (>= 2).
        units: the output layer's units; ``None`` means the builders' head (one
            unit for 2 classes, ``num_classes`` units for more).

    Returns:
        A new list of metrics (names and fresh metric objects) for ``model.compile``.

    Example:

    ```python
    >>> from keras_seqzoo.compiling import default_metrics
    >>> [getattr(m, "name", m) for m in default_metrics(8)]
    ['accuracy', 'macro_f1']
    ```
    """
    from keras_seqzoo.metrics import SparseF1Score, SparsePrecision, SparseRecall

    num_classes = _check_num_classes("default_metrics", num_classes)
    if num_classes > 2:
        return ["accuracy", SparseF1Score(num_classes, average="macro", name="macro_f1")]
    metrics: list[Any] = [
        "accuracy",
        SparsePrecision(2, name="precision"),
        SparseRecall(2, name="recall"),
        SparseF1Score(2, average="binary", name="f1"),
    ]
    if units in (None, 1):
        metrics.append(keras.metrics.AUC(curve="ROC", name="auc"))
    return metrics


def compile_model(
    model: keras.Model,
    *,
    num_classes: int | None = None,
    optimizer: str | keras.optimizers.Optimizer = "adam",
    learning_rate: float | None = None,
    loss: str | None = None,
    metrics: str | Sequence[Any] | None = None,
    **compile_kwargs: Any,
) -> keras.Model:
    """Compiles a classifier for its number of classes and returns it.

    The number of classes comes from the output layer when ``num_classes`` is not
    given (:func:`output_classes`: one sigmoid unit is 2 classes, a softmax over
    ``k`` units is ``k``); a ``num_classes`` the output layer cannot predict is
    refused. Then:

    - 2 classes (one sigmoid unit): ``binary_crossentropy``; metrics ``accuracy``,
      ``precision``, ``recall``, ``f1`` (of the positive class, label 1) and
      ``auc`` (ROC);
    - more: ``sparse_categorical_crossentropy`` (integer labels); metrics
      ``accuracy`` and ``macro_f1``.

    ``metrics="slides"`` compiles exactly as the slides do: Adam,
    ``binary_crossentropy`` and ``metrics=["accuracy"]`` (the extra metrics do
    not change what a model learns, but they cost time in each step, which the
    slides' seconds per epoch did not include).

    Speed: it leaves Keras' own defaults alone. On a CPU the fastest backend for
    these models is JAX; on TensorFlow pass ``jit_compile=True`` (Keras' ``"auto"``
    leaves XLA off on CPUs), which trains the slides' BiGRU about 1.8x faster
    (see the docs' benchmarks page). The comparison runner does both for you.

    Args:
        model: a model whose last layer has one sigmoid unit or a softmax.
        num_classes: the number of classes in the data; read from the output
            layer when ``None``.
        optimizer: an optimizer name or instance.
        learning_rate: sets the learning rate of a named optimizer.
        loss: overrides the loss chosen from the number of classes.
        metrics: ``None`` for the task's metrics (above), ``"slides"`` for
            ``["accuracy"]`` only, or a list of metrics to track.
        **compile_kwargs: passed on to ``model.compile`` (e.g. ``jit_compile``).

    Returns:
        The same model, compiled.

    Raises:
        ValueError: ``num_classes`` is not an integer >= 2 or does not match the
            output layer, ``metrics`` is an unknown string, or ``learning_rate``
            is bad.

    Example:

    ```python
    model = keras_seqzoo.compile_model(keras_seqzoo.build("bilstm.imdb_words10k"))
    slides = keras_seqzoo.compile_model(keras_seqzoo.build("bilstm.imdb_words10k"),
                                        metrics="slides")
    eight = keras_seqzoo.compile_model(keras_seqzoo.build("fasttext", num_classes=8))
    ```
    """
    check_training_values("compile_model", learning_rate=learning_rate)
    found = output_classes(model)
    if num_classes is not None:
        num_classes = _check_num_classes("compile_model", num_classes)
        if found is not None and found != num_classes:
            raise ValueError(_mismatch("compile_model", model, found, num_classes))
    else:
        num_classes = found if found is not None else 2
    units = None
    if getattr(model, "outputs", None):
        units = model.outputs[0].shape[-1]
    if loss is None:
        loss = "binary_crossentropy" if units in (None, 1) else "sparse_categorical_crossentropy"
    if isinstance(metrics, str):
        if metrics != "slides":
            raise ValueError(
                "compile_model: metrics must be None (the task's metrics), 'slides' (accuracy "
                f"only, as the slides compile) or a list of metrics. Received: metrics={metrics!r}"
            )
        metrics = list(SLIDES_METRICS)
    elif metrics is None:
        metrics = default_metrics(num_classes, units=units)
    if isinstance(optimizer, str):
        optimizer = keras.optimizers.get(optimizer)
        if learning_rate is not None:
            optimizer.learning_rate = learning_rate
    elif learning_rate is not None:
        raise ValueError(
            "compile_model: learning_rate can only be set with an optimizer name; set it on "
            f"the optimizer instance instead. Received: learning_rate={learning_rate!r}"
        )
    model.compile(optimizer=optimizer, loss=loss, metrics=list(metrics), **compile_kwargs)
    return model


def _mismatch(where: str, model: keras.Model, found: int, wanted: int) -> str:
    units = model.outputs[0].shape[-1]
    head = "one sigmoid unit (2 classes)" if units == 1 else f"{units} units ({found} classes)"
    name = getattr(model, "name", "the model")
    return (
        f"{where}: num_classes={wanted}, but the output layer of {name!r} has {head}. "
        f"Build the model for them, e.g. keras_seqzoo.build(name, num_classes={wanted}) "
        f"(a {'sigmoid' if wanted == 2 else 'softmax'} head)."
    )


def check_labels(model: keras.Model, labels: Any, *, where: str = "check_labels") -> int:
    """Refuses labels that ``model`` cannot learn, before any training.

    Labels must be integer class ids (floats such as ``1.0`` count), one per
    example (shape ``(n,)`` or ``(n, 1)``), in ``[0, classes)`` where ``classes``
    is what the output layer predicts (:func:`output_classes`).

    Args:
        model: a built classifier.
        labels: the labels, array-like (NumPy, a list, a tensor).
        where: who asks, for the message (e.g. ``"compare"``).

    Returns:
        The number of classes the model predicts.

    Raises:
        ValueError: the labels are empty, not integer ids, one-hot, or outside
            ``[0, classes)`` (for a one-unit sigmoid model, labels with more than
            2 classes: the message says to build it with ``num_classes``).

    Example:

    ```python
    >>> import numpy as np
    >>> import keras_seqzoo as zoo
    >>> from keras_seqzoo.compiling import check_labels
    >>> check_labels(zoo.build("fasttext", num_classes=8), np.arange(8))
    8
    ```
    """
    classes = output_classes(model)
    if classes is None:
        raise ValueError(
            f"{where}: the model has no known output shape, so its number of classes is "
            "unknown. Build it (call it on an input) before checking labels."
        )
    try:
        values = np.asarray(labels)
    except Exception as error:  # e.g. a tf.data.Dataset
        raise ValueError(
            f"{where}: labels must be an array of integer class ids. Received: "
            f"{type(labels).__name__} ({error})"
        ) from None
    if values.dtype == object or not (
        np.issubdtype(values.dtype, np.integer) or np.issubdtype(values.dtype, np.floating)
        or np.issubdtype(values.dtype, np.bool_)
    ):
        raise ValueError(
            f"{where}: labels must be integer class ids (0 .. {classes - 1}). Received an "
            f"array of dtype {values.dtype}. Encode names as ids first."
        )
    if values.size == 0:
        raise ValueError(f"{where}: labels is empty. Received: shape={values.shape}")
    if values.ndim > 2 or (values.ndim == 2 and values.shape[1] != 1):
        raise ValueError(
            f"{where}: labels must hold one integer class id per example (shape (n,) or "
            f"(n, 1)). Received: shape={values.shape}"
            + (" (one-hot? use labels.argmax(axis=-1))" if values.ndim == 2 else "")
        )
    flat = values.reshape(-1).astype("float64")
    bad = flat[~np.isfinite(flat) | (flat != np.round(flat))]
    if bad.size:
        raise ValueError(
            f"{where}: labels must be integer class ids (0 .. {classes - 1}). Received "
            f"{bad.size} that are not, e.g. {float(bad[0])!r}."
        )
    low, high = int(flat.min()), int(flat.max())
    if low < 0 or high >= classes:
        found = sorted(set(int(v) for v in np.unique(flat)))
        shown = ", ".join(str(v) for v in found[:10]) + (", ..." if len(found) > 10 else "")
        if low >= 0 and classes == 2 and model.outputs[0].shape[-1] == 1:
            raise ValueError(
                f"{where}: {getattr(model, 'name', 'the model')!r} has one sigmoid output "
                f"(2 classes), but the labels go up to {high} ({len(found)} classes: "
                f"{shown}). Build it with num_classes={high + 1}, e.g. "
                f"keras_seqzoo.build(name, num_classes={high + 1})."
            )
        raise ValueError(
            f"{where}: labels must lie in [0, {classes}) for "
            f"{getattr(model, 'name', 'the model')!r}, whose output layer predicts {classes} "
            f"classes. Received labels from {low} to {high} ({shown})."
        )
    return classes
