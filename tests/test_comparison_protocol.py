"""The sound protocol, the runner's trust rules and ``tune``, on tiny random data.

- sound protocol: each trial keeps its best epoch's weights (checkpoint.weights.h5),
  restores them and evaluates the test split once; the table ranks by validation
  and gives test mean ± std with a 95 % confidence interval;
- the runner trusts no one: ``--overwrite`` deletes only a comparison or a
  keras-tuner project, trial ids are checked before a path is built, the chief's
  token (tests/test_comparison_workers.py starts real processes for it);
- ``tune``: one search per architecture, then the chosen configuration over seeds.
"""

from __future__ import annotations

import csv
import json
import math
import warnings

import keras
import numpy as np
import pytest

from keras_seqzoo import comparison, results
from keras_seqzoo.callbacks import read_history, read_run
from keras_seqzoo.comparison import _tuner_grpc, report
from keras_seqzoo.comparison.trainer import CHECKPOINT_FILE, TrialTrainer, check_trial_id
from tests._comparison_process import TEST_COMPILE, tiny_data

pytestmark = pytest.mark.one_backend


def _run(out, **options):
    options.setdefault("epochs", 3)
    options.setdefault("verbose", 0)
    options["compile_options"] = {**TEST_COMPILE, **options.get("compile_options", {})}
    return comparison.compare(["embedding_pooling"], data=options.pop("data", None)
                              or tiny_data(test=True), output_dir=out, **options)


def test_sound_protocol_restores_the_best_epoch_and_tests_once_with_it(tmp_path):
    out = tmp_path / "run"
    result = _run(out, seeds=(0, 1), epochs=4)
    row = result.rows[0]
    folders = comparison.model_runs(out)["embedding_pooling"]
    tests = []
    for seed, folder in zip((0, 1), folders):
        run, history = read_run(folder), read_history(folder)
        best = max(history, key=lambda r: r["val_accuracy"])
        assert run["protocol"] == "sound" and run["best_epoch"] == best["epoch"]
        assert run["validation"]["val_accuracy"] == pytest.approx(best["val_accuracy"])
        assert (folder / CHECKPOINT_FILE).exists()
        # The recorded test accuracy is the checkpoint's, evaluated on the test split.
        trainer = TrialTrainer(tiny_data(test=True), epochs=1, compile_options={})
        model = trainer.build("embedding_pooling", seed)
        model.load_weights(folder / CHECKPOINT_FILE)
        scores = model.evaluate(tiny_data(test=True).test, verbose=0, return_dict=True)
        assert run["test"]["accuracy"] == pytest.approx(scores["accuracy"], abs=1e-6)
        # ... and it differs from the validation score: the splits are not mixed up.
        tests.append(run["test"]["accuracy"])
        # The machine's load over the trial is part of the record (issue: "idle" as data).
        load = run["load"]
        assert len(load["loadavg_before"]) == 3 and len(load["loadavg_after"]) == 3
        assert load["seconds"] > 0 and load["idle"] in (True, False)
    assert row["protocol"] == "sound" and row["rank"] == 1
    assert row["test_accuracy"] == pytest.approx(np.mean(tests))
    assert row["test_accuracy_std"] == pytest.approx(np.std(tests, ddof=1))
    half = 12.706 * np.std(tests, ddof=1) / math.sqrt(2)
    assert row["test_accuracy_ci95"] == pytest.approx(half)
    table = result.table_markdown
    assert "test accuracy 95 % CI" in table and "val accuracy" in table and "rank" in table
    with open(out / "comparison.csv", newline="") as handle:
        columns = next(csv.reader(handle))
    assert {"val_accuracy", "test_accuracy", "test_accuracy_ci95"} <= set(columns)
    # trials_table carries the same names: val_<metric> at the best epoch, test_<metric>.
    table = results.trials_table(out)
    for folder, (_, trial) in zip(folders, table.iterrows()):
        run = read_run(folder)
        assert trial["test_accuracy"] == pytest.approx(run["test"]["accuracy"])
        assert trial["val_accuracy"] == pytest.approx(run["validation"]["val_accuracy"])


