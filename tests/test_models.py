"""Every builder and preset: exact slide summaries, fit, predict, save round trip."""

from __future__ import annotations

import re

import keras
import numpy as np
import pytest

import keras_seqzoo as zoo
from tests.helpers import tiny_tokens

# REFERENCE.md T1-T7: (layer type, output shape, params) per layer, and the total.
REFERENCE = {
    "bilstm.imdb_subwords8k": (
        [("Embedding", (None, None, 64), 523840), ("Bidirectional", (None, 128), 66048),
         ("Dense", (None, 64), 8256), ("Dense", (None, 1), 65)],
        598209,
    ),
    "stacked_bilstm.imdb_subwords8k": (
        [("Embedding", (None, None, 64), 523840), ("Bidirectional", (None, None, 128), 66048),
         ("Bidirectional", (None, 64), 41216), ("Dense", (None, 64), 4160),
         ("Dense", (None, 1), 65)],
        635329,
    ),
    "conv1d.words1k_len120": (
        [("Embedding", (None, 120, 16), 16000), ("Conv1D", (None, 116, 128), 10368),
         ("GlobalMaxPooling1D", (None, 128), 0), ("Dense", (None, 24), 3096),
         ("Dense", (None, 1), 25)],
        29489,
    ),
    "embedding_flatten.imdb_words10k": (
        [("Embedding", (None, 120, 16), 160000), ("Flatten", (None, 1920), 0),
         ("Dense", (None, 6), 11526), ("Dense", (None, 1), 7)],
        171533,
    ),
    "bilstm.imdb_words10k": (
        [("Embedding", (None, 120, 16), 160000), ("Bidirectional", (None, 64), 12544),
         ("Dense", (None, 6), 390), ("Dense", (None, 1), 7)],
        172941,
    ),
    "bigru.imdb_words10k": (
        [("Embedding", (None, 120, 16), 160000), ("Bidirectional", (None, 64), 9600),
         ("Dense", (None, 6), 390), ("Dense", (None, 1), 7)],
        169997,
    ),
    "conv1d.imdb_words10k": (
        [("Embedding", (None, 120, 16), 160000), ("Conv1D", (None, 116, 128), 10368),
         ("GlobalAveragePooling1D", (None, 128), 0), ("Dense", (None, 6), 774),
         ("Dense", (None, 1), 7)],
        171149,
    ),
}


def layer_rows(model):
    """(type, output shape, params) for every layer but the input, as summary() lists them."""
    return [
        (type(layer).__name__, tuple(layer.output.shape), layer.count_params())
        for layer in model.layers
        if not isinstance(layer, keras.layers.InputLayer)
    ]


@pytest.mark.parametrize("preset", sorted(REFERENCE))
def test_preset_reproduces_slide_table(preset):
    rows, total = REFERENCE[preset]
    model = zoo.build(preset)
    assert layer_rows(model) == rows
    assert model.count_params() == total
    assert sum(count for _, _, count in rows) == total


@pytest.mark.parametrize("preset", sorted(REFERENCE))
def test_preset_metadata_matches_reference(preset):
    rows, total = REFERENCE[preset]
    meta = zoo.get_preset(preset)
    assert meta.reference and meta.reference.startswith("T")
    assert meta.slide_total == total
    assert [(t, str(s), c) for t, s, c in rows] == [tuple(r) for r in meta.slide_summary]


def test_every_table_has_a_preset():
    references = [zoo.get_preset(p).reference for p in zoo.list_models("*.*", presets=True)]
    slide_tables = sorted(r for r in references if r and re.fullmatch(r"T\d+", r))
    assert slide_tables == ["T1", "T2", "T3", "T4", "T5", "T6", "T7"]
    # Other references name where a newer preset comes from, never a slide table.
    others = [r for r in references if r and r not in slide_tables]
    assert sorted(others) == [
        "Keras' examples/imdb_fasttext.py (Keras 2; after Joulin et al., 2017)",
        "keras.io example 'Text classification with Transformer' (Apoorv Nandan, 2020)"]


