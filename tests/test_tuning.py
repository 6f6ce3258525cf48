"""Tests for keras_seqzoo.tuning: real keras-tuner tuners on tiny synthetic data.

They pass with ``KERAS_BACKEND=tensorflow`` and ``KERAS_BACKEND=jax``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

keras_tuner = pytest.importorskip("keras_tuner")

import keras  # noqa: E402

import keras_seqzoo as zoo  # noqa: E402
from keras_seqzoo import space, tuning  # noqa: E402

VOCAB, LENGTH = 50, 12
TINY = {"vocab_size": VOCAB, "max_length": LENGTH}


@pytest.fixture
def data():
    """64 random sequences: 48 to train, 16 to validate."""
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.integers(1, VOCAB, size=(64, LENGTH)).astype("int32")
    y = rng.integers(0, 2, size=(64, 1)).astype("float32")
    return (x[:48], y[:48]), (x[48:], y[48:])


def _search(tuner, data, validate=False, **kwargs):
    """Runs ``tuner.search`` for one epoch; without validation data unless asked.

    Validation costs one more XLA compilation per trial, which is most of a
    trial's time on JAX; objective="loss" needs none.
    """
    (x, y), validation = data
    kwargs.setdefault("epochs", 1)
    if validate:
        kwargs["validation_data"] = validation
    tuner.search(x, y, verbose=0, **kwargs)
    return list(tuner.oracle.trials.values())


def _assert_completed(trials, count=None):
    statuses = [t.status for t in trials]
    assert statuses and all(s == "COMPLETED" for s in statuses), statuses
    if count is not None:
        assert len(trials) == count


def _assert_only_active(trial):
    values = trial.hyperparameters.values
    arch = values.get(tuning.ARCHITECTURE)
    for name in values:
        assert trial.hyperparameters.is_active(name), name
        if "/" in name:
            assert name.split("/")[0] == arch, (name, arch)


class _Record(keras.callbacks.EarlyStopping):
    """An EarlyStopping that records what every fit saw (keras-tuner deep-copies it)."""

    seen: list = []

    def on_train_begin(self, logs=None):
        type(self).seen.append({**self.params, "batches": 0})
        super().on_train_begin(logs)

    def on_train_batch_end(self, batch, logs=None):
        if batch == 0 or self.seen[-1]["batches"] == 0:
            self.seen[-1]["batches"] = 0
        self.seen[-1]["batches"] = max(self.seen[-1]["batches"], batch + 1)


# --------------------------------------------------------------------------- defaults


@pytest.mark.parametrize(
    "name, total",
    [
        ("bilstm.imdb_words10k", 172941),  # T5
        ("bigru.imdb_words10k", 169997),  # T6
        ("conv1d.imdb_words10k", 171149),  # T7
        ("stacked_bilstm.imdb_subwords8k", 635329),  # T2: the tuple units' default
    ],
)
def test_empty_hyperparameters_build_the_reference_model(name, total):
    model = tuning.HyperModel(name).build(keras_tuner.HyperParameters())
    assert model.count_params() == total
    assert model.seqzoo_config["preset"] == name
    assert model.optimizer is not None and model.loss == "binary_crossentropy"


def test_several_architectures_default_to_the_first():
    hypermodel = tuning.HyperModel(["conv1d.imdb_words10k", "bilstm.imdb_words10k"])
    hp = keras_tuner.HyperParameters()
    assert hypermodel.build(hp).count_params() == 171149
    assert hp.values[tuning.ARCHITECTURE] == "conv1d.imdb_words10k"


def test_preset_value_outside_the_declared_space_extends_it():
    zoo.register_preset("bilstm.test_tuning_units48", {"units": 48, "dense_units": 10, **TINY})
    try:
        hypermodel = tuning.HyperModel("bilstm.test_tuning_units48")
        described = hypermodel.describe_space()["models"]["bilstm.test_tuning_units48"]
        assert 48 in described["hyperparameters"]["units"]["values"]
        assert described["hyperparameters"]["units"]["default"] == 48
        assert described["hyperparameters"]["dense_units"]["default"] == 10
        _, preset, arguments = zoo._registry.resolved_arguments("bilstm.test_tuning_units48")
        config = tuning.hyperparameters_to_arguments(keras_tuner.HyperParameters(), hypermodel)
        assert config["arguments"] == arguments
    finally:
        zoo.unregister("bilstm.test_tuning_units48")


# --------------------------------------------------------------------------- overrides


def test_overrides_fix_a_value_set_a_range_or_keep_the_declared_space():
    hypermodel = tuning.HyperModel(
        "bilstm", units=64, dropout=space.Float(0.0, 0.3, step=0.1),
        embedding_dim=space.Fixed(8), **TINY,
    )
    described = hypermodel.describe_space()["models"]["bilstm"]
    assert described["fixed"]["units"] == 64 and described["fixed"]["embedding_dim"] == 8
    assert described["hyperparameters"]["dropout"]["max_value"] == 0.3
    assert described["hyperparameters"]["dense_units"]["values"] == [6, 24, 64]  # declared
    assert "units" not in described["hyperparameters"]
    hp = keras_tuner.HyperParameters()
    name, arguments = hypermodel.arguments_for(hp)  # what build() passes to zoo.build
    assert name == "bilstm" and arguments["units"] == 64 and arguments["embedding_dim"] == 8
    assert "units" not in hp.values and hp.values["dropout"] == 0.0
    json.dumps(tuning.describe_space(hypermodel))  # plain data


def test_tune_restricts_the_searched_arguments_and_tuples_stay_fixed():
    hypermodel = tuning.HyperModel("stacked_bilstm", tune=("dropout",), **TINY)
    described = hypermodel.describe_space()["models"]["stacked_bilstm"]
    assert list(described["hyperparameters"]) == ["dropout"]
    assert described["fixed"]["units"] == [64, 32]
    depths = tuning.HyperModel("stacked_bilstm", units=space.Choice([(8,), (8, 4)]), **TINY)
    hp = keras_tuner.HyperParameters()
    hp.values["units"] = "8,4"  # keras-tuner values are scalars: tuples become labels
    assert depths.arguments_for(hp)[1]["units"] == (8, 4)
    with pytest.raises(ValueError, match="keras-tuner rejected"):
        tuning.HyperModel("bilstm", dropout=space.Float(0.1, 0.5, step=0.5, sampling="log"))


def test_declared_tuple_spaces_are_searched_as_labels():
    """Issue 30's wider spaces: stacked_bilstm's depth, fastText's n-gram orders and the
    TCN's dilations are Choices of tuples; keras-tuner sees labels such as "64,32"."""
    for builder, key, labels, default in (
        ("stacked_bilstm", "units", ["32,16", "64,32", "64,64", "128,64", "64,64,32"], (64, 32)),
        ("fasttext", "ngram_orders", ["1", "1,2", "1,2,3"], (1, 2)),
        ("tcn", "dilations", ["1,2,4,8", "1,2,4,8,16", "1,2,4,8,16,32"], (1, 2, 4, 8, 16)),
    ):
        hypermodel = tuning.HyperModel(builder, **TINY)
        hp = keras_tuner.HyperParameters()
        hypermodel.declare_hyperparameters(hp)
        assert hp.get(key) == ",".join(str(v) for v in default)
        assert [p.values for p in hp.space if p.name == key] == [labels]
        assert hypermodel.arguments_for(hp)[1][key] == default
        hp.values[key] = labels[-1]
        chosen = hypermodel.arguments_for(hp)[1][key]
        assert chosen == tuple(int(v) for v in labels[-1].split(","))
        assert hypermodel.build(hp).seqzoo_config["arguments"][key] == list(chosen)


