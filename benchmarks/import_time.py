"""``import keras_seqzoo`` time relative to ``import keras``, alternating, in fresh processes.

Run:

```bash
KERAS_BACKEND=jax python benchmarks/import_time.py --repeats 7
```

Each repeat starts one fresh interpreter for ``import keras`` and one for
``import keras_seqzoo`` (which imports Keras itself), in alternation; the
medians and their ratio are printed with the backend and versions.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys

SNIPPET = "import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"


def measure(module: str) -> float:
    out = subprocess.run([sys.executable, "-c", SNIPPET.format(module=module)],
                         capture_output=True, text=True, check=True,
                         env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    times: dict[str, list[float]] = {"keras": [], "keras_seqzoo": []}
    for _ in range(args.repeats):
        for module in times:
            times[module].append(measure(module))
    keras_s = statistics.median(times["keras"])
    zoo_s = statistics.median(times["keras_seqzoo"])
    backend = os.environ.get("KERAS_BACKEND", "(keras.json default)")
    print(f"{platform.machine()} x{os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"KERAS_BACKEND={backend}")
    print(f"import keras         median {keras_s:.2f} s over {args.repeats}")
    print(f"import keras_seqzoo  median {zoo_s:.2f} s over {args.repeats}")
    print(f"ratio keras_seqzoo / keras: {zoo_s / keras_s:.2f}")
    if args.json:
        with open(args.json, "w") as handle:
            json.dump({"times": times, "ratio": zoo_s / keras_s, "backend": backend}, handle)


if __name__ == "__main__":
    main()
