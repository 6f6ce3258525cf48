"""Where T2's (stacked BiLSTM(64, 32)) training time goes on JAX, piece by piece.

T2 on JAX ran 13.3 s an epoch against plain PyTorch's 5.97 s (2.23x) in the twins
table (``docs/data/benchmarks/torch_twins.json``, recording 1), while T5 (one
BiLSTM(32)) ran at 1.21x. This script times, in one process, jitted pieces of one
training step of T2's shapes (batch 32, 120 steps, Embedding 64 -> BiLSTM(64,
return_sequences) -> BiLSTM(32)):

- each bidirectional layer alone, forward only and forward + backward (gradients
  of the weights and the input), with the kernel of each ``--variants``:

  - ``scan``: the package's scan before this investigation (``jax_scan.scan`` of
    ``lstm_step``: the input projection inside the scan, ``jax.grad`` of the scan);
  - ``lstm_scan``: a candidate kernel (:func:`lstm_scan`, in this script): the input
    projection before the scan and its own backward pass (``jax.custom_vjp``: one
    reverse scan, then the weights' gradients as one matmul each over all steps, as
    torch does), where ``jax.grad`` of a scan accumulates them step by step;

- both layers stacked (forward + backward);
- the forward scan's parts: the input projection of all steps alone (one matmul per
  direction), and the scan over those precomputed projections;
- the output layout alone (the flips, stacks and transposes around the scan);
- the whole Keras training step (``model.fit`` of the ``stacked_bilstm`` preset, one
  epoch of ``--steps`` batches): the fused layers with each variant against Keras'
  own layers (``fused=False``), and how many times the step is compiled.

Every piece runs in alternating rounds (the order reverses every round); reported:
the median and best milliseconds, and each variant's ratio to ``scan``. The
machine's load is stored with the figures (``keras_seqzoo.machine.load_record``).

Findings: three runs on 2026-12-02 (``docs/data/benchmarks/t2_jax_profile.txt``, the
least loaded, and ``t2_jax_profile_run1.txt`` / ``_run2.txt`` beside it), all on a
busy machine (1-minute load 1-11 on 2 cores shared with other work): every figure is
noisy; the ranges below span the runs, and only ratios between candidates timed
alternately in one process mean much.

- The training step is the two bidirectional scans' forward and backward passes:
  both layers' gradients alone took 79-98 % of a ``model.fit`` step by the medians
  (129 of 147 ms in the least loaded run); the output layout (flips, stacks,
  transposes) 0.3-1.5 ms; the embedding, the dense head and Adam the rest. The step
  is traced once (no recompiles).
- The backward pass dominates: layer 1 (BiLSTM(64), return_sequences) forward 8-19 ms,
  forward + backward 35-116 ms, 3-13x its forward; layer 2 (BiLSTM(32), last output)
  5-17 ms and 22-96 ms.
- The candidate kernel that does what torch's LSTM does (the input projection of all
  steps in one matmul before the scan; a ``custom_vjp`` whose backward is one reverse
  scan and the weights' gradients as one matmul each; checked against the scan first)
  does not measure faster: its forward pass is 1.9-12x slower, both layers' gradients
  1.12-1.44x slower by the medians, ``model.fit`` 0.95-1.43x (0.97x in the least
  loaded run: no gain beyond the noise). On XLA's CPU backend the hoisted matmul and
  the scan over its precomputed projections together cost more than the whole scan
  with the small projection inside each step (9.5 + 17.6 ms against 14.7 ms by the
  medians of the least loaded run). So the package's kernel stays as it was
  (``jax_scan.py`` unchanged) and the candidate lives here only.
- What is left is XLA's CPU loop itself: a ``while`` over 120 steps of small matmuls
  ((2, 32, 64) x (2, 64, 256)) and element-wise fusions, and in the backward pass the
  transposed loop with three such matmuls a step, where torch runs oneDNN's fused
  LSTM kernels. Closing it would take a fused LSTM kernel for XLA's CPU backend
  (a custom call), not a rearrangement of the scan.
- A run with the load recorded (``t2_jax_profile_idle.txt``, 2026-12-03, alone right
  after a test run) gave the same shares, and there the candidate's ``model.fit`` epoch
  was faster than the scan's (the docs' Benchmarks page gives the figures, checked
  against its JSON); its forward pass alone stays slower.
- The ratio to the plain PyTorch twin could not be measured on this machine that day:
  ``torch_twins --configs jax --models stacked_bilstm --with-keras --sequences 1600
  --rounds 3`` timed the twin at 51-336 s an epoch against JAX's 7-27 s (PyTorch's
  two-thread barriers wait for descheduled threads on an overloaded CPU), a ratio of
  0.04-0.19 that says nothing about an idle machine.

Run:

```bash
KERAS_BACKEND=jax python -m benchmarks.investigations.t2_jax_profile \\
    --text docs/data/benchmarks/t2_jax_profile.txt
```
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("KERAS_BACKEND", "jax")

from benchmarks import harness  # noqa: E402  (after the backend is chosen)

MODULE = "benchmarks.investigations.t2_jax_profile"
VARIANTS = ("scan", "lstm_scan")
BATCH, LENGTH, EMBEDDING = 32, 120, 64


def _lstm_forward(xs, kernel, recurrent, bias, residuals: bool = True):
    """The forward pass of ``lstm_scan``; with ``residuals``, also what its backward
    pass needs."""
    import jax
    import jax.numpy as jnp

    # One matmul projects every step's input (as torch's and cuDNN's LSTMs do).
    zx = jnp.einsum("t...bf,...fg->t...bg", xs, kernel)
    if bias is not None:
        zx = zx + bias
    zeros = jnp.zeros(zx.shape[1:-1] + (recurrent.shape[-2],), xs.dtype)

    def body(carry, zx_t):
        h, c = carry
        z_i, z_f, z_c, z_o = jnp.split(zx_t + h @ recurrent, 4, axis=-1)
        i, f, g, o = (jax.nn.sigmoid(z_i), jax.nn.sigmoid(z_f), jnp.tanh(z_c),
                      jax.nn.sigmoid(z_o))
        c = f * c + i * g
        h = o * jnp.tanh(c)
        return (h, c), ((h, c, jnp.concatenate([i, f, g, o], axis=-1)) if residuals else h)

    _, saved = jax.lax.scan(body, (zeros, zeros), zx)
    if not residuals:
        return saved
    hs, cs, gates = saved
    return hs, (xs, kernel, recurrent, bias, hs, cs, gates)


def _lstm_backward(residuals, d_hs):
    """The backward pass of ``lstm_scan``: one reverse scan for the gates'
    gradients, then the weights' gradients as one matmul each over all steps."""
    import jax
    import jax.numpy as jnp

    xs, kernel, recurrent, bias, hs, cs, gates = residuals
    zeros = jnp.zeros_like(hs[0])
    c_prev = jnp.concatenate([zeros[None], cs[:-1]], axis=0)
    recurrent_t = jnp.swapaxes(recurrent, -1, -2)

    def body(carry, inputs):
        d_h_next, d_c_next = carry
        d_h_t, c_t, c_p, gates_t = inputs
        i, f, g, o = jnp.split(gates_t, 4, axis=-1)
        d_h = d_h_t + d_h_next
        tanh_c = jnp.tanh(c_t)
        d_c = d_c_next + d_h * o * (1 - tanh_c * tanh_c)
        d_z = jnp.concatenate([d_c * g * i * (1 - i), d_c * c_p * f * (1 - f),
                               d_c * i * (1 - g * g), d_h * tanh_c * o * (1 - o)], axis=-1)
        return (d_z @ recurrent_t, d_c * f), d_z

    _, d_z = jax.lax.scan(body, (zeros, zeros), (d_hs, cs, c_prev, gates), reverse=True)
    h_prev = jnp.concatenate([zeros[None], hs[:-1]], axis=0)
    d_xs = jnp.einsum("t...bg,...fg->t...bf", d_z, kernel)
    d_kernel = jnp.einsum("t...bf,t...bg->...fg", xs, d_z)
    d_recurrent = jnp.einsum("t...bu,t...bg->...ug", h_prev, d_z)
    d_bias = None
    if bias is not None:
        d_bias = jnp.sum(d_z, axis=(0, d_z.ndim - 2)).reshape(bias.shape)
    return d_xs, d_kernel, d_recurrent, d_bias


