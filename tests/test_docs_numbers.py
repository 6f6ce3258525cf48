"""Figures in the docs' prose agree with the recordings they come from.

A figure in ``docs/**/*.rst`` or ``README.md`` that comes from a recording
(``docs/data/runs/**``, ``docs/data/benchmarks/**``) is either

- rendered from its data file at build time by the ``:seqzoo-value:`` role of
  ``docs/_ext/seqzoo_docs.py`` (every role on every page must resolve: checked here
  without Sphinx, and by the ``-W`` build), or
- typed in the prose and listed in :data:`CLAIMS` below: a phrase with ``{}`` fields and,
  for each field, where its value comes from (a ``:seqzoo-value:`` specification, or a
  function of the data for a derived figure such as a range or a count). The phrase, with
  the values computed from the data now, must appear in the file (whitespace and line
  breaks do not matter), so a figure that drifts from its data fails here with the
  phrase the page should carry and the one it carries.

:func:`check_claims` is tested on a planted wrong figure, both in the prose and in a data
file, so the check itself is known to fail when it should.
"""

from __future__ import annotations

import json
import math
import re
import statistics
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

import pytest

from tests.helpers import seqzoo_docs as load_seqzoo_docs

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
DATA = DOCS / "data"

seqzoo_docs = load_seqzoo_docs()  # the docs' extension: the same resolver the pages use

pytestmark = pytest.mark.one_backend

ROLE = re.compile(r":seqzoo-value:`([^`]+)`")


# --------------------------------------------------------------------------- the data


class Data:
    """Reads the recordings under one ``docs/data`` folder (the real one, or a test copy)."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def value(self, spec: str) -> str:
        return seqzoo_docs.data_value(spec, self.root)[0]

    def rows(self, experiment: str) -> dict[str, dict[str, Any]]:
        return seqzoo_docs.comparison_rows(self.root / "runs", experiment)

    def history(self, experiment: str, model: str, seed: int = 0) -> list[dict[str, Any]]:
        from keras_seqzoo.callbacks import read_history
        from keras_seqzoo.comparison import model_runs

        return read_history(model_runs(self.root / "runs" / experiment)[model][seed])

    def run(self, experiment: str, model: str, seed: int = 0) -> dict[str, Any]:
        from keras_seqzoo.callbacks import read_run
        from keras_seqzoo.comparison import model_runs

        return read_run(model_runs(self.root / "runs" / experiment)[model][seed])

    def json(self, name: str) -> Any:
        return json.loads((self.root / "benchmarks" / name).read_text(encoding="utf-8"))

    def rows_of(self, name: str, **where: str) -> list[dict[str, Any]]:
        return [r for r in self.json(name)["rows"]
                if all(str(r.get(k)) == v for k, v in where.items())]

    def one(self, name: str, **where: str) -> dict[str, Any]:
        found = self.rows_of(name, **where)
        assert len(found) == 1, (name, where, len(found))
        return found[0]

    def text(self, name: str) -> str:
        return (self.root / "benchmarks" / name).read_text(encoding="utf-8")


Value = str | Callable[[Data], Any]


@dataclass(frozen=True)
class Claim:
    """A phrase of ``path`` whose ``{}`` fields are figures from the recordings."""

    path: str
    phrase: str
    values: tuple[Value, ...]

    def expected(self, data: Data) -> str:
        texts = []
        for value in self.values:
            texts.append(data.value(value) if isinstance(value, str) else str(value(data)))
        return self.phrase.format(*texts)


def C(path: str, phrase: str, *values: Value) -> Claim:
    return Claim(path, phrase, tuple(values))


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _pattern(phrase: str) -> re.Pattern:
    """The phrase with every field as "some figure": to show what the page says instead."""
    parts = [re.escape(re.sub(r"\s+", " ", p)) for p in phrase.split("{}")]
    return re.compile(r"[-0-9.,x%]+(?:\s(?:and|or)\s[-0-9.,]+)*".join(parts))


def check_claims(texts: dict[str, str], claims: Sequence[Claim], data: Data) -> list[str]:
    """The claims whose phrase, filled from ``data``, is not in their file's text."""
    problems = []
    for claim in claims:
        expected = claim.expected(data)
        text = texts[claim.path]
        if _squash(expected) in _squash(text):
            continue
        found = _pattern(claim.phrase).search(_squash(text))
        problems.append(
            f"{claim.path}: the data says {_squash(expected)!r}; "
            + (f"the page says {found.group(0)!r}" if found else "the phrase is not there")
        )
    return problems


# --------------------------------------------------------------------------- derived figures


def pct(value: float, digits: int = 1) -> str:
    return f"{100 * value:.{digits}f}"


def spread(values: Sequence[float], fmt: str = ".1f", scale: float = 1.0) -> str:
    low, high = min(values) * scale, max(values) * scale
    return f"{low:{fmt}}-{high:{fmt}}"


def words(n: int) -> str:
    return ("zero one two three four five six seven eight nine ten").split()[n]


def epochs_where(history, key, predicate, start=1):
    return [r for r in history if r["epoch"] + 1 >= start and predicate(r[key])]


T1, T2 = "bilstm.imdb_subwords8k", "stacked_bilstm.imdb_subwords8k"
POOL, LSTM24 = "embedding_pooling.imdb_words10k", "bilstm.imdb_words10k_dense24"
FLAT, LSTM, GRU, CNN = ("embedding_flatten.imdb_words10k", "bilstm.imdb_words10k",
                        "bigru.imdb_words10k", "conv1d.imdb_words10k")
NEW = {"fastText": "fasttext.imdb_words10k", "TCN": "tcn.imdb_words10k",
       "minGRU": "mingru.imdb_words10k", "Transformer encoder": "transformer_encoder.imdb_words10k",
       "BiGRU with attention": "bigru_attention.imdb_words10k"}


def _c1_swing(d: Data) -> str:
    values = [r["val_accuracy"] for r in d.history("c1", T1) if 2 <= r["epoch"] + 1 <= 7]
    return f"{100 * min(values):.0f} % and {100 * max(values):.0f} %"


def _c2_steady(d: Data, model: str, start: int) -> str:
    values = [r["val_accuracy"] for r in d.history("c2", model) if r["epoch"] + 1 >= start]
    return f"{math.floor(100 * min(values))} % and {math.ceil(100 * max(values))} %"


def _first_above(d: Data, model: str, threshold: float = 0.99) -> int:
    return next(r["epoch"] + 1 for r in d.history("c2", model) if r["accuracy"] > threshold)


def _c3_phases(d: Data) -> str:
    times = [r["epoch_time"] for r in d.history("c3", LSTM24) if r["epoch"] > 0]
    cut = statistics.fmean([min(times), max(times)])
    fast, slow = [t for t in times if t < cut], [t for t in times if t >= cut]
    return (f"{spread(fast)} s in {words(len(fast))} epochs and {spread(slow)} s in "
            f"{words(len(slow))}")


def _final(d, exp, models, key):
    return [d.history(exp, m)[-1][key] for m in models]


def _head_rows(d: Data) -> dict[tuple[str, str], list[tuple[int, float, float, int]]]:
    rows: dict = {}
    for line in d.text("head_collapse.txt").splitlines():
        match = re.match(r"(\S+)\s+(relu|leaky_relu|gelu)\s+(\d+)\s+([\d.]+)\s+([\d.]+)\s+(\d+) of 6",
                         line)
        if match:
            preset, head, seed, loss, acc, silent = match.groups()
            rows.setdefault((preset, head), []).append(
                (int(seed), float(loss), float(acc), int(silent)))
    return rows


def _never_learned(runs) -> int:
    # Stuck at chance: accuracy on the probe reviews at a coin flip's (a constant output).
    return sum(1 for _, _, acc, _ in runs if acc < 0.55)


def _head_row(preset: str, head: str):
    def value(d: Data) -> str:
        runs = _head_rows(d)[(preset, head)]
        never = _never_learned(runs)
        lowest = min(acc for _, _, acc, _ in runs)
        return f"{never} - {lowest:.3f}"
    return value


def _head_silent(preset: str, head: str):
    return lambda d: f"{sum(s for *_, s in _head_rows(d)[(preset, head)])} of {6 * 8}"


def _seed_acc(preset, head, seed):
    return lambda d: f"{next(a for s, _, a, _ in _head_rows(d)[(preset, head)] if s == seed):.3f}"


def _within_two(model: str):
    def value(d: Data) -> str:
        from keras_seqzoo.comparison import model_runs
        from keras_seqzoo.callbacks import read_history

        best = [max(r["val_accuracy"] for r in read_history(folder) if r["epoch"] < 2)
                for folder in model_runs(d.root / "runs" / "c5")[model]]
        return ", ".join(f"{b:.3f}" for b in best)
    return value


def _xla_rounds(d: Data) -> str:
    rows = d.rows_of("epoch_times_xla_rnn.json", model="T5 BiLSTM(32)")
    medians = [1000 * statistics.median(r["seconds_per_step_by_round"]) for r in rows]
    slow = [1000 * t for r in rows for t in r["seconds_per_step_by_round"] if t > 0.035]
    return f"about {statistics.fmean(medians):.0f} ms per step with occasional {spread(slow, '.0f')} ms"


def _bench(model, config, written, key="seconds_per_epoch", fmt=".1f", name="epoch_times.json"):
    return lambda d: format(d.one(name, model=model, config=config, written=written)[key], fmt)


def _ratios(name, where, key="builder_vs_handwritten"):
    def values(d: Data) -> list[float]:
        return [r[key] for r in d.rows_of(name, **where) if r.get(key) is not None]
    return values