def test_invalid_overrides_raise_clear_errors_eagerly():
    with pytest.raises(ValueError, match="Did you mean 'units'"):
        tuning.HyperModel("bilstm", unit=64)
    with pytest.raises(ValueError, match="'dropout'.*does not accept"):
        tuning.HyperModel("bilstm", dropout=space.Float(0.0, 1.0))
    with pytest.raises(ValueError, match="'units' must be"):
        tuning.HyperModel("bilstm", units=0)
    with pytest.raises(ValueError, match="not one of models"):
        tuning.HyperModel(["bilstm", "bigru"], architecture=space.Fixed("conv1d"))
    with pytest.raises(ValueError, match="declares no search space"):
        tuning.HyperModel("bilstm", tune=("mask_zero",))
    with pytest.raises(ValueError, match="optimizer"):
        tuning.HyperModel("bilstm", optimizer=keras.optimizers.Adam())
    with pytest.raises(zoo.UnknownModelError):
        tuning.HyperModel(["bilstm", "lstmm"])


def test_arguments_apply_to_the_architectures_that_have_them():
    hypermodel = tuning.HyperModel(
        ["bilstm", "conv1d"], units=8, per_model={"conv1d": {"filters": 4}}, **TINY
    )
    described = hypermodel.describe_space()["models"]
    assert described["bilstm"]["fixed"]["units"] == 8
    assert described["conv1d"]["fixed"]["filters"] == 4 and "units" not in described["conv1d"]["fixed"]


