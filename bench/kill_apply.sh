#!/usr/bin/env bash
# Random-kill run: `migdoctor apply plan.json` (golang-migrate/undirty on a database left dirty
# at version 3) killed with SIGKILL 5–120 ms after it starts, RUNS times on each database.
# After each kill, `migdoctor journal --db` settles the journal; the script then reads the
# tracking table itself (before, after, or torn), checks that a change that is in has exactly
# one committed journal record (else: an unjournaled commit) and that one that is not has none,
# that nothing is left pending and no backup temp file remains, and undoes a committed change
# from its backup. At the end `journal --verify` must pass.
#   bash bench/kill_apply.sh                          # 100 runs on each of sqlite postgres mysql
#   RUNS=20 DBS="sqlite" bash bench/kill_apply.sh     # a quick run
#   PROFILE=debug bash bench/kill_apply.sh            # the debug binary (slower, other timings)
#   DELAY_MIN=5 DELAY_MAX=50 bash bench/kill_apply.sh # kill within the run's own ~45 ms
# Needs sqlite3, psql and mariadb (or mysql) clients and the local servers
# (postgres://postgres@127.0.0.1:5432, root@127.0.0.1:3306).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-100}
DBS=${DBS:-"sqlite postgres mysql"}
PROFILE=${PROFILE:-release}
DELAY_MIN=${DELAY_MIN:-5}
DELAY_MAX=${DELAY_MAX:-120}
PG_BASE=${PG_BASE:-postgres://postgres@127.0.0.1:5432}
MY_ARGS=(-h 127.0.0.1 -P 3306 -u root)
MYSQL=$(command -v mariadb || command -v mysql)
TMP=$(mktemp -d)
NAME=mdkill_$$
trap 'rm -rf "$TMP"; psql -q "$PG_BASE/postgres" -c "DROP DATABASE IF EXISTS $NAME" >/dev/null 2>&1 || true; "$MYSQL" "${MY_ARGS[@]}" -e "DROP DATABASE IF EXISTS $NAME" >/dev/null 2>&1 || true' EXIT

if [ "$PROFILE" = release ]; then
    cargo build --release -q -p migdoctor
else
    cargo build -q -p migdoctor
fi
BIN=${CARGO_TARGET_DIR:-$PWD/target}/$PROFILE/migdoctor

sql() { # dialect, SQL → rows as "a|b" lines
    case $1 in
        sqlite) sqlite3 "$TMP/sqlite/app.db" "$2" ;;
        postgres) psql -qAt "$PG_BASE/$NAME" -c "$2" ;;
        mysql) "$MYSQL" "${MY_ARGS[@]}" -N -B "$NAME" -e "$2" | tr '\t' '|' ;;
    esac
}

setup() { # dialect → sets URL, DIR; a dirty version 3 with the schema of 1 and 2
    local d=$1
    DIR=$TMP/$d
    mkdir -p "$DIR/db/migrations"
    printf 'CREATE TABLE users (id integer primary key, name text);\n' >"$DIR/db/migrations/000001_create_users.up.sql"
    printf 'CREATE TABLE posts (id integer primary key, body text);\n' >"$DIR/db/migrations/000002_create_posts.up.sql"
    printf 'ALTER TABLE users ADD COLUMN email text;\n' >"$DIR/db/migrations/000003_add_email.up.sql"
    for v in 000001_create_users 000002_create_posts 000003_add_email; do
        printf -- '-- down\n' >"$DIR/db/migrations/$v.down.sql"
    done
    local schema="CREATE TABLE users (id integer primary key, name text); CREATE TABLE posts (id integer primary key, body text);"
    case $d in
        sqlite)
            URL=sqlite://$DIR/app.db
            sqlite3 "$DIR/app.db" "$schema CREATE TABLE schema_migrations (version uint64,dirty bool); CREATE UNIQUE INDEX version_unique ON schema_migrations (version); INSERT INTO schema_migrations VALUES (3, 1);"
            ;;
        postgres)
            URL=$PG_BASE/$NAME
            psql -q "$PG_BASE/postgres" -c "DROP DATABASE IF EXISTS $NAME" -c "CREATE DATABASE $NAME" >/dev/null
            psql -q "$URL" -c "$schema CREATE TABLE schema_migrations (version bigint not null primary key, dirty boolean not null); INSERT INTO schema_migrations VALUES (3, true);" >/dev/null
            ;;
        mysql)
            URL=mysql://root@127.0.0.1:3306/$NAME
            "$MYSQL" "${MY_ARGS[@]}" -e "DROP DATABASE IF EXISTS $NAME; CREATE DATABASE $NAME"
            "$MYSQL" "${MY_ARGS[@]}" "$NAME" -e "$schema CREATE TABLE schema_migrations (version bigint not null primary key, dirty boolean not null); INSERT INTO schema_migrations VALUES (3, 1);"
            ;;
    esac
}

