"""The backend advice (keras_seqzoo.backend_speed): the package's figures are the recorded twins
table's, and describe / the command line say which backend is fastest from them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import keras_seqzoo as zoo
from benchmarks.training import torch_twins
from keras_seqzoo import _backend_speed_table, backend_speed
from keras_seqzoo.cli import main

pytestmark = pytest.mark.one_backend

ROOT = Path(__file__).resolve().parents[1]
#: The recording the package's table was generated from (a twins table in docs/data/benchmarks).
RECORDING = ROOT / _backend_speed_table.SOURCE
TABLE_MODULE = ROOT / "keras_seqzoo" / "_backend_speed_table.py"


def _recorded_rows() -> dict[str, dict[str, dict]]:
    """architecture -> backend -> the recording's default-path (seqzoo) row, read here
    from the JSON without the package's code."""
    data = json.loads(RECORDING.read_text())
    rows: dict[str, dict[str, dict]] = {}
    for row in data["rows"]:
        if row["way"] == "seqzoo":
            name = row.get("architecture") or torch_twins.ARCHITECTURE_OF[row["model"]]
            rows.setdefault(name, {})[row["backend"]] = row
    return rows


def test_package_table_is_the_recording_regenerated(tmp_path):
    # The committed module is exactly what --advice-only writes from the recording today:
    # re-record the table without rewriting the advice and this fails.
    out = tmp_path / "table.py"
    torch_twins.write_advice(json.loads(RECORDING.read_text()), str(out),
                             _backend_speed_table.SOURCE)
    assert out.read_text() == TABLE_MODULE.read_text()
    assert _backend_speed_table.SOURCE.startswith("docs/data/benchmarks/torch_twins")
    assert RECORDING.is_file()


def test_every_recorded_row_is_in_the_package_with_its_figures():
    rows = _recorded_rows()
    table = _backend_speed_table.TABLE
    assert set(table["architectures"]) == set(rows)
    assert table["device"] == "CPU"
    for name, backends in rows.items():
        speed = backend_speed.backend_speed(name)
        assert set(speed["backends"]) == set(backends)
        for backend, row in backends.items():
            assert speed["backends"][backend]["best"] == pytest.approx(row["best"], abs=1e-4)
            assert speed["backends"][backend]["ratio_best"] == pytest.approx(
                row["ratio_best"], abs=1e-4)
        # The fastest is the lowest best-epoch ratio to the twin, recomputed here.
        assert speed["fastest"] == min(backends, key=lambda b: backends[b]["ratio_best"])


def test_advice_line_for_t2_names_torch_then_the_others():
    rows = _recorded_rows()["stacked_bilstm"]
    line = backend_speed.advice_line("stacked_bilstm.imdb_subwords8k")
    order = sorted(rows, key=lambda b: rows[b]["ratio_best"])
    first = rows[order[0]]
    assert line.startswith(
        f"fastest recorded backend on CPU: {order[0]} ({first['best']:.2f} s/epoch, "
        f"{first['ratio_best']:.2f}x plain PyTorch); ")
    assert all(f"{b} {rows[b]['ratio_best']:.2f}x" in line for b in order[1:])
    assert line.index(order[1]) < line.index(order[2])
    recorded = json.loads(RECORDING.read_text())["recorded"][:10]
    assert f"(recording: 2 CPUs AMD EPYC, {recorded})" in line
    # Every recording so far put torch first and JAX behind it (2026-11-27: torch 1.13x,
    # tensorflow 1.14x, jax 2.23x; 2026-12-02: torch 1.04x, tensorflow 1.25x, jax 2.34x;
    # its re-run with fastText: torch 1.20x, jax 1.93x, tensorflow 3.31x).
    assert order[0] == "torch" and order.index("torch") < order.index("jax")
    assert backend_speed.fastest_backend("stacked_bilstm") == "torch"


def test_every_registered_architecture_is_recorded():
    assert set(_recorded_rows()) == set(zoo.list_models())


def test_unrecorded_architecture_says_not_recorded(monkeypatch):
    # Every architecture is in the recording now: take one out of the package's table.
    import importlib

    module = importlib.import_module("keras_seqzoo._backend_speed_table")
    table = {**module.TABLE, "architectures": {
        k: v for k, v in module.TABLE["architectures"].items() if k != "tcn"}}
    monkeypatch.setattr(module, "TABLE", table)
    name = "tcn"
    assert backend_speed.backend_speed(name) is None
    assert backend_speed.fastest_backend(name) is None
    assert backend_speed.advice_line(name) == "fastest recorded backend on CPU: not recorded"
    assert zoo.describe(name)["backend_speed"] is None


def test_advice_table_from_a_new_recording_with_architecture_names():
    # A recording whose rows name their architecture (the full table to come) needs no mapping;
    # only the default path's rows (way seqzoo) count.
    row = {"model": "M3 TCN", "architecture": "tcn", "way": "seqzoo", "kernels": [],
           "best": 2.0, "median": 2.5, "torch_best": 4.0, "torch_median": 5.0,
           "ratio_best": 0.5, "ratio_median": 0.5}
    recording = {"recorded": "2027-01-01", "hardware": {"cpus": 2, "processor": "X"},
                 "load": {"idle": True}}
    table = backend_speed.advice_table({
        "rows": [{**row, "backend": "jax"}, {**row, "backend": "torch", "best": 3.0,
                                             "ratio_best": 0.75},
                 {**row, "backend": "jax", "way": "keras", "best": 1.0, "ratio_best": 0.1}],
        "recordings": [recording]})
    assert table["recordings"][0]["idle"] is True
    assert backend_speed.advice_line("tcn.imdb_words10k", table) == (
        "fastest recorded backend on CPU: jax (2.00 s/epoch, 0.50x plain PyTorch); torch 0.75x "
        "(recording: 2 CPUs X, 2027-01-01)")
    assert backend_speed.advice_line("bilstm", table) == (
        "fastest recorded backend on CPU: not recorded")


