"""Registry behaviour: listing, tags, registration, duplicates, errors, entry points."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest

import keras_seqzoo as zoo
from keras_seqzoo import _registry

# The registry's listing, metadata and argument checks are the same under every Keras
# backend (scripts/test.sh runs them under one); tests/test_models.py builds and trains
# every builder under each backend.
pytestmark = pytest.mark.one_backend


def test_list_models_builders_sorted():
    assert zoo.list_models() == [
        "bigru", "bigru_attention", "bilstm", "conv1d", "embedding_flatten", "embedding_pooling",
        "fasttext", "mingru", "stacked_bilstm", "tcn", "transformer_encoder",
    ]


def test_list_models_wildcards_presets_and_tags():
    assert zoo.list_models("*lstm*") == ["bilstm", "stacked_bilstm"]
    lstm = zoo.list_models("*lstm*", presets=True)
    assert "bilstm.imdb_words10k" in lstm and "bigru.imdb_words10k" not in lstm
    assert zoo.list_models(["conv*", "*gru"]) == ["bigru", "conv1d", "mingru"]
    assert zoo.list_models(tags="convolutional") == ["conv1d", "tcn"]
    assert zoo.list_models(tags=("recurrent", "lstm")) == ["bilstm", "stacked_bilstm"]
    assert zoo.list_models("*.imdb_words10k", presets=True) == [
        "bigru.imdb_words10k", "bigru_attention.imdb_words10k", "bilstm.imdb_words10k",
        "conv1d.imdb_words10k", "embedding_flatten.imdb_words10k",
        "embedding_pooling.imdb_words10k", "fasttext.imdb_words10k", "mingru.imdb_words10k",
        "tcn.imdb_words10k", "transformer_encoder.imdb_words10k",
    ]
    assert zoo.list_models("nothing*") == []


@pytest.fixture
def scratch_names():
    names = []
    yield names
    for name in names:
        try:
            zoo.unregister(name)
        except KeyError:
            pass


def _tiny(*, vocab_size: int = 20, max_length: int = 8) -> keras.Model:
    """A tiny test model."""
    inputs = keras.Input((max_length,), dtype="int32")
    x = keras.layers.Embedding(vocab_size, 4)(inputs)
    x = keras.layers.GlobalAveragePooling1D()(x)
    return keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid")(x))


def test_register_decorator_and_build(scratch_names):
    scratch_names.append("my_cnn")

    @zoo.register("my_cnn", tags=("convolutional", "mine"))
    def my_cnn(*, vocab_size: int = 20, max_length: int = 8):
        """My tiny CNN."""
        return _tiny(vocab_size=vocab_size, max_length=max_length)

    assert "my_cnn" in zoo.list_models(tags="mine")
    assert zoo.describe("my_cnn")["description"] == "My tiny CNN."
    model = zoo.build("my_cnn", max_length=5)
    assert model.inputs[0].shape == (None, 5)
    assert model.seqzoo_config == {
        "builder": "my_cnn", "preset": None, "arguments": {"vocab_size": 20, "max_length": 5}
    }


def test_bare_decorator_uses_function_name(scratch_names):
    scratch_names.append("plain_builder")

    @zoo.register
    def plain_builder(*, vocab_size: int = 20):
        return _tiny(vocab_size=vocab_size)

    assert zoo.get_model("plain_builder").builder is plain_builder


def test_duplicate_name_is_an_error_unless_override(scratch_names):
    with pytest.raises(ValueError, match="already registered.*override=True"):
        zoo.register("bilstm")(_tiny)
    scratch_names.append("dup")
    zoo.register("dup")(_tiny)
    zoo.register("dup", override=True, description="second")(_tiny)
    assert zoo.get_model("dup").description == "second"
    with pytest.raises(ValueError, match="already registered"):
        zoo.register_preset("bilstm.imdb_words10k", {"units": 4})


def test_presets_of_user_builders(scratch_names):
    scratch_names.append("tiny")
    zoo.register("tiny")(_tiny)
    zoo.register_preset("tiny.short", {"max_length": 3}, aliases=("tiny_short",))
    assert zoo.build("tiny.short").inputs[0].shape == (None, 3)
    assert zoo.build("tiny_short").inputs[0].shape == (None, 3)
    with pytest.raises(ValueError, match="'max_length' must be an integer"):
        zoo.register_preset("tiny.bad", {"max_length": "long"})
    with pytest.raises(ValueError, match="arch.tag"):
        zoo.register_preset("tinyshort", {})
    zoo.unregister("tiny")
    assert "tiny.short" not in zoo.list_models(presets=True)


@pytest.mark.parametrize("bad", ["", "a.b", "x*", "two words"])
def test_invalid_builder_names(bad):
    with pytest.raises(ValueError, match="name must be"):
        zoo.register(bad)(_tiny)


def test_search_space_must_name_arguments_and_contain_defaults(scratch_names):
    from keras_seqzoo.space import Choice

    with pytest.raises(ValueError, match="not an argument"):
        zoo.register("s1", search_space={"units": Choice([1, 2])})(_tiny)
    with pytest.raises(ValueError, match="must contain the builder's default"):
        zoo.register("s2", search_space={"max_length": Choice([4, 16])})(_tiny)
    assert "s1" not in zoo.list_models() and "s2" not in zoo.list_models()


def test_unknown_model_suggests_closest_names():
    with pytest.raises(zoo.UnknownModelError, match="Did you mean 'bilstm'") as info:
        zoo.build("bilstn")
    assert isinstance(info.value, KeyError) and isinstance(info.value, ValueError)
    assert "list_models" in str(info.value)
    with pytest.raises(KeyError, match="'bigru.imdb_words10k'"):
        zoo.build("bigru.imdb_word10k")
    with pytest.raises(KeyError, match="Did you mean 'bilstm"):
        zoo.describe("lstm")


@pytest.mark.parametrize(
    "builder, kwargs, message",
    [
        ("bilstm", {"units": 0}, r"'bilstm': argument 'units' must be an integer >= 1. Received: units=0"),
        ("bilstm", {"vocab_size": 1}, r"'vocab_size' must be an integer >= 2"),
        ("bigru", {"dropout": 1.0}, r"'dropout' must be a number in \[0.0, 1.0\)"),
        ("bigru", {"dropout": -0.1}, r"Received: dropout=-0.1"),
        ("conv1d", {"pooling": "mean"}, r"'pooling' must be one of 'average', 'max'"),
        ("conv1d", {"kernel_size": 7, "max_length": 5}, r"'kernel_size' must be at most max_length=5"),
        ("embedding_flatten", {"max_length": None}, r"'max_length' must be an integer >= 1\."),
        ("bilstm", {"units": 3.5}, r"'units' must be an integer"),
        ("bilstm", {"bidirectional": "yes"}, r"'bidirectional' must be one of True, False"),
        ("stacked_bilstm", {"units": ()}, r"non-empty tuple of ints, each >= 1"),
        ("stacked_bilstm", {"units": (8, 0)}, r"Received: units=\(8, 0\)"),
        ("bilstm", {"unit": 3}, r"has no argument 'unit'. Did you mean 'units'\?"),
        ("bilstm.imdb_words10k", {"num_classes": 1}, r"'num_classes' must be an integer >= 2"),
    ],
)
def test_invalid_arguments_name_builder_argument_and_allowed(builder, kwargs, message):
    with pytest.raises(ValueError, match=message):
        zoo.build(builder, **kwargs)


def test_describe_reports_arguments_defaults_and_choices():
    info = zoo.describe("conv1d")
    assert info["builder"] == "conv1d" and "convolutional" in info["tags"]
    assert info["arguments"]["pooling"]["choices"] == ["average", "max"]
    assert info["arguments"]["kernel_size"]["default"] == 5
    assert info["arguments"]["dropout"]["allowed"] == "a number in [0.0, 1.0)"
    assert info["search_space"]["filters"] == {"type": "Choice", "values": [32, 64, 128, 256]}
    preset = zoo.describe("conv1d.words1k_len120")
    assert preset["arguments"]["vocab_size"]["default"] == 1000
    assert preset["preset"]["reference"] == "T3"
    assert preset["preset"]["slide_total"] == 29489
    text = zoo.format_description("conv1d.words1k_len120")
    assert "reproduces: table T3" in text and "pooling" in text and "'max'" in text


ENTRY_POINT_PLUGIN = """
import keras
import numpy as np
import keras_seqzoo as zoo

