"""The `seqzoo` command line: list, describe, summary, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from keras_seqzoo.cli import main


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