def _twins(model, backend, way, key, fmt=".2f", name="torch_twins.json", scale=1.0):
    return lambda d: format(d.one(name, model=model, backend=backend, way=way)[key] * scale, fmt)


def _fastest_backends(d: Data) -> dict[str, str]:
    """Each architecture's fastest backend in the one-run twins table, from its JSON: the
    default path's (way seqzoo) lowest best-epoch ratio to plain PyTorch."""
    best: dict[str, tuple[float, str]] = {}
    for row in d.rows_of(TTA, way="seqzoo"):
        if row["architecture"] not in best or row["ratio_best"] < best[row["architecture"]][0]:
            best[row["architecture"]] = (row["ratio_best"], row["backend"])
    return {name: backend for name, (_, backend) in best.items()}


def _fastest_on(backend: str) -> Callable[[Data], str]:
    return lambda d: ", ".join(sorted(n for n, b in _fastest_backends(d).items() if b == backend))


def _overhead(name: str, backend: str, column: int) -> Callable[[Data], str]:
    def value(d: Data) -> str:
        for line in d.text(name).splitlines():
            if line.split()[:1] == [backend]:
                return line.split()[column].replace("ms", "")
        raise AssertionError(f"no {backend} row in {name}")
    return value


def _md_row(name: str, variant: str, column: int) -> Callable[[Data], str]:
    def value(d: Data) -> str:
        for line in d.text(name).splitlines():
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if cells and cells[0] == variant:
                return cells[column]
        raise AssertionError(f"no {variant} row in {name}")
    return value


def _pipeline(encoding: str, key: str, fmt: str = ".1f", scale: float = 1.0):
    def value(d: Data) -> str:
        row = next(r for r in d.json("data_pipeline.json")["results"] if r["encoding"] == encoding)
        return format(row[key] * scale if scale != 1.0 else row[key], fmt)
    return value


def _speedup(encoding: str, fmt: str):
    def value(d: Data) -> str:
        row = next(r for r in d.json("data_pipeline.json")["results"] if r["encoding"] == encoding)
        return format(row["first_load_s"] / row["reload_s"], fmt)
    return value


def _c6_complete() -> list[str]:
    """The C6 tasks whose recorded leaderboard has every registered architecture."""
    folder = ROOT / "docs" / "data" / "runs" / "c6"
    return sorted(p.parent.name for p in folder.glob("*/leaderboard.json")
                  if json.loads(p.read_text()).get("complete"))


def _c6_redone(d: Data) -> str:
    """Where the tasks recorded before masking are recorded again, as the README says it:
    "done on A and B" with ", under way on C" while some are not complete."""
    before = json.loads((d.root / "runs" / "c6" / "before_masking.json").read_text())["tasks"]
    complete = _c6_complete()
    done = [_C6_NAMES[t] for t in complete if t in before]
    pending = [_C6_NAMES[t] for t in sorted(before) if t not in complete]
    text = "done on " + seqzoo_docs.join_and(sorted(done)) if done else "not done yet"
    return text + (", under way on " + seqzoo_docs.join_and(pending) if pending else "")


def _c6_devices(d: Data) -> str:
    """"this CPU" if every C6 task is recorded and every recording's devices are CPUs only."""
    boards = [_c6_leaderboard(d, task) for task in _C6_NAMES]
    devices = sorted({device for board in boards for device in board["machine"]["devices"]})
    return "this CPU" if all(x.startswith("cpu") for x in devices) else ", ".join(devices)


#: The C6 tasks' names as the README's prose gives them.
_C6_NAMES = {"imdb": "IMDB", "20newsgroups": "20 Newsgroups", "reuters_r8": "Reuters R8",
             "sms_spam": "SMS spam", "listops": "ListOps"}


def _c6_sittings(task: str, what: str) -> Callable[[Data], str]:
    """A C6 task's sittings: their ``count`` or their ``hours`` as the page sums them."""
    def value(d: Data) -> str:
        path = d.root / "runs" / "c6" / task / "sittings.json"
        sittings = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else []
        if what == "count":
            return str(len(sittings))
        minutes = [seqzoo_docs._minutes(s) for s in sittings]
        return f"{sum(m for m in minutes if m is not None) / 60:.1f}"
    return value


def _c6_leaderboard(d: Data, task: str) -> dict[str, Any]:
    path = d.root / "runs" / "c6" / task / "leaderboard.json"
    return json.loads(path.read_text(encoding="utf-8"))


def _c6_rows(d: Data, task: str) -> list[dict[str, Any]]:
    return _c6_leaderboard(d, task)["rows"]


def _c6_top_below(task: str, target: float) -> Callable[[Data], str]:
    """The architecture ranked first on validation, if no test mean reaches ``target``."""
    def value(d: Data) -> str:
        rows = _c6_rows(d, task)
        best = max(r["test_mean"] for r in rows)
        return rows[0]["architecture"] if best < target else f"met: {best:.4f}"
    return value


#: Counts as the pages spell them.
_NUMBER_WORDS = dict(enumerate("zero one two three four five six seven eight nine ten "
                                "eleven twelve".split()))


def _c6_highest_test(task: str) -> Callable[[Data], str]:
    """How many architectures ("eleven"), if the first on validation has the highest test mean."""
    def value(d: Data) -> str:
        rows = _c6_rows(d, task)
        if max(rows, key=lambda r: r["test_mean"]) is not rows[0]:
            return "(not the highest)"
        return _NUMBER_WORDS.get(len(rows), str(len(rows)))
    return value


def _c6_top_seeds(task: str) -> Callable[[Data], str]:
    """How many seeds ("three") the first on validation of a C6 task was trained with."""
    def value(d: Data) -> str:
        seeds = _c6_rows(d, task)[0]["seeds"]
        return _NUMBER_WORDS.get(seeds, str(seeds))
    return value


def _c6_seed_runs(d: Data, task: str,
                  builder: str | None = None) -> list[tuple[dict[str, Any], Path]]:
    """Every seed run of a C6 task (of one ``builder``, if given): its ``run.json`` and its
    folder, in trial order (so in seed order for one builder)."""
    from keras_seqzoo.callbacks import read_run

    folders = sorted(p.parent for p in (d.root / "runs" / "c6" / task).glob("trial_*/run.json"))
    runs = [(read_run(folder), folder) for folder in folders]
    return [r for r in runs if builder is None or r[0]["model"]["builder"] == builder]


#: The bag-of-words architectures of ListOps' target (``fasttext`` sees bigrams).
_C6_BAG_OF_WORDS = ("embedding_pooling", "fasttext")


def _c6_best_bag(d: Data, task: str) -> dict[str, Any]:
    """The bag-of-words architecture with the highest test mean."""
    return max((r for r in _c6_rows(d, task) if r["architecture"] in _C6_BAG_OF_WORDS),
               key=lambda r: r["test_mean"])


def _c6_order_target(task: str, what: str) -> Callable[[Data], str]:
    """ListOps' target (the first on validation beats the best bag of words by 10 points):
    ``state`` ("Met so far", "Met" or "Not met"), ``top`` (the first on validation),
    ``points`` (by how much) or ``bag`` (the best bag of words)."""
    def value(d: Data) -> str:
        board = _c6_leaderboard(d, task)
        top, bag = board["rows"][0], _c6_best_bag(d, task)
        points = 100 * (top["test_mean"] - bag["test_mean"])
        if what == "state":
            return ("Not met" if points < 10 else "Met") + ("" if board["complete"] else " so far")
        return {"top": top["architecture"], "points": f"{points:.0f}",
                "bag": bag["architecture"]}[what]
    return value


def _c6_largest_class(task: str, what: str) -> Callable[[Data], str]:
    """The largest class of a C6 task's test split: its ``name`` or its ``percent``."""
    def value(d: Data) -> str:
        data = _c6_leaderboard(d, task)["data"]
        counts = data["label_counts"]["test"]
        largest = max(range(len(counts)), key=counts.__getitem__)
        if what == "name":
            return data["class_names"][largest]
        return f"{100 * counts[largest] / sum(counts):.1f}"
    return value


def _c6_best_epochs(task: str, name: str) -> Callable[[Data], str]:
    """The epoch (1-based) at which every seed of a C6 architecture was best on validation,
    if they agree, and the seeds' validation accuracy only fell after it."""
    def value(d: Data) -> str:
        from keras_seqzoo.callbacks import read_history

        epochs = set()
        for record, folder in _c6_seed_runs(d, task, name):
            best = record["best_epoch"]
            scores = [r["val_accuracy"] for r in read_history(folder)]
            falling = all(b < a for a, b in zip(scores[best:], scores[best + 1:]))
            epochs.add(best + 1 if falling else -1)
        return ", ".join(map(str, sorted(epochs)))
    return value


def _c6_seed_epochs(task: str, name: str, what: str) -> Callable[[Data], str]:
    """Each seed of a C6 architecture, in seed order: the epoch (1-based) it was ``best`` on
    validation at, or how many epochs it ``ran``, as "1, 1 and 2"; or how many it ran
    ``after`` its best, as a word ("two") where every seed ran the same number."""
    def value(d: Data) -> str:
        from keras_seqzoo.callbacks import read_history

        runs = [(record["best_epoch"] + 1, len(read_history(folder)))
                for record, folder in _c6_seed_runs(d, task, name)]
        if what == "after":
            after = {ran - best for best, ran in runs}
            return _NUMBER_WORDS[after.pop()] if len(after) == 1 else "(not the same)"
        return seqzoo_docs.join_and([str(best if what == "best" else ran) for best, ran in runs])
    return value


