"""The benchmark suite still runs and writes what the docs include (tiny settings; no timing
is asserted: speed belongs in the scripts' printed ratios, not in tests), its harness keeps
its rules, and every registered architecture has a plain PyTorch twin of the same size.

The end-to-end runs of a script (``python -m benchmarks...``, 20 to 60 s each on two cores)
are marked ``heavy``, as are the twin learning checks a benchmark repeats before it records:
the README's test command leaves them out to keep CI well under 20 minutes; run them after
changing a benchmark or a twin, and before recording
(``BACKENDS=tensorflow bash scripts/test.sh -m heavy``). The harness' rules, the imports of
every script and the twins' sizes and layouts stay in every run."""

from __future__ import annotations

import ast
import importlib
import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.helpers import imdb_files, write_folder

ROOT = Path(__file__).resolve().parent.parent
pytestmark = [pytest.mark.slow, pytest.mark.one_backend]
SCRIPTS = sorted(str(p.relative_to(ROOT).with_suffix("")).replace(os.sep, ".")
                 for p in (ROOT / "benchmarks").glob("*/*.py")
                 if 'if __name__ == "__main__":' in p.read_text())


def _needs(*modules: str) -> None:
    for module in modules:
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"needs {module}")


def _run(tmp_path: Path, module: str, *args: str) -> subprocess.CompletedProcess:
    """Runs ``python -m benchmarks.MODULE`` on JAX with a private cache and no real IMDB;
    must succeed."""
    env = {**os.environ, "KERAS_SEQZOO_CACHE": str(tmp_path / "cache"),
           "KERAS_BACKEND": "jax", "TF_CPP_MIN_LOG_LEVEL": "3",
           # One thread: on a busy machine torch's two-thread barriers wait for descheduled
           # threads (30x slower); these smoke runs assert no timing.
           "OMP_NUM_THREADS": "1",
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    env.pop("KERAS_SEQZOO_IMDB", None)
    result = subprocess.run([sys.executable, "-m", f"benchmarks.{module}", *args], env=env,
                            cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def _load(path: Path) -> dict:
    """A benchmark's JSON; every one stores the machine's load around the run."""
    report = json.loads(path.read_text())
    load = report["load"]
    assert set(load) >= {"loadavg_before", "loadavg_after", "cores", "idle", "seconds"}
    assert load["seconds"] >= 0 and report["command"].startswith("python -m benchmarks.")
    return report


def test_the_suite_imports_normally_and_shares_one_set_of_output_flags():
    """No script edits sys.path; each one takes --json, --text and --quick from the harness,
    and the README indexes every script."""
    readme = (ROOT / "benchmarks" / "README.md").read_text()
    assert SCRIPTS and len(SCRIPTS) >= 11
    for module in SCRIPTS:
        source = (ROOT / (module.replace(".", os.sep) + ".py")).read_text()
        assert "sys.path" not in source, module
        assert "harness.add_output_flags(parser" in source, module
        assert "harness.Recording(" in source, module
        assert f"python -m {module}" in readme, f"{module} is not in benchmarks/README.md"
        ast.parse(source)


def test_alternating_rounds_reverse_the_order_every_round_and_keep_reported_values():
    from benchmarks import harness

    calls = []
    runs = {name: (lambda name=name: calls.append(name) or (2.5 if name == "b" else None))
            for name in ("a", "b", "c")}
    times = harness.alternating_rounds(runs, 3)
    assert calls == ["a", "b", "c", "c", "b", "a", "a", "b", "c"]
    assert times["b"] == [2.5, 2.5, 2.5]  # a function's own measurement
    assert all(0 <= t < 1 for t in times["a"] + times["c"])  # wall-clock seconds
    assert harness.best_and_median([3.0, 1.0, 2.0]) == (1.0, 2.0)
    assert harness.paired_ratio([1.0, 2.0, 4.0], [2.0, 2.0, 2.0]) == 1.0
    with pytest.raises(ValueError, match="rounds must be >= 0"):
        harness.alternating_rounds(runs, -1)


def test_recording_writes_text_json_and_the_load(tmp_path):
    import argparse

    from benchmarks import harness

    parser = argparse.ArgumentParser()
    harness.add_output_flags(parser, rounds=4, rst=True)
    args = parser.parse_args(["--json", str(tmp_path / "a" / "r.json"), "--text",
                              str(tmp_path / "r.txt"), "--rst", str(tmp_path / "r.rst")])
    assert (args.rounds, args.quick) == (4, False)
    record = harness.Recording("benchmarks.kernels.x", ["--rounds", "4"]).finish(
        args, text="table\n", payload={"rows": [1]}, rst="rst\n")
    report = _load(tmp_path / "a" / "r.json")
    assert report["rows"] == [1]
    assert report["command"] == "python -m benchmarks.kernels.x --rounds 4"
    assert report == json.loads(json.dumps(record, default=str))
    assert report["hardware"]["cpus"] == os.cpu_count()
    text = (tmp_path / "r.txt").read_text()
    assert text.startswith("table\nLoad: 1-min average")
    assert (tmp_path / "r.rst").read_text() == "rst\n"


@pytest.mark.heavy  # a script's end-to-end run (module docstring)
def test_epoch_times_writes_paired_rows_with_identical_parameter_counts(tmp_path):
    if importlib.util.find_spec("jax") is None:
        pytest.skip("needs jax")
    data = write_folder(tmp_path / "data", imdb_files())
    out = tmp_path / "out"
    result = _run(tmp_path, "training.epoch_times", "--data", str(data), "--configs", "jax",
                  "--models", "T4", "C3", "--steps", "1", "--rounds", "2", "--min-seconds", "0",
                  "--json", str(out / "t.json"), "--rst", str(out / "t.rst"))
    report = _load(out / "t.json")
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
    result = _run(tmp_path, "training.callback_overhead", "--rounds", "0", "--long-run", "60")
    rows = re.findall(r"^\s*(.+?)\s+first\s+([\d.]+)\s+last\s+([\d.]+)$", result.stdout, re.M)
    assert [name for name, _, _ in rows] == ["csvlogger", "seqzoo", "seqzoo, fsync=False"]
    assert all(float(first) > 0 and float(last) > 0 for _, first, last in rows)


@pytest.mark.heavy  # a script's end-to-end run (module docstring)
def test_runner_workers_shares_the_models_out_and_checks_each_is_trained_once(tmp_path):
    if importlib.util.find_spec("jax") is None:
        pytest.skip("needs jax")
    data = write_folder(tmp_path / "data", imdb_files())
    out = tmp_path / "workers.json"
    _run(tmp_path, "training.runner_workers", "--data", str(data), "--models",
         "conv1d.imdb_words10k", "embedding_pooling.imdb_words10k", "--workers", "2",
         "--epochs", "1", "--limit", "10", "--json", str(out))
    [row] = _load(out)["rows"]
    assert row["workers"] == 2 and sum(row["trials_per_worker"]) == 2
    assert row["seconds_wall"] > 0


def _benchmark_module(name: str):
    """Imports ``benchmarks.NAME`` (a package, imported normally)."""
    return importlib.import_module(f"benchmarks.{name}")


@pytest.mark.heavy  # a script's end-to-end run (module docstring)
def test_torch_twins_times_each_way_against_its_plain_pytorch_twin(tmp_path):
    for module in ("jax", "torch"):
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"needs {module}")
    out = tmp_path / "out"
    _run(tmp_path, "training.torch_twins", "--synthetic", "--configs", "jax", "--models", "T5",
         "--sequences", "64", "--rounds", "2", "--with-keras", "--check-epochs", "0",
         "--json", str(out / "t.json"), "--rst", str(out / "t.rst"))
    rows = _load(out / "t.json")["rows"]
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
    _run(tmp_path, "training.torch_twins", "--synthetic", "--configs", "jax", "--models", "T5",
         "--sequences", "64", "--rounds", "3", "--update", "--check-epochs", "0",
         "--json", str(out / "t.json"), "--rst", str(out / "t.rst"))
    result = json.loads((out / "t.json").read_text())
    assert [(r["way"], r["recording"], len(r["epochs"])) for r in result["rows"]] == [
        ("seqzoo", 1, 3), ("keras", 0, 2)]
    assert [r["rounds"] for r in result["recordings"]] == [2, 3]
    text = (out / "t.rst").read_text()
    assert "Recording 1:" in text and "Recording 2:" in text
    assert "Rows: T5 BiLSTM(32), jax, seqzoo." in text
    assert "     - jax [2]\n     - seqzoo" in text and "     - jax [1]\n     - Keras" in text


@pytest.mark.heavy  # a script's end-to-end run (module docstring)
def test_torch_twins_wrapped_rows_train_the_twins_own_layers_in_keras(tmp_path):
    if importlib.util.find_spec("torch") is None:
        pytest.skip("needs torch")
    out = tmp_path / "out"
    _run(tmp_path, "training.torch_twins", "--synthetic", "--configs", "torch", "--models", "T5",
         "--sequences", "64", "--rounds", "1", "--with-wrapped", "--check-epochs", "0",
         "--json", str(out / "t.json"), "--rst", str(out / "t.rst"))
    rows = json.loads((out / "t.json").read_text())["rows"]
    assert [(r["way"], r["kernels"]) for r in rows] == [
        ("seqzoo", ["torch-fused-bidirectional"]), ("wrapped", ["TorchModuleWrapper"])]
    # The wrapped model holds the twin's own nn.LSTM: the twin's parameter count.
    assert rows[1]["params"] == rows[1]["torch_params"] == 172_941 + 256
    assert "     - nn.LSTM (wrapped)" in (out / "t.rst").read_text()


def test_torch_twins_update_drops_a_recording_whose_rows_were_all_measured_again():
    torch_twins = _benchmark_module("training.torch_twins")
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


@pytest.mark.parametrize("name", ["torch_twins", "torch_twins_gpu", "torch_twins_all"])
def test_torch_twins_tables_in_the_docs_are_their_recordings(name):
    """The tables the benchmarks page includes are what the script makes of the JSON
    recorded beside them (no hand edits on either side); the GPU one names its GPU."""
    torch_twins = _benchmark_module("training.torch_twins")
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


@pytest.mark.heavy  # a script's end-to-end run (module docstring)
def test_train_step_overhead_reports_each_backend(tmp_path):
    for module in ("jax", "torch"):
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"needs {module}")
    report = tmp_path / "overhead.txt"
    _run(tmp_path, "training.train_step_overhead", "--synthetic", "--configs", "jax",
         "--sequences", "64", "--rounds", "2", "--text", str(report))
    lines = report.read_text().splitlines()
    [row] = [line for line in lines if line.startswith("jax ")]
    numbers = [float(n) for n in row.split()[1:6]]
    assert len(numbers) == 5 and all(n > 0 for n in numbers[:4])
    assert numbers[4] == pytest.approx(numbers[1] - numbers[3], abs=0.011)  # medians
    [versions] = [line for line in lines if line.startswith("jax: ")]
    assert "keras 3." in versions and "jax 0." in versions


