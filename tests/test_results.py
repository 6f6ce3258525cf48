"""keras_seqzoo.results on plain keras-tuner searches with a user's own HyperModel.

The searches run in a subprocess (the backend pytest runs under); the table and
the figure are then read from disk only, after that process has exited. The
comparison directory case is in tests/test_comparison.py.
"""

from __future__ import annotations

import importlib.util
import json
import math
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import keras
import pytest

pytest.importorskip("keras_tuner")
pytest.importorskip("pandas")

from keras_seqzoo import results  # noqa: E402
from keras_seqzoo.cli import main  # noqa: E402

# Reading keras-tuner's files is the same under every Keras backend (scripts/test.sh runs
# it under one); tests/test_callbacks_tuner.py runs searches under each backend.
pytestmark = pytest.mark.one_backend

ROOT = Path(__file__).resolve().parents[1]

SEARCHES = """
import json, sys
import keras, keras_tuner, numpy as np

class MyHyperModel(keras_tuner.HyperModel):  # a user's own, nothing from keras_seqzoo
    def build(self, hp):
        model = keras.Sequential([keras.Input((4,)),
                                  keras.layers.Dense(hp.Int("units", 2, 8, step=2),
                                                     activation="relu"),
                                  keras.layers.Dense(1, activation="sigmoid")])
        model.compile(optimizer=keras.optimizers.Adam(hp.Choice("lr", [0.01, 0.001])),
                      loss="binary_crossentropy", metrics=["accuracy"])
        return model

rng = np.random.default_rng(0)
x = rng.normal(size=(48, 4)).astype("float32")
y = (x[:, 0] > 0).astype("float32")
out = sys.argv[1]
searches = {
    "random": keras_tuner.RandomSearch(MyHyperModel(), objective="val_loss", max_trials=3,
                                       seed=1, directory=out, project_name="random"),
    "hyperband": keras_tuner.Hyperband(MyHyperModel(), objective="val_accuracy", max_epochs=2,
                                       factor=2, hyperband_iterations=1, seed=1,
                                       directory=out, project_name="hyperband"),
}
summary = {}
for name, tuner in searches.items():
    tuner.search(x[:32], y[:32], validation_data=(x[32:], y[32:]), epochs=2, verbose=0,
                 batch_size=16)
    summary[name] = {t.trial_id: {"score": t.score, "status": t.status,
                                  "values": t.hyperparameters.values, "best_step": t.best_step}
                     for t in tuner.oracle.trials.values()}
print(json.dumps(summary))
"""


@pytest.fixture(scope="module")
def searches(tmp_path_factory):
    out = tmp_path_factory.mktemp("searches")
    env = {k: v for k, v in os.environ.items() if not k.startswith("KERASTUNER_")}
    # Any backend writes the same files; JAX, when installed, runs the searches fastest.
    backend = "jax" if importlib.util.find_spec("jax") else keras.backend.backend()
    env.update({"KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"})
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(SEARCHES), str(out)],
                          capture_output=True, text=True, timeout=600, env=env, cwd=out)
    assert done.returncode == 0, done.stderr[-3000:]
    return out, json.loads(done.stdout.strip().splitlines()[-1])


def _params(units: int) -> int:
    return 4 * units + units + units + 1


@pytest.mark.slow
@pytest.mark.parametrize("name, objective", [("random", "val_loss"),
                                             ("hyperband", "val_accuracy")])
