"""``import keras_seqzoo`` time relative to ``import keras``, alternating, in fresh processes.

Run:

```bash
KERAS_BACKEND=jax python -m benchmarks.data.import_time --rounds 7
```

Each round starts one fresh interpreter for ``import keras`` and one for
``import keras_seqzoo`` (which imports Keras itself), in alternation; the
medians and their ratio are printed with the backend and versions.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys

from benchmarks import harness

MODULE = "benchmarks.data.import_time"

SNIPPET = "import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"


def measure(module: str) -> float:
    out = subprocess.run([sys.executable, "-c", SNIPPET.format(module=module)],
                         capture_output=True, text=True, check=True,
                         env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    harness.add_output_flags(parser, rounds=5)
    args = parser.parse_args()
    if args.quick:
        args.rounds = min(args.rounds, 1)
    recording = harness.Recording(MODULE)
    modules = ("keras", "keras_seqzoo")
    times = harness.alternating_rounds(
        {module: (lambda module=module: measure(module)) for module in modules}, args.rounds)
    keras_s = statistics.median(times["keras"])
    zoo_s = statistics.median(times["keras_seqzoo"])
    backend = os.environ.get("KERAS_BACKEND", "(keras.json default)")
    lines = [f"{platform.machine()} x{os.cpu_count()} CPUs, Python {platform.python_version()}, "
             f"KERAS_BACKEND={backend}",
             f"import keras         median {keras_s:.2f} s over {args.rounds}",
             f"import keras_seqzoo  median {zoo_s:.2f} s over {args.rounds}",
             f"ratio keras_seqzoo / keras: {zoo_s / keras_s:.2f}"]
    recording.finish(args, text="\n".join(lines) + "\n",
                     payload={"times": times, "ratio": zoo_s / keras_s, "backend": backend})


if __name__ == "__main__":
    main()