@pytest.mark.heavy  # a script's end-to-end run (module docstring)
def test_bilstm_layer_checks_every_variant_before_timing_it(tmp_path):
    for module in ("jax", "torch"):
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"needs {module}")
    report = tmp_path / "bilstm.txt"
    _run(tmp_path, "kernels.bilstm_layer", "--rounds", "1", "--calls", "1", "--text", str(report))
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
    out = _run(tmp_path, "kernels.torch_weight_layout", "--rounds", "2", "--steps", "2").stdout
    assert "same outputs and gradients: True" in out
    views, copies, ratio = (float(re.search(pattern, out).group(1)) for pattern in (
        r"views\s+([\d.]+) ms", r"copies\s+([\d.]+) ms", r"views / copies: ([\d.]+)"))
    assert ratio == pytest.approx(views / copies, abs=0.01)


# -- plain PyTorch twins of every architecture (issue 29) ---------------------------------


def test_every_registered_architecture_has_a_twin_of_the_same_size():
    """Within 1 % of the Keras preset's parameters (the LSTMs' torch twins carry a second
    bias vector per gate: +256 for T5)."""
    _needs("torch")
    import keras_seqzoo as zoo
    from benchmarks.training.twins import ARCHITECTURES, parameter_gap

    assert sorted(ARCHITECTURES) == sorted(zoo.list_models())
    gaps = {}
    for name, spec in ARCHITECTURES.items():
        assert spec.preset.split(".")[0] == name
        gaps[name] = parameter_gap(name, zoo.build(spec.preset).count_params())
    assert all(gap <= 0.01 for gap in gaps.values()), gaps
    assert sum(gap == 0 for gap in gaps.values()) == len(gaps) - 2  # the two LSTM models
    torch_twins = _benchmark_module("training.torch_twins")
    assert [a for a in torch_twins.ARCHITECTURE_OF.values()] == list(ARCHITECTURES)


