"""keras_seqzoo.layers.LSTM / GRU against keras.layers.LSTM / GRU on the backend under test,
and against a NumPy reference of the equations (tests/recurrent_reference.py): on TensorFlow
the fused layers run Keras' own path, so there the reference is the check that can fail."""

from __future__ import annotations

import logging

import keras
import numpy as np
import pytest

from keras_seqzoo.layers import GRU, LSTM, PLAIN_KERAS_OBJECTS, Bidirectional, recurrent_kernels
from keras_seqzoo.layers.recurrent.jax_scan import gpu as _jax_gpu
from tests import recurrent_reference as reference

BACKEND = keras.backend.backend()
PLAIN = {LSTM: keras.layers.LSTM, GRU: keras.layers.GRU,
         Bidirectional: keras.layers.Bidirectional}
BATCH, STEPS, FEATURES, UNITS = 3, 6, 4, 5
# float32 layers against the float64 reference (a swapped pair of gates is off by 1e-1).
REFERENCE_TOLERANCE = {"rtol": 1e-4, "atol": 1e-5}

# Masks: none; right-padded (lengths 6, 4, 1); with a hole (not right-padded).
MASKS = {
    "none": None,
    "right_padded": np.arange(STEPS)[None, :] < np.array([[6], [4], [1]]),
    "hole": np.array([[1, 1, 0, 1, 1, 1], [1, 1, 1, 1, 0, 0], [0, 1, 1, 1, 1, 1]], bool),
}
JAX_GPU = BACKEND == "jax" and _jax_gpu()
# The kernel each backend's fused layer is expected to run, by mask (JAX on a GPU:
# Keras' cuDNN path without a mask).
EXPECTED_KERNEL = {
    "jax": {"none": "keras" if JAX_GPU else "jax-scan", "right_padded": "jax-scan",
            "hole": "jax-scan"},
    "torch": {"none": "torch-fused", "right_padded": "torch-fused-packed", "hole": "keras"},
    "tensorflow": {"none": "keras", "right_padded": "keras", "hole": "keras"},
}[BACKEND]


def _bidirectional_kernel(mask_name: str) -> str:
    """The kernel both directions of a Bidirectional run, by mask."""
    if JAX_GPU:  # Keras' Bidirectional: its cuDNN call, or each direction's scan
        return EXPECTED_KERNEL[mask_name]
    if BACKEND == "jax":
        return "jax-scan-bidirectional"  # both directions in one scan, any mask
    kernel = EXPECTED_KERNEL[mask_name]
    # PyTorch: both directions in one call of torch's op.
    return kernel + "-bidirectional" if kernel.startswith("torch-fused") else kernel


def _pair(cls, wrap: str, return_sequences: bool, **kwargs):
    """(fast, plain) layers with the same weights; wrap is forward / backwards / bidirectional."""
    layers = []
    for klass in (cls, PLAIN[cls]):
        layer = klass(UNITS, return_sequences=return_sequences,
                      go_backwards=wrap == "backwards", **kwargs)
        if wrap == "bidirectional":
            layer = (Bidirectional if klass is cls else keras.layers.Bidirectional)(layer)
        layer.build((BATCH, STEPS, FEATURES))
        layers.append(layer)
    fast, plain = layers
    rng = np.random.default_rng(1)
    weights = [rng.normal(scale=0.5, size=w.shape).astype("float32") for w in plain.get_weights()]
    plain.set_weights(weights)
    fast.set_weights(weights)
    return fast, plain


def _outputs_and_grads(layer, x, mask, weights, initial=None):
    """Outputs, gradient of sum(outputs * weights) w.r.t. each trainable variable, the
    input and (when given) each initial state."""
    initial = list(initial or [])
    if BACKEND == "jax":
        import jax

        trainable = [v.value for v in layer.trainable_variables]
        non_trainable = [v.value for v in layer.non_trainable_variables]

        def loss(trainable, x, initial):
            out, _ = layer.stateless_call(trainable, non_trainable, x, mask=mask,
                                          **({"initial_state": initial} if initial else {}))
            return (out * weights).sum(), out

        # Without jit the scans run step by step: the same numbers, without
        # compiling a fresh scan for every layer (that took minutes in all).
        with jax.disable_jit():
            (_, out), (grads, x_grad, state_grads) = jax.value_and_grad(
                loss, argnums=(0, 1, 2), has_aux=True)(trainable, x, initial)
        return [np.asarray(a) for a in (out, *grads, x_grad, *state_grads)]
    if BACKEND == "tensorflow":
        import tensorflow as tf

        x = tf.convert_to_tensor(x)
        initial = [tf.convert_to_tensor(s) for s in initial]
        with tf.GradientTape() as tape:
            tape.watch([x, *initial])
            out = layer(x, mask=None if mask is None else tf.constant(mask),
                        **({"initial_state": initial} if initial else {}))
            total = tf.reduce_sum(out * weights)
        grads = tape.gradient(total, [*layer.trainable_variables, x, *initial])
        return [np.asarray(a) for a in (out, *grads)]
    import torch

    device = layer.trainable_variables[0].value.device  # Keras' device (a GPU if any)
    x = torch.tensor(x, requires_grad=True, device=device)
    initial = [torch.tensor(s, requires_grad=True, device=device) for s in initial]
    for variable in layer.trainable_variables:
        variable.value.grad = None
    out = layer(x, mask=None if mask is None else torch.tensor(mask, device=device),
                **({"initial_state": initial} if initial else {}))
    (out * torch.tensor(weights, device=device)).sum().backward()
    grads = [v.value.grad for v in layer.trainable_variables]
    return [a.detach().cpu().numpy() for a in (out, *grads, x.grad, *(s.grad for s in initial))]


