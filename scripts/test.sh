#!/usr/bin/env bash
# Sets up a virtual environment from the project's own files (if needed) and runs
# the test suite under each Keras backend: TensorFlow, JAX and PyTorch.
#
#   bash scripts/test.sh                 # all three backends
#   BACKENDS="jax" bash scripts/test.sh  # one backend
#   bash scripts/test.sh -k registry     # extra arguments go to pytest
#
# Real-IMDB tests run when KERAS_SEQZOO_IMDB points at an aclImdb folder or tarball.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${VENV:-.venv}"
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
# shellcheck disable=SC1091
. "$VENV/bin/activate"
python -m pip install -q --upgrade pip
python -m pip install -q -e ".[test,docs,jax,torch]"
export TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-3}"
status=0
for backend in ${BACKENDS:-tensorflow jax torch}; do
  echo "=== pytest with KERAS_BACKEND=$backend ==="
  KERAS_BACKEND="$backend" python -m pytest "$@" || status=$?
done
exit "$status"
