"""The T5 BiLSTM layer alone on JAX, forward and backward, against ``nn.LSTM``, with the
scans that keras_seqzoo tried and did not keep.

``benchmarks.training.torch_twins`` times whole training epochs. This script isolates the
recurrence:
``jax.value_and_grad`` of a scalar loss of the layer's output (jitted), on the T5 shape
(batch 32, 120 steps, 16 features, 2 x 32 units, the last state of each direction), and
the same forward and backward through ``torch.nn.LSTM(bidirectional=True)`` in the same
process:

- ``keras_seqzoo``: ``keras_seqzoo.layers.Bidirectional(LSTM(32))`` (``stateless_call``),
  both directions in one ``lax.scan`` (what the builders use on JAX on a CPU);
- ``keras``: ``keras.layers.Bidirectional(keras.layers.LSTM(32))``, Keras' own JAX path;
- ``block-diagonal``: both directions as one 2-D matmul per step (``[h_f, h_b]`` times a
  block-diagonal recurrent kernel) instead of a batched one;
- ``hoisted``: the input projection of all time steps as one matmul before the scan;
- ``unroll-C``: the scan unrolled ``C`` steps per iteration;
- ``nn.LSTM``: PyTorch's fused LSTM (oneDNN on a CPU), the PyTorch user's choice.

Every variant starts from the keras_seqzoo layer's weights and is checked against it (loss
and weight gradients) before timing. Rounds alternate the order; reported: the median and
best of ``--rounds`` rounds of ``--calls`` calls, in ms per forward and backward, and the
ratio to ``nn.LSTM``.

Run:

```bash
python -m benchmarks.kernels.bilstm_layer --text docs/data/benchmarks/bilstm_layer.txt
```
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

os.environ["KERAS_BACKEND"] = "jax"

from benchmarks import harness  # noqa: E402  (after the backend is chosen)

MODULE = "benchmarks.kernels.bilstm_layer"

BATCH, STEPS, FEATURES, UNITS = 32, 120, 16, 32


def _cell(z, c):
    """Keras' LSTM step from the gate pre-activations ``z`` (gates i, f, c, o)."""
    import jax
    import jax.numpy as jnp

    i, f, g, o = jnp.split(z, 4, axis=-1)
    c = jax.nn.sigmoid(f) * c + jax.nn.sigmoid(i) * jnp.tanh(g)
    return jax.nn.sigmoid(o) * jnp.tanh(c), c


def _stacked(x):
    """``(time, direction, batch, features)``: the backward direction runs reversed time."""
    import jax.numpy as jnp

    xt = jnp.swapaxes(x, 0, 1)
    return jnp.stack([xt, jnp.flip(xt, 0)], axis=1)


def batched_scan(weights, x, unroll: int = 1):
    """One batched matmul per step for both directions (keras_seqzoo's scan)."""
    import jax
    import jax.numpy as jnp

    kernel, recurrent, bias = weights  # (2, F, 4H), (2, H, 4H), (2, 4H)

    def step(carry, x_t):
        h, c = carry
        return _cell(x_t @ kernel + h @ recurrent + bias[:, None], c), None

    zeros = jnp.zeros((2, x.shape[0], UNITS), x.dtype)
    (h, _), _ = jax.lax.scan(step, (zeros, zeros), _stacked(x), unroll=unroll)
    return jnp.concatenate([h[0], h[1]], axis=-1)


def hoisted_scan(weights, x):
    """The input projection of all time steps as one matmul before the scan."""
    import jax
    import jax.numpy as jnp

    kernel, recurrent, bias = weights
    projected = jnp.einsum("tdbf,dfg->tdbg", _stacked(x), kernel) + bias[None, :, None]

    def step(carry, p_t):
        h, c = carry
        return _cell(p_t + h @ recurrent, c), None

    zeros = jnp.zeros((2, x.shape[0], UNITS), x.dtype)
    (h, _), _ = jax.lax.scan(step, (zeros, zeros), projected)
    return jnp.concatenate([h[0], h[1]], axis=-1)


