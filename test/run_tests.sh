#!/usr/bin/env bash
# test/run_tests.sh — build, install and run every fintech test:
#
#   1. pg_regress (make installcheck, REGRESS) against a throwaway cluster
#      with shared_preload_libraries = 'fintech'
#   2. isolation specs (make installcheck, ISOLATION) against the same cluster
#   3. pg_regress without preloading (make installcheck-nopreload: its own
#      temporary instance)
#   4. TAP tests (make prove-installcheck: each test starts its clusters)
#   5. as root with Debian's server only (CI): make installcheck as
#      docs/operations.md says, from a clone root owns, against a Debian
#      cluster it creates and drops (test/installcheck_debian.sh; a few
#      tests of each suite); otherwise skipped, with a message
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

# count_pg_regress LOG [SUITES]: add the verdicts of pg_regress (one summary
# per suite; SUITES, default 1, is how many the log must hold) to the totals
count_pg_regress() {
	local log=$1 want=${2:-1} line n m seen=0 rc=0
	while read -r line; do
		seen=$((seen + 1))
		if [[ $line =~ ^All\ ([0-9]+)\ tests\ passed ]]; then
			PASSED=$((PASSED + BASH_REMATCH[1]))
		elif [[ $line =~ ^([0-9]+)\ of\ ([0-9]+)\ tests\ failed ]]; then
			m=${BASH_REMATCH[1]}; n=${BASH_REMATCH[2]}
			PASSED=$((PASSED + n - m))
			FAILED=$((FAILED + m))
			rc=1
		fi
	done < <(grep -Eo 'All [0-9]+ tests passed|[0-9]+ of [0-9]+ tests failed' "$log")
	if [ "$seen" -lt "$want" ]; then
		echo "(pg_regress summaries: $seen of $want: counted as $((want - seen)) failure(s))"
		FAILED=$((FAILED + want - seen))
		rc=1
	fi
	return $rc
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

# (prints why and exits 77 unless root with Debian's server; it shows its
# own regression.diffs)
run_phase "make installcheck as docs/operations.md says, against a Debian cluster" \
	"$FT_WORK/debian.log" bash "$SRC/test/installcheck_debian.sh" "$SRC"
if ! grep -q '^skipped: ' "$FT_WORK/debian.log"; then
	count_pg_regress "$FT_WORK/debian.log" 2
fi

ft_log "summary"
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