def test_a_run_stopped_before_its_test_keeps_the_sound_table(tmp_path):
    out = tmp_path / "run"
    _run(out, seeds=(0, 1), epochs=2)
    # A run stopped mid-fit (SIGTERM between sittings) has written its start, metadata
    # included, but not what its end adds: the protocol, best epoch and the two splits.
    stopped = comparison.model_runs(out)["embedding_pooling"][1] / "run.json"
    record = json.loads(stopped.read_text())
    assert record["metadata"]["protocol"] == "sound"
    for key in ("protocol", "best_epoch", "validation", "test"):
        del record[key]
    stopped.write_text(json.dumps({**record, "status": "interrupted"}))
    result = report.write_report(out)
    row = result.rows[0]
    finished = read_run(comparison.model_runs(out)["embedding_pooling"][0])
    assert row["protocol"] == "sound" and row["rank"] == 1
    assert row["test_accuracy"] == pytest.approx(finished["test"]["accuracy"])
    assert "Protocol: sound" in result.table_markdown
    assert "Protocol: slides" not in (out / "comparison.md").read_text()


def test_ci95_uses_students_t():
    assert report.ci95([1.0]) is None
    assert report.ci95([0.85, 0.86, 0.87]) == pytest.approx(4.303 * 0.01 / math.sqrt(3))


def test_slides_protocol_has_no_test_and_no_checkpoint(tmp_path):
    out = tmp_path / "run"
    result = _run(out, protocol="slides", epochs=2)
    folder = comparison.model_runs(out)["embedding_pooling"][0]
    assert not (folder / CHECKPOINT_FILE).exists() and "test" not in read_run(folder)
    assert "test accuracy" not in result.table_markdown
    # The slides tracked accuracy only, so their seconds per epoch carry no extra metrics.
    keys = set(read_history(folder)[0])
    assert {"accuracy", "val_accuracy"} <= keys and not keys & {"f1", "auc", "precision"}
    assert "Protocol: slides" in result.table_markdown
    assert json.loads((out / "comparison.json").read_text())["protocol"] == "slides"


def test_patience_stops_a_trial_that_does_not_improve(tmp_path):
    # A learning rate of 1e-12 leaves the weights as they are: validation never improves,
    # so patience=1 stops after the second epoch.
    out = tmp_path / "run"
    _run(out, epochs=6, patience=1, compile_options={"learning_rate": 1e-12})
    folder = comparison.model_runs(out)["embedding_pooling"][0]
    assert [r["epoch"] for r in read_history(folder)] == [0, 1]
    assert read_run(folder)["best_epoch"] == 0


def test_class_weight_balanced_is_computed_and_bad_ones_refused(tmp_path):
    out = tmp_path / "run"
    _run(out, epochs=1, class_weight="balanced")
    assert json.loads((out / "comparison.json").read_text())["class_weight"] == "balanced"
    for bad in ("inverse", {0: -1.0}, {"a": 1.0}):
        with pytest.raises(ValueError, match="class_weight must be 'balanced'"):
            _run(tmp_path / "bad", class_weight=bad)
    assert not (tmp_path / "bad").exists()


def test_a_protocol_other_than_the_datas_is_refused(tmp_path):
    data = tiny_data(test=True)
    data.protocol = "slides"
    with pytest.raises(ValueError, match="loaded with protocol='slides'"):
        _run(tmp_path / "run", data=data, protocol="sound")
    assert not (tmp_path / "run").exists()


# -- trust no one --------------------------------------------------------------------------


def test_overwrite_deletes_only_a_comparison_or_a_keras_tuner_project(tmp_path):
    foreign = tmp_path / "home"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep me")
    (foreign / "photos").mkdir()
    with pytest.raises(ValueError, match=r"holds notes.txt, photos .*Nothing was deleted"):
        _run(foreign, overwrite=True)
    assert (foreign / "notes.txt").read_text() == "keep me"
    empty = tmp_path / "empty"
    empty.mkdir()
    _run(empty, overwrite=True, epochs=1)  # an empty folder is fine
    _run(empty, overwrite=True, epochs=2)  # and so is a comparison
    assert json.loads((empty / "comparison.json").read_text())["epochs"] == 2