def lstm_scan(xs, kernel, recurrent, bias):
    """An LSTM over time (tanh / sigmoid, zero initial states, no mask) with its own
    gradient, as torch's and cuDNN's LSTMs compute it: the input projection of every
    step in one matmul before the scan, and the weights' gradients in one matmul each
    after the backward scan (``jax.grad`` of a scan accumulates them step by step).

    Args:
        xs: time-major inputs ``(time, ..., batch, features)``.
        kernel: ``(..., features, 4 * units)``.
        recurrent: ``(..., units, 4 * units)``.
        bias: ``None`` or broadcastable to ``(..., batch, 4 * units)``.

    Returns:
        The outputs ``(time, ..., batch, units)``, in time order.
    """
    import jax

    fn = jax.custom_vjp(lambda x, k, r, b: _lstm_forward(x, k, r, b, residuals=False))
    fn.defvjp(_lstm_forward, _lstm_backward)
    return fn(xs, kernel, recurrent, bias)


def _weights(rng, features: int, units: int):
    import jax.numpy as jnp

    def draw(*shape):
        return jnp.asarray(rng.normal(0, 0.1, size=shape).astype("float32"))

    return draw(2, features, 4 * units), draw(2, units, 4 * units), draw(2, 1, 4 * units)


def directions(variant: str, x, weights, return_sequences: bool):
    """One bidirectional LSTM layer (batch-major ``x``, zero initial states, no mask) with
    ``variant``'s kernel: ``(y, y_rev)`` as ``jax_scan.bidirectional_scan`` returns them."""
    import jax
    import jax.numpy as jnp

    from keras_seqzoo.layers.recurrent import jax_scan

    xt = jnp.swapaxes(x, 0, 1)
    xs = jnp.stack([xt, jnp.flip(xt, axis=0)], axis=1)  # (time, direction, batch, features)
    kernel, recurrent, bias = weights
    if variant == "scan":
        zeros = jnp.zeros((2, x.shape[0], recurrent.shape[-2]), x.dtype)
        step = jax_scan.lstm_step((kernel, recurrent, bias, None), jnp.tanh, jax.nn.sigmoid)
        _, outputs = jax_scan.scan(step, xs, None, (zeros, zeros), True)
    else:
        outputs = lstm_scan(xs, kernel, recurrent, bias)
    if not return_sequences:
        return outputs[-1, 0], outputs[-1, 1]
    y, y_rev = outputs[:, 0], jnp.flip(outputs[:, 1], axis=0)
    return jnp.swapaxes(y, 0, 1), jnp.swapaxes(y_rev, 0, 1)


