"""The comparison runner and `seqzoo compare/reproduce`, end to end on tiny data.

The CLI tests read a tiny generated IMDB; the others pass tiny random data
(tests/_comparison_process.py) so that they need no data pipeline. One end-to-end run
trains under each Keras backend; the runner's own rules (resuming, refusing, reporting)
are the same under every backend and are marked one_backend.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import os
import subprocess
import sys

import pytest

from keras_seqzoo import comparison
from keras_seqzoo.callbacks import read_history, read_run
from keras_seqzoo.cli import main
from keras_seqzoo.comparison import report
from keras_seqzoo.datasets import imdb as imdb_module
from tests._comparison_process import TEST_COMPILE, tiny_data
from tests.helpers import imdb_files, write_folder

MODELS = ["conv1d", "embedding_pooling"]
FAST = ["--max-length", "16", "--vocab-size", "60", "--batch-size", "8", "-q",
        "--protocol", "slides"]


@pytest.fixture()
def tiny_imdb(tmp_path, monkeypatch):
    """A generated aclImdb folder (20 reviews per split), a private cache, no network."""
    monkeypatch.setenv("KERAS_SEQZOO_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("KERAS_SEQZOO_IMDB", raising=False)
    return write_folder(tmp_path / "data", imdb_files())


def test_cli_compare_writes_a_consistent_run_directory(tiny_imdb, tmp_path, capsys):
    out = tmp_path / "run"
    argv = ["compare", *MODELS, "--epochs", "2", "--data", str(tiny_imdb), "-o", str(out), *FAST]
    assert main(argv) == 0
    for name in ["comparison.json", "comparison.md", "comparison.csv", "curves.png",
                 "epoch_times.png", "accuracy_vs_seconds.png"]:
        assert (out / name).stat().st_size > 0, name
    assert (out / "curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with open(out / "comparison.csv", newline="") as handle:
        rows = {row["model"]: row for row in csv.DictReader(handle)}
    assert sorted(rows) == sorted(MODELS)
    ratios = []
    folders = comparison.model_runs(out)
    assert list(folders) == MODELS and all(len(f) == 1 for f in folders.values())
    for trial in report.read_trials(out):
        assert trial["status"] == "COMPLETED"
    for name in MODELS:
        run = read_run(folders[name][0])
        history = read_history(folders[name][0])
        assert run["status"] == "finished" and run["epochs_completed"] == 2
        assert [r["epoch"] for r in history] == [0, 1]
        row = rows[name]
        assert int(row["params"]) == run["model"]["params"]
        assert float(row["final_val_accuracy"]) == pytest.approx(history[-1]["val_accuracy"])
        assert float(row["best_val_loss"]) == pytest.approx(min(r["val_loss"] for r in history))
        # Steady state leaves out the warm-up epoch 0: with 2 epochs it is epoch 1's time.
        assert float(row["seconds_per_epoch"]) == pytest.approx(history[1]["epoch_time"])
        assert run["model"]["arguments"]["max_length"] == 16
        ratios.append(float(row["ratio_to_fastest"]))
    assert min(ratios) == pytest.approx(1.0)
    table = (out / "comparison.md").read_text()
    assert all(f"| {name} |" in table for name in MODELS)
    recorded = json.loads((out / "comparison.json").read_text())
    assert recorded["models"] == MODELS and recorded["seeds"] == [0]
    assert [row["model"] for row in recorded["rows"]] == MODELS
    assert str(tmp_path) not in (out / "comparison.json").read_text()  # no absolute path


@pytest.mark.one_backend
def test_a_trial_sees_the_same_data_alone_or_after_other_trials(tiny_imdb, tmp_path):
    # Each trial shuffles by its own seed in a pipeline of its own: run second in a
    # process (after conv1d's two epochs) or alone, embedding_pooling trains the same.
    # (With one shared pipeline it got the run's third and fourth reshuffles.)
    common = ["--epochs", "2", "--data", str(tiny_imdb), *FAST]
    assert main(["compare", *MODELS, "-o", str(tmp_path / "both"), *common]) == 0
    assert main(["compare", MODELS[1], "-o", str(tmp_path / "alone"), *common]) == 0
    after = read_history(comparison.model_runs(tmp_path / "both")[MODELS[1]][0])
    alone = read_history(comparison.model_runs(tmp_path / "alone")[MODELS[1]][0])
    for key in ("loss", "accuracy", "val_loss"):
        assert [r[key] for r in after] == pytest.approx([r[key] for r in alone], rel=1e-5), key


def _process(*args: str) -> subprocess.CompletedProcess:
    import keras

    env = {k: v for k, v in os.environ.items() if not k.startswith("KERASTUNER_")}
    # The runner's default backend when installed (the fastest here); the test is about
    # resuming, the same under every backend.
    env["KERAS_BACKEND"] = "jax" if importlib.util.find_spec("jax") else keras.backend.backend()
    script = os.path.join(os.path.dirname(__file__), "_comparison_process.py")
    return subprocess.run([sys.executable, script, *args], capture_output=True, text=True,
                          timeout=600, env=env)


@pytest.mark.one_backend
@pytest.mark.slow
def test_killed_run_resumes_without_retraining_completed_epochs(tmp_path):
    out = tmp_path / "run"
    args = [str(out), "4", "embedding_pooling", "0,1"]
    killed = _process(*args, "embedding_pooling:1:2")  # SIGKILL in epoch 2 of seed 1
    assert killed.returncode == -9, killed.stdout[-2000:] + killed.stderr[-2000:]
    folders = comparison.model_runs(out)["embedding_pooling"]
    first, second = folders
    assert read_run(first)["status"] == "finished"
    assert read_run(second)["status"] == "running"
    assert [r["epoch"] for r in read_history(second)] == [0, 1]
    first_history = (first / "history.jsonl").read_bytes()

    again = _process(*args)  # the same command again: keras-tuner reloads the project
    assert again.returncode == 0, again.stdout[-2000:] + again.stderr[-2000:]
    assert (first / "history.jsonl").read_bytes() == first_history  # finished: skipped
    run = read_run(second)
    assert run["status"] == "finished" and run["epochs_completed"] == 4
    assert [fit["first_epoch"] for fit in run["fits"]] == [0, 2]  # resumed after epoch 1
    lines = (second / "history.jsonl").read_text().splitlines()
    assert [json.loads(line)["epoch"] for line in lines] == [0, 1, 2, 3]  # none twice, none lost
    assert [t["status"] for t in report.read_trials(out)] == ["COMPLETED", "COMPLETED"]


@pytest.mark.one_backend
@pytest.mark.slow
def test_a_trial_without_its_backup_trains_again_and_keeps_the_earlier_attempt(
        tmp_path, monkeypatch):
    # A recording committed mid-trial and checked out elsewhere: the history is there, the
    # weights (backup/, git-ignored) are not. The trial cannot resume; it must not fail either.
    monkeypatch.setenv("SEQZOO_TEST_SPLIT", "1")  # the sound protocol's held-out test split
    out = tmp_path / "run"
    args = [str(out), "3", "embedding_pooling", "0"]
    killed = _process(*args, "embedding_pooling:0:2")  # SIGKILL in epoch 2
    assert killed.returncode == -9, killed.stdout[-2000:] + killed.stderr[-2000:]
    [folder] = comparison.model_runs(out)["embedding_pooling"]
    earlier_history = (folder / "history.jsonl").read_bytes()
    assert [r["epoch"] for r in read_history(folder)] == [0, 1]
    import shutil

    shutil.rmtree(folder / "backup")

    again = _process(*args)
    assert again.returncode == 0, again.stdout[-2000:] + again.stderr[-2000:]
    assert "trained again from epoch 1 (the earlier attempt is in earlier_attempt_1/)" \
        in again.stdout
    earlier = folder / "earlier_attempt_1"
    assert (earlier / "history.jsonl").read_bytes() == earlier_history  # nothing lost
    assert read_run(earlier)["status"] == "running"  # as the kill left it
    run = read_run(folder)
    assert run["status"] == "finished" and run["epochs_completed"] == 3
    assert [fit["first_epoch"] for fit in run["fits"]] == [0]
    assert run["earlier_attempts"] == ["earlier_attempt_1"]
    assert "accuracy" in run["test"] and run["best_epoch"] in (0, 1, 2)
    assert [r["epoch"] for r in read_history(folder)] == [0, 1, 2]
    [trial] = report.read_trials(out)
    assert trial["status"] == "COMPLETED"
    # keras-tuner's curve is the new attempt's alone (two reports of a step are averaged).
    observations = trial["metrics"]["metrics"]["val_loss"]["observations"]
    assert [o["step"] for o in observations] == [0, 1, 2]
    assert [o["value"] for o in observations] == [[pytest.approx(r["val_loss"])]
                                                  for r in read_history(folder)]


@pytest.mark.one_backend
@pytest.mark.slow
def test_a_search_trial_cut_short_trains_again_from_its_first_epoch(tmp_path, monkeypatch):
    # What the guide says of `seqzoo tune` resumed: finished search trials are skipped, and
    # one cut short runs again under its id with its configuration, from epoch 0
    # (keras-tuner keeps no backup of a search trial's weights).
    monkeypatch.setenv("SEQZOO_TEST_TUNE", "2")
    monkeypatch.setenv("SEQZOO_TEST_SPLIT", "1")
    out = tmp_path / "run"
    args = [str(out), "3", "embedding_pooling", "0"]
    monkeypatch.setenv("SEQZOO_TEST_KILL_SEARCH", "1:1")  # SIGKILL in epoch 1 of trial 1
    killed = _process(*args)
    assert killed.returncode == -9, killed.stdout[-2000:] + killed.stderr[-2000:]
    search = out / "search" / "embedding_pooling"
    first, second = search / "trial_0", search / "trial_1"
    assert json.loads((first / "trial.json").read_text())["status"] == "COMPLETED"
    cut = json.loads((second / "trial.json").read_text())
    assert cut["status"] == "RUNNING"
    assert [r["epoch"] for r in read_history(second)] == [0]
    first_history = (first / "history.jsonl").read_bytes()

    monkeypatch.delenv("SEQZOO_TEST_KILL_SEARCH")
    again = _process(*args)
    assert again.returncode == 0, again.stdout[-2000:] + again.stderr[-2000:]
    assert (first / "history.jsonl").read_bytes() == first_history  # finished: skipped
    assert sorted(p.name for p in search.glob("trial_*")) == ["trial_0", "trial_1"]
    trial = json.loads((second / "trial.json").read_text())
    assert trial["status"] == "COMPLETED"
    assert trial["hyperparameters"]["values"] == cut["hyperparameters"]["values"]
    run = read_run(second)
    assert run["status"] == "finished" and run["epochs_completed"] == 3
    assert [fit["first_epoch"] for fit in run["fits"]] == [0]  # trained again, not resumed
    assert [r["epoch"] for r in read_history(second)] == [0, 1, 2]
    assert json.loads((out / "tuned.json").read_text())  # the seeds' part followed


def _tiny_compare(out, **options):
    options = {"epochs": 1, "verbose": 0, "compile_options": TEST_COMPILE, **options}
    return comparison.compare(["embedding_pooling"], data=tiny_data(), output_dir=out, **options)


@pytest.mark.one_backend
def test_rerun_skips_finished_trials_and_adds_new_seeds(tmp_path):
    out = tmp_path / "run"
    first = _tiny_compare(out)
    [folder] = comparison.model_runs(out)["embedding_pooling"]
    history = (folder / "history.jsonl").read_bytes()
    again = _tiny_compare(out)  # nothing left to train
    assert (folder / "history.jsonl").read_bytes() == history
    assert again.rows[0]["final_val_loss"] == first.rows[0]["final_val_loss"]
    grown = _tiny_compare(out, seeds=(0, 1))  # one more seed: only its trial runs
    assert (folder / "history.jsonl").read_bytes() == history
    assert grown.rows[0]["seeds"] == 2 and len(report.read_trials(out)) == 2
    losses = [read_history(f)[-1]["val_loss"]
              for f in comparison.model_runs(out)["embedding_pooling"]]
    assert grown.rows[0]["final_val_loss"] == pytest.approx(sum(losses) / 2)
    assert grown.rows[0]["final_val_loss_std"] == pytest.approx(abs(losses[0] - losses[1]) / 2**0.5)
    assert "±" in grown.table_markdown


@pytest.mark.one_backend
def test_another_comparison_in_the_directory_is_refused_unless_overwrite(tmp_path):
    out = tmp_path / "run"
    _tiny_compare(out)
    history = next(out.glob("trial_*/history.jsonl")).read_bytes()
    with pytest.raises(ValueError, match=r"holds another comparison \(epochs: 1 there, 2 now"):
        _tiny_compare(out, epochs=2)
    assert next(out.glob("trial_*/history.jsonl")).read_bytes() == history  # nothing lost
    result = _tiny_compare(out, epochs=2, overwrite=True)
    assert result.rows[0]["epochs"] == 2


@pytest.mark.one_backend
def test_a_keras_tuner_search_is_not_taken_for_a_comparison(tmp_path):
    (tmp_path / "run" / "trial_0").mkdir(parents=True)
    (tmp_path / "run" / "oracle.json").write_text("{}")
    with pytest.raises(ValueError, match="not a comparison"):
        _tiny_compare(tmp_path / "run")


@pytest.mark.one_backend
def test_a_corrupt_trial_file_is_named_and_nothing_is_lost(tmp_path):
    out = tmp_path / "run"
    _tiny_compare(out, seeds=(0, 1))
    broken, kept = sorted(out.glob("trial_*"))
    (broken / "trial.json").write_text('{"trial_id": "00')
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    with pytest.raises(ValueError, match=f"{broken.name}/trial.json .* is corrupt"):
        _tiny_compare(out, seeds=(0, 1))
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    # The fix the error names: delete that trial's folder; only it is trained again.
    kept_history = (kept / "history.jsonl").read_bytes()
    import shutil

    shutil.rmtree(broken)
    result = _tiny_compare(out, seeds=(0, 1))
    assert (kept / "history.jsonl").read_bytes() == kept_history
    assert result.rows[0]["seeds"] == 2
    assert [t["status"] for t in report.read_trials(out)] == ["COMPLETED", "COMPLETED"]


@pytest.mark.one_backend
def test_results_table_of_a_comparison_from_disk(tmp_path):
    from keras_seqzoo import results

    out = tmp_path / "run"
    _tiny_compare(out, epochs=2, seeds=(0, 1))
    table = results.trials_table(out)
    assert list(table["seed"]) == [0, 1] and set(table["architecture"]) == {"embedding_pooling"}
    assert list(table["status"]) == ["COMPLETED", "COMPLETED"]
    assert table.attrs["objective"] == "val_accuracy"
    for _, row in table.iterrows():
        records = read_history(out / f"trial_{row['trial_id']}")
        assert row["final_val_loss"] == pytest.approx(records[-1]["val_loss"])
        assert row["best_val_loss"] == pytest.approx(min(r["val_loss"] for r in records))
        assert row["objective"] == pytest.approx(max(r["val_accuracy"] for r in records))
        assert row["seconds_per_epoch"] == pytest.approx(records[1]["epoch_time"])
        assert row["params"] == read_run(out / f"trial_{row['trial_id']}")["model"]["params"]
        assert row["epochs"] == 2


@pytest.mark.one_backend
@pytest.mark.parametrize(
    "argv, message",
    [
        (["compare", "bilstn"], "Unknown model 'bilstn'. Did you mean 'bilstm'"),
        (["compare", "bilstm", "--epochs", "0"], "--epochs: expected an integer >= 1, got 0"),
        (["compare", "bilstm", "--seeds", "0", "x"], "--seeds: expected an integer >= 0, got 'x'"),
        (["compare", "bilstm", "--seeds", "-1"], "--seeds: expected an integer >= 0, got -1"),
        (["compare", "bilstm", "--seeds", "1", "1", "-o", "/nonexistent/x"],
         "seeds must not repeat"),
        (["reproduce", "c9"], "invalid choice: 'c9'"),
    ],
)
def test_bad_arguments_exit_2(argv, message, capsys):
    try:
        code = main(argv)
    except SystemExit as exit_:  # argparse errors
        code = exit_.code
    assert code == 2
    assert message in capsys.readouterr().err


@pytest.mark.one_backend
def test_missing_data_names_every_option(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / ".keras"))
    monkeypatch.delenv("KERAS_SEQZOO_IMDB", raising=False)
    monkeypatch.setattr(imdb_module, "_tfds_prepared", lambda: False)

    def offline(*args, **kwargs):
        raise OSError("offline (test)")

    monkeypatch.setattr(imdb_module, "_keras_download", offline)
    monkeypatch.setattr(imdb_module, "_tfds_download", offline)
    assert main(["compare", "conv1d", "-o", str(tmp_path / "run"), "-q", "--protocol", "slides"]) == 2
    err = capsys.readouterr().err
    assert "KERAS_SEQZOO_IMDB" in err and "aclImdb_v1.tar.gz" in err and "tfds" in err.lower()
    assert not (tmp_path / "run").exists()  # nothing half-made


@pytest.mark.one_backend
def test_api_rejects_bad_settings_before_any_work(tmp_path):
    with pytest.raises(ValueError, match="compare: epochs must be an integer >= 1"):
        comparison.compare(["conv1d"], epochs=0, output_dir=tmp_path / "x")
    with pytest.raises(ValueError, match="compare: learning_rate must be"):
        comparison.compare(["conv1d"], compile_options={"learning_rate": -1.0},
                           output_dir=tmp_path / "x")
    with pytest.raises(ValueError, match="seeds must be a non-empty list"):
        comparison.compare(["conv1d"], seeds=(), output_dir=tmp_path / "x")
    with pytest.raises(KeyError, match="Did you mean"):
        comparison.compare(["conv1dd"], output_dir=tmp_path / "x")
    with pytest.raises(ValueError, match="different data"):
        comparison.compare(["bilstm.imdb_subwords8k", "conv1d.imdb_words10k"],
                           output_dir=tmp_path / "x")
    assert not (tmp_path / "x").exists()


@pytest.mark.one_backend
def test_experiments_match_the_slides():
    c4 = comparison.EXPERIMENTS["c4"]
    assert c4.models == ("embedding_flatten.imdb_words10k", "bilstm.imdb_words10k",
                         "bigru.imdb_words10k", "conv1d.imdb_words10k")
    assert comparison.EXPERIMENTS["c1"].epochs == 10 and comparison.EXPERIMENTS["c2"].epochs == 50
    assert comparison.EXPERIMENTS["c3"].models == (
        "embedding_pooling.imdb_words10k", "bilstm.imdb_words10k_dense24")


@pytest.mark.one_backend
def test_reproduce_runs_a_named_experiment(tiny_imdb, tmp_path):
    result = comparison.reproduce(
        "c3", output_dir=tmp_path / "c3", epochs=1, source=str(tiny_imdb), vocab_size=60,
        max_length=16, batch_size=8, verbose=0,
    )
    assert [row["model"] for row in result.rows] == list(comparison.EXPERIMENTS["c3"].models)
    assert json.loads((tmp_path / "c3" / "comparison.json").read_text())["experiment"] == "c3"
    assert all(path.exists() for path in result.plots)


@pytest.mark.slow
@pytest.mark.one_backend
def test_training_commands_pick_the_fast_backend_unless_told(tiny_imdb, tmp_path):
    pytest.importorskip("jax")
    env = {k: v for k, v in os.environ.items() if k != "KERAS_BACKEND"}
    env["KERAS_SEQZOO_CACHE"] = str(tmp_path / "cache")
    exe = os.path.join(os.path.dirname(sys.executable), "seqzoo")
    base = ["--epochs", "1", "--data", str(tiny_imdb), *FAST]
    # --backend auto: the recorded table's fastest for the models (T2: torch), said and kept.
    for model, extra, expected in (("conv1d", [], "jax"),
                                   ("stacked_bilstm", ["--backend", "auto"], "torch")):
        if expected == "torch":
            pytest.importorskip("torch")
        out = tmp_path / f"run_{expected}"
        done = subprocess.run([exe, "compare", model, *base, "-o", str(out), *extra], env=env,
                              capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr[-2000:]
        settings = json.loads((out / "comparison.json").read_text())
        assert settings["backend"] == expected
        assert read_run(comparison.model_runs(out)[model][0])["backend"] == expected
        assert settings["backend_note"] in done.stderr
        assert settings["backend_note"].startswith(f"training on the {expected} backend")
        if extra:
            assert "(--backend auto): the fastest recorded on CPU for stacked_bilstm" in (
                settings["backend_note"])


@pytest.mark.one_backend
def test_cli_compare_defaults_to_the_sound_protocol_on_imdb(tiny_imdb, tmp_path):
    out = tmp_path / "run"
    fast = [a for a in FAST if a not in ("--protocol", "slides")]
    assert main(["compare", "embedding_pooling", "--epochs", "2", "--data", str(tiny_imdb),
                 "-o", str(out), *fast]) == 0
    recorded = json.loads((out / "comparison.json").read_text())
    assert recorded["protocol"] == "sound"
    (folder,) = comparison.model_runs(out)["embedding_pooling"]
    run = read_run(folder)
    assert run["protocol"] == "sound" and set(run["test"]) >= {"accuracy", "f1", "auc"}
    assert (folder / "checkpoint.weights.h5").exists()
    assert "test accuracy" in (out / "comparison.md").read_text()


@pytest.mark.one_backend
@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--columns", "label,text,extra"], "the columns spec does not fit the file"),
        (["--text-column", "body"], "body"),
    ],
)
def test_cli_bad_data_exits_2_before_training_with_nothing_written(argv, message, tmp_path,
                                                                   capsys):
    data = tmp_path / "mine.csv"
    data.write_text("text,label\n" + "".join(f"word{i} other,{'ab'[i % 2]}\n"
                                            for i in range(40)))
    out = tmp_path / "run"
    code = main(["compare", "fasttext", "--data", str(data), "-o", str(out), "-q", *argv])
    err = capsys.readouterr().err
    assert code == 2 and message in err, err
    assert not out.exists()


@pytest.mark.one_backend
def test_table_names_the_statuses_of_a_model_whose_runs_did_not_all_finish():
    # A seed stopped before its first epoch is counted by summarize ("how many runs") but
    # adds nothing to the means; the table must say so rather than show a bare "2".
    row = {"model": "bigru", "seeds": 2, "params": 10, "epochs": 0, "seconds_per_epoch": 5.0,
           "seconds_per_epoch_std": 0.0, "seconds_include_warmup": False,
           "ratio_to_fastest": 1.0, "best_val_accuracy": 0.8, "best_val_accuracy_std": 0.0,
           "best_val_accuracy_epoch": 1, "final_val_accuracy": 0.8, "best_val_loss": 0.4,
           "best_val_loss_epoch": 1, "final_val_loss": 0.4, "protocol": "slides"}
    stopped = report.table_markdown([{**row, "status": "finished/interrupted"}])
    assert "| bigru | 2 (finished/interrupted) |" in stopped
    finished = report.table_markdown([{**row, "status": "finished"}])
    assert "| bigru | 2 | 10 |" in finished