@pytest.mark.parametrize("trial_id", ["../../etc", "a/b", "", "..", "x" * 65, 7, "0\x00"])
def test_trial_ids_are_checked_before_any_path(trial_id):
    with pytest.raises(ValueError, match="is not 1-64 letters"):
        check_trial_id(trial_id)


def test_the_tuner_builds_no_folder_from_a_bad_trial_id(tmp_path):
    from keras_seqzoo.comparison.oracle import ComparisonOracle
    from keras_seqzoo.comparison.trainer import ComparisonTuner
    import keras_tuner

    oracle = ComparisonOracle([("a", 0)], objective=keras_tuner.Objective("val_loss", "min"))
    tuner = ComparisonTuner(oracle=oracle, directory=str(tmp_path), project_name="p")
    assert tuner.get_trial_dir("00").endswith("trial_00")
    with pytest.raises(ValueError, match="trial id '../x'"):
        tuner.get_trial_dir("../x")
    assert not (tmp_path / "x").exists() and not (tmp_path / "trial_..").exists()


def test_keras_tuner_version_range_is_pinned():
    import keras_tuner

    assert _tuner_grpc.SUPPORTED_KERAS_TUNER == ("1.4.0", "1.5.0")
    _tuner_grpc.check_version()  # the installed keras-tuner is in range
    low, high = _tuner_grpc.SUPPORTED_KERAS_TUNER
    assert _tuner_grpc._version_tuple(low) <= _tuner_grpc._version_tuple(
        keras_tuner.__version__) < _tuner_grpc._version_tuple(high)
    for version in ("1.3.5", "1.5.0", "2.0.0"):
        with pytest.raises(ImportError, match="keras-tuner >=1.4.0,<1.5.0"):
            _tuner_grpc.check_version(version)


def test_no_private_keras_tuner_import_outside_the_grpc_module():
    from pathlib import Path

    import keras_seqzoo

    package = Path(keras_seqzoo.__file__).parent
    offenders = [p.relative_to(package).as_posix() for p in package.rglob("*.py")
                 if "keras_tuner.src" in p.read_text(encoding="utf-8")
                 and p.name != "_tuner_grpc.py"]
    assert offenders == []


# -- tune ----------------------------------------------------------------------------------


def test_tune_searches_each_model_then_runs_the_choice_over_seeds(tmp_path):
    out = tmp_path / "tuned"
    # One epoch: the searches' and the seeds' bookkeeping is checked, not the learning.
    result = comparison.tune(["embedding_pooling", "conv1d"], data=tiny_data(test=True),
                             trials=2, epochs=1, seeds=(0, 1), output_dir=out, verbose=0,
                             compile_options=TEST_COMPILE)
    tuned = json.loads((out / "tuned.json").read_text())
    assert sorted(tuned) == ["conv1d", "embedding_pooling"]
    for name in tuned:
        search = out / "search" / name
        assert len(list(search.glob("trial_*/trial.json"))) == 2  # the same budget for all
        assert tuned[name]["trials"] == 2 and math.isfinite(tuned[name]["search_score"])
    assert sorted(r["model"] for r in result.rows) == ["conv1d", "embedding_pooling"]
    assert all(r["seeds"] == 2 and "test_accuracy_ci95" in r for r in result.rows)
    recorded = json.loads((out / "comparison.json").read_text())
    assert recorded["arguments"]["conv1d"] == tuned["conv1d"]["arguments"]
    for folder in comparison.model_runs(out)["conv1d"]:
        arguments = read_run(folder)["model"]["arguments"]
        for key, value in tuned["conv1d"]["arguments"].items():
            if key not in ("vocab_size", "max_length"):
                assert arguments[key] == value, key
    again = comparison.tune(["embedding_pooling", "conv1d"], data=tiny_data(test=True),
                            trials=2, epochs=1, seeds=(0, 1), output_dir=out, verbose=0,
                             compile_options=TEST_COMPILE)
    assert [r["model"] for r in again.rows] == [r["model"] for r in result.rows]  # resumed
    with pytest.raises(ValueError, match="tune: trials must be an integer >= 1"):
        comparison.tune(["conv1d"], trials=0, data=tiny_data(), output_dir=tmp_path / "x")
    assert not (tmp_path / "x").exists()


