"""Declarative search-space values, declared next to each builder.

These are plain, immutable data: they need neither Keras nor keras-tuner, so
builders can declare their space at import time for free. ``keras_seqzoo.tuning``
turns them into ``keras_tuner.HyperParameters`` calls.

Example:

```python
from keras_seqzoo.space import Choice, Int
space = {"units": Int(16, 128, step=16), "pooling": Choice(["max", "average"])}
```
"""

from __future__ import annotations

import dataclasses
from typing import Any, Sequence

__all__ = ["Boolean", "Choice", "Fixed", "Float", "Int", "Value", "to_dict", "from_dict"]


@dataclasses.dataclass(frozen=True)
class Value:
    """Base class of every search-space value."""

    def to_dict(self) -> dict[str, Any]:
        """Returns the value as plain JSON-ready data (``{"type": ..., ...}``)."""
        data: dict[str, Any] = {"type": type(self).__name__}
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            data[field.name] = list(value) if isinstance(value, tuple) else value
        return data

    def contains(self, value: Any) -> bool:  # pragma: no cover - overridden
        """Returns whether ``value`` lies in this space."""
        raise NotImplementedError


@dataclasses.dataclass(frozen=True)
class Choice(Value):
    """One of a fixed list of values.

    Args:
        values: the allowed values (ints, floats, strings or bools, one type).
    """

    values: tuple

    def __init__(self, values: Sequence[Any]):
        values = tuple(values)
        if not values:
            raise ValueError("Choice needs at least one value. Received: values=()")
        object.__setattr__(self, "values", values)

    def contains(self, value: Any) -> bool:
        return value in self.values


def _check_range(value: Int | Float) -> None:
    """Raises a ``ValueError`` naming the class when ``value``'s bounds or sampling are off."""
    kind = type(value).__name__
    if value.min_value > value.max_value:
        raise ValueError(
            f"{kind} needs min_value <= max_value. Received: min_value={value.min_value}, "
            f"max_value={value.max_value}"
        )
    if value.sampling not in ("linear", "log"):
        raise ValueError(f"{kind} sampling must be 'linear' or 'log'. Received: {value.sampling!r}")


@dataclasses.dataclass(frozen=True)
class Int(Value):
    """An integer range, inclusive at both ends.

    Args:
        min_value: smallest value.
        max_value: largest value.
        step: distance between candidate values (``"linear"``) or the factor
            between them (``"log"``).
        sampling: ``"linear"`` or ``"log"``.
    """

    min_value: int
    max_value: int
    step: int = 1
    sampling: str = "linear"

    def __post_init__(self):
        _check_range(self)

    def contains(self, value: Any) -> bool:
        return isinstance(value, int) and self.min_value <= value <= self.max_value


@dataclasses.dataclass(frozen=True)
class Float(Value):
    """A float range, inclusive at both ends.

    Args:
        min_value: smallest value.
        max_value: largest value.
        step: optional distance between candidate values.
        sampling: ``"linear"`` or ``"log"``.
    """

    min_value: float
    max_value: float
    step: float | None = None
    sampling: str = "linear"

    def __post_init__(self):
        _check_range(self)

    def contains(self, value: Any) -> bool:
        return isinstance(value, (int, float)) and self.min_value <= value <= self.max_value


@dataclasses.dataclass(frozen=True)
class Boolean(Value):
    """``True`` or ``False``."""

    def contains(self, value: Any) -> bool:
        return isinstance(value, bool)


@dataclasses.dataclass(frozen=True)
class Fixed(Value):
    """A single value that is not searched.

    Args:
        value: the value.
    """

    value: Any

    def contains(self, value: Any) -> bool:
        return value == self.value


_TYPES = {cls.__name__: cls for cls in (Choice, Int, Float, Boolean, Fixed)}


def to_dict(space: dict[str, Value]) -> dict[str, dict[str, Any]]:
    """Returns a whole space (argument name -> value) as plain data."""
    return {name: value.to_dict() for name, value in space.items()}


def from_dict(data: dict[str, dict[str, Any]]) -> dict[str, Value]:
    """Inverse of :func:`to_dict`."""
    space: dict[str, Value] = {}
    for name, item in data.items():
        item = dict(item)
        kind = item.pop("type", None)
        if kind not in _TYPES:
            raise ValueError(
                f"Unknown search-space type for {name!r}: {kind!r}. Allowed: {sorted(_TYPES)}"
            )
        space[name] = _TYPES[kind](**item)
    return space