def _c6_gap(task: str, pick: Callable[..., float]) -> Callable[[Data], str]:
    """The smallest or largest validation - test gap of a C6 task's architectures."""
    return lambda d: f"{pick(r['val_mean'] - r['test_mean'] for r in _c6_rows(d, task)):.2f}"


def _c6_val_loss_nan(task: str) -> Callable[[Data], str]:
    """The architectures whose validation loss is NaN in every epoch of every seed run of
    a C6 task ("``a``, ``b`` and ``c``"); one with a finite epoch is not among them."""
    def value(d: Data) -> str:
        from keras_seqzoo.callbacks import read_history

        epochs: dict[str, list[bool]] = {}
        for run, folder in _c6_seed_runs(d, task):
            epochs.setdefault(run["model"]["builder"], []).extend(
                math.isnan(record["val_loss"]) for record in read_history(folder))
        return seqzoo_docs.join_and(
            [f"``{name}``" for name, nans in sorted(epochs.items()) if nans and all(nans)])
    return value


def _c6_same_leaders(task: str, count: int) -> Callable[[Data], str]:
    """The ``count`` leading architectures by test, in test order, if validation has the
    same ones (else a text no page holds)."""
    def value(d: Data) -> str:
        rows = _c6_rows(d, task)
        by = {k: [r["architecture"] for r in sorted(rows, key=lambda r: -r[k])][:count]
              for k in ("val_mean", "test_mean")}
        if set(by["val_mean"]) != set(by["test_mean"]):
            return f"not the same: {by}"
        return ", ".join(f"``{name}``" for name in by["test_mean"])
    return value


def _unmasked_best(task: str, name: str, **hyperparameters: Any) -> Callable[[Data], str]:
    """The best validation score of an unmasked C6 search's trials with these values."""
    def value(d: Data) -> str:
        path = d.root / "runs" / "c6" / "before_masking.json"
        trials = json.loads(path.read_text(encoding="utf-8"))["tasks"][task][name]["trials"]
        scores = [t["score"] for t in trials.values() if t["score"] is not None
                  and all(t["hyperparameters"].get(k) == v for k, v in hyperparameters.items())]
        return f"{max(scores):.2f}"
    return value


R = "run {} {} {}".format
H = "history {} {} {} {} {}".format
C1, C2, C3, C4, C5 = (f"docs/comparisons/c{i}.rst" for i in range(1, 6))
B, CAT, README = "docs/benchmarks.rst", "docs/catalogue.rst", "README.md"
TT, TTG, TTA = "torch_twins.json", "torch_twins_gpu.json", "torch_twins_all.json"
MOD = "epoch_times_modern.json"

def _fasttext_runs(d: Data, epochs: int) -> list[dict[str, Any]]:
    """The fastText learning check's runs after ``epochs`` epochs (one per seed)."""
    return [r for r in d.json("fasttext_check.json")["runs"] if r["epochs"] == epochs]


def _fasttext(epochs: int, key: str, pick: Callable[..., float]) -> Callable[[Data], str]:
    return lambda d: format(pick(r[key] for r in _fasttext_runs(d, epochs)), ".3f")


def _fasttext_gap(epochs: int, seed: int | None, sign: int, spec: str) -> Callable[[Data], str]:
    """``sign x (twin - Keras)`` in points for one seed, or the median over the seeds."""
    def gap(d: Data) -> str:
        gaps = {r["seed"]: 100 * (r["twin_accuracy"] - r["keras_accuracy"])
                for r in _fasttext_runs(d, epochs)}
        value = statistics.median(gaps.values()) if seed is None else gaps[seed]
        return format(sign * value, spec)
    return gap


def _t2_ratio(piece: str, variant: str) -> Callable[[Data], str]:
    """A variant's median over the scan's for one piece of the idle T2 profile."""
    def ratio(d: Data) -> str:
        times = d.json("t2_jax_profile_idle.json")["times"]
        return format(statistics.median(times[f"{piece}|{variant}"])
                      / statistics.median(times[f"{piece}|scan"]), ".2f")
    return ratio