@zoo.register("plugin_model", tags=("plugin",), description="From a plugin package.")
def plugin_model(*, vocab_size: int = 30, max_length: int = 6):
    inputs = keras.Input((max_length,), dtype="int32")
    x = keras.layers.Embedding(vocab_size, 2)(inputs)
    x = keras.layers.Flatten()(x)
    return keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid")(x))
"""


@pytest.mark.one_backend
def test_entry_point_plugin_loads_lazily(tmp_path):
    """A real installed distribution (dist-info on sys.path) registers through the group."""
    site = tmp_path / "site"
    package = site / "seqzoo_plugin_demo"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(ENTRY_POINT_PLUGIN)
    dist = site / "seqzoo_plugin_demo-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: seqzoo-plugin-demo\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        "[keras_seqzoo.models]\ndemo = seqzoo_plugin_demo\n"
    )
    script = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {str(site)!r})
        import keras_seqzoo as zoo
        assert "seqzoo_plugin_demo" not in sys.modules, "loaded too early"
        names = zoo.list_models(tags="plugin")
        assert names == ["plugin_model"], names
        assert "seqzoo_plugin_demo" in sys.modules
        print(zoo.build("plugin_model").count_params())
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == str(30 * 2 + 6 * 2 + 1)


def test_broken_plugin_is_reported_not_fatal(tmp_path, monkeypatch, caplog):
    import importlib.metadata as md

    broken = md.EntryPoint(name="broken", value="no_such_module_xyz", group=_registry.ENTRY_POINT_GROUP)
    monkeypatch.setattr(md, "entry_points", lambda group=None: [broken])
    monkeypatch.setattr(_registry, "_loaded", False)
    with caplog.at_level("WARNING"):
        assert "bilstm" in zoo.list_models()
    assert "no_such_module_xyz" in caplog.text


# -- NumPy numbers, NaN, memory (issue 14, item 9) ------------------------------------------


def test_numpy_numbers_are_accepted_and_recorded_as_python_numbers():
    model = zoo.build(
        "embedding_pooling", vocab_size=np.int32(30), embedding_dim=np.int64(4),
        max_length=np.int64(6), dense_units=np.uint8(2), dropout=np.float32(0.25),
        mask_zero=np.bool_(False),
    )
    arguments = model.seqzoo_config["arguments"]
    assert arguments["dense_units"] == 2 and type(arguments["dense_units"]) is int
    assert arguments["dropout"] == pytest.approx(0.25) and type(arguments["dropout"]) is float
    assert arguments["mask_zero"] is False
    json.dumps(model.seqzoo_config)  # plain data, saved with the model
    assert any(isinstance(layer, keras.layers.Dropout) for layer in model.layers)
    _, _, stacked = _registry.resolved_arguments("stacked_bilstm", units=np.array([4, 2]))
    assert stacked["units"] == (4, 2) and all(type(u) is int for u in stacked["units"])


@pytest.mark.one_backend
@pytest.mark.parametrize("nan", [float("nan"), np.nan, np.float32("nan")])
def test_nan_dropout_is_refused(nan):
    with pytest.raises(ValueError, match=r"'bigru': argument 'dropout' must be a number in "
                                         r"\[0.0, 1.0\)\. Received: dropout=nan"):
        zoo.build("bigru", dropout=nan)


@pytest.mark.one_backend
def test_an_embedding_larger_than_the_machine_is_refused_by_build(monkeypatch):
    from keras_seqzoo import _arguments

    memory = _arguments.total_memory()
    assert memory and memory > 2**30  # read with os.sysconf
    if memory < 10**9 * 16 * 16:  # the example, on any usual machine
        with pytest.raises(ValueError, match=r"vocab_size=1000000000 x embedding_dim=16 needs "
                                             r"about 238\.4 GiB to train"):
            zoo.build("embedding_pooling", vocab_size=10**9)
    monkeypatch.setattr(_arguments, "total_memory", lambda: 2**20)
    with pytest.raises(ValueError) as info:
        zoo.build("bilstm.imdb_words10k")
    message = str(info.value)
    assert "Builder 'bilstm.imdb_words10k'" in message
    assert "vocab_size=10000 x embedding_dim=16 needs about 2.4 MiB" in message  # 10000*16*4*4
    assert "this machine's 1.0 MiB of memory" in message and "Lower vocab_size" in message
    assert _registry.resolved_arguments("bilstm", vocab_size=100, embedding_dim=4)  # 6.4 KB fits
