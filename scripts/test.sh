#!/usr/bin/env bash
# Sets up a virtual environment from the project's own files (if needed) and runs
# the test suite under each Keras backend:
#   tensorflow  the tests of what differs between backends (models, layers, callbacks,
#               tuning, export), the real-data ones included (when KERAS_SEQZOO_IMDB and
#               KERAS_SEQZOO_TEXT_DATA are set)
#   jax         the same, less the real-data ones
#   torch       the fast ones of the same, and every test marked one_backend, once: code
#               that is the same under every backend (the data code, the registry, the
#               command line, figures, reading keras-tuner files, the runner's rules, the
#               docs build) and subprocesses that choose their own backend or test
#               installation and imports. PyTorch, because its eager fits of tiny models
#               start fastest: a sample (test_c6, test_comparison*, test_cli) took 271 s
#               under PyTorch, 514 s under TensorFlow (one after the other on two cores,
#               both beside a C6 recording, 2026-12-03).
# No backend runs the tests marked heavy (the benchmark scripts' end-to-end runs and the
# checks a benchmark repeats before it records): BACKENDS=tensorflow bash scripts/test.sh
# -m heavy runs them.
#
#   bash scripts/test.sh                 # all three backends
#   BACKENDS="jax" bash scripts/test.sh  # one backend
#   bash scripts/test.sh -k registry     # extra arguments go to pytest
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/_venv.sh
. scripts/_venv.sh "test,docs,jax,torch"
# Two workers; a file's tests stay on one worker, so session fixtures (the subword
# vocabulary build) run once. The files are handed out in the order tests/conftest.py
# sets (FIRST_FILES, then files with more tests first, as xdist would).
workers=(-n "${PYTEST_WORKERS:-2}" --dist loadfile --no-loadscope-reorder)
# The 25 slowest tests of each backend's run end its output (CI's log included), so
# the suite's time can be watched and cut where it goes.
workers+=(--durations=25)
# JAX's persistent compilation cache: the suite compiles the same small programs on
# every run, and a warm cache cut a JAX run of test_models*.py from 179 s to 48 s on two
# cores. Kept beside the test data cache (CI keeps it between runs); a program is looked
# up by its HLO, the JAX/XLA versions and flags, so changed code compiles afresh.
cache="${KERAS_SEQZOO_TEST_CACHE:-${KERAS_SEQZOO_CACHE:-$HOME/.cache/keras_seqzoo_tests}}"
export JAX_COMPILATION_CACHE_DIR="${JAX_COMPILATION_CACHE_DIR:-$cache/jax-compilation}"
export JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS="${JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS:-0}"
export JAX_COMPILATION_CACHE_MAX_SIZE="${JAX_COMPILATION_CACHE_MAX_SIZE:-2000000000}"
status=0
for backend in ${BACKENDS:-tensorflow jax torch}; do
  run_env=()
  case "$backend" in
    tensorflow) select=(-m "not one_backend and not heavy") ;;
    jax) select=(-m "not real_data and not one_backend and not heavy")
         # Tiny models, compiled afresh by nearly every test: XLA's cheaper optimisation
         # level took a JAX run of test_models*.py and test_layers_recurrent.py from 223 s
         # to 165 s (cold cache, two cores, 2026-12-03) and the tests' tolerances still
         # hold; the package and its recordings keep JAX's defaults.
         run_env=(JAX_DISABLE_MOST_OPTIMIZATIONS="${JAX_DISABLE_MOST_OPTIMIZATIONS:-1}") ;;
    *) select=(-m "(one_backend or (not real_data and not slow)) and not heavy") ;;
  esac
  echo "=== pytest with KERAS_BACKEND=$backend ${select[*]} ==="
  env "${run_env[@]}" KERAS_BACKEND="$backend" python -m pytest "${workers[@]}" "${select[@]}" "$@" || status=$?
done
exit "$status"
