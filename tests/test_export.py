"""keras_seqzoo.export and `seqzoo export/predict`: each format loaded as its users would.

A real comparison (keras-tuner, model.fit) on a tiny generated IMDB gives the run
directory; the best epoch's weights and the encoding folder are written beside it
as the runner is to write them (``trial_<id>/checkpoint.weights.h5``,
``RUN_DIR/encoding/``). Each export is then loaded: ``.keras`` with
``keras.saving.load_model`` on TensorFlow, the SavedModel with TensorFlow alone
(no Keras, no keras_seqzoo in ``sys.modules``), ONNX with onnxruntime and NumPy
alone; the probabilities are compared with the training model's.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import keras
import numpy as np
import pytest

from keras_seqzoo import comparison
from keras_seqzoo._extras import MissingExtraError
from keras_seqzoo.cli import main
from keras_seqzoo.exporting import (ExportError, WEIGHTS_FILE, export, load_encoding,
                                 reference_probabilities, save_encoding)
from keras_seqzoo.serving import TextClassifier, predict_records
from tests._comparison_process import TEST_COMPILE
from tests.helpers import imdb_files, imdb_test_sample, write_folder

ROOT = Path(__file__).resolve().parent.parent
EDGE_TEXTS = [
    "",
    "   ",
    "A GOOD film, truly!!! Bad? no.",
    "Ünïcödé façade — naïve 日本語 😀 ÉCOLE",
    "tabs\tand\nnew\x0blines\x0cand\rreturns\u00a0nbsp\u3000ideographic",
    "word " * 400,
    "under_score [UNK] [unk] <br /><br />",
]
SLOW_BACKEND = keras.backend.backend() != "tensorflow"


def _env(**extra):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
           "TF_CPP_MIN_LOG_LEVEL": "3", **extra}
    return env


def _run_python(code: str, *args: str, **env) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code), *args],
                          capture_output=True, text=True, timeout=600, env=_env(**env))


_ONNX_ALONE = """
    import json, sys
    import numpy as np
    from keras_seqzoo.serving import TextClassifier
    texts = json.load(open(sys.argv[2], encoding="utf-8"))
    probabilities = TextClassifier.load(sys.argv[1]).predict(texts)
    np.save(sys.argv[3], probabilities)
    heavy = sorted(m for m in ("tensorflow", "jax", "torch", "keras") if m in sys.modules)
    assert not heavy, heavy
    assert "onnxruntime" in sys.modules
"""

_TF_ALONE = """
    import json, sys
    # TensorFlow alone: `import tensorflow` imports Keras when it can, so Keras and
    # keras_seqzoo are made unimportable first (an import of either now fails).
    for name in ("keras", "keras_seqzoo", "tf_keras"):
        sys.modules[name] = None
    import numpy as np
    import tensorflow as tf
    texts = json.load(open(sys.argv[2], encoding="utf-8"))
    loaded = tf.saved_model.load(sys.argv[1] + "/1")
    serve = loaded.signatures["serving_default"]
    assert list(serve.structured_input_signature[1]) == ["texts"], serve.structured_input_signature
    out = serve(texts=tf.constant(texts, tf.string))
    assert list(out) == ["probabilities"], list(out)
    np.save(sys.argv[3], out["probabilities"].numpy())
    loaded_modules = sorted(m for m in sys.modules if sys.modules[m] is not None
                            and m.split(".")[0] in ("keras", "keras_seqzoo", "tf_keras", "torch"))
    assert not loaded_modules, loaded_modules[:5]
"""

_KERAS_ON_TF = """
    import json, sys
    import numpy as np
    import keras, tensorflow as tf
    import keras_seqzoo
    texts = json.load(open(sys.argv[2], encoding="utf-8"))
    model = keras.saving.load_model(sys.argv[1])
    np.save(sys.argv[3], np.asarray(model.predict(tf.constant(texts), verbose=0)))
