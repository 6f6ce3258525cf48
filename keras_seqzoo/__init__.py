"""keras_seqzoo: sequence (text) classification models for Keras 3.

A registry of model builders with presets that reproduce the slides'
``model.summary()`` tables, callbacks for any ``model.fit``, keras-tuner
integration and reproducible training comparisons.

Example:

```python
import keras_seqzoo as zoo
zoo.list_models()
model = zoo.build("bilstm.imdb_words10k")
zoo.compile_model(model)
```

Importing ``keras_seqzoo`` imports Keras (for the backend you chose) but not
TensorFlow unless that is the backend; ``datasets``, ``tuning``, ``callbacks``
and ``compare`` load on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

from keras_seqzoo._arguments import Range
from keras_seqzoo._model import SeqzooModel
from keras_seqzoo._registry import (
    ModelEntry,
    Preset,
    UnknownModelError,
    build,
    describe,
    format_description,
    get_model,
    get_preset,
    list_models,
    register,
    register_preset,
    unregister,
)
from keras_seqzoo.compiling import compile_model
from keras_seqzoo import layers  # noqa: F401,E402 - registers the custom layers for load_model

__version__ = "0.1.0"

__all__ = [
    "ModelEntry",
    "Preset",
    "Range",
    "SeqzooModel",
    "UnknownModelError",
    "__version__",
    "build",
    "callbacks",
    "compare",
    "compile_model",
    "datasets",
    "describe",
    "format_description",
    "get_model",
    "get_preset",
    "layers",
    "list_models",
    "register",
    "register_preset",
    "reproduce",
    "space",
    "tuning",
    "unregister",
]

_LAZY_SUBMODULES = {"callbacks", "comparison", "datasets", "plots", "space", "tuning"}
# Functions whose modules import TensorFlow or matplotlib: loaded on first use.
_LAZY_FUNCTIONS = {"compare": "comparison", "reproduce": "comparison"}


def __getattr__(name: str) -> Any:
    if name in _LAZY_SUBMODULES:
        return importlib.import_module(f"keras_seqzoo.{name}")
    if name in _LAZY_FUNCTIONS:
        module = importlib.import_module(f"keras_seqzoo.{_LAZY_FUNCTIONS[name]}")
        return getattr(module, name)
    raise AttributeError(f"module 'keras_seqzoo' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | _LAZY_SUBMODULES | set(_LAZY_FUNCTIONS))
