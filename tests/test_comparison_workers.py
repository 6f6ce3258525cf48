"""Distributed comparisons the keras-tuner way: a chief oracle and workers on 127.0.0.1.

The end-to-end tests start real processes (tests/_comparison_process.py, tiny
random data, no TensorFlow data pipeline) on JAX when it is installed (the runner's
default backend, and the fastest here); the rest is the same under every backend, so
scripts/test.sh runs this module under one. The
unit tests drive the comparison oracle's rules (grid order, take-over of a
silent worker's trial, forgetting a deleted trial) without training anything.
"""

from __future__ import annotations

import importlib.util
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import keras
import pytest

from keras_seqzoo import comparison
from keras_seqzoo.callbacks import read_history, read_run
from keras_seqzoo.comparison import report, runner
from keras_seqzoo.comparison.oracle import ComparisonOracle
from tests._comparison_process import TEST_COMPILE, tiny_data

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "tests" / "_comparison_process.py"
BACKEND = "jax" if importlib.util.find_spec("jax") else keras.backend.backend()

pytestmark = pytest.mark.one_backend


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _start(tuner_id: str | None, port: int, *args: str,
           extra_env: dict[str, str] | None = None) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("KERASTUNER_") and k != "KERAS_SEQZOO_ORACLE_TOKEN"}
    env.update(extra_env or {})
    env.update({"KERAS_BACKEND": BACKEND, "TF_CPP_MIN_LOG_LEVEL": "3",
                "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT),
                                                            os.environ.get("PYTHONPATH")]))})
    if tuner_id is not None:
        env.update({"KERASTUNER_TUNER_ID": tuner_id, "KERASTUNER_ORACLE_IP": "127.0.0.1",
                    "KERASTUNER_ORACLE_PORT": str(port)})
    return subprocess.Popen([sys.executable, str(SCRIPT), *args], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def _finish(process: subprocess.Popen, timeout: float = 400) -> str:
    try:
        output, _ = process.communicate(timeout=timeout)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    return output


def _trials(directory: Path) -> dict[tuple[str, int], dict]:
    found = {}
    for trial in report.read_trials(directory):
        values = trial["hyperparameters"]["values"]
        key = (values["architecture"], values["seed"])
        assert key not in found, f"{key} has two trials"
        found[key] = trial
    return found


@pytest.mark.slow
@pytest.mark.one_backend  # the chief and workers talk gRPC; fits are tested per backend elsewhere
def test_chief_refuses_calls_without_its_token_and_two_workers_with_it_train_each_pair_once(
        tmp_path):
    """One chief for both checks (each start-up costs a Keras import): a call without its
    token, or with a wrong one, is refused, and so is a worker with a wrong token; two
    workers with the token train every (model, seed) pair exactly once between them.
    (Without a token: test_killed_worker_loses_only_its_current_epoch.)"""
    import grpc

    out, port = tmp_path / "run", _free_port()
    args = [str(out), "2", "embedding_pooling,conv1d", "0,1"]
    secret = {"KERAS_SEQZOO_ORACLE_TOKEN": "s3cret-token"}
    chief = _start("chief", port, *args, extra_env=secret)
    try:
        for metadata in (None, [("seqzoo-oracle-token", "wrong")]):
            with pytest.raises(grpc.RpcError) as refused:
                _raw_get_space(port, metadata)
            assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED
        assert _raw_get_space(port, [("seqzoo-oracle-token", "s3cret-token")]) is not None
        intruder = _start("worker9", port, *args,
                          extra_env={"KERAS_SEQZOO_ORACLE_TOKEN": "guess"})
        workers = [_start(f"worker{i}", port, *args, extra_env=secret) for i in range(2)]
        intruder_output = _finish(intruder)
        outputs = [_finish(worker) for worker in workers]
        chief_output = _finish(chief)
    finally:
        if chief.poll() is None:
            chief.kill()
    assert intruder.returncode != 0 and "refused this worker" in intruder_output, (
        intruder_output[-2000:])
    assert "[trial " not in intruder_output  # refused before it could train anything
    for process, output in zip([*workers, chief], [*outputs, chief_output]):
        assert process.returncode == 0, output[-3000:]

    trials = _trials(out)
    assert sorted(trials) == [("conv1d", 0), ("conv1d", 1),
                              ("embedding_pooling", 0), ("embedding_pooling", 1)]
    for key, trial in trials.items():
        assert trial["status"] == "COMPLETED", key
        run = read_run(trial["folder"])
        assert run["status"] == "finished" and len(run["fits"]) == 1, (key, run["fits"])
        assert run["epochs_completed"] == 2
        assert [r["epoch"] for r in read_history(trial["folder"])] == [0, 1]
        assert not (trial["folder"] / "backup").exists()  # BackupAndRestore cleaned up
    # Each trial was trained by exactly one worker, and both workers trained.
    trained = [{line.split("]")[0] for line in text.splitlines()
                if line.startswith("[trial ") and line.endswith(" s")} for text in outputs]
    assert trained[0].isdisjoint(trained[1]) and trained[0] and trained[1]
    assert len(trained[0] | trained[1]) == 4
    # The chief wrote the table of all of them; no absolute path in comparison.json.
    rows = json.loads((out / "comparison.json").read_text())["rows"]
    assert {(r["model"], r["seeds"]) for r in rows} == {("conv1d", 2), ("embedding_pooling", 2)}
    assert str(tmp_path) not in (out / "comparison.json").read_text()


@pytest.mark.slow
def test_killed_worker_loses_only_its_current_epoch(tmp_path):
    out, port = tmp_path / "run", _free_port()
    args = [str(out), "3", "embedding_pooling", "0,1"]
    chief = _start("chief", port, *args, "-", "3")  # take a trial over after 3 s of silence
    killed = _start("worker0", port, *args, "embedding_pooling:1:1")
    killed_output = _finish(killed)
    assert killed.returncode == -9, killed_output[-3000:]
    trials = _trials(out)
    victim = trials[("embedding_pooling", 1)]["folder"]
    assert read_run(victim)["status"] == "running"  # SIGKILL: nothing could be written
    assert [r["epoch"] for r in read_history(victim)] == [0]
    assert (victim / "backup").is_dir()

    other = _start("worker1", port, *args)  # another worker takes the trial over
    other_output = _finish(other)
    chief_output = _finish(chief)
    assert other.returncode == 0, other_output[-3000:]
    assert chief.returncode == 0, chief_output[-3000:]
    assert "takes it over" in chief_output

    trials = _trials(out)
    assert all(t["status"] == "COMPLETED" for t in trials.values())
    run = read_run(victim)
    assert run["status"] == "finished" and run["epochs_completed"] == 3
    assert [fit["first_epoch"] for fit in run["fits"]] == [0, 1]  # resumed after epoch 0
    lines = (victim / "history.jsonl").read_text().splitlines()
    assert [json.loads(line)["epoch"] for line in lines] == [0, 1, 2]  # none lost or repeated
    done = trials[("embedding_pooling", 0)]["folder"]
    assert len(read_run(done)["fits"]) == 1  # the finished trial was not touched
    steps = [o["step"] for o in
             trials[("embedding_pooling", 1)]["metrics"]["metrics"]["val_accuracy"]["observations"]]
    assert steps == [0, 1, 2]


def test_a_worker_without_its_chief_fails_clearly_and_fast(tmp_path, monkeypatch):
    monkeypatch.setenv("KERASTUNER_ORACLE_IP", "127.0.0.1")
    monkeypatch.setenv("KERASTUNER_ORACLE_PORT", str(_free_port()))
    monkeypatch.setenv("KERASTUNER_TUNER_ID", "worker0")
    monkeypatch.setattr(runner, "CHIEF_TIMEOUT", 0.5)
    with pytest.raises(ConnectionError, match="chief oracle at 127.0.0.1:.* did not answer"):
        runner.compare(["embedding_pooling"], output_dir=tmp_path / "run")
    assert not (tmp_path / "run").exists()


def test_half_set_distributed_variables_are_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("KERASTUNER_ORACLE_IP", "127.0.0.1")
    monkeypatch.delenv("KERASTUNER_ORACLE_PORT", raising=False)
    monkeypatch.delenv("KERASTUNER_TUNER_ID", raising=False)
    with pytest.raises(ValueError, match="KERASTUNER_ORACLE_PORT and KERASTUNER_TUNER_ID"):
        runner.compare(["embedding_pooling"], output_dir=tmp_path / "run")


def _oracle(tmp_path, grid, takeover_after=None):
    import keras_tuner

    oracle = ComparisonOracle(
        grid, takeover_after=takeover_after, objective=keras_tuner.Objective("val_loss", "min"))
    oracle._set_project_dir(str(tmp_path), "project")
    return oracle


def _end(oracle, trial):
    oracle.update_trial(trial.trial_id, {"val_loss": 0.5}, step=0)
    trial.status = "COMPLETED"
    oracle.end_trial(trial)


def test_oracle_proposes_each_pair_once_then_stops(tmp_path):
    oracle = _oracle(tmp_path, [("a", 0), ("a", 1), ("b", 0)])
    first, second = oracle.create_trial("w0"), oracle.create_trial("w1")
    third = oracle.create_trial("w2")
    assert [t.hyperparameters.values for t in (first, second, third)] == [
        {"architecture": "a", "seed": 0}, {"architecture": "a", "seed": 1},
        {"architecture": "b", "seed": 0}]
    assert oracle.create_trial("w3").status == "IDLE"  # all given out, some still running
    assert oracle.create_trial("w0") is first  # a restarted worker gets its trial back
    for trial in (first, second, third):
        _end(oracle, trial)
    assert oracle.create_trial("w3").status == "STOPPED" and oracle.done()


def test_a_silent_workers_trial_is_taken_over_only_after_the_timeout(tmp_path):
    oracle = _oracle(tmp_path, [("a", 0)], takeover_after=60)
    trial = oracle.create_trial("w0")
    assert oracle.create_trial("w1").status == "IDLE"  # w0 is not silent yet
    oracle._contact["w0"] -= 61
    taken = oracle.create_trial("w1")
    assert taken.trial_id == trial.trial_id and taken.status == "RUNNING"
    assert "w0" not in oracle.tuner_ids and oracle.ongoing_trials == {"w1": taken}
    _end(oracle, taken)
    assert oracle.done()


def test_without_takeover_a_silent_trial_waits_for_its_worker(tmp_path):
    oracle = _oracle(tmp_path, [("a", 0)])
    trial = oracle.create_trial("w0")
    oracle._contact["w0"] -= 10**6
    assert oracle.create_trial("w1").status == "IDLE"
    assert oracle.create_trial("w0") is trial


def test_a_deleted_trial_is_queued_again_under_its_own_id(tmp_path):
    import shutil

    oracle = _oracle(tmp_path, [("a", 0), ("a", 1)])
    first, second = oracle.create_trial("w0"), oracle.create_trial("w1")
    _end(oracle, first)
    _end(oracle, second)
    oracle.save()
    shutil.rmtree(tmp_path / "project" / f"trial_{first.trial_id}")
    reloaded = _oracle(tmp_path, [("a", 0), ("a", 1)])
    reloaded.reload()
    again = reloaded.create_trial("w0")
    assert again.trial_id == first.trial_id  # its own id and folder, no collision
    assert again.hyperparameters.values == {"architecture": "a", "seed": 0}
    assert reloaded.create_trial("w1").status == "IDLE"  # the other one is finished
    _end(reloaded, again)
    assert reloaded.create_trial("w1").status == "STOPPED"
    assert sorted(reloaded.trials) == sorted([first.trial_id, second.trial_id])


def _raw_get_space(port: int, metadata=None):
    """keras-tuner's GetSpace as raw bytes: what any peer that reaches the port can send."""
    import grpc

    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    try:
        grpc.channel_ready_future(channel).result(timeout=300)
        call = channel.unary_unary("/keras_tuner.Oracle/GetSpace")
        return call(b"", metadata=metadata, timeout=30)
    finally:
        channel.close()


def test_the_chief_binds_only_the_address_given(tmp_path, monkeypatch):
    from keras_seqzoo.comparison import distributed
    from keras_seqzoo.comparison.oracle import ComparisonOracle as Oracle
    import keras_tuner

    port = _free_port()
    monkeypatch.setenv("KERASTUNER_ORACLE_IP", "127.0.0.1")
    monkeypatch.setenv("KERASTUNER_ORACLE_PORT", str(port))
    oracle = Oracle([("a", 0)], objective=keras_tuner.Objective("val_loss", "min"))
    server = distributed.serve_oracle(oracle, verbose=0)
    try:
        connections = _listening(port)
        assert connections == {"127.0.0.1"}, connections
    finally:
        server.stop(grace=0)
    monkeypatch.setenv("KERASTUNER_ORACLE_IP", "192.0.2.1")  # TEST-NET: not this machine's
    with pytest.raises(OSError, match="cannot serve at 192.0.2.1"):
        distributed.serve_oracle(oracle, verbose=0)


def _listening(port: int) -> set[str]:
    """The local addresses listening on ``port`` (from /proc/net/tcp and tcp6)."""
    found = set()
    for name in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not os.path.exists(name):
            continue
        with open(name) as handle:
            for line in handle.readlines()[1:]:
                local, state = line.split()[1], line.split()[3]
                address, hex_port = local.split(":")
                if int(hex_port, 16) != port or state != "0A":  # 0A: LISTEN
                    continue
                if address.upper().startswith("0000000000000000FFFF0000"):
                    address = address[-8:]  # an IPv4-mapped IPv6 address
                if len(address) == 8:
                    found.add(".".join(str(int(address[i:i + 2], 16)) for i in (6, 4, 2, 0)))
                else:
                    found.add("::" if set(address) == {"0"} else address)
    if not found:
        pytest.skip("no /proc/net/tcp to read the listening addresses from")
    return found


# -- tune: the searches distributed too --------------------------------------------------


def _tune_processes(out: Path, port: int, workers: list[tuple[str, str | None]],
                    token: str | None = None) -> tuple[list[str], str]:
    """A tune chief and its workers (id, token); returns the workers' and the chief's output."""
    args = [str(out), "1", "embedding_pooling,conv1d", "0"]
    env = {"SEQZOO_TEST_TUNE": "2", "SEQZOO_TEST_SPLIT": "1"}

    def with_token(given: str | None) -> dict[str, str]:
        return {**env, "KERAS_SEQZOO_ORACLE_TOKEN": given} if given else env

    chief = _start("chief", port, *args, extra_env=with_token(token))
    started = [(_start(tuner_id, port, *args, extra_env=with_token(given)), tuner_id)
               for tuner_id, given in workers]
    try:
        outputs = [_finish(process) for process, _ in started]
        chief_output = _finish(chief)
    finally:
        for process in [chief, *(p for p, _ in started)]:
            if process.poll() is None:
                process.kill()
    for (process, tuner_id), output in zip(started, outputs):
        if tuner_id.startswith("worker"):
            assert process.returncode == 0, output[-3000:]
    assert chief.returncode == 0, chief_output[-3000:]
    return outputs, chief_output


def _searches(out: Path) -> dict[str, dict]:
    """Each search's trials (id -> trial.json) and the tuner id the chief gave each to."""
    found = {}
    for project in sorted((out / "search").iterdir()):
        oracle = json.loads((project / "oracle.json").read_text())
        trials = {p.parent.name: json.loads(p.read_text())
                  for p in project.glob("trial_*/trial.json")}
        found[project.name] = {"trials": trials, "tuners": oracle["tuners"]}
    return found


@pytest.mark.slow
@pytest.mark.one_backend  # the chief and workers talk gRPC; fits are tested per backend elsewhere
def test_tune_chief_and_two_workers_search_each_model_then_train_the_seeds(tmp_path):
    """One run covers it all (a run without a token takes the same path, less the check):
    the token, an intruder refused, the searches and seeds split over two workers, the
    same table as one process, and a restarted chief that trains nothing new."""
    token = "s3cret-token"
    out, port = tmp_path / "tuned", _free_port()
    workers = [("worker0", token), ("worker1", token), ("intruder", "guess")]
    outputs, chief_output = _tune_processes(out, port, workers, token)
    assert "refused this worker" in outputs[2] and "PermissionError" in outputs[2], \
        outputs[2][-2000:]
    assert "tune: serving the search of embedding_pooling" in chief_output
    assert "tune: serving the search of conv1d" in chief_output

    searches = _searches(out)
    assert sorted(searches) == ["conv1d", "embedding_pooling"]
    ran_by = set()
    for name, search in searches.items():
        assert len(search["trials"]) == 2, name  # the budget, each trial once
        assert all(t["status"] == "COMPLETED" for t in search["trials"].values()), name
        assert {t["hyperparameters"]["values"]["seqzoo_search"]
                for t in search["trials"].values()} == {name}
        assert sorted(search["tuners"]) == sorted(t["trial_id"]
                                                  for t in search["trials"].values())
        ran_by |= set(search["tuners"].values())
    assert ran_by == {"worker0", "worker1"}  # both workers ran search trials, nobody else

    tuned = json.loads((out / "tuned.json").read_text())
    assert sorted(tuned) == ["conv1d", "embedding_pooling"]
    for name, choice in tuned.items():
        best = searches[name]["trials"][f"trial_{choice['search_trial']}"]
        assert choice["trials"] == 2 and choice["search_score"] == best["score"]
        assert "seqzoo_search" not in choice["arguments"]
    recorded = json.loads((out / "comparison.json").read_text())
    assert recorded["arguments"] == {m: tuned[m]["arguments"] for m in tuned}
    trials = _trials(out)
    assert sorted(trials) == [("conv1d", 0), ("embedding_pooling", 0)]
    assert all(t["status"] == "COMPLETED" for t in trials.values())
    # The same shape as a one-process tune of the same call.
    alone = tmp_path / "alone"
    single = comparison.tune(["embedding_pooling", "conv1d"], trials=2, epochs=1, seeds=(0,),
                             data=tiny_data(test=True), output_dir=alone, verbose=0,
                             compile_options=TEST_COMPILE)
    rows = json.loads((out / "comparison.json").read_text())["rows"]
    assert [sorted(r) for r in rows] == [sorted(r) for r in single.rows]
    assert sorted(r["model"] for r in rows) == sorted(r["model"] for r in single.rows)
    assert sorted(_searches(alone)) == sorted(searches)
    assert set(_searches(alone)["conv1d"]["tuners"].values()) == {"tuner0"}
    # A chief started again over the same folder resumes: nothing is searched or trained.
    before = {name: sorted(s["trials"]) for name, s in searches.items()}
    again = _start("chief", port, str(out), "1", "embedding_pooling,conv1d", "0",
                   extra_env={"SEQZOO_TEST_TUNE": "2", "SEQZOO_TEST_SPLIT": "1",
                              "KERAS_SEQZOO_ORACLE_TOKEN": token})
    output = _finish(again)
    assert again.returncode == 0, output[-3000:]
    assert "tune: serving the search" not in output
    assert {name: sorted(s["trials"]) for name, s in _searches(out).items()} == before
    assert json.loads((out / "tuned.json").read_text()) == tuned
    assert sorted(_trials(out)) == sorted(trials)


@pytest.mark.slow
def test_a_tune_worker_whose_chief_never_serves_the_next_search_fails_clearly(tmp_path):
    """A chief that stops after its first search: the worker waits CHIEF_TIMEOUT, then fails."""
    out, port = tmp_path / "tuned", _free_port()
    args = [str(out), "1", "embedding_pooling,conv1d", "0"]
    env = {"SEQZOO_TEST_TUNE": "1", "SEQZOO_TEST_SPLIT": "1"}
    chief = _start("chief", port, *args, extra_env=env)
    worker = _start("worker0", port, *args, extra_env=env)
    try:
        deadline = time.monotonic() + 300
        while not (out / "tuned.json").exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        chief.kill()  # gone between the two searches
        output = _finish(worker)
    finally:
        _finish(chief, timeout=5)
    assert worker.returncode != 0
    assert "ConnectionError: tune: the chief oracle at 127.0.0.1" in output, output[-2000:]
    assert "did not answer within 20 s" in output
