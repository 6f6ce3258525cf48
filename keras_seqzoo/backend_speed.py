"""Which Keras backend trains each architecture fastest, from the recorded twins table.

The figures are those of ``benchmarks/training/torch_twins.py``'s recording
(``docs/data/benchmarks/torch_twins.json``): every architecture's default path
(keras_seqzoo's builder and layers) on each Keras backend, timed by whole epochs
side by side with its plain PyTorch twin in the same process. The package carries
them in :mod:`keras_seqzoo._backend_speed_table`, which that script writes
(``--advice``); a test checks that it agrees with the recording, so the advice
cannot drift from the table.

Backends are ranked by the ratio of their best epoch to the plain PyTorch twin's
best epoch timed in the same process (below 1: faster than plain PyTorch): each
backend runs in its own process, and the twin in each is the common yardstick.

Example:

```python
import keras_seqzoo
keras_seqzoo.backend_speed.advice_line("stacked_bilstm")
# 'fastest recorded backend on CPU: torch (9.86 s/epoch, 1.13x plain PyTorch); ...'
```
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

__all__ = [
    "advice_line",
    "advice_table",
    "backend_speed",
    "choose_backend",
    "fastest_backend",
    "fastest_by_architecture",
    "recorded_table",
    "write_table_module",
]

#: The ``way`` of the twins table's rows that is the package's default path.
DEFAULT_WAY = "seqzoo"
_TABLE_MODULE = "keras_seqzoo._backend_speed_table"
_ROW_KEYS = ("best", "median", "torch_best", "torch_median", "ratio_best", "ratio_median")


def _recording_summary(recording: Mapping[str, Any]) -> dict[str, Any]:
    hardware = recording.get("hardware") or {}
    load = recording.get("load") or {}
    return {
        "recorded": recording.get("recorded"),
        "command": recording.get("command"),
        "cpus": hardware.get("cpus"),
        "processor": hardware.get("processor"),
        "gpu": hardware.get("gpu"),
        "idle": load.get("idle"),
    }


def advice_table(recording: Mapping[str, Any],
                 architecture_of: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The advice's figures from a twins recording (``torch_twins.json``).

    Args:
        recording: the JSON that ``benchmarks/training/torch_twins.py`` writes
            (``rows`` and ``recordings``).
        architecture_of: table label -> architecture name, for rows recorded before
            rows named their architecture.

    Returns:
        ``{"device", "recordings", "architectures"}``: ``device`` ``"CPU"`` or
        ``"GPU"``; ``recordings`` one summary per recording (date, command, CPUs,
        processor, GPU, idle); ``architectures`` maps each architecture to its
        ``label`` and, per backend, the default path's ``best`` / ``median``
        seconds per epoch, the twin's, their ratios, ``kernels`` and ``recording``
        (an index into ``recordings``).

    Example:

    ```python
    table = advice_table(json.load(open("docs/data/benchmarks/torch_twins.json")))
    ```
    """
    recordings = list(recording.get("recordings") or [recording])
    architectures: dict[str, Any] = {}
    for row in recording.get("rows", []):
        if row.get("way") != DEFAULT_WAY:
            continue
        name = row.get("architecture") or (architecture_of or {}).get(row["model"])
        if name is None:
            raise ValueError(
                f"advice_table: the row of {row['model']!r} names no architecture; pass "
                "architecture_of={label: architecture} (benchmarks.training.twins)")
        entry = architectures.setdefault(name, {"label": row["model"], "backends": {}})
        entry["backends"][row["backend"]] = {
            **{key: round(float(row[key]), 4) for key in _ROW_KEYS},
            "kernels": list(row.get("kernels") or []),
            "recording": int(row.get("recording", 0)),
        }
    gpu = any(r.get("hardware", {}).get("gpu") for r in recordings)
    return {"device": "GPU" if gpu else "CPU",
            "recordings": [_recording_summary(r) for r in recordings],
            "architectures": dict(sorted(architectures.items()))}