def bidirectional(variant: str, x, weights, return_sequences: bool):
    """:func:`directions`, concatenated (``merge_mode="concat"``)."""
    import jax.numpy as jnp

    return jnp.concatenate(directions(variant, x, weights, return_sequences), axis=-1)


def candidate_bidirectional_scan(original):
    """``jax_scan.bidirectional_scan`` running :func:`lstm_scan` for an LSTM without a
    mask (``original`` for the rest): what the package would run with the candidate."""
    import jax.numpy as jnp

    from keras_seqzoo.layers.recurrent import jax_scan

    def run(kind, forward_cell, backward_cell, sequences, mask, **options):
        if kind != "lstm" or mask is not None:
            return original(kind, forward_cell, backward_cell, sequences, mask, **options)
        both = [jax_scan.cell_weights(cell) for cell in (forward_cell, backward_cell)]
        weights = (jnp.stack([both[0][0], both[1][0]]), jnp.stack([both[0][1], both[1][1]]),
                   None if both[0][2] is None else jnp.stack([both[0][2], both[1][2]])[:, None])
        return directions("lstm_scan", jnp.asarray(sequences).astype(weights[0].dtype),
                          weights, options["return_sequences"])

    return run


def check_candidate(rng) -> float:
    """The largest difference between :func:`lstm_scan`'s outputs and gradients and the
    package's scan's (both return modes); raises when above 1e-4."""
    import jax
    import jax.numpy as jnp

    x = jnp.asarray(rng.normal(size=(4, 7, 5)).astype("float32"))
    weights = _weights(rng, 5, 3)
    worst = 0.0
    for return_sequences in (True, False):
        results = [jax.value_and_grad(
            lambda x, w, v=v: jnp.sum(jnp.sin(bidirectional(v, x, w, return_sequences))),
            argnums=(0, 1))(x, weights) for v in VARIANTS]
        for a, b in zip(*(jax.tree.leaves(r) for r in results)):
            worst = max(worst, float(jnp.max(jnp.abs(a - b))))
    if worst > 1e-4:
        raise SystemExit(f"t2_jax_profile: the candidate kernel differs from the scan by {worst}")
    return worst


