"""Any number of classes (issue 26, item 2): every builder, presets, the HyperModel,
compile_model and check_labels, trained for real on random data."""

from __future__ import annotations

import re

import keras
import numpy as np
import pytest

import keras_seqzoo as zoo
from keras_seqzoo.compiling import check_labels, compile_model, output_classes

VOCAB, LENGTH, CLASSES = 50, 16, 8

# Small versions of every builder, so that a few training steps take little time.
SMALL = {
    "embedding_dim": 8, "units": 8, "dense_units": 8, "filters": 8, "kernel_size": 3,
    "attention_units": 8, "num_buckets": 64, "ff_dim": 8, "num_heads": 2, "num_blocks": 1,
}
PER_BUILDER = {"stacked_bilstm": {"units": (8, 4)}, "tcn": {"dilations": (1, 2)}}


def small(builder: str) -> dict:
    """Tiny arguments that ``builder`` takes."""
    arguments = zoo.get_model(builder).arguments
    values = {"vocab_size": VOCAB, "max_length": LENGTH, **SMALL, **PER_BUILDER.get(builder, {})}
    return {k: v for k, v in values.items() if k in arguments}


def data(n=32, classes=CLASSES, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.integers(1, VOCAB, size=(n, LENGTH)).astype("int32")
    y = (np.arange(n) % classes).astype("int32")  # every class present
    return x, rng.permutation(y)


def assert_head(model, classes):
    last = model.layers[-1]
    assert isinstance(last, keras.layers.Dense)
    if classes == 2:
        assert (last.units, last.get_config()["activation"]) == (1, "sigmoid")
    else:
        assert (last.units, last.get_config()["activation"]) == (classes, "softmax")
    assert model.outputs[0].shape == (None, 1 if classes == 2 else classes)
    assert output_classes(model) == classes


@pytest.mark.parametrize("builder", zoo.list_models())
def test_every_builder_trains_on_8_classes(builder):
    keras.utils.set_random_seed(0)
    model = zoo.build(builder, num_classes=CLASSES, **small(builder))
    assert_head(model, CLASSES)
    assert model.seqzoo_config["arguments"]["num_classes"] == CLASSES
    compile_model(model)
    assert model.loss == "sparse_categorical_crossentropy"
    x, y = data()
    assert check_labels(model, y) == CLASSES
    history = model.fit(x, y, epochs=1, batch_size=8, verbose=0)  # 4 steps
    logs = {k: v[-1] for k, v in history.history.items()}
    assert sorted(logs) == ["accuracy", "loss", "macro_f1"]
    # Sparse categorical cross-entropy of a near-uniform softmax: about ln(8) = 2.08,
    # never negative (binary cross-entropy on labels 0..7 went to -12).
    assert 1.5 < logs["loss"] < 3.0
    assert 0 <= logs["macro_f1"] <= 1 and 0 <= logs["accuracy"] <= 1
    probabilities = model.predict(x[:4], verbose=0)
    assert probabilities.shape == (4, CLASSES)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)


def test_the_hypermodel_builds_and_tunes_8_classes_for_every_builder(tmp_path):
    keras_tuner = pytest.importorskip("keras_tuner")
    from keras_seqzoo import tuning

    builders = zoo.list_models()
    hypermodel = tuning.HyperModel(
        builders, num_classes=CLASSES,
        per_model={b: small(b) for b in builders},
    )
    assert hypermodel.describe_space()["num_classes"] == CLASSES
    x, y = data()
    for builder in builders:
        hp = keras_tuner.HyperParameters()
        hp.Fixed(tuning.ARCHITECTURE, builder)
        model = hypermodel.build(hp)
        assert_head(model, CLASSES)
        assert model.loss == "sparse_categorical_crossentropy", builder
        assert model.seqzoo_config["arguments"]["num_classes"] == CLASSES
    # A real search: two trials, each trains the chosen architecture on the 8 classes.
    tuner = keras_tuner.RandomSearch(
        tuning.HyperModel(["fasttext", "conv1d"], num_classes=CLASSES,
                          per_model={b: small(b) for b in ("fasttext", "conv1d")}),
        objective=keras_tuner.Objective("macro_f1", "max"), max_trials=2, seed=1,
        directory=tmp_path, project_name="eight",
    )
    tuner.search(x, y, epochs=1, batch_size=8, verbose=0)
    trials = list(tuner.oracle.trials.values())
    assert [t.status for t in trials] == ["COMPLETED", "COMPLETED"]
    for trial in trials:
        loss = trial.metrics.get_last_value("loss")
        assert 1.5 < loss < 3.0, loss
        assert 0 <= trial.metrics.get_last_value("macro_f1") <= 1
    best = tuning.build_from_hyperparameters(tuner.get_best_hyperparameters()[0],
                                             tuner.hypermodel)
    assert_head(best, CLASSES)