def test_the_fasttext_twin_hashes_bigrams_as_the_keras_layer_does():
    _needs("torch")
    import torch

    from benchmarks.training.twins import hashed_bigrams
    from keras_seqzoo.layers import HashedNgrams

    tokens = np.random.default_rng(0).integers(0, 70000, size=(8, 40))
    tokens[:, 30:] = 0  # padding after the text
    keras_ids = np.asarray(HashedNgrams(10000, 11600, (1, 2))(tokens.astype("int32")))
    assert np.array_equal(hashed_bigrams(torch.tensor(tokens), 10000, 11600).numpy(), keras_ids)


def test_the_mingru_twin_scans_as_a_step_by_step_loop_would():
    _needs("torch")
    import torch

    from benchmarks.training.twins import _parallel_scan

    rng = np.random.default_rng(0)
    a, b = rng.random((3, 37, 5)), rng.normal(size=(3, 37, 5))
    h, loop = np.zeros((3, 5)), []
    for t in range(37):
        h = a[:, t] * h + b[:, t]
        loop.append(h)
    got = _parallel_scan(torch.tensor(a), torch.tensor(b)).numpy()
    assert np.allclose(got, np.stack(loop, 1), atol=1e-10)


@pytest.mark.heavy  # a script's end-to-end run (module docstring)
def test_torch_twins_quick_runs_every_architecture_end_to_end(tmp_path):
    """--quick: tiny settings, the learning check recorded but not enforced, one row per
    architecture (the recurrent builders also with Keras' own layers), each naming it.
    One batch and one check epoch: the pipeline is what is checked, not the learning."""
    _needs("torch")
    out = tmp_path / "out"
    result = _run(tmp_path, "training.torch_twins", "--quick", "--configs", "torch",
                  "--with-keras", "--sequences", "32", "--check-epochs", "1",
                  "--json", str(out / "t.json"), "--rst", str(out / "t.rst"))
    report = _load(out / "t.json")
    import keras_seqzoo as zoo

    rows = report["rows"]
    assert sorted({r["architecture"] for r in rows}) == sorted(zoo.list_models())
    assert [r["architecture"] for r in rows if r["way"] == "keras"] == [
        "bilstm", "bigru", "stacked_bilstm"]
    for row in rows:
        assert abs(row["torch_params"] - row["params"]) <= 0.01 * row["params"]
        assert len(row["epochs"]) == len(row["torch_epochs"]) == 1
    check = report["learning_check"]
    assert check["enforced"] is False and check["validation"] == 64
    assert sorted(c["architecture"] for c in check["checks"]) == sorted(zoo.list_models())
    assert all(0 <= c["twin_accuracy"] <= 1 and c["epochs"] == 1 for c in check["checks"])
    assert "learning check tcn: Keras" in result.stdout
    text = (out / "t.rst").read_text()
    assert "python -m benchmarks.training.torch_twins --quick" in text
    assert "not enforced: a quick run" in text and "Load: 1-min average" in text
    assert "M3 TCN" in text and "M5 BiGRU + attention" in text


