# Shared by the bench scripts (sourced, not run). Needs $RUNS and $TMP.

# measure NAME COMMAND… → "NAME seconds peak_kb" of the median run (by wall time) on stdout;
# the command's own stdout of the last run is left in $TMP/out. A failing run stops the bench
# and shows the command's stderr.
measure() {
    local name=$1; shift
    for _ in $(seq 1 "$RUNS"); do
        /usr/bin/time -f "%e %M" -o "$TMP/time" "$@" >"$TMP/out" 2>"$TMP/err" || { cat "$TMP/err" >&2; exit 1; }
        cat "$TMP/time"
    done | sort -n | awk -v n="$name" '{t[NR]=$1; m[NR]=$2} END {mid=int((NR+1)/2); printf "%s %.3f %d\n", n, t[mid], m[mid]}'
}
