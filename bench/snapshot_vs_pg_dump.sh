#!/usr/bin/env bash
# Benchmark: migdoctor snapshot against pg_dump --schema-only on the same large schema.
#   bash bench/snapshot_vs_pg_dump.sh            # 20 schemas x 500 tables = 10,000 tables
#   SCHEMAS=2 TABLES=100 bash bench/...          # a quick run
# Needs the local PostgreSQL (postgres://postgres@127.0.0.1:5432) and pg_dump. Prints wall time
# and peak memory of each, median of RUNS runs, and the ratio migdoctor / pg_dump.
set -euo pipefail
cd "$(dirname "$0")/.."
SCHEMAS=${SCHEMAS:-20}
TABLES=${TABLES:-500}
RUNS=${RUNS:-3}
DB=${BENCH_DB:-migdoctor_bench}
BASE=${PG_BASE:-postgres://postgres@127.0.0.1:5432}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

cargo build --release -q -p migdoctor
BIN=$PWD/target/release/migdoctor

if [ "${REUSE:-0}" != 1 ]; then
    echo "creating $((SCHEMAS * TABLES)) tables in $DB …" >&2
    psql -q "$BASE/postgres" -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
    python3 bench/gen_pg_schema.py "$SCHEMAS" "$TABLES" > "$TMP/schema.sql"
    psql -q -v ON_ERROR_STOP=1 "$BASE/$DB" -f "$TMP/schema.sql" >/dev/null
    psql -q "$BASE/$DB" -c "ANALYZE" >/dev/null
fi
counts=$(psql -At "$BASE/$DB" -c "SELECT count(*) FILTER (WHERE relkind = 'r'), count(*) FILTER (WHERE relkind = 'i') FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname LIKE 'app\_%'")
echo "schema: tables|indexes = $counts" >&2

# shellcheck source=bench/lib.sh
. bench/lib.sh

mkdir -p "$TMP/empty"
cd "$TMP/empty"
md=$(measure migdoctor "$BIN" snapshot . --db "$BASE/$DB" --out "$TMP/snapshot.json")
pd=$(measure pg_dump pg_dump --schema-only -d "$BASE/$DB" -f "$TMP/dump.sql")
echo "$md" | awk '{printf "migdoctor snapshot:       %7.3f s  peak %6.1f MB\n", $2, $3/1024}'
echo "$pd" | awk '{printf "pg_dump --schema-only:    %7.3f s  peak %6.1f MB\n", $2, $3/1024}'
awk -v a="$(echo "$md" | cut -d' ' -f2)" -v b="$(echo "$pd" | cut -d' ' -f2)" 'BEGIN {printf "ratio migdoctor / pg_dump: %.2f (target <= 1.00)\n", a / b}'
ls -l "$TMP/snapshot.json" | awk '{printf "snapshot size: %.1f MB\n", $5/1048576}'
if [ "${KEEP:-0}" != 1 ]; then psql -q "$BASE/postgres" -c "DROP DATABASE IF EXISTS $DB"; fi
