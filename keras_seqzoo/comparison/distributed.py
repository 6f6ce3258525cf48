"""The distributed runner: the chief that serves the oracle, the workers that train.

keras-tuner's own environment variables choose the role
(``KERASTUNER_TUNER_ID``, ``KERASTUNER_ORACLE_IP``, ``KERASTUNER_ORACLE_PORT``):
the process whose id contains ``chief`` serves the oracle over gRPC, the
others train.

keras-tuner's gRPC service has no authentication of its own: any peer that
reaches the port can claim trials, report metrics or rewrite a trial. So:

- the chief binds only the address given (``127.0.0.1`` for one host);
- with ``KERASTUNER_...`` and :data:`TOKEN_ENV` (``KERAS_SEQZOO_ORACLE_TOKEN``)
  set, the chief refuses every call that does not carry that token
  (``UNAUTHENTICATED``, through a server interceptor) and the workers send it
  (call metadata). The token travels in clear text: on a network you do not
  trust, tunnel the port (e.g. ``ssh -L``).
"""

from __future__ import annotations

import collections
import contextlib
import hmac
import ipaddress
import os
import time
from typing import Any, Callable, Iterator

__all__ = [
    "CHIEF_TIMEOUT",
    "TOKEN_ENV",
    "TOKEN_METADATA",
    "attach_token",
    "chief_address",
    "distributed_role",
    "rpc_errors",
    "serve_oracle",
    "wait_for_chief",
    "wait_until_done",
]

#: Seconds a worker waits for the chief oracle before it gives up with an error.
CHIEF_TIMEOUT = 20.0
#: Seconds the chief waits for a worker with no trial that stopped talking to it.
SILENT_WORKER = 30.0
#: The environment variable holding the shared secret of the chief and its workers.
TOKEN_ENV = "KERAS_SEQZOO_ORACLE_TOKEN"
#: The gRPC metadata key the token travels in.
TOKEN_METADATA = "seqzoo-oracle-token"


def distributed_role() -> str | None:
    """``"chief"``, ``"worker"`` or ``None`` (one process), from keras-tuner's variables.

    Raises:
        ValueError: ``KERASTUNER_ORACLE_IP`` set without the two others.
    """
    if "KERASTUNER_ORACLE_IP" not in os.environ:
        return None
    missing = [v for v in ("KERASTUNER_ORACLE_PORT", "KERASTUNER_TUNER_ID")
               if not os.environ.get(v)]
    if missing:
        raise ValueError(
            f"compare: KERASTUNER_ORACLE_IP is set but {' and '.join(missing)} is not. Set all "
            "three (KERASTUNER_TUNER_ID=chief for the process that serves the oracle, a unique "
            "id such as worker0 for each worker) or none for a single process."
        )
    return "chief" if "chief" in os.environ["KERASTUNER_TUNER_ID"] else "worker"


def chief_address() -> str:
    """``host:port`` of the chief, from ``KERASTUNER_ORACLE_IP`` and ``KERASTUNER_ORACLE_PORT``."""
    host = os.environ["KERASTUNER_ORACLE_IP"]
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"  # an IPv6 address
    return f"{host}:{os.environ['KERASTUNER_ORACLE_PORT']}"


def _token() -> str | None:
    return os.environ.get(TOKEN_ENV) or None


def _no_chief(timeout: float, where: str) -> ConnectionError:
    return ConnectionError(
        f"{where}: the chief oracle at {chief_address()} (KERASTUNER_ORACLE_IP:"
        f"KERASTUNER_ORACLE_PORT) did not answer within {timeout:.0f} s. Start the chief "
        "first (the same command with KERASTUNER_TUNER_ID=chief), check that it is still "
        "running, check the address and port, or unset KERASTUNER_ORACLE_IP to run in one "
        "process."
    )


def wait_for_chief(timeout: float, *, where: str = "compare") -> None:
    """Raises ``ConnectionError`` when the chief oracle does not answer within ``timeout``.

    Args:
        timeout: seconds to wait.
        where: the function named in the error (``"compare"``, ``"tune"``).
    """
    import grpc

    channel = grpc.insecure_channel(chief_address())
    try:
        grpc.channel_ready_future(channel).result(timeout=timeout)
    except grpc.FutureTimeoutError:
        raise _no_chief(timeout, where) from None
    finally:
        channel.close()


@contextlib.contextmanager
def rpc_errors(where: str = "compare", timeout: float | None = None) -> Iterator[None]:
    """Turns a worker's gRPC failures into the errors its users read.

    ``UNAUTHENTICATED`` (the chief refused the token) becomes ``PermissionError``;
    ``DEADLINE_EXCEEDED`` or ``UNAVAILABLE`` (no chief within the calls' ``timeout``,
    see :func:`attach_token`) becomes ``ConnectionError``.
    """
    import grpc

    try:
        yield
    except grpc.RpcError as error:
        code = error.code()  # type: ignore[attr-defined]
        if code == grpc.StatusCode.UNAUTHENTICATED:
            raise PermissionError(
                f"{where}: the chief at {chief_address()} refused this worker: "
                f"set the same {TOKEN_ENV} as the chief's."
            ) from None
        if timeout is not None and code in (grpc.StatusCode.DEADLINE_EXCEEDED,
                                            grpc.StatusCode.UNAVAILABLE):
            raise _no_chief(timeout, where) from None
        raise


