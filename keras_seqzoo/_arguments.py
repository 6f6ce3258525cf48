"""Builder arguments: read from a builder's signature, described, and validated.

A builder declares what it accepts in its own signature, with type hints:

```python
def bilstm(*, units: Annotated[int, Range(min_value=1)] = 32,
           pooling: Literal["max", "average"] = "max", ...): ...
```

From that single declaration the registry derives the argument table shown by
``describe()``, checks every call to ``build()`` before Keras sees it, and
writes the error message when a value is not allowed. NumPy scalars count as
the Python numbers they hold (and are passed on as Python numbers); NaN is never
a number in a range. A builder with ``vocab_size`` and ``embedding_dim``
arguments is refused when its embedding alone would not fit in this machine's
memory (see :func:`check_embedding_memory`).
"""

from __future__ import annotations

import dataclasses
import inspect
import math
import os
import types
import typing
from typing import Any, Callable, Literal, Union

import numpy as np
from keras_seqzoo._values import did_you_mean

__all__ = [
    "Argument",
    "Range",
    "arguments_of",
    "check_embedding_memory",
    "validate",
]

#: Bytes per embedding weight (float32).
BYTES_PER_WEIGHT = 4
#: Copies of the embedding that training holds: the weights, their gradient and
#: Adam's two moment slots.
TRAINING_COPIES = 4


@dataclasses.dataclass(frozen=True)
class Range:
    """A numeric constraint, used inside ``typing.Annotated``.

    For a tuple type (e.g. ``tuple[int, ...]``) the range applies to every item.

    Args:
        min_value: smallest allowed value, or ``None``.
        max_value: largest allowed value, or ``None``.
        max_inclusive: whether ``max_value`` itself is allowed.
    """

    min_value: float | None = None
    max_value: float | None = None
    max_inclusive: bool = True

    def contains(self, value: float) -> bool:
        if isinstance(value, float) and math.isnan(value):
            return False  # NaN compares False with everything: it would pass any bound
        if self.min_value is not None and value < self.min_value:
            return False
        if self.max_value is not None:
            if value > self.max_value or (not self.max_inclusive and value == self.max_value):
                return False
        return True

    def describe(self) -> str:
        if self.min_value is not None and self.max_value is not None:
            close = "]" if self.max_inclusive else ")"
            return f"in [{self.min_value}, {self.max_value}{close}"
        if self.min_value is not None:
            return f">= {self.min_value}"
        if self.max_value is not None:
            return f"{'<=' if self.max_inclusive else '<'} {self.max_value}"
        return "any number"


@dataclasses.dataclass(frozen=True)
class Argument:
    """One argument of a builder, as ``describe()`` reports it.

    Attributes:
        name: the keyword.
        default: the default value.
        type: the type as text, e.g. ``"int | None"``.
        allowed: what values are allowed, in words.
        choices: the allowed values when there is a fixed list, else ``None``.
    """

    name: str
    default: Any
    type: str
    allowed: str
    choices: tuple | None = None
    annotation: Any = dataclasses.field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        default = list(self.default) if isinstance(self.default, tuple) else self.default
        return {
            "name": self.name,
            "default": default,
            "type": self.type,
            "allowed": self.allowed,
            "choices": list(self.choices) if self.choices is not None else None,
        }


def _split(annotation: Any) -> tuple[Any, list[Any]]:
    """Returns (bare type, constraints) of a possibly ``Annotated`` hint."""
    if typing.get_origin(annotation) is typing.Annotated:
        base, *extras = typing.get_args(annotation)
        return base, [e for e in extras if isinstance(e, Range)]
    return annotation, []


def _alternatives(tp: Any) -> list[Any]:
    origin = typing.get_origin(tp)
    if origin is Union or origin is types.UnionType:
        return list(typing.get_args(tp))
    return [tp]


