#!/usr/bin/env bash
# Re-measures the NLU figures in docs/benchmarks.md: Banking77 on a held-out
# 10% (stratified, seeds 1-3) and CLINC150 train -> val.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
ensure_go
ensure_speech
DATA=${SWITCHBOARD_SHARED_DATA:-../shared/data}
[ -d "$DATA" ] || die "shared data not found at $DATA (set SWITCHBOARD_SHARED_DATA)"
go build -o bin/switchboard ./cmd/switchboard
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
for seed in 1 2 3; do
  bin/switchboard nlu split --in "$DATA/banking77/train.csv" --holdout 0.1 --seed $seed \
    --train "$tmp/b77-train-$seed.csv" --test "$tmp/b77-test-$seed.csv" >/dev/null
  printf 'banking77 seed %s: ' $seed
  bin/switchboard nlu eval --train "$tmp/b77-train-$seed.csv" --test "$tmp/b77-test-$seed.csv" --json
done
printf 'clinc150 train->val: '
bin/switchboard nlu eval --train "$DATA/clinc150/train.csv" --test "$DATA/clinc150/val.csv" --json
