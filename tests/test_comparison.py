"""The comparison runner and `seqzoo compare/reproduce`, end to end on a tiny generated IMDB."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import textwrap

import pytest

from keras_seqzoo import comparison
from keras_seqzoo.callbacks import read_history, read_run
from keras_seqzoo.cli import main
from keras_seqzoo.datasets import imdb as imdb_module
from tests.test_datasets import _files, write_folder

MODELS = ["conv1d", "embedding_pooling"]
FAST = ["--max-length", "16", "--vocab-size", "60", "--batch-size", "8", "-q"]


@pytest.fixture()
def tiny_imdb(tmp_path, monkeypatch):
    """A generated aclImdb folder (20 reviews per split), a private cache, no network."""
    monkeypatch.setenv("KERAS_SEQZOO_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("KERAS_SEQZOO_IMDB", raising=False)
    return write_folder(tmp_path / "data", _files())


def test_cli_compare_writes_a_consistent_run_directory(tiny_imdb, tmp_path, capsys):
    out = tmp_path / "run"
    argv = ["compare", *MODELS, "--epochs", "2", "--data", str(tiny_imdb), "-o", str(out), *FAST]
    assert main(argv) == 0
    for name in ["comparison.json", "comparison.md", "comparison.csv", "curves.png",
                 "epoch_times.png"]:
        assert (out / name).stat().st_size > 0, name
    assert (out / "curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with open(out / "comparison.csv", newline="") as handle:
        rows = {row["model"]: row for row in csv.DictReader(handle)}
    assert sorted(rows) == sorted(MODELS)
    ratios = []
    for name in MODELS:
        run = read_run(out / name)
        history = read_history(out / name)
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
    assert json.loads((out / "comparison.json").read_text())["models"] == MODELS


KILL_SCRIPT = """
import os, signal, sys
from keras_seqzoo import comparison
original = comparison._EpochCheckpoint.on_epoch_end

def on_epoch_end(self, epoch, logs=None):
    original(self, epoch, logs)
    if self.model.name == "embedding_pooling" and epoch == 1:
        os.kill(os.getpid(), signal.SIGKILL)  # as hard as a crash can be

comparison._EpochCheckpoint.on_epoch_end = on_epoch_end
from keras_seqzoo.cli import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.slow
def test_killed_run_resumes_without_retraining_completed_epochs(tiny_imdb, tmp_path):
    out = tmp_path / "run"
    argv = ["compare", *MODELS, "--epochs", "4", "--data", str(tiny_imdb), "-o", str(out), *FAST]
    killed = subprocess.run(
        [sys.executable, "-c", KILL_SCRIPT, *argv], capture_output=True, text=True,
        timeout=600, env={**os.environ, "KERAS_SEQZOO_CACHE": str(tmp_path / "cache")},
    )
    assert killed.returncode == -9, killed.stderr[-2000:]
    assert read_run(out / "conv1d")["status"] == "finished"
    assert read_run(out / "embedding_pooling")["status"] == "running"
    assert [r["epoch"] for r in read_history(out / "embedding_pooling")] == [0, 1]
    conv_history = (out / "conv1d" / "history.jsonl").read_bytes()

    assert main(argv) == 0
    assert (out / "conv1d" / "history.jsonl").read_bytes() == conv_history  # skipped
    run = read_run(out / "embedding_pooling")
    assert run["status"] == "finished" and run["epochs_completed"] == 4
    assert [fit["first_epoch"] for fit in run["fits"]] == [0, 2]  # resumed after epoch 1
    assert [r["epoch"] for r in read_history(out / "embedding_pooling")] == [0, 1, 2, 3]
    lines = (out / "embedding_pooling" / "history.jsonl").read_text().splitlines()
    assert len(lines) == 4  # no epoch trained twice


@pytest.mark.parametrize(
    "argv, message",
    [
        (["compare", "bilstn"], "Unknown model 'bilstn'. Did you mean 'bilstm'"),
        (["compare", "bilstm", "--epochs", "0"], "--epochs: expected an integer >= 1, got 0"),
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


def test_missing_data_names_every_option(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / ".keras"))
    monkeypatch.delenv("KERAS_SEQZOO_IMDB", raising=False)
    monkeypatch.setattr(imdb_module, "_tfds_prepared", lambda: False)

    def offline(*args, **kwargs):
        raise OSError("offline (test)")

    monkeypatch.setattr(imdb_module, "_keras_download", offline)
    monkeypatch.setattr(imdb_module, "_tfds_download", offline)
    assert main(["compare", "conv1d", "-o", str(tmp_path / "run"), "-q"]) == 2
    err = capsys.readouterr().err
    assert "KERAS_SEQZOO_IMDB" in err and "aclImdb_v1.tar.gz" in err and "tfds" in err.lower()
    assert not (tmp_path / "run").exists()  # nothing half-made


def test_api_rejects_bad_settings_before_any_work(tmp_path):
    with pytest.raises(ValueError, match="epochs must be an integer >= 1"):
        comparison.compare(["conv1d"], epochs=0, output_dir=tmp_path / "x")
    with pytest.raises(KeyError, match="Did you mean"):
        comparison.compare(["conv1dd"], output_dir=tmp_path / "x")
    with pytest.raises(ValueError, match="different data"):
        comparison.compare(["bilstm.imdb_subwords8k", "conv1d.imdb_words10k"],
                           output_dir=tmp_path / "x")
    assert not (tmp_path / "x").exists()


def test_experiments_match_the_slides():
    c4 = comparison.EXPERIMENTS["c4"]
    assert c4.models == ("embedding_flatten.imdb_words10k", "bilstm.imdb_words10k",
                         "bigru.imdb_words10k", "conv1d.imdb_words10k")
    assert comparison.EXPERIMENTS["c1"].epochs == 10 and comparison.EXPERIMENTS["c2"].epochs == 50
    assert comparison.EXPERIMENTS["c3"].models == (
        "embedding_pooling.imdb_words10k", "bilstm.imdb_words10k_dense24")


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
    base = ["compare", "conv1d", "--epochs", "1", "--data", str(tiny_imdb), *FAST]
    for extra, expected in (([], "jax"), (["--backend", "torch"], "torch")):
        if expected == "torch":
            pytest.importorskip("torch")
        out = tmp_path / f"run_{expected}"
        done = subprocess.run([exe, *base, "-o", str(out), *extra], env=env,
                              capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr[-2000:]
        assert json.loads((out / "comparison.json").read_text())["backend"] == expected
        assert read_run(out / "conv1d")["backend"] == expected
