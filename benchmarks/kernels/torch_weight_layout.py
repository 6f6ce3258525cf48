"""torch's fused LSTM op (oneDNN on a CPU) with transposed views of Keras' kernels vs contiguous copies.

Keras stores an LSTM's kernel as ``(features, 4 * units)``; torch's op takes
``(4 * units, features)``. ``kernel.T`` is a view with the other memory order;
``kernel.T.contiguous()`` is a copy in the order ``nn.LSTM`` keeps its weights.
This script times one training step of torch's bidirectional LSTM op (forward
and backward, the shape of the slides' T5 BiLSTM: batch 32, 120 steps, 16
features, 32 units) with each, in alternating rounds, and prints the median
milliseconds a step and the ratio views / copies. ``keras_seqzoo.layers.LSTM``
passes copies (see ``LSTM._torch_params``).

Run:

```bash
python -m benchmarks.kernels.torch_weight_layout --rounds 9 --steps 40 \\
    --text docs/data/benchmarks/torch_weight_layout.txt
```
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time

from benchmarks import harness

MODULE = "benchmarks.kernels.torch_weight_layout"

BATCH, STEPS, FEATURES, UNITS = 32, 120, 16, 32


def make_step(layout: str):
    """A training step of torch's bidirectional LSTM op on Keras-shaped weights."""
    import torch

    generator = torch.Generator().manual_seed(0)
    x = torch.randn(BATCH, STEPS, FEATURES, generator=generator, requires_grad=True)
    weights = []
    for _ in range(2):  # forward and backward directions, Keras' shapes
        kernel = torch.randn(FEATURES, 4 * UNITS, generator=generator, requires_grad=True)
        recurrent = torch.randn(UNITS, 4 * UNITS, generator=generator, requires_grad=True)
        bias = torch.zeros(4 * UNITS, requires_grad=True)
        weights.append((kernel, recurrent, bias))
    zeros = torch.zeros(4 * UNITS)

    def params():
        out = []
        for kernel, recurrent, bias in weights:
            pair = [kernel.T, recurrent.T]
            if layout == "copies":
                pair = [p.contiguous() for p in pair]
            out += pair + [bias, zeros]
        return out

    def step():
        h0 = torch.zeros(2, BATCH, UNITS)
        _, h, _ = torch._VF.lstm(x, (h0, h0), params(), True, 1, 0.0, True, True, True)
        h.sum().backward()
        return h.detach(), weights[0][0].grad.clone()

    return step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=40, help="training steps per round")
    harness.add_output_flags(parser, rounds=9)
    args = parser.parse_args()
    if args.quick:
        args.rounds, args.steps = min(args.rounds, 2), min(args.steps, 2)
    recording = harness.Recording(MODULE)
    import torch

    steps = {layout: make_step(layout) for layout in ("views", "copies")}
    first = {layout: step() for layout, step in steps.items()}  # also the warm-up
    same = all(torch.allclose(a, b, atol=1e-5) for a, b in zip(*first.values()))
    def timed(step):
        def run() -> float:
            start = time.perf_counter()
            for _ in range(args.steps):
                step()
            return (time.perf_counter() - start) / args.steps * 1e3

        return run

    times = harness.alternating_rounds({layout: timed(step) for layout, step in steps.items()},
                                       args.rounds)
    medians = {layout: statistics.median(values) for layout, values in times.items()}
    lines = [f"torch {torch.__version__}, {torch.get_num_threads()} threads, "
             f"{platform.machine()}, {harness.cpu_model()}, Python {platform.python_version()}",
             f"batch {BATCH}, {STEPS} steps, {FEATURES} -> {UNITS} units, bidirectional; "
             f"{args.rounds} alternating rounds of {args.steps} training steps"]
    for layout, value in medians.items():
        lines.append(f"{layout:7s} {value:7.3f} ms/step (median; best {min(times[layout]):.3f})")
    lines += [f"same outputs and gradients: {same}",
              f"ratio views / copies: {medians['views'] / medians['copies']:.2f}"]
    recording.finish(args, text="\n".join(lines) + "\n",
                     payload={"rounds": args.rounds, "steps": args.steps, "same": same,
                              "ms_per_step_by_round": times, "versions": harness.versions()})


if __name__ == "__main__":
    main()
