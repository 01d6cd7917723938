#!/usr/bin/env bash
# test/installcheck_debian.sh — "make installcheck" the way docs/operations.md
# tells a DBA to run it, against a cluster of Debian's PostgreSQL:
#
#   a clone that root owns (a copy of TREE, default: this checkout; a tree
#   already built is not built again), in it "make" and "make install" as
#   root, pg_createcluster with shared_preload_libraries in conf.d,
#   pg_ctlcluster start, then  su postgres -c 'PGPORT=<port> make installcheck'
#   and, at the end (also on failure or interrupt), the cluster dropped and
#   the copy removed.
#
#   bash test/installcheck_debian.sh [TREE]
#
# Only as root with Debian's server (PG_CONFIG unset or Debian's, and
# pg_createcluster installed); otherwise it says why and exits 77.  It
# installs into Debian's server.  test/run_tests.sh runs it as its last
# phase when those hold.  To stay short it runs a few tests of each suite
# (FT_DEBIAN_REGRESS, FT_DEBIAN_ISOLATION; both empty: make installcheck
# with every test): the flow is what it checks, the earlier phases ran
# every test.
set -uo pipefail

. "$(dirname "$0")/lib.sh"

TREE=${1:-$FT_ROOT}
REGRESS_SET=${FT_DEBIAN_REGRESS-extension worker sanctions}
ISOLATION_SET=${FT_DEBIAN_ISOLATION-extension_lock}
DEB_PG_CONFIG=/usr/lib/postgresql/$PG_MAJOR/bin/pg_config

if [ "$(id -u)" != 0 ]; then
	echo "skipped: make installcheck against a Debian cluster needs root (it installs into Debian's server)"
	exit 77
fi
if [ "$(readlink -f "$PG_CONFIG")" != "$(readlink -f "$DEB_PG_CONFIG")" ] ||
	! command -v pg_createcluster >/dev/null || ! [ -x "$DEB_PG_CONFIG" ]; then
	echo "skipped: make installcheck against a Debian cluster needs Debian's PostgreSQL $PG_MAJOR (PG_CONFIG=$PG_CONFIG)"
	exit 77
fi

CLONE=
CHILD=
CLUSTER=fintechcheck$$
PORT=
RESULTS=${TMPDIR:-/tmp}/fintech-installcheck-postgres
RESULTS_EXISTED=
[ -e "$RESULTS" ] && RESULTS_EXISTED=1

deb_cleanup() {
	[ -n "$CHILD" ] && kill -TERM "$CHILD" 2>/dev/null && wait "$CHILD" 2>/dev/null
	if [ -n "$PORT" ]; then
		rm -f "/etc/postgresql/$PG_MAJOR/$CLUSTER/conf.d/fintech.conf"
		pg_dropcluster --stop "$PG_MAJOR" "$CLUSTER" >/dev/null 2>&1
		rm -rf "/etc/postgresql/$PG_MAJOR/$CLUSTER"
	fi
	[ -n "$CLONE" ] && rm -rf "$CLONE"
	[ -z "$RESULTS_EXISTED" ] && [ -z "${FT_KEEP:-}" ] && rm -rf "$RESULTS"
}
trap deb_cleanup EXIT
trap 'exit 130' INT TERM

# what the docs' reader has: no PG* variables of ours, PG_CONFIG Debian's
unset PGHOST PGPORT PGUSER PGDATABASE
export PG_CONFIG=$DEB_PG_CONFIG

ft_log "a clone that root owns, built and installed as root"
CLONE=$(mktemp -d "${TMPDIR:-/tmp}/fintech-clone.XXXXXX")
chmod 755 "$CLONE"
tar -C "$TREE" --exclude=.git --exclude=./results --exclude=./output_iso \
	--exclude=./output_nopreload --exclude='./tmp_check*' --exclude=./log \
	--exclude=./regression.out --exclude=./regression.diffs -cf - . |
	tar -C "$CLONE" --no-same-owner -xf -
chown -R root:root "$CLONE"
(cd "$CLONE" && make -s && make -s install >/dev/null) || { echo "make install failed"; exit 1; }

ft_log "a Debian cluster, $CLUSTER, preloading fintech through conf.d"
PORT=$(ft_free_port) || ft_die "no free port"
pg_createcluster "$PG_MAJOR" "$CLUSTER" -p "$PORT" >/dev/null || { echo "pg_createcluster failed"; exit 1; }
echo "shared_preload_libraries = 'fintech'" >"/etc/postgresql/$PG_MAJOR/$CLUSTER/conf.d/fintech.conf"
pg_ctlcluster "$PG_MAJOR" "$CLUSTER" start || { echo "pg_ctlcluster start failed"; exit 1; }

ft_log "su postgres -c 'PGPORT=$PORT make installcheck' in the clone (REGRESS='$REGRESS_SET' ISOLATION='$ISOLATION_SET')"
cmd="PGPORT=$PORT make installcheck"
[ -n "$REGRESS_SET$ISOLATION_SET" ] &&
	cmd+=" REGRESS=$(printf %q "$REGRESS_SET") ISOLATION=$(printf %q "$ISOLATION_SET")"
cd "$CLONE" || exit 1
# in the background: a TERM (timeout, ^C) then cleans up at once
su postgres -c "$cmd" &
CHILD=$!
wait "$CHILD"
rc=$?
CHILD=
if [ $rc -ne 0 ] && [ -d "$RESULTS" ]; then
	for f in "$RESULTS/regression.diffs" "$RESULTS/output_iso/regression.diffs"; do
		[ -s "$f" ] && { echo "---- $f"; cat "$f"; }
	done
fi
exit $rc
