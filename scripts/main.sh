#!/usr/bin/env bash
# The main job: set up a virtual environment from the project's own files (if needed)
# and reproduce the slides' comparison C4 (Embedding-only vs LSTM vs GRU vs CNN on IMDB).
#
#   bash scripts/main.sh                      # seqzoo reproduce c4 --output runs/c4
#   bash scripts/main.sh reproduce c1 -o runs/c1
#   bash scripts/main.sh compare bilstm conv1d --epochs 3 --limit 2000
#
# Data: --data PATH or $KERAS_SEQZOO_IMDB (an aclImdb folder or .tar.gz); otherwise the
# Keras cache (~/.keras/datasets/aclImdb_v1.tar.gz, downloaded once when online, 84 MB).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/_venv.sh
# compare = data, tuner, plots, pandas: what seqzoo compare / reproduce use; jax: the backend.
. scripts/_venv.sh "compare,jax"
if [ "$#" -eq 0 ]; then
  set -- reproduce c4 --output runs/c4
fi
exec seqzoo "$@"
