"""The comparison oracle: every (architecture, seed) pair once, and the takeover rule.

A comparison is a grid over ``architecture`` x ``seed``. keras-tuner's
``GridSearchOracle`` walks a grid as an odometer from the default values, keeping
a linked list of trial ids in its state; a comparison's grid may grow between
two runs (more models or seeds in the same folder), a trial folder deleted by
hand is trained again under its own id, and a silent worker's trial is handed
to another: none of these fits the odometer, so :class:`ComparisonOracle`
proposes from the list itself on keras-tuner's base ``Oracle``, reading only
its public state (``trials``, ``ongoing_trials``, ``tuner_ids``) and its
saved-state dict.
"""

from __future__ import annotations

import time
from typing import Any, Iterable, Mapping

import keras_tuner

from keras_seqzoo.comparison.report import ARCHITECTURE, SEED

__all__ = ["ComparisonOracle"]

_ENDED = ("COMPLETED", "FAILED")


def _key(values: Mapping[str, Any]) -> tuple[str, Any]:
    return (str(values.get(ARCHITECTURE)), values.get(SEED))


class ComparisonOracle(keras_tuner.Oracle):
    """Proposes every (architecture, seed) pair once, in order (models, then seeds).

    Like keras-tuner's ``GridSearch`` over a fixed list; in addition, with
    ``takeover_after`` a worker that finds nothing new to do takes over a
    running trial whose worker has not reported for that many seconds.

    Args:
        grid: the ``(architecture, seed)`` pairs, in the order to train them.
        takeover_after: seconds of silence after which another worker takes a
            trial over; ``None``: only its own worker (restarted) continues it.
        **kwargs: passed to ``keras_tuner.Oracle`` (``objective``).

    Example:

    ```python
    import keras_tuner
    oracle = ComparisonOracle([("conv1d", 0), ("conv1d", 1)],
                              objective=keras_tuner.Objective("val_accuracy", "max"))
    ```
    """

    def __init__(self, grid: Iterable[tuple[str, int]], *, takeover_after: float | None = None,
                 **kwargs: Any):
        grid = list(grid)
        hp = keras_tuner.HyperParameters()
        hp.Choice(ARCHITECTURE, list(dict.fromkeys(m for m, _ in grid)), ordered=False)
        hp.Choice(SEED, list(dict.fromkeys(s for _, s in grid)), ordered=False)
        super().__init__(hyperparameters=hp, max_retries_per_trial=1,
                         max_consecutive_failed_trials=len(grid) + 1, **kwargs)
        self.grid = [{ARCHITECTURE: m, SEED: s} for m, s in grid]
        self.takeover_after = takeover_after
        self._contact: dict[str, float] = {}

    # -- what is left ----------------------------------------------------------------------

    def _grid_trials(self) -> dict[tuple[str, Any], Any]:
        return {_key(t.hyperparameters.values): t for t in self.trials.values()}

    def _untried(self) -> list[dict[str, Any]]:
        tried = self._grid_trials()
        return [v for v in self.grid if _key(v) not in tried]

    def _waiting(self) -> list[Any]:
        """Trials of the grid that neither ended nor run: keras-tuner's retries."""
        running = {t.trial_id for t in self.ongoing_trials.values()}
        wanted = {_key(v) for v in self.grid}
        return [t for k, t in self._grid_trials().items()
                if k in wanted and t.status not in _ENDED and t.trial_id not in running]

    def populate_space(self, trial_id: str) -> dict[str, Any]:
        untried = self._untried()
        if untried:
            return {"status": "RUNNING", "values": dict(untried[0])}
        if self.ongoing_trials:
            return {"status": "IDLE", "values": None}
        return {"status": "STOPPED", "values": None}

    def done(self) -> bool:
        """Whether every pair has ended (completed or failed) and no trial runs."""
        return not (self._untried() or self._waiting() or self.ongoing_trials)

    # -- the takeover and the signs of life ------------------------------------------------

    def _silent_trial(self, tuner_id: str, now: float) -> Any:
        if (self.takeover_after is None or tuner_id in self.ongoing_trials
                or self._waiting() or self._untried()):
            return None
        for other, trial in list(self.ongoing_trials.items()):
            silent = now - self._contact.get(other, now)
            if other != tuner_id and silent > self.takeover_after:
                print(f"compare: trial {trial.trial_id} of {other!r} had no report for "
                      f"{silent:.0f} s; {tuner_id!r} takes it over", flush=True)
                self.ongoing_trials.pop(other)
                self.tuner_ids.discard(other)
                return trial
        return None

    def create_trial(self, tuner_id: str) -> Any:
        now = time.monotonic()
        self._contact[tuner_id] = now
        taken = self._silent_trial(tuner_id, now)
        if taken is not None:  # handed over as it is: same id, folder and backup
            taken.status = "RUNNING"
            self.ongoing_trials[tuner_id] = taken
            self.tuner_ids.add(tuner_id)
            self.save()
        return super().create_trial(tuner_id)

    def _touch(self, trial_id: str) -> None:
        for tuner_id, trial in self.ongoing_trials.items():
            if trial.trial_id == trial_id:
                self._contact[tuner_id] = time.monotonic()

    def update_trial(self, trial_id: str, metrics: Mapping[str, float], step: int = 0) -> Any:
        self._touch(trial_id)
        return super().update_trial(trial_id, metrics, step=step)

    def end_trial(self, trial: Any) -> None:
        self._touch(trial.trial_id)
        return super().end_trial(trial)

    def silent_since(self, tuner_id: str, now: float) -> float:
        """Seconds since ``tuner_id`` last talked to this oracle (0 when never)."""
        return now - self._contact.get(tuner_id, now)

    def set_state(self, state: Mapping[str, Any]) -> None:
        # A trial folder deleted by hand (e.g. after a corrupt trial.json): the trial is
        # recreated under its own id and queued, so that it is trained again in a new
        # folder of the same name; the other trials are kept as they are.
        state = dict(state)
        wanted = {_key(v): v for v in self.grid}
        hashes = {self._compute_values_hash(v): v for v in self.grid}
        missing = [t for t in state["id_to_hash"] if t not in self.trials]
        for trial_id in missing:
            values = hashes.get(state["id_to_hash"][trial_id])
            if values is None or _key(values) not in wanted:
                continue  # not a pair of this grid: leave it out of the search
            hp = keras_tuner.HyperParameters.from_config(state["hyperparameters"])
            hp.values = dict(values)
            self.trials[trial_id] = keras_tuner.engine.trial.Trial(
                hyperparameters=hp, trial_id=trial_id, status="RUNNING")
        known = set(self.trials)
        state["ongoing_trials"] = {k: v for k, v in state["ongoing_trials"].items()
                                   if v in known and v not in missing}
        state["end_order"] = [t for t in state["end_order"] if t in known and t not in missing]
        state["start_order"] = [t for t in state["start_order"] if t in known]
        state["retry_queue"] = [t for t in state["retry_queue"] if t in known]
        state["retry_queue"] += [t for t in missing
                                 if t in known and t not in state["retry_queue"]]
        super().set_state(state)