def test_tune_on_a_tf_data_pipeline_passes_no_shuffle_for_keras_to_warn_about(tmp_path):
    # load_data's pipelines reshuffle themselves; Keras ignores fit(shuffle=True) for a
    # tf.data.Dataset and warns that it did, which read as if the data went unshuffled.
    tf = pytest.importorskip("tensorflow")
    data = tiny_data(test=True)
    for split in ("train", "validation", "test"):
        batches = getattr(data, split)
        setattr(data, split, tf.data.Dataset.from_tensor_slices(
            (batches.x, batches.y)).batch(batches.batch_size))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = comparison.tune(["embedding_pooling"], data=data, trials=1, epochs=1,
                                 seeds=(0,), output_dir=tmp_path / "tuned", verbose=0,
                                 compile_options=TEST_COMPILE)
    assert [r["model"] for r in result.rows] == ["embedding_pooling"]
    assert [str(w.message) for w in caught if "shuffle" in str(w.message)] == []


def test_trials_table_finds_a_project_one_level_down(tmp_path):
    out = tmp_path / "outer" / "run"
    _run(out, epochs=1)
    table = results.trials_table(tmp_path / "outer")
    assert len(table) == 1 and table["architecture"].tolist() == ["embedding_pooling"]
    _run(tmp_path / "outer" / "other", epochs=1)
    with pytest.raises(ValueError, match="2 keras-tuner projects one level down"):
        results.trials_table(tmp_path / "outer")
    keras.backend.clear_session()


@pytest.mark.heavy  # a benchmark script's end-to-end run (see tests/test_benchmarks.py)
def test_protocol_cost_benchmark_smoke(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    out = tmp_path / "cost.json"
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.training.protocol_cost", "--epochs", "2",
         "--examples", "64", "--length", "8", "--vocab-size", "50", "--batch-size", "16",
         "--model", "embedding_pooling", "--json", str(out)],
        capture_output=True, text=True, timeout=600, cwd=root,
        env={**__import__("os").environ, "PYTHONPATH": str(root)})
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(out.read_text())
    (row,) = result["rows"]
    assert row["epochs"] == 2 and row["train_seconds"] > 0
    assert row["restore_seconds"] >= 0 and row["test_seconds"] > 0
    assert set(result["load"]) >= {"loadavg_before", "loadavg_after", "steal_fraction", "idle"}
    assert "test s" in done.stdout


@pytest.mark.parametrize("command", ["tune", "compare"])
def test_a_requested_stop_is_raised_at_the_next_batch(command, tmp_path, monkeypatch):
    """SIGTERM's ``KeyboardInterrupt`` raised in the handler can be lost (a C6 sitting
    trained two hours past its ``timeout``): a request recorded once a trial's fit has
    begun stops the search or the seeds' comparison before its first epoch."""
    from keras_seqzoo import _stop
    from keras_seqzoo.callbacks import HistoryExporter, read_history

    begin = HistoryExporter.on_train_begin

    def begin_then_ask(self, logs=None):
        begin(self, logs)
        _stop.request("signal SIGTERM")  # after the tuner's own check: the fit's must catch it

    monkeypatch.setattr(HistoryExporter, "on_train_begin", begin_then_ask)
    out = tmp_path / command
    options = {"trials": 2} if command == "tune" else {}
    try:
        with pytest.raises(KeyboardInterrupt, match="SIGTERM"):
            getattr(comparison, command)(["embedding_pooling"], epochs=2, data=tiny_data(),
                                         output_dir=out, verbose=0, **options)
    finally:
        _stop.clear()
    runs = [p.parent for p in out.rglob("run.json") if "backup" not in p.parts]
    assert runs, "the fit never began"  # the exporter wrote its run record: fit had begun
    assert not any(read_history(folder) for folder in runs)  # and no epoch was trained


def test_stop_when_asked_raises_inside_a_running_fit():
    """Asked during epoch 0, a real ``model.fit`` stops before epoch 1's first batch."""
    import keras
    import numpy as np

    from keras_seqzoo import _stop

    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    seen = []
    ask = keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: (seen.append(epoch), _stop.request("signal SIGTERM")))
    try:
        with pytest.raises(KeyboardInterrupt, match="SIGTERM"):
            model.fit(np.zeros((8, 4)), np.zeros(8), epochs=3, batch_size=4, verbose=0,
                      callbacks=[ask, _stop.StopWhenAsked()])
    finally:
        _stop.clear()
    assert seen == [0]


