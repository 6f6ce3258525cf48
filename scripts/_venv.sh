# Sourced by main.sh and test.sh: create $VENV (default .venv) if needed, activate it and
# install the project with the extras given as $1 (e.g. "compare,jax" or "test,docs,jax,torch").
VENV="${VENV:-.venv}"
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
# shellcheck disable=SC1091
. "$VENV/bin/activate"
python -m pip install -q --upgrade pip
case ",$1," in
  *,torch,*)
    # The [torch] extra has no pin, and a plain `torch` requirement pulls a multi-GB CUDA
    # build on Linux: install the CPU build the project is tested with first. pip finds it
    # in this machine's wheel folder; elsewhere set TORCH_INDEX_URL to PyTorch's CPU index
    # (https://download.pytorch.org/whl/cpu).
    if ! python -c "import torch" 2>/dev/null; then
      python -m pip install -q "torch==${TORCH_VERSION:-2.13.0}" \
        ${TORCH_INDEX_URL:+--index-url "$TORCH_INDEX_URL"}
    fi
    ;;
esac
python -m pip install -q -e ".[$1]"
export TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-3}"