def test_trials_table_of_a_finished_search_from_disk(searches, name, objective):
    out, truth = searches
    table = results.trials_table(out / name)
    assert list(table["trial_id"]) == sorted(truth[name])
    assert table.attrs["objective"] == objective  # guessed from the trials' scores
    assert table.attrs["direction"] == ("min" if objective == "val_loss" else "max")
    for _, row in table.iterrows():
        expected = truth[name][row["trial_id"]]
        assert row["status"] == expected["status"]
        assert row["units"] == expected["values"]["units"]
        assert row["lr"] == expected["values"]["lr"]
        assert row["objective"] == pytest.approx(expected["score"])
        assert row["best_epoch"] == expected["best_step"]
        assert row[f"best_{objective}"] == pytest.approx(expected["score"])
        # keras-tuner keeps each metric's best value only: no final value, no timing.
        assert math.isnan(row[f"final_{objective}"]) and math.isnan(row["seconds_per_epoch"])
        assert row["params"] == _params(expected["values"]["units"])  # from the checkpoint
    if name == "hyperband":
        assert {"tuner/epochs", "tuner/initial_epoch", "tuner/bracket"} <= set(table.columns)


@pytest.mark.slow
def test_seqzoo_results_prints_the_table_and_draws_the_search(searches, tmp_path, capsys):
    out, truth = searches
    assert main(["results", str(out / "random"), "-o", str(tmp_path / "search.png")]) == 0
    printed = capsys.readouterr().out
    assert all(trial_id in printed for trial_id in truth["random"])
    assert "objective" in printed and "units" in printed
    assert (tmp_path / "search.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert main(["results", str(out / "hyperband"), "--csv", "--no-plots"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith("trial_id,status,") and len(lines) == 1 + len(truth["hyperband"])


def test_trials_table_of_a_live_tuner(tmp_path):
    import keras_tuner
    import numpy as np

    def build(hp):
        model = keras.Sequential([keras.Input((3,)),
                                  keras.layers.Dense(hp.Choice("units", [1, 2])),
                                  keras.layers.Dense(1, activation="sigmoid")])
        model.compile(optimizer="adam", loss="binary_crossentropy")
        return model

    tuner = keras_tuner.GridSearch(build, objective="loss", directory=tmp_path,
                                   project_name="grid")
    x = np.zeros((8, 3), "float32")
    tuner.search(x, np.zeros((8, 1), "float32"), epochs=1, verbose=0)
    table = results.trials_table(tuner)
    assert sorted(table["units"]) == [1, 2]
    assert table.attrs["objective"] == "loss" and table.attrs["direction"] == "min"
    assert list(table["params"]) == [3 * u + u + u + 1 for u in table["units"]]
    png = results.plot_trials(tuner, tmp_path / "figures")
    assert png == tmp_path / "figures" / "trials.png" and png.stat().st_size > 0


def test_pareto_front_keeps_only_unbeaten_trials():
    points = [(1.0, 0.7, "a"), (2.0, 0.6, "b"), (3.0, 0.9, "c"), (0.5, 0.5, "d"), (3.0, 0.8, "e")]
    assert [p[2] for p in results._pareto(points, maximize=True)] == ["d", "a", "c"]
    assert [p[2] for p in results._pareto(points, maximize=False)] == ["d"]


def test_bad_sources_are_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="is not a directory"):
        results.trials_table(tmp_path / "missing")
    with pytest.raises(TypeError, match="expected a keras_tuner tuner or a project directory"):
        results.trials_table(42)
    (tmp_path / "trial_1").mkdir()
    (tmp_path / "trial_1" / "trial.json").write_text("{oops")
    with pytest.raises(ValueError, match="trial_1/trial.json .* is corrupt"):
        results.trials_table(tmp_path)
    assert results.trials_table(tmp_path / "trial_1").empty  # no trials: an empty table


def test_a_trial_with_conditional_hyperparameters_is_read_twice(tmp_path):
    # keras-tuner's Trial.from_state consumes the conditions of the state it is given.
    import keras_tuner

    from keras_seqzoo.results import _observed, _trial

    hp = keras_tuner.HyperParameters()
    hp.Choice("architecture", ["a", "b"])
    with hp.conditional_scope("architecture", ["a"]):
        hp.Int("a/units", 1, 4)
    trial = keras_tuner.engine.trial.Trial(hyperparameters=hp, trial_id="0")
    state = trial.get_state()
    for _ in range(3):
        assert _trial(state).hyperparameters.values == hp.values
    assert _observed(state) == {}