def test_tune_masks_padding_and_redo_searches_a_stale_model_again(tmp_path, capsys):
    from keras_seqzoo.comparison.search import data_arguments

    out = tmp_path / "tuned"
    models = ["embedding_pooling", "conv1d"]
    options = dict(trials=2, epochs=1, seeds=(0, 1), output_dir=out, verbose=0,
                   compile_options=TEST_COMPILE)
    data = tiny_data(test=True)
    # The pipelines pad with id 0 after the text: builders that can skip it do.
    assert data_arguments("bilstm", data)["mask_zero"] is True
    assert "mask_zero" not in data_arguments("conv1d", data)
    comparison.tune(models, data=data, **options)
    tuned = json.loads((out / "tuned.json").read_text())
    assert tuned["embedding_pooling"]["arguments"]["mask_zero"] is True
    # Seeded searches (keras-tuner would draw a random seed for 0): the same proposals.
    assert json.loads((out / "search" / "conv1d" / "oracle.json").read_text())["seed"] == 1
    # A folder recorded before padding was masked: its choice and comparison say False.
    tuned["embedding_pooling"]["arguments"]["mask_zero"] = False
    (out / "tuned.json").write_text(json.dumps(tuned))
    recorded = json.loads((out / "comparison.json").read_text())
    recorded["arguments"]["embedding_pooling"]["mask_zero"] = False
    (out / "comparison.json").write_text(json.dumps(recorded))
    kept = {p.name: p.stat().st_mtime_ns for p in out.glob("trial_*")}
    conv_trials = {f.name for f in comparison.model_runs(out)["conv1d"]}
    with pytest.raises(ValueError, match=r"embedding_pooling: mask_zero=False \(now True\).*"
                                         r"redo=\['embedding_pooling'\] \(--redo "
                                         r"embedding_pooling\).*Nothing was changed"):
        comparison.tune(models, data=data, **options)
    assert {p.name: p.stat().st_mtime_ns for p in out.glob("trial_*")} == kept
    with pytest.raises(ValueError, match=r"redo names \['bilstmm'\].*Choose among"):
        comparison.tune(models, data=data, redo=["bilstmm"], **options)

    capsys.readouterr()
    result = comparison.tune(models, data=data, redo=["embedding_pooling"],
                             **{**options, "verbose": 1})
    assert ("tune: redo embedding_pooling: their searches and 2 seeds' trials deleted; "
            "they run again") in capsys.readouterr().out
    tuned = json.loads((out / "tuned.json").read_text())
    assert tuned["embedding_pooling"]["arguments"]["mask_zero"] is True
    recorded = json.loads((out / "comparison.json").read_text())
    assert recorded["arguments"]["embedding_pooling"]["mask_zero"] is True
    for folder in comparison.model_runs(out)["embedding_pooling"]:  # trained again
        assert read_run(folder)["model"]["arguments"]["mask_zero"] is True
        assert folder.stat().st_mtime_ns != kept[folder.name]
    for name in conv_trials:  # the other model's trials are kept as they were
        assert (out / name).stat().st_mtime_ns == kept[name]
    assert all(r["seeds"] == 2 for r in result.rows) and len(result.rows) == 2
    assert len(list((out / "search" / "embedding_pooling").glob("trial_*/trial.json"))) == 2
    # An unfinished search (not in tuned.json yet) made with other fixed arguments.
    del tuned["embedding_pooling"]
    (out / "tuned.json").write_text(json.dumps(tuned))
    run_file = next((out / "search" / "embedding_pooling").glob("trial_*/run.json"))
    run = json.loads(run_file.read_text())
    run["model"]["arguments"]["mask_zero"] = False
    run_file.write_text(json.dumps(run))
    with pytest.raises(ValueError, match=r"embedding_pooling: mask_zero=False \(now True\)"):
        comparison.tune(models, data=data, **options)
    comparison.tune(models, data=data, overwrite=True, **options)  # starts over, no question
