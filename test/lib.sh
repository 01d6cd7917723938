# test/lib.sh — shared by test/run_tests.sh, test/demo.sh and the benchmark
# runner: install what is missing, build and install the extension from a
# private copy of the tree, and run a throwaway preloaded cluster as the
# "postgres" OS user (PostgreSQL refuses to run as root).
#
# Source it from bash; it defines functions and these variables:
#   FT_ROOT     the checkout (where this file's parent lives)
#   PG_CONFIG   pg_config of the target server (default: PostgreSQL 15's)
#   PG_BIN      its bindir
#   FT_WORK     private temp dir (after ft_workdir), removed by ft_cleanup

FT_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PG_MAJOR=${PG_MAJOR:-15}
PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/$PG_MAJOR/bin/pg_config}
PG_BIN=
FT_WORK=
FT_PGDATA=
FT_PGPORT=
FT_PGHOST=

ft_log() { printf '\n== %s\n' "$*"; }
ft_die() { printf 'error: %s\n' "$*" >&2; exit 2; }

# Run a command as the postgres OS user when we are root, else as ourselves.
# AS_PG is the same as a command prefix, for use with timeout and the like.
if [ "$(id -u)" = 0 ]; then
	AS_PG=(runuser -u postgres --)
else
	AS_PG=()
fi
ft_as_pg() {
	"${AS_PG[@]}" "$@"
}

