"""The machine's load, stored beside every recording so that "idle" is data, not prose.

A recording (a comparison run, a benchmark) calls :func:`load_snapshot` before it
starts and after it ends, and stores :func:`load_record` of the two in its JSON: the
load averages at both ends and, where the kernel shows it (``/proc/stat``), the
fraction of CPU time stolen by the hypervisor and the fraction the machine was busy
in between. :func:`is_idle` is the one rule the docs use to call a recording idle.

Example:

```python
from keras_seqzoo.machine import load_record, load_snapshot

before = load_snapshot()
...  # train, time
record["load"] = load_record(before, load_snapshot())
```
"""

from __future__ import annotations

import os
import time
from typing import Any, Mapping

__all__ = ["IDLE_LOAD_PER_CORE", "is_idle", "load_record", "load_snapshot"]

#: A recording is idle when the 1-minute load average per core stayed at or below this
#: before and after it (the recording's own work counts as one busy core at most).
IDLE_LOAD_PER_CORE = 0.75

_STAT = "/proc/stat"
# /proc/stat's "cpu" line: user nice system idle iowait irq softirq steal guest guest_nice.
_FIELDS = ("user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal")


def _cpu_times() -> dict[str, int] | None:
    try:
        with open(_STAT, encoding="ascii") as handle:
            for line in handle:
                if line.startswith("cpu "):
                    values = [int(v) for v in line.split()[1:]]
                    return dict(zip(_FIELDS, values))
    except (OSError, ValueError):
        return None
    return None


def load_snapshot() -> dict[str, Any]:
    """The machine's load now: load averages, cumulative CPU times, cores and a timestamp.

    Returns:
        A JSON-ready dict (``loadavg``: 1-, 5- and 15-minute averages or ``None`` where
        the platform has none; ``cpu_times``: ``/proc/stat``'s counters or ``None``;
        ``cores``; ``time``: seconds since the epoch).
    """
    try:
        loadavg: list[float] | None = [round(v, 2) for v in os.getloadavg()]
    except (AttributeError, OSError):
        loadavg = None
    return {"loadavg": loadavg, "cpu_times": _cpu_times(), "cores": os.cpu_count(),
            "time": round(time.time(), 3)}


def load_record(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    """What a recording stores about the load between two snapshots.

    Args:
        before: :func:`load_snapshot` taken before the recording.
        after: :func:`load_snapshot` taken after it.

    Returns:
        ``loadavg_before`` and ``loadavg_after`` (1, 5, 15 minutes), ``cores``,
        ``steal_fraction`` and ``busy_fraction`` of the CPU time in between (``None``
        where ``/proc/stat`` is not there), ``seconds`` between the snapshots and
        ``idle`` (:func:`is_idle`).
    """
    steal = busy = None
    a, b = before.get("cpu_times"), after.get("cpu_times")
    if a and b:
        total = sum(b[k] - a[k] for k in _FIELDS)
        if total > 0:
            steal = round((b["steal"] - a["steal"]) / total, 4)
            busy = round(1 - ((b["idle"] + b["iowait"]) - (a["idle"] + a["iowait"])) / total, 4)
    record = {
        "loadavg_before": before.get("loadavg"),
        "loadavg_after": after.get("loadavg"),
        "cores": after.get("cores") or before.get("cores"),
        "steal_fraction": steal,
        "busy_fraction": busy,
        "seconds": round(float(after.get("time", 0)) - float(before.get("time", 0)), 3),
    }
    record["idle"] = is_idle(record)
    return record


def is_idle(record: Mapping[str, Any]) -> bool | None:
    """Whether a load record shows an idle machine (``None`` when it cannot tell).

    Idle: the 1-minute load average per core was at most :data:`IDLE_LOAD_PER_CORE`
    before the recording, and at most that plus one busy core's share after it (the
    recording's own process), and no more than 5 % of the CPU time was stolen.

    Args:
        record: a :func:`load_record`.

    Returns:
        ``True``, ``False`` or ``None`` (no load averages recorded).
    """
    before, after = record.get("loadavg_before"), record.get("loadavg_after")
    cores = record.get("cores") or 1
    if not before or not after:
        return None
    if before[0] / cores > IDLE_LOAD_PER_CORE:
        return False
    if after[0] / cores > IDLE_LOAD_PER_CORE + 1 / cores:
        return False
    steal = record.get("steal_fraction")
    return not (steal is not None and steal > 0.05)
