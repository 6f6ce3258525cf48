"""How an :class:`EpochTimer` hands its figures to a :class:`HistoryExporter`.

The two are separate callbacks and never see each other; what they share is
the model they are attached to. At ``on_train_begin`` the timer registers
itself for its model here. When an exporter writes epoch ``e`` it asks for the
figures of epoch ``e`` of its model: if a timer is registered, the timer
closes its measurement of that epoch on that first request (its own
``on_epoch_end``, or the exporter's, whichever Keras calls first) and every
later request, including the timer's own, returns the same record. So the
exporter's files get the full set of figures and the ``warmup`` flag whatever
the order of the two in ``callbacks``, while the epoch ``logs`` (Keras'
progress line, ``History``, ``EarlyStopping``) only carry what the timer's
``log_figures`` asks for.

The registry holds models weakly (a model that is garbage-collected leaves
it), and only the last timer registered for a model is asked.
"""

from __future__ import annotations

import weakref
from typing import Any, Protocol


class _Timer(Protocol):
    def epoch_figures(self, epoch: int) -> dict[str, Any] | None: ...


_timers: "weakref.WeakKeyDictionary[Any, weakref.ref]" = weakref.WeakKeyDictionary()
_timer_without_model: list[weakref.ref] = []  # CallbackList(model=None) driven by hand


def register(model: Any, timer: _Timer) -> None:
    """Called by the timer at the start of each fit."""
    if model is None:
        _timer_without_model[:] = [weakref.ref(timer)]
        return
    try:
        _timers[model] = weakref.ref(timer)
    except TypeError:  # pragma: no cover - a model that cannot be weakly referenced
        pass


def unregister(model: Any, timer: _Timer) -> None:
    """Called by the timer when its fit ends, so a later fit without it gets nothing."""
    refs = _timer_without_model if model is None else None
    if refs is not None:
        if refs and refs[0]() is timer:
            refs.clear()
        return
    try:
        ref = _timers.get(model)
        if ref is not None and ref() is timer:
            del _timers[model]
    except TypeError:  # pragma: no cover
        pass


def figures(model: Any, epoch: int) -> dict[str, Any] | None:
    """The timer's record for ``epoch`` of ``model``'s current fit, or ``None``.

    Returns:
        A new dict of the timer's figures (``epoch_time``, ``train_time``, ...,
        ``warmup``) without its bookkeeping keys, or ``None`` when no timer
        runs with this model.
    """
    if model is None:
        ref = _timer_without_model[0] if _timer_without_model else None
    else:
        try:
            ref = _timers.get(model)
        except TypeError:  # pragma: no cover
            ref = None
    timer = ref() if ref is not None else None
    if timer is None:
        return None
    return timer.epoch_figures(epoch)