# journal JSON → "committed_count last_committed_backup pending_count reconciled_committed
# reconciled_rolled_back"
summary() {
    python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
e = r["entries"]
c = [x for x in e if x["status"] == "committed"]
rec = lambda s: sum(1 for x in e if x["reconciled"] and x["status"] == s)
print(len(c), c[-1]["backup_id"] if c else "-", sum(x["status"] == "pending" for x in e), rec("committed"), rec("rolled-back"))
' "$1"
}

echo "apply killed with SIGKILL ${DELAY_MIN}-${DELAY_MAX} ms after start, $PROFILE binary"
printf '%-9s %5s %7s %9s %7s %6s %5s %12s %9s %8s %6s %7s\n' database runs killed finished before after torn unjournaled phantom pending temps verify
for d in $DBS; do
    setup "$d"
    "$BIN" plan "$DIR" golang-migrate/undirty --param version=2 --db "$URL" --out "$DIR/plan.json" >/dev/null 2>&1
    before=$(sql "$d" "SELECT version, dirty FROM schema_migrations")
    killed=0 finished=0 n_before=0 n_after=0 torn=0 unjournaled=0 phantom=0 pending=0 temps=0 committed=0 swept=0
    for _ in $(seq 1 "$RUNS"); do
        delay=$((DELAY_MIN + RANDOM % (DELAY_MAX - DELAY_MIN + 1)))
        "$BIN" apply "$DIR/plan.json" --db "$URL" --project "$DIR" --yes >/dev/null 2>&1 &
        pid=$!
        sleep "$(awk -v d="$delay" 'BEGIN { printf "%.3f", d / 1000 }')"
        kill -9 "$pid" 2>/dev/null || true
        rc=0
        wait "$pid" 2>/dev/null || rc=$?
        # 137 = died of SIGKILL; otherwise it had exited before the kill (a zombie takes it).
        if [ "$rc" -eq 137 ]; then killed=$((killed + 1)); else finished=$((finished + 1)); fi
        "$BIN" journal "$DIR" --db "$URL" --format json >"$TMP/journal.json" 2>"$TMP/journal.err" || { cat "$TMP/journal.err" >&2; exit 1; }
        state=$(sql "$d" "SELECT version, dirty FROM schema_migrations")
        read -r now last pend _ < <(summary "$TMP/journal.json")
        pending=$((pending + pend))
        swept=$((swept + $(grep -c "leftover backup temp file" "$TMP/journal.err" || true)))
        left=$(find "$DIR/.migdoctor/backups" -name '.*.tmp' 2>/dev/null | wc -l || true)
        temps=$((temps + left))
        case $state in
            "$before")
                n_before=$((n_before + 1))
                [ "$now" -eq "$committed" ] || phantom=$((phantom + 1))
                ;;
            2\|0 | 2\|f)
                n_after=$((n_after + 1))
                if [ "$now" -ne $((committed + 1)) ]; then
                    unjournaled=$((unjournaled + 1))
                    echo "unjournaled commit on $d (journal: $now committed, was $committed)" >&2
                    # Undo from the newest backup (ids sort by time) to go on.
                    last=$(find "$DIR/.migdoctor/backups" -name '*.json' ! -name '.*' -printf '%f\n' | sort | tail -n 1)
                    last=${last%.json}
                fi
                "$BIN" undo "$last" --db "$URL" --project "$DIR" --yes >/dev/null 2>"$TMP/undo.err" || { cat "$TMP/undo.err" >&2; exit 1; }
                [ "$(sql "$d" "SELECT version, dirty FROM schema_migrations")" = "$before" ] || { echo "undo of $last did not restore the rows before" >&2; exit 1; }
                read -r now _ < <("$BIN" journal "$DIR" --format json 2>/dev/null >"$TMP/journal.json"; summary "$TMP/journal.json")
                ;;
            *)
                torn=$((torn + 1))
                echo "torn state on $d: $state" >&2
                ;;
        esac
        committed=$now
    done
    if "$BIN" journal "$DIR" --verify >"$TMP/verify.out" 2>&1; then verify=pass; else verify=FAIL; cat "$TMP/verify.out" >&2; fi
    printf '%-9s %5d %7d %9d %7d %6d %5d %12d %9d %8d %6d %7s\n' "$d" "$RUNS" "$killed" "$finished" "$n_before" "$n_after" "$torn" "$unjournaled" "$phantom" "$pending" "$temps" "$verify"
    read -r _ _ _ rc rr < <(summary "$TMP/journal.json")
    echo "  $d: killed runs settled by the next command: $rc committed but killed before their outcome record, $rr rolled back after their intent record; the other killed runs died before recording an intent (nothing written); $swept leftover backup temp file(s) removed or promoted"
done