CLAIMS: list[Claim] = [
    # ---- C1
    C(C1, "both models have exactly T1's and T2's parameters ({} and {})",
      R("c1", T1, "params"), R("c1", T2, "params")),
    C(C1, "T2's validation accuracy peaks at {} % (epoch {}) and ends at {} %; T1's peaks at {} "
          "% in epoch {} and ends at {} %",
      R("c1", T2, "best_val_accuracy:%.1f"), R("c1", T2, "best_val_accuracy_epoch"),
      R("c1", T2, "final_val_accuracy:%.1f"), R("c1", T1, "best_val_accuracy:%.1f"),
      R("c1", T1, "best_val_accuracy_epoch"), R("c1", T1, "final_val_accuracy:%.1f")),
    C(C1, "swings between {} from epoch 2, then in epoch 8 it falls to {} % (validation loss {})",
      _c1_swing, H("c1", T1, 0, 8, "val_accuracy:%.1f"), H("c1", T1, 0, 8, "val_loss:.2f")),
    C(C1, "training accuracy drops from {} % (epoch 6) to {} % (epoch 9) and recovers only to {} %",
      H("c1", T1, 0, 6, "accuracy:%.1f"), H("c1", T1, 0, 9, "accuracy:%.1f"),
      H("c1", T1, 0, 10, "accuracy:%.1f")),
    C(C1, "(T2: {} % in epoch 1 to {} % in epoch 10)",
      H("c1", T2, 0, 1, "accuracy:%.1f"), H("c1", T2, 0, 10, "accuracy:%.1f")),
    C(C1, "validation loss is lowest at epoch {} (T1, {}) and epoch {} (T2, {})",
      R("c1", T1, "best_val_loss_epoch"), R("c1", T1, "best_val_loss:.3f"),
      R("c1", T2, "best_val_loss_epoch"), R("c1", T2, "best_val_loss:.3f")),
    C(C1, "makes an epoch {}x longer: {} s (T1) against {} s (T2)",
      R("c1", T2, "ratio_to_fastest:.2f"), R("c1", T1, "seconds_per_epoch:.1f"),
      R("c1", T2, "seconds_per_epoch:.1f")),
    C(C1, "T1's epochs are about {} times as long as C4's 120-word BiLSTM epochs ({} s) and {} "
          "times C3's ({} s",
      lambda d: f"{d.rows('c1')[T1]['seconds_per_epoch'] / d.rows('c4')[LSTM]['seconds_per_epoch']:.0f}",
      R("c4", LSTM, "seconds_per_epoch:.1f"),
      lambda d: f"{d.rows('c1')[T1]['seconds_per_epoch'] / d.rows('c3')[LSTM24]['seconds_per_epoch']:.1f}",
      R("c3", LSTM24, "seconds_per_epoch:.1f")),
    # ---- C2
    C(C2, "both models have exactly T1's and T2's parameters ({} and {})",
      R("c2", T1, "params"), R("c2", T2, "params")),
    C(C2, "(T1 in {} fits, T2 in {})",
      lambda d: len(d.run("c2", T1)["fits"]), lambda d: len(d.run("c2", T2)["fits"])),
    C(C2, "(T1's epochs took {} s, T2's {} s)",
      lambda d: spread([r["epoch_time"] for r in d.history("c2", T1)], ".0f").replace("-", " to "),
      lambda d: spread([r["epoch_time"] for r in d.history("c2", T2)], ".0f").replace("-", " to ")),
    C(C2, "{} s (T1) and {} s (T2) an epoch, T2 {}x T1",
      R("c1", T1, "seconds_per_epoch:.1f"), R("c1", T2, "seconds_per_epoch:.1f"),
      R("c1", T2, "ratio_to_fastest:.2f")),
    C(C2, "{} s (T1) and {} s (T2), {}x.",
      R("c2", T1, "seconds_per_epoch:.1f"), R("c2", T2, "seconds_per_epoch:.1f"),
      R("c2", T2, "ratio_to_fastest:.2f")),
    C(C2, "T2's median is within {} % of C1's figure, T1's {} % over it",
      lambda d: math.ceil(100 * abs(1 - d.rows("c2")[T2]["seconds_per_epoch"]
                                    / d.rows("c1")[T2]["seconds_per_epoch"])),
      lambda d: f"{100 * (d.rows('c2')[T1]['seconds_per_epoch'] / d.rows('c1')[T1]['seconds_per_epoch'] - 1):.0f}"),
    C(C2, "including the collapse in epoch 8 (validation accuracy {} %, training accuracy down to "
          "{} % in epoch 9)",
      H("c2", T1, 0, 8, "val_accuracy:%.1f"), H("c2", T1, 0, 9, "accuracy:%.1f")),
    C(C2, "from epoch 12 its validation accuracy stays between {}, peaking at {} % in epoch {}, "
          "and ends at {} %",
      lambda d: _c2_steady(d, T1, 12), R("c2", T1, "best_val_accuracy:%.1f"),
      R("c2", T1, "best_val_accuracy_epoch"), R("c2", T1, "final_val_accuracy:%.1f")),
    C(C2, "({} % in epoch 3, {} % in epoch 10) and dips now and then later ({} % in epoch 14, {} % "
          "in epoch 40)",
      H("c2", T2, 0, 3, "val_accuracy:%.1f"), H("c2", T2, 0, 10, "val_accuracy:%.1f"),
      H("c2", T2, 0, 14, "val_accuracy:%.1f"), H("c2", T2, 0, 40, "val_accuracy:%.1f")),
    C(C2, "peaking at {} % in epoch {} and ending at {} % (T1: {} %). Its validation loss ends at {} "
          "against T1's {}",
      R("c2", T2, "best_val_accuracy:%.1f"), R("c2", T2, "best_val_accuracy_epoch"),
      R("c2", T2, "final_val_accuracy:%.1f"), R("c2", T1, "final_val_accuracy:%.1f"),
      R("c2", T2, "final_val_loss:.2f"), R("c2", T1, "final_val_loss:.2f")),
    C(C2, "Training accuracy passes 99 % (T1 from epoch {}, T2 from epoch {})",
      lambda d: _first_above(d, T1), lambda d: _first_above(d, T2)),
    C(C2, "(T1 {} in epoch {}, T2 {} in epoch {}), climbs to {} (T1) and {} (T2)",
      R("c2", T1, "best_val_loss:.3f"), R("c2", T1, "best_val_loss_epoch"),
      R("c2", T2, "best_val_loss:.3f"), R("c2", T2, "best_val_loss_epoch"),
      R("c2", T1, "final_val_loss:.2f"), R("c2", T2, "final_val_loss:.2f")),
    C(C2, "(validation accuracy {} % in C1, {} % here)",
      H("c1", T2, 0, 1, "val_accuracy:%.1f"), H("c2", T2, 0, 1, "val_accuracy:%.1f")),
    # ---- C3
    C(C3, "reaches its best validation accuracy, {} %, at epoch {} (validation loss {}); the "
          "bidirectional LSTM peaks at {} % in its first epoch ({})",
      R("c3", POOL, "best_val_accuracy:%.1f"), R("c3", POOL, "best_val_accuracy_epoch"),
      R("c3", POOL, "best_val_loss:.3f"), R("c3", LSTM24, "best_val_accuracy:%.1f"),
      R("c3", LSTM24, "best_val_loss:.3f")),
    C(C3, "training accuracy climbs to {} % while validation accuracy falls to {} %",
      lambda d: spread(_final(d, "c3", [POOL, LSTM24], "accuracy"), ".0f", 100),
      lambda d: spread(_final(d, "c3", [POOL, LSTM24], "val_accuracy"), ".1f", 100)),
    C(C3, "faster for the LSTM ({} after 10 epochs vs {})",
      R("c3", LSTM24, "final_val_loss:.2f"), R("c3", POOL, "final_val_loss:.2f")),
    C(C3, "takes {}x the pooling model's time per epoch in this recording ({} s vs {} s), for {} vs "
          "{} parameters",
      R("c3", LSTM24, "ratio_to_fastest:.0f"), R("c3", LSTM24, "seconds_per_epoch:.1f"),
      R("c3", POOL, "seconds_per_epoch:.1f"), R("c3", LSTM24, "params"), R("c3", POOL, "params")),
    C(C3, "Its epochs were bimodal: {}", _c3_phases),
    C(C3, "the same two models take {} s and {} s per epoch on JAX (about {}x)",
      _bench("C3 Embedding + GAP", "jax", "seqzoo", name="epoch_times_c3.json"),
      _bench("C3 BiLSTM(32), Dense(24)", "jax", "seqzoo", name="epoch_times_c3.json"),
      lambda d: f"{d.one('epoch_times_c3.json', model='C3 BiLSTM(32), Dense(24)', config='jax', written='seqzoo')['seconds_per_epoch'] / d.one('epoch_times_c3.json', model='C3 Embedding + GAP', config='jax', written='seqzoo')['seconds_per_epoch']:.0f}"),
    # ---- C4
    C(C4, "the LSTM's took {} s, the GRU's {} s",
      lambda d: spread([r["epoch_time"] for r in d.history("c4", LSTM)]),
      lambda d: spread([r["epoch_time"] for r in d.history("c4", GRU)])),
    C(C4, "Embedding + Flatten is the fastest ({} s), the convolutional model next ({} s, {}x)",
      R("c4", FLAT, "seconds_per_epoch:.1f"), R("c4", CNN, "seconds_per_epoch:.1f"),
      R("c4", CNN, "ratio_to_fastest:.1f")),
    C(C4, "GRU {} s ({}x), LSTM {} s ({}x)",
      R("c4", GRU, "seconds_per_epoch:.1f"), R("c4", GRU, "ratio_to_fastest:.1f"),
      R("c4", LSTM, "seconds_per_epoch:.1f"), R("c4", LSTM, "ratio_to_fastest:.1f")),
    C(C4, "training accuracy climbs to {} % while validation accuracy peaks at {} % within the "
          "first {} epochs and then drifts down to {} %, and validation loss rises from about {} to {}",
      lambda d: spread(_final(d, "c4", [FLAT, LSTM, GRU, CNN], "accuracy"), ".0f", 100),
      lambda d: spread([d.rows("c4")[m]["best_val_accuracy"] for m in (FLAT, LSTM, GRU, CNN)],
                       ".0f", 100),
      lambda d: words(max(d.rows("c4")[m]["best_val_accuracy_epoch"] + 1
                          for m in (FLAT, LSTM, GRU, CNN))),
      lambda d: spread(_final(d, "c4", [FLAT, LSTM, GRU, CNN], "val_accuracy"), ".0f", 100),
      lambda d: f"{statistics.fmean(d.rows('c4')[m]['best_val_loss'] for m in (FLAT, LSTM, GRU, CNN)):.2f}",
      lambda d: spread(_final(d, "c4", [FLAT, LSTM, GRU, CNN], "val_loss"), ".1f")),
    C(C4, "(on JAX: Flatten {} s, CNN {} s, GRU {} s, LSTM {} s per epoch)",
      _bench("T4 Embedding + Flatten", "jax", "seqzoo"), _bench("T7 Conv1D + GAP", "jax", "seqzoo"),
      _bench("T6 BiGRU(32)", "jax", "seqzoo"), _bench("T5 BiLSTM(32)", "jax", "seqzoo")),
    # ---- C5 (most figures are :seqzoo-value: roles; these are derived)
    C(C5, "follow within {} points of it",
      lambda d: f"{100 * (max(r['best_val_accuracy'] for r in d.rows('c5').values()) - min(r['best_val_accuracy'] for r in d.rows('c5').values())):.1f}"),
    C(C5, "the seeds' mean curve is best in epoch {} for every model but the BiLSTM",
      lambda d: " or ".join(str(e + 1) for e in sorted(
          {r["best_val_accuracy_epoch"] for m, r in d.rows("c5").items() if m != LSTM}))),
    C(C5, "the other seven models' {} runs are from the first recording",
      lambda d: sum(r["seeds"] for m, r in d.rows("c5").items()
                    if m not in (NEW["Transformer encoder"], NEW["BiGRU with attention"]))),
    C(C5, "each preset within 5% of the slides' BiLSTM ({} parameters)", R("c5", LSTM, "params")),
    C(C5, "- Transformer encoder - ReLU - {} (seed 1: 4 of 6 units dead, mean loss {}) - {}",
      _head_row("transformer_encoder.imdb_words10k", "relu"),
      lambda d: f"{_head_rows(d)[('transformer_encoder.imdb_words10k', 'relu')][1][1]:.3f}",
      _head_silent("transformer_encoder.imdb_words10k", "relu")),
    C(C5, "- Transformer encoder - leaky ReLU - {} - {}",
      _head_row("transformer_encoder.imdb_words10k", "leaky_relu"),
      _head_silent("transformer_encoder.imdb_words10k", "leaky_relu")),
    C(C5, "- Transformer encoder - GELU - {} - {}",
      _head_row("transformer_encoder.imdb_words10k", "gelu"),
      _head_silent("transformer_encoder.imdb_words10k", "gelu")),
    C(C5, "- BiGRU with attention - ReLU - {} - {}",
      lambda d: f"{_never_learned(_head_rows(d)[('bigru_attention.imdb_words10k', 'relu')])} "
                f"(seed 1: all 6 units dead) - "
                f"{min(a for _, _, a, _ in _head_rows(d)[('bigru_attention.imdb_words10k', 'relu')]):.3f}",
      _head_silent("bigru_attention.imdb_words10k", "relu")),
    C(C5, "- BiGRU with attention - leaky ReLU - {} - {}",
      _head_row("bigru_attention.imdb_words10k", "leaky_relu"),
      _head_silent("bigru_attention.imdb_words10k", "leaky_relu")),
    C(C5, "- BiGRU with attention - GELU - {} - {}",
      _head_row("bigru_attention.imdb_words10k", "gelu"),
      _head_silent("bigru_attention.imdb_words10k", "gelu")),
    C(C5, "the BiGRU with attention's seed 1 reaches {} instead of {}, the Transformer's seed 1 {} "
          "instead of {}",
      _seed_acc("bigru_attention.imdb_words10k", "leaky_relu", 1),
      _seed_acc("bigru_attention.imdb_words10k", "relu", 1),
      _seed_acc("transformer_encoder.imdb_words10k", "leaky_relu", 1),
      _seed_acc("transformer_encoder.imdb_words10k", "relu", 1)),
    C(C5, "fastText {}; TCN {}; minGRU {}; Transformer encoder {}; BiGRU with attention {}. All {} "
          "runs pass",
      *(_within_two(m) for m in NEW.values()),
      lambda d: sum(d.rows("c5")[m]["seeds"] for m in NEW.values())),
    # ---- Benchmarks: epoch times
    C(B, "faster for the recurrent models.** ``seqzoo compare`` and ``seqzoo reproduce`` train on "
         "JAX (below); there the builders' BiLSTM and BiGRU take {} s and {} s per epoch against "
         "{} s and {} s for the slides' code on TensorFlow: {}x and {}x",
      _bench("T5 BiLSTM(32)", "jax", "seqzoo"), _bench("T6 BiGRU(32)", "jax", "seqzoo"),
      _bench("T5 BiLSTM(32)", "tensorflow", "slides"), _bench("T6 BiGRU(32)", "tensorflow", "slides"),
      _bench("T5 BiLSTM(32)", "jax", "seqzoo", "speedup_vs_slides_tf", ".2f"),
      _bench("T6 BiGRU(32)", "jax", "seqzoo", "speedup_vs_slides_tf", ".2f")),
    C(B, "Embedding + Flatten and Conv1D models gain {}x and {}x",
      _bench("T4 Embedding + Flatten", "jax", "seqzoo", "speedup_vs_slides_tf"),
      _bench("T7 Conv1D + GAP", "jax", "seqzoo", "speedup_vs_slides_tf")),
    C(B, "makes the BiGRU {}x faster and Embedding + Flatten {}x; Conv1D is unchanged ({}x",
      _bench("T6 BiGRU(32)", "tensorflow+xla", "seqzoo", "speedup_vs_slides_tf"),
      lambda d: spread(_ratios("epoch_times.json", {"model": "T4 Embedding + Flatten",
                                                    "config": "tensorflow+xla"},
                               "speedup_vs_slides_tf")(d)),
      lambda d: spread(_ratios("epoch_times.json", {"model": "T7 Conv1D + GAP",
                                                    "config": "tensorflow+xla"},
                               "speedup_vs_slides_tf")(d), ".2f")),
    C(B, "so its cells ({}x and {}x) tell the range",
      _bench("T5 BiLSTM(32)", "tensorflow+xla", "slides", "speedup_vs_slides_tf", ".2f"),
      _bench("T5 BiLSTM(32)", "tensorflow+xla", "seqzoo", "speedup_vs_slides_tf", ".2f")),
    C(B, "median of about {} ms per step with XLA, against {} ms without it",
      lambda d: f"{1000 * statistics.fmean(r['seconds_per_epoch'] for r in d.rows_of('epoch_times_xla_rnn.json', model='T5 BiLSTM(32)')) / 782:.0f}",
      lambda d: spread([1000 * r["seconds_per_epoch"] / 782 for r in
                        d.rows_of("epoch_times.json", model="T5 BiLSTM(32)", config="tensorflow")],
                       ".0f")),
    C(B, "Over the 16 cells the builder / hand-written ratio has a median of {}; {} cells lie "
         "within {}, and the four JAX cells (the default path) within {}. The two outliers, {} "
         "(Embedding + Flatten) and {} (BiLSTM",
      lambda d: f"{statistics.median(_ratios('epoch_times.json', {})(d)):.3f}",
      lambda d: sum(1 for v in _ratios("epoch_times.json", {})(d) if v < 1.1),
      lambda d: spread([v for v in _ratios("epoch_times.json", {})(d) if v < 1.1], ".2f"),
      lambda d: spread(_ratios("epoch_times.json", {"config": "jax"})(d), ".2f"),
      _bench("T4 Embedding + Flatten", "tensorflow+xla", "seqzoo", "builder_vs_handwritten", ".2f"),
      _bench("T5 BiLSTM(32)", "tensorflow+xla", "seqzoo", "builder_vs_handwritten", ".2f")),
    C(B, "BiLSTM cells alone with 11 rounds (below) gave", ),
    C(B, "model at {} rounds in each", _xla_rounds),
    C(B, "JAX {}x and {}x faster than the slides' code on TensorFlow through the builders, builder "
         "/ hand-written {} in 7 of the 8 cells and {} in the TensorFlow + XLA BiLSTM cell",
      _bench("C3 Embedding + GAP", "jax", "seqzoo", "speedup_vs_slides_tf", name="epoch_times_c3.json"),
      _bench("C3 BiLSTM(32), Dense(24)", "jax", "seqzoo", "speedup_vs_slides_tf",
             name="epoch_times_c3.json"),
      lambda d: spread(sorted(_ratios("epoch_times_c3.json", {})(d))[:7], ".2f"),
      _bench("C3 BiLSTM(32), Dense(24)", "tensorflow+xla", "seqzoo", "builder_vs_handwritten",
             ".2f", name="epoch_times_c3.json")),
    # ---- Benchmarks: newer architectures
    C(B, "**fastText bigrams cost almost nothing** ({}x the BiGRU on JAX, {}x on TensorFlow and "
         "PyTorch), and the **TCN** takes {}x",
      _bench("M2 fastText bigrams", "jax", "seqzoo", "vs_bigru", ".2f", MOD),
      lambda d: spread([d.one(MOD, model="M2 fastText bigrams", config=c)["vs_bigru"]
                        for c in ("tensorflow", "torch")], ".2f"),
      lambda d: spread([r["vs_bigru"] for r in d.rows_of(MOD, model="M3 TCN")], ".2f")),
    C(B, "the most expensive model on JAX ({}x the BiGRU's fused kernel there) but cheaper than "
         "the BiGRU on TensorFlow ({}x) and PyTorch ({}x)",
      *(_bench("M1 Transformer encoder", c, "seqzoo", "vs_bigru", ".2f", MOD)
        for c in ("jax", "tensorflow", "torch"))),
    C(B, "(PyTorch: {}x for the preset, {}x at the BiGRU's width). At the BiGRU's width it is also "
         "faster on JAX ({}x) and level on TensorFlow ({}x)",
      _bench("M4 minGRU (scan)", "torch", "seqzoo", "vs_bigru", ".2f", MOD),
      _bench("M4w minGRU(32) (scan)", "torch", "seqzoo", "vs_bigru", ".2f", MOD),
      _bench("M4w minGRU(32) (scan)", "jax", "seqzoo", "vs_bigru", ".2f", MOD),
      _bench("M4w minGRU(32) (scan)", "tensorflow", "seqzoo", "vs_bigru", ".2f", MOD)),
    C(B, "slower than the BiGRU on JAX ({}x) and TensorFlow ({}x)",
      _bench("M4 minGRU (scan)", "jax", "seqzoo", "vs_bigru", ".2f", MOD),
      _bench("M4 minGRU (scan)", "tensorflow", "seqzoo", "vs_bigru", ".2f", MOD)),
    C(B, "the associative scan took {} ms, every other form {}x longer",
      lambda d: f"{float(_md_row('mingru_scan.txt', 'associative_scan', 1)(d)):.1f}",
      lambda d: spread([float(_md_row("mingru_scan.txt", v, 2)(d)) for v in
                        ("chunked-4", "chunked-8", "chunked-16", "blocked-4", "blocked-8",
                         "blocked-16", "hillis-steele")], ".1f").replace(".0", "").replace("13.7", "14")),
    C(B, "costs what its BiGRU costs on TensorFlow ({}x) and {}x on JAX",
      _bench("M5 BiGRU + attention", "tensorflow", "seqzoo", "vs_bigru", ".2f", MOD),
      _bench("M5 BiGRU + attention", "jax", "seqzoo", "vs_bigru", ".1f", MOD)),
    C(B, "On PyTorch it is {}x", _bench("M5 BiGRU + attention", "torch", "seqzoo", "vs_bigru", ".1f", MOD)),
    # ---- Benchmarks: torch twins (CPU)
    C(B, "the BiGRU takes {} s an epoch against plain ``nn.GRU``'s {} s (ratio {}, medians {})",
      _twins("T6 BiGRU(32)", "jax", "seqzoo", "best"), _twins("T6 BiGRU(32)", "jax", "seqzoo", "torch_best"),
      _twins("T6 BiGRU(32)", "jax", "seqzoo", "ratio_best"),
      _twins("T6 BiGRU(32)", "jax", "seqzoo", "ratio_median")),
    C(B, "the fused GRU is level with ``nn.GRU`` ({}, medians {}), against {} for Keras' own loop",
      _twins("T6 BiGRU(32)", "torch", "seqzoo", "ratio_best"),
      _twins("T6 BiGRU(32)", "torch", "seqzoo", "ratio_median"),
      _twins("T6 BiGRU(32)", "torch", "keras", "ratio_best")),
    C(B, "{} s against ``nn.LSTM``'s {} s (ratio {} best against best, {} of the medians)",
      _twins("T5 BiLSTM(32)", "jax", "seqzoo", "best"), _twins("T5 BiLSTM(32)", "jax", "seqzoo", "torch_best"),
      _twins("T5 BiLSTM(32)", "jax", "seqzoo", "ratio_best"),
      _twins("T5 BiLSTM(32)", "jax", "seqzoo", "ratio_median")),
    C(B, "({} s against {} s) but not by the best epochs ({} s against {} s)",
      _twins("T5 BiLSTM(32)", "jax", "seqzoo", "median"), _twins("T5 BiLSTM(32)", "jax", "keras", "median"),
      _twins("T5 BiLSTM(32)", "jax", "seqzoo", "best"), _twins("T5 BiLSTM(32)", "jax", "keras", "best")),
    C(B, "keras_seqzoo's scan takes {}x ``nn.LSTM``'s time by the medians and {}x by the best rounds "
         "(Keras' own two scans {}x)",
      _md_row("bilstm_layer.txt", "keras_seqzoo", 3), _md_row("bilstm_layer.txt", "keras_seqzoo", 4),
      _md_row("bilstm_layer.txt", "keras", 3)),
    C(B, "one block-diagonal matmul per step ({}x)", _md_row("bilstm_layer.txt", "block-diagonal", 3)),
    C(B, "met for the BiGRU ({}, medians {}) and the stacked BiLSTM ({}, medians {}), not for the "
         "BiLSTM ({}, medians {}",
      _twins("T6 BiGRU(32)", "torch", "seqzoo", "ratio_best"),
      _twins("T6 BiGRU(32)", "torch", "seqzoo", "ratio_median"),
      _twins("T2 stacked BiLSTM(64, 32)", "torch", "seqzoo", "ratio_best"),
      _twins("T2 stacked BiLSTM(64, 32)", "torch", "seqzoo", "ratio_median"),
      _twins("T5 BiLSTM(32)", "torch", "seqzoo", "ratio_best"),
      _twins("T5 BiLSTM(32)", "torch", "seqzoo", "ratio_median")),
    C(B, "(BiLSTM {}, medians {}; BiGRU {}, medians {}; stacked BiLSTM {}, medians {})",
      *(_twins(m, "torch", "wrapped", k) for m in
        ("T5 BiLSTM(32)", "T6 BiGRU(32)", "T2 stacked BiLSTM(64, 32)")
        for k in ("ratio_best", "ratio_median"))),
    C(B, "{} ms a step around any model on the PyTorch backend",
      lambda d: f"{float(_overhead('train_step_overhead.txt', 'torch', 5)(d)):.1f}"),
    C(B, "({} ms against plain PyTorch's {} ms)",
      _twins("T5 BiLSTM(32)", "torch", "seqzoo", "median", ".1f", scale=1000 / 200),
      _twins("T5 BiLSTM(32)", "torch", "seqzoo", "torch_median", ".1f", scale=1000 / 200)),
    C(B, "(plain ``nn.LSTM`` from {} s an epoch in the first round to {} s in the eighth)",
      lambda d: f"{d.one(TT, model='T5 BiLSTM(32)', backend='torch', way='seqzoo')['torch_epochs'][0]:.2f}",
      lambda d: f"{d.one(TT, model='T5 BiLSTM(32)', backend='torch', way='seqzoo')['torch_epochs'][7]:.2f}"),
    C(B, "Keras' own loop (recording 1) is {}x, {}x and {}x behind",
      *(_twins(m, "torch", "keras", "ratio_best", ".1f") for m in
        ("T5 BiLSTM(32)", "T6 BiGRU(32)", "T2 stacked BiLSTM(64, 32)"))),
    C(B, "(views / copies {} by the medians, {} by the best rounds)",
      "re benchmarks/torch_weight_layout.txt ratio views / copies: ([0-9.]+)",
      lambda d: "{:.2f}".format(*[float(a) / float(b) for a, b in [re.findall(
          r"best ([0-9.]+)\)", d.text("torch_weight_layout.txt"))]])),
    C(B, "(T6: {} s against {} s best, {} s and {} s median)",
      _twins("T6 BiGRU(32)", "tensorflow", "seqzoo", "best"),
      _twins("T6 BiGRU(32)", "tensorflow", "keras", "best"),
      _twins("T6 BiGRU(32)", "tensorflow", "seqzoo", "median"),
      _twins("T6 BiGRU(32)", "tensorflow", "keras", "median")),
    C(B, "The stacked BiLSTM (T2) on JAX is {}x behind",
      _twins("T2 stacked BiLSTM(64, 32)", "jax", "seqzoo", "ratio_best", ".1f")),
    # ---- Benchmarks: GPU
    C(B, "Every Keras row is {}x behind plain PyTorch** by the best epochs ({}x by the medians)",
      lambda d: spread([r["ratio_best"] for r in d.json(TTG)["rows"]]),
      lambda d: spread([r["ratio_median"] for r in d.json(TTG)["rows"]])),
    C(B, "Plain PyTorch trains T5 in {} s an epoch ({} ms a step); keras_seqzoo in {} s on JAX and "
         "{} s on the PyTorch backend",
      _twins("T5 BiLSTM(32)", "jax", "seqzoo", "torch_best", name=TTG),
      _twins("T5 BiLSTM(32)", "jax", "seqzoo", "torch_best", ".1f", TTG, 1000 / 200),
      _twins("T5 BiLSTM(32)", "jax", "seqzoo", "best", name=TTG),
      _twins("T5 BiLSTM(32)", "torch", "seqzoo", "best", name=TTG)),
    C(B, "(T5: {} s against {} s by the best epochs, {} s against {} s by the medians)",
      _twins("T5 BiLSTM(32)", "torch", "seqzoo", "best", name=TTG),
      _twins("T5 BiLSTM(32)", "torch", "keras", "best", name=TTG),
      _twins("T5 BiLSTM(32)", "torch", "seqzoo", "median", name=TTG),
      _twins("T5 BiLSTM(32)", "torch", "keras", "median", name=TTG)),
    C(B, "costs {} ms more than plain PyTorch's ({} against {} ms, medians)",
      lambda d: f"{float(_overhead('train_step_overhead_gpu.txt', 'torch', 5)(d)):.1f}",
      _overhead("train_step_overhead_gpu.txt", "torch", 2),
      _overhead("train_step_overhead_gpu.txt", "torch", 4)),
    C(B, "({} ms, less than plain PyTorch's {} ms)",
      _overhead("train_step_overhead_gpu.txt", "jax", 2),
      _overhead("train_step_overhead_gpu.txt", "jax", 4)),
    C(B, "takes {} ms by the medians, a T6 step through Keras' GRU scan {} ms, against {} ms",
      _twins("T5 BiLSTM(32)", "jax", "seqzoo", "median", ".0f", TTG, 1000 / 200),
      _twins("T6 BiGRU(32)", "jax", "seqzoo", "median", ".1f", TTG, 1000 / 200),
      _twins("T5 BiLSTM(32)", "jax", "seqzoo", "torch_median", ".0f", TTG, 1000 / 200)),
    # ---- Benchmarks: data pipeline
    C(B, "* - Read the archive - {} s - {} s * - Fit the vocabulary - {} s - {} s * - Encode - {} s "
         "- {} s * - First load in all (read, fit, encode, write the cache) - {} s - {} s * - "
         "Reload from the cache - {} s - {} s * - One pass over the training batches - {} s ({} "
         "batches) - {} s ({} batches, {} % padding)",
      _pipeline("words", "first_read_s"), _pipeline("subwords", "first_read_s"),
      _pipeline("words", "first_fit_s"), _pipeline("subwords", "first_fit_s"),
      _pipeline("words", "first_encode_s"), _pipeline("subwords", "first_encode_s"),
      _pipeline("words", "first_load_s"), _pipeline("subwords", "first_load_s"),
      _pipeline("words", "reload_s", ".2f"), _pipeline("subwords", "reload_s", ".2f"),
      _pipeline("words", "train_epoch_iterate_s", ".2f"), _pipeline("words", "train_batches", "d"),
      _pipeline("subwords", "train_epoch_iterate_s"), _pipeline("subwords", "train_batches", "d"),
      _pipeline("subwords", "train_padding_fraction", ".1f", 100)),
    C(B, "{}x (words) and {}x (subwords) faster",
      _speedup("words", ".0f"), lambda d: f"{round(float(_speedup('subwords', '.0f')(d)), -2):,.0f}"),
    # ---- Catalogue
    C(CAT, "the preset reaches **{}** best validation accuracy (seeds: {}; best at epoch {})",
      R("keras_io", "transformer_encoder.keras_io", "best_val_accuracy±:.4f"),
      R("keras_io", "transformer_encoder.keras_io", "best_val_accuracy_by_seed:.4f"),
      R("keras_io", "transformer_encoder.keras_io", "best_val_accuracy_epoch_by_seed")),
    C(CAT, "0.66x the T6 BiGRU's time per epoch on JAX, {}x on PyTorch, level on TensorFlow ({}x)",
      _bench("M4w minGRU(32) (scan)", "torch", "seqzoo", "vs_bigru", ".2f", MOD),
      _bench("M4w minGRU(32) (scan)", "tensorflow", "seqzoo", "vs_bigru", ".2f", MOD)),
    C(CAT, "slower* than the BiGRU's on JAX ({}x) and TensorFlow ({}x), though still faster on "
           "PyTorch ({}x)",
      *(_bench("M4 minGRU (scan)", c, "seqzoo", "vs_bigru", ".2f", MOD)
        for c in ("jax", "tensorflow", "torch"))),
    # ---- Guides (other engineers' pages; their figures are checked all the same)
    C("docs/guide/comparisons.rst", "slides' BiLSTM and BiGRU {}x and {}x faster per epoch",
      _bench("T5 BiLSTM(32)", "jax", "seqzoo", "speedup_vs_slides_tf"),
      _bench("T6 BiGRU(32)", "jax", "seqzoo", "speedup_vs_slides_tf")),
    C("docs/guide/scaling.rst", "* - 1 - {} ({}) - {} - {} s - {} - {} s - {} * - 2 - {} ({}) - {} - "
                                "{} s - {} - {} s - {}",
      *(f(n) for n in (1, 2) for f in (
          lambda n: lambda d: sum(d.json(f"distributed_tuning_{n}.json")["trials"].values()),
          lambda n: lambda d: d.json(f"distributed_tuning_{n}.json")["trials"].get("COMPLETED"),
          lambda n: lambda d: " + ".join(
              str(v) for v in d.json(f"distributed_tuning_{n}.json")["trials_per_worker"].values()),
          lambda n: lambda d: f"{d.json(f'distributed_tuning_{n}.json')['seconds_search']:.1f}",
          lambda n: lambda d: f"{d.json(f'distributed_tuning_{n}.json')['trials_per_minute']:.1f}",
          lambda n: lambda d: f"{d.json(f'distributed_tuning_{n}.json')['seconds_wall']:.1f}",
          lambda n: lambda d: f"{d.json(f'distributed_tuning_{n}.json')['trials_per_minute_wall']:.1f}",
      ))),
    C("docs/guide/scaling.rst", "{} s with one process ({} trials), {} s with a chief and two "
                                "workers ({} trials",
      lambda d: f"{d.json('runner_workers.json')['rows'][0]['seconds_wall']:.1f}",
      lambda d: sum(d.json("runner_workers.json")["rows"][0]["trials_per_worker"]),
      lambda d: f"{d.json('runner_workers.json')['rows'][1]['seconds_wall']:.1f}",
      lambda d: " + ".join(map(str, d.json("runner_workers.json")["rows"][1]["trials_per_worker"]))),
    C("docs/guide/scaling.rst", "the search itself ran {}x faster",
      lambda d: f"{d.json('distributed_tuning_1.json')['seconds_search'] / d.json('distributed_tuning_2.json')['seconds_search']:.2f}"),
    # ---- README (not edited here; its figures are checked all the same)
    C(README, "C4 page: {}, {}, {} and {} s per epoch for Embedding-only, LSTM, GRU and CNN",
      *(R("c4", m, "seconds_per_epoch:.1f") for m in (FLAT, LSTM, GRU, CNN))),
    C(README, "trains the slides' BiLSTM and BiGRU {}x and {}x faster per epoch",
      _bench("T5 BiLSTM(32)", "jax", "seqzoo", "speedup_vs_slides_tf"),
      _bench("T6 BiGRU(32)", "jax", "seqzoo", "speedup_vs_slides_tf")),
    C(README, "(median time ratio {} over 16 backend/model cells)",
      lambda d: f"{statistics.median(_ratios('epoch_times.json', {})(d)):.2f}"),
    C(README, "on JAX the BiGRU trains {}x faster than `nn.GRU` ({} vs {} s/epoch), the BiLSTM is at "
              "{}x of `nn.LSTM` ({} vs {} s), and the slides' stacked BiLSTM (T2) is {}x behind "
              "({} vs {} s; the PyTorch backend is its fastest, at {}x)",
      lambda d: f"{1 / d.one(TTA, model='T6 BiGRU(32)', backend='jax', way='seqzoo')['ratio_best']:.0f}",
      *(_twins("T6 BiGRU(32)", "jax", "seqzoo", k, name=TTA) for k in ("best", "torch_best")),
      *(_twins("T5 BiLSTM(32)", "jax", "seqzoo", k, name=TTA)
        for k in ("ratio_best", "best", "torch_best")),
      _twins("T2 stacked BiLSTM(64, 32)", "jax", "seqzoo", "ratio_best", name=TTA),
      *(_twins("T2 stacked BiLSTM(64, 32)", "jax", "seqzoo", k, ".1f", name=TTA)
        for k in ("best", "torch_best")),
      _twins("T2 stacked BiLSTM(64, 32)", "torch", "seqzoo", "ratio_best", name=TTA)),
    C("docs/comparisons/c6.rst", "Validation flatters every architecture here** (by {} to {} "
      "of accuracy against the test)", _c6_gap("20newsgroups", min), _c6_gap("20newsgroups", max)),
    C("docs/comparisons/c6.rst", "Ranked by validation or by test, the same three architectures "
      "lead ({})", _c6_same_leaders("20newsgroups", 3)),
    C("docs/comparisons/c6.rst", "with ``bidirectional=False`` stayed at {} validation",
      _unmasked_best("imdb", "bilstm", bidirectional=False)),
    C("docs/guide/data.rst", "every architecture scores {} to {} lower on the test",
      _c6_gap("20newsgroups", min), _c6_gap("20newsgroups", max)),
    C(README, "the C6 page has their leaderboards, figures and advice): {}. Padding",
      lambda d: ", ".join(f"`{t}`" for t in _c6_complete()) or "none yet"),
    C(README, "are recorded again (`--redo`): {}.", _c6_redone),
    C("docs/comparisons/c6.rst", "across sittings (each sitting resumes the last), all on {}: "
      "no GPU machine was lent", _c6_devices),
    C("docs/comparisons/c6.rst", "**Neither is met.** ``{}``, chosen on validation, reaches",
      _c6_top_below("imdb", 0.905)),
    C("docs/comparisons/c6.rst", "over its {} seeds, the highest test mean of the {} "
      "architectures", _c6_top_seeds("imdb"), _c6_highest_test("imdb")),
    C("docs/comparisons/c6.rst", "**{}.** ``{}``, first on validation, reaches",
      _c6_order_target("listops", "state"), _c6_order_target("listops", "top")),
    C("docs/comparisons/c6.rst", "over its {} seeds, {} points above the better "
      "bag-of-words architecture, ``{}``", _c6_top_seeds("listops"),
      _c6_order_target("listops", "points"),
      _c6_order_target("listops", "bag")),
    C("docs/comparisons/c6.rst", "always answering the largest class (value {}, {} % of the "
      "test expressions)", _c6_largest_class("listops", "name"),
      _c6_largest_class("listops", "percent")),
    C("docs/comparisons/c6.rst", "every seed best on validation after epoch {} and worse after",
      _c6_best_epochs("listops", "embedding_flatten")),
    C("docs/comparisons/c6.rst", "``transformer_encoder``'s seeds stopped early: best on "
      "validation at epochs {}, they ran {} epochs, each ended by {} without a better",
      *(_c6_seed_epochs("listops", "transformer_encoder", what)
        for what in ("best", "ran", "after"))),
    C("docs/comparisons/c6.rst", "In its curves {} have no validation loss",
      _c6_val_loss_nan("sms_spam")),
    C("docs/comparisons/c6.rst", "Each had the same {} trials over a search space",
      "json runs/c6/imdb/leaderboard.json budget.trials"),
    C("docs/comparisons/c6.rst", "where C6 trains on {}, chooses on the {} held out",
      lambda d: f"{_c6_leaderboard(d, 'imdb')['data']['num_train']:,}",
      lambda d: f"{_c6_leaderboard(d, 'imdb')['data']['num_validation']:,}"),
    C(README, "IMDB took {} h of recording in {} sittings on a 2-core machine, ListOps {} h in {};",
      _c6_sittings("imdb", "hours"), _c6_sittings("imdb", "count"),
      _c6_sittings("listops", "hours"), _c6_sittings("listops", "count")),
    C(README, "By that table JAX trains {} of the {} architectures fastest, PyTorch `{}` and "
              "TensorFlow `{}`",
      lambda d: str(list(_fastest_backends(d).values()).count("jax")),
      lambda d: str(len(_fastest_backends(d))), _fastest_on("torch"), _fastest_on("tensorflow")),
    C(README, "take the BiLSTM from {}x to {}x behind `nn.LSTM`, the stacked BiLSTM from {}x to {}x, "
              "and the BiGRU from {}x to {}x",
      _twins("T5 BiLSTM(32)", "torch", "keras", "ratio_best", ".1f"),
      _twins("T5 BiLSTM(32)", "torch", "seqzoo", "ratio_best"),
      _twins("T2 stacked BiLSTM(64, 32)", "torch", "keras", "ratio_best", ".1f"),
      _twins("T2 stacked BiLSTM(64, 32)", "torch", "seqzoo", "ratio_best"),
      _twins("T6 BiGRU(32)", "torch", "keras", "ratio_best", ".1f"),
      _twins("T6 BiGRU(32)", "torch", "seqzoo", "ratio_best")),
    C(README, "level with torch's own `nn.LSTM` inside a Keras model ({}x)",
      _twins("T5 BiLSTM(32)", "torch", "wrapped", "ratio_best")),
    C(README, "About {} ms of every training step on the PyTorch backend is Keras' own",
      lambda d: f"{float(_overhead('train_step_overhead.txt', 'torch', 5)(d)):.1f}"),
    C(README, "is {}x behind plain PyTorch with cuDNN (T5 BiLSTM: {} s/epoch on JAX, {} s on the "
              "PyTorch backend, {} s plain)",
      lambda d: spread([r["ratio_best"] for r in d.json(TTG)["rows"]]),
      _twins("T5 BiLSTM(32)", "jax", "seqzoo", "best", name=TTG),
      _twins("T5 BiLSTM(32)", "torch", "seqzoo", "best", name=TTG),
      _twins("T5 BiLSTM(32)", "jax", "seqzoo", "torch_best", name=TTG)),
    C(B, "made the ``model.fit`` epoch {} of the scan's by the medians, and Keras' own layers "
         "took {} of it. Its forward pass alone is slower ({}x for layer 1)",
      _t2_ratio("model.fit epoch of 50 steps", "lstm_scan"),
      _t2_ratio("model.fit epoch of 50 steps", "Keras own"),
      _t2_ratio("layer 1 BiLSTM(64) seq, forward", "lstm_scan")),
    C(B, "it would take T2 from about {}x to about {}x of plain PyTorch",
      _twins("T2 stacked BiLSTM(64, 32)", "jax", "seqzoo", "ratio_best", ".1f", name=TTA),
      lambda d: format(d.one(TTA, model="T2 stacked BiLSTM(64, 32)", backend="jax",
                             way="seqzoo")["ratio_best"]
                       * float(_t2_ratio("model.fit epoch of 50 steps", "lstm_scan")(d)), ".1f")),
    C(B, "For T2 on a CPU the answer is the PyTorch backend ({}x by the same one-run table",
      _twins("T2 stacked BiLSTM(64, 32)", "torch", "seqzoo", "ratio_best", name=TTA)),
    C(B, "the seed alone moves the Keras model's accuracy from {} to {} and the twin's from {} "
         "to {}: the twin ended {} points below with seed 0 and {} points above with seed 1 "
         "({} points below at the median of four seeds",
      _fasttext(2, "keras_accuracy", min), _fasttext(2, "keras_accuracy", max),
      _fasttext(2, "twin_accuracy", min), _fasttext(2, "twin_accuracy", max),
      _fasttext_gap(2, 0, -1, ".0f"), _fasttext_gap(2, 1, 1, ".1f"),
      _fasttext_gap(2, None, -1, ".1f")),
    C(B, "After 5 epochs both end at {}-{}, the twin {} to {} points below for each seed",
      lambda d: format(min(min(r["keras_accuracy"], r["twin_accuracy"])
                           for r in _fasttext_runs(d, 5)), ".2f"),
      lambda d: format(max(max(r["keras_accuracy"], r["twin_accuracy"])
                           for r in _fasttext_runs(d, 5)), ".2f"),
      lambda d: format(-100 * max(r["twin_accuracy"] - r["keras_accuracy"]
                                  for r in _fasttext_runs(d, 5)), ".1f"),
      lambda d: format(-100 * min(r["twin_accuracy"] - r["keras_accuracy"]
                                  for r in _fasttext_runs(d, 5)), ".1f")),
]
# A claim without fields only checks that its phrase is there (the figures that follow it
# are :seqzoo-value: roles); drop those whose sole purpose was a placeholder.
CLAIMS = [c for c in CLAIMS if c.values or "{}" not in c.phrase]