def test_code_only_architectures_have_presets():
    without = zoo.build("embedding_pooling.without_lstm")
    with_lstm = zoo.build("bilstm.with_lstm")
    assert [r[0] for r in layer_rows(without)] == [
        "Embedding", "GlobalAveragePooling1D", "Dense", "Dense"]
    assert [r[0] for r in layer_rows(with_lstm)] == ["Embedding", "Bidirectional", "Dense", "Dense"]
    assert layer_rows(with_lstm)[2] == ("Dense", (None, 24), 64 * 24 + 24)


ALL_NAMES = zoo.list_models(presets=True)
# Every builder round-trips on every backend; a preset is its builder with other values, so
# its round trip runs once (one_backend). The layers' masked and unmasked paths, which the
# presets' values can switch, are checked on every backend in tests/test_layers_recurrent.py.
ROUND_TRIPS = [pytest.param(name, marks=pytest.mark.one_backend) if "." in name else name
               for name in ALL_NAMES]


@pytest.mark.parametrize("name", ROUND_TRIPS)
def test_build_fit_predict_save_round_trip(name, tmp_path):
    overrides = {"vocab_size": 50}
    model = zoo.build(name, **overrides)
    assert model.inputs[0].shape[1] in (None, zoo.build(name).inputs[0].shape[1])
    zoo.compile_model(model)
    x, y = tiny_tokens(model, n=8)
    before = [w.copy() for w in model.get_weights()]
    history = model.fit(x, y, epochs=1, batch_size=4, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    assert any(not np.array_equal(a, b) for a, b in zip(before, model.get_weights()))
    predictions = model.predict(x, verbose=0)
    assert predictions.shape == (8, 1)
    assert np.all((predictions >= 0) & (predictions <= 1))

    path = tmp_path / "model.keras"
    model.save(path)
    restored = keras.saving.load_model(path)
    np.testing.assert_allclose(restored.predict(x, verbose=0), predictions, rtol=1e-5, atol=1e-6)
    assert restored.seqzoo_config == model.seqzoo_config
    config = restored.seqzoo_config
    assert config["builder"] == name.partition(".")[0]
    rebuilt = zoo.build(config["builder"], **config["arguments"])
    assert rebuilt.count_params() == model.count_params()


@pytest.mark.parametrize("builder", zoo.list_models())
def test_builders_default_model_is_valid_and_named(builder):
    model = zoo.build(builder)
    assert model.name == builder
    assert model.seqzoo_config["preset"] is None
    assert model.seqzoo_config["arguments"] == {
        k: list(v) if isinstance(v, tuple) else v for k, v in zoo.get_model(builder).defaults.items()
    }


@pytest.mark.parametrize("builder", ["embedding_pooling", "bilstm", "bigru", "conv1d"])
def test_multiclass_head_uses_softmax(builder):
    model = zoo.build(builder, num_classes=4, vocab_size=50, max_length=16)
    assert model.outputs[0].shape == (None, 4)
    assert model.layers[-1].get_config()["activation"] == "softmax"
    zoo.compile_model(model)
    assert model.loss == "sparse_categorical_crossentropy"
    x, _ = tiny_tokens(model, n=8)
    model.fit(x, np.arange(8) % 4, epochs=1, verbose=0)


@pytest.mark.parametrize("builder", ["embedding_pooling", "bilstm", "stacked_bilstm", "bigru", "conv1d"])
def test_variable_length_input(builder):
    model = zoo.build(builder, max_length=None, vocab_size=50, kernel_size=3) if builder == "conv1d" \
        else zoo.build(builder, max_length=None, vocab_size=50)
    assert model.inputs[0].shape == (None, None)
    zoo.compile_model(model)
    for length in (7, 19):
        x, _ = tiny_tokens(length, n=4)
        assert model.predict(x, verbose=0).shape == (4, 1)


def test_masking_makes_padding_irrelevant():
    model = zoo.build("bilstm", vocab_size=50, max_length=None, mask_zero=True)
    x, _ = tiny_tokens(6, n=3)
    padded = np.concatenate([x, np.zeros((3, 5), dtype="int32")], axis=1)
    np.testing.assert_allclose(
        model.predict(x, verbose=0), model.predict(padded, verbose=0), rtol=1e-5, atol=1e-6
    )


@pytest.mark.parametrize("builder", ["embedding_pooling", "mingru"])
def test_max_pooling_with_a_mask_skips_the_padding(builder):
    import warnings

    if builder == "mingru" and keras.backend.backend() == "tensorflow":
        pytest.skip("mingru needs a fixed max_length on TensorFlow; this test varies it")
    with warnings.catch_warnings():  # Keras' GlobalMaxPooling1D would warn and drop the mask
        warnings.filterwarnings("error", message=".*does not support masking.*")
        model = zoo.build(builder, vocab_size=50, max_length=None, mask_zero=True,
                          pooling="max")
        x, _ = tiny_tokens(6, n=3)
        padded = np.concatenate([x, np.zeros((3, 5), dtype="int32")], axis=1)
        np.testing.assert_allclose(model.predict(x, verbose=0),
                                   model.predict(padded, verbose=0), rtol=1e-5, atol=1e-6)
    assert "MaskedGlobalMaxPooling1D" in [type(layer).__name__ for layer in model.layers]
    unmasked = zoo.build(builder, vocab_size=50, max_length=None, pooling="max",
                         mask_zero=False)
    assert "GlobalMaxPooling1D" in [type(layer).__name__ for layer in unmasked.layers]


# Two rows of 3 steps, 2 features: the first with its last step masked, the second all masked.
POOL_X = np.array([[[1.0, -4.0], [5.0, -2.0], [9.0, 7.0]], [[2.0, 1.0], [3.0, 1.0], [4.0, 1.0]]],
                  dtype="float32")
POOL_MASK = np.array([[True, True, False], [False, False, False]])


@pytest.mark.parametrize(("name", "masked", "unmasked"), [
    ("MaskedGlobalMaxPooling1D", [[5.0, -2.0], [0.0, 0.0]], [[9.0, 7.0], [4.0, 1.0]]),
    ("MaskedGlobalAveragePooling1D", [[3.0, -3.0], [0.0, 0.0]], [[5.0, 1 / 3], [3.0, 1.0]]),
])
def test_masked_pooling_layers_skip_padding_and_pool_an_empty_row_to_zeros(
        name, masked, unmasked):
    import keras_seqzoo.layers

    layer_class = getattr(keras_seqzoo.layers, name)
    layer = layer_class()
    out = keras.ops.convert_to_numpy(layer(POOL_X, mask=POOL_MASK))
    np.testing.assert_array_equal(out, masked)  # padding skipped; no real step: 0
    np.testing.assert_allclose(keras.ops.convert_to_numpy(layer(POOL_X)), unmasked, rtol=1e-6)
    kept = layer_class(keepdims=True)(POOL_X, mask=POOL_MASK)
    assert tuple(kept.shape) == (2, 1, 2)


def test_masked_max_pooling_refuses_channels_first():
    from keras_seqzoo.layers import MaskedGlobalMaxPooling1D

    with pytest.raises(ValueError, match="data_format must be 'channels_last'"):
        MaskedGlobalMaxPooling1D(data_format="channels_first")


def test_masked_average_pooling_is_keras_but_for_an_empty_row():
    from keras_seqzoo.layers import MaskedGlobalAveragePooling1D

    out = keras.ops.convert_to_numpy(MaskedGlobalAveragePooling1D()(POOL_X, mask=POOL_MASK))
    keras_out = keras.ops.convert_to_numpy(
        keras.layers.GlobalAveragePooling1D()(POOL_X, mask=POOL_MASK))
    np.testing.assert_array_equal(out[0], keras_out[0])  # a row with real steps: as Keras
    assert np.isnan(keras_out[1]).all()  # what the layer replaces: Keras divides 0 by 0
    first = MaskedGlobalAveragePooling1D(data_format="channels_first")
    out_first = keras.ops.convert_to_numpy(first(np.transpose(POOL_X, (0, 2, 1)), mask=POOL_MASK))
    np.testing.assert_array_equal(out_first, out)


# The builders that average over time with a mask: an empty text (all padding once
# tokenized, e.g. an SMS of only punctuation) predicted NaN and made val_loss nan.
AVERAGING_MASKED = [
    ("embedding_pooling", {"mask_zero": True}),
    ("transformer_encoder", {"mask_zero": True}),
    ("mingru", {"mask_zero": True}),
    ("fasttext", {}),
]


@pytest.mark.parametrize(("builder", "arguments"), AVERAGING_MASKED,
                         ids=[name for name, _ in AVERAGING_MASKED])
def test_an_all_padding_text_gets_a_finite_prediction_and_loss(builder, arguments):
    model = zoo.build(builder, vocab_size=50, max_length=8, num_classes=3, **arguments)
    assert "MaskedGlobalAveragePooling1D" in [type(layer).__name__ for layer in model.layers]
    x = np.array([[0] * 8, [3, 4, 5, 0, 0, 0, 0, 0]], dtype="int32")
    y = np.array([1, 2])
    predicted = model.predict(x, verbose=0)
    assert np.isfinite(predicted).all(), predicted
    np.testing.assert_allclose(predicted.sum(axis=1), 1.0, rtol=1e-5)
    model.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
    assert np.isfinite(model.evaluate(x, y, verbose=0))


def test_dropout_and_unidirectional_variants():
    model = zoo.build("bigru", bidirectional=False, dropout=0.25, vocab_size=50)
    types = [type(layer).__name__ for layer in model.layers]
    assert "Bidirectional" not in types and "GRU" in types and "Dropout" in types
    stacked = zoo.build("stacked_bilstm", units=(16, 16, 8), vocab_size=50)
    assert [type(l).__name__ for l in stacked.layers].count("Bidirectional") == 3
    assert stacked.layers[-3].output.shape == (None, 16)


def test_preset_overrides_single_arguments():
    model = zoo.build("bilstm.imdb_words10k", units=8)
    assert model.seqzoo_config["arguments"]["units"] == 8
    assert model.seqzoo_config["arguments"]["vocab_size"] == 10000
    assert model.seqzoo_config["preset"] == "bilstm.imdb_words10k"
    assert model.layers[2].count_params() == 2 * 4 * 8 * (8 + 16 + 1)


def test_builders_called_directly_refuse_a_nan_dropout():
    from keras_seqzoo.models import pooling

    with pytest.raises(ValueError, match=r"dropout must be a number in \[0.0, 1.0\)\. Received: dropout=nan"):
        pooling.embedding_pooling(vocab_size=20, max_length=4, dropout=float("nan"))


@pytest.mark.parametrize(
    "learning_rate, message",
    [(0, "finite and > 0. Received: learning_rate=0"), (-1.0, "Received: learning_rate=-1.0"),
     (float("nan"), "Received: learning_rate=nan"), (float("inf"), "Received: learning_rate=inf"),
     ("1e-3", "must be a number > 0. Received: learning_rate='1e-3'")],
)
def test_compile_model_refuses_bad_learning_rates(learning_rate, message):
    model = zoo.build("embedding_pooling", vocab_size=20, max_length=4)
    with pytest.raises(ValueError, match=r"compile_model: learning_rate .*" + re.escape(message)):
        zoo.compile_model(model, learning_rate=learning_rate)
    assert zoo.compile_model(model, learning_rate=np.float32(1e-3)).optimizer is not None


@pytest.mark.one_backend
@pytest.mark.parametrize(
    "values, message",
    [({"batch_size": 0}, "batch_size=0"), ({"batch_size": 1.5}, "batch_size=1.5"),
     ({"batch_size": True}, "batch_size=True"), ({"epochs": 0}, "epochs=0"),
     ({"epochs": "3"}, "epochs='3'")],
)
def test_check_training_values_refuses_batch_sizes_and_epochs(values, message):
    from keras_seqzoo.compiling import check_training_values

    with pytest.raises(ValueError, match=r"my_script: \w+ must be an integer >= 1\. Received: "
                       + re.escape(message)):
        check_training_values("my_script", **values)
    check_training_values("my_script", batch_size=np.int64(32), epochs=np.int32(2))
