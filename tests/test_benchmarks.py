"""The benchmark scripts still run and write what the docs include (tiny settings; no timing
is asserted: speed belongs in the scripts' printed ratios, not in tests)."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import imdb_files, write_folder

ROOT = Path(__file__).resolve().parent.parent
pytestmark = [pytest.mark.slow, pytest.mark.one_backend]


def _run(tmp_path: Path, script: str, *args: str) -> subprocess.CompletedProcess:
    """Runs ``benchmarks/SCRIPT`` on JAX with a private cache and no real IMDB; must succeed."""
    env = {**os.environ, "KERAS_SEQZOO_CACHE": str(tmp_path / "cache"),
           "KERAS_BACKEND": "jax", "TF_CPP_MIN_LOG_LEVEL": "3"}
    env.pop("KERAS_SEQZOO_IMDB", None)
    result = subprocess.run([sys.executable, str(ROOT / "benchmarks" / script), *args],
                            env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def test_epoch_times_writes_paired_rows_with_identical_parameter_counts(tmp_path):
    if importlib.util.find_spec("jax") is None:
        pytest.skip("needs jax")
    data = write_folder(tmp_path / "data", imdb_files())
    out = tmp_path / "out"
    result = _run(tmp_path, "epoch_times.py", "--data", str(data), "--configs", "jax",
                  "--models", "T4", "C3", "--steps", "1", "--rounds", "2", "--min-seconds", "0",
                  "--json", str(out / "t.json"), "--rst", str(out / "t.rst"))
    report = json.loads((out / "t.json").read_text())
    rows = report["rows"]
    models = ["T4 Embedding + Flatten", "C3 Embedding + GAP", "C3 BiLSTM(32), Dense(24)"]
    assert [(r["model"], r["written"]) for r in rows] == [
        (m, way) for m in models for way in ("slides", "seqzoo")]
    for slides, seqzoo in zip(rows[::2], rows[1::2]):
        assert slides["params"] == seqzoo["params"] > 0
        assert len(seqzoo["seconds_per_step_by_round"]) == 2
        assert seqzoo["builder_vs_handwritten"] > 0 and slides["builder_vs_handwritten"] is None
    assert report["versions"]["jax"]["backend"] == "jax"
    table = (out / "t.rst").read_text()
    assert ".. list-table::" in table and "Builder / hand-written" in table
    assert "builder / hand-written, over 3 cells: median" in result.stdout


def test_callback_overhead_long_run_prints_every_configuration(tmp_path):
    result = _run(tmp_path, "callback_overhead.py", "--repeats", "0", "--long-run", "60")
    rows = re.findall(r"^\s*(.+?)\s+first\s+([\d.]+)\s+last\s+([\d.]+)$", result.stdout, re.M)
    assert [name for name, _, _ in rows] == ["csvlogger", "seqzoo", "seqzoo, fsync=False"]
    assert all(float(first) > 0 and float(last) > 0 for _, first, last in rows)


def test_runner_workers_shares_the_models_out_and_checks_each_is_trained_once(tmp_path):
    if importlib.util.find_spec("jax") is None:
        pytest.skip("needs jax")
    data = write_folder(tmp_path / "data", imdb_files())
    out = tmp_path / "workers.json"
    _run(tmp_path, "runner_workers.py", "--data", str(data), "--models",
         "conv1d.imdb_words10k", "embedding_pooling.imdb_words10k", "--workers", "2",
         "--epochs", "1", "--limit", "10", "--json", str(out))
    [row] = json.loads(out.read_text())["rows"]
    assert row["workers"] == 2 and sum(row["trials_per_worker"]) == 2
    assert row["seconds_wall"] > 0


def _benchmark_module(name: str):
    """Imports ``benchmarks/NAME.py`` (the scripts are not a package)."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))