"""


def load_as_users_would(fmt: str, path: Path, texts: list[str], tmp: Path) -> np.ndarray:
    """The probabilities of an export, loaded in a process as its users would."""
    texts_file, out = tmp / "texts.json", tmp / f"{fmt}_probabilities.npy"
    texts_file.write_text(json.dumps(texts), encoding="utf-8")
    if fmt == "keras" and keras.backend.backend() == "tensorflow":
        model = keras.saving.load_model(path)
        import tensorflow as tf

        return np.asarray(model.predict(tf.constant(texts), verbose=0))
    code = {"onnx": _ONNX_ALONE, "saved_model": _TF_ALONE, "keras": _KERAS_ON_TF}[fmt]
    done = _run_python(code, str(path), str(texts_file), str(out), KERAS_BACKEND="tensorflow")
    assert done.returncode == 0, done.stderr[-3000:]
    return np.load(out)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """A finished comparison on tiny IMDB, with best-epoch weights and encoding/ written."""
    from keras_seqzoo import datasets

    tmp = tmp_path_factory.mktemp("export_run")
    source = write_folder(tmp / "data", imdb_files(per_class=30))
    data = datasets.load_imdb("words", source=source, vocab_size=300, max_length=24,
                              batch_size=8, cache_dir=tmp / "cache", download=False)
    out = tmp / "run"
    comparison.compare(["embedding_pooling"], data=data, output_dir=out, epochs=1, verbose=0,
                       seeds=(0, 1), compile_options=TEST_COMPILE)
    # The runner keeps what export reads: the encoding once, each trial's best-epoch weights.
    assert (out / "encoding" / "encoding.json").exists()
    trials = comparison.report.read_trials(out)
    assert all((trial["folder"] / WEIGHTS_FILE).exists() for trial in trials)
    texts = [*datasets.read_imdb(source, download=False).test_texts[:40], *EDGE_TEXTS]
    return {"dir": out, "data": data, "trials": trials, "texts": texts, "tmp": tmp}


def keras_seqzoo_build(recorded):
    import keras_seqzoo as zoo

    return zoo.build(recorded["builder"], **recorded["arguments"])


def _best(run):
    trials = [t for t in run["trials"] if t["status"] == "COMPLETED"]
    return max(trials, key=lambda t: t["score"])


def _trained(run, trial):
    recorded = json.loads((trial["folder"] / "run.json").read_text())["model"]
    model = keras_seqzoo_build(recorded)
    model.load_weights(trial["folder"] / WEIGHTS_FILE)
    return model


def test_encoding_round_trip(run, tmp_path):
    encoding = load_encoding(run["dir"] / "encoding")
    data = run["data"]
    assert encoding.encoding == "words" and encoding.max_length == 24 and encoding.keep == "first"
    assert encoding.class_names == ("neg", "pos")
    assert encoding.vocabulary == data.encoder.vocabulary
    # The plain-Python tokenizer gives the training encoder's ids, padded as in training.
    tokenizer = encoding.tokenizer()
    expected = data.encoder.encode(run["texts"])
    assert [tokenizer.encode(t) for t in run["texts"]] == [e.tolist() for e in expected]
    assert not list(tmp_path.parent.glob(".encoding.partial-*"))


@pytest.mark.parametrize("fmt", ["onnx", "saved_model", "keras"])
def test_export_best_trial_matches_training_model(run, fmt, tmp_path):
    path = tmp_path / ("model.keras" if fmt == "keras" else fmt)
    written = export(run["dir"], path, format=fmt)
    assert written == path and path.exists()
    card_path = (path.with_name("model.card.json") if fmt == "keras"
                 else path / "model_card.json")
    card = json.loads(card_path.read_text())
    best = _best(run)
    assert card["trial"]["trial_id"] == best["trial_id"]
    assert card["class_names"] == ["neg", "pos"] and card["params"] > 0
    assert card["data"]["encoding"] == "words" and "val_accuracy" in card["validation_metrics"]
    reference = reference_probabilities(_trained(run, best), load_encoding(run["dir"] / "encoding"),
                                        run["texts"])
    got = load_as_users_would(fmt, path, run["texts"], tmp_path)
    assert got.shape == (len(run["texts"]), 2)
    np.testing.assert_allclose(got, reference, atol=1e-5, rtol=0)
    np.testing.assert_allclose(got.sum(axis=1), 1.0, atol=1e-6)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def _eight_class_model(vocab_size: int, max_length: int):
    keras.utils.set_random_seed(3)
    inputs = keras.Input((max_length,), dtype="int32")
    x = keras.layers.Embedding(vocab_size, 8, mask_zero=True)(inputs)
    x = keras.layers.GlobalAveragePooling1D()(x)
    outputs = keras.layers.Dense(8, activation="softmax")(x)
    return keras.Model(inputs, outputs)


class _EightClasses:
    """The tiny IMDB's encoder with eight class names (a multi-class head's export)."""

    def __init__(self, data):
        self.encoder, self.encoding, self.max_length = data.encoder, "words", data.max_length
        self.class_names = tuple(f"class_{i}" for i in range(8))


@pytest.mark.parametrize("fmt", ["onnx", "saved_model", "keras"])
def test_multi_class_model(run, fmt, tmp_path):
    data = run["data"]
    model = _eight_class_model(data.vocab_size, data.max_length)
    encoding_dir = save_encoding(_EightClasses(data), tmp_path / "encoding")
    path = tmp_path / ("eight.keras" if fmt == "keras" else fmt)
    export(model, path, format=fmt, encoding=encoding_dir)
    reference = reference_probabilities(model, load_encoding(encoding_dir), run["texts"])
    assert reference.shape == (len(run["texts"]), 8)
    got = load_as_users_would(fmt, path, run["texts"], tmp_path)
    np.testing.assert_allclose(got, reference, atol=1e-5, rtol=0)


def test_trial_by_id_and_cli_export_predict(run, tmp_path, capsys):
    other = next(t for t in run["trials"] if t["trial_id"] != _best(run)["trial_id"])
    out = tmp_path / "onnx"
    assert main(["export", str(run["dir"]), "--trial", other["trial_id"], "-o", str(out),
                 "--format", "onnx"]) == 0
    card = json.loads((out / "model_card.json").read_text())
    assert card["trial"]["trial_id"] == other["trial_id"]
    capsys.readouterr()
    texts_file = tmp_path / "texts.txt"
    texts_file.write_text("what a film\nterrible\n", encoding="utf-8")
    jsonl = tmp_path / "texts.jsonl"
    jsonl.write_text('"great"\n{"text": "awful"}\n', encoding="utf-8")
    assert main(["predict", str(out), "a fine film", "--file", str(texts_file),
                 "--jsonl", str(jsonl)]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(lines) == 5
    expected = TextClassifier.load(out).predict(
        ["a fine film", "what a film", "terrible", "great", "awful"])
    for line, row in zip(lines, expected):
        assert set(line) == {"label", "probabilities", "model"} and line["model"] == str(out)
        assert list(line["probabilities"]) == ["neg", "pos"]
        assert line["label"] == ["neg", "pos"][int(np.argmax(row))]
        assert line["probabilities"]["pos"] == pytest.approx(float(row[1]), abs=1e-7)


# -- bad input: a clear error and nothing written ------------------------------------------


def _nothing_written(folder: Path, before: set[str]) -> None:
    assert {p.name for p in folder.iterdir()} == before


def test_no_finished_trial(run, tmp_path):
    copy = tmp_path / "unfinished"
    shutil.copytree(run["dir"], copy)
    for trial_json in copy.glob("trial_*/trial.json"):
        trial = json.loads(trial_json.read_text())
        trial["status"] = "RUNNING"
        trial_json.write_text(json.dumps(trial))
    before = {p.name for p in tmp_path.iterdir()}
    with pytest.raises(ExportError, match="no finished trial.*Run or resume the comparison"):
        export(copy, tmp_path / "out", format="onnx")
    _nothing_written(tmp_path, before)
    assert main(["export", str(copy), "-o", str(tmp_path / "out"), "--format", "onnx"]) == 2


def test_unknown_trial_id(run, tmp_path, capsys):
    before = {p.name for p in tmp_path.iterdir()}
    with pytest.raises(ExportError, match=r"trial '0042' does not exist.*Known trials: 0000, 0001"):
        export(run["dir"], tmp_path / "out", format="saved_model", trial="0042")
    _nothing_written(tmp_path, before)
    assert main(["export", str(run["dir"]), "--trial", "9", "-o", str(tmp_path / "o"),
                 "--format", "onnx"]) == 2
    assert "trial '9' does not exist" in capsys.readouterr().err


def test_missing_dependency_names_the_extra(run, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # as if it were not installed
    before = {p.name for p in tmp_path.iterdir()}
    with pytest.raises(MissingExtraError, match=r"needs onnxruntime.*keras-seqzoo\[serve\]") as info:
        export(run["dir"], tmp_path / "out", format="onnx")
    assert info.value.extra == "serve"
    _nothing_written(tmp_path, before)


def test_existing_path_is_refused_without_overwrite(run, tmp_path):
    path = tmp_path / "out"
    path.mkdir()
    (path / "mine.txt").write_text("keep me")
    with pytest.raises(FileExistsError, match="exists; nothing was written.*overwrite"):
        export(run["dir"], path, format="onnx")
    assert [p.name for p in path.iterdir()] == ["mine.txt"]
    assert main(["export", str(run["dir"]), "-o", str(path), "--format", "onnx"]) == 2
    # --overwrite replaces an earlier export only, never a folder of something else.
    with pytest.raises(FileExistsError, match="replaces only an earlier export.*mine.txt"):
        export(run["dir"], path, format="onnx", overwrite=True)
    assert [p.name for p in path.iterdir()] == ["mine.txt"]
    (path / "mine.txt").unlink()
    path.rmdir()
    export(run["dir"], path, format="onnx")
    export(run["dir"], path, format="onnx", overwrite=True)  # an export: replaced
    assert sorted(p.name for p in path.iterdir()) == ["model.onnx", "model_card.json",
                                                     "tokenizer.json"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_non_string_input_to_predict(run, tmp_path, capsys):
    path = tmp_path / "onnx"
    export(run["dir"], path, format="onnx")
    classifier = TextClassifier.load(path)
    with pytest.raises(TypeError, match=r"texts\[1\] is int 3.*str\(\)"):
        classifier.predict(["fine", 3])
    with pytest.raises(TypeError, match="not a single str.*Fix: pass \\[text\\]"):
        classifier.predict("a single text")
    with pytest.raises(TypeError, match=r"texts\[0\] is NoneType"):
        predict_records(path, [None])
    jsonl = tmp_path / "bad.jsonl"
    jsonl.write_text('"fine"\n42\n')
    assert main(["predict", str(path), "--jsonl", str(jsonl)]) == 2
    assert "line 2" in capsys.readouterr().err
    assert classifier.predict([]).shape == (0, 2)


def test_weights_missing_and_bad_format(run, tmp_path):
    copy = tmp_path / "no_weights"
    shutil.copytree(run["dir"], copy)
    for weights in copy.glob(f"trial_*/{WEIGHTS_FILE}"):
        weights.unlink()
    with pytest.raises(ExportError, match="no best-epoch weights.*checkpoint.weights.h5"):
        export(copy, tmp_path / "out", format="onnx")
    with pytest.raises(ValueError, match="unknown format 'onx'.*Did you mean 'onnx'"):
        export(run["dir"], tmp_path / "out", format="onx")
    with pytest.raises(ValueError, match=r"must end in \.keras"):
        export(run["dir"], tmp_path / "out", format="keras")
    assert not (tmp_path / "out").exists()


# -- real IMDB: 1,000 test reviews --------------------------------------------------------------


@pytest.fixture(scope="module")
def real_texts():
    """IMDB's texts, and 1,000 test reviews: the longest, non-ASCII ones, random ones, odd ones."""
    path = os.environ.get("KERAS_SEQZOO_IMDB")
    if not path or not os.path.exists(path):
        pytest.skip("KERAS_SEQZOO_IMDB is not set to the IMDB archive (aclImdb tar.gz or "
                    "folder); .ci/run sets it to ../shared/data/aclImdb_labeled.tar.gz")
    from keras_seqzoo.datasets import read_imdb

    raw = read_imdb(path, download=False)
    texts = imdb_test_sample(raw.test_texts, EDGE_TEXTS)
    assert len(texts) == 1000
    return raw, texts


