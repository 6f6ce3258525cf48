"""Small sequence utilities."""

from __future__ import annotations

import keras

__all__ = ["LastStep"]


@keras.saving.register_keras_serializable(package="keras_seqzoo")
class LastStep(keras.layers.Layer):
    """Returns the last time step of a sequence: ``(batch, time, features) -> (batch, features)``.

    A mask, if any, is ignored (the last step is the last position, padding or not).

    Example:

    ```python
    last = LastStep()(keras.ops.ones((2, 5, 3)))  # shape (2, 3)
    ```
    """

    def call(self, inputs):
        return inputs[:, -1]

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[-1])
