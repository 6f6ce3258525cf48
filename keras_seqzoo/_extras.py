"""Optional features and the extras that install them.

The core install (``pip install keras-seqzoo``) is Keras and NumPy: the registry,
the builders, the callbacks and the ``seqzoo`` command. Other features need an
extra; used without it, they raise :class:`MissingExtraError`, one line that
names the extra and the command that installs it:

```
keras_seqzoo.tuning needs the 'tuner' extra: pip install "keras-seqzoo[tuner]" (No module named 'keras_tuner')
```

Example (in a module of the package):

```python
from keras_seqzoo._extras import require
keras_tuner = require("tuner", "keras_tuner")
```
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import sys
from pathlib import Path
from types import ModuleType

__all__ = [
    "EXTRAS",
    "MODULE_EXTRAS",
    "MissingExtraError",
    "backend_problem",
    "import_feature",
    "install_command",
    "require",
]

#: Each extra and what it is for.
EXTRAS = {
    "data": "keras_seqzoo.datasets: TensorFlow (tf.data, TextVectorization), tensorflow-datasets",
    "tuner": "keras_seqzoo.tuning: keras-tuner, scikit-learn, tensorboard",
    "plots": "keras_seqzoo.plots and the comparison's figures: matplotlib",
    "pandas": "data frames of histories and comparison tables: pandas",
    "compare": "seqzoo compare / reproduce: data, tuner, plots and pandas",
    "jax": "the JAX backend (CPU build)",
    "torch": "the PyTorch backend",
    "docs": "building the documentation",
    "test": "running the tests",
    "all": "every user feature (data, tuner, plots, pandas; no backend)",
}

#: The extra that installs each third-party module (by its top-level name).
MODULE_EXTRAS = {
    "tensorflow": "data",
    "tensorflow_datasets": "data",
    "importlib_resources": "data",
    "keras_tuner": "tuner",
    "sklearn": "tuner",
    "six": "tuner",
    "tensorboard": "tuner",
    "matplotlib": "plots",
    "pandas": "pandas",
    "jax": "jax",
    "jaxlib": "jax",
    "torch": "torch",
}

#: The module each Keras backend needs.
_BACKEND_MODULES = {"tensorflow": "tensorflow", "jax": "jax", "torch": "torch", "numpy": "numpy"}
_BACKEND_EXTRAS = {"tensorflow": "data", "jax": "jax", "torch": "torch"}
_TORCH_CPU = "for the CPU build first: pip install torch --index-url https://download.pytorch.org/whl/cpu"


class MissingExtraError(ModuleNotFoundError):
    """Raised when a feature is used without the extra that installs what it needs.

    Attributes:
        extra: the extra's name, e.g. ``"tuner"``.
    """

    def __init__(self, message: str, *, extra: str, name: str | None = None) -> None:
        super().__init__(message, name=name)
        self.extra = extra


def install_command(extra: str) -> str:
    """Returns the command that installs ``extra``, e.g. ``pip install "keras-seqzoo[data]"``."""
    command = f'pip install "keras-seqzoo[{extra}]"'
    if extra == "torch":
        command += f" ({_TORCH_CPU})"
    return command


def _message(feature: str, extra: str, error: BaseException) -> str:
    return f"{feature} needs the {extra!r} extra: {install_command(extra)} ({error})"


def _caller_module(depth: int = 2) -> str:
    try:
        return str(sys._getframe(depth).f_globals.get("__name__", "keras_seqzoo"))
    except ValueError:  # pragma: no cover - no such frame
        return "keras_seqzoo"


def require(extra: str, module_name: str, *, feature: str | None = None) -> ModuleType:
    """Imports ``module_name``, or raises an error naming the extra that installs it.

    Args:
        extra: the extra that installs the module, e.g. ``"tuner"``.
        module_name: the module to import, e.g. ``"keras_tuner"``.
        feature: what needs it, for the message (default: the calling module's name).

    Returns:
        The imported module.

    Raises:
        MissingExtraError: the module (or one it needs) is not installed.

    Example:

    ```python
    keras_tuner = require("tuner", "keras_tuner")
    ```
    """
    if extra not in EXTRAS:
        raise ValueError(f"require(): unknown extra {extra!r}; known: {', '.join(EXTRAS)}")
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        _raise_if_backend_missing(error)
        what = feature or _caller_module()
        raise MissingExtraError(_message(what, extra, error), extra=extra, name=error.name) from error


def import_feature(module_name: str) -> ModuleType:
    """Imports a module of this package; a missing third-party module names its extra.

    Args:
        module_name: e.g. ``"keras_seqzoo.tuning"``.

    Returns:
        The module.

    Raises:
        MissingExtraError: the module needs an extra that is not installed, or Keras'
            backend is not installed.
    """
    try:
        return importlib.import_module(module_name)
    except MissingExtraError:
        raise
    except ImportError as error:
        # A module may wrap the missing import in its own ImportError: look at the cause.
        missing = error if isinstance(error, ModuleNotFoundError) else error.__cause__
        if not isinstance(missing, ModuleNotFoundError):
            raise
        _raise_if_backend_missing(missing)
        extra = MODULE_EXTRAS.get((missing.name or "").partition(".")[0])
        if extra is None:
            raise
        raise MissingExtraError(_message(module_name, extra, missing), extra=extra,
                                name=missing.name) from error


#: Set by the ``seqzoo`` command for the run it starts: which backend it trains on and why
#: (the runner keeps it in the run's ``comparison.json`` as ``backend_note``).
BACKEND_NOTE_VARIABLE = "_SEQZOO_BACKEND_NOTE"


def keras_backend() -> tuple[str, str]:
    """Returns the backend Keras will use and where that comes from, without importing Keras.

    Returns:
        ``(backend, origin)``: origin is ``"$KERAS_BACKEND"``, the path of
        ``keras.json``, or ``"Keras' default"``.
    """
    if "keras" in sys.modules:
        try:
            return str(sys.modules["keras"].backend.backend()), "the imported Keras"
        except Exception:  # a half-imported keras
            pass
    env = os.environ.get("KERAS_BACKEND")
    if env:
        return env, "$KERAS_BACKEND"
    home = os.environ.get("KERAS_HOME")
    config = Path(home).expanduser() if home else Path.home() / ".keras"
    path = config / "keras.json"
    try:
        backend = json.loads(path.read_text()).get("backend")
        if backend:
            return str(backend), str(path)
    except (OSError, ValueError, AttributeError):
        pass
    return "tensorflow", "Keras' default"


def backend_problem(backend: str | None = None) -> str | None:
    """Returns a one-line message when Keras' backend is not installed, else ``None``.

    Args:
        backend: the backend to check (default: the one Keras will use).

    Returns:
        The message, or ``None`` when the backend's module is importable.
    """
    origin = "--backend"
    if backend is None:
        backend, origin = keras_backend()
    module = _BACKEND_MODULES.get(backend, backend)
    if importlib.util.find_spec(module) is not None:
        return None
    extra = _BACKEND_EXTRAS.get(backend)
    hint = install_command(extra) if extra else f"pip install {module}"
    installed = [b for b in ("jax", "torch", "tensorflow") if importlib.util.find_spec(b)]
    other = (f", or set KERAS_BACKEND to an installed one ({', '.join(installed)})"
             if installed else ", or install another backend: "
             + install_command("jax"))
    return (f"Keras' backend is {backend!r} ({origin}) but {module} is not installed: "
            f"{hint}{other}")


def _raise_if_backend_missing(error: ModuleNotFoundError) -> None:
    """Raises the backend message when ``error`` is Keras failing to import its backend."""
    backend, _ = keras_backend()
    if (error.name or "").partition(".")[0] != _BACKEND_MODULES.get(backend, backend):
        return
    problem = backend_problem()
    if problem is not None:
        extra = _BACKEND_EXTRAS.get(backend, "jax")
        raise MissingExtraError(problem, extra=extra, name=error.name) from error