def test_learning_rate_and_rebuild_helpers():
    names = ["embedding_pooling", "conv1d"]
    hypermodel = tuning.HyperModel(
        names, learning_rate=space.Float(1e-4, 1e-2, sampling="log"), **TINY
    )
    values = {"architecture": "conv1d", "conv1d/filters": 16, "learning_rate": 0.005}
    model = tuning.build_from_hyperparameters(values, hypermodel)
    assert model.seqzoo_config["builder"] == "conv1d"
    assert model.seqzoo_config["arguments"]["filters"] == 16
    assert float(keras.ops.convert_to_numpy(model.optimizer.learning_rate)) == pytest.approx(0.005)
    same = tuning.build_from_hyperparameters(
        values, names, learning_rate=space.Float(1e-4, 1e-2, sampling="log"), **TINY
    )
    assert same.count_params() == model.count_params()
    config = tuning.hyperparameters_to_arguments(values, hypermodel)
    assert config["model"] == "conv1d" and config["learning_rate"] == 0.005
    assert zoo.build(config["model"], **config["arguments"]).count_params() == model.count_params()


def test_batch_size_rebatches_a_tf_data_dataset(data):
    tf = pytest.importorskip("tensorflow")
    (x, y), _ = data
    hypermodel = tuning.HyperModel("embedding_pooling", batch_size=space.Choice([16, 24]), **TINY)
    hp = keras_tuner.HyperParameters()
    hp.values["batch_size"] = 24
    model = hypermodel.build(hp)
    dataset = tf.data.Dataset.from_tensor_slices((x, y)).batch(5)
    _Record.seen.clear()
    callback = _Record(monitor="loss")
    hypermodel.fit(hp, model, dataset, epochs=1, verbose=0, callbacks=[callback])
    assert _Record.seen[-1]["batches"] == 2  # 48 samples / 24


def test_space_summary_lists_every_architecture_before_the_first_trial(tmp_path, capsys):
    hypermodel = tuning.HyperModel(["bilstm", "bigru", "conv1d"], **TINY)
    tuner = keras_tuner.RandomSearch(
        hypermodel, objective="val_loss", max_trials=2, directory=tmp_path, overwrite=True,
        seed=1,
    )
    names = [hp.name for hp in tuner.oracle.get_space().space]
    assert {"architecture", "bilstm/units", "bigru/units", "conv1d/filters"} <= set(names)
    capsys.readouterr()
    tuner.search_space_summary()
    printed = capsys.readouterr().out
    assert "bigru/units" in printed and "conv1d/kernel_size" in printed


# --------------------------------------------------------------------------- real tuners