def _assert_close(got, want, names, what, **tolerance):
    assert len(got) == len(want) == len(names)
    for name, a, b in zip(names, got, want):
        np.testing.assert_allclose(a, b, err_msg=f"{name}, {what}",
                                   **(tolerance or {"rtol": 1e-5, "atol": 1e-5}))


def _fused_layers(layer):
    return [l for l in (layer, getattr(layer, "forward_layer", None),
                        getattr(layer, "backward_layer", None)) if isinstance(l, (LSTM, GRU))]


# go_backwards alone only with the right-padded mask: Bidirectional covers it otherwise.
CASES = [(wrap, mask) for wrap in ("forward", "bidirectional") for mask in MASKS] + [
    ("backwards", "right_padded")]


@pytest.mark.parametrize(("wrap", "mask_name"), CASES)
@pytest.mark.parametrize("cls", [LSTM, GRU], ids=["lstm", "gru"])
def test_same_outputs_and_gradients_as_keras_and_the_reference(cls, wrap, mask_name):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(BATCH, STEPS, FEATURES)).astype("float32")
    mask = MASKS[mask_name]
    for return_sequences in (True, False):
        fast, plain = _pair(cls, wrap, return_sequences)
        shape = (BATCH, STEPS) if return_sequences else (BATCH,)
        width = UNITS * (2 if wrap == "bidirectional" else 1)
        weights = rng.normal(size=(*shape, width)).astype("float32")
        got = _outputs_and_grads(fast, x, mask, weights)
        want = _outputs_and_grads(plain, x, mask, weights)
        names = ["outputs"] + [v.path for v in plain.trainable_variables] + ["input"]
        what = f"return_sequences={return_sequences}"
        _assert_close(got, want, names, f"against Keras, {what}")
        _assert_close(got, reference.outputs_and_gradients(plain, x, mask, weights), names,
                      f"against the reference, {what}", **REFERENCE_TOLERANCE)
        kernels = {l.kernel_name for l in _fused_layers(fast)}
        expected = (_bidirectional_kernel(mask_name) if wrap == "bidirectional"
                    else EXPECTED_KERNEL[mask_name])
        assert kernels == {expected}


@pytest.mark.parametrize("cls", [LSTM, GRU], ids=["lstm", "gru"])
def test_states_and_initial_state_match_keras_and_the_reference(cls):
    rng = np.random.default_rng(2)
    x = rng.normal(size=(BATCH, STEPS, FEATURES)).astype("float32")
    n_states = 2 if cls is LSTM else 1
    initial = [rng.normal(size=(BATCH, UNITS)).astype("float32") for _ in range(n_states)]
    for mask in (None, MASKS["right_padded"]):
        fast, plain = _pair(cls, "forward", True, return_state=True)
        got = [keras.ops.convert_to_numpy(a) for a in fast(x, initial_state=initial, mask=mask)]
        want = [keras.ops.convert_to_numpy(a) for a in plain(x, initial_state=initial, mask=mask)]
        names = ["outputs"] + [f"state {i}" for i in range(n_states)]
        _assert_close(got, want, names, f"against Keras, mask {mask is not None}")
        ref = reference.outputs(plain, x, mask, initial, return_state=True)
        _assert_close(got, ref, names,
                      f"against the reference, mask {mask is not None}", **REFERENCE_TOLERANCE)