@pytest.mark.real_data
@pytest.mark.slow
@pytest.mark.parametrize("encoding", ["words", "subwords"])
def test_real_imdb_export_every_format(real_texts, encoding, tmp_path):
    """A model trained on real reviews, exported, loaded, compared on 1,000 real texts."""
    import keras

    import keras_seqzoo as zoo
    from keras_seqzoo import datasets
    from keras_seqzoo.exporting import export, load_encoding, reference_probabilities, save_encoding

    _, texts = real_texts
    # Subwords: a small vocabulary from 600 reviews (building 2**11 from 1,500 took a minute).
    options = ({"vocab_size": 10000, "max_length": 120, "limit": (1500, 200)} if encoding == "words"
               else {"vocab_size": 2**10, "max_length": 200, "limit": (600, 200)})
    data = datasets.load_imdb(encoding, source=os.environ["KERAS_SEQZOO_IMDB"],
                              batch_size=64, cache_dir=tmp_path / "cache", download=False,
                              **options)
    keras.utils.set_random_seed(0)
    model = zoo.build("embedding_pooling", vocab_size=data.vocab_size, max_length=data.max_length)
    model.compile(optimizer="adam", loss="binary_crossentropy")
    model.fit(data.train, epochs=1, verbose=0)
    folder = save_encoding(data, tmp_path / "encoding")
    encoding_ = load_encoding(folder)
    reference = reference_probabilities(model, encoding_, texts)
    assert reference.shape == (1000, 2) and reference[:, 1].std() > 1e-3  # it learned something
    formats = ["onnx", "saved_model", "keras"] if encoding == "words" else ["onnx"]
    for fmt in formats:
        path = tmp_path / ("model.keras" if fmt == "keras" else fmt)
        export(model, path, format=fmt, encoding=folder)
        got = load_as_users_would(fmt, path, texts, tmp_path)
        np.testing.assert_allclose(got, reference, atol=1e-5, rtol=0, err_msg=fmt)


