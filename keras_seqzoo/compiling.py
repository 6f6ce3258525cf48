"""The slides' compile settings, as a helper rather than hidden in the builders."""

from __future__ import annotations

from typing import Any, Sequence

import keras

__all__ = ["compile_model"]


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
