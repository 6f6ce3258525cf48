"""HistoryExporter inside ``tuner.search(callbacks=[...])`` (real keras-tuner tuners).

keras-tuner deep-copies the search's callbacks for every trial; every trial's
history must be kept in its own folder, and nothing may be overwritten.
"""

from __future__ import annotations

import copy
import json

import keras
import pytest

keras_tuner = pytest.importorskip("keras_tuner")
tuning = pytest.importorskip("keras_seqzoo.tuning")

from keras_seqzoo import space  # noqa: E402
from keras_seqzoo.callbacks import (  # noqa: E402
    EpochTimer,
    HistoryExporter,
    bind_trial,
    read_history,
    read_run,
)


def _tuner(hypermodel, directory, **kwargs):
    kwargs.setdefault("max_trials", 2)
    return keras_tuner.RandomSearch(hypermodel, objective="val_loss", seed=1,
                                    directory=str(directory), project_name="search", **kwargs)


def _search(tuner, tiny_data, callbacks, epochs=2):
    x, y = tiny_data()
    tuner.search(x, y, validation_split=0.25, batch_size=8, epochs=epochs, verbose=0,
                 callbacks=callbacks)


def _zoo_hypermodel():
    return tuning.HyperModel("embedding_pooling", vocab_size=50, max_length=8,
                             embedding_dim=space.Choice([2, 4, 6]), dense_units=2)


class _OwnHyperModel(keras_tuner.HyperModel):
    """A user's own HyperModel; ``bind`` says whether its fit calls bind_trial."""

    def __init__(self, tiny_model, bind):
        super().__init__()
        self.tiny_model, self.bind = tiny_model, bind

    def build(self, hp):
        hp.Choice("unused", [1, 2, 3])
        return self.tiny_model()

    def fit(self, hp, model, *args, **kwargs):
        if self.bind:
            bind_trial(kwargs.get("callbacks"))
        return model.fit(*args, **kwargs)


def _trial_ids(tuner):
    return sorted(t.trial_id for t in tuner.oracle.trials.values()
                  if t.status == "COMPLETED")


@pytest.mark.parametrize("resume", [False, pytest.param(True, marks=pytest.mark.slow)])
def test_each_trial_of_a_seqzoo_hypermodel_gets_its_own_folder(tmp_path, tiny_data, resume):
    runs = tmp_path / "runs"
    tuner = _tuner(_zoo_hypermodel(), tmp_path)
    _search(tuner, tiny_data, [EpochTimer(verbose=0), HistoryExporter(runs, resume=resume)])

    ids = _trial_ids(tuner)
    assert len(ids) == 2
    assert sorted(p.name for p in runs.iterdir()) == [f"trial_{i}" for i in ids]
    assert not (runs / "history.jsonl").exists()  # nothing at the top level
    for trial_id in ids:
        folder = runs / f"trial_{trial_id}"
        records = read_history(folder)
        assert [r["epoch"] for r in records] == [0, 1]
        assert records[0]["warmup"] is True and records[1]["epoch_time"] > 0
        run = read_run(folder)
        assert run["trial_id"] == trial_id and run["status"] == "finished"
        # The history is the trial's own: keras-tuner recorded the same val_loss.
        best = tuner.oracle.get_trial(trial_id).metrics.get_best_value("val_loss")
        assert min(r["val_loss"] for r in records) == pytest.approx(best)


def test_a_users_hypermodel_that_binds_the_trial_gets_one_folder_per_trial(
        tmp_path, tiny_data, tiny_model):
    runs = tmp_path / "runs"
    tuner = _tuner(_OwnHyperModel(tiny_model, bind=True), tmp_path)
    _search(tuner, tiny_data, [HistoryExporter(runs)], epochs=1)
    ids = _trial_ids(tuner)
    assert len(ids) == 2
    for trial_id in ids:
        assert read_run(runs / f"trial_{trial_id}")["trial_id"] == trial_id


def _build_fn(tiny_model):
    def build(hp):
        hp.Choice("unused", [1, 2, 3, 4])
        return tiny_model()
    return build


def _assert_one_history_per_trial(tuner, runs, epochs, n_trials):
    ids = _trial_ids(tuner)
    assert len(ids) == n_trials
    assert sorted(p.name for p in runs.iterdir()) == [f"trial_{i}" for i in ids]
    assert not (runs / "history.jsonl").exists()  # nothing at the top level
    for trial_id in ids:
        folder = runs / f"trial_{trial_id}"
        records = read_history(folder)
        assert [r["epoch"] for r in records] == list(range(epochs))
        run = read_run(folder)
        assert run["trial_id"] == trial_id and run["status"] == "finished"
        # The history is the trial's own: keras-tuner recorded the same val_loss.
        best = tuner.oracle.get_trial(trial_id).metrics.get_best_value("val_loss")
        assert min(r["val_loss"] for r in records) == pytest.approx(best)


@pytest.mark.parametrize("resume", [False, pytest.param(True, marks=pytest.mark.slow)])
def test_a_plain_build_function_keeps_one_history_per_trial(
        tmp_path, tiny_data, tiny_model, resume):
    # kt.RandomSearch(build_fn): keras-tuner's own default HyperModel; nothing binds the trial.
    runs = tmp_path / "runs"
    tuner = _tuner(_build_fn(tiny_model), tmp_path, max_trials=3)
    _search(tuner, tiny_data, [EpochTimer(verbose=0), HistoryExporter(runs, resume=resume)])
    _assert_one_history_per_trial(tuner, runs, epochs=2, n_trials=3)
    for trial_id in _trial_ids(tuner):
        records = read_history(runs / f"trial_{trial_id}")
        assert records[0]["warmup"] is True and records[1]["epoch_time"] > 0


