"""ListOps (Nangia & Bowman, 2018), the Long Range Arena's long-sequence task, made by a
seeded generator.

An example is a nested expression over the digits 0-9 with four operators, written in
prefix form with a closing bracket, as in LRA: ``[MAX 2 9 [MIN 4 7 ] 0 ]`` is 9.

- ``[MAX``, ``[MIN``: the largest and smallest argument;
- ``[MED``: the median (the lower middle value, ``int(np.median)``, with an even count);
- ``[SM``: the sum modulo 10.

The label is the expression's value: 10 classes. The generator follows LRA's
(``listops.py`` in google-research/long-range-arena): an operator has 2 to ``max_args``
arguments, each a digit with probability 0.75 or a nested expression while the depth is
under ``max_depth``; expressions longer than ``max_length`` tokens (or shorter than
``min_length``) are drawn again. The outermost node is always an operator.
"""

from __future__ import annotations

import random
from typing import Any

import numpy as np

__all__ = ["OPERATORS", "evaluate_listops", "make_listops"]

#: The operator tokens.
OPERATORS = ("[MAX", "[MIN", "[MED", "[SM")
_CLOSE = "]"
_VALUE_P = 0.25  # LRA: a node is a value when random() > VALUE_P


def _tree(rng: random.Random, depth: int, max_depth: int, max_args: int) -> Any:
    r = rng.random() if 0 < depth < max_depth else (0.0 if depth == 0 else 1.0)
    if r > _VALUE_P:
        return rng.randrange(10)
    op = rng.choice(OPERATORS)
    args = [_tree(rng, depth + 1, max_depth, max_args) for _ in range(rng.randint(2, max_args))]
    return (op, args)


def _tokens(tree: Any, out: list[str]) -> list[str]:
    if isinstance(tree, int):
        out.append(str(tree))
    else:
        out.append(tree[0])
        for arg in tree[1]:
            _tokens(arg, out)
        out.append(_CLOSE)
    return out


def _value(tree: Any) -> int:
    if isinstance(tree, int):
        return tree
    op, args = tree
    values = [_value(a) for a in args]
    if op == "[MAX":
        return max(values)
    if op == "[MIN":
        return min(values)
    if op == "[MED":
        return int(np.median(values))
    return sum(values) % 10


def evaluate_listops(text: str) -> int:
    """Returns the value of one ListOps expression (its label), read with a stack.

    Args:
        text: space-separated tokens, e.g. ``"[MAX 2 9 [MIN 4 7 ] 0 ]"``.

    Returns:
        The value, 0-9.
    """
    stack: list[list[Any]] = []
    result: int | None = None
    for token in text.split():
        if token in OPERATORS:
            stack.append([token])
        elif token == _CLOSE:
            op, *args = stack.pop()
            value = _value((op, args))
            if stack:
                stack[-1].append(value)
            else:
                result = value
        elif stack:
            stack[-1].append(int(token))
        else:
            result = int(token)
    if result is None or stack:
        raise ValueError(f"evaluate_listops: not a complete expression: {text[:80]!r}")
    return result


def make_listops(
    n: int,
    *,
    max_length: int = 500,
    max_depth: int = 10,
    max_args: int = 10,
    min_length: int = 1,
    seed: int = 0,
) -> tuple[list[str], np.ndarray]:
    """Generates ``n`` ListOps expressions and their values.

    Args:
        n: the number of examples.
        max_length: the most tokens an expression may have (LRA: 2,000).
        max_depth: the deepest nesting (LRA: 10).
        max_args: the most arguments of an operator (LRA: 10).
        min_length: the fewest tokens (LRA: 500).
        seed: the generator's seed: the same seed gives the same examples.

    Returns:
        ``(texts, labels)``: space-separated expressions and int32 values 0-9.

    Example:

    ```python
    from keras_seqzoo.datasets import make_listops
    texts, labels = make_listops(1000, max_length=200, max_depth=6, seed=0)
    ```
    """
    for name, value in (("n", n), ("max_length", max_length), ("max_depth", max_depth),
                        ("max_args", max_args), ("min_length", min_length)):
        if not isinstance(value, int) or isinstance(value, bool) or value < (2 if name == "max_args" else 1):
            raise ValueError(
                f"make_listops: {name} must be a positive int{' >= 2' if name == 'max_args' else ''}. "
                f"Received: {name}={value!r}"
            )
    if max_length < 4 or min_length > max_length:
        raise ValueError(
            "make_listops: an expression has at least 4 tokens ('[MAX 1 2 ]'), so max_length "
            f"must be >= 4 and >= min_length. Received: max_length={max_length}, "
            f"min_length={min_length}"
        )
    rng = random.Random(seed)
    texts: list[str] = []
    labels: list[int] = []
    tries = 0
    while len(texts) < n:
        tries += 1
        if tries > 1000 * n + 10000:
            raise ValueError(
                f"make_listops: after {tries} draws, only {len(texts)} expressions had "
                f"{min_length}-{max_length} tokens; widen the range or change max_depth/max_args."
            )
        tree = _tree(rng, 0, max_depth, max_args)
        tokens = _tokens(tree, [])
        if min_length <= len(tokens) <= max_length:
            texts.append(" ".join(tokens))
            labels.append(_value(tree))
    return texts, np.asarray(labels, dtype=np.int32)
