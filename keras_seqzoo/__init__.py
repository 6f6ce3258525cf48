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

Importing ``keras_seqzoo`` is light: Keras (for the backend you chose) loads
with the first model built or looked up, TensorFlow only when it is the backend
or a feature needs it; ``datasets``, ``tuning``, ``callbacks``, ``plots`` and
``compare`` load on first use. A feature whose extra is not installed says
which one (``pip install "keras-seqzoo[data]"``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from keras_seqzoo._arguments import Range
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
    register_presets,
    unregister,
)
from keras_seqzoo._version import __version__

if TYPE_CHECKING:  # loaded on first use (they import Keras), see __getattr__
    from keras_seqzoo import callbacks, comparison, datasets, layers, plots, space, tuning
    from keras_seqzoo._model import SeqzooModel
    from keras_seqzoo.comparison import compare, reproduce, tune
    from keras_seqzoo.compiling import check_labels, compile_model
    from keras_seqzoo.exporting import export

# Keras' serialization learns keras_seqzoo's layers (keras_seqzoo.layers) as soon as Keras
# is imported, so saved builder models load without custom_objects; Keras is not imported here.
from keras_seqzoo import _keras_hook  # noqa: E402

_keras_hook.install()

# `from keras_seqzoo import *` gives what the core install has: submodules that need an
# extra (datasets: [data], tuning: [tuner], plots: [plots]) are imported by name.
__all__ = [
    "ModelEntry",
    "Preset",
    "Range",
    "SeqzooModel",
    "UnknownModelError",
    "__version__",
    "build",
    "callbacks",
    "check_labels",
    "compile_model",
    "describe",
    "format_description",
    "get_model",
    "get_preset",
    "layers",
    "list_models",
    "register",
    "register_preset",
    "register_presets",
    "space",
    "unregister",
]

_LAZY_SUBMODULES = {
    "callbacks", "comparison", "datasets", "layers", "metrics", "plots", "results", "serving",
    "space", "tuning",
}
# Names whose modules import Keras, TensorFlow or matplotlib: loaded on first use, so that
# `import keras_seqzoo` (and `seqzoo --help`) stays light.
_LAZY_NAMES = {
    "compare": "comparison",
    "reproduce": "comparison",
    "tune": "comparison",
    "compile_model": "compiling",
    "check_labels": "compiling",
    "export": "exporting",
    "SeqzooModel": "_model",
}


def __getattr__(name: str) -> Any:
    from keras_seqzoo._extras import import_feature

    if name in _LAZY_SUBMODULES:
        return import_feature(f"keras_seqzoo.{name}")
    if name in _LAZY_NAMES:
        module = import_feature(f"keras_seqzoo.{_LAZY_NAMES[name]}")
        value = getattr(module, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'keras_seqzoo' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | _LAZY_SUBMODULES | set(_LAZY_NAMES))