def test_random_search_across_architectures(tmp_path, data):
    # Recurrent models build like these (see the parameter-count tests) but compile
    # slowly on JAX, so the trained search uses the fast families.
    hypermodel = tuning.HyperModel(["embedding_pooling", "embedding_flatten", "conv1d"], **TINY)
    tuner = keras_tuner.RandomSearch(
        hypermodel, objective="val_loss", max_trials=2, executions_per_trial=1,
        directory=tmp_path, project_name="random", overwrite=True, seed=2,
    )
    _Record.seen.clear()
    trials = _search(
        tuner, data, validate=True, callbacks=[_Record(monitor="val_loss", patience=0)]
    )
    _assert_completed(trials, 2)
    assert len(_Record.seen) == 2  # the callback reached every fit
    for trial in trials:
        _assert_only_active(trial)
    best_hp = tuner.get_best_hyperparameters()[0]
    best = tuner.get_best_models(1)[0]
    x_val = data[1][0]
    assert best.predict(x_val[:4], verbose=0).shape == (4, 1)
    rebuilt = tuning.build_from_hyperparameters(best_hp, hypermodel)
    assert rebuilt.count_params() == best.count_params()
    assert rebuilt.seqzoo_config == best.seqzoo_config


@pytest.mark.one_backend  # keras-tuner's oracle; the fits are the random search's, per backend
def test_grid_search(tmp_path, data):
    hypermodel = tuning.HyperModel("embedding_pooling", tune=("pooling",), **TINY)
    tuner = keras_tuner.GridSearch(
        hypermodel, objective="loss", max_trials=2, directory=tmp_path, overwrite=True
    )
    trials = _search(tuner, data)
    _assert_completed(trials, 2)
    assert {t.hyperparameters.values["pooling"] for t in trials} == {"average", "max"}


@pytest.mark.one_backend  # keras-tuner's oracle; the fits are the random search's, per backend
def test_hyperband_sets_epochs_itself(tmp_path, data):
    hypermodel = tuning.HyperModel(
        "conv1d", tune=("filters",), filters=space.Choice([4, 8]),
        epochs=space.Int(5, 6), batch_size=space.Choice([16, 24]), **TINY,
    )
    tuner = keras_tuner.Hyperband(
        hypermodel, objective="loss", max_epochs=2, factor=3, hyperband_iterations=1,
        directory=tmp_path, overwrite=True, seed=3,
    )
    _Record.seen.clear()
    trials = _search(tuner, data, callbacks=[_Record(monitor="loss")])
    _assert_completed(trials)
    assert all(seen["epochs"] <= 2 for seen in _Record.seen)  # never the tuned 5 or 6
    assert {seen["batches"] for seen in _Record.seen} <= {2, 3}  # 48 / 24, 48 / 16


@pytest.mark.one_backend  # keras-tuner's oracle; the fits are the random search's, per backend
def test_bayesian_optimization_across_architectures(tmp_path, data):
    hypermodel = tuning.HyperModel(["embedding_pooling", "embedding_flatten"], **TINY)
    tuner = keras_tuner.BayesianOptimization(
        hypermodel, objective="loss", max_trials=2, num_initial_points=1,
        directory=tmp_path, overwrite=True, seed=4,
    )
    trials = _search(tuner, data)
    _assert_completed(trials, 2)
    for trial in trials:
        _assert_only_active(trial)


def test_pinning_the_architecture_with_fixed(tmp_path):
    pinned = tuning.HyperModel(["bilstm", "conv1d"], architecture=space.Fixed("conv1d"), **TINY)
    assert pinned.build(keras_tuner.HyperParameters()).seqzoo_config["builder"] == "conv1d"
    hp = keras_tuner.HyperParameters()
    hp.Fixed("architecture", "conv1d")  # keras-tuner's own way works too
    for hypermodel, hyperparameters in ((pinned, None), (tuning.HyperModel(["bilstm", "conv1d"], **TINY), hp)):
        tuner = keras_tuner.RandomSearch(
            hypermodel, objective="val_loss", max_trials=3, hyperparameters=hyperparameters,
            directory=tmp_path, overwrite=True, seed=5,
        )
        for i in range(3):  # the trials search() would run, without training
            trial = tuner.oracle.create_trial(f"worker{i}")
            assert trial.hyperparameters.values["architecture"] == "conv1d"
            assert any(name.startswith("conv1d/") for name in trial.hyperparameters.values)
            _assert_only_active(trial)