def _type_text(tp: Any) -> str:
    parts = []
    for alt in _alternatives(tp):
        if alt is type(None):
            parts.append("None")
        elif typing.get_origin(alt) is Literal:
            parts.append(" | ".join(repr(v) for v in typing.get_args(alt)))
        elif typing.get_origin(alt) in (tuple, list):
            inner = typing.get_args(alt)[0] if typing.get_args(alt) else Any
            parts.append(f"tuple[{getattr(inner, '__name__', str(inner))}, ...]")
        else:
            parts.append(getattr(alt, "__name__", str(alt)))
    return " | ".join(parts)


def _choices(tp: Any) -> tuple | None:
    values: list = []
    for alt in _alternatives(tp):
        if typing.get_origin(alt) is Literal:
            values.extend(typing.get_args(alt))
        elif alt is bool:
            values.extend([True, False])
        elif alt is type(None):
            values.append(None)
        else:
            return None
    return tuple(values)


def _allowed_text(tp: Any, constraints: list[Range]) -> str:
    choices = _choices(tp)
    if choices is not None:
        return "one of " + ", ".join(repr(c) for c in choices)
    words = []
    for alt in _alternatives(tp):
        if alt is type(None):
            words.append("None")
            continue
        origin = typing.get_origin(alt)
        if origin in (tuple, list):
            inner = typing.get_args(alt)[0]
            text = f"a non-empty tuple of {inner.__name__}s"
            if constraints:
                text += ", each " + " and ".join(c.describe() for c in constraints)
        else:
            name = {int: "an integer", float: "a number", str: "a string"}.get(alt, str(alt))
            text = name
            if constraints and alt in (int, float):
                text += " " + " and ".join(c.describe() for c in constraints)
        words.append(text)
    return " or ".join(words)


def arguments_of(fn: Callable) -> dict[str, Argument]:
    """Returns the documented arguments of a builder, in signature order.

    Args:
        fn: a builder function.

    Returns:
        A dict from argument name to :class:`Argument`.
    """
    hints = typing.get_type_hints(fn, include_extras=True)
    result = {}
    for param in inspect.signature(fn).parameters.values():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        annotation = _without_implicit_optional(hints.get(param.name, Any))
        tp, constraints = _split(annotation)
        default = None if param.default is param.empty else param.default
        result[param.name] = Argument(
            name=param.name,
            default=default,
            type=_type_text(tp) if tp is not Any else "any",
            allowed=_allowed_text(tp, constraints) if tp is not Any else "any value",
            choices=_choices(tp) if tp is not Any else None,
            annotation=annotation,
        )
    return result


def _without_implicit_optional(annotation: Any) -> Any:
    """Undoes Python 3.10's ``get_type_hints``, which wraps the hint of an argument whose
    default is ``None`` in ``Optional[...]``: ``Optional[Annotated[int | None, Range]]``
    becomes the ``Annotated[int | None, Range]`` that was written (3.11 leaves it alone)."""
    if typing.get_origin(annotation) is typing.Union:
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1 and typing.get_origin(args[0]) is typing.Annotated:
            return args[0]
    return annotation


def _matches(value: Any, tp: Any, constraints: list[Range]) -> bool:
    for alt in _alternatives(tp):
        if alt is type(None):
            if value is None:
                return True
        elif typing.get_origin(alt) is Literal:
            if any(value == v and type(value) is type(v) for v in typing.get_args(alt)):
                return True
        elif typing.get_origin(alt) in (tuple, list):
            inner = typing.get_args(alt)[0]
            if (
                isinstance(value, (tuple, list))
                and len(value) > 0
                and all(_matches(item, inner, constraints) for item in value)
            ):
                return True
        elif alt is bool:
            if isinstance(value, bool):
                return True
        elif alt is int:
            if isinstance(value, int) and not isinstance(value, bool):
                if all(c.contains(value) for c in constraints):
                    return True
        elif alt is float:
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                if math.isnan(value):
                    continue
                if all(c.contains(value) for c in constraints):
                    return True
        elif alt is Any or (isinstance(alt, type) and isinstance(value, alt)):
            return True
    return False


