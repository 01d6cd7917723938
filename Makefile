# fintech — PostgreSQL extension, built with PGXS.
#
#   make && make install                 build and install (PG_CONFIG=... to pick a server)
#   make installcheck                    pg_regress + isolation specs against a running,
#                                        preloaded server (PGHOST/PGPORT as usual)
#   make installcheck-nopreload          pg_regress in a temporary instance without
#                                        shared_preload_libraries (run as a non-root user)
#   make prove-installcheck              TAP tests in test/t (they start their own clusters)
#   make FINTECH_CHECKS=1 ...            build with internal consistency checks on
#                                        (the test runner does; --enable-cassert is not needed)
#
# The version is written once, in fintech.control.

EXTENSION  = fintech
EXTVERSION = $(shell sed -n "s/^default_version[[:space:]]*=[[:space:]]*'\([^']*\)'.*/\1/p" $(EXTENSION).control)

MODULE_big = fintech
OBJS = \
	src/audit_capture.o \
	src/audit_log.o \
	src/audit_seal.o \
	src/audit_verify.o \
	src/canon.o \
	src/fintech.o \
	src/guard.o \
	src/jobs.o \
	src/launcher.o \
	src/ledger.o \
	src/parties.o \
	src/ofac.o \
	src/payments.o \
	src/screening.o \
	src/spi_plan.o

# every version's install script and every upgrade script
DATA = $(wildcard sql/$(EXTENSION)--*.sql)

# pg_regress: sql/<test>.sql against expected/<test>.out, in this order.
REGRESS = extension worker ledger audit payments sanctions screening screening_bounds bad_input ledger_edges ddl_guard privileges
REGRESS_OPTS = --load-extension=pgcrypto --load-extension=$(EXTENSION)

# Tests that need a server *without* shared_preload_libraries = 'fintech'.
REGRESS_NOPRELOAD = nopreload

# pg_isolation_regress: test/isolation/specs/<spec>.spec against test/isolation/expected/<spec>.out.
ISOLATION = extension_lock ledger_double_spend ledger_hold_race ledger_lock_order ledger_post_void audit_concurrent payments_same_key screening_release sanctions_load_lock lock_order_pay_resolve lock_order_pay_rescreen ddl_lock_queue
ISOLATION_OPTS = --inputdir=test/isolation --load-extension=pgcrypto --load-extension=$(EXTENSION)

# TAP tests (prove), run by "make prove-installcheck".
PROVE_TESTS = test/t/*.pl

EXTRA_CLEAN = tmp_check/ tmp_check_nopreload/ output_nopreload/

PG_CPPFLAGS = -I$(srcdir)/src -DFINTECH_VERSION=\"$(EXTVERSION)\"
ifdef FINTECH_CHECKS
PG_CPPFLAGS += -DFINTECH_CHECKS
endif
# Warnings are errors; "make FINTECH_WERROR=" builds on a compiler that disagrees.
FINTECH_WERROR ?= -Werror
PG_CFLAGS = -Wall -Wmissing-prototypes $(FINTECH_WERROR)

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# Everything in src/ depends on the shared header and on the version (-DFINTECH_VERSION).
$(OBJS): src/fintech.h src/spi_plan.h fintech.control

.PHONY: installcheck-nopreload prove-installcheck

installcheck-nopreload:
	$(pg_regress_installcheck) --temp-instance=./tmp_check_nopreload \
		--outputdir=output_nopreload \
		--load-extension=pgcrypto --load-extension=$(EXTENSION) \
		--dbname=$(CONTRIB_TESTDB) $(REGRESS_NOPRELOAD)

prove-installcheck:
	$(prove_installcheck)
