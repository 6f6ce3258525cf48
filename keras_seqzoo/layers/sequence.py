"""Small sequence utilities."""

from __future__ import annotations

import keras
import numpy as np

__all__ = ["LastStep", "MaskedGlobalAveragePooling1D", "MaskedGlobalMaxPooling1D"]


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


@keras.saving.register_keras_serializable(package="keras_seqzoo")
class MaskedGlobalMaxPooling1D(keras.layers.GlobalMaxPooling1D):
    """``GlobalMaxPooling1D`` that skips masked time steps.

    Keras' ``GlobalMaxPooling1D`` does not support masking: given a mask (e.g.
    from ``Embedding(mask_zero=True)``) it warns, drops the mask and takes the
    maximum over the padding too. This layer takes it over the real steps only;
    a sequence with no real step gives zeros. Without a mask it is Keras' layer.
    Channels-last inputs ``(batch, time, features)`` only.

    Args:
        keepdims: keep the time axis (length 1), as for ``GlobalMaxPooling1D``.
        **kwargs: passed to ``keras.layers.GlobalMaxPooling1D``.

    Example:

    ```python
    x = keras.ops.convert_to_tensor([[[1.0], [5.0], [9.0]]])
    mask = keras.ops.convert_to_tensor([[True, True, False]])
    MaskedGlobalMaxPooling1D()(x, mask=mask)  # [[5.0]]: the padded 9 is skipped
    ```
    """

    def __init__(self, keepdims: bool = False, **kwargs):
        if kwargs.get("data_format", "channels_last") != "channels_last":
            raise ValueError("MaskedGlobalMaxPooling1D: data_format must be "
                             f"'channels_last'. Received: data_format={kwargs['data_format']!r}")
        super().__init__(keepdims=keepdims, **kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is None:
            return super().call(inputs)
        ops = keras.ops
        real = ops.expand_dims(ops.cast(mask, "bool"), -1)
        lowest = float(np.finfo(keras.backend.standardize_dtype(inputs.dtype)).min)
        pooled = ops.max(ops.where(real, inputs, lowest), axis=1, keepdims=self.keepdims)
        any_real = ops.any(real, axis=1, keepdims=self.keepdims)
        return ops.where(any_real, pooled, ops.zeros_like(pooled))

    def compute_mask(self, inputs, mask=None):
        return None


@keras.saving.register_keras_serializable(package="keras_seqzoo")
class MaskedGlobalAveragePooling1D(keras.layers.GlobalAveragePooling1D):
    """``GlobalAveragePooling1D`` that gives zeros, not NaN, for a sequence with no real step.

    Keras' ``GlobalAveragePooling1D`` averages the unmasked steps by dividing their
    sum by their count; for an input that is all padding (an empty text, once
    tokenized) the count is 0 and the output, the prediction and the loss are NaN.
    This layer divides by at least 1, so such a sequence pools to zeros; any
    sequence with a real step pools exactly as in Keras' layer. Without a mask it
    is Keras' layer.

    Args:
        data_format: ``"channels_last"`` (``(batch, time, features)``, the
            default) or ``"channels_first"``.
        keepdims: keep the time axis (length 1), as for ``GlobalAveragePooling1D``.
        **kwargs: passed to ``keras.layers.GlobalAveragePooling1D``.

    Example:

    ```python
    x = keras.ops.convert_to_tensor([[[1.0], [5.0], [9.0]], [[2.0], [2.0], [2.0]]])
    mask = keras.ops.convert_to_tensor([[True, True, False], [False, False, False]])
    MaskedGlobalAveragePooling1D()(x, mask=mask)  # [[3.0], [0.0]]
    ```
    """

    def call(self, inputs, mask=None):
        if mask is None:
            return super().call(inputs)
        ops = keras.ops
        steps_axis = 1 if self.data_format == "channels_last" else 2
        real = ops.expand_dims(ops.cast(mask, "bool"), 2 if steps_axis == 1 else 1)
        total = ops.sum(ops.where(real, inputs, 0), axis=steps_axis, keepdims=self.keepdims)
        count = ops.sum(ops.cast(real, inputs.dtype), axis=steps_axis, keepdims=self.keepdims)
        return total / ops.maximum(count, 1)
