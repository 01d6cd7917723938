# shellcheck shell=bash
# test/bench/common.sh — shared by the benchmark runners (run.sh, scale.sh):
# the cluster settings, building the checkout, and the CPU accounting that
# tells whether anything else ran during a measurement.  Source it after
# ../lib.sh; it sets SETTINGS, and bench_build sets TREE and SRC_DIGEST.

# tuned but durable: fsync and synchronous_commit on
SETTINGS=(
	"fintech.database = 'postgres'"
	"fsync = on"                      # lib.sh writes fsync = off; this later line wins
	"synchronous_commit = on"
	"shared_buffers = '2GB'"
	"wal_buffers = '64MB'"
	"max_wal_size = '8GB'"
	"checkpoint_timeout = '30min'"
)

# what is built: the checkout as it is when it is copied, naming changed and
# new files of what is built and run (not a results file beside them)
tree_state() {
	git -C "$FT_ROOT" describe --always --dirty 2>/dev/null || echo 'not a git checkout'
	{ git -C "$FT_ROOT" status --porcelain -- src sql test Makefile fintech.control 2>/dev/null || true; } | awk '{printf "%s%s", (NR > 1 ? ", " : " (changed: "), $2} END {if (NR) print ")"}'
}

# build and install the checkout without FINTECH_CHECKS; TREE says what was
# built, SRC_DIGEST is a hash of the built sources (the same for the same
# sources, whatever directory they were built in)
bench_build() {
	ft_log "build and install (without FINTECH_CHECKS)" >&2
	TREE=$(tree_state | tr -d '\n')
	# FINTECH_CHECKS= on the command line: an exported FINTECH_CHECKS must not
	# turn the internal checks on for a benchmark build
	ft_build_install FINTECH_CHECKS= >&2 || ft_die "build failed"
	[ "$(tree_state | tr -d '\n')" = "$TREE" ] || TREE="$TREE, changing while it was copied"
	# sources only: objects carry the temporary build directory's name
	SRC_DIGEST=$(cd "$FT_WORK/src" && find src sql Makefile fintech.control -type f \
		\( -name '*.[ch]' -o -name '*.sql' -o -name Makefile -o -name '*.control' \) | LC_ALL=C sort |
		xargs cat | sha1sum | cut -c1-12)
}

# CPU accounting, in clock ticks: all busy CPU time, and what the cluster
# used (the postmaster with the children it reaped, plus its live
# children).  "other" = busy - cluster - pgbench: other processes and
# kernel threads, as % of one CPU.
cpu_busy() {
	awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9; exit}' /proc/stat
}
cluster_ticks() {
	local pm
	pm=$(head -1 "$FT_PGDATA/postmaster.pid")
	# (a process that ends between the glob and cat makes cat fail: not an error)
	{ cat /proc/[0-9]*/stat 2>/dev/null || true; } | awk -v pm="$pm" '{
		pid = $1; sub(/^.*\) /, "")     # after "pid (comm) ": state ppid ... utime stime cutime cstime
		if (pid == pm || $2 == pm) t += $12 + $13 + $14 + $15
	} END {print t + 0}'
}
# ticks of the children in the output of "times"
times_ticks() {
	sed -n 2p "$1" | awk -v hz="$(getconf CLK_TCK)" '{
		t = 0
		for (i = 1; i <= 2; i++) { split($i, p, /[ms]/); t += p[1] * 60 + p[2] }
		printf "%d\n", t * hz
	}'
}
# other_cpu BUSY0 BUSY1 OURS0 OURS1 TIMESFILE WALL0 WALL1: % of a CPU used
# by anything but the cluster and pgbench between the two samples
other_cpu() {
	awk -v b=$(($2 - $1)) -v o=$(($4 - $3)) -v p="$(times_ticks "$5")" -v w0="$6" -v w1="$7" \
		-v hz="$(getconf CLK_TCK)" 'BEGIN {
			x = 100 * (b - o - p) / ((w1 - w0) * hz); printf "%.0f\n", (x < 0 ? 0 : x) }'
}

# audit_triggers ENABLE|DISABLE TABLE...: the capture triggers of fintech's
# tables (a table without one, e.g. one no longer captured, is skipped)
audit_triggers() {
	local how=$1 t
	shift
	for t in $(audited_tables "$@"); do
		ft_psql -c "ALTER TABLE fintech.$t $how TRIGGER fintech_audit" >/dev/null
	done
}
# audited_tables TABLE...: those of fintech's TABLEs that have a capture trigger
audited_tables() {
	local t
	for t in "$@"; do
		[ -n "$(ft_psql -Atc "SELECT 1 FROM pg_catalog.pg_trigger
		                       WHERE tgrelid = 'fintech.$t'::pg_catalog.regclass
		                         AND tgname = 'fintech_audit'")" ] && echo "$t"
	done
	return 0
}

last_entry_id() {
	ft_psql -Atc 'SELECT coalesce(max(id), 0) FROM fintech.entries'
}

