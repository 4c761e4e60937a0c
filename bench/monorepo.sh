#!/usr/bin/env bash
# Benchmark "truth and speed on a real monorepo": migdoctor against the incumbent tools on one
# generated monorepo (bench/gen_monorepo.py: Alembic 5,000 revisions, golang-migrate 10,000
# versions, Django 50 x 100 migrations, Drizzle 2,000 entries, 100,000 ordinary files) and the
# PostgreSQL database its migrations built (about 10,000 tables).
#
#   bash bench/monorepo.sh                         # full size, median of 3 runs
#   SCALE=0.1 RUNS=1 bash bench/monorepo.sh        # quick
#   KEEP_DB=1 bash bench/monorepo.sh               # keep the database for the next run
#
# Environment: SCALE (1), SEED (42), RUNS (3), MIGDOCTOR_BIN (default: cargo build --release),
# PG_BASE (postgres://postgres@127.0.0.1:5432), KEEP_DB (0: drop the database at the end),
# BENCH_CACHE (.build/bench-monorepo), DRIZZLE (kit|emulate; default kit when npm works).
# The corpus is cached in $BENCH_CACHE/s<seed>-x<scale>/ and reused while seed, scale and the
# generator are unchanged; so is the database while KEEP_DB=1 left it there.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SEED=${SEED:-42}
SCALE=${SCALE:-1}
RUNS=${RUNS:-3}
PG_BASE=${PG_BASE:-postgres://postgres@127.0.0.1:5432}
KEEP_DB=${KEEP_DB:-0}
CACHE=${BENCH_CACHE:-$ROOT/.build/bench-monorepo}
VENV=${BENCH_VENV:-$ROOT/.build/bench-venv}
NODE_DIR=${BENCH_NODE:-$ROOT/.build/bench-node}
TAG="s${SEED}-x${SCALE}"
DBNAME=${BENCH_DB:-migdoctor_bench_mono_s${SEED}_x${SCALE//./_}}
URL="$PG_BASE/$DBNAME"
WORK="$CACHE/$TAG"
REPO="$WORK/repo"
TMP=$(mktemp -d)
cleanup() {
    rm -rf "$TMP"
    if [ "$KEEP_DB" != 1 ] && [ -n "${DB_READY:-}" ]; then
        psql -q "$PG_BASE/postgres" -c "DROP DATABASE IF EXISTS \"$DBNAME\" WITH (FORCE)" >/dev/null 2>&1 || true
        echo "dropped database $DBNAME (KEEP_DB=1 keeps it)" >&2
    fi
}
trap cleanup EXIT
say() { echo "== $*" >&2; }

# --- the binary ------------------------------------------------------------------------------
if [ -n "${MIGDOCTOR_BIN:-}" ]; then
    BIN=$MIGDOCTOR_BIN
else
    say "building migdoctor (release)"
    cargo build --release -q -p migdoctor
    BIN=${CARGO_TARGET_DIR:-$ROOT/target}/release/migdoctor
fi
[ -x "$BIN" ] || { echo "no migdoctor binary at $BIN" >&2; exit 1; }

# --- Python: Alembic, Django, psycopg2 (pinned) -----------------------------------------------
req_stamp=$(cat tests/frameworks/requirements.txt bench/requirements.txt | sha256sum | cut -c1-16)
if [ "$(cat "$VENV/.bench-stamp" 2>/dev/null)" != "$req_stamp" ]; then
    say "installing bench/requirements.txt into $VENV"
    rm -rf "$VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q -r tests/frameworks/requirements.txt -r bench/requirements.txt
    echo "$req_stamp" >"$VENV/.bench-stamp"
fi
PY=$VENV/bin/python
ALEMBIC=$VENV/bin/alembic

# --- drizzle-kit (pinned, npm ci) -------------------------------------------------------------
DRIZZLE=${DRIZZLE:-kit}
if [ "$DRIZZLE" = kit ]; then
    node_stamp=$(cat bench/package.json bench/package-lock.json | sha256sum | cut -c1-16)
    if [ "$(cat "$NODE_DIR/.bench-stamp" 2>/dev/null)" != "$node_stamp" ]; then
        say "installing drizzle-kit into $NODE_DIR"
        rm -rf "$NODE_DIR" && mkdir -p "$NODE_DIR"
        cp bench/package.json bench/package-lock.json "$NODE_DIR/"
        if (cd "$NODE_DIR" && npm ci --no-audit --no-fund --loglevel=error >&2); then
            echo "$node_stamp" >"$NODE_DIR/.bench-stamp"
        else
            echo "npm ci failed: Drizzle's migrator is emulated instead of running drizzle-kit" >&2
            DRIZZLE=emulate
        fi
    fi
fi

# --- the corpus and its database ----------------------------------------------------------------
STAMP=$("$PY" bench/gen_monorepo.py --print-stamp --seed "$SEED" --scale "$SCALE" "$REPO")
have=$("$PY" -c 'import json,sys; m=json.load(open(sys.argv[1])); print(m["stamp"] + " " + m["db_url"])' "$REPO/.bench-manifest.json" 2>/dev/null || true)
if [ "$have" != "$STAMP $URL" ]; then
    say "generating the corpus into $REPO"
    rm -rf "$WORK"
    "$PY" bench/gen_monorepo.py "$REPO" --seed "$SEED" --scale "$SCALE" --db "$URL" --no-build
fi
db_stamp=$(psql -At "$PG_BASE/postgres" -c "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = '$DBNAME'")
DB_READY=1 # from here on the database is ours to drop at the end (unless KEEP_DB=1)
if [ "$db_stamp" != "$STAMP" ]; then
    say "building the database $DBNAME by running the migrations"
    "$PY" bench/gen_monorepo.py "$REPO" --seed "$SEED" --scale "$SCALE" --db "$URL" --build-only --recreate-db --drizzle "$DRIZZLE"
fi
ALEMBIC_PROJECT="$REPO/$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["alembic"]["root"])' "$REPO/.bench-manifest.json")"
# migdoctor takes the URL that alembic.ini writes down; "without a database" therefore runs in a
# copy of the Alembic project whose alembic.ini has no sqlalchemy.url (alembic heads never connects)
NODB="$WORK/alembic-files-only"
if [ ! -f "$NODB/.done" ]; then
    rm -rf "$NODB" && mkdir -p "$NODB"
    cp -r "$ALEMBIC_PROJECT/migrations" "$NODB/"
    grep -v '^sqlalchemy.url' "$ALEMBIC_PROJECT/alembic.ini" >"$NODB/alembic.ini"
    touch "$NODB/.done"
fi

counts=$(psql -At "$URL" -c "SELECT count(*) FILTER (WHERE c.relkind IN ('r', 'p')) || ' tables, ' || count(*) FILTER (WHERE c.relkind = 'i') || ' indexes' FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')")
nfiles=$(find "$REPO" -type f -not -path '*/.git/*' | wc -l)
npy=$(find "$REPO" -name '*.py' | wc -l)
say "corpus: $nfiles files ($npy .py); database $DBNAME: $counts"

# --- timing -----------------------------------------------------------------------------------
# measure NAME DIR command… → "seconds kb": wall time (clock in ns; %e of time(1) has only 10 ms)
# and peak RSS (%M of /usr/bin/time), the run with the median time of RUNS; stdout of the last
# run in $TMP/NAME.out. A failing command prints its stderr and stops the script.
measure() {
    local name=$1 dir=$2; shift 2
    for _ in $(seq 1 "$RUNS"); do
        local start end
        start=$(date +%s%N)
        if ! (cd "$dir" && /usr/bin/time -f "%M" -o "$TMP/$name.time" "$@" >"$TMP/$name.out" 2>"$TMP/$name.err"); then
            echo "FAILED: $*" >&2
            tail -n 40 "$TMP/$name.err" >&2
            exit 1
        fi
        end=$(date +%s%N)
        echo "$(( (end - start) / 1000 )) $(tail -n 1 "$TMP/$name.time")"
    done | sort -n | awk '{t[NR]=$1; m[NR]=$2} END {mid=int((NR+1)/2); printf "%.4f %d\n", t[mid] / 1e6, m[mid]}'
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
find "$REPO" -name '*.py' >/dev/null # warm the page cache for both sides
say "scan"
md_scan=$(measure md_scan "$TMP" "$BIN" scan "$REPO" --format json --fail-on never --color never)
find_py=$(measure find_py "$TMP" find "$REPO" -name '*.py')
say "status with the database"
md_status_db=$(measure md_status_db "$ALEMBIC_PROJECT" "$BIN" status . --db "$URL" --format json --fail-on never --color never)
al_current=$(measure al_current "$ALEMBIC_PROJECT" env -u DATABASE_URL "$ALEMBIC" current)
say "status without a database"
md_status=$(measure md_status "$NODB" env -u DATABASE_URL "$BIN" status . --format json --fail-on never --color never)
al_heads=$(measure al_heads "$NODB" env -u DATABASE_URL "$ALEMBIC" heads)
say "diagnose"
md_diag=$(measure md_diag "$TMP" "$BIN" diagnose "$REPO" --db "$URL" --format json --fail-on never --color never)
pg_dump_=$(measure pg_dump "$TMP" pg_dump --schema-only -d "$URL" -f "$TMP/dump.sql")

# --- report -----------------------------------------------------------------------------------
report_row() { # label, against, md "t kb", other "t kb", mode, target value, peak MB limit (or ""), target text
    awk -v label="$1" -v against="$2" -v a="$3" -v b="$4" -v mode="$5" -v target="$6" -v peak="$7" -v ttext="$8" 'BEGIN {
        split(a, x, " "); split(b, y, " ")
        if (mode == "speedup") { r = (x[1] > 0 ? y[1] / x[1] : 0); ratio = sprintf("%.1fx faster", r); ok = r >= target }
        else { r = (y[1] > 0 ? x[1] / y[1] : 0); ratio = sprintf("%.2fx its time", r); ok = r <= target }
        if (peak != "" && x[2] / 1024 >= peak) ok = 0
        printf "| %s | %.3f s | %.1f MB | %s | %.3f s | %.1f MB | %s | %s | %s |\n", label, x[1], x[2] / 1024, against, y[1], y[2] / 1024, ratio, ttext, ok ? "yes" : "**no**"
    }'
}

echo
echo "Monorepo: $nfiles files ($npy .py), database $counts; seed $SEED, scale $SCALE, median of $RUNS run(s), $(nproc) cores, load average $load_before before and $(cut -d' ' -f1-3 /proc/loadavg) after the timings."
echo
echo "| migdoctor | time | peak | against | time | peak | ratio | target | met |"
echo "|---|---|---|---|---|---|---|---|---|"
report_row '`migdoctor scan REPO`' '`find REPO -name '"'"'*.py'"'"'`' "$md_scan" "$find_py" fraction 0.9999 100 'faster than `find`, peak < 100 MB'
report_row '`migdoctor status ALEMBIC_PROJECT --db URL`' '`alembic current`' "$md_status_db" "$al_current" speedup 100 "" '≥ 100× faster'
report_row '`migdoctor status ALEMBIC_PROJECT` (no database)' '`alembic heads`' "$md_status" "$al_heads" speedup 20 "" '≥ 20× faster'
report_row '`migdoctor diagnose REPO --db URL`' '`pg_dump --schema-only`' "$md_diag" "$pg_dump_" fraction 0.5 300 '≤ 0.5× its time, peak < 300 MB'

echo
echo "Findings of \`migdoctor diagnose\` at warning or above, per site and code:"
echo
"$PY" - "$TMP/md_diag.out" "$TMP/md_scan.out" <<'EOF'
import collections, json, sys
diag = json.load(open(sys.argv[1]))
scan = json.load(open(sys.argv[2]))
levels = {"warning", "error", "critical"}
rows = collections.Counter()
per_site = collections.Counter()
for site in diag.get("sites", []):
    label = f"{site.get('framework')}:{site.get('site')}"
    per_site[label] += 0
    for f in site.get("findings", []):
        if f.get("severity") in levels:
            rows[(label, f.get("code"), f.get("severity"))] += 1
            per_site[label] += 1
for f in diag.get("database_findings", []) or []:
    if f.get("severity") in levels:
        rows[("(database)", f.get("code"), f.get("severity"))] += 1
        per_site["(database)"] += 1
print("| site | warning+ findings |")
print("|---|---|")
for label, n in sorted(per_site.items()):
    print(f"| `{label}` | {n} |")
print()
print("| site | code | severity | count |")
print("|---|---|---|---|")
for (label, code, sev), n in sorted(rows.items()):
    print(f"| `{label}` | {code} | {sev} | {n} |")
print()
sites = scan.get("sites", [])
print(f"`migdoctor scan` found {len(sites)} site(s): " + ", ".join(f"{s.get('framework')}:{s.get('site')} ({s.get('migrations')})" for s in sites))
EOF
