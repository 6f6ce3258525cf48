"""HistoryExporter inside ``tuner.search(callbacks=[...])`` (real keras-tuner tuners).

keras-tuner deep-copies the search's callbacks for every trial; every trial's
history must be kept in its own folder, and nothing may be overwritten.
"""

from __future__ import annotations

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


@pytest.mark.parametrize("resume", [pytest.param(False, marks=pytest.mark.slow), True])
def test_an_unknown_trial_fails_before_the_second_trial_and_overwrites_nothing(
        tmp_path, tiny_data, tiny_model, resume):
    runs = tmp_path / "runs"
    tuner = _tuner(_OwnHyperModel(tiny_model, bind=False), tmp_path, max_trials=3)
    with pytest.raises(ValueError, match=r"bind_trial\(kwargs\['callbacks'\]\)") as error:
        _search(tuner, tiny_data, [HistoryExporter(runs, resume=resume)], epochs=2)
    assert "keras_seqzoo.tuning.HyperModel" in str(error.value)
    # The first trial's history is whole; the second trial never trained.
    assert [r["epoch"] for r in read_history(runs)] == [0, 1]
    assert len((runs / "history.jsonl").read_text().splitlines()) == 2
    run = read_run(runs)
    assert len(run["fits"]) == 1 and run["status"] == "finished"
    assert len(_trial_ids(tuner)) == 1


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
