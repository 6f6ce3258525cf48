#!/usr/bin/env bash
# The fast subset of the tests on the lowest Python the package declares (requires-python),
# with only the core install (Keras, NumPy) and the [jax] extra for a backend: the registry, the
# builders, the CLI, the packaging checks and the extras' messages.
#
#   bash scripts/test_lowest_python.sh            # finds python3.10 (PATH, pyenv, uv)
#   LOWEST_PYTHON=/path/to/python3.10 bash scripts/test_lowest_python.sh
set -euo pipefail
cd "$(dirname "$0")/.."
version="3.10"
python="${LOWEST_PYTHON:-}"
if [ -z "$python" ]; then
  for candidate in "$(command -v "python$version" 2>/dev/null || true)" \
                   "$(pyenv root 2>/dev/null)"/versions/"$version"*/bin/python"$version" \
                   "$(uv python find "$version" 2>/dev/null || true)"; do
    if [ -n "$candidate" ] && [ -x "$candidate" ] && "$candidate" -c "" 2>/dev/null; then
      python="$candidate"; break
    fi
  done
fi
if [ -z "$python" ]; then
  echo "note: no Python $version found (PATH, pyenv, uv); the lowest-Python subset is skipped"
  exit 0
fi
echo "=== Python $("$python" -c 'import platform; print(platform.python_version())'): core install, fast subset ==="
VENV="${LOWEST_VENV:-.venv-lowest}"
[ -x "$VENV/bin/python" ] || "$python" -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip
"$VENV/bin/python" -m pip install -q --disable-pip-version-check -e ".[jax]" "pytest>=8"
KERAS_BACKEND=jax TF_CPP_MIN_LOG_LEVEL=3 "$VENV/bin/python" -m pytest -q -p no:cacheprovider \
  -m "not slow" tests/test_registry.py tests/test_cli.py tests/test_packaging.py "$@"
