"""What a run ran on: process index, versions, device and input shape.

Shared by :class:`~keras_seqzoo.callbacks.HistoryExporter` (``run.json``) and
:class:`~keras_seqzoo.callbacks.EpochTimer` (only process 0 prints; batch size
and sequence length from the model's input shape). Nothing here identifies the
machine or the user: no host name, process id or path (see :func:`environment`).
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import platform
import sys
from typing import Any

import keras


def process_index() -> int:
    """The index of this process in multi-process training (0 when alone).

    JAX: ``jax.process_index()``. TensorFlow: the ``TF_CONFIG`` task (the chief,
    or worker 0 when there is no chief, is process 0; ``ps`` and ``evaluator``
    tasks are not). PyTorch: ``torch.distributed.get_rank()`` when initialized.
    Otherwise the ``RANK`` (then ``LOCAL_RANK``) environment variable.

    Returns:
        The process index; ``-1`` for TensorFlow tasks that never write.
    """
    backend = keras.backend.backend()
    if backend == "jax":
        try:
            import jax

            return int(jax.process_index())
        except Exception:  # pragma: no cover - jax not usable
            pass
    elif backend == "tensorflow" and os.environ.get("TF_CONFIG"):
        try:
            config = json.loads(os.environ["TF_CONFIG"])
            task = config.get("task", {})
            kind, index = task.get("type"), int(task.get("index", 0))
            if kind == "chief":
                return 0
            if kind == "worker":
                return index + 1 if config.get("cluster", {}).get("chief") else index
            if kind:
                return -1  # ps, evaluator: never process 0
        except (ValueError, TypeError, AttributeError):
            pass
    elif backend == "torch":
        torch = sys.modules.get("torch")
        try:
            if torch is not None and torch.distributed.is_available():
                if torch.distributed.is_initialized():
                    return int(torch.distributed.get_rank())
        except Exception:  # pragma: no cover
            pass
    for variable in ("RANK", "LOCAL_RANK"):
        value = os.environ.get(variable)
        if value not in (None, ""):
            try:
                return int(value)
            except ValueError:
                pass
    return 0


def backend_version(backend: str) -> str | None:
    """The installed version of a Keras backend's package (``None`` if unknown)."""
    for package in {"tensorflow": ("tensorflow", "tensorflow-cpu"), "jax": ("jax",),
                    "torch": ("torch",), "numpy": ("numpy",)}.get(backend, (backend,)):
        try:
            return importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            continue
    return None


def device(backend: str) -> str | None:
    """The accelerator in use, from the backend already imported by Keras."""
    try:
        if backend == "jax":
            import jax

            first = jax.devices()[0]
            return f"{first.platform}:{getattr(first, 'device_kind', '')}".rstrip(":")
        if backend == "tensorflow":
            import tensorflow as tf  # already imported: it is the backend

            gpus = tf.config.list_logical_devices("GPU")
            return ", ".join(d.name for d in gpus) if gpus else "CPU"
        if backend == "torch":
            import torch

            if torch.cuda.is_available():
                return f"cuda:{torch.cuda.get_device_name(0)}"
            return "cpu"
    except Exception:  # pragma: no cover - never fail a run over metadata
        return None
    return None


def environment() -> dict[str, Any]:
    """The software and hardware a run used, for ``run.json``.

    Returns:
        ``keras_version``, ``backend``, ``backend_version``, ``device``,
        ``python``, ``platform`` (OS and architecture, e.g. ``"Linux-x86_64"``)
        and ``process_index``. No host name, process id, user name
        or path: the files can be shared as they are.
    """
    backend = keras.backend.backend()
    return {
        "keras_version": keras.__version__,
        "backend": backend,
        "backend_version": backend_version(backend),
        "device": device(backend),
        "python": platform.python_version(),
        "platform": f"{platform.system()}-{platform.machine()}",
        "process_index": process_index(),
    }


def input_shape(model: Any) -> tuple | None:
    """The shape of a single-input model's input, or ``None``."""
    try:
        inputs = model.inputs
        if inputs and len(inputs) == 1:
            shape = tuple(inputs[0].shape)
            if all(d is None or isinstance(d, int) for d in shape):
                return shape
    except Exception:
        pass
    return None


def batch_size_of(model: Any) -> int | None:
    """The static batch size of a model's input, or ``None``."""
    shape = input_shape(model)
    return shape[0] if shape and isinstance(shape[0], int) else None


def sequence_length_of(model: Any) -> int | None:
    """The static sequence length of a ``(batch, length)`` input, or ``None``."""
    shape = input_shape(model)
    if shape and len(shape) == 2 and isinstance(shape[1], int):
        return shape[1]
    return None