@pytest.mark.heavy  # a script's end-to-end run (module docstring)
def test_t2_jax_profile_quick_times_every_piece_and_stores_the_load(tmp_path):
    """The T2 investigation (issue 29): every piece with both kernels, model.fit with each and
    with Keras' own layers, traced once each, and the load in the report."""
    _needs("jax")
    out = tmp_path / "out"
    _run(tmp_path, "investigations.t2_jax_profile", "--quick", "--json", str(out / "p.json"),
         "--text", str(out / "p.txt"))
    report = _load(out / "p.json")
    times = report["times"]
    for piece in ("layer 1 BiLSTM(64) seq, forward+backward", "both layers, forward+backward",
                  "model.fit epoch of 2 steps"):
        assert {f"{piece}|scan", f"{piece}|lstm_scan"} <= set(times), piece
    assert "model.fit epoch of 2 steps|Keras own" in times
    assert all(len(values) == 1 and values[0] > 0 for values in times.values())
    text = (out / "p.txt").read_text()
    assert "traces of the training step, lstm_scan: 1" in text and "Load: 1-min average" in text


def test_split_overlap_counts_copied_word_ngrams_and_the_nearest_training_label():
    """The 20 Newsgroups investigation: a held-out text copied from a training text is all
    seen and takes that text's label; a fresh one is unseen and counts as wrong; padding,
    out-of-vocabulary ids and texts shorter than 8 words give no 8-gram."""
    from benchmarks.investigations.split_overlap import overlap, shingles

    rng = np.random.default_rng(0)
    x_train = rng.integers(2, 1000, size=(6, 30))
    y_train = np.array([0, 1, 2, 0, 1, 2])
    copied = x_train[[4, 2]].copy()
    half = x_train[0].copy()
    half[15:] = rng.integers(1000, 2000, size=15)  # new words: 8 of its 23 8-grams are seen
    fresh = rng.integers(1000, 2000, size=(1, 30))
    short = np.zeros((1, 30), dtype=np.int64)
    short[0, :7] = x_train[1, :7]
    x = np.concatenate([copied, half[None], fresh, short])
    got = overlap(x_train, y_train, x, np.array([1, 2, 0, 0, 1]))
    assert got["texts"] == 5
    assert got["nearest_accuracy"] == pytest.approx(3 / 5)  # the copies and half; not fresh
    assert got["any_seen"] == pytest.approx(3 / 5) and got["half_seen"] == pytest.approx(2 / 5)
    assert got["median_seen"] == pytest.approx(8 / 23)
    assert shingles(np.array([5, 6, 7, 8, 9, 10, 11, 1, 12, 0, 0])) == set()  # OOV, padding
    assert len(shingles(np.arange(2, 12))) == 3