def test_a_users_hypermodel_without_bind_trial_keeps_one_history_per_trial(
        tmp_path, tiny_data, tiny_model):
    runs = tmp_path / "runs"
    tuner = _tuner(_OwnHyperModel(tiny_model, bind=False), tmp_path, max_trials=3)
    _search(tuner, tiny_data, [HistoryExporter(runs)], epochs=2)
    _assert_one_history_per_trial(tuner, runs, epochs=2, n_trials=3)


class _StopOnce(keras.callbacks.Callback):
    """Interrupts the search once, at epoch ``epoch`` of the ``trial``-th trial
    (class attributes: every trial's deep copy shares them)."""

    fits = 0
    stopped = False

    def __init__(self, trial, epoch):
        super().__init__()
        self.trial, self.epoch = trial, epoch

    def on_train_begin(self, logs=None):
        type(self).fits += 1

    def on_epoch_begin(self, epoch, logs=None):
        if type(self).fits == self.trial and epoch == self.epoch and not type(self).stopped:
            type(self).stopped = True
            raise KeyboardInterrupt("simulated interruption")


def test_a_search_resumed_with_backup_and_restore_continues_the_trials_history(
        tmp_path, tiny_data, tiny_model):
    # The search stops in trial 2 at epoch 2. A new tuner on the same project
    # resumes that trial (same id); BackupAndRestore restarts it at epoch 2 and
    # the exporter (resume=True) continues its history, then trial 3 runs.
    runs, backup = tmp_path / "runs", tmp_path / "backup"

    def callbacks():
        return [HistoryExporter(runs, resume=True),
                keras.callbacks.BackupAndRestore(str(backup)), _StopOnce(2, 2)]

    tuner = _tuner(_build_fn(tiny_model), tmp_path, max_trials=3)
    with pytest.raises(KeyboardInterrupt):
        _search(tuner, tiny_data, callbacks(), epochs=4)
    (interrupted,) = [p for p in runs.iterdir()
                      if [r["epoch"] for r in read_history(p)] == [0, 1]]
    assert read_run(interrupted)["status"] == "running"

    tuner = _tuner(_build_fn(tiny_model), tmp_path, max_trials=3, overwrite=False)
    _search(tuner, tiny_data, callbacks(), epochs=4)
    _assert_one_history_per_trial(tuner, runs, epochs=4, n_trials=3)
    run = read_run(interrupted)
    assert [f["first_epoch"] for f in run["fits"]] == [0, 2]
    assert [f["status"] for f in run["fits"]] == ["failed", "finished"]
    assert len((interrupted / "history.jsonl").read_text().splitlines()) == 4


@pytest.mark.parametrize("resume", [False, True])
def test_copies_that_cannot_know_their_trial_never_overwrite_each_other(
        tmp_path, tiny_model, fit_tiny, resume):
    # Copies made outside keras-tuner: the first writes to the directory, the
    # second is refused before it trains.
    exporter = HistoryExporter(tmp_path / "runs", resume=resume)
    first, second = copy.deepcopy([exporter]), copy.deepcopy([exporter])
    fit_tiny(tiny_model(), first, epochs=2)
    with pytest.raises(ValueError, match=r"bind_trial\(kwargs\['callbacks'\]\)"):
        fit_tiny(tiny_model(), second, epochs=2)
    assert [r["epoch"] for r in read_history(tmp_path / "runs")] == [0, 1]
    run = read_run(tmp_path / "runs")
    assert len(run["fits"]) == 1 and run["status"] == "finished"


def test_a_trial_id_that_is_not_a_plain_name_is_refused(tmp_path):
    exporter = HistoryExporter(tmp_path)
    for bad in ("../up", "a/b", ".hidden", "", None, 1.5):
        with pytest.raises(ValueError, match=r"set_trial: `trial_id` must be a plain name"):
            exporter.set_trial(bad)
    with pytest.raises(ValueError, match="trial_id='../x'"):
        bind_trial([exporter], trial_id="../x")
    exporter.set_trial("07")
    assert exporter.run_directory == tmp_path / "trial_07"


@pytest.mark.slow
def test_several_executions_per_trial_get_one_folder_each(tmp_path, tiny_data):
    runs = tmp_path / "runs"
    tuner = _tuner(_zoo_hypermodel(), tmp_path, max_trials=1, executions_per_trial=2)
    _search(tuner, tiny_data, [HistoryExporter(runs)], epochs=1)
    (trial_id,) = _trial_ids(tuner)
    folder = runs / f"trial_{trial_id}"
    assert sorted(p.name for p in folder.iterdir()) == ["execution_0", "execution_1"]
    for execution in ("execution_0", "execution_1"):
        assert [r["epoch"] for r in read_history(folder / execution)] == [0]
        assert json.loads((folder / execution / "run.json").read_text())["trial_id"] == trial_id


def test_bind_trial_without_a_tuner_changes_nothing(tmp_path, tiny_model, fit_tiny):
    exporter = HistoryExporter(tmp_path)
    bind_trial([exporter, keras.callbacks.History()])
    assert exporter.run_directory == tmp_path
    fit_tiny(tiny_model(), [exporter], epochs=1)
    assert [r["epoch"] for r in read_history(tmp_path)] == [0]
