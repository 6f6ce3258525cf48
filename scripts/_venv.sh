# Sourced by main.sh and test.sh: create $VENV (default .venv) if needed, activate it and
# install the project with the extras given as $1 (e.g. "jax" or "test,docs,jax,torch").
VENV="${VENV:-.venv}"
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
# shellcheck disable=SC1091
. "$VENV/bin/activate"
python -m pip install -q --upgrade pip
python -m pip install -q -e ".[$1]"
export TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-3}"
