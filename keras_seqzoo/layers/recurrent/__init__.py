"""``LSTM``, ``GRU`` and ``Bidirectional``: Keras' recurrent layers with a fused kernel per backend.

They are subclasses of ``keras.layers.LSTM`` / ``GRU`` / ``Bidirectional`` with the
same arguments, the same variables (``kernel``, ``recurrent_kernel``, ``bias``; the
GRU's ``(2, 3 * units)`` bias when ``reset_after=True``), the same config and the
same outputs; only the loop over time steps runs differently. The package is cut
as Keras cuts its own recurrent layers from its backends:

- :mod:`~keras_seqzoo.layers.recurrent.layers`: the layers, which choose a kernel
  call by call (and fall back to Keras' own path), :func:`recurrent_kernels`,
  :data:`PLAIN_KERAS_OBJECTS`;
- :mod:`~keras_seqzoo.layers.recurrent.jax_scan`: JAX's kernel, a ``jax.lax.scan``
  with Keras' mask semantics (``"jax-scan"``, ``"jax-scan-bidirectional"``);
- :mod:`~keras_seqzoo.layers.recurrent.torch_fused`: PyTorch's kernel, torch's own
  fused RNN op (``"torch-fused"``, ``"torch-fused-packed"`` and their
  ``-bidirectional`` forms).

The guide's page on recurrent kernels says which kernel runs where, and what was
measured (``benchmarks/kernels/bilstm_layer.py``, ``benchmarks/training/torch_twins.py``).

Example:

```python
import keras
from keras_seqzoo.layers import LSTM, Bidirectional

layer = Bidirectional(LSTM(32))
outputs = layer(keras.random.normal((4, 10, 8)))
layer.forward_layer.kernel_name  # e.g. "jax-scan-bidirectional"
```
"""

from keras_seqzoo.layers.recurrent.layers import (
    GRU,
    LSTM,
    PLAIN_KERAS_OBJECTS,
    Bidirectional,
    _jax_gpu,  # noqa: F401 (importable here, as before the split into modules)
    recurrent_kernels,
)

__all__ = ["GRU", "LSTM", "PLAIN_KERAS_OBJECTS", "Bidirectional", "recurrent_kernels"]