def _two_architecture_table():
    """bilstm: jax 0.5x and torch 1.0x of twins timed at 10 s and 14 s (yardstick: their
    median, 12 s); conv1d: jax 2.0x and torch 1.0x of twins at 3 s and 5 s (4 s)."""
    def row(ratio, twin):
        return {"best": ratio * twin, "median": 0, "torch_best": twin, "torch_median": 0,
                "ratio_best": ratio, "ratio_median": 0, "kernels": [], "recording": 0}
    return {"device": "CPU",
            "recordings": [{"recorded": "2027-01-01", "cpus": 2, "processor": "X", "gpu": None}],
            "architectures": {
                "bilstm": {"label": "T5", "backends": {"jax": row(0.5, 10.0),
                                                       "torch": row(1.0, 14.0)}},
                "conv1d": {"label": "C3", "backends": {"jax": row(2.0, 3.0),
                                                       "torch": row(1.0, 5.0)}}}}


def test_choose_backend_sums_each_architectures_estimate():
    table = _two_architecture_table()
    # bilstm alone: jax 0.5 * 12 = 6.0 s, torch 1.0 * 12 = 12.0 s.
    assert backend_speed.choose_backend(["bilstm.imdb_words10k"], table=table) == (
        "jax", "the fastest recorded on CPU for bilstm (estimated 6.0 s an epoch; torch 12.0) "
               "(recording: 2 CPUs X, 2027-01-01)")
    # conv1d alone: jax 2.0 * 4 = 8.0 s, torch 4.0 s.
    assert backend_speed.choose_backend(["conv1d"], table=table)[0] == "torch"
    # Together: jax 6 + 8 = 14 s, torch 12 + 4 = 16 s; a name without a row is said, not summed.
    chosen, reason = backend_speed.choose_backend(["conv1d", "bilstm", "mine"], table=table)
    assert chosen == "jax"
    assert "for conv1d, bilstm (estimated 14.0 s an epoch; torch 16.0); not recorded: mine" in reason
    # Only the installed backends compete; with none recorded for every name, none is chosen.
    assert backend_speed.choose_backend(["bilstm"], available=["torch"], table=table)[0] == "torch"
    assert backend_speed.choose_backend(["mine"], table=table) == (
        None, "no speed recorded on CPU for mine on jax or torch or tensorflow")
    assert backend_speed.choose_backend(["bilstm"], available=["tensorflow"], table=table)[0] is None


def test_choose_backend_on_the_recording_picks_each_architectures_fastest():
    fastest = backend_speed.fastest_by_architecture()
    assert sorted(fastest) == sorted(zoo.list_models())
    for name, backend in fastest.items():
        assert backend_speed.fastest_backend(name) == backend
        assert backend_speed.choose_backend([name])[0] == backend


def test_advice_table_rejects_a_row_without_architecture():
    with pytest.raises(ValueError, match=r"advice_table: the row of 'T9 x' names no "
                                         r"architecture; pass architecture_of"):
        backend_speed.advice_table({"rows": [{"model": "T9 x", "way": "seqzoo"}]})


def test_describe_and_command_line_show_the_advice(capsys):
    info = zoo.describe("stacked_bilstm")
    assert info["backend_speed"]["fastest"] == "torch"
    assert info["backend_speed"]["label"] == "T2 stacked BiLSTM(64, 32)"
    assert main(["describe", "stacked_bilstm.imdb_subwords8k"]) == 0
    out = capsys.readouterr().out
    assert "  fastest recorded backend on CPU: torch (" in out
    assert main(["describe", "bilstm", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["backend_speed"]["fastest"] == "jax"


def test_advice_only_needs_a_recording(monkeypatch, capsys):
    monkeypatch.setattr("sys.argv", ["torch_twins", "--advice-only", "--advice", "x.py"])
    with pytest.raises(SystemExit, match="--advice-only needs --advice PATH and --json naming "
                                         "a recording; got --advice 'x.py', --json None"):
        torch_twins.main()


@pytest.mark.slow
def test_a_measured_run_writes_advice_the_package_reads(tmp_path):
    # The path the full recording takes: measure (here --quick, JAX, one architecture the
    # committed table lacks), write --json and --advice, and the written table advises it.
    pytest.importorskip("torch")
    pytest.importorskip("jax")
    advice, recording = tmp_path / "table.py", tmp_path / "t.json"
    env = {**os.environ, "KERAS_SEQZOO_CACHE": str(tmp_path / "cache"), "OMP_NUM_THREADS": "1",
           "TF_CPP_MIN_LOG_LEVEL": "3",
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    env.pop("KERAS_SEQZOO_IMDB", None)
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.training.torch_twins", "--quick", "--configs", "jax",
         "--models", "tcn", "--check-epochs", "0", "--json", str(recording),
         "--advice", str(advice)], env=env, cwd=ROOT, capture_output=True, text=True,
        timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"wrote the backend advice of {recording} to {advice}" in result.stdout
    namespace: dict = {}
    exec(compile(advice.read_text(), str(advice), "exec"), namespace)
    table = namespace["TABLE"]
    row = json.loads(recording.read_text())["rows"][0]
    assert (row["architecture"], row["backend"], row["way"]) == ("tcn", "jax", "seqzoo")
    assert backend_speed.advice_line("tcn", table).startswith(
        f"fastest recorded backend on CPU: jax ({row['best']:.2f} s/epoch, "
        f"{row['ratio_best']:.2f}x plain PyTorch) (recording: ")
    assert backend_speed.advice_line("stacked_bilstm", table).endswith("not recorded")
