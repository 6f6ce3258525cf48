"""The slides' compile settings, as a helper rather than hidden in the builders."""

from __future__ import annotations

import math
import numbers
from typing import Any, Sequence

import keras

__all__ = ["check_training_values", "compile_model"]


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


def compile_model(
    model: keras.Model,
    *,
    optimizer: str | keras.optimizers.Optimizer = "adam",
    learning_rate: float | None = None,
    loss: str | None = None,
    metrics: Sequence[Any] = ("accuracy",),
    **compile_kwargs: Any,
) -> keras.Model:
    """Compiles a classifier as the slides do and returns it.

    The slides use ``loss="binary_crossentropy", optimizer="adam",
    metrics=["accuracy"]``. For a softmax output (``num_classes > 2``) the loss
    becomes ``"sparse_categorical_crossentropy"``.

    Speed: it leaves Keras' own defaults alone. On a CPU the fastest backend for
    these models is JAX; on TensorFlow pass ``jit_compile=True`` (Keras' ``"auto"``
    leaves XLA off on CPUs), which trains the slides' BiGRU about 1.8x faster
    (see the docs' benchmarks page). The comparison runner does both for you.

    Args:
        model: a model whose last layer has one sigmoid unit or a softmax.
        optimizer: an optimizer name or instance.
        learning_rate: sets the learning rate of a named optimizer.
        loss: overrides the loss chosen from the output shape.
        metrics: metrics to track.
        **compile_kwargs: passed on to ``model.compile`` (e.g. ``jit_compile``).

    Returns:
        The same model, compiled.

    Example:

    ```python
    model = keras_seqzoo.compile_model(keras_seqzoo.build("bilstm.imdb_words10k"))
    ```
    """
    check_training_values("compile_model", learning_rate=learning_rate)
    if loss is None:
        outputs = model.outputs[0].shape[-1] if getattr(model, "outputs", None) else 1
        loss = "binary_crossentropy" if outputs == 1 else "sparse_categorical_crossentropy"
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