def block_diagonal_scan(weights, x):
    """Both directions as one 2-D matmul per step with block-diagonal kernels."""
    import jax
    import jax.numpy as jnp
    from jax.scipy.linalg import block_diag

    kernel, recurrent, bias = weights
    k, r = block_diag(kernel[0], kernel[1]), block_diag(recurrent[0], recurrent[1])
    b = jnp.concatenate([bias[0], bias[1]])
    xt = jnp.swapaxes(x, 0, 1)
    xs = jnp.concatenate([xt, jnp.flip(xt, 0)], axis=-1)  # (time, batch, 2F)

    def step(carry, x_t):
        h, c = carry  # (batch, 2H)
        z = x_t @ k + h @ r + b
        h_f, c_f = _cell(z[:, :4 * UNITS], c[:, :UNITS])
        h_b, c_b = _cell(z[:, 4 * UNITS:], c[:, UNITS:])
        return (jnp.concatenate([h_f, h_b], -1), jnp.concatenate([c_f, c_b], -1)), None

    zeros = jnp.zeros((x.shape[0], 2 * UNITS), x.dtype)
    (h, _), _ = jax.lax.scan(step, (zeros, zeros), xs)
    return h


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=40, help="calls per round and variant")
    harness.add_output_flags(parser, rounds=9)
    args = parser.parse_args()
    if args.quick:
        args.rounds, args.calls = min(args.rounds, 1), 1
    recording = harness.Recording(MODULE)

    import jax
    import jax.numpy as jnp
    import keras
    import numpy as np
    import torch

    from keras_seqzoo.layers import LSTM, Bidirectional

    rng = np.random.default_rng(0)
    x = jnp.asarray(rng.normal(size=(BATCH, STEPS, FEATURES)).astype("float32"))
    probe = jnp.asarray(rng.normal(size=(BATCH, 2 * UNITS)).astype("float32"))

    def layer_loss(layer):
        non_trainable = [v.value for v in layer.non_trainable_variables]

        def loss(trainable, x):
            out, _ = layer.stateless_call(trainable, non_trainable, x)
            return (out * probe).sum()

        return jax.jit(jax.value_and_grad(loss)), [v.value for v in layer.trainable_variables]

    keras.utils.set_random_seed(0)
    ours = Bidirectional(LSTM(UNITS))
    ours.build((BATCH, STEPS, FEATURES))
    plain = keras.layers.Bidirectional(keras.layers.LSTM(UNITS))
    plain.build((BATCH, STEPS, FEATURES))
    plain.set_weights(ours.get_weights())
    # Variables: forward kernel, recurrent, bias, then the backward ones.
    f_k, f_r, f_b, b_k, b_r, b_b = [np.asarray(w) for w in ours.get_weights()]
    stacked = tuple(jnp.asarray(np.stack(pair)) for pair in ((f_k, b_k), (f_r, b_r), (f_b, b_b)))

    def scan_loss(fn, **kwargs):
        return jax.jit(jax.value_and_grad(lambda w, x: (fn(w, x, **kwargs) * probe).sum()))

    jax_runs = {"keras_seqzoo": layer_loss(ours), "keras": layer_loss(plain),
                "block-diagonal": (scan_loss(block_diagonal_scan), stacked),
                "hoisted": (scan_loss(hoisted_scan), stacked)}
    for unroll in (2, 4):
        jax_runs[f"unroll-{unroll}"] = (scan_loss(batched_scan, unroll=unroll), stacked)

    # Same function first: the loss and the weight gradients of every variant.
    reference_loss, reference_grads = jax_runs["keras_seqzoo"][0](jax_runs["keras_seqzoo"][1], x)
    reference = [np.asarray(g) for g in reference_grads]
    as_stacked = [np.stack([reference[i], reference[i + 3]]) for i in range(3)]
    checks = []
    for name, (fn, weights) in jax_runs.items():
        loss, grads = fn(weights, x)
        grads = [np.asarray(g) for g in grads]
        want = reference if len(grads) == 6 else as_stacked
        error = max(float(np.max(np.abs(g - w))) for g, w in zip(grads, want))
        if abs(float(loss) - float(reference_loss)) > 1e-4 * abs(float(reference_loss)) + 1e-4 \
                or error > 1e-4:
            raise SystemExit(f"{name} computes another function (max |grad error| {error:.1e})")
        checks.append(f"{name}: max |weight gradient - keras_seqzoo's| {error:.1e}")

    torch.manual_seed(0)
    lstm = torch.nn.LSTM(FEATURES, UNITS, batch_first=True, bidirectional=True)
    with torch.no_grad():  # the same weights: Keras' single bias as torch's input bias
        for suffix, (k, r, b) in (("", (f_k, f_r, f_b)), ("_reverse", (b_k, b_r, b_b))):
            getattr(lstm, f"weight_ih_l0{suffix}").copy_(torch.tensor(k.T))
            getattr(lstm, f"weight_hh_l0{suffix}").copy_(torch.tensor(r.T))
            getattr(lstm, f"bias_ih_l0{suffix}").copy_(torch.tensor(b))
            getattr(lstm, f"bias_hh_l0{suffix}").zero_()
    x_torch, probe_torch = torch.tensor(np.asarray(x)), torch.tensor(np.asarray(probe))

    def torch_call():
        lstm.zero_grad()
        _, (h, _) = lstm(x_torch)
        loss = (torch.cat([h[0], h[1]], -1) * probe_torch).sum()
        loss.backward()
        return loss

    torch_loss = float(torch_call())
    if abs(torch_loss - float(reference_loss)) > 1e-4 * abs(torch_loss) + 1e-4:
        raise SystemExit(f"nn.LSTM computes another loss: {torch_loss} vs {reference_loss}")
    checks.append(f"nn.LSTM: loss {torch_loss:.6f} (keras_seqzoo {float(reference_loss):.6f})")

    names = [*jax_runs, "nn.LSTM"]

    def timed(name):
        def run() -> float:
            start = time.perf_counter()
            if name == "nn.LSTM":
                for _ in range(args.calls):
                    torch_call()
            else:
                fn, weights = jax_runs[name]
                for _ in range(args.calls):
                    out = fn(weights, x)
                jax.block_until_ready(out)
            return 1000 * (time.perf_counter() - start) / args.calls

        return run

    for name, (fn, weights) in jax_runs.items():  # warm-up
        jax.block_until_ready(fn(weights, x))
    times = harness.alternating_rounds({name: timed(name) for name in names}, args.rounds)

    peer = times["nn.LSTM"]
    lines = [*checks, "",
             f"{platform.machine()}, {harness.cpu_model()}, {os.cpu_count()} CPUs, Python "
             f"{platform.python_version()}, "
             f"keras {keras.__version__}, jax {jax.__version__}, torch {torch.__version__} "
             f"({torch.get_num_threads()} threads); batch {BATCH}, {STEPS} steps, {FEATURES} "
             f"features, 2 x {UNITS} units; forward + backward, {args.rounds} rounds x "
             f"{args.calls} calls",
             "",
             "| variant | median ms | best ms | x nn.LSTM (medians) | x nn.LSTM (best) |",
             "|---|---:|---:|---:|---:|"]
    for name in names:
        ts = times[name]
        lines.append(f"| {name} | {statistics.median(ts):.2f} | {min(ts):.2f} | "
                     f"{statistics.median(ts) / statistics.median(peer):.2f} | "
                     f"{min(ts) / min(peer):.2f} |")
    recording.finish(args, text="\n".join(lines) + "\n",
                     payload={"rounds": args.rounds, "calls": args.calls,
                              "ms_by_round": times, "versions": harness.versions()})


if __name__ == "__main__":
    main()
