"""Several comparison workers on one output directory: each model trained once.

The end-to-end test starts two real ``seqzoo compare`` processes on the same
run directory; the unit tests check the claim rules (live, stale, dead process,
take-over race, release) without training anything.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import os
import socket
import subprocess
import sys
import threading
import time

import pytest

from keras_seqzoo import _atomic, comparison, datasets
from keras_seqzoo.callbacks import read_history, read_run
from tests.test_datasets import _files, write_folder

MODELS = ["conv1d", "embedding_pooling", "embedding_flatten", "bigru"]
# Not -q: the per-model lines tell which worker trained what.
FAST = ["--max-length", "16", "--vocab-size", "60", "--batch-size", "8"]


def _claim_file(folder, **fields):
    folder.mkdir(parents=True, exist_ok=True)
    data = {"host": socket.gethostname(), "pid": os.getpid(), "token": "x",
            "claimed_at": time.time(), "heartbeat": time.time(), **fields}
    (folder / ".claim").write_text(json.dumps(data))
    return data


def _dead_pid() -> int:
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, timeout=60)
    return int(done.stdout)


def test_claim_is_exclusive_and_released(tmp_path):
    folder = tmp_path / "m"
    first, holder = comparison._try_claim(folder, 600.0)
    assert first is not None and holder is None
    data = json.loads((folder / ".claim").read_text())
    assert data["pid"] == os.getpid() and data["host"] == socket.gethostname()
    second, holder = comparison._try_claim(folder, 600.0)  # same process, live token
    assert second is None and holder["token"] == first.token
    first.release()
    assert not (folder / ".claim").exists()
    third, _ = comparison._try_claim(folder, 600.0)
    assert third is not None
    third.release()


def test_live_claim_of_another_host_is_respected(tmp_path):
    folder = tmp_path / "m"
    _claim_file(folder, host="elsewhere", pid=1, token="theirs")
    claim, holder = comparison._try_claim(folder, 600.0)
    assert claim is None and holder["token"] == "theirs"


@pytest.mark.parametrize("fields", [
    {"host": "elsewhere", "pid": 1, "heartbeat": time.time() - 3600},  # no heartbeat for 1 h
    {"pid": "dead"},                                                    # this host, pid gone
    {"token": "left-over-in-this-process"},                             # same pid, not active
])
def test_stale_claims_are_taken_over(tmp_path, fields):
    if fields.get("pid") == "dead":
        fields = {"pid": _dead_pid()}
    folder = tmp_path / "m"
    _claim_file(folder, **fields)
    claim, holder = comparison._try_claim(folder, 600.0)
    assert claim is not None and holder is None
    assert json.loads((folder / ".claim").read_text())["token"] == claim.token
    claim.release()


def test_only_one_of_many_racing_workers_takes_over_a_stale_claim(tmp_path):
    folder = tmp_path / "m"
    _claim_file(folder, host="elsewhere", pid=1, heartbeat=time.time() - 3600)
    barrier, winners = threading.Barrier(8), []

    def race():
        barrier.wait()
        claim, _ = comparison._try_claim(folder, 600.0)
        if claim is not None:
            winners.append(claim)

    threads = [threading.Thread(target=race) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(winners) == 1
    assert json.loads((folder / ".claim").read_text())["token"] == winners[0].token
    winners[0].release()


def test_heartbeat_keeps_a_claim_fresh(tmp_path):
    folder = tmp_path / "m"
    claim, _ = comparison._try_claim(folder, 0.4)  # beats every 0.1 s
    first = json.loads((folder / ".claim").read_text())["heartbeat"]
    time.sleep(0.6)
    assert json.loads((folder / ".claim").read_text())["heartbeat"] > first
    assert not comparison._is_stale(json.loads((folder / ".claim").read_text()),
                                    folder / ".claim", 0.4)
    claim.release()
    assert not (folder / ".claim").exists()


def test_every_atomic_write_has_its_own_temporary_file(tmp_path, monkeypatch):
    written = []
    original = os.replace

    def spy(src, dst):
        written.append(os.fspath(src))
        original(src, dst)

    monkeypatch.setattr(_atomic.os, "replace", spy)
    _atomic.write_text(tmp_path / "comparison.md", "a")
    _atomic.write_text(tmp_path / "comparison.md", "b")
    assert len(set(written)) == 2 and str(os.getpid()) in written[0]
    assert (tmp_path / "comparison.md").read_text() == "b"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["comparison.md"]


def test_bad_claim_timeout_is_refused(tmp_path):
    with pytest.raises(ValueError, match="claim_timeout must be a number of seconds > 0"):
        comparison.compare(["conv1d"], claim_timeout=0, output_dir=tmp_path / "x")


@pytest.mark.slow
@pytest.mark.one_backend
def test_two_workers_on_one_directory_train_each_model_once(tmp_path):
    data = write_folder(tmp_path / "data", _files())
    out = tmp_path / "run"
    env = {**os.environ, "KERAS_SEQZOO_CACHE": str(tmp_path / "cache")}
    env.pop("KERAS_SEQZOO_IMDB", None)
    backend = "jax" if importlib.util.find_spec("jax") else "tensorflow"
    exe = os.path.join(os.path.dirname(sys.executable), "seqzoo")
    argv = [exe, "compare", *MODELS, "--epochs", "2", "--data", str(data), "-o", str(out),
            "--backend", backend, *FAST]
    # Prepare the encoded-data cache once, so that the two workers start training together.
    datasets.load_imdb("words", source=data, vocab_size=60, max_length=16, batch_size=8,
                       cache_dir=tmp_path / "cache")
    workers = [subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True) for _ in range(2)]
    outputs = []
    try:
        for worker in workers:
            stdout, stderr = worker.communicate(timeout=600)
            outputs.append(stdout + stderr)
            assert worker.returncode == 0, stderr[-3000:]
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()

    for name in MODELS:
        folder = out / name
        run = read_run(folder)
        assert run["status"] == "finished" and run["epochs_completed"] == 2, name
        assert len(run["fits"]) == 1, (name, run["fits"])  # trained by one worker, once
        lines = (folder / "history.jsonl").read_text().splitlines()
        assert [json.loads(line)["epoch"] for line in lines] == [0, 1], name
        assert [r["epoch"] for r in read_history(folder)] == [0, 1]
        json.loads((folder / "history.json").read_text())
        assert not (folder / ".claim").exists()
    with open(out / "comparison.csv", newline="") as handle:
        assert sorted(row["model"] for row in csv.DictReader(handle)) == sorted(MODELS)
    table = (out / "comparison.md").read_text()
    assert all(f"| {name} |" in table for name in MODELS)
    json.loads((out / "comparison.json").read_text())
    for png in ("curves.png", "epoch_times.png"):
        assert (out / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # No temporary file, claim or lock left over (all of them are dot-files).
    assert not [p.name for p in out.rglob(".*")]
    # Both workers trained something (the models were shared out, not run twice).
    trained_by = [{n for n in MODELS if f"] {n}: trained" in text} for text in outputs]
    assert trained_by[0].isdisjoint(trained_by[1])
    assert trained_by[0] | trained_by[1] == set(MODELS)