def write_table_module(table: Mapping[str, Any], path: str | Path, source: str) -> None:
    """Writes ``table`` (:func:`advice_table`) as the Python module the package reads.

    Args:
        table: the advice's figures.
        path: where to write (``keras_seqzoo/_backend_speed_table.py``).
        source: the recording it was made from, named in the module's docstring.

    Returns:
        None.
    """
    import pprint

    # One line per recording (their machine fields repeat), the rows as pprint lays them out.
    recordings = "".join(f"    {recording!r},\n" for recording in table["recordings"])
    architectures = pprint.pformat(dict(table["architectures"]), width=84, sort_dicts=True)
    text = (f'"""The recorded twins table behind :mod:`keras_seqzoo.backend_speed`.\n\n'
            f"Generated from ``{source}``\nby ``python -m benchmarks.training.torch_twins "
            f"--advice``; do not edit by hand.\n"
            f'"""\n\nSOURCE = {source!r}\nDEVICE = {table["device"]!r}\n'
            f"RECORDINGS = [\n{recordings}]\nARCHITECTURES = {architectures}\n"
            "TABLE = {'device': DEVICE, 'recordings': RECORDINGS, "
            "'architectures': ARCHITECTURES}\n")
    Path(path).write_text(text)


def recorded_table() -> dict[str, Any]:
    """The package's figures: :func:`advice_table` of the recorded twins table.

    Returns:
        ``{"device", "recordings", "architectures"}`` (see :func:`advice_table`).

    Example:

    ```python
    keras_seqzoo.backend_speed.recorded_table()["recordings"][0]["recorded"]
    ```
    """
    import importlib

    return importlib.import_module(_TABLE_MODULE).TABLE


def _architecture(name: str) -> str:
    from keras_seqzoo._registry import resolve

    entry, _ = resolve(name)
    return entry.name


def backend_speed(name: str, table: Mapping[str, Any] | None = None) -> dict[str, Any] | None:
    """The recorded speed of a builder's (or preset's) architecture on each backend.

    Args:
        name: a builder or preset name (a preset gives its builder's figures).
        table: the figures (default: the package's recording).

    Returns:
        ``None`` when the recording lacks the architecture; else ``architecture``,
        ``label`` (the twins table's), ``device``, ``fastest`` (the backend with the
        lowest best-epoch ratio to plain PyTorch), ``backends`` (per backend, best
        first: ``best`` seconds per epoch, ``ratio_best`` and the rest of the row)
        and ``recordings`` (those the rows come from).

    Example:

    ```python
    keras_seqzoo.backend_speed.backend_speed("bilstm")["fastest"]
    ```
    """
    table = recorded_table() if table is None else table
    architecture = _architecture(name)
    entry = table["architectures"].get(architecture)
    if not entry or not entry["backends"]:
        return None
    ranked = _ranked(entry)
    used = sorted({row["recording"] for _, row in ranked})
    return {"architecture": architecture, "label": entry["label"], "device": table["device"],
            "fastest": ranked[0][0], "backends": dict(ranked),
            "recordings": [table["recordings"][i] for i in used]}


def fastest_backend(name: str, table: Mapping[str, Any] | None = None) -> str | None:
    """The recorded fastest backend of ``name``'s architecture, or ``None`` if not recorded."""
    speed = backend_speed(name, table)
    return None if speed is None else speed["fastest"]