def _token_interceptor(token: str) -> Any:
    import grpc

    expected = token.encode("utf-8")

    def refuse(request: Any, context: Any) -> None:
        context.abort(grpc.StatusCode.UNAUTHENTICATED,
                      f"this oracle needs the token of ${TOKEN_ENV}")

    refusal = grpc.unary_unary_rpc_method_handler(refuse)

    class TokenInterceptor(grpc.ServerInterceptor):
        """Lets through only calls whose metadata carries the token."""

        def intercept_service(self, continuation: Callable, handler_call_details: Any) -> Any:
            given = dict(handler_call_details.invocation_metadata or ()).get(TOKEN_METADATA, "")
            if isinstance(given, str):
                given = given.encode("utf-8")
            if hmac.compare_digest(given, expected):
                return continuation(handler_call_details)
            return refusal

    return TokenInterceptor()


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return host == "localhost"


def serve_oracle(oracle: Any, *, verbose: int = 1) -> Any:
    """The chief: serves ``oracle`` over gRPC at the given address only; returns the server.

    keras-tuner's ``OracleServicer`` answers; with :data:`TOKEN_ENV` set, an
    interceptor refuses calls without the token (``UNAUTHENTICATED``).

    Raises:
        OSError: the address cannot be bound (in use, or not this machine's).
    """
    from concurrent import futures

    import grpc

    from keras_seqzoo.comparison import _tuner_grpc

    token = _token()
    interceptors = [_token_interceptor(token)] if token else []
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=1), interceptors=interceptors)
    _tuner_grpc.add_servicer(oracle, server)
    address = chief_address()
    try:
        port = server.add_insecure_port(address)
    except RuntimeError:
        port = 0
    if not port:
        raise OSError(
            f"compare: the chief cannot serve at {address} (KERASTUNER_ORACLE_IP:"
            "KERASTUNER_ORACLE_PORT): the port is in use or the address is not this machine's. "
            "Use 127.0.0.1 for one host, this machine's own address for several, and a free port."
        )
    server.start()
    if verbose and not token and not _is_loopback(os.environ["KERASTUNER_ORACLE_IP"]):
        print(f"compare: warning: the oracle at {address} accepts any peer that reaches it "
              f"(keras-tuner's gRPC has no authentication); set {TOKEN_ENV} on the chief and "
              "the workers", flush=True)
    return server


def attach_token(client: Any, *, timeout: float | None = None) -> None:
    """Makes a worker's keras-tuner ``OracleClient`` send the token with every call.

    keras-tuner's client opens a plain channel; its stub is replaced by one on
    the same address whose calls carry :data:`TOKEN_METADATA`. Without
    :data:`TOKEN_ENV` and ``timeout`` the client is left as it is.

    Args:
        client: the tuner's ``oracle`` on a worker (keras-tuner's ``OracleClient``).
        timeout: when given, no call waits longer than this many seconds for the
            chief (keras-tuner's own client waits up to an hour); a call past it
            raises ``grpc.RpcError`` (``DEADLINE_EXCEEDED``), which
            :func:`rpc_errors` turns into ``ConnectionError``.
    """
    token = _token()
    if (not token and timeout is None) or not hasattr(client, "stub"):
        return
    import grpc

    from keras_seqzoo.comparison import _tuner_grpc

    class Details(collections.namedtuple(  # type: ignore[misc]
            "Details", ["method", "timeout", "metadata", "credentials", "wait_for_ready",
                        "compression"]), grpc.ClientCallDetails):
        """A call's details with the token added (gRPC's documented interceptor pattern)."""

    class AddToken(grpc.UnaryUnaryClientInterceptor):
        def intercept_unary_unary(self, continuation: Callable, details: Any, request: Any) -> Any:
            metadata = [*(details.metadata or ())]
            if token:
                metadata.append((TOKEN_METADATA, token))
            deadline = details.timeout
            if timeout is not None:
                deadline = timeout if deadline is None else min(deadline, timeout)
            return continuation(Details(details.method, deadline, metadata,
                                        details.credentials, details.wait_for_ready,
                                        getattr(details, "compression", None)), request)

    channel = grpc.intercept_channel(grpc.insecure_channel(chief_address()), AddToken())
    client.stub = _tuner_grpc.oracle_stub(channel)


def wait_until_done(oracle: Any) -> None:
    """Returns when every trial has ended and every worker was told to stop (or went silent).

    keras-tuner's own chief checks this every 20 s; here it is 0.2 s, and a worker that
    died between two trials (it holds none) is let go after ``SILENT_WORKER`` seconds.
    """
    while True:
        time.sleep(0.2)
        if not oracle.done():
            continue
        now = time.monotonic()
        for tuner_id in list(oracle.tuner_ids):
            if oracle.silent_since(tuner_id, now) > SILENT_WORKER:
                oracle.tuner_ids.discard(tuner_id)
        if not oracle.tuner_ids:
            return