def pieces(variants, rng) -> dict:
    """name -> a function running one jitted piece (blocking until done)."""
    import jax
    import jax.numpy as jnp

    x1 = jnp.asarray(rng.normal(size=(BATCH, LENGTH, EMBEDDING)).astype("float32"))
    x2 = jnp.asarray(rng.normal(size=(BATCH, LENGTH, 128)).astype("float32"))
    w1, w2 = _weights(rng, EMBEDDING, 64), _weights(rng, 128, 32)
    runs = {}

    def add(name, fn, *args):
        jitted = jax.jit(fn)
        jax.block_until_ready(jitted(*args))  # compile
        runs[name] = lambda: jax.block_until_ready(jitted(*args))

    for v in variants:
        def layer1(x, w, v=v):
            return bidirectional(v, x, w, True)

        def layer2(x, w, v=v):
            return bidirectional(v, x, w, False)

        def loss_of(layer):
            return lambda x, w: jnp.sum(layer(x, w) ** 2)

        def stacked(x, a, b, v=v):
            return jnp.sum(bidirectional(v, bidirectional(v, x, a, True), b, False) ** 2)

        add(f"layer 1 BiLSTM(64) seq, forward|{v}", layer1, x1, w1)
        add(f"layer 1 BiLSTM(64) seq, forward+backward|{v}",
            jax.grad(loss_of(layer1), argnums=(0, 1)), x1, w1)
        add(f"layer 2 BiLSTM(32) last, forward|{v}", layer2, x2, w2)
        add(f"layer 2 BiLSTM(32) last, forward+backward|{v}",
            jax.grad(loss_of(layer2), argnums=(0, 1)), x2, w2)
        add(f"both layers, forward+backward|{v}", jax.grad(stacked, argnums=(1, 2)), x1, w1, w2)

    def layout(x):
        xt = jnp.swapaxes(x, 0, 1)
        xs = jnp.stack([xt, jnp.flip(xt, axis=0)], axis=1)
        y, y_rev = xs[:, 0], jnp.flip(xs[:, 1], axis=0)
        return jnp.concatenate([jnp.swapaxes(y, 0, 1), jnp.swapaxes(y_rev, 0, 1)], axis=-1)

    kernel, recurrent, bias = w1
    xs1 = jnp.swapaxes(jnp.stack([x1, x1], axis=0), 1, 2).swapaxes(0, 1)

    def projection(xs, kernel, bias):
        return jnp.einsum("t...bf,...fg->t...bg", xs, kernel) + bias

    def scan_projected(zx, recurrent):
        zeros = jnp.zeros((2, BATCH, recurrent.shape[-2]), zx.dtype)
        def body(carry, zx_t):
            h, c = carry
            z_i, z_f, z_c, z_o = jnp.split(zx_t + h @ recurrent, 4, axis=-1)
            c = jax.nn.sigmoid(z_f) * c + jax.nn.sigmoid(z_i) * jnp.tanh(z_c)
            h = jax.nn.sigmoid(z_o) * jnp.tanh(c)
            return (h, c), h

        return jax.lax.scan(body, (zeros, zeros), zx)[1]

    add("layer 1 forward: input projection alone (one matmul)|-", projection, xs1, kernel, bias)
    add("layer 1 forward: scan over precomputed projections|-", scan_projected,
        projection(xs1, kernel, bias), recurrent)
    add("output layout alone (flips, stacks, transposes)|-", layout, x1)
    return runs


