# fintech — PostgreSQL extension, built with PGXS.
#
#   make && make install                 build, then install the library, the control file,
#                                        the install and upgrade scripts and the sample data
#                                        (PG_CONFIG=... to pick a server)
#   make installcheck                    pg_regress (test/sql, test/expected) and the
#                                        isolation specs (test/isolation) against a running,
#                                        preloaded server (PGHOST/PGPORT as usual); on Debian
#                                        as the postgres OS user: su postgres -c 'make installcheck'
#                                        (results here, or in $TMPDIR/fintech-installcheck-<user>
#                                        when this tree is not writable; FINTECH_RESULTS=dir)
#   make installcheck-nopreload          pg_regress in a temporary instance without
#                                        shared_preload_libraries (run as a non-root user)
#   make prove-installcheck              TAP tests in test/t (they start their own clusters)
#   make uninstall                       remove what make install installed
#   make clean                           remove what make and the tests made
#   make FINTECH_CHECKS=1 ...            build with internal consistency checks on
#                                        (the test runner does; --enable-cassert is not needed)
#
# The version is written once, in fintech.control.  sql/fintech.sql is the
# install script of that version, edited by hand; make copies it to
# sql/fintech--<version>.sql (see its header for how a release is made).
# docs/operations.md: installing, configuring and testing on a server.

EXTENSION  = fintech
EXTVERSION = $(shell sed -n "s/^default_version[[:space:]]*=[[:space:]]*'\([^']*\)'.*/\1/p" $(EXTENSION).control)

