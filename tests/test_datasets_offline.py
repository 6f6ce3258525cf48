"""Offline with no local IMDB: a quick error that names every option, nothing left behind;
progress bars with an ETA on large corpora."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from keras_seqzoo import datasets
from keras_seqzoo.datasets import encoders
from keras_seqzoo.datasets import imdb as imdb_module

# The same under every Keras backend (scripts/test.sh runs it under one).
pytestmark = pytest.mark.one_backend


@pytest.fixture()
def offline_home(monkeypatch, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("KERAS_HOME", raising=False)
    monkeypatch.delenv("TFDS_DATA_DIR", raising=False)
    monkeypatch.delenv(datasets.IMDB_ENV, raising=False)
    return home


def test_unreachable_host_is_reported_with_its_address():
    # Port 9 on the loopback: nothing listens, the connection is refused at once.
    reason = imdb_module._unreachable("http://127.0.0.1:9/aclImdb_v1.tar.gz", timeout=2.0)
    assert reason is not None and "127.0.0.1:9" in reason


def test_offline_no_download_is_tried(offline_home, monkeypatch):
    calls = []
    monkeypatch.setattr(imdb_module, "_unreachable", lambda url, timeout=None: "cannot reach (test)")
    monkeypatch.setattr(imdb_module, "_keras_download", lambda: calls.append("keras"))
    monkeypatch.setattr(imdb_module, "_tfds_download", lambda: calls.append("tfds"))
    with pytest.raises(datasets.ImdbNotFoundError) as excinfo:
        datasets.find_imdb(download=True)
    message = str(excinfo.value)
    assert calls == []
    assert "offline: cannot reach (test); no download tried" in message
    for option in ("--data PATH", datasets.IMDB_ENV, str(offline_home / ".keras" / "datasets")):
        assert option in message
    assert not (offline_home / "tensorflow_datasets").exists()


def test_failed_tfds_download_leaves_no_partial_files(tmp_path):
    root = tmp_path / "tensorflow_datasets"
    kept = root / "other_dataset" / "1.0.0"
    kept.mkdir(parents=True)
    (kept / "data.tfrecord").write_text("x")
    before = imdb_module._listing(root)
    partial = root / "imdb_reviews" / "plain_text" / "1.0.0.incompleteABC"
    partial.mkdir(parents=True)
    (partial / "shard").write_text("half")
    download = root / "downloads" / "ai.stanford.edu_aclImdb_v1.tar.gz.tmp.123"
    download.mkdir(parents=True)
    (download / "aclImdb_v1.tar.gz").write_text("half")
    imdb_module._remove_new_partials(root, before)
    assert sorted(p.relative_to(root).as_posix() for p in imdb_module._listing(root)) == [
        "other_dataset", "other_dataset/1.0.0", "other_dataset/1.0.0/data.tfrecord"
    ]


@pytest.mark.one_backend
@pytest.mark.slow
def test_seqzoo_compare_offline_exits_2_without_trying_a_download(tmp_path):
    """The command line stops at the reachability probe: exit 2, a message naming every
    option, and nothing downloaded or half-written in the home folder or the output."""
    env = {k: v for k, v in os.environ.items() if k not in (datasets.IMDB_ENV, "KERAS_HOME")}
    env.update(HOME=str(tmp_path), KERAS_BACKEND="jax", TF_CPP_MIN_LOG_LEVEL="3",
               # a proxy on a closed loopback port: "offline" on any machine
               HTTPS_PROXY="http://127.0.0.1:9", HTTP_PROXY="http://127.0.0.1:9")
    pytest.importorskip("jax")
    result = subprocess.run(
        [sys.executable, "-m", "keras_seqzoo", "compare", "bilstm", "--epochs", "1",
         "--limit", "10", "--output", str(tmp_path / "run")],
        capture_output=True, text=True, timeout=300, env=env,  # a hang guard, not a goal
    )
    assert result.returncode == 2, result.stderr[-2000:]
    # The probe found the proxy closed, and no download followed it.
    assert "offline: cannot reach 127.0.0.1:9" in result.stderr, result.stderr[-2000:]
    assert "no download tried" in result.stderr
    assert "--data PATH" in result.stderr and datasets.IMDB_ENV in result.stderr
    assert "Keras' cache" in result.stderr
    assert not (tmp_path / "tensorflow_datasets").exists()
    cache = tmp_path / ".keras" / "datasets"
    assert not cache.exists() or not any(cache.iterdir()), sorted(cache.iterdir())
    assert not (tmp_path / "run").exists()


def test_progress_bars_show_an_eta(capsys):
    texts = [f"film {i % 7} plot good bad actor {i % 13}" for i in range(60)]
    encoder = encoders.SubwordEncoder(300).fit(texts, progress=True)
    encoder.encode(texts, progress=True)
    out = capsys.readouterr().out
    assert "1/2 counting tokens" in out and "2/2 searching the vocabulary size" in out
    assert "Encoding 60 texts (subwords)" in out and "60/60" in out
    quiet = encoders.SubwordEncoder(300).fit(texts)  # small corpus: no bar by default
    assert capsys.readouterr().out == ""
    assert quiet.tokenizer.subwords == encoder.tokenizer.subwords