def test_same_seed_gives_the_same_hyperparameter_sequence(tmp_path):
    def sequence(seed, directory):
        tuner = keras_tuner.RandomSearch(
            tuning.HyperModel(["bilstm", "bigru", "conv1d"], **TINY), objective="val_loss",
            max_trials=4, directory=tmp_path, project_name=directory, overwrite=True, seed=seed,
        )
        # The oracle hands out the trials that search() would run, without training.
        return [tuner.oracle.create_trial(f"worker{i}").hyperparameters.values for i in range(4)]

    first = sequence(11, "a")
    assert first == sequence(11, "b")
    assert first != sequence(12, "c")


# --------------------------------------------------------------------------- optional extra


@pytest.mark.one_backend
def test_keras_seqzoo_imports_without_keras_tuner_and_tuning_says_how_to_install():
    code = textwrap.dedent(
        """
        import sys
        sys.modules["keras_tuner"] = None  # as if keras-tuner were not installed
        import keras_seqzoo
        assert "keras_tuner" not in [m for m in sys.modules if sys.modules[m] is not None]
        try:
            import keras_seqzoo.tuning
        except ImportError as error:
            print(error)
        else:
            raise SystemExit("imported without keras-tuner")
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
        env={**os.environ, "KERAS_BACKEND": "numpy"},  # the fastest import
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert 'pip install "keras_seqzoo[tuner]"' in result.stdout


@pytest.mark.slow
@pytest.mark.one_backend  # the example's script; the tuning it runs is tested per backend above
def test_imdb_tuning_example_runs_on_a_generated_imdb(tmp_path, monkeypatch):
    """examples/tune_imdb.py end to end: real loader, real tuner, every trial COMPLETED."""
    from examples.tune_imdb import main
    from tests.helpers import imdb_files, write_folder

    monkeypatch.setenv("KERAS_SEQZOO_CACHE", str(tmp_path / "cache"))
    folder = write_folder(tmp_path / "data", imdb_files())
    result = main([
        "--source", str(folder), "--models", "conv1d,embedding_pooling", "--max-trials", "2",
        "--epochs", "1", "--vocab-size", "60", "--max-length", "16", "--batch-size", "8",
        "--directory", str(tmp_path / "tuner"),
    ])
    assert result["best"]["model"].partition(".")[0] in {"conv1d", "embedding_pooling"}
    assert result["trials"] == {"COMPLETED": 2}


# -- training values (issue 14, item 8) -------------------------------------------------------

BAD_TRAINING_VALUES = [
    ({"learning_rate": 0}, r"learning_rate must be finite and > 0\. Received: learning_rate=0"),
    ({"learning_rate": -1e-3}, r"learning_rate must be finite and > 0\. Received: learning_rate=-0\.001"),
    ({"learning_rate": float("nan")}, r"learning_rate must be finite and > 0\. Received: learning_rate=nan"),
    ({"learning_rate": float("inf")}, r"learning_rate must be finite and > 0\. Received: learning_rate=inf"),
    ({"learning_rate": "fast"}, r"learning_rate must be a number > 0\. Received: learning_rate='fast'"),
    ({"batch_size": 0}, r"batch_size must be an integer >= 1\. Received: batch_size=0"),
    ({"batch_size": 2.5}, r"batch_size must be an integer >= 1\. Received: batch_size=2\.5"),
    ({"batch_size": "32"}, r"batch_size must be an integer >= 1\. Received: batch_size='32'"),
    ({"epochs": 0}, r"epochs must be an integer >= 1\. Received: epochs=0"),
    ({"epochs": 1.5}, r"epochs must be an integer >= 1\. Received: epochs=1\.5"),
]


@pytest.mark.one_backend
@pytest.mark.parametrize("values, message", BAD_TRAINING_VALUES)
def test_hypermodel_refuses_bad_training_values(values, message):
    with pytest.raises(ValueError, match="HyperModel: " + message):
        tuning.HyperModel("embedding_pooling", **values, **TINY)
    ((key, value),) = values.items()
    with pytest.raises(ValueError, match="HyperModel: " + message):
        tuning.HyperModel("embedding_pooling", **{key: space.Fixed(value)}, **TINY)


@pytest.mark.one_backend
@pytest.mark.parametrize(
    "key, value, message",
    [
        ("learning_rate", space.Float(0.0, 1e-2), r"learning_rate=0\.0"),
        ("learning_rate", space.Float(1e-4, float("inf")), r"learning_rate=inf"),
        ("learning_rate", space.Choice([1e-3, float("nan")]), r"learning_rate=nan"),
        ("learning_rate", space.Boolean(), r"learning_rate=True"),
        ("batch_size", space.Choice([16, 0]), r"batch_size=0"),
        ("batch_size", space.Float(8.0, 16.0), r"batch_size=8\.0"),
        ("epochs", space.Int(0, 3), r"epochs=0"),
    ],
)
def test_hypermodel_refuses_search_spaces_with_bad_training_values(key, value, message):
    with pytest.raises(ValueError, match=rf"HyperModel: the search space .* for '{key}' includes a "
                                         rf"value that cannot train\. .*Received: {message}"):
        tuning.HyperModel(["embedding_pooling", "conv1d"], **{key: value}, **TINY)


@pytest.mark.one_backend
def test_hypermodel_checks_training_values_of_a_trial_and_of_search():
    hypermodel = tuning.HyperModel(
        "embedding_pooling", learning_rate=space.Float(1e-4, 1e-2), epochs=space.Int(1, 3), **TINY
    )
    with pytest.raises(ValueError, match=r"HyperModel: learning_rate must be finite and > 0\. "
                                         r"Received: learning_rate=nan"):
        tuning.build_from_hyperparameters({"learning_rate": float("nan")}, hypermodel)
    hp = keras_tuner.HyperParameters()
    hp.values["epochs"] = 0
    with pytest.raises(ValueError, match=r"HyperModel: epochs must be an integer >= 1\. Received: epochs=0"):
        hypermodel.fit(hp, None, np.zeros((2, LENGTH)), np.zeros(2))
    plain = tuning.HyperModel("embedding_pooling", **TINY)
    with pytest.raises(ValueError, match=r"HyperModel.fit: batch_size must be an integer >= 1\. "
                                         r"Received: batch_size=0"):
        plain.fit(keras_tuner.HyperParameters(), None, np.zeros((2, LENGTH)), np.zeros(2),
                  batch_size=0, epochs=1)


@pytest.mark.skipif(keras.backend.backend() != "jax" or not os.path.exists("/proc/self/maps"),
                    reason="JAX's compiled programs, counted in Linux's /proc/self/maps")
def test_each_trial_frees_the_programs_jax_compiled_for_the_last():
    """A search builds a model per trial in one process. Without freeing JAX's compiled
    programs each new configuration kept hundreds of memory mappings on a CPU, and a C6 search
    died after ~90 trials at Linux's limit of 65,530 ("LLVM compilation error: Cannot
    allocate memory", then a segfault)."""
    hypermodel = tuning.HyperModel("conv1d", vocab_size=100, max_length=16)
    x = np.random.default_rng(0).integers(1, 100, size=(32, 16)).astype("int32")
    y = (x[:, 0] > 50).astype("float32")

    def mappings() -> int:
        with open("/proc/self/maps", encoding="utf-8") as maps:
            return sum(1 for _ in maps)

    counts = []
    for width in (16, 32, 64, 128):  # a new program each time
        hp = keras_tuner.HyperParameters()
        hp.Fixed("embedding_dim", width)
        model = hypermodel.build(hp)
        model.fit(x, y, batch_size=16, epochs=1, verbose=0, validation_data=(x, y))
        del model
        counts.append(mappings())
    # Measured (conv1d): up to +385 mappings after the second configuration without the
    # release, +1 with it.
    assert max(counts) - counts[0] < 100, counts
