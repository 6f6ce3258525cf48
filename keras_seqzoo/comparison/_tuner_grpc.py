"""keras-tuner's gRPC service: the one module that imports ``keras_tuner.src``.

keras-tuner serves its oracle over gRPC (``keras_tuner.src.distribute``) but
exports neither the servicer nor the generated stubs. Everything the runner
needs from there goes through this module, which refuses a keras-tuner outside
the range it was checked against (:data:`SUPPORTED_KERAS_TUNER`); a test pins
the range.

Not used: ``keras_tuner.src.distribute.oracle_chief.start_server``. It binds
the address from the environment with no way to add an interceptor (so no
token check), and it blocks, polling every 20 s, until the search ends; the
runner's chief (:mod:`~keras_seqzoo.comparison.distributed`) builds the same
server with keras-tuner's ``OracleServicer`` and adds the token interceptor.
"""

from __future__ import annotations

from typing import Any

__all__ = ["SUPPORTED_KERAS_TUNER", "add_servicer", "check_version", "oracle_stub"]

#: The keras-tuner versions whose private gRPC modules this module was checked
#: against: ``(lowest, first unsupported)``.
SUPPORTED_KERAS_TUNER = ("1.4.0", "1.5.0")


def _version_tuple(text: str) -> tuple[int, ...]:
    parts = []
    for part in text.split("."):
        digits = "".join(c for c in part if c.isdigit())
        if not digits:
            break
        parts.append(int(digits))
    return tuple(parts)


def check_version(version: str | None = None) -> None:
    """Refuses a keras-tuner whose gRPC modules were not checked.

    Args:
        version: the version to check; ``None`` is the installed keras-tuner's.

    Raises:
        ImportError: outside :data:`SUPPORTED_KERAS_TUNER`, with the install command.
    """
    if version is None:
        import keras_tuner

        version = keras_tuner.__version__
    low, high = SUPPORTED_KERAS_TUNER
    if not _version_tuple(low) <= _version_tuple(version) < _version_tuple(high):
        raise ImportError(
            f"compare: distributed runs use keras-tuner's private gRPC service, checked with "
            f"keras-tuner >={low},<{high}; keras-tuner {version} is installed. Install a "
            f"supported one (pip install 'keras-tuner>={low},<{high}') or run in one process "
            "(unset KERASTUNER_ORACLE_IP)."
        )


def add_servicer(oracle: Any, server: Any) -> Any:
    """Adds keras-tuner's ``OracleServicer`` for ``oracle`` to a ``grpc.Server``.

    Returns:
        The servicer.
    """
    check_version()
    from keras_tuner.src import protos
    from keras_tuner.src.distribute.oracle_chief import OracleServicer

    servicer = OracleServicer(oracle)
    protos.get_service_grpc().add_OracleServicer_to_server(servicer, server)
    return servicer


def oracle_stub(channel: Any) -> Any:
    """keras-tuner's ``OracleStub`` on a ``grpc.Channel`` (what its ``OracleClient`` holds)."""
    check_version()
    from keras_tuner.src import protos

    return protos.get_service_grpc().OracleStub(channel)
