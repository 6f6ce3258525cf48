"""What the built-in builders share: argument types, input + embedding, the head."""

from __future__ import annotations

from typing import Annotated, Literal

import keras

from keras_seqzoo._arguments import Range
from keras_seqzoo._model import SeqzooModel

# Argument types. The registry reads these hints to describe and validate arguments.
VocabSize = Annotated[int, Range(min_value=2)]
Positive = Annotated[int, Range(min_value=1)]
MaxLength = Annotated[int | None, Range(min_value=1)]
FixedLength = Annotated[int, Range(min_value=1)]
Rate = Annotated[float, Range(min_value=0.0, max_value=1.0, max_inclusive=False)]
# The hidden layer of a head: ReLU (the slides'), or one whose gradient never vanishes
# for every example at once (leaky ReLU), or GELU.
HeadActivation = Literal["relu", "leaky_relu", "gelu"]
NumClasses = Annotated[int, Range(min_value=2)]


def invalid(builder: str, argument: str, value, allowed: str) -> ValueError:
    """Returns the error for an argument value that is not allowed (Keras style)."""
    return ValueError(
        f"Builder {builder!r}: argument {argument!r} must be {allowed}. "
        f"Received: {argument}={value!r}"
    )


def embedded_input(
    *, vocab_size: int, embedding_dim: int, max_length: int | None, mask_zero: bool = False
):
    """Returns ``(inputs, embedded)``: an explicit int32 ``keras.Input`` and its embedding."""
    inputs = keras.Input(shape=(max_length,), dtype="int32", name="tokens")
    embedded = keras.layers.Embedding(vocab_size, embedding_dim, mask_zero=mask_zero)(inputs)
    return inputs, embedded


def average_pooling(mask_zero: bool) -> keras.layers.Layer:
    """Average pooling over time: Keras' ``GlobalAveragePooling1D``, or with
    ``mask_zero`` :class:`~keras_seqzoo.layers.MaskedGlobalAveragePooling1D`, which
    pools an all-padding input (an empty text) to zeros where Keras' layer divides by
    zero and predicts NaN. Unmasked builds keep Keras' layer, so the slides'
    summaries are unchanged."""
    if mask_zero:
        from keras_seqzoo.layers import MaskedGlobalAveragePooling1D

        return MaskedGlobalAveragePooling1D()
    return keras.layers.GlobalAveragePooling1D()


def max_pooling(mask_zero: bool) -> keras.layers.Layer:
    """Max pooling over time: Keras' ``GlobalMaxPooling1D``, or with ``mask_zero``
    :class:`~keras_seqzoo.layers.MaskedGlobalMaxPooling1D`, which skips the padding
    (Keras' layer drops the mask with a warning and reads the padding too)."""
    if mask_zero:
        from keras_seqzoo.layers import MaskedGlobalMaxPooling1D

        return MaskedGlobalMaxPooling1D()
    return keras.layers.GlobalMaxPooling1D()


def classification_head(
    x, *, dense_units: int, dropout: float, num_classes: int, activation: str = "relu"
):
    """Dropout (when > 0), a hidden ``Dense`` (``activation``), then sigmoid or softmax.

    Sigmoid for 2 classes, softmax for more. ``dense_units=0`` leaves the hidden layer
    out (a linear classifier over ``x``, as fastText's own); only builders whose
    argument allows 0 pass it.

    A NaN or out-of-range ``dropout`` raises (``build`` refuses it earlier; this
    catches a builder called directly), rather than leaving the layer out.
    """
    if not 0 <= float(dropout) < 1:  # False for NaN too
        raise ValueError(
            f"dropout must be a number in [0.0, 1.0). Received: dropout={dropout!r}"
        )
    if dropout > 0:
        x = keras.layers.Dropout(dropout)(x)
    if dense_units:
        x = keras.layers.Dense(dense_units, activation=activation)(x)
    if num_classes == 2:
        return keras.layers.Dense(1, activation="sigmoid")(x)
    return keras.layers.Dense(num_classes, activation="softmax")(x)


def finish(inputs, outputs, name: str) -> SeqzooModel:
    """Wraps the graph in a :class:`SeqzooModel` named after its builder."""
    return SeqzooModel(inputs, outputs, name=name)