#: Sentences that the data contradicted once, with the reason: none may come back.
CONTRADICTED = {
    ("README.md", "the fastest on these models"):
        "JAX is not the fastest backend for every model: the Transformer encoder trains "
        "faster on TensorFlow (epoch_times_modern.json: 20.4 s against 25.9 s on JAX)",
    ("keras_seqzoo/cli.py", "the fastest on these models"): "as for README.md",
    ("docs/guide/recurrent_kernels.rst", "about 15% faster than two scans"):
        "bilstm_layer.txt: keras 10.21 ms against keras_seqzoo 9.38 ms by the medians, "
        "about 8 % (9.08 against 8.49 ms, 7 %, by the best rounds), within noise",
    ("docs/guide/callbacks.rst", "replaced atomically"):
        "history.csv and history.json are appended in place, not replaced",
    ("README.md", "on an idle 2-core"): "the recordings store no load: 'nothing else "
                                         "scheduled, by the recording's note'",
    ("README.md", "same machine idle"): "as above",
    ("docs/guide/scaling.rst", "otherwise idle"): "the benchmark files store no load: "
                                                  "'nothing else scheduled'",
}


def _texts(root: Path = ROOT) -> dict[str, str]:
    paths = {c.path for c in CLAIMS}
    return {p: (root / p).read_text(encoding="utf-8") for p in paths}