def test_hypermodel_refuses_bad_or_conflicting_num_classes():
    pytest.importorskip("keras_tuner")
    from keras_seqzoo import space, tuning

    with pytest.raises(ValueError, match=r"HyperModel: num_classes must be an integer >= 2 .*"
                                         r"Received: num_classes=1"):
        tuning.HyperModel("bilstm", num_classes=1)
    with pytest.raises(ValueError, match=r"num_classes cannot be searched"):
        tuning.HyperModel("bilstm", num_classes=space.Choice([2, 8]))
    with pytest.raises(ValueError, match=r"num_classes=8, but 'bilstm' is given num_classes=4"):
        tuning.HyperModel("bilstm", num_classes=8, per_model={"bilstm": {"num_classes": 4}})
    assert tuning.HyperModel("bilstm", num_classes=np.int64(3)).num_classes == 3


@pytest.mark.one_backend  # layer shapes and parameter counts: the same on every backend
def test_two_classes_keep_the_presets_exactly():
    """num_classes=2 (the default) leaves every preset's table as the slides print it."""
    for name in zoo.list_models(presets=True):
        if "." not in name:
            continue
        default, explicit = zoo.build(name), zoo.build(name, num_classes=2)
        assert_head(explicit, 2)
        rows = [(type(layer).__name__, str(layer.output.shape), layer.count_params())
                for layer in explicit.layers[1:]]
        assert rows == [(type(layer).__name__, str(layer.output.shape), layer.count_params())
                        for layer in default.layers[1:]]
        preset = zoo.get_preset(name)
        if preset.slide_summary:
            assert tuple(rows) == preset.slide_summary, name
            assert explicit.count_params() == preset.slide_total


def test_a_preset_adapts_its_head_to_8_classes():
    two, eight = zoo.build("bilstm.imdb_words10k"), zoo.build("bilstm.imdb_words10k",
                                                              num_classes=8)
    assert_head(eight, 8)
    assert eight.seqzoo_config["preset"] == "bilstm.imdb_words10k"
    # Only the output layer changes: Dense(6) -> 8 units is 6 * 8 + 8 parameters.
    assert eight.layers[-1].count_params() == 6 * 8 + 8
    assert eight.count_params() - two.count_params() == (6 * 8 + 8) - (6 + 1)


@pytest.mark.parametrize("metrics, expected", [
    (None, ["accuracy", "auc", "f1", "loss", "precision", "recall"]),
    ("slides", ["accuracy", "loss"]),
])
def test_binary_metrics_and_the_slides_compile(metrics, expected):
    model = zoo.build("embedding_pooling", vocab_size=VOCAB, max_length=LENGTH)
    compile_model(model, metrics=metrics)
    assert model.loss == "binary_crossentropy"
    x, y = data(classes=2)
    history = model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    assert sorted(history.history) == expected