def keras_epochs(variants, steps: int, rng) -> tuple[dict, dict]:
    """``model.fit`` epochs of T2's preset: the fused layers per variant, Keras' own
    layers; also the number of times each model's training step was traced."""
    import keras

    import keras_seqzoo as zoo
    from keras_seqzoo.layers.recurrent import jax_scan

    x = rng.integers(1, 8185, size=(steps * BATCH, LENGTH)).astype("int32")
    y = rng.integers(0, 2, size=steps * BATCH).astype("float32")
    runs, traces = {}, {}
    for way in [*variants, "keras"]:
        keras.utils.set_random_seed(0)
        model = zoo.build("stacked_bilstm.imdb_subwords8k", fused=way != "keras",
                          max_length=LENGTH)
        model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
        count = [0]
        original = model.train_step

        def counted(*step_args, original=original, count=count):
            count[0] += 1  # runs once per trace: the step is jitted
            return original(*step_args)

        model.train_step = counted
        original = jax_scan.bidirectional_scan
        if way == "lstm_scan":  # the warm-up epoch traces the step with the candidate
            jax_scan.bidirectional_scan = candidate_bidirectional_scan(original)
        try:
            model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0, shuffle=False)
        finally:
            jax_scan.bidirectional_scan = original
        name = f"model.fit epoch of {steps} steps|{way if way != 'keras' else 'Keras own'}"
        runs[name] = (lambda m=model: None if m.fit(
            x, y, batch_size=BATCH, epochs=1, verbose=0, shuffle=False) else None)
        traces[name] = count
    return runs, traces


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=VARIANTS)
    parser.add_argument("--steps", type=int, default=50, help="batches of each fit epoch")
    parser.add_argument("--repeats", type=int, default=5,
                        help="calls of each piece per round (its time: their mean)")
    harness.add_output_flags(parser, rounds=7)
    args = parser.parse_args()
    if args.quick:
        args.rounds, args.steps, args.repeats = 1, 2, 1
    recording = harness.Recording(MODULE)

    import numpy as np

    rng = np.random.default_rng(0)
    difference = check_candidate(rng)
    runs = pieces(args.variants, rng)
    fits, traces = keras_epochs(args.variants, args.steps, rng)

    def repeated(fn, n):
        def run():
            for _ in range(n):
                fn()
        return run

    timed = {k: repeated(fn, args.repeats) for k, fn in runs.items()} | fits
    times = harness.alternating_rounds(timed, args.rounds)
    lines = [f"{MODULE}: {args.rounds} alternating rounds; pieces: mean of {args.repeats} calls "
             f"a round, in ms; batch {BATCH}, {LENGTH} steps, float32, jitted",
             f"versions: {harness.versions()}",
             "lstm_scan checked against scan first: largest difference of outputs and "
             f"gradients {difference:.1e}",
             "",
             f"{'piece':<58} {'variant':<11} {'median':>9} {'best':>9} {'/ scan':>7}"]
    by_piece: dict[str, dict] = {}
    for key, values in times.items():
        piece, variant = key.split("|")
        scale = 1000 / (1 if piece.startswith("model.fit") else args.repeats)
        by_piece.setdefault(piece, {})[variant] = [v * scale for v in values]
    for piece, variants in by_piece.items():
        base = statistics.median(variants.get("scan", [float("nan")]))
        for variant, values in variants.items():
            median = statistics.median(values)
            lines.append(f"{piece:<58} {variant:<11} {median:9.1f} {min(values):9.1f} "
                         f"{median / base:7.2f}")
    lines.append("")
    lines += [f"traces of the training step, {k.split('|')[1]}: {v[0]}" for k, v in traces.items()]
    text = "\n".join(lines) + "\n"
    recording.finish(args, text=text, payload={"times": times})


if __name__ == "__main__":
    main()
