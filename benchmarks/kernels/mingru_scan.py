"""Ways to compute the minGRU's states in parallel over time, timed side by side on JAX.

The minGRU's recurrence ``h_t = a_t h_{t-1} + b_t`` (``a_t = 1 - z_t``, ``b_t = z_t h~_t``)
is linear in ``h``, so every state can be computed without a loop over steps. This script
times, forward and backward (``jax.grad`` of a scalar loss, jitted), on the shape of the
``mingru.imdb_words10k`` preset's scan (batch 32, 120 steps, 2 x 64 state units):

- ``associative_scan``: what :func:`keras_seqzoo.layers.min_gru_scan` does,
  ``keras.ops.associative_scan`` over a time-major copy (``O(log T)`` depth, ``O(T)`` work);
- ``chunked-C``: chunks of ``C`` steps; inside a chunk every state is a weighted sum of the
  chunk's inputs with weights ``exp(S_t - S_k)`` (``S`` the cumulative ``log a``, so no
  overflow), then an associative scan over the chunk ends;
- ``blocked-C``: chunks of ``C`` steps scanned step by step inside (all chunks at once),
  then an associative scan over the chunk ends;
- ``hillis-steele``: the doubling scan (``log2 T`` passes over the whole sequence).

Each variant is first checked against a float64 step-by-step loop. Medians over
``--rounds`` rounds of ``--repeats`` calls each; the ratio is to ``associative_scan``.

Run:

```bash
python -m benchmarks.kernels.mingru_scan --text docs/data/benchmarks/mingru_scan.txt
```
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

os.environ.setdefault("KERAS_BACKEND", "jax")

from benchmarks import harness  # noqa: E402  (after the backend is chosen)

MODULE = "benchmarks.kernels.mingru_scan"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--steps", type=int, default=120)
    parser.add_argument("--units", type=int, default=128, help="state width (both directions)")
    parser.add_argument("--repeats", type=int, default=20, help="calls per round and variant")
    harness.add_output_flags(parser, rounds=7)
    args = parser.parse_args()
    if args.quick:
        args.rounds, args.repeats = min(args.rounds, 1), 1
    recording = harness.Recording(MODULE)

    import jax
    import keras
    import numpy as np
    from keras import ops

    from keras_seqzoo.layers.mingru import _compose, min_gru_scan

    if keras.backend.backend() != "jax":
        raise SystemExit("benchmarks.kernels.mingru_scan times jitted JAX functions: "
                         "KERAS_BACKEND=jax")

    def time_major(fn):
        def run(gates, candidates):
            a = ops.transpose(1.0 - gates, (1, 0, 2))
            b = ops.transpose(gates * candidates, (1, 0, 2))
            return ops.transpose(fn(a, b), (1, 0, 2))
        return run

    def scan_chunks(ends_a, ends_b):
        _, carry = ops.associative_scan(_compose, (ends_a, ends_b), axis=0)
        return ops.concatenate([ops.zeros_like(carry[:1]), carry[:-1]], axis=0)

    def chunked(chunk):
        def fn(a, b):
            steps = a.shape[0]
            pad = (-steps) % chunk
            log_a = ops.log(ops.maximum(a, 1e-30))
            if pad:
                log_a = ops.pad(log_a, ((0, pad), (0, 0), (0, 0)))
                b = ops.pad(b, ((0, pad), (0, 0), (0, 0)))
            n = (steps + pad) // chunk
            log_a = ops.reshape(log_a, (n, chunk, *log_a.shape[1:]))
            b = ops.reshape(b, (n, chunk, *b.shape[1:]))
            s = ops.cumsum(log_a, axis=1)
            diff = s[:, :, None] - s[:, None, :]  # (n, t, k, batch, units)
            lower = np.tril(np.ones((chunk, chunk), bool))[None, :, :, None, None]
            inside = ops.sum(ops.exp(ops.where(lower, diff, -1e30)) * b[:, None], axis=2)
            prev = scan_chunks(ops.exp(s[:, -1]), inside[:, -1])
            h = inside + ops.exp(s) * prev[:, None]
            return ops.reshape(h, (n * chunk, *h.shape[2:]))[:steps]
        return fn

    def blocked(chunk):
        def fn(a, b):
            steps = a.shape[0]
            pad = (-steps) % chunk
            if pad:
                a = ops.pad(a, ((0, pad), (0, 0), (0, 0)), constant_values=1.0)
                b = ops.pad(b, ((0, pad), (0, 0), (0, 0)))
            n = (steps + pad) // chunk
            a = ops.reshape(a, (n, chunk, *a.shape[1:]))
            b = ops.reshape(b, (n, chunk, *b.shape[1:]))
            prods, states = [a[:, 0]], [b[:, 0]]
            for j in range(1, chunk):
                prods.append(prods[-1] * a[:, j])
                states.append(a[:, j] * states[-1] + b[:, j])
            prods, states = ops.stack(prods, 1), ops.stack(states, 1)
            prev = scan_chunks(prods[:, -1], states[:, -1])
            h = states + prods * prev[:, None]
            return ops.reshape(h, (n * chunk, *h.shape[2:]))[:steps]
        return fn

    def hillis_steele(a, b):
        shift = 1
        while shift < a.shape[0]:
            padding = [(shift, 0)] + [(0, 0)] * (len(a.shape) - 1)
            b = a * ops.pad(b[:-shift], padding) + b
            a = a * ops.pad(a[:-shift], padding, constant_values=1.0)
            shift *= 2
        return b

    variants = {"associative_scan": min_gru_scan}
    for chunk in (4, 8, 16):
        variants[f"chunked-{chunk}"] = time_major(chunked(chunk))
    for chunk in (4, 8, 16):
        variants[f"blocked-{chunk}"] = time_major(blocked(chunk))
    variants["hillis-steele"] = time_major(hillis_steele)

    rng = np.random.default_rng(0)
    shape = (args.batch, args.steps, args.units)
    pre = (rng.normal(size=shape) * 3).astype("float32")
    candidates = rng.normal(size=shape).astype("float32")
    gates64 = 1 / (1 + np.exp(-pre.astype("float64")))
    h = np.zeros((args.batch, args.units))
    reference = []
    for t in range(args.steps):
        h = (1 - gates64[:, t]) * h + gates64[:, t] * candidates[:, t]
        reference.append(h)
    reference = np.stack(reference, 1)
    gates = gates64.astype("float32")

    grads, lines = {}, []
    for name, fn in variants.items():
        error = float(np.abs(np.asarray(fn(gates, candidates)) - reference).max())
        if error > 1e-4:
            raise SystemExit(f"{name}: differs from the step-by-step loop by {error:.2e}")

        def loss(p, c, fn=fn):
            return ops.sum(fn(jax.nn.sigmoid(p), c) ** 2)

        grads[name] = jax.jit(jax.grad(loss, argnums=(0, 1)))
        jax.block_until_ready(grads[name](pre, candidates))
        lines.append(f"{name}: max |error| vs float64 loop {error:.1e}")
        print(lines[-1], flush=True)

    def timed(fn):
        def run() -> float:
            start = time.perf_counter()
            for _ in range(args.repeats):
                jax.block_until_ready(fn(pre, candidates))
            return (time.perf_counter() - start) / args.repeats * 1000

        return run

    times = harness.alternating_rounds({name: timed(fn) for name, fn in grads.items()},
                                       args.rounds)
    base = statistics.median(times["associative_scan"])
    lines += ["", f"{platform.machine()}, {harness.cpu_model()}, {os.cpu_count()} CPUs, Python "
                  f"{platform.python_version()}, keras {keras.__version__}, jax {jax.__version__}; "
                  f"shape (batch, time, units) = {shape}; forward + backward, median of "
                  f"{args.rounds} rounds x {args.repeats} calls", "",
              "| variant | ms | x associative_scan |", "|---|---:|---:|"]
    for name, values in times.items():
        median = statistics.median(values)
        lines.append(f"| {name} | {median:.2f} | {median / base:.2f} |")
    recording.finish(args, text="\n".join(lines) + "\n",
                     payload={"shape": shape, "rounds": args.rounds, "repeats": args.repeats,
                              "ms_by_round": times, "versions": harness.versions()})


if __name__ == "__main__":
    main()