@pytest.mark.parametrize("architecture", ["bilstm", "stacked_bilstm", "bigru_attention"])
def test_recurrent_twins_initialise_the_recurrent_kernel_as_keras_does(architecture):
    """Keras' Orthogonal covers a direction's whole (units, gates * units) recurrent kernel:
    its rows are orthonormal, so torch's (gates * units, units) weight_hh has orthonormal
    columns (an orthogonal block per gate gives gates * I and recurs too strongly)."""
    _needs("torch")
    import torch

    from benchmarks.training.twins import torch_twin

    torch.manual_seed(0)
    kernels = [p for n, p in torch_twin(architecture).named_parameters() if "weight_hh" in n]
    assert len(kernels) >= 2  # both directions
    for kernel in kernels:
        gram = (kernel.T @ kernel).detach().numpy()
        assert np.allclose(gram, np.eye(kernel.shape[1]), atol=1e-5)


@pytest.mark.real_data
@pytest.mark.heavy  # the benchmark runs the same check before it times them (docstring)
@pytest.mark.parametrize("architecture", [
    "fasttext", "tcn", "mingru", "transformer_encoder", "bigru_attention"])
def test_each_new_twin_learns_imdb_as_its_keras_model_does(imdb_path, architecture):
    """The check the benchmark runs before timing: after its check epochs (2; fastText 5)
    on 3,000 real reviews the twin ends within 2 points of the Keras model's validation
    accuracy."""
    _needs("torch")
    from benchmarks.training.twins import ARCHITECTURES, check_learns
    from keras_seqzoo import datasets

    # The slides protocol: train on IMDB's training reviews, validate on its test reviews.
    (x, y), (x_val, y_val) = datasets.load_imdb("words", source=imdb_path,
                                                protocol="slides").numpy()
    rng = np.random.default_rng(0)
    train, val = rng.permutation(len(x))[:3000], rng.permutation(len(x_val))[:2000]
    result = check_learns(architecture, (x[train], y[train].astype("float32")),
                          (x_val[val], y_val[val].astype("float32")),
                          epochs=ARCHITECTURES[architecture].check_epochs)
    assert result["epochs"] == (5 if architecture == "fasttext" else 2)
    assert result["keras_accuracy"] > 0.6, result  # the task is learned at all
    assert result["learns"], result
