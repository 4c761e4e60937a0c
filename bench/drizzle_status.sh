#!/usr/bin/env bash
# Benchmark: `migdoctor status` on a Drizzle project of N journal entries (default 2,000) whose
# database the real migrator built, against a node script doing what drizzle-orm's migrate()
# does before it runs anything (readMigrationFiles + reading the table), and `drizzle-kit check`
# on the same folder. Then `diagnose` must report nothing at warning or above.
#   bash bench/drizzle_status.sh [N]
# Needs PostgreSQL on 127.0.0.1:5432 (user postgres) and .build/node (bash .ci/run installs it).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-2000}
RUNS=${RUNS:-3}
NODE_DIR=${MIGDOCTOR_NODE_DIR:-$PWD/.build/node}
PG=${MIGDOCTOR_TEST_PG:-postgres://postgres@127.0.0.1:5432/postgres}
DB=mdbench_drizzle_$$
URL="${PG%/*}/$DB"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"; psql "$PG" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true' EXIT
cargo build --release -q -p migdoctor
BIN=${BIN:-${CARGO_TARGET_DIR:-$PWD/target}/release/migdoctor}
node bench/gen_drizzle.mjs "$TMP/project" "$N"
psql "$PG" -qc "CREATE DATABASE $DB" >/dev/null
echo "building the database with the real migrator ($N entries, 250 per run)…"
# One run applies everything in one transaction; 2,000 CREATE TABLEs exceed PostgreSQL's lock
# table ("out of shared memory"), so the journal grows 250 entries per run, as a project's does.
J="$TMP/project/drizzle/meta/_journal.json"
cp "$J" "$TMP/journal.full"
for k in $(seq 250 250 "$N") "$N"; do
    node -e 'const fs=require("fs");const [f,o,k]=process.argv.slice(1);const j=JSON.parse(fs.readFileSync(f));j.entries=j.entries.slice(0,+k);fs.writeFileSync(o,JSON.stringify(j,null,2))' "$TMP/journal.full" "$J" "$k"
    node tests/frameworks/drizzle/migrate.mjs postgres "$URL" "$TMP/project/drizzle" >/dev/null
done
cp "$TMP/journal.full" "$J"

# shellcheck source=bench/lib.sh
. bench/lib.sh

cd "$TMP/project"
md=$(measure migdoctor "$BIN" status . --db "$URL" --format json --fail-on never)
pending=$(python3 -c "import json; d=json.load(open('$TMP/out')); print(d['sites'][0]['pending'], d['sites'][0]['declared'])")
ref=$(measure drizzle-orm node "$OLDPWD/bench/drizzle_read.mjs" drizzle "$URL")
refout=$(cat "$TMP/out")
ck=$(RUNS=1 measure drizzle-kit env NODE_PATH="$NODE_DIR/node_modules" "$NODE_DIR/node_modules/.bin/drizzle-kit" check --dialect postgresql --out drizzle)
"$BIN" diagnose . --db "$URL" --fail-on warning >"$TMP/diag" || { cat "$TMP/diag"; echo "diagnose reported findings at warning or above" >&2; exit 1; }
echo "entries, pending (migdoctor): $pending; drizzle-orm: $refout"
echo "$md" | awk '{printf "migdoctor status:               %7.3f s  peak %6.1f MB\n", $2, $3/1024}'
echo "$ref" | awk '{printf "readMigrationFiles + table:     %7.3f s  peak %6.1f MB\n", $2, $3/1024}'
echo "$ck" | awk '{printf "drizzle-kit check:              %7.3f s  peak %6.1f MB\n", $2, $3/1024}'
awk -v a="$(echo "$md" | cut -d' ' -f2)" -v b="$(echo "$ref" | cut -d' ' -f2)" -v c="$(echo "$ck" | cut -d' ' -f2)" \
    'BEGIN {printf "speed-up drizzle-orm / migdoctor: %.1fx (target >= 5x); drizzle-kit check / migdoctor: %.1fx\n", b / a, c / a}'
echo "diagnose: nothing at warning or above ($(tail -n1 "$TMP/diag"))"
