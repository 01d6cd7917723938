#!/usr/bin/env bash
# test/demo.sh — build and install fintech, start a throwaway cluster with
# shared_preload_libraries = 'fintech', run test/demo.sql and print what it
# shows, then stop and remove the cluster.  Run as root on a fresh Debian
# bookworm (it installs what it needs) or as a user who can install.
set -euo pipefail

. "$(dirname "$0")/lib.sh"

trap ft_cleanup EXIT
trap 'exit 130' INT TERM

ft_bootstrap
ft_workdir

ft_log "build and install"
ft_build_install

ft_log "start a throwaway cluster with shared_preload_libraries = 'fintech'"
ft_cluster_start demo "fintech.database = 'postgres'"
echo "PGHOST=$PGHOST PGPORT=$PGPORT"

ft_log "demo (test/demo.sql)"
# from the tree's root, so the demo finds the SDN slice in test/data/ofac
(cd "$FT_WORK/src" && ft_psql -d postgres -f test/demo.sql)

ft_log "done: stopping and removing the cluster"