def _doc_files() -> list[Path]:
    return sorted(DOCS.rglob("*.rst")) + [ROOT / "README.md"]


# --------------------------------------------------------------------------- tests


def test_every_claim_matches_its_data():
    problems = check_claims(_texts(), CLAIMS, Data(DATA))
    assert not problems, "figures that disagree with their data:\n" + "\n".join(problems)


def test_every_value_role_resolves():
    """Every ``:seqzoo-value:`` on every page reads a value from the data (no Sphinx)."""
    found = 0
    for path in _doc_files():
        text = path.read_text(encoding="utf-8")
        # reST ends a role only before whitespace or punctuation: "`x" needs "`\\ x".
        glued = re.findall(r":seqzoo-value:`[^`]+`[A-Za-z0-9]", text)
        assert not glued, f"{path}: a role glued to the next word: {glued}"
        for spec in ROLE.findall(text):
            found += 1
            value, files = seqzoo_docs.data_value(spec, DATA)
            assert value and files, (path, spec)
    assert found >= 30  # C5's prose and the XLA re-run are rendered from the data


def test_value_role_against_hand_computed_figures():
    """The role's resolver, against figures computed here from the raw files."""
    def bests(trials):
        out = []
        for trial in trials:
            records = [json.loads(line) for line in
                       (DATA / "runs" / "c5" / trial / "history.jsonl").read_text().splitlines()
                       if line.strip()]
            accs = [(r["val_accuracy"], r["epoch"]) for r in records if "val_accuracy" in r]
            out.append(max(accs))
        return out

    trials = [p.parent.name for p in sorted((DATA / "runs" / "c5").glob("trial_*/trial.json"))
              if json.loads(p.read_text())["hyperparameters"]["values"]["architecture"]
              == NEW["fastText"]]
    assert len(trials) == 3
    values = bests(trials)
    mean = statistics.fmean(v for v, _ in values)
    std = statistics.stdev(v for v, _ in values)
    spec = f"run c5 {NEW['fastText']} "
    assert Data(DATA).value(spec + "best_val_accuracy±:.4f") == f"{mean:.4f} ± {std:.4f}"
    epochs = [str(e + 1) for _, e in values]
    assert Data(DATA).value(spec + "best_val_accuracy_epoch_by_seed") == (
        ", ".join(epochs[:-1]) + " and " + epochs[-1])
    xla = json.loads((DATA / "benchmarks" / "epoch_times_xla_rnn.json").read_text())
    ratio = next(r["builder_vs_handwritten"] for r in xla["rows"]
                 if r["model"] == "T5 BiLSTM(32)" and r["written"] == "seqzoo")
    assert Data(DATA).value(
        "json benchmarks/epoch_times_xla_rnn.json "
        "rows[model=T5 BiLSTM(32)&written=seqzoo].builder_vs_handwritten:.2f") == f"{ratio:.2f}"