def test_torch_twins_times_each_way_against_its_plain_pytorch_twin(tmp_path):
    for module in ("jax", "torch"):
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"needs {module}")
    out = tmp_path / "out"
    _run(tmp_path, "torch_twins.py", "--synthetic", "--configs", "jax", "--models", "T5",
         "--sequences", "64", "--rounds", "2", "--with-keras",
         "--json", str(out / "t.json"), "--rst", str(out / "t.rst"))
    rows = json.loads((out / "t.json").read_text())["rows"]
    assert [(r["model"], r["backend"], r["way"]) for r in rows] == [
        ("T5 BiLSTM(32)", "jax", "seqzoo"), ("T5 BiLSTM(32)", "jax", "keras")]
    assert [r["kernels"] for r in rows] == [["jax-scan-bidirectional"], ["keras"]]
    for row in rows:
        # The slides' T5 table: 160,000 + 12,544 + 390 + 7 parameters; torch's LSTM
        # carries a second bias vector per gate (2 x 4 x 32 x 2 = 256 more).
        assert row["params"] == 172_941 and row["torch_params"] == 172_941 + 256
        assert len(row["epochs"]) == len(row["torch_epochs"]) == 2
        assert row["ratio_best"] == pytest.approx(row["best"] / row["torch_best"])
    assert "T5 BiLSTM(32)" in (out / "t.rst").read_text()
    assert "64 sequences (random tokens) of 120 tokens" in (out / "t.rst").read_text()
    # --update: a second recording replaces the rows it measures and keeps the others.
    _run(tmp_path, "torch_twins.py", "--synthetic", "--configs", "jax", "--models", "T5",
         "--sequences", "64", "--rounds", "3", "--update",
         "--json", str(out / "t.json"), "--rst", str(out / "t.rst"))
    result = json.loads((out / "t.json").read_text())
    assert [(r["way"], r["recording"], len(r["epochs"])) for r in result["rows"]] == [
        ("seqzoo", 1, 3), ("keras", 0, 2)]
    assert [r["rounds"] for r in result["recordings"]] == [2, 3]
    text = (out / "t.rst").read_text()
    assert "Recording 1:" in text and "Recording 2:" in text
    assert "Rows: T5 BiLSTM(32), jax, seqzoo." in text
    assert "     - jax [2]\n     - seqzoo" in text and "     - jax [1]\n     - Keras" in text


def test_torch_twins_wrapped_rows_train_the_twins_own_layers_in_keras(tmp_path):
    if importlib.util.find_spec("torch") is None:
        pytest.skip("needs torch")
    out = tmp_path / "out"
    _run(tmp_path, "torch_twins.py", "--synthetic", "--configs", "torch", "--models", "T5",
         "--sequences", "64", "--rounds", "1", "--with-wrapped",
         "--json", str(out / "t.json"), "--rst", str(out / "t.rst"))
    rows = json.loads((out / "t.json").read_text())["rows"]
    assert [(r["way"], r["kernels"]) for r in rows] == [
        ("seqzoo", ["torch-fused-bidirectional"]), ("wrapped", ["TorchModuleWrapper"])]
    # The wrapped model holds the twin's own nn.LSTM: the twin's parameter count.
    assert rows[1]["params"] == rows[1]["torch_params"] == 172_941 + 256
    assert "     - nn.LSTM (wrapped)" in (out / "t.rst").read_text()


def test_torch_twins_update_drops_a_recording_whose_rows_were_all_measured_again():
    torch_twins = _benchmark_module("torch_twins")
    def row(model, backend, way, seconds, **extra):
        return {"model": model, "backend": backend, "way": way, "best": seconds, **extra}

    def recording(command):
        return {"command": command, "hardware": {}, "versions": {}, "sequences": 64,
                "rounds": 2, "recorded": "2026-11-27"}

    old = {"recordings": [recording("first"), recording("second")], "rows": [
        row("T5", "jax", "seqzoo", 1.0, recording=0),
        row("T5", "torch", "seqzoo", 2.0, recording=1),
        row("T5", "torch", "keras", 3.0, recording=0),
        row("T6", "torch", "seqzoo", 4.0, recording=1)]}
    new = {"recordings": [recording("third")], **recording("third"), "rows": [
        row("T5", "torch", "wrapped", 5.0), row("T5", "torch", "seqzoo", 6.0),
        row("T6", "torch", "seqzoo", 7.0)]}
    merged = torch_twins._merge_recordings(old, new)
    # "second" measured only rows that "third" measured again: it is gone, "third" is 1.
    assert [r["command"] for r in merged["recordings"]] == ["first", "third"]
    assert [(r["model"], r["backend"], r["way"], r["best"], r["recording"])
            for r in merged["rows"]] == [
        ("T5", "jax", "seqzoo", 1.0, 0), ("T5", "torch", "seqzoo", 6.0, 1),
        ("T5", "torch", "keras", 3.0, 0), ("T5", "torch", "wrapped", 5.0, 1),
        ("T6", "torch", "seqzoo", 7.0, 1)]


