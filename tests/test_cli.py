"""The `seqzoo` command line: list, describe, summary, exit codes."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from keras_seqzoo.cli import main

# The command line is the same under every Keras backend (scripts/test.sh runs it under one).
pytestmark = pytest.mark.one_backend


def test_list_plain_and_json(capsys):
    assert main(["list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == [
        "bigru", "bigru_attention", "bilstm", "conv1d", "embedding_flatten", "embedding_pooling",
        "fasttext", "mingru", "stacked_bilstm", "tcn", "transformer_encoder",
    ]
    assert main(["list", "bigru*", "--presets"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == [
        "bigru", "bigru.imdb_words10k", "bigru_attention", "bigru_attention.imdb_words10k"]
    assert "[T6]" in lines[1]
    assert main(["list", "--tag", "convolutional", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == ["conv1d", "tcn"]


def test_summary_prints_the_keras_table(capsys):
    assert main(["summary", "conv1d.words1k_len120"]) == 0
    out = capsys.readouterr().out
    for text in ["(None, 120, 16)", "16,000", "(None, 116, 128)", "10,368", "3,096",
                 "Total params: 29,489"]:
        assert text in out


def test_summary_with_overrides(capsys):
    assert main(["summary", "bilstm", "--set", "units=8", "--set", "max_length=None"]) == 0
    out = capsys.readouterr().out
    assert "(None, None, 16)" in out and "(None, 16)" in out


def test_describe_text_and_json(capsys):
    assert main(["describe", "bigru"]) == 0
    assert "units" in capsys.readouterr().out
    assert main(["describe", "bigru.imdb_words10k", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["preset"]["reference"] == "T6"


@pytest.mark.parametrize(
    "argv, message",
    [
        (["summary", "bilstn"], "Did you mean 'bilstm'"),
        (["summary", "bilstm", "--set", "units=0"], "Received: units=0"),
        (["describe", "nothing_like_it"], "Unknown model 'nothing_like_it'"),
    ],
)
def test_bad_input_exits_2_with_a_clear_message(argv, message, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.startswith(f"seqzoo {argv[0]}: error:")


@pytest.mark.one_backend
def test_console_script_is_installed():
    exe = os.path.join(os.path.dirname(sys.executable), "seqzoo")
    result = subprocess.run([exe, "list", "--json"], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-1000:]
    assert "bilstm" in json.loads(result.stdout)


# -- the top level: --help, --version, python -m, did-you-mean ------------------------------

HELP_PROBE = """
import contextlib, io, json, sys
from keras_seqzoo.cli import main
out = io.StringIO()
with contextlib.redirect_stdout(out):
    try:
        main([sys.argv[1]])
    except SystemExit as exit:
        code = exit.code
heavy = sorted(m for m in ("keras", "tensorflow", "jax", "torch", "keras_tuner", "matplotlib")
               if m in sys.modules)