# median: the median of the numbers on standard input (separated by spaces or
# newlines; 0 when there are none), e.g. echo "${TPS[$w]}" | median
median() {
	tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END {
		print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}

# print_anomalies TEXT: the ODD array as a Markdown list, or TEXT when empty
print_anomalies() {
	if [ ${#ODD[@]} -gt 0 ]; then
		echo
		echo "Anomalies:"
		printf -- '- %s\n' "${ODD[@]}"
	else
		echo "$1"
	fi
}

# ofac_dir: where the full OFAC SDN list is (sdn.csv, alt.csv, add.csv in
# the legacy CSV format, as OFAC's Sanctions List Service publishes them;
# not in the repository): $OFAC_DIR if set, else test/bench/ofac in the
# checkout (not tracked by git), else test/bench/ofac in the repository
# this one was cloned from.  Prints nothing when none has sdn.csv.
ofac_dir() {
	local d origin
	if [ -n "${OFAC_DIR:-}" ]; then
		echo "$OFAC_DIR"
		return
	fi
	origin=$(git -C "$FT_ROOT" config --get remote.origin.url 2>/dev/null || true)
	for d in "$FT_ROOT/test/bench/ofac" ${origin:+"$origin/test/bench/ofac"}; do
		if [ -r "$d/sdn.csv" ]; then
			(cd "$d" && pwd)
			return
		fi
	done
}

# pgledger_dir: where pgledger (https://github.com/pgr0ss/pgledger, the peer
# of run.sh's pgledger workload; not in the repository) is checked out:
# $PGLEDGER_DIR if set, else test/bench/pgledger in the checkout (not
# tracked by git).  Prints nothing when it has no pgledger.sql.
pgledger_dir() {
	local d=${PGLEDGER_DIR:-$FT_ROOT/test/bench/pgledger}
	if [ -r "$d/pgledger.sql" ]; then
		(cd "$d" && pwd)
	fi
	return 0
}

# bench_args SECONDS "CLIENTS" ROUNDS OUTFILE [ARGS...]: the runners'
# common arguments -- [seconds [clients...]], or BENCH_SECONDS,
# BENCH_CLIENTS, BENCH_ROUNDS, BENCH_OUT, else the given defaults -- checked
# (seconds >= 3, clients 1..50 for max_connections = 60); sets DURATION,
# CLIENTS, ROUNDS and OUT (an absolute path, emptied)
bench_args() {
	local seconds=$1 clients=$2 rounds=$3 out=$4 n
	shift 4
	DURATION=${1:-${BENCH_SECONDS:-$seconds}}
	[ $# -gt 0 ] && shift
	if [ $# -gt 0 ]; then CLIENTS="$*"; else CLIENTS=${BENCH_CLIENTS:-$clients}; fi
	case $DURATION in '' | *[!0-9]*) ft_die "seconds must be a positive integer, not '$DURATION'" ;; esac
	[ "$DURATION" -ge 3 ] || ft_die "seconds must be at least 3"
	for n in $CLIENTS; do
		case $n in '' | *[!0-9]* | 0) ft_die "clients must be positive integers, not '$n'" ;; esac
		[ "$n" -le 50 ] || ft_die "at most 50 clients (max_connections = 60)"
	done
	ROUNDS=${BENCH_ROUNDS:-$rounds}
	case $ROUNDS in '' | *[!0-9]* | 0) ft_die "BENCH_ROUNDS must be a positive integer, not '$ROUNDS'" ;; esac
	OUT=${BENCH_OUT:-$out}
	case $OUT in /*) ;; *) OUT=$PWD/$OUT ;; esac
	: >"$OUT" || ft_die "cannot write $OUT"
}

# bench_start LOGDIR [--no-setup]: a work directory with the checkout
# built and installed, a throwaway cluster with SETTINGS (fsync on) and
# test/bench/setup.sql loaded (not with --no-setup: an empty database);
# sets BENCH (the copy's test/bench) and LOGS (a directory of the work
# directory the postgres user may write)
bench_start() {
	trap ft_cleanup EXIT
	trap 'exit 130' INT TERM
	ft_bootstrap
	ft_workdir
	BENCH=$FT_WORK/src/test/bench
	LOGS=$FT_WORK/$1
	mkdir -p "$LOGS"
	chown postgres: "$LOGS" 2>/dev/null || true
	bench_build
	ft_log "start a throwaway cluster" >&2
	ft_cluster_start bench "${SETTINGS[@]}" || ft_die "server did not start"
	[ "$(ft_psql -Atc 'SHOW fsync')" = on ] || ft_die "fsync is not on"
	[ "${2:-}" = --no-setup ] && return 0
	ft_log "load test/bench/setup.sql" >&2
	ft_psql -f "$BENCH/setup.sql" >/dev/null
}

# screening_bench_start LOGNAME DEFAULT_OUT: what the screening runners
# (screening/run.sh, screening/shared_index.sh) do first: find the OFAC
# files (OFAC_DIR, default test/bench/ofac), open the results file
# ($BENCH_OUT or DEFAULT_OUT, made absolute: OUT), bootstrap, copy the
# checkout and the list files ($FT_WORK/ofac) and build (bench_build).
# Sets OFAC_DIR, OUT, SET_DIR (the evaluation set in the copy) and LOGS.
screening_bench_start() {
	local f
	OFAC_DIR=$(ofac_dir)
	OFAC_DIR=${OFAC_DIR:-$FT_ROOT/test/bench/ofac}
	for f in sdn.csv alt.csv add.csv; do
		[ -r "$OFAC_DIR/$f" ] || ft_die "no readable $OFAC_DIR/$f (set OFAC_DIR)"
	done
	OFAC_DIR=$(cd "$OFAC_DIR" && pwd)
	OUT=${BENCH_OUT:-$2}
	case $OUT in /*) ;; *) OUT=$PWD/$OUT ;; esac
	: >"$OUT" || ft_die "cannot write $OUT"

	trap ft_cleanup EXIT
	trap 'exit 130' INT TERM

	ft_bootstrap
	ft_workdir
	SET_DIR=$FT_WORK/src/test/bench/screening
	LOGS=$FT_WORK/$1
	mkdir -p "$LOGS" "$FT_WORK/ofac"
	cp "$OFAC_DIR"/sdn.csv "$OFAC_DIR"/alt.csv "$OFAC_DIR"/add.csv "$FT_WORK/ofac/"
	chown -R postgres: "$LOGS" "$FT_WORK/ofac" 2>/dev/null || true
	bench_build
}
