"""A stop asked for by a signal, honoured at the next batch of any training.

``seqzoo``'s training commands turn SIGTERM into ``KeyboardInterrupt`` raised from the
signal handler. Python runs a handler wherever the main thread happens to be, and an
exception raised there can be lost: under JAX the handler was seen to run inside
``model.fit`` and training went on (a C6 sitting ran two hours past its ``timeout``), most
likely because the point it ran at was inside a backend's call back into Python, which
drops what it cannot pass on. So the handler
also records the request here, and :class:`StopWhenAsked`, among the callbacks of every
fit the comparisons run, raises it again at the next batch or epoch, from Keras' own
loop, where nothing swallows it; the tuners check it before each trial too.
"""

from __future__ import annotations

from typing import Any

import keras

_requested: str | None = None


def request(reason: str) -> None:
    """Records that training should stop (``reason``, e.g. ``"signal SIGTERM"``)."""
    global _requested
    _requested = reason


def clear() -> None:
    """Forgets a request (a test, or a process that handled it and goes on)."""
    global _requested
    _requested = None


def check() -> None:
    """Raises ``KeyboardInterrupt`` if a stop was requested."""
    if _requested is not None:
        raise KeyboardInterrupt(_requested)


class StopWhenAsked(keras.callbacks.Callback):
    """Raises a requested stop at the next batch or epoch boundary (see the module)."""

    def on_epoch_begin(self, epoch: int, logs: Any = None) -> None:
        check()

    def on_train_batch_begin(self, batch: int, logs: Any = None) -> None:
        check()

    def on_test_batch_begin(self, batch: int, logs: Any = None) -> None:
        check()
