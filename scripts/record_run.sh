#!/usr/bin/env bash
# Copies a finished comparison run (a keras-tuner project: one trial folder per (model, seed))
# into the docs' data folder, without backups or weights,
# and records how it was made.
#
#   bash scripts/record_run.sh c4 \
#       "KERAS_BACKEND=jax KERAS_SEQZOO_IMDB=/path/to/aclImdb_v1.tar.gz seqzoo reproduce c4 -o runs/c4" \
#       "2-core AMD EPYC (x86-64) VM, no GPU, 24 GiB; nothing else running"
#
# Arguments: the experiment (folder name under runs/ and docs/data/runs/), the exact
# command that produced runs/NAME, and a one-line hardware description.
set -euo pipefail
cd "$(dirname "$0")/.."
name="$1"; command="$2"; hardware="$3"
src="runs/$name"; dst="docs/data/runs/$name"
[ -f "$src/comparison.json" ] || { echo "no run in $src" >&2; exit 2; }
rm -rf "$dst"; mkdir -p "$dst"
for f in comparison.json comparison.md comparison.csv oracle.json "$src"/tuner*.json; do cp "$src/${f#$src/}" "$dst/"; done
for model in "$src"/*/; do
  model="$(basename "$model")"
  [ -f "$src/$model/run.json" ] || continue
  mkdir -p "$dst/$model"
  for f in trial.json history.jsonl history.csv history.json run.json; do
    [ -f "$src/$model/$f" ] && cp "$src/$model/$f" "$dst/$model/"
  done
done
printf '%s\n' "$command" > "$dst/COMMAND"
printf '%s\n' "$hardware" > "$dst/HARDWARE"
du -sh "$dst"