MODULE_big = fintech
OBJS = $(patsubst %.c,%.o,$(sort $(wildcard src/*.c)))

# Install scripts (see the header of sql/fintech.sql): the current
# version's is built from the hand-edited sql/fintech.sql; the frozen base
# and every upgrade script ship as they are.
FINTECH_BASE = 0.1.0
DATA_built = sql/$(EXTENSION)--$(EXTVERSION).sql
DATA = sql/$(EXTENSION)--$(FINTECH_BASE).sql $(wildcard sql/$(EXTENSION)--*--*.sql)

# Where pg_regress and pg_isolation_regress write results/, output_iso/,
# regression.out and regression.diffs: this directory, or when it is not
# writable (su postgres -c 'make installcheck' in a clone that root owns)
# $TMPDIR/fintech-installcheck-<user>.  pg_regress prints the path of
# regression.diffs when a test fails.
FINTECH_RESULTS ?= $(if $(shell test -w . && echo yes),.,$(or $(TMPDIR),/tmp)/fintech-installcheck-$(shell id -un))

# pg_regress: test/sql/<test>.sql against test/expected/<test>.out, in this order.
REGRESS = extension worker ledger audit audit_tree payments sanctions screening screening_bounds bad_input ledger_edges ddl_guard rare_errors erasure
# (0.6.0: each part adds its tests on its own line, before privileges)
REGRESS += sanctions_lists screening_required screening_v2 # screening v2
REGRESS += screening_scripts # screening v2: the cross-script rules (session 10)
REGRESS += screening_keys # screening v2: the key search (session 15)
REGRESS += events metrics # events and metrics
REGRESS += ledger_additions # ledger additions
REGRESS += limits # limits
REGRESS += vault # card vault
REGRESS += batch_bulk # the batch path's direct writes
REGRESS += privileges
REGRESS_OPTS = --inputdir=test --outputdir=$(FINTECH_RESULTS) \
	--load-extension=pgcrypto --load-extension=$(EXTENSION)

# Tests that need a server *without* shared_preload_libraries = 'fintech'.
REGRESS_NOPRELOAD = nopreload

# pg_isolation_regress: test/isolation/specs/<spec>.spec against test/isolation/expected/<spec>.out.
ISOLATION = extension_lock ledger_double_spend ledger_hold_race ledger_lock_order ledger_post_void audit_concurrent payments_same_key screening_release sanctions_load_lock lock_order_pay_resolve lock_order_pay_rescreen ddl_lock_queue erasure_hold_race
ISOLATION += sanctions_formats # screening v2
ISOLATION += events_outbox_gap events_no_consumer # events and metrics
ISOLATION += ledger_key_transfer ledger_key_post ledger_key_post_pending ledger_key_void_pending ledger_key_reverse ledger_key_sweep ledger_key_batch # ledger additions
ISOLATION += limits_race # limits
ISOLATION += vault_same_card # card vault
ISOLATION += ledger_lock_write ledger_lock_direct # locking by the update, and locking, without a statement
ISOLATION_OPTS = --inputdir=test/isolation --outputdir=$(FINTECH_RESULTS)/output_iso \
	--load-extension=pgcrypto --load-extension=$(EXTENSION)

# TAP tests (prove), run by "make prove-installcheck".
PROVE_TESTS = test/t/*.pl

# (also the install scripts built for earlier versions of fintech.control)
EXTRA_CLEAN = tmp_check/ tmp_check_nopreload/ output_nopreload/ \
	$(filter-out $(DATA), $(wildcard sql/$(EXTENSION)--*.sql))

PG_CPPFLAGS = -I$(srcdir)/src -DFINTECH_VERSION=\"$(EXTVERSION)\"
# libxml2 (PostgreSQL links it): the UN list's XML (src/un_load.c)
SHLIB_LINK += -lxml2
ifdef FINTECH_CHECKS
PG_CPPFLAGS += -DFINTECH_CHECKS
endif
# Warnings are errors; "make FINTECH_WERROR=" builds on a compiler that disagrees.
FINTECH_WERROR ?= -Werror
PG_CFLAGS = -Wall -Wmissing-prototypes $(FINTECH_WERROR)

# ICU's transliterator (translit.c): the libicu PostgreSQL itself links
SHLIB_LINK += -licui18n -licuuc

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# OpenSSL's SHA-256 for the audit log's hashes (src/canon.c), when the
# server was built with it (USE_OPENSSL; Debian's is)
ifeq ($(with_ssl),openssl)
SHLIB_LINK += -lcrypto
endif

# Sample data for the examples in the docs: the repository's OFAC SDN slice
# (test/data/ofac), UN list slice (test/data/un) and FollowTheMoney sample
# (test/data/ftm), installed where the server can read it:
# <SHAREDIR>/extension/fintech_sample/{sdn,add,alt}.csv, consolidated.xml, entities.jsonl
SAMPLE_DATA = test/data/ofac/sdn.csv test/data/ofac/add.csv test/data/ofac/alt.csv \
	test/data/un/consolidated.xml test/data/ftm/entities.jsonl
SAMPLE_DIR = $(datadir)/$(datamoduledir)/$(EXTENSION)_sample

.PHONY: install-sample uninstall-sample
install: install-sample
uninstall: uninstall-sample

install-sample:
	$(MKDIR_P) '$(DESTDIR)$(SAMPLE_DIR)'
	$(INSTALL_DATA) $(addprefix $(srcdir)/, $(SAMPLE_DATA)) '$(DESTDIR)$(SAMPLE_DIR)/'

uninstall-sample:
	rm -f $(addprefix '$(DESTDIR)$(SAMPLE_DIR)'/, $(notdir $(SAMPLE_DATA)))
	rmdir '$(DESTDIR)$(SAMPLE_DIR)' 2>/dev/null || true

# the current version's install script: a copy of the hand-edited one
sql/$(EXTENSION)--$(EXTVERSION).sql: sql/$(EXTENSION).sql
	cp $< $@

# Everything in src/ depends on the headers and on the version (-DFINTECH_VERSION).
$(OBJS): $(wildcard src/*.h) fintech.control

.PHONY: installcheck-nopreload prove-installcheck

installcheck-nopreload:
	$(pg_regress_installcheck) --temp-instance=$(FINTECH_RESULTS)/tmp_check_nopreload \
		--inputdir=test --outputdir=$(FINTECH_RESULTS)/output_nopreload \
		--load-extension=pgcrypto --load-extension=$(EXTENSION) \
		--dbname=$(CONTRIB_TESTDB) $(REGRESS_NOPRELOAD)

prove-installcheck:
	$(prove_installcheck)