def _python(value: Any) -> Any:
    """Returns NumPy scalars (and 1-D arrays, lists) as Python numbers (tuples of them)."""
    if isinstance(value, np.ndarray) and value.ndim == 1:
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        return type(value)(_python(v) for v in value)
    if isinstance(value, np.generic) and isinstance(value, (np.bool_, np.integer, np.floating)):
        return value.item()
    return value


def total_memory() -> int | None:
    """Returns this machine's physical memory in bytes (``os.sysconf``), or None if unknown."""
    try:
        pages, page_size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):  # e.g. Windows has no sysconf
        return None
    return pages * page_size if pages > 0 and page_size > 0 else None


def check_embedding_memory(builder: str, arguments: dict[str, Any]) -> None:
    """Refuses arguments whose embedding alone would not fit in this machine's memory.

    The estimate is ``vocab_size x embedding_dim x 4 bytes`` (float32) times 4
    (the weights, their gradient and Adam's two moment slots), compared with the
    machine's physical memory (``os.sysconf``; no check where that is unknown).
    Builders without ``vocab_size`` and ``embedding_dim`` integer arguments are
    not checked.

    Args:
        builder: the registered name, used in the message.
        arguments: the builder's arguments.

    Raises:
        ValueError: naming the builder, both arguments, the estimate and the memory.
    """
    vocab_size, embedding_dim = arguments.get("vocab_size"), arguments.get("embedding_dim")
    if not (isinstance(vocab_size, int) and isinstance(embedding_dim, int)):
        return  # not an embedding model (bools are too small to matter)
    memory = total_memory()
    needed = vocab_size * embedding_dim * BYTES_PER_WEIGHT * TRAINING_COPIES
    if memory is None or needed <= memory:
        return
    raise ValueError(
        f"Builder {builder!r}: an embedding of vocab_size={vocab_size} x "
        f"embedding_dim={embedding_dim} needs about {_size(needed)} to train "
        f"({BYTES_PER_WEIGHT} bytes per weight, x{TRAINING_COPIES} for the weights, their "
        f"gradient and Adam's two moment slots), more than this machine's {_size(memory)} of "
        "memory. Lower vocab_size (use the data's vocab_size, e.g. data.vocab_size; word "
        "vocabularies of 10,000-50,000 are usual) or embedding_dim."
    )


def _size(size: int) -> str:
    if size >= 2**30:
        return f"{size / 2**30:,.1f} GiB"
    return f"{size / 2**20:,.1f} MiB"



def validate(builder: str, fn: Callable, kwargs: dict[str, Any]) -> dict[str, Any]:
    """Checks keyword arguments for a builder and returns them with defaults filled in.

    Args:
        builder: the registered name, used in error messages.
        fn: the builder function.
        kwargs: the arguments a user passed.

    Returns:
        All arguments of the builder, defaults included, in signature order.

    Raises:
        ValueError: an argument is unknown, or its value is not allowed (NaN
            included), or the embedding would not fit in memory
            (:func:`check_embedding_memory`); the message names the builder,
            the argument and what is allowed.
    """
    spec = arguments_of(fn)
    for name in kwargs:
        if name not in spec:
            raise ValueError(
                f"Builder {builder!r} has no argument {name!r}.{did_you_mean(name, spec)} "
                f"Its arguments are: {', '.join(spec)}."
            )
    resolved = {}
    for name, arg in spec.items():
        value = _python(kwargs.get(name, arg.default))
        tp, constraints = _split(arg.annotation)
        if tp is not Any and not _matches(value, tp, constraints):
            raise ValueError(
                f"Builder {builder!r}: argument {name!r} must be {arg.allowed}. "
                f"Received: {name}={value!r}"
            )
        if isinstance(value, list):
            value = tuple(value)
        resolved[name] = value
    check_embedding_memory(builder, resolved)
    return resolved
