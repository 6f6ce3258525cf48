"""`import keras_seqzoo` stays light: no TensorFlow on JAX/PyTorch, lazy submodules."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

PROBE = """
import json, sys
import keras_seqzoo as zoo
before = sorted(m for m in ("tensorflow", "keras_tuner", "tensorflow_datasets",
                            "keras_seqzoo.datasets", "keras_seqzoo.tuning") if m in sys.modules)
zoo.build("conv1d.imdb_words10k")  # (Keras' Bidirectional itself imports TF when installed)
after = "tensorflow" in sys.modules
print(json.dumps({"before": before, "after_build": after, "backend": __import__("keras").backend.backend()}))
"""


@pytest.mark.one_backend
@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_import_does_not_import_tensorflow(backend):
    pytest.importorskip(backend)
    env = {**os.environ, "KERAS_BACKEND": backend}
    result = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, env=env, timeout=300
    )
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["backend"] == backend
    assert report["before"] == [], f"imported eagerly: {report['before']}"
    assert report["after_build"] is False


def test_lazy_submodules_and_public_api():
    import keras_seqzoo as zoo

    assert "space" in dir(zoo) and "datasets" in dir(zoo)
    for name in zoo.__all__:
        if name not in {"callbacks", "datasets", "tuning"}:
            assert hasattr(zoo, name), name
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        zoo.nope  # noqa: B018


def test_star_import_needs_only_the_core():
    """`from keras_seqzoo import *` must not import modules that need an extra."""
    import keras_seqzoo as zoo

    assert not {"datasets", "tuning", "plots", "comparison", "compare", "reproduce"} & set(zoo.__all__)
    namespace: dict = {}
    exec("from keras_seqzoo import *", namespace)
    assert {"build", "list_models", "compile_model", "SeqzooModel", "__version__"} <= set(namespace)