@pytest.mark.parametrize("spec, message", [
    ("run c5 no_such_model.x best_val_accuracy", "no model 'no_such_model.x'"),
    ("run c5 fasttext.imdb_words10k no_such_key", "no key 'no_such_key'"),
    ("json benchmarks/nothing.json rows", "no file"),
    ("json benchmarks/epoch_times.json rows[model=T9]", "matches 0 items"),
    ("table c5 x", "the kind must be one of"),
])
def test_value_role_names_what_is_missing(spec, message):
    with pytest.raises(seqzoo_docs.DataValueError, match=re.escape(message)):
        seqzoo_docs.data_value(spec, DATA)


def _plant(text: str, old: str) -> str:
    """The text with the last digit of ``old`` changed (a figure a typo or a re-run moved)."""
    index = max(i for i, ch in enumerate(old) if ch.isdigit())
    new = old[:index] + str((int(old[index]) + 1) % 10) + old[index + 1:]
    squashed = _squash(text)
    assert squashed.count(_squash(old)) >= 1
    return squashed.replace(_squash(old), _squash(new), 1)


@pytest.mark.parametrize("index", [1, 27, 44, 61, -3])
def test_a_planted_wrong_figure_in_the_prose_fails(index):
    claims = [c for c in CLAIMS if c.values]
    claim = claims[index]
    data = Data(DATA)
    texts = _texts()
    assert not check_claims(texts, [claim], data)
    texts[claim.path] = _plant(texts[claim.path], claim.expected(data))
    problems = check_claims(texts, [claim], data)
    assert len(problems) == 1 and claim.path in problems[0] and "the page says" in problems[0]


