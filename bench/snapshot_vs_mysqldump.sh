#!/usr/bin/env bash
# Benchmark: migdoctor snapshot against the plain catalog queries it runs and against
# mysqldump --no-data, on the same large MySQL/MariaDB schema.
#   bash bench/snapshot_vs_mysqldump.sh            # 3,000 tables
#   TABLES=300 RUNS=1 bash bench/...               # a quick run
# Needs the local MariaDB/MySQL (root@127.0.0.1:3306 unless MY_HOST, MY_PORT, MY_USER and
# MYSQL_PWD say otherwise), its command-line client and mysqldump. Prints wall time and peak
# memory of each, median of RUNS runs, as a Markdown table with ratios. MIGDOCTOR_BIN picks the
# binary (default: target/release/migdoctor, built here).
set -euo pipefail
cd "$(dirname "$0")/.."
TABLES=${TABLES:-3000}
RUNS=${RUNS:-3}
DB=${BENCH_DB:-migdoctor_bench_my}
MY_HOST=${MY_HOST:-127.0.0.1}
MY_PORT=${MY_PORT:-3306}
MY_USER=${MY_USER:-root}
URL="mysql://$MY_USER${MYSQL_PWD:+:$MYSQL_PWD}@$MY_HOST:$MY_PORT/$DB"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

if [ -z "${MIGDOCTOR_BIN:-}" ]; then
    cargo build --release -q -p migdoctor
    MIGDOCTOR_BIN=${CARGO_TARGET_DIR:-$PWD/target}/release/migdoctor
fi
BIN=$(realpath "$MIGDOCTOR_BIN")
CLIENT=$(command -v mariadb || command -v mysql)
DUMP=$(command -v mysqldump || command -v mariadb-dump)
client() { "$CLIENT" -h "$MY_HOST" -P "$MY_PORT" -u "$MY_USER" "$@"; }

if [ "${REUSE:-0}" != 1 ]; then
    echo "creating $TABLES tables in $DB …" >&2
    client -e "DROP DATABASE IF EXISTS $DB; CREATE DATABASE $DB"
    python3 bench/gen_mysql_schema.py "$TABLES" > "$TMP/schema.sql"
    client "$DB" < "$TMP/schema.sql"
fi
counts=$(client -N "$DB" -e "SELECT (SELECT count(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()), \
    (SELECT count(DISTINCT TABLE_NAME, INDEX_NAME) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE())" \
    | awk '{printf "%d tables, %d indexes", $1, $2}')
echo "schema: $counts" >&2

# The catalog queries of crates/db/src/introspect/mysql.rs, one plain query per view.
cat > "$TMP/catalog.sql" <<'SQL'
SELECT TABLE_NAME, TABLE_TYPE FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME;
SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, ORDINAL_POSITION FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE();
SELECT TABLE_NAME, CONSTRAINT_NAME, COLUMN_NAME, ORDINAL_POSITION, REFERENCED_TABLE_SCHEMA, REFERENCED_TABLE_NAME FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = DATABASE();
SELECT TABLE_NAME, CONSTRAINT_NAME, CONSTRAINT_TYPE FROM information_schema.TABLE_CONSTRAINTS WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME, CONSTRAINT_NAME, CONSTRAINT_TYPE;
SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE, SEQ_IN_INDEX, COLUMN_NAME FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX;
SELECT ROUTINE_NAME FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE() ORDER BY ROUTINE_NAME;
SQL

# shellcheck source=bench/lib.sh
. bench/lib.sh

mkdir -p "$TMP/empty"
cd "$TMP/empty"
md=$(measure migdoctor "$BIN" snapshot . --db "$URL" --out /dev/null)
cq=$(measure catalog sh -c '"$@" < "$0"' "$TMP/catalog.sql" "$CLIENT" -h "$MY_HOST" -P "$MY_PORT" -u "$MY_USER" -B -N "$DB")
dp=$(measure mysqldump "$DUMP" -h "$MY_HOST" -P "$MY_PORT" -u "$MY_USER" --no-data "$DB")
t() { echo "$1" | cut -d' ' -f2; }
row() { echo "$1" | awk -v label="$2" -v base="$(t "$md")" '{printf "| %s | %.3f s | %.1f MB | %.2f |\n", label, $2, $3/1024, base/$2}'; }
echo
echo "$counts, median of $RUNS runs:"
echo
echo "| | wall time | peak memory | migdoctor / this |"
echo "|---|---|---|---|"
row "$md" '`migdoctor snapshot`'
row "$cq" 'plain catalog queries (`'"$(basename "$CLIENT")"'`)'
row "$dp" '`'"$(basename "$DUMP")"' --no-data`'
echo
awk -v a="$(t "$md")" -v b="$(t "$cq")" 'BEGIN {printf "migdoctor / plain catalog queries: %.2f (target <= 1.50)\n", a / b}'
if [ "${KEEP:-0}" != 1 ]; then client -e "DROP DATABASE IF EXISTS $DB"; fi
