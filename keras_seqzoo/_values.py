"""Small value rules the whole package shares: finite numbers, JSON-ready copies, did-you-mean.

Each rule lives here once; the callbacks, the results table, the comparison report, the
tuner integration and the registry import it instead of keeping their own copy.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["did_you_mean", "is_finite", "suggest", "to_jsonable"]


def is_finite(value: Any) -> bool:
    """Whether ``value`` is a finite real number (``bool`` is not a number here).

    Args:
        value: anything read from a history, a trial file or a record.

    Returns:
        ``True`` for ints and floats that are neither NaN nor infinite.

    Example:

    ```python
    is_finite(0.5), is_finite(float("nan")), is_finite(None), is_finite(True)
    # (True, False, False, False)
    ```
    """
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def to_jsonable(value: Any) -> Any:
    """A JSON-ready copy of ``value``: tuples become lists, keys strings, others ``repr``.

    Non-finite floats become their ``repr`` (``"nan"``, ``"inf"``), so the JSON stays strict.

    Args:
        value: builder arguments, hyperparameter values, a record.

    Returns:
        Plain ``dict``/``list``/``str``/``int``/``float``/``bool``/``None`` data.

    Example:

    ```python
    to_jsonable({"kernel_sizes": (3, 5), "rate": float("nan")})
    # {'kernel_sizes': [3, 5], 'rate': 'nan'}
    ```
    """
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else repr(value)
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    item = getattr(value, "item", None)  # NumPy scalars
    if callable(item):
        try:
            return to_jsonable(item())
        except (TypeError, ValueError):
            pass
    return repr(value)


def suggest(
    name: Any,
    candidates: Iterable[str],
    *,
    aliases: Mapping[str, str] | None = None,
    n: int = 3,
) -> list[str]:
    """The candidates closest to ``name`` (aliases resolve to the names they stand for).

    Args:
        name: what the user typed.
        candidates: the names that may be suggested.
        aliases: alias -> listed name.
        n: the most suggestions.

    Returns:
        The suggestions (possibly none); names containing ``name`` when none is close.
    """
    text = str(name)
    pool = list(candidates)
    lookup = {c: c for c in pool}
    for alias, target in (aliases or {}).items():
        lookup.setdefault(alias, target)
    close = difflib.get_close_matches(text, list(lookup), n=n * 2, cutoff=0.5)
    if not close:  # fall back to names containing it, e.g. "lstm" -> "bilstm"
        close = [c for c in pool if text.lower() and text.lower() in c]
    out: list[str] = []
    for match in close:
        target = lookup[match]
        if target not in out:
            out.append(target)
    return out[:n]


def did_you_mean(name: Any, candidates: Iterable[str], **kwargs: Any) -> str:
    """``" Did you mean 'x'?"`` (or ``'x', 'y'``) for the closest candidates, or ``""``.

    Args:
        name: what the user typed.
        candidates: the names that may be suggested.
        **kwargs: ``aliases`` and ``n`` for :func:`suggest` (default ``n=1``).

    Returns:
        The sentence to append to an error message, starting with a space.

    Example:

    ```python
    did_you_mean("bilstn", ["bilstm", "bigru"])  # " Did you mean 'bilstm'?"
    ```
    """
    kwargs.setdefault("n", 1)
    close = suggest(name, sorted(candidates), **kwargs)
    return f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
