#!/usr/bin/env bash
# Benchmark of issue 8: a generated Django project of 50 apps x 100 migrations with cross-app
# dependencies, squashes and the contrib apps (bench/gen_django.py), its PostgreSQL database
# built by real `manage.py migrate`. Measures, median of RUNS:
#   migdoctor status   vs   python manage.py showmigrations   (same database; target >= 20x)
#   migdoctor diagnose                                          (peak < 200 MB, nothing >= warning)
#
#   bash bench/django.sh                               # full size
#   APPS=5 PER_APP=20 SQUASHES=2 RUNS=1 bash bench/django.sh   # quick
#
# Environment: SEED (42), APPS (50), PER_APP (100), SQUASHES (10), RUNS (3), MIGDOCTOR_BIN
# (default: cargo build --release), PG_BASE (postgres://postgres@127.0.0.1:5432), KEEP_DB (1:
# keep the database for the next run), BENCH_CACHE (.build/bench-django), BENCH_VENV
# (.build/venv, with tests/frameworks/requirements.txt).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SEED=${SEED:-42}
APPS=${APPS:-50}
PER_APP=${PER_APP:-100}
SQUASHES=${SQUASHES:-10}
RUNS=${RUNS:-3}
PG_BASE=${PG_BASE:-postgres://postgres@127.0.0.1:5432}
KEEP_DB=${KEEP_DB:-1}
VENV=${BENCH_VENV:-$ROOT/.build/venv}
TAG="s${SEED}-a${APPS}-p${PER_APP}-q${SQUASHES}"
CACHE=${BENCH_CACHE:-$ROOT/.build/bench-django}
PROJECT="$CACHE/$TAG"
DBNAME="migdoctor_bench_django_${TAG//-/_}"
URL="$PG_BASE/$DBNAME"
TMP=$(mktemp -d)
cleanup() {
    rm -rf "$TMP"
    if [ "$KEEP_DB" != 1 ]; then
        psql -q "$PG_BASE/postgres" -c "DROP DATABASE IF EXISTS \"$DBNAME\" WITH (FORCE)" >/dev/null 2>&1 || true
    fi
}
trap cleanup EXIT
say() { echo "== $*" >&2; }
# shellcheck source=bench/lib.sh
source bench/lib.sh

if [ -n "${MIGDOCTOR_BIN:-}" ]; then
    BIN=$MIGDOCTOR_BIN
else
    say "building migdoctor (release)"
    cargo build --release -q -p migdoctor
    BIN=${CARGO_TARGET_DIR:-$ROOT/target}/release/migdoctor
fi
PY=$VENV/bin/python
[ -x "$PY" ] && "$PY" -c 'import django, psycopg2' 2>/dev/null || {
    echo "no Django in $VENV: python3 -m venv $VENV && $VENV/bin/pip install -r tests/frameworks/requirements.txt" >&2
    exit 1
}

# The project and its database are reused while the generator and the sizes are unchanged.
STAMP="$(cat bench/gen_django.py bench/gen_monorepo.py | sha256sum | cut -c1-16) $TAG"
db_stamp=$(psql -At "$PG_BASE/postgres" -c "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = '$DBNAME'")
if [ "$(cat "$PROJECT/.stamp" 2>/dev/null)" != "$STAMP" ] || [ "$db_stamp" != "$STAMP" ]; then
    say "generating $PROJECT and building $DBNAME with manage.py migrate"
    rm -rf "$PROJECT"
    "$PY" bench/gen_django.py "$PROJECT" --seed "$SEED" --apps "$APPS" --per-app "$PER_APP" \
        --squashes "$SQUASHES" --db "$URL" --build --recreate-db
    psql -q "$PG_BASE/postgres" -c "COMMENT ON DATABASE \"$DBNAME\" IS '$STAMP'"
    echo "$STAMP" >"$PROJECT/.stamp"
fi
summary=$("$PY" -c 'import json,sys; m=json.load(open(sys.argv[1])); print("%d migrations in %d apps, %d squashes, %d rows in django_migrations" % (m["migrations"], m["apps"], len(m["squashes"]), m["tracking_rows"]))' "$PROJECT/.bench-django.json")
tables=$(psql -At "$URL" -c "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r'")
say "project: $summary; database: $tables tables"

cd "$PROJECT"
find . -name '*.py' >/dev/null # warm the page cache for both sides
say "status"
md_status=$(measure md_status "$BIN" status . --db "$URL" --format json --fail-on never --color never)
cp "$TMP/out" "$TMP/status.json"
dj_show=$(measure showmigrations env PYTHONDONTWRITEBYTECODE=1 "$PY" manage.py showmigrations)
cp "$TMP/out" "$TMP/showmigrations.txt"
say "diagnose"
md_diag=$(measure md_diag "$BIN" diagnose . --db "$URL" --format json --fail-on never --color never)
cp "$TMP/out" "$TMP/diagnose.json"
dj_check=$(measure migrate_check env PYTHONDONTWRITEBYTECODE=1 "$PY" manage.py migrate --check)

# Both sides agree that everything is applied.
unapplied=$(grep -c '^ \[ \]' "$TMP/showmigrations.txt" || true)
serious=$("$PY" - "$TMP/diagnose.json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
fs = [f for s in r.get("sites", []) for f in s.get("findings", [])] + r.get("database_findings", [])
bad = [f for f in fs if f.get("severity") != "info"]
for f in bad[:20]:
    print(f"  {f['severity']} {f['code']}: {f['message'][:300]}", file=sys.stderr)
print(len(bad))
EOF
)

echo
echo "Django benchmark ($summary; PostgreSQL, $tables tables); median of $RUNS run(s)"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-38s %10s %12s\n' "" "wall (s)" "peak (MB)"
for row in "$md_status" "$dj_show" "$md_diag" "$dj_check"; do
    read -r name t kb <<<"$row"
    case $name in
        md_status) label="migdoctor status --db" ;;
        showmigrations) label="python manage.py showmigrations" ;;
        md_diag) label="migdoctor diagnose --db" ;;
        migrate_check) label="python manage.py migrate --check" ;;
    esac
    printf '%-38s %10.3f %12.1f\n' "$label" "$t" "$(echo "$kb / 1024" | bc -l)"
done
read -r _ ts ks <<<"$md_status"
read -r _ tj _ <<<"$dj_show"
read -r _ td kd <<<"$md_diag"
ratio=$(echo "$tj / $ts" | bc -l)
printf 'status speed-up over showmigrations: %.1fx (target >= 20x)\n' "$ratio"
printf 'peak memory: status %.1f MB, diagnose %.1f MB (target < 200 MB)\n' "$(echo "$ks / 1024" | bc -l)" "$(echo "$kd / 1024" | bc -l)"
echo "showmigrations lists $unapplied unapplied migration(s); diagnose: $serious finding(s) at warning or above (target 0)"
ok=1
awk -v r="$ratio" 'BEGIN { exit !(r >= 20) }' || { echo "MISSED: speed-up below 20x"; ok=0; }
[ "$ks" -lt 204800 ] && [ "$kd" -lt 204800 ] || { echo "MISSED: peak memory"; ok=0; }
[ "$serious" = 0 ] || { echo "MISSED: diagnose reports findings at warning or above"; ok=0; }
[ "$unapplied" = 0 ] || { echo "MISSED: the database is not fully migrated"; ok=0; }
[ $ok = 1 ] && echo "all targets met"
