"""How much of each C6 task's validation and test texts is already in its training texts.

On 20 Newsgroups every architecture's test score is 0.10 or more below its validation score.
The bydate split tests on posts written after the training posts, and C6 validates on a
seeded, stratified tenth of the training posts: replies quote the posts they answer, and a
thread's posts are in one newsgroup. This script measures that, on the texts exactly as C6
encodes them (the task's word ids, first ``max_length`` tokens):

- **seen**: the share of a text's word 8-grams (padding and out-of-vocabulary ids left
  out) that occur in some training text; the median over the split, and the share of
  texts with at least half of their 8-grams seen;
- **nearest training text**: the label of the training text that shares the most 8-grams
  with it, as a classifier (a text sharing none counts as wrong): how far copying from
  the training texts alone gets on each split.

A split with more seen text than the test split rewards memorising the training texts,
so its scores overestimate the test's.

Run (IMDB from ``$KERAS_SEQZOO_IMDB``, the named data sets from ``$KERAS_SEQZOO_TEXT_DATA``,
as C6 reads them; under a second on SMS spam, about 10 s on 20 Newsgroups, 100 s and
1.3 GB on IMDB):

```bash
KERAS_SEQZOO_IMDB=/path/to/aclImdb_v1.tar.gz KERAS_SEQZOO_TEXT_DATA=/path/to/text \\
    python -m benchmarks.investigations.split_overlap \\
    --json docs/data/benchmarks/split_overlap.json \\
    --text docs/data/benchmarks/split_overlap.txt
```

``--quick`` measures SMS spam only.
"""

from __future__ import annotations

import argparse
import collections
import os
import platform
from typing import Any

import numpy as np

os.environ.setdefault("KERAS_BACKEND", "jax")

from benchmarks import harness  # noqa: E402  (after the backend is chosen)

MODULE = "benchmarks.investigations.split_overlap"
#: The C6 tasks read from files (ListOps is generated).
TASKS = ("imdb", "20newsgroups", "reuters_r8", "sms_spam")
#: Word n-grams of this length count as copied text.
N = 8
#: Ids that are not words: padding and the out-of-vocabulary token.
_NOT_WORDS = (0, 1)


def shingles(ids: np.ndarray, n: int = N) -> set[bytes]:
    """The word n-grams of one encoded text that hold no padding or out-of-vocabulary id."""
    ids = np.asarray(ids, dtype=np.int32)
    bad = np.isin(ids, _NOT_WORDS)
    return {ids[i:i + n].tobytes() for i in range(len(ids) - n + 1) if not bad[i:i + n].any()}


def overlap(x_train: np.ndarray, y_train: np.ndarray, x: np.ndarray, y: np.ndarray,
            n: int = N) -> dict[str, Any]:
    """How much of the texts ``x`` (labels ``y``) is in the training texts.

    Args:
        x_train, y_train: the training texts' word ids and labels.
        x, y: the texts measured and their labels.
        n: the n-gram length.

    Returns:
        ``texts``; ``median_seen`` (the median share of a text's n-grams found in some
        training text; texts without an n-gram count as 0); ``half_seen`` (the share of
        texts with at least half of their n-grams seen); ``any_seen``;
        ``nearest_accuracy`` (the accuracy of the label of the training text sharing
        the most n-grams, first such text on a tie; no shared n-gram is wrong).

    Example:

    ```python
    overlap(x_train, y_train, x_validation, y_validation)["median_seen"]
    ```
    """
    index: dict[bytes, list[int]] = collections.defaultdict(list)
    for i, row in enumerate(x_train):
        for shingle in shingles(row, n):
            index[shingle].append(i)
    seen, right = [], 0
    for row, label in zip(x, y):
        own = shingles(row, n)
        found = [s for s in own if s in index]
        seen.append(len(found) / len(own) if own else 0.0)
        votes = collections.Counter(i for s in found for i in index[s])
        if votes:
            nearest = min(votes, key=lambda i: (-votes[i], i))
            right += int(y_train[nearest] == label)
    share = np.asarray(seen)
    return {"texts": len(share), "median_seen": float(np.median(share)),
            "half_seen": float(np.mean(share >= 0.5)), "any_seen": float(np.mean(share > 0)),
            "nearest_accuracy": right / max(len(share), 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", nargs="+", choices=TASKS, default=list(TASKS))
    harness.add_output_flags(parser)
    args = parser.parse_args()
    if args.quick:
        args.tasks = ["sms_spam"]
    recording = harness.Recording(MODULE)

    from keras_seqzoo.comparison.c6 import TASKS as C6_TASKS

    lines = [f"Word {N}-grams of each split's texts (C6's encoding) found in the training texts",
             f"{'task':<13} {'split':<10} {'texts':>6} {'median seen':>11} {'half seen':>9} "
             f"{'any seen':>8} {'nearest acc':>11}"]
    results = []
    for key in args.tasks:
        task = C6_TASKS[key]
        (x_train, y_train), (x_val, y_val), (x_test, y_test) = task.load().numpy()
        for split, x, y in (("validation", x_val, y_val), ("test", x_test, y_test)):
            row = {"task": key, "split": split, "max_length": task.max_length,
                   "vocab_size": task.vocab_size,
                   **overlap(x_train, y_train, x, y)}
            results.append(row)
            lines.append(f"{key:<13} {split:<10} {row['texts']:>6} {row['median_seen']:>11.3f} "
                         f"{row['half_seen']:>9.3f} {row['any_seen']:>8.3f} "
                         f"{row['nearest_accuracy']:>11.3f}")
            print(lines[-1], flush=True)
    found = harness.versions()
    lines += ["", f"# {recording.command}",
              f"# {harness.cpu_model()}, {os.cpu_count()} cores, Python "
              f"{platform.python_version()}, Keras {found['keras']}"]
    recording.finish(args, text="\n".join(lines) + "\n",
                     payload={"n": N, "results": results, "versions": found})


if __name__ == "__main__":
    main()
