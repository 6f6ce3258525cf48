"""Leaderboards of a ``tune`` folder: what each architecture reached, at what tuning cost.

:func:`~keras_seqzoo.comparison.tune` leaves, per architecture, a keras-tuner
search (``DIR/search/<model>/``) and the chosen configuration's runs over the
seeds (``DIR/trial_*/``). This module reads them through the modules that
already read them (:func:`keras_seqzoo.results.trials_table` for the searches,
:func:`~keras_seqzoo.comparison.report.summarize` for the seeds'
runs) and derives:

- :func:`leaderboard_rows`: one row per architecture: the chosen
  hyperparameters, validation mean, test mean ± std with its 95 % interval,
  parameters, seconds per epoch, and each search trial's score and seconds;
- :func:`expected_max`: the expected best validation score after ``n`` trials
  of the search (Dodge et al., 2019), and :func:`expected_max_curve` against
  ``n`` and against tuning seconds;
- :func:`pareto_front`: the architectures no other is both faster and better than;
- :func:`rank_table`: each architecture's rank per task;
- :func:`advice`: the cheapest architecture within the best one's 95 % interval;
- :func:`not_learned`: the architectures whose every seed stayed at the majority
  class's share of the test split (the chosen configuration never learned).

Example:

```python
from keras_seqzoo.comparison import leaderboard
rows = leaderboard.leaderboard_rows("docs/data/runs/c6/listops")
for row in rows:
    print(row["architecture"], row["test_mean"], leaderboard.expected_max(
        row["search_scores"], 4))
```
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any, Mapping, Sequence

from keras_seqzoo._values import is_finite

__all__ = [
    "LEADERBOARD_FILE",
    "advice",
    "expected_max",
    "expected_max_curve",
    "leaderboard_rows",
    "not_learned",
    "pareto_front",
    "rank_table",
    "search_trials",
]

#: Each task's leaderboard, in its tune folder.
LEADERBOARD_FILE = "leaderboard.json"

_METHODS = ("dodge", "unbiased")


def _check_scores(scores: Sequence[Any], where: str) -> list[float]:
    values = [float(s) for s in scores if is_finite(s)]
    if not values:
        raise ValueError(f"{where}: scores must hold at least one finite number (one per "
                         f"trial). Received: scores={list(scores)!r}")
    return sorted(values)


def expected_max(scores: Sequence[float], n: int, *, method: str = "dodge",
                 maximize: bool = True) -> float:
    """The expected best validation score of ``n`` trials, from the ``N`` trials run.

    Dodge et al., "Show Your Work: Improved Reporting of Experimental Results"
    (EMNLP 2019), treat the ``N`` observed scores as the distribution of one
    trial and draw ``n`` trials with replacement: with the scores sorted
    ``v_(1) <= ... <= v_(N)``,

    ``E[max of n] = sum_i v_(i) * ((i / N) ** n - ((i - 1) / N) ** n)``.

    ``method="unbiased"`` draws without replacement (Tang et al., "Showing Your
    Work Doesn't Always Work", ACL 2020, give it as an unbiased estimator of the
    expected maximum of ``n`` of the ``N`` trials):
    ``sum_i v_(i) * (C(i, n) - C(i - 1, n)) / C(N, n)``, defined for ``n <= N``.
    At ``n = 1`` both are the mean score, at ``n = N`` the unbiased one is the
    best score while Dodge's stays below it.

    Args:
        scores: one score per trial (non-finite ones, failed trials, are left out).
        n: the number of trials (>= 1; <= the number of scores for ``"unbiased"``).
        method: ``"dodge"`` (with replacement) or ``"unbiased"`` (without).
        maximize: ``False`` for a score to minimise (a loss): the expected minimum.

    Returns:
        The expected best score.

    Raises:
        ValueError: no finite score, a bad ``n`` or an unknown method.

    Example:

    ```python
    expected_max([0.80, 0.90], 2)  # 0.80 * 1/4 + 0.90 * 3/4 = 0.875
    ```
    """
    if method not in _METHODS:
        raise ValueError(f"expected_max: method must be one of {_METHODS}. "
                         f"Received: method={method!r}")
    values = _check_scores(scores, "expected_max")
    if not maximize:
        values = sorted(-v for v in values)
    total = len(values)
    if isinstance(n, bool) or not isinstance(n, int) or n < 1 or (
            method == "unbiased" and n > total):
        allowed = f"1..{total}" if method == "unbiased" else ">= 1"
        raise ValueError(f"expected_max: n must be an integer {allowed} (trials drawn). "
                         f"Received: n={n!r}")
    if method == "dodge":
        weights = [(i / total) ** n - ((i - 1) / total) ** n for i in range(1, total + 1)]
    else:
        ways = math.comb(total, n)
        weights = [(math.comb(i, n) - math.comb(i - 1, n)) / ways for i in range(1, total + 1)]
    value = math.fsum(w * v for w, v in zip(weights, values))
    return value if maximize else -value


def expected_max_curve(scores: Sequence[float], seconds: Sequence[float] | None = None, *,
                       method: str = "dodge", maximize: bool = True) -> dict[str, Any]:
    """The expected best score after 1..N trials, and the tuning seconds they cost.

    The seconds of ``n`` trials are ``n`` times the mean seconds of a trial
    (the expected cost of ``n`` trials drawn from the ``N``), so a slow
    architecture's curve is stretched to the right.

    Args:
        scores: one score per trial.
        seconds: each trial's seconds (same order); ``None`` or no finite value:
            no seconds in the result.
        method: as for :func:`expected_max`.
        maximize: as for :func:`expected_max`.

    Returns:
        ``{"trials": [1..N], "expected": [...], "seconds": [...] or None}``.

    Example:

    ```python
    expected_max_curve([0.8, 0.9], [10.0, 30.0])
    # {'trials': [1, 2], 'expected': [0.85, 0.875], 'seconds': [20.0, 40.0]}
    ```
    """
    values = _check_scores(scores, "expected_max_curve")
    trials = list(range(1, len(values) + 1))
    curve = [expected_max(values, n, method=method, maximize=maximize) for n in trials]
    timed = [float(s) for s in seconds or [] if is_finite(s) and float(s) > 0]
    per_trial = math.fsum(timed) / len(timed) if timed else None
    return {"trials": trials, "expected": curve,
            "seconds": [n * per_trial for n in trials] if per_trial else None}


def pareto_front(points: Mapping[str, tuple[float, float]], *,
                 maximize: bool = True) -> list[str]:
    """The labels no other point beats in both: fewer seconds and a better score.

    Args:
        points: label -> ``(seconds, score)``; points with a non-finite value are
            left out.
        maximize: whether a higher score is better.

    Returns:
        The front's labels, fastest first.

    Example:

    ```python
    pareto_front({"a": (1.0, 0.80), "b": (2.0, 0.85), "c": (3.0, 0.84)})  # ['a', 'b']
    ```
    """
    from keras_seqzoo.results import _pareto  # one Pareto rule for trials and leaderboards

    usable = [(float(s), float(v), label) for label, (s, v) in points.items()
              if is_finite(s) and is_finite(v)]
    return [label for _, _, label in _pareto(usable, maximize)]


def search_trials(directory: str | os.PathLike) -> dict[str, Any]:
    """One architecture's search, as :func:`keras_seqzoo.results.trials_table` reads it.

    Args:
        directory: the keras-tuner project (``DIR/search/<model>``).

    Returns:
        ``{"scores": [...], "seconds": [...], "trials": N}``: each completed
        trial's score (the objective) and seconds (its steady seconds per epoch
        times its epochs, ``None`` when the trial was not timed), in trial order.
    """
    from keras_seqzoo.results import trials_table

    table = trials_table(directory)
    scores, seconds = [], []
    for _, row in table.iterrows():
        if row.get("status") != "COMPLETED" or not is_finite(row.get("objective")):
            continue
        scores.append(float(row["objective"]))
        per_epoch, epochs = row.get("seconds_per_epoch"), row.get("epochs")
        seconds.append(float(per_epoch) * float(epochs)
                       if is_finite(per_epoch) and is_finite(epochs) else None)
    return {"scores": scores, "seconds": seconds, "trials": len(scores),
            "objective": table.attrs.get("objective")}


def _number(value: Any) -> float | None:
    return float(value) if is_finite(value) else None


def leaderboard_rows(directory: str | os.PathLike, *, metric: str = "accuracy",
                     extra_metrics: Sequence[str] = ()) -> list[dict[str, Any]]:
    """One row per architecture of a ``tune`` folder, ranked by validation.

    Args:
        directory: a folder written by :func:`~keras_seqzoo.comparison.tune`.
        metric: the metric of ``val_mean`` and ``test_*`` (``"accuracy"``).
        extra_metrics: more test metrics to report as ``test_<name>`` (mean),
            ``test_<name>_std`` and ``test_<name>_ci95``, e.g. ``("f1",)`` for the
            positive class' F1, ``("macro_f1",)`` for F1 averaged over the classes.

    Returns:
        Rows with ``architecture``, ``rank`` (by validation), ``trials`` (scored
        search trials), ``seeds``, ``hyperparameters`` (the chosen builder
        arguments), ``val_mean`` (validation at each seed's best epoch, mean),
        ``test_mean``, ``test_std``, ``test_ci95`` (half-width), ``params``,
        ``seconds_per_epoch`` (the seeds' steady state, mean), ``search_best``,
        ``search_scores`` and ``search_seconds`` (per trial) and
        ``tuning_seconds`` (their sum, ``None`` when a trial was not timed).
        Architectures whose seeds have not all finished (one under way when a
        sitting stopped, say) are left out.

    Example:

    ```python
    from keras_seqzoo.comparison.leaderboard import leaderboard_rows
    for row in leaderboard_rows("runs/tuned"):
        print(row["rank"], row["architecture"], row["test_mean"], row["test_ci95"])
    ```
    """
    from keras_seqzoo.comparison.report import summarize
    from keras_seqzoo.comparison.search import TUNED_FILE

    directory = Path(directory)
    tuned_path = directory / TUNED_FILE
    tuned = json.loads(tuned_path.read_text(encoding="utf-8")) if tuned_path.exists() else {}
    rows = []
    for summary in summarize(directory) if directory.is_dir() else []:
        if summary.get("status") != "finished":  # a seed under way, stopped or failed
            continue
        name = summary["model"]
        search_dir = directory / "search" / name
        search: dict[str, Any] = search_trials(search_dir) if search_dir.is_dir() else {
            "scores": [], "seconds": [], "trials": 0}
        timed = [s for s in search["seconds"] if s is not None]
        row = {
            "architecture": name,
            "rank": summary.get("rank"),
            "trials": search["trials"],
            "seeds": summary["seeds"],
            "hyperparameters": dict((tuned.get(name) or {}).get("arguments") or {}),
            "val_mean": _number(summary.get(f"val_{metric}")),
            "test_mean": _number(summary.get(f"test_{metric}")),
            "test_std": _number(summary.get(f"test_{metric}_std")),
            "test_ci95": _number(summary.get(f"test_{metric}_ci95")),
            "test_by_seed": [_number(v) for v in summary.get(f"test_{metric}_by_seed") or []],
            "params": summary.get("params"),
            "seconds_per_epoch": _number(summary.get("seconds_per_epoch")),
            "search_best": max(search["scores"]) if search["scores"] else None,
            "search_scores": search["scores"],
            "search_seconds": search["seconds"],
            "tuning_seconds": (math.fsum(timed) if search["seconds"]
                               and len(timed) == len(search["seconds"]) else None),
        }
        for extra in extra_metrics:
            for suffix in ("", "_std", "_ci95"):
                row[f"test_{extra}{suffix}"] = _number(summary.get(f"test_{extra}{suffix}"))
        rows.append(row)
    # Ranked here, over the rows kept: summarize ranks only when every run it reads is
    # finished under the sound protocol, so a seed under way elsewhere left it unranked.
    rows.sort(key=lambda r: -r["val_mean"] if r["val_mean"] is not None else math.inf)
    for rank, row in enumerate(rows, 1):
        row["rank"] = rank
    return rows


def rank_table(leaderboards: Mapping[str, Sequence[Mapping[str, Any]]], *,
               key: str = "test_mean") -> dict[str, dict[str, float | None]]:
    """Each architecture's rank per task (1 is best), ties sharing their mean rank.

    Args:
        leaderboards: task -> its :func:`leaderboard_rows`.
        key: the column ranked, higher is better (``"test_mean"``).

    Returns:
        architecture -> {task: rank or ``None`` (not on that leaderboard), ...,
        ``"mean"``: the mean of its ranks}; architectures by mean rank.

    Example:

    ```python
    rank_table({"a": [{"architecture": "x", "test_mean": 0.9},
                      {"architecture": "y", "test_mean": 0.8}]})
    # {'x': {'a': 1.0, 'mean': 1.0}, 'y': {'a': 2.0, 'mean': 2.0}}
    ```
    """
    table: dict[str, dict[str, float | None]] = {}
    for task, rows in leaderboards.items():
        scored = [(float(r[key]), str(r["architecture"])) for r in rows if is_finite(r.get(key))]
        for score, name in scored:
            better = sum(1 for s, _ in scored if s > score)
            equal = sum(1 for s, _ in scored if s == score)
            table.setdefault(name, {})[task] = better + (equal + 1) / 2
    for name, ranks in table.items():
        for task in leaderboards:
            ranks.setdefault(task, None)
        values = [r for r in ranks.values() if r is not None]
        ranks["mean"] = math.fsum(values) / len(values)
    return dict(sorted(table.items(), key=lambda item: (item[1]["mean"], item[0])))


def advice(rows: Sequence[Mapping[str, Any]],
           extra_metrics: Sequence[str] = ()) -> dict[str, Any] | None:
    """What a leaderboard supports: the best test mean, and the cheapest that matches it.

    "Matches" means a test mean inside the best architecture's 95 % interval
    (its mean minus ``test_ci95``, or minus ``test_std`` when there is no
    interval); "cheapest" the fewest seconds per epoch.

    Each extra metric (``test_<name>`` in the rows, e.g. ``macro_f1`` where small
    classes count as much as large ones) is checked the same way: where the
    architecture to start with falls below the best's interval on it, the
    sentence says so and names the cheapest architecture inside that interval.

    Args:
        rows: :func:`leaderboard_rows`.
        extra_metrics: the extra test metrics the rows hold (a leaderboard's
            ``extra_metrics``).

    Returns:
        A dict with ``best`` (the best test mean's architecture), ``start_with``
        (the cheapest within its interval), ``within`` (the margin used),
        ``extra`` (metric -> ``{"best", "start_with", "within"}`` where the
        architecture to start with falls short on it) and ``sentence``; ``None``
        without a tested row.

    Example:

    ```python
    advice([{"architecture": "bilstm", "test_mean": 0.90, "test_ci95": 0.01,
             "seconds_per_epoch": 40.0},
            {"architecture": "fasttext", "test_mean": 0.895, "test_ci95": 0.01,
             "seconds_per_epoch": 2.0}])["start_with"]  # 'fasttext'
    ```
    """
    found = _cheapest_within_best(rows, "test_mean")
    if found is None:
        return None
    best, start, margin = found
    name, first = str(best["architecture"]), str(start["architecture"])
    if first == name:
        sentence = (f"Start with {first}: it has the best test mean ({best['test_mean']:.4f}) "
                    "and no architecture within its 95 % interval is faster.")
        slower = sorted((r for r in rows if r is not best and is_finite(r.get("test_mean"))
                         and float(r["test_mean"]) >= float(best["test_mean"]) - margin),
                        key=lambda r: -float(r["test_mean"]))
        if slower and is_finite(best.get("seconds_per_epoch")):  # a near tie, at what cost
            sentence = sentence[:-1] + " (" + "; ".join(
                f"{r['architecture']}, {float(r['test_mean']):.4f}, is within it at "
                + (f"{float(r['seconds_per_epoch']):.1f} s per epoch"
                   if is_finite(r.get("seconds_per_epoch")) else "untimed seconds")
                for r in slower) + f", against {float(best['seconds_per_epoch']):.1f} s)."
    else:
        sentence = (f"Start with {first}: its test mean ({start['test_mean']:.4f}) is within "
                    f"the 95 % interval of the best, {name} ({best['test_mean']:.4f} "
                    f"± {margin:.4f}), at {start['seconds_per_epoch']:.1f} s per epoch"
                    + (f" against {best['seconds_per_epoch']:.1f} s."
                       if is_finite(best.get("seconds_per_epoch")) else "."))
    extra: dict[str, dict[str, Any]] = {}
    for metric in extra_metrics:
        key = f"test_{metric}"
        found = _cheapest_within_best(rows, key)
        if found is None or not is_finite(start.get(key)):
            continue
        top, cheapest, within = found
        if float(start[key]) >= float(top[key]) - within:
            continue
        extra[metric] = {"best": str(top["architecture"]),
                         "start_with": str(cheapest["architecture"]), "within": within}
        label = metric_name(metric) + _METRIC_MEANINGS.get(metric, "")
        sentence += (f" By test {label}, though, {first} ({float(start[key]):.4f}) is below "
                     f"the 95 % interval of the best, {top['architecture']} "
                     f"({float(top[key]):.4f} ± {within:.4f})")
        if cheapest is top:
            sentence += ", and no architecture within it is faster."
        else:
            sentence += (f"; the cheapest within it is {cheapest['architecture']} "
                         f"({float(cheapest[key]):.4f}"
                         + (f", {float(cheapest['seconds_per_epoch']):.1f} s per epoch)."
                            if is_finite(cheapest.get("seconds_per_epoch")) else ")."))
    return {"best": name, "start_with": first, "within": margin, "extra": extra,
            "sentence": sentence}


def metric_name(metric: str) -> str:
    """A metric's name for people: ``"macro_f1"`` -> ``"macro F1"``, ``"f1"`` -> ``"F1"``."""
    return " ".join("F1" if word == "f1" else word for word in metric.split("_"))


#: What :func:`advice` adds after an extra metric's name in its sentence.
_METRIC_MEANINGS = {"macro_f1": " (every class counts the same)",
                    "f1": " of the positive class"}


def _cheapest_within_best(rows: Sequence[Mapping[str, Any]], key: str
                          ) -> tuple[Mapping[str, Any], Mapping[str, Any], float] | None:
    """The best row by ``key``, the fastest row within its 95 % interval, and that margin.

    The margin is the best row's ``<key>_ci95`` half-width (``test_ci95`` for
    ``test_mean``), else its standard deviation, else 0.
    """
    scored = [r for r in rows if is_finite(r.get(key))]
    if not scored:
        return None
    best = max(scored, key=lambda r: float(r[key]))
    stem = "test" if key == "test_mean" else key
    margin = next((float(best[k]) for k in (f"{stem}_ci95", f"{stem}_std")
                   if is_finite(best.get(k))), 0.0)
    close = [r for r in scored if float(r[key]) >= float(best[key]) - margin]
    timed = [r for r in close if is_finite(r.get("seconds_per_epoch"))]
    start = min(timed, key=lambda r: float(r["seconds_per_epoch"])) if timed else best
    return best, start, margin


def not_learned(rows: Sequence[Mapping[str, Any]],
                label_counts: Mapping[str, Sequence[int]]) -> list[dict[str, Any]]:
    """The architectures whose every seed's test accuracy is the majority class's share.

    A model that predicts one class for every example scores exactly that share; a
    chosen configuration can do this on every seed although its search trial learned
    (one run). Read with accuracy leaderboards only.

    Args:
        rows: :func:`leaderboard_rows` (accuracy as the metric), with ``test_by_seed``
            and ``search_scores``.
        label_counts: examples per class in each split (a leaderboard's
            ``data["label_counts"]``), with ``"test"`` and ``"validation"``.

    Returns:
        One dict per such architecture: ``architecture``, ``share`` (the test split's
        majority share), ``search_best``, ``search_at_share`` (search trials whose
        validation score is at most the validation split's majority share) and
        ``trials`` (search trials with a score).

    Example:

    ```python
    not_learned(board["rows"], board["data"]["label_counts"])
    ```
    """
    def share(split: str) -> float | None:
        counts = [int(c) for c in label_counts.get(split) or []]
        return max(counts) / sum(counts) if counts and sum(counts) else None

    test_share, validation_share = share("test"), share("validation")
    if test_share is None:
        return []
    found = []
    for row in rows:
        seeds = [float(v) for v in row.get("test_by_seed") or [] if is_finite(v)]
        if not seeds or max(seeds) > test_share + 1e-6:
            continue
        scores = [float(v) for v in row.get("search_scores") or [] if is_finite(v)]
        found.append({
            "architecture": str(row["architecture"]), "share": test_share,
            "search_best": max(scores) if scores else None,
            "search_at_share": (sum(1 for v in scores if v <= validation_share + 1e-6)
                                if validation_share is not None else None),
            "trials": len(scores)})
    return found
