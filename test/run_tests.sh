#!/usr/bin/env bash
# test/run_tests.sh — build, install and run every fintech test:
#
#   1. pg_regress (make installcheck, REGRESS) against a throwaway cluster
#      with shared_preload_libraries = 'fintech'
#   2. isolation specs (make installcheck, ISOLATION) against the same cluster
#   3. pg_regress without preloading (make installcheck-nopreload: its own
#      temporary instance)
#   4. TAP tests (make prove-installcheck: each test starts its clusters)
#
# Run as root on a fresh Debian bookworm (installs what it needs) or as any
# user who can install into the server's directories.  Servers run as the
# "postgres" OS user in a temp dir, on a private port and socket, and are
# stopped and removed at the end, also on failure (FT_KEEP=1 keeps the dir).
# Exits non-zero when anything failed; the last line is "N passed, M failed".
set -uo pipefail

. "$(dirname "$0")/lib.sh"

PASSED=0
FAILED=0
PHASE_TIMEOUT=${FT_PHASE_TIMEOUT:-900}

trap ft_cleanup EXIT
trap 'exit 130' INT TERM

# count_pg_regress LOG: add pg_regress's verdict to the totals
count_pg_regress() {
	local log=$1 n m
	if n=$(grep -Eo 'All [0-9]+ tests passed' "$log" | grep -Eo '[0-9]+'); then
		PASSED=$((PASSED + n))
		return 0
	fi
	if m=$(grep -Eo '[0-9]+ of [0-9]+ tests failed' "$log"); then
		n=${m##* of }; n=${n%% *}; m=${m%% of*}
		PASSED=$((PASSED + n - m))
		FAILED=$((FAILED + m))
		return 1
	fi
	echo "(no pg_regress summary: counted as one failure)"
	FAILED=$((FAILED + 1))
	return 1
}

# count_prove LOG NFILES: one test per TAP script
count_prove() {
	local log=$1 total=$2 bad
	bad=$(grep -cE '^\S+\.pl +\(Wstat: ' "$log")
	if [ "$bad" -eq 0 ] && ! grep -q '^Result: PASS' "$log"; then
		bad=$total
	fi
	PASSED=$((PASSED + total - bad))
	FAILED=$((FAILED + bad))
	[ "$bad" -eq 0 ]
}

show_diffs() {
	local f
	for f in "$@"; do
		if [ -s "$f" ]; then
			echo "---- $f"
			cat "$f"
		fi
	done
}

# run_phase NAME LOG COMMAND...: run a test phase with a time limit, tee its log
run_phase() {
	local name=$1 log=$2
	shift 2
	ft_log "$name"
	timeout --kill-after=30 "$PHASE_TIMEOUT" "$@" 2>&1 | tee "$log"
}

ft_bootstrap
ft_workdir
SRC=$FT_WORK/src
MK=(make -C "$SRC" --no-print-directory PG_CONFIG="$PG_CONFIG")

ft_log "build and install (FINTECH_CHECKS=1, -Werror)"
if ! ft_build_install FINTECH_CHECKS=1; then
	echo "build failed"
	echo "0 passed, 1 failed"
	exit 1
fi

ft_log "start a preloaded cluster"
if ! ft_cluster_start main; then
	echo "could not start the test cluster"
	echo "0 passed, 1 failed"
	exit 1
fi
echo "PGHOST=$PGHOST PGPORT=$PGPORT"

run_phase "pg_regress (preloaded)" "$FT_WORK/regress.log" \
	"${AS_PG[@]}" "${MK[@]}" installcheck ISOLATION=
count_pg_regress "$FT_WORK/regress.log" || show_diffs "$SRC/regression.diffs"

run_phase "isolation (preloaded)" "$FT_WORK/isolation.log" \
	"${AS_PG[@]}" "${MK[@]}" installcheck REGRESS=
count_pg_regress "$FT_WORK/isolation.log" || show_diffs "$SRC/output_iso/regression.diffs"

ft_cluster_stop

run_phase "pg_regress (not preloaded, temporary instance)" "$FT_WORK/nopreload.log" \
	"${AS_PG[@]}" "${MK[@]}" installcheck-nopreload
count_pg_regress "$FT_WORK/nopreload.log" || show_diffs "$SRC/output_nopreload/regression.diffs"

ntap=$(ls "$SRC"/test/t/*.pl 2>/dev/null | wc -l)
if [ "$ntap" -gt 0 ]; then
	run_phase "TAP" "$FT_WORK/tap.log" "${AS_PG[@]}" "${MK[@]}" prove-installcheck
	if ! count_prove "$FT_WORK/tap.log" "$ntap"; then
		for f in "$SRC"/tmp_check/log/regress_log_*; do
			[ -f "$f" ] && { echo "---- $f (last 60 lines)"; tail -n 60 "$f"; }
		done
	fi
fi

ft_log "summary"
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