def test_a_planted_wrong_figure_in_the_data_fails(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    path = data / "benchmarks" / "epoch_times_c3.json"
    recording = json.loads(path.read_text())
    for row in recording["rows"]:
        if row["model"] == "C3 Embedding + GAP" and row["config"] == "jax" \
                and row["written"] == "seqzoo":
            row["speedup_vs_slides_tf"] = 7.45
    path.write_text(json.dumps(recording))
    claims = [c for c in CLAIMS if "through the builders" in c.phrase]
    assert claims and not check_claims(_texts(), claims, Data(DATA))
    problems = check_claims(_texts(), claims, Data(data))
    assert len(problems) == 1 and "7.5x" in problems[0] and "7.3x" in problems[0]


@pytest.mark.parametrize("path, phrase", list(CONTRADICTED))
def test_no_sentence_the_data_contradicts(path, phrase):
    file = ROOT / path
    if not file.exists():
        pytest.skip(f"{path} is not in this checkout")
    assert phrase not in _squash(file.read_text(encoding="utf-8")), CONTRADICTED[(path, phrase)]


IDLE_FILES = ["docs/benchmarks.rst", "docs/catalogue.rst", "docs/index.rst",
              "docs/quickstart.rst", "docs/lstm.rst", "README.md"] + [
    f"docs/{folder}/{p.name}" for folder in ("guide", "comparisons")
    for p in sorted((DOCS / folder).glob("*.rst"))]


@pytest.mark.parametrize("path", IDLE_FILES)
def test_idle_only_where_the_data_says_so(path):
    """The recordings store no load, so the prose calls no machine idle.

    (The sentence that says so is the only place the word may appear.)
    """
    text = _squash((ROOT / path).read_text(encoding="utf-8"))
    for match in re.finditer(r"\bidle\b", text):
        window = text[max(0, match.start() - 120): match.end() + 120]
        assert "means" in window or "not a measured load" in window, (
            f"{path}: 'idle' without a load record: ...{window}...")


@pytest.mark.parametrize("path", [f"docs/comparisons/c{i}.rst" for i in range(1, 6)])
def test_every_comparison_page_names_its_validation_data(path):
    text = _squash((ROOT / path).read_text(encoding="utf-8"))
    assert "slides protocol" in text and "test reviews" in text, path
