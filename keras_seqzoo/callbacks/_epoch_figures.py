"""How an :class:`EpochTimer` hands its figures to a :class:`HistoryExporter` in the same fit.

The two are separate callbacks; what Keras hands both is the model. At
``on_train_begin`` the timer attaches itself to that model (a weak reference
in the attribute ``_keras_seqzoo_epoch_timer``, the way Keras' ``History``
attaches itself as ``model.history``) and detaches at ``on_train_end``. When
the exporter writes epoch ``e`` it asks the model's timer for the figures of
epoch ``e`` (:func:`figures`): the timer closes its measurement of that epoch
on the first request (its own ``on_epoch_end`` or the exporter's, whichever
Keras calls first) and every later request returns the same record. So the
files get the full figures and the ``warmup`` flag wherever the two stand in
``callbacks``, while the epoch ``logs`` only carry what the timer's
``log_figures`` asks for.

The exporter passes the time its fit began (``since``, on :data:`clock`): a
timer left attached by a fit that raised (Keras then skips ``on_train_end``)
measured no epoch of this fit and gives nothing. Without a model (hooks driven
by hand with none) there is nothing to attach to, and the exporter records the
logs only.
"""

from __future__ import annotations

import time
import weakref
from typing import Any, Protocol

__all__ = ["ATTRIBUTE", "attach", "clock", "detach", "figures"]

#: The attribute of the model that holds a weak reference to its fit's timer.
ATTRIBUTE = "_keras_seqzoo_epoch_timer"

#: The clock of the timer's measurements and of ``since`` (monotonic).
clock = time.perf_counter


class _Timer(Protocol):
    def epoch_figures(self, epoch: int, since: float | None = None) -> dict[str, Any] | None: ...


def attach(model: Any, timer: _Timer) -> None:
    """Called by the timer at ``on_train_begin``: the model's fit has this timer."""
    if model is None:
        return
    try:
        setattr(model, ATTRIBUTE, weakref.ref(timer))
    except (AttributeError, TypeError):  # pragma: no cover - an object that refuses attributes
        pass


def detach(model: Any, timer: _Timer) -> None:
    """Called by the timer at ``on_train_end``, so a later fit without it gets nothing."""
    if model is not None and _timer_of(model) is timer:
        try:
            delattr(model, ATTRIBUTE)
        except AttributeError:  # pragma: no cover
            pass


def _timer_of(model: Any) -> Any:
    ref = getattr(model, ATTRIBUTE, None) if model is not None else None
    return ref() if isinstance(ref, weakref.ref) else None


def figures(model: Any, epoch: int, since: float) -> dict[str, Any] | None:
    """The figures of ``epoch`` from the timer attached to ``model``, or ``None``.

    Args:
        model: the model of the fit.
        epoch: the epoch number Keras gave.
        since: when the asking callback's fit began (:data:`clock`); a timer
            whose measurement of ``epoch`` began earlier belongs to another fit.

    Returns:
        A new dict of the timer's figures (``epoch_time``, ``train_time``, ...,
        ``warmup``), or ``None`` when no timer measured this epoch of this fit.
    """
    timer = _timer_of(model)
    if timer is None:
        return None
    return timer.epoch_figures(epoch, since=since)