print(json.dumps({"code": code, "heavy": heavy, "out": out.getvalue()}))
"""


@pytest.mark.one_backend
@pytest.mark.parametrize("flag", ["--help", "--version"])
def test_help_and_version_import_no_keras(flag):
    result = subprocess.run([sys.executable, "-c", HELP_PROBE, flag], capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["code"] == 0 and report["heavy"] == []
    if flag == "--help":
        assert "COMMAND" in report["out"] and "--version" in report["out"]
    else:
        from keras_seqzoo import __version__

        assert report["out"].strip() == f"seqzoo (keras-seqzoo) {__version__}"


@pytest.mark.one_backend
def test_python_dash_m_keras_seqzoo_is_the_seqzoo_command():
    result = subprocess.run([sys.executable, "-m", "keras_seqzoo", "list", "--json"],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-1000:]
    assert "bilstm" in json.loads(result.stdout)
    result = subprocess.run([sys.executable, "-m", "keras_seqzoo", "--version"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and result.stdout.startswith("seqzoo (keras-seqzoo) ")


def test_unknown_tag_is_refused_with_did_you_mean(capsys):
    assert main(["list", "--tag", "recurent"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("seqzoo list: error: ")
    assert "unknown tag 'recurent'. Did you mean 'recurrent'?" in err
    assert ("Known tags: attention, baseline, causal, convolutional, gru, lstm, modern, ngram, "
            "parallel_scan, pooling, recurrent, stacked, transformer." in err)


def test_suggestions_are_names_that_list_shows(capsys):
    assert main(["list", "--presets", "--json"]) == 0
    listed = set(json.loads(capsys.readouterr().out))
    assert "bilstm.with_lstm" not in listed  # an alias
    for typo in ("bilstm.with_lstn", "embedding_pooling.without_lstn", "bilsm", "gru"):
        assert main(["describe", typo]) == 2
        err = capsys.readouterr().err
        suggested = re.findall(r"'([^']+)'", err.split("Did you mean", 1)[1].split("?")[0])
        assert suggested, err
        assert set(suggested) <= listed, (typo, suggested)
    # A typo of an alias suggests the preset it stands for.
    assert main(["describe", "bilstm.with_lstn"]) == 2
    assert "'bilstm.imdb_words10k_dense24'" in capsys.readouterr().err


def test_results_of_a_missing_directory_exits_2(tmp_path, capsys):
    pytest.importorskip("pandas", reason="seqzoo results needs the [tuner] extra")
    pytest.importorskip("keras_tuner", reason="seqzoo results needs the [tuner] extra")
    assert main(["results", str(tmp_path / "nothing")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("seqzoo results: error:") and "is not a directory" in err


def test_compare_help_names_seeds_and_overwrite(capsys):
    with pytest.raises(SystemExit):
        main(["compare", "--help"])
    out = capsys.readouterr().out
    assert "--seeds SEED [SEED ...]" in out and "--overwrite" in out
    assert "--claim-timeout" not in out


@pytest.mark.one_backend
def test_the_backend_restart_imports_nothing_from_the_working_directory(tmp_path):
    # A keras.py in the working directory must not be imported, neither by the `seqzoo`
    # command nor by the process it restarts on the chosen backend.
    import importlib.util

    target = next((b for b in ("torch", "tensorflow") if importlib.util.find_spec(b)), None)
    if target is None:
        pytest.skip("needs a second Keras backend (torch or tensorflow) to restart on")
    (tmp_path / "keras.py").write_text(
        "raise SystemExit('imported keras.py from the working directory')\n")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = {**os.environ, "KERAS_BACKEND": "jax" if target != "jax" else "torch",
           "PYTHONPATH": root, "KERAS_SEQZOO_CACHE": str(tmp_path / "cache")}
    env.pop("_SEQZOO_BACKEND_NOTED", None)
    exe = os.path.join(os.path.dirname(sys.executable), "seqzoo")
    done = subprocess.run(
        [exe, "compare", "conv1d", "--backend", target, "--protocol", "slides", "-q",
         "--data", str(tmp_path / "missing.csv"), "-o", str(tmp_path / "run")],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    output = done.stdout + done.stderr
    assert "working directory" not in output, output[-2000:]
    assert f"training on the {target} backend" in done.stderr  # it did restart
    assert done.returncode == 2, output[-2000:]  # and stopped at the missing data
    assert not (tmp_path / "run").exists()


def test_reexec_command_leaves_the_working_directory_out():
    from keras_seqzoo.cli import _reexec_command

    command = _reexec_command(["compare", "x"])
    assert command[0] == sys.executable and command[-2:] == ["compare", "x"]
    if sys.version_info >= (3, 11):
        assert command[1:4] == ["-P", "-m", "keras_seqzoo"]
    else:
        assert command[1] == "-c" and "sys.path.pop(0)" in command[2]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["compare", "conv1d", "--columns", "text"], "expected the file's column names"),
        (["compare", "conv1d", "--columns", "a,b"], "must name 'label' and 'text'"),
        (["compare", "conv1d", "--protocol", "fair"], "invalid choice: 'fair'"),
        (["compare", "conv1d", "--keep", "middle"], "invalid choice: 'middle'"),
        (["compare", "conv1d", "--class-weight", "inverse"], "invalid choice: 'inverse'"),
        (["compare", "conv1d", "--patience", "0"], "expected an integer >= 1"),
        (["tune", "conv1d", "--trials", "0"], "expected an integer >= 1"),
    ],
)
def test_bad_data_and_protocol_flags_exit_2(argv, message, capsys, tmp_path):
    with pytest.raises(SystemExit) as exit_:
        main([*argv, "-o", str(tmp_path / "run")])
    assert exit_.value.code == 2 and message in capsys.readouterr().err
    assert not (tmp_path / "run").exists()


def test_tune_and_compare_take_the_data_flags(capsys):
    for command in ("compare", "tune"):
        with pytest.raises(SystemExit):
            main([command, "--help"])
        out = capsys.readouterr().out
        for flag in ("--data", "--test", "--validation", "--format", "--columns",
                     "--text-column", "--label-column", "--file-encoding", "--keep",
                     "--protocol", "--patience", "--class-weight"):
            assert flag in out, (command, flag)
    with pytest.raises(SystemExit):
        main(["tune", "--help"])
    out = capsys.readouterr().out
    assert "--trials" in out and "--redo" in out


def test_sigterm_stops_a_training_command_as_ctrl_c_does(tmp_path):
    """``kill``, a batch scheduler's time limit and ``docker stop`` send SIGTERM (and a job
    started in a script's background ignores SIGINT): the command unwinds as on Ctrl-C,
    exit status 130, and the epochs it recorded stay readable."""
    import signal
    import time

    pytest.importorskip("keras_tuner", reason="seqzoo compare needs the [tuner] extra")
    from keras_seqzoo.callbacks import read_history

    data = tmp_path / "mine.csv"
    data.write_text("text,label\n" + "".join(
        f"word{i % 50} other{i % 7} more{i % 11},{'ab'[i % 2]}\n" for i in range(2000)))
    out = tmp_path / "run"
    process = subprocess.Popen(
        [sys.executable, "-m", "keras_seqzoo", "compare", "embedding_pooling", "--data",
         str(data), "--epochs", "500", "-o", str(out), "-q"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 240
        while not any(p.stat().st_size for p in out.rglob("history.jsonl")):
            assert process.poll() is None, process.communicate()[1][-2000:]
            assert time.monotonic() < deadline, "no epoch recorded in 240 s"
            time.sleep(0.5)
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130, err[-2000:]
    assert "seqzoo compare: interrupted" in err, err[-2000:]
    histories = list(out.rglob("history.jsonl"))
    assert len(histories) == 1 and 1 <= len(read_history(histories[0].parent)) < 500


def test_a_reader_that_stops_early_gets_no_traceback():
    """``seqzoo list --presets | head -1``: the command ends quietly when the pipe closes."""
    process = subprocess.run(
        f"{sys.executable} -m keras_seqzoo list --presets | head -1", shell=True,
        capture_output=True, text=True, timeout=300)
    assert process.stdout.count("\n") == 1
    assert "Traceback" not in process.stderr and "BrokenPipe" not in process.stderr, \
        process.stderr[-2000:]