def choose_backend(names: Sequence[str], available: Sequence[str] = ("jax", "torch", "tensorflow"),
                   table: Mapping[str, Any] | None = None) -> tuple[str | None, str]:
    """The backend that the recording says trains these architectures fastest together.

    Each process runs one Keras backend, so a comparison of several architectures
    runs them all on one: the one whose estimated seconds per epoch, summed over the
    architectures, is lowest. An architecture's estimate on a backend is its recorded
    ratio to plain PyTorch times the plain PyTorch twin's best epoch (the median of
    the twin's best epochs across the backends' processes: the common yardstick).
    Names are mapped to architectures by their builder (``"bilstm.imdb_words10k"`` is
    ``bilstm``) without importing Keras, so the command can still pick its backend.

    Args:
        names: builder or preset names; those without a recorded row (a user's own
            builder) are left out of the sum, and said so in the reason.
        available: the backends installed here, in order of preference on ties.
        table: the figures (default: the package's recording).

    Returns:
        ``(backend, reason)``: the backend (``None`` when no name has a recorded
        row on an available backend) and why, with each backend's estimate, as a
        phrase: ``"the fastest recorded on CPU for stacked_bilstm (estimated 14.9 s an
        epoch; jax 24.0, tensorflow 41.0) (recording: ...)"``.

    Example:

    ```python
    keras_seqzoo.backend_speed.choose_backend(["stacked_bilstm"])[0]  # 'torch'
    ```
    """
    import statistics

    table = recorded_table() if table is None else table
    recorded: list[str] = []
    unknown: list[str] = []
    for name in dict.fromkeys(n.partition(".")[0] for n in names):
        entry = table["architectures"].get(name)
        (recorded if entry and entry["backends"] else unknown).append(name)
    totals: dict[str, float] = {}
    for backend in available:
        rows = [table["architectures"][a]["backends"].get(backend) for a in recorded]
        if recorded and all(rows):
            totals[backend] = sum(
                row["ratio_best"] * statistics.median(
                    r["torch_best"] for r in table["architectures"][a]["backends"].values())
                for a, row in zip(recorded, rows))
    where = f"recorded on {table['device']}"
    if not totals:
        return None, (f"no speed {where} for {', '.join(names)} on "
                      f"{' or '.join(available) or 'an installed backend'}")
    ranked = sorted(totals.items(), key=lambda item: (item[1], list(available).index(item[0])))
    best, seconds = ranked[0]
    others = ", ".join(f"{b} {s:.1f}" for b, s in ranked[1:])
    reason = (f"the fastest {where} for {', '.join(recorded)} (estimated "
              f"{seconds:.1f} s an epoch" + (f"; {others}" if others else "") + ")")
    if unknown:
        reason += f"; not recorded: {', '.join(unknown)}"
    used = sorted({table["architectures"][a]["backends"][b]["recording"]
                   for a in recorded for b in totals})
    return best, reason + " " + _recordings_note([table["recordings"][i] for i in used])


def fastest_by_architecture(table: Mapping[str, Any] | None = None) -> dict[str, str]:
    """Each recorded architecture's fastest backend (the lowest best-epoch ratio to plain
    PyTorch), read from the table without importing Keras.

    Args:
        table: the figures (default: the package's recording).

    Returns:
        ``{architecture: backend}``, sorted by architecture.

    Example:

    ```python
    keras_seqzoo.backend_speed.fastest_by_architecture()["transformer_encoder"]
    ```
    """
    table = recorded_table() if table is None else table
    return {name: _ranked(entry)[0][0]
            for name, entry in sorted(table["architectures"].items()) if entry["backends"]}


def _ranked(entry: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """An architecture's backends, fastest first: the lowest best-epoch ratio to plain PyTorch."""
    return sorted(entry["backends"].items(), key=lambda item: item[1]["ratio_best"])


def advice_line(name: str, table: Mapping[str, Any] | None = None) -> str:
    """One line of advice: the fastest recorded backend and the others' ratios.

    Args:
        name: a builder or preset name.
        table: the figures (default: the package's recording).

    Returns:
        The advice as one line, for example::

            fastest recorded backend on CPU: torch (9.86 s/epoch, 1.13x plain PyTorch); tensorflow 1.14x; jax 2.23x (recording: 2 CPUs AMD EPYC, 2026-11-27)

        or ``fastest recorded backend on CPU: not recorded``.
    """
    table = recorded_table() if table is None else table
    speed = backend_speed(name, table)
    head = f"fastest recorded backend on {table['device']}: "
    if speed is None:
        return head + "not recorded"
    (first, row), *others = speed["backends"].items()
    text = f"{head}{first} ({row['best']:.2f} s/epoch, {row['ratio_best']:.2f}x plain PyTorch)"
    text += "".join(f"; {b} {r['ratio_best']:.2f}x" for b, r in others)
    return text + " " + _recordings_note(speed["recordings"])


def _recordings_note(recordings: Sequence[Mapping[str, Any]]) -> str:
    """``(recording: 2 CPUs AMD EPYC, 2026-12-02)``: the machines and dates of the figures."""
    machines = sorted({f"{r['cpus']} CPUs {r['processor']}" + (f", GPU {r['gpu']}" if r['gpu']
                                                               else "")
                       for r in recordings})
    dates = sorted({str(r["recorded"]) for r in recordings})
    return f"(recording: {'; '.join(machines)}, {', '.join(dates)})"