@pytest.mark.parametrize("cls", [LSTM, GRU], ids=["lstm", "gru"])
def test_gradients_through_initial_states_and_without_bias_match_keras_and_the_reference(cls):
    rng = np.random.default_rng(4)
    x = rng.normal(size=(BATCH, STEPS, FEATURES)).astype("float32")
    weights = rng.normal(size=(BATCH, STEPS, UNITS)).astype("float32")
    n_states = 2 if cls is LSTM else 1
    initial = [rng.normal(size=(BATCH, UNITS)).astype("float32") for _ in range(n_states)]
    for mask_name in ("none", "right_padded"):
        for kwargs in ({}, {"use_bias": False}):
            fast, plain = _pair(cls, "forward", True, **kwargs)
            got = _outputs_and_grads(fast, x, MASKS[mask_name], weights, initial)
            want = _outputs_and_grads(plain, x, MASKS[mask_name], weights, initial)
            names = (["outputs"] + [v.path for v in plain.trainable_variables] + ["input"]
                     + [f"initial state {i}" for i in range(n_states)])
            what = f"mask {mask_name}, {kwargs}"
            _assert_close(got, want, names, f"against Keras, {what}")
            ref = reference.outputs_and_gradients(plain, x, MASKS[mask_name], weights, initial)
            _assert_close(got, ref, names, f"against the reference, {what}",
                          **REFERENCE_TOLERANCE)
            assert {l.kernel_name for l in _fused_layers(fast)} == {EXPECTED_KERNEL[mask_name]}


@pytest.mark.parametrize("merge_mode", ["concat", "sum", "ave", "mul", None])
def test_bidirectional_merge_modes_match_keras_and_the_reference(merge_mode):
    rng = np.random.default_rng(5)
    x = rng.normal(size=(BATCH, STEPS, FEATURES)).astype("float32")
    for mask in (None, MASKS["right_padded"]):
        for return_sequences in (True, False):
            layers = []
            for klass, wrapper in ((LSTM, Bidirectional), (keras.layers.LSTM,
                                                           keras.layers.Bidirectional)):
                layer = wrapper(klass(UNITS, return_sequences=return_sequences),
                                merge_mode=merge_mode)
                layer.build((BATCH, STEPS, FEATURES))
                layers.append(layer)
            fast, plain = layers
            fast.set_weights(plain.get_weights())
            got, want = fast(x, mask=mask), plain(x, mask=mask)
            ref = reference.outputs(plain, x, mask)
            if merge_mode is None:
                assert isinstance(got, (list, tuple)) and len(got) == len(want) == 2
            else:
                got, want, ref = [got], [want], [ref]
            got = [keras.ops.convert_to_numpy(a) for a in got]
            want = [keras.ops.convert_to_numpy(a) for a in want]
            names = ["outputs"] if merge_mode else ["forward", "backward"]
            what = f"mask {mask is not None}, return_sequences={return_sequences}"
            _assert_close(got, want, names, f"against Keras, {what}")
            _assert_close(got, list(ref), names, f"against the reference, {what}",
                          **REFERENCE_TOLERANCE)
            assert {l.kernel_name for l in _fused_layers(fast)} == {
                _bidirectional_kernel("none" if mask is None else "right_padded")}


def test_gru_reset_before_and_no_bias_match_keras_and_the_reference():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(BATCH, STEPS, FEATURES)).astype("float32")
    pairs = [(f"GRU {kwargs}", _pair(GRU, "bidirectional", True, **kwargs))
             for kwargs in ({"reset_after": False}, {"use_bias": False})]
    pairs.append(("LSTM use_bias=False", _pair(LSTM, "forward", False, use_bias=False)))
    for what, (fast, plain) in pairs:
        got = [keras.ops.convert_to_numpy(fast(x))]
        _assert_close(got, [keras.ops.convert_to_numpy(plain(x))], ["outputs"],
                      f"against Keras, {what}")
        _assert_close(got, [reference.outputs(plain, x)], ["outputs"],
                      f"against the reference, {what}", **REFERENCE_TOLERANCE)


def test_dropout_falls_back_to_keras_and_logs_it(caplog):
    layer = LSTM(UNITS, dropout=0.5)
    with caplog.at_level(logging.DEBUG, logger="keras_seqzoo.layers.recurrent"):
        layer(np.zeros((BATCH, STEPS, FEATURES), "float32"))
    assert layer.kernel_name == "keras"
    assert "kernel keras (dropout or recurrent_dropout)" in caplog.text


def test_same_variables_and_config_as_keras():
    for cls in (LSTM, GRU):
        fast, plain = _pair(cls, "bidirectional", False)
        assert [(v.name, tuple(v.shape)) for v in fast.weights] == [
            (v.name, tuple(v.shape)) for v in plain.weights]
        assert fast.count_params() == plain.count_params()
        config, plain_config = fast.forward_layer.get_config(), plain.forward_layer.get_config()
        assert {**config, "name": None} == {**plain_config, "name": None}