@pytest.mark.parametrize("name", ["torch_twins", "torch_twins_gpu"])
def test_torch_twins_tables_in_the_docs_are_their_recordings(name):
    """The tables the benchmarks page includes are what the script makes of the JSON
    recorded beside them (no hand edits on either side); the GPU one names its GPU."""
    torch_twins = _benchmark_module("torch_twins")
    folder = ROOT / "docs" / "data" / "benchmarks"
    recorded = json.loads((folder / f"{name}.json").read_text())
    text = (folder / f"{name}.rst").read_text()
    assert torch_twins._rst(recorded) == text
    for row in recorded["rows"]:
        assert row["ratio_best"] == pytest.approx(row["best"] / row["torch_best"])
    if name.endswith("_gpu"):
        assert "GPU NVIDIA H200" in text and "(random tokens)" in text
        # Every LSTM row on the GPU ran cuDNN, as the page says.
        assert all("cuDNN" in r["kernels"] for r in recorded["rows"] if "LSTM" in r["model"])


def test_train_step_overhead_reports_each_backend(tmp_path):
    for module in ("jax", "torch"):
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"needs {module}")
    report = tmp_path / "overhead.txt"
    _run(tmp_path, "train_step_overhead.py", "--synthetic", "--configs", "jax",
         "--sequences", "64", "--rounds", "2", "--output", str(report))
    lines = report.read_text().splitlines()
    [row] = [line for line in lines if line.startswith("jax ")]
    numbers = [float(n) for n in row.split()[1:6]]
    assert len(numbers) == 5 and all(n > 0 for n in numbers[:4])
    assert numbers[4] == pytest.approx(numbers[1] - numbers[3], abs=0.011)  # medians
    [versions] = [line for line in lines if line.startswith("jax: ")]
    assert "keras 3." in versions and "jax 0." in versions


def test_bilstm_layer_checks_every_variant_before_timing_it(tmp_path):
    for module in ("jax", "torch"):
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"needs {module}")
    report = tmp_path / "bilstm.txt"
    _run(tmp_path, "bilstm_layer.py", "--rounds", "1", "--calls", "1", "--output", str(report))
    text = report.read_text()
    variants = ["keras_seqzoo", "keras", "block-diagonal", "hoisted", "unroll-2", "unroll-4"]
    for name in variants:  # each computes keras_seqzoo's weight gradients
        error = re.search(rf"^{name}: max \|weight gradient - keras_seqzoo's\| (\S+)$", text,
                          re.MULTILINE)
        assert error and float(error.group(1)) < 1e-4, name
    rows = {line.split(" | ")[0][2:]: line for line in text.splitlines()
            if line.startswith("| ") and not line.startswith("| variant")}
    assert list(rows) == [*variants, "nn.LSTM"]
    assert rows["nn.LSTM"].endswith("| 1.00 | 1.00 |")


def test_torch_weight_layout_compares_the_same_computation(tmp_path):
    if importlib.util.find_spec("torch") is None:
        pytest.skip("needs torch")
    out = _run(tmp_path, "torch_weight_layout.py", "--rounds", "2", "--steps", "2").stdout
    assert "same outputs and gradients: True" in out
    views, copies, ratio = (float(re.search(pattern, out).group(1)) for pattern in (
        r"views\s+([\d.]+) ms", r"copies\s+([\d.]+) ms", r"views / copies: ([\d.]+)"))
    assert ratio == pytest.approx(views / copies, abs=0.01)
