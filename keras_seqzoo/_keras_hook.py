"""Registers keras_seqzoo's model class and layers with Keras once Keras is imported.

``import keras_seqzoo`` does not import Keras (so that ``seqzoo --help`` stays
fast), yet a ``.keras`` file saved from a builder must load with
``keras.saving.load_model`` and no ``custom_objects`` after a plain
``import keras_seqzoo``. So: if Keras is already imported, the layers are
registered now; otherwise a one-shot import hook registers them right after
Keras itself has been imported, whoever imports it.
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import logging
import sys
from typing import Any

_logger = logging.getLogger(__name__)


def _register() -> None:
    try:
        import keras_seqzoo._model  # noqa: F401  (SeqzooModel, registers on import)
        import keras_seqzoo.layers  # noqa: F401  (registers on import)
        import keras_seqzoo.metrics  # noqa: F401  (registers on import: compiled .keras files reload)
    except Exception as error:  # never break `import keras` because of us
        _logger.warning("keras_seqzoo could not register its layers: %s", error)


class _Loader(importlib.abc.Loader):
    """Runs Keras' own loader, then registers the layers."""

    def __init__(self, loader: Any):
        self._loader = loader

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module) -> None:
        self._loader.exec_module(module)
        _register()

    def __getattr__(self, name: str) -> Any:  # get_resource_reader, is_package, ...
        return getattr(self._loader, name)


class _AfterKeras(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):
        if fullname != "keras":
            return None
        if self in sys.meta_path:
            sys.meta_path.remove(self)  # one shot; also keeps find_spec below from recursing
        spec = importlib.util.find_spec("keras")
        if spec is None or spec.loader is None:
            return None
        spec.loader = _Loader(spec.loader)
        return spec


def install() -> None:
    """Registers the layers now if Keras is loaded, else right after it is."""
    if "keras" in sys.modules:
        _register()
    elif not any(isinstance(finder, _AfterKeras) for finder in sys.meta_path):
        sys.meta_path.insert(0, _AfterKeras())