def test_saved_configs_keep_the_module_and_registered_names():
    """.keras files saved before layers/recurrent.py became a package record these names;
    configs saved now are the same, and load back as the fused layers."""
    for layer, name in ((LSTM(UNITS), "LSTM"), (GRU(UNITS), "GRU"),
                        (Bidirectional(LSTM(UNITS)), "Bidirectional")):
        config = keras.saving.serialize_keras_object(layer)
        assert (config["module"], config["registered_name"]) == (
            "keras_seqzoo.layers.recurrent", f"keras_seqzoo>{name}")
        assert type(keras.saving.deserialize_keras_object(config)) is type(layer)
    inner = keras.saving.serialize_keras_object(Bidirectional(GRU(UNITS)))["config"]["layer"]
    assert (inner["module"], inner["registered_name"]) == (
        "keras_seqzoo.layers.recurrent", "keras_seqzoo>GRU")


def _predict(model, x):
    return keras.ops.convert_to_numpy(model(x))


def _model(cls):
    wrapper = Bidirectional if cls in (LSTM, GRU) else keras.layers.Bidirectional
    inputs = keras.Input((STEPS, FEATURES))
    x = wrapper(cls(UNITS, return_sequences=True))(inputs)
    outputs = wrapper(cls(UNITS))(x)
    return keras.Model(inputs, outputs)


@pytest.mark.slow
@pytest.mark.parametrize("cls", [LSTM, GRU], ids=["lstm", "gru"])
def test_weights_and_files_interchange_with_keras(cls, tmp_path):
    x = np.random.default_rng(4).normal(size=(BATCH, STEPS, FEATURES)).astype("float32")
    fast, plain = _model(cls), _model(PLAIN[cls])
    # save_weights / load_weights both ways.
    fast.save_weights(tmp_path / "fast.weights.h5")
    plain.load_weights(tmp_path / "fast.weights.h5")
    np.testing.assert_allclose(_predict(plain, x), _predict(fast, x),
                               rtol=1e-5, atol=1e-5)
    other = _model(PLAIN[cls])
    other.save_weights(tmp_path / "plain.weights.h5")
    fast.load_weights(tmp_path / "plain.weights.h5")
    expected = _predict(other, x)
    np.testing.assert_allclose(_predict(fast, x), expected, rtol=1e-5, atol=1e-5)
    # A .keras file of the fast layers loads without custom_objects (keras_seqzoo
    # is imported) as fast layers, and in plain Keras with PLAIN_KERAS_OBJECTS.
    fast.save(tmp_path / "fast.keras")
    loaded = keras.saving.load_model(tmp_path / "fast.keras")
    assert type(loaded.layers[1].forward_layer) is cls
    np.testing.assert_allclose(_predict(loaded, x), expected, rtol=1e-5, atol=1e-5)
    # Plain Keras (keras_seqzoo's registrations taken out of Keras' global table).
    registered = keras.saving.get_custom_objects()
    saved = {name: registered.pop(name) for name in PLAIN_KERAS_OBJECTS}
    try:
        with pytest.raises(TypeError, match="keras_seqzoo>"):
            keras.saving.load_model(tmp_path / "fast.keras")
        as_plain = keras.saving.load_model(tmp_path / "fast.keras",
                                           custom_objects=PLAIN_KERAS_OBJECTS)
    finally:
        registered.update(saved)
    assert type(as_plain.layers[1].forward_layer) is PLAIN[cls]
    assert type(as_plain.layers[1]) is keras.layers.Bidirectional
    np.testing.assert_allclose(_predict(as_plain, x), expected, rtol=1e-5, atol=1e-5)
    kernels = recurrent_kernels(loaded)
    print(kernels)
    assert len(kernels) == 4 and set(kernels.values()) == {_bidirectional_kernel("none")}
    assert type(loaded.layers[1]) is Bidirectional
    assert recurrent_kernels(as_plain) == {}


@pytest.mark.one_backend
def test_import_keras_seqzoo_registers_the_layers_for_loading():
    import os
    import subprocess
    import sys

    # keras_seqzoo is imported before Keras (its hook registers once Keras loads) and after.
    for order in ("import keras_seqzoo, keras", "import keras, keras_seqzoo"):
        code = (f"{order}; names = keras.saving.get_custom_objects(); "
                "print(sorted(n for n in names if n.startswith('keras_seqzoo>')))")
        env = {**os.environ, "KERAS_BACKEND": "jax", "TF_CPP_MIN_LOG_LEVEL": "3"}
        result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                                text=True, timeout=300)
        assert result.returncode == 0, result.stderr[-2000:]
        names = result.stdout.strip().splitlines()[-1]
        for name in [*PLAIN_KERAS_OBJECTS, "SeqzooModel", "MinGRU", "HashedNgrams"]:
            assert f"'keras_seqzoo>{name.split('>')[-1]}'" in names, (order, name, names)
