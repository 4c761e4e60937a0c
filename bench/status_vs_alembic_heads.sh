#!/usr/bin/env bash
# Benchmark: `migdoctor status` (history only, no database) against `alembic heads` on the same
# generated Alembic project of N revisions (default 5,000).
#   bash bench/status_vs_alembic_heads.sh [N]
# Needs Alembic in .build/venv (bash .ci/run installs it, or:
#   python3 -m venv .build/venv && .build/venv/bin/pip install -r tests/frameworks/requirements.txt)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-5000}
RUNS=${RUNS:-3}
ALEMBIC=${ALEMBIC:-$PWD/.build/venv/bin/alembic}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
cargo build --release -q -p migdoctor
BIN=$PWD/target/release/migdoctor
python3 bench/gen_alembic.py "$TMP/project" "$N"

# shellcheck source=bench/lib.sh
. bench/lib.sh

cd "$TMP/project"
md=$(measure migdoctor "$BIN" status . --format json --fail-on never)
heads_md=$(python3 -c "import json,sys; d=json.load(open('$TMP/out')); print(d['sites'][0]['declared'])")
al=$(measure alembic "$ALEMBIC" heads)
echo "revisions: $heads_md"
echo "$md" | awk '{printf "migdoctor status:  %7.3f s  peak %6.1f MB\n", $2, $3/1024}'
echo "$al" | awk '{printf "alembic heads:     %7.3f s  peak %6.1f MB\n", $2, $3/1024}'
awk -v a="$(echo "$md" | cut -d' ' -f2)" -v b="$(echo "$al" | cut -d' ' -f2)" 'BEGIN {printf "speed-up alembic / migdoctor: %.1fx (target >= 20x)\n", b / a}'
