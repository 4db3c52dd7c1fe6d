#!/bin/sh
# Snapshot the answers of the three question sets into DIR (default /tmp/snap): see answers_snapshot.py.
set -e
DIR=${1:-/tmp/snap}
PY=${PY:-.venv/bin/python}
DATA=../shared/data/reports-dev
mkdir -p "$DIR"
for set in news files; do
  $PY benchmarks/answers_snapshot.py $DATA/$set/questions.jsonl $DATA/$set/reports --out "$DIR/$set.json"
done
$PY benchmarks/answers_snapshot.py evals/seed_questions.jsonl seeds --out "$DIR/seeds.json"
