"""Other people's data sets through `seqzoo compare`, each in its own format, 2 epochs.

Reads /work/shared/data/text (``$KERAS_SEQZOO_TEXT_DATA`` overrides; see its
README): Reuters R8 as CSV with a header, the SMS Spam Collection as a headerless
TSV, 20 Newsgroups as a folder per class inside a ``.tar.gz``. Skipped with a
reason when the files are absent.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from keras_seqzoo import comparison, datasets
from keras_seqzoo.callbacks import read_run
from keras_seqzoo.cli import main

pytestmark = [pytest.mark.real_data, pytest.mark.slow]

TEXT_DATA = Path(os.environ.get("KERAS_SEQZOO_TEXT_DATA", "/work/shared/data/text"))


def _need(*names: str) -> list[str]:
    if not hasattr(datasets, "load_data"):
        pytest.skip("needs keras_seqzoo.datasets.load_data (files of any format)")
    paths = [TEXT_DATA / name for name in names]
    missing = [p.name for p in paths if not p.exists()]
    if missing:
        pytest.skip(f"{', '.join(missing)} not in {TEXT_DATA} (set KERAS_SEQZOO_TEXT_DATA)")
    return [os.fspath(p) for p in paths]


def _compare(tmp_path, *argv: str) -> tuple[dict, list[dict]]:
    out = tmp_path / "run"
    assert main(["compare", "fasttext", "--epochs", "2", "-q", "-o", str(out), *argv]) == 0
    (row,) = json.loads((out / "comparison.json").read_text())["rows"]
    runs = [read_run(f) for f in comparison.model_runs(out)["fasttext"]]
    return row, runs


def test_reuters_r8_csv_with_fasttext(tmp_path):
    train, test = _need("reuters-r8-train.csv", "reuters-r8-test.csv")
    row, runs = _compare(tmp_path, "--data", train, "--test", test, "--learning-rate", "0.01",
                         "--batch-size", "16")
    assert runs[0]["model"]["arguments"]["num_classes"] == 8
    assert row["test_accuracy"] >= 0.90, row
    assert "test_macro_f1" in row


def test_sms_spam_headerless_tsv_reports_spam_f1(tmp_path):
    (path,) = _need("SMSSpamCollection")
    row, runs = _compare(tmp_path, "--data", path, "--format", "tsv", "--columns", "label,text",
                         "--class-weight", "balanced")
    assert runs[0]["model"]["arguments"]["num_classes"] == 2
    assert any(k.startswith("test_") and "f1" in k for k in row), sorted(row)
    assert runs[0]["positive_class"] == "spam" and "test_f1" in row
    table = (tmp_path / "run" / "comparison.md").read_text()
    assert "positive class 'spam'" in table


def test_20_newsgroups_folder_per_class_archive(tmp_path):
    (path,) = _need("20news-bydate.tar.gz")
    row, runs = _compare(tmp_path, "--data", path, "--file-encoding", "latin-1")
    assert runs[0]["model"]["arguments"]["num_classes"] == 20
    assert "test_accuracy" in row and "test_macro_f1" in row
