"""Which keras-tuner trial a copy of a :class:`HistoryExporter` runs in.

``tuner.search(callbacks=[...])`` runs every trial with a deep copy of the
callbacks list (``Tuner.run_trial``: ``callbacks = copy.deepcopy(callbacks)``),
appends keras-tuner's own callback for the trial, whose public ``trial`` and
``tuner`` attributes name the trial and the tuner's ``executions_per_trial``,
and hands that list to ``HyperModel.fit`` (with a plain build function, to
``model.fit``). keras-tuner treats TensorBoard the same way: the copy for each
trial writes to that trial's subfolder.

An exporter learns its trial from that list:

- :func:`copied_lists`: when the exporter is deep-copied, the lists copied in
  the same pass (``__deepcopy__``'s ``memo`` holds every copy made so far,
  among them the new callbacks list being filled);
- :func:`trial_of`: at the start of the fit, the list that holds the copy is
  searched for keras-tuner's callback. :func:`keras_seqzoo.callbacks.bind_trial`
  does the same with the list a ``HyperModel.fit`` receives.

Trial ids become folder names, so :func:`check_trial_id` refuses any id that is
not a plain name (a spoofed oracle could send ``"../x"``).
"""

from __future__ import annotations

import re
from typing import Any, Iterable

__all__ = ["check_trial_id", "copied_lists", "trial_of"]

_TRIAL_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}")


def check_trial_id(trial_id: Any, where: str) -> str:
    """``trial_id`` as a string, if it can name a folder; else a ``ValueError``.

    Args:
        trial_id: the id (keras-tuner's are digits, such as ``"03"``).
        where: the function, for the message.

    Returns:
        The id as a string.
    """
    text = str(trial_id) if isinstance(trial_id, (str, int)) and not isinstance(
        trial_id, bool) else None
    if text is None or not _TRIAL_ID.fullmatch(text):
        raise ValueError(
            f"{where}: `trial_id` must be a plain name of letters, digits, '_', '.' or '-' "
            "(not starting with '.' or '-', at most 128 characters), as keras-tuner's ids "
            f"are; it names the trial's folder. Received: trial_id={trial_id!r}"
        )
    return text


def copied_lists(memo: dict[int, Any]) -> list[list]:
    """The lists copied so far in one ``copy.deepcopy`` pass (from its ``memo``).

    Args:
        memo: the ``memo`` given to ``__deepcopy__``.

    Returns:
        Every list among the copies, except the pass's own keep-alive list.
    """
    keep_alive = memo.get(id(memo))
    return [value for value in memo.values() if type(value) is list and value is not keep_alive]


def trial_of(callbacks: Iterable[Any]) -> tuple[str, int] | None:
    """The trial named by keras-tuner's callback among ``callbacks``.

    Args:
        callbacks: the callbacks of one trial's fit.

    Returns:
        ``(trial id, the tuner's executions_per_trial)``, or ``None`` when no
        callback names a trial.
    """
    for callback in callbacks:
        trial_id = getattr(getattr(callback, "trial", None), "trial_id", None)
        if isinstance(trial_id, (str, int)) and not isinstance(trial_id, bool):
            executions = getattr(getattr(callback, "tuner", None), "executions_per_trial", 1)
            if isinstance(executions, bool) or not isinstance(executions, int):
                executions = 1
            return str(trial_id), max(1, executions)
    return None
