"""The C6 searches and rows recorded before ``tune`` masked padding, for the page's table.

Until commit ``bea1b03`` the C6 searches built every architecture with its builder's
default ``mask_zero``: ``False`` for ``bilstm``, ``stacked_bilstm``, ``bigru``,
``embedding_pooling`` and ``transformer_encoder``, which then read the padding after each
text as tokens. Since then the data fix ``mask_zero=True`` wherever a builder takes it,
and those architectures are recorded again (``seqzoo reproduce c6 --task T --redo ...``)
with the same budget. The searches are not paired trial by trial: the unmasked ones ran
with the random seed keras-tuner draws for seed 0, so each search is compared as a whole
(how many of its trials learned nothing, its best score, its seeds' test score).

This script reads the unmasked records from git (the redo deletes them from the working
tree) and writes, per task and architecture, the search trials' hyperparameters and
validation scores and the leaderboard row (where the seeds were trained).

Run from a git checkout (a second):

```bash
python scripts/c6_before_masking.py --json docs/data/runs/c6/before_masking.json
```
"""

from __future__ import annotations

import argparse
import json
import subprocess
from pathlib import PurePosixPath
from typing import Any

#: The last commit whose C6 records were made without masking padding.
COMMIT = "bea1b03"
ROOT = PurePosixPath("docs/data/runs/c6")
TASKS = ("imdb", "20newsgroups", "reuters_r8", "sms_spam")
#: What the page compares of a leaderboard row.
ROW_KEYS = ("val_mean", "test_mean", "test_std", "test_f1", "test_macro_f1",
            "seconds_per_epoch", "search_best", "hyperparameters")


def _git(*args: str) -> str:
    return subprocess.run(["git", *args], check=True, capture_output=True, text=True).stdout


def _json(commit: str, path: PurePosixPath) -> Any:
    return json.loads(_git("show", f"{commit}:{path}"))


def _unmasked(commit: str, task: str) -> list[str]:
    """The architectures whose search (finished or not) built ``mask_zero=False``."""
    names = set()
    for line in _git("ls-tree", "-r", "--name-only", commit, str(ROOT / task / "search")
                     ).splitlines():
        path = PurePosixPath(line)
        if path.name == "run.json" and path.parent.name.startswith("trial_"):
            arguments = _json(commit, path)["model"]["arguments"]
            if arguments.get("mask_zero") is False:
                names.add(path.parent.parent.name)
    return sorted(names)


def _trials(commit: str, task: str, name: str) -> dict[str, Any]:
    """Trial id -> status, validation score and the searched hyperparameters."""
    trials = {}
    for line in _git("ls-tree", "-r", "--name-only", commit,
                     str(ROOT / task / "search" / name)).splitlines():
        path = PurePosixPath(line)
        if path.name == "trial.json":
            trial = _json(commit, path)
            values = {k: v for k, v in trial["hyperparameters"]["values"].items()
                      if k != "seqzoo_search"}
            trials[trial["trial_id"]] = {"status": trial["status"], "score": trial["score"],
                                         "hyperparameters": values}
    return dict(sorted(trials.items(), key=lambda kv: int(kv[0])))


def record(commit: str = COMMIT) -> dict[str, Any]:
    """Per task, per unmasked architecture: its search trials and its leaderboard row."""
    tasks: dict[str, Any] = {}
    for task in TASKS:
        board = _json(commit, ROOT / task / "leaderboard.json")
        rows = {r["architecture"]: r for r in board["rows"]}
        tasks[task] = {
            name: {"trials": _trials(commit, task, name),
                   "row": ({k: rows[name][k] for k in ROW_KEYS if k in rows[name]}
                           if name in rows else None)}
            for name in _unmasked(commit, task)}
    return {"commit": _git("rev-parse", commit).strip(), "metric": "accuracy", "tasks": tasks}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commit", default=COMMIT)
    parser.add_argument("--json", required=True, help="where to write the record")
    args = parser.parse_args(argv)
    with open(args.json, "w", encoding="utf-8") as f:
        f.write(json.dumps(record(args.commit), indent=2) + "\n")


if __name__ == "__main__":
    main()