def test_binary_metrics_match_scikit_learn_in_evaluate():
    from sklearn.metrics import f1_score, precision_score, recall_score, roc_auc_score

    # Learnable data, so that the probabilities spread: Keras' AUC interpolates over 200
    # thresholds, which cannot resolve probabilities that all lie near 0.5.
    rng = np.random.default_rng(3)
    y = rng.permutation(np.arange(64) % 2)
    high = rng.random((64, LENGTH)) < np.where(y[:, None] == 1, 0.65, 0.35)
    x = np.where(high, rng.integers(VOCAB // 2, VOCAB, (64, LENGTH)),
                 rng.integers(1, VOCAB // 2, (64, LENGTH))).astype("int32")
    keras.utils.set_random_seed(3)
    model = zoo.build("embedding_pooling", vocab_size=VOCAB, max_length=LENGTH, dense_units=4)
    compile_model(model, learning_rate=0.01)
    model.fit(x, y, epochs=5, batch_size=16, verbose=0)
    scores = model.evaluate(x, y, batch_size=16, verbose=0, return_dict=True)
    probability = model.predict(x, verbose=0)[:, 0]
    predicted = (probability > 0.5).astype(int)
    assert scores["f1"] == pytest.approx(f1_score(y, predicted, zero_division=0), abs=1e-5)
    assert scores["precision"] == pytest.approx(precision_score(y, predicted, zero_division=0),
                                                abs=1e-5)
    assert scores["recall"] == pytest.approx(recall_score(y, predicted, zero_division=0),
                                             abs=1e-5)
    assert scores["auc"] == pytest.approx(roc_auc_score(y, probability), abs=0.01)


def test_macro_f1_matches_scikit_learn_in_evaluate():
    from sklearn.metrics import f1_score

    keras.utils.set_random_seed(4)
    model = zoo.build("conv1d", num_classes=CLASSES, **small("conv1d"))
    compile_model(model)
    x, y = data(n=64, seed=4)
    model.fit(x, y, epochs=3, batch_size=16, verbose=0)
    scores = model.evaluate(x, y, batch_size=16, verbose=0, return_dict=True)
    predicted = model.predict(x, verbose=0).argmax(axis=1)
    assert scores["macro_f1"] == pytest.approx(f1_score(y, predicted, average="macro"), abs=1e-5)
    assert scores["accuracy"] == pytest.approx(np.mean(predicted == y), abs=1e-6)


def test_compile_model_refuses_a_mismatch_and_bad_values():
    binary = zoo.build("conv1d", vocab_size=VOCAB, max_length=LENGTH)
    with pytest.raises(ValueError, match=re.escape(
            "compile_model: num_classes=8, but the output layer of 'conv1d' has one sigmoid "
            "unit (2 classes). Build the model for them, e.g. keras_seqzoo.build(name, "
            "num_classes=8)")):
        compile_model(binary, num_classes=8)
    eight = zoo.build("conv1d", num_classes=8, vocab_size=VOCAB, max_length=LENGTH)
    with pytest.raises(ValueError, match=r"output layer of 'conv1d' has 8 units \(8 classes\)"):
        compile_model(eight, num_classes=2)
    with pytest.raises(ValueError, match=r"num_classes must be an integer >= 2.*"
                                         r"Received: num_classes=1"):
        compile_model(eight, num_classes=1)
    with pytest.raises(ValueError, match=r"metrics must be None .* Received: metrics='slide'"):
        compile_model(eight, metrics="slide")
    assert compile_model(eight, num_classes=np.int64(8)).loss == "sparse_categorical_crossentropy"
    assert compile_model(binary, num_classes=2).loss == "binary_crossentropy"


def test_check_labels_refuses_what_a_model_cannot_learn():
    binary = zoo.build("fasttext", vocab_size=VOCAB, max_length=LENGTH)
    eight = zoo.build("fasttext", num_classes=8, vocab_size=VOCAB, max_length=LENGTH)
    assert check_labels(binary, np.array([0.0, 1.0, 1.0])) == 2
    assert check_labels(eight, np.arange(8).reshape(-1, 1)) == 8
    with pytest.raises(ValueError, match=re.escape(
            "check_labels: 'fasttext' has one sigmoid output (2 classes), but the labels go up "
            "to 7 (8 classes: 0, 1, 2, 3, 4, 5, 6, 7). Build it with num_classes=8")):
        check_labels(binary, np.arange(16) % 8)
    with pytest.raises(ValueError, match=r"compare: labels must lie in \[0, 8\) for 'fasttext'.*"
                                         r"Received labels from 0 to 8"):
        check_labels(eight, np.arange(9), where="compare")
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 8\).*from -1 to 3"):
        check_labels(eight, [-1, 0, 3])
    with pytest.raises(ValueError, match=r"integer class ids .*Received 1 that are not, e\.g\. "
                                         r"0\.5"):
        check_labels(binary, [0.0, 0.5, 1.0])
    with pytest.raises(ValueError, match=r"e\.g\. nan"):
        check_labels(binary, [0.0, np.nan])
    with pytest.raises(ValueError, match=r"shape=\(4, 8\) \(one-hot\? use labels\.argmax"):
        check_labels(eight, np.eye(8)[:4])
    with pytest.raises(ValueError, match=r"dtype <U4\. Encode names as ids first"):
        check_labels(eight, np.array(["ham", "spam"]))
    with pytest.raises(ValueError, match=r"labels is empty"):
        check_labels(eight, [])


def test_a_builder_without_num_classes_is_checked_not_mismatched():
    def binary_only(*, vocab_size: int = VOCAB, max_length: int = LENGTH):
        inputs = keras.Input((max_length,), dtype="int32")
        x = keras.layers.GlobalAveragePooling1D()(keras.layers.Embedding(vocab_size, 4)(inputs))
        return keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid")(x))

    zoo.register("binary_only_test")(binary_only)
    try:
        assert zoo.build("binary_only_test", num_classes=2).outputs[0].shape == (None, 1)
        with pytest.raises(ValueError, match=re.escape(
                "Builder 'binary_only_test' takes no 'num_classes' argument, and its model has "
                "one output unit (2 classes), so it cannot predict 8 classes. Received: "
                "num_classes=8. Add `num_classes: int = 2` to the builder")):
            zoo.build("binary_only_test", num_classes=8)
        with pytest.raises(ValueError, match=r"Builder 'binary_only_test': argument "
                                             r"'num_classes' must be an integer >= 2\. "
                                             r"Received: num_classes=1"):
            zoo.build("binary_only_test", num_classes=1)
        pytest.importorskip("keras_tuner")
        import keras_tuner

        from keras_seqzoo import tuning

        assert tuning.HyperModel("binary_only_test", num_classes=2).build(
            keras_tuner.HyperParameters()).loss == "binary_crossentropy"
        with pytest.raises(ValueError, match="takes no 'num_classes' argument"):
            tuning.HyperModel("binary_only_test", num_classes=8).build(
                keras_tuner.HyperParameters())
    finally:
        zoo.unregister("binary_only_test")