# Install build and test dependencies on Debian when something is missing.
# Does nothing (not even apt-get update) when everything is there.
ft_bootstrap() {
	local missing=() bindir= sharedir=
	if [ -x "$PG_CONFIG" ]; then
		bindir=$("$PG_CONFIG" --bindir 2>/dev/null)
		sharedir=$("$PG_CONFIG" --sharedir 2>/dev/null)
	fi
	# the server PG_CONFIG describes, wherever it is installed
	[ -x "$PG_CONFIG" ] && [ -f "$("$PG_CONFIG" --pgxs 2>/dev/null)" ] || missing+=(pgxs)
	[ -n "$bindir" ] && [ -x "$bindir/postgres" ] || missing+=(server)
	[ -n "$sharedir" ] && [ -f "$sharedir/extension/pgcrypto.control" ] || missing+=(pgcrypto)
	perl -MIPC::Run -e 1 2>/dev/null || missing+=(IPC::Run)
	for cmd in prove make gcc runuser; do
		command -v "$cmd" >/dev/null || missing+=("$cmd")
	done
	ft_bootstrap_exporter
	[ ${#missing[@]} -eq 0 ] && return 0

	[ "$(id -u)" = 0 ] || ft_die "missing ${missing[*]}: install PostgreSQL $PG_MAJOR with its server headers, or run as root"
	# apt-get installs Debian's server only: another PG_CONFIG must be complete
	case " ${missing[*]} " in
	*" pgxs "* | *" server "* | *" pgcrypto "*)
		[ "$PG_CONFIG" = "/usr/lib/postgresql/$PG_MAJOR/bin/pg_config" ] ||
			ft_die "PG_CONFIG=$PG_CONFIG lacks ${missing[*]} (not installing Debian's PostgreSQL for it)" ;;
	esac
	ft_log "installing build and test dependencies (missing: ${missing[*]})"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq || ft_die "apt-get update failed"
	apt-get install -y -qq "postgresql-$PG_MAJOR" "postgresql-server-dev-$PG_MAJOR" \
		postgresql-contrib libipc-run-perl perl make gcc util-linux >/dev/null ||
		ft_die "apt-get install failed"
	# Debian's package may start a "main" cluster on port 5432; we never use it.
	if command -v pg_ctlcluster >/dev/null; then
		pg_ctlcluster "$PG_MAJOR" main stop >/dev/null 2>&1 || true
	fi
	id postgres >/dev/null 2>&1 || ft_die "no postgres OS user after installing PostgreSQL"
}

# Debian's Prometheus exporter, for test/t/019_metrics_exporter.pl: installed
# when missing and we are root; a failure only skips that test.
ft_bootstrap_exporter() {
	[ -x /usr/bin/prometheus-postgres-exporter ] && return 0
	if [ "$(id -u)" != 0 ]; then
		echo "note: prometheus-postgres-exporter is not installed: test/t/019_metrics_exporter.pl will be skipped"
		return 0
	fi
	ft_log "installing prometheus-postgres-exporter (for test/t/019_metrics_exporter.pl)"
	export DEBIAN_FRONTEND=noninteractive
	{ apt-get install -y -qq prometheus-postgres-exporter ||
		{ apt-get update -qq && apt-get install -y -qq prometheus-postgres-exporter; }; } >/dev/null 2>&1 ||
		echo "warning: could not install prometheus-postgres-exporter: test/t/019_metrics_exporter.pl will be skipped"
	# the package may start its own service (port 9187); the test runs its own exporter
	if command -v systemctl >/dev/null; then
		systemctl stop prometheus-postgres-exporter >/dev/null 2>&1 || true
	fi
	return 0
}

# A private temp dir owned by the postgres user, removed by ft_cleanup.
ft_workdir() {
	FT_WORK=$(mktemp -d "${TMPDIR:-/tmp}/fintech.XXXXXX")
	chmod 755 "$FT_WORK"
	[ "$(id -u)" = 0 ] && chown postgres: "$FT_WORK"
	PG_BIN=$("$PG_CONFIG" --bindir)
}

# Copy the checkout (without .git) to $FT_WORK/src, build it there as the
# postgres user and install it.  Extra arguments go to make.
ft_build_install() {
	mkdir -p "$FT_WORK/src"
	tar -C "$FT_ROOT" --exclude=.git -cf - . | tar -C "$FT_WORK/src" -xf -
	[ "$(id -u)" = 0 ] && chown -R postgres: "$FT_WORK/src"
	ft_as_pg make -C "$FT_WORK/src" -s clean PG_CONFIG="$PG_CONFIG" >/dev/null || return 1
	ft_as_pg make -C "$FT_WORK/src" -s PG_CONFIG="$PG_CONFIG" "$@" || return 1
	make -C "$FT_WORK/src" -s install PG_CONFIG="$PG_CONFIG" "$@" >/dev/null || return 1
}

# A TCP port nobody listens on (the cluster itself listens only on its
# private Unix socket, but its port names the socket and must not clash).
ft_free_port() {
	local port
	for _ in $(seq 1 200); do
		port=$((20000 + RANDOM % 30000))
		if ! (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			echo "$port"
			return 0
		fi
	done
	return 1
}

# ft_cluster_start NAME [extra postgresql.conf lines...]
# initdb + start a preloaded cluster in $FT_WORK/NAME; exports PGHOST,
# PGPORT, PGUSER and PGDATABASE for everything run after it.
# FT_POSTGRES names another postgres executable (e.g. a valgrind wrapper),
# FT_START_TIMEOUT the seconds to wait for it to accept connections.
ft_cluster_start() {
	local name=$1
	shift
	FT_PGDATA=$FT_WORK/$name/data
	FT_PGHOST=$FT_WORK/$name/sock
	FT_PGPORT=$(ft_free_port) || ft_die "no free port"
	ft_as_pg mkdir -p "$FT_PGHOST"
	ft_as_pg "$PG_BIN/initdb" -D "$FT_PGDATA" -U postgres -A trust -E UTF8 \
		--locale=C --no-sync >"$FT_WORK/$name/initdb.log" 2>&1 ||
		{ cat "$FT_WORK/$name/initdb.log"; return 1; }
	{
		echo "# fintech throwaway cluster"
		echo "port = $FT_PGPORT"
		echo "listen_addresses = ''"
		echo "unix_socket_directories = '$FT_PGHOST'"
		echo "shared_preload_libraries = 'fintech'"
		echo "fsync = off"
		echo "max_connections = 60"
		echo "log_line_prefix = '%m [%p] %b '"
		for line in "$@"; do echo "$line"; done
	} | ft_as_pg tee -a "$FT_PGDATA/postgresql.conf" >/dev/null
	ft_as_pg "$PG_BIN/pg_ctl" -D "$FT_PGDATA" -l "$FT_WORK/$name/server.log" \
		${FT_POSTGRES:+-p "$FT_POSTGRES"} -w -t "${FT_START_TIMEOUT:-60}" start >/dev/null ||
		{ cat "$FT_WORK/$name/server.log"; return 1; }
	export PGHOST=$FT_PGHOST PGPORT=$FT_PGPORT PGUSER=postgres PGDATABASE=postgres
}

ft_cluster_stop() {
	if [ -n "$FT_PGDATA" ] && [ -f "$FT_PGDATA/postmaster.pid" ]; then
		ft_as_pg "$PG_BIN/pg_ctl" -D "$FT_PGDATA" -m fast -w -t 60 stop >/dev/null 2>&1 ||
			ft_as_pg "$PG_BIN/pg_ctl" -D "$FT_PGDATA" -m immediate -w stop >/dev/null 2>&1
	fi
	FT_PGDATA=
}

# Stop what we started and remove the temp dir; install with trap ... EXIT.
ft_cleanup() {
	ft_cluster_stop
	if [ -n "$FT_WORK" ] && [ -d "$FT_WORK" ] && [ -z "${FT_KEEP:-}" ]; then
		rm -rf "$FT_WORK"
	fi
}

# psql against the throwaway cluster (PGHOST/PGPORT/PGUSER exported by
# ft_cluster_start; runuser keeps the environment), quiet, stopping on the
# first error
ft_psql() {
	ft_as_pg "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 "$@"
}