@pytest.mark.slow
@pytest.mark.heavy  # a benchmark script's end-to-end run (see tests/test_benchmarks.py)
def test_serving_latency_benchmark_runs_every_way(tmp_path):
    """python -m benchmarks.serving.latency --quick: every way timed, checked and recorded
    with the harness' command, machine and load."""
    out, text = tmp_path / "serving.json", tmp_path / "serving.txt"
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.serving.latency", "--quick", "--json", str(out),
         "--text", str(text)],
        cwd=ROOT, capture_output=True, text=True, timeout=900, env=_env())
    assert done.returncode == 0, done.stderr[-3000:]
    recording = json.loads(out.read_text())
    ways = [row["way"] for row in recording["rows"]]
    expected = ["keras predict", "keras call", "pytorch twin", "onnx", "saved_model"]
    if keras.backend.backend() == "tensorflow":
        expected.append("keras file")
    assert ways == expected
    assert (recording["backend"], recording["rounds"], recording["batch"]) == (
        keras.backend.backend(), 2, 8)
    for row in recording["rows"]:
        assert 0 < row["p50_ms"] <= row["p99_ms"] and row["single_calls"] == 6
        assert len(row["batch_seconds"]) == 2
        assert 0 < row["texts_per_s"] <= row["texts_per_s_best"]
    assert recording["command"] == (f"python -m benchmarks.serving.latency --quick --json {out} "
                                    f"--text {text}")
    assert recording["hardware"]["cpus"] == os.cpu_count()
    assert recording["versions"]["backend"] == keras.backend.backend()
    assert {"loadavg_before", "loadavg_after", "idle"} <= set(recording["load"])
    report = text.read_text()
    assert all(way in report for way in expected) and "Load: 1-min average" in report
