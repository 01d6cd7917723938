#!/usr/bin/env bash
# test/lint.sh — static analysis of src/: cppcheck and clang-tidy, plus a
# -Werror build.  Exits non-zero on any finding in fintech's own code.
set -uo pipefail
cd "$(dirname "$0")/.."
PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
INC=$("$PG_CONFIG" --includedir-server)
VER=$(sed -n "s/^default_version[[:space:]]*=[[:space:]]*'\([^']*\)'.*/\1/p" fintech.control)
DEFS=(-I src -I "$INC" -I /usr/include/libxml2 -DFINTECH_VERSION="\"$VER\"" -DFINTECH_CHECKS)
rc=0

echo "== cppcheck"
cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
	--inline-suppr --suppress=missingIncludeSystem --suppress=missingInclude \
	-D__GNUC__ -D__x86_64__ "${DEFS[@]}" src/ || rc=1

echo "== clang-tidy"
# Findings inside PostgreSQL's own macros (e.g. ALLOCSET_DEFAULT_SIZES) are
# not ours: only lines that point into src/ and not at a macro expansion count.
out=$(clang-tidy src/*.c --quiet \
	-checks='-*,bugprone-*,clang-analyzer-*,-bugprone-reserved-identifier,-bugprone-easily-swappable-parameters,-bugprone-narrowing-conversions,-bugprone-implicit-widening-of-multiplication-result,-clang-analyzer-security.insecureAPI.*' \
	-- "${DEFS[@]}" 2>/dev/null | grep -E '^/.*/src/.*(warning|error):')
if [ -n "$out" ]; then
	echo "$out"
	rc=1
fi

echo "== one relcache callback"
# PostgreSQL 15 has room for ten relcache callbacks a backend, for the server
# and every library: fintech's parts register through relcache_inval.c's one
out=$(grep -n 'CacheRegisterRelcacheCallback' src/*.c | grep -v '^src/relcache_inval\.c:')
if [ -n "$out" ]; then
	echo "$out (use ft_relcache_callback)"
	rc=1
fi

echo "== -Werror build"
make -s clean >/dev/null && make -s PG_CONFIG="$PG_CONFIG" FINTECH_CHECKS=1 >/dev/null || rc=1
make -s clean >/dev/null

[ $rc -eq 0 ] && echo "lint: clean" || echo "lint: findings above"
exit $rc
