/*-------------------------------------------------------------------------
 *
 * metrics.c
 *	  The counters behind fintech.metrics: kept in shared memory, one set
 *	  per database, counted by one call line at each site (metrics.h), and
 *	  shown by fintech.metric_counters() (the view fintech.metrics adds the
 *	  gauges it reads from the tables); the GUC fintech.metrics.
 *
 * Three kinds of count:
 *   - work a transaction did (transfers, entries, payments): counted in
 *     the backend, per subtransaction level, and added to shared memory
 *     by a transaction callback when the top transaction commits (or is
 *     prepared); an aborted (sub)transaction's counts are dropped.  So the
 *     counters agree with the committed rows, and a call costs an
 *     increment of a backend-local integer (plus, at commit, one atomic
 *     add per counter that moved);
 *   - refusals, by SQLSTATE: every ERROR raised by fintech's own code (an
 *     ereport whose source file belongs to this library, found with
 *     dladdr on its __FILE__) and reported by the backend, counted by an
 *     emit_log_hook -- nothing on the path of a call that succeeds; plus
 *     refusals that are answered rather than raised (transfer_batch
 *     items, pay's rejected payments) through ft_metric_refusal();
 *   - screening calls and their latency, a histogram: at once.
 *
 * Shared memory (preloaded only): FT_METRICS_MAX_DBS sets of counters,
 * each claimed by a database on its first count (compare-and-swap on its
 * oid); every counter is a pg_atomic_uint64 -- no lock is ever taken,
 * readers see each counter atomically (not all of them at one instant).
 * Counters start at 0 when the server starts.  Without preloading there is
 * no shared memory: nothing is counted, fintech.metric_counters() returns
 * only fintech_counters_enabled = 0, and the view's gauges still work.
 *
 * Locks: none of its own; reading the jobs' figures takes
 * FintechShared.lock (launcher.h) shared, for a copy.
 *
 *-------------------------------------------------------------------------
 */
/* dladdr() and Dl_info (PostgreSQL's build defines it on Linux already) */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif
#include "postgres.h"

#include <dlfcn.h>

#include "access/xact.h"
#include "commands/dbcommands.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "port/atomics.h"
#include "portability/instr_time.h"
#include "storage/ipc.h"
#include "storage/shmem.h"
#include "utils/builtins.h"
#include "utils/elog.h"
#include "utils/guc.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "fintech.h"
#include "jobs.h"
#include "launcher.h"
#include "metrics.h"
#include "shmem.h"

#define FT_METRICS_MAX_DBS		32	/* databases counted separately */
#define FT_REFUSAL_SLOTS		48	/* distinct SQLSTATEs per database */
#define FT_SCREEN_BUCKETS		12

/* upper bounds of the screening latency buckets, in microseconds */
static const int64 screen_bounds_us[FT_SCREEN_BUCKETS] = {
	500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000, 1000000, 2500000
};

/* name, labels (JSON) and help of each commit-time counter */
static const struct
{
	const char *name;
	const char *labels;
	const char *help;
}			counter_defs[FT_M_NCOUNTERS] = {
	[FT_M_TRANSFERS] = {"fintech_transfers_total", "{}",
	"Transfers written and committed: fintech.transfer, accepted fintech.transfer_batch items, the transfers of fintech.pay (holds included)"},
	[FT_M_ENTRIES_STANDARD] = {"fintech_entries_total", "{\"type\": \"standard\"}",
	"Ledger entries written and committed, by entry type"},
	[FT_M_ENTRIES_PENDING] = {"fintech_entries_total", "{\"type\": \"pending\"}",
	"Ledger entries written and committed, by entry type"},
	[FT_M_ENTRIES_POST_PENDING] = {"fintech_entries_total", "{\"type\": \"post_pending\"}",
	"Ledger entries written and committed, by entry type"},
	[FT_M_ENTRIES_VOID_PENDING] = {"fintech_entries_total", "{\"type\": \"void_pending\"}",
	"Ledger entries written and committed, by entry type"},
	[FT_M_ENTRIES_EXPIRE_PENDING] = {"fintech_entries_total", "{\"type\": \"expire_pending\"}",
	"Ledger entries written and committed, by entry type"},
	[FT_M_ENTRIES_REVERSAL] = {"fintech_entries_total", "{\"type\": \"reversal\"}",
	"Ledger entries written and committed, by entry type"},
	[FT_M_ENTRIES_OTHER] = {"fintech_entries_total", "{\"type\": \"other\"}",
	"Ledger entries written and committed, by entry type"},
	[FT_M_PAYMENTS_COMPLETED] = {"fintech_payments_total", "{\"status\": \"completed\"}",
	"Payments recorded by fintech.pay and committed, by the status they got"},
	[FT_M_PAYMENTS_HELD] = {"fintech_payments_total", "{\"status\": \"held\"}",
	"Payments recorded by fintech.pay and committed, by the status they got"},
	[FT_M_PAYMENTS_REJECTED] = {"fintech_payments_total", "{\"status\": \"rejected\"}",
	"Payments recorded by fintech.pay and committed, by the status they got"},
	[FT_M_PAYMENT_REPLAYS] = {"fintech_payment_replays_total", "{}",
	"Calls of fintech.pay answered with the first result of their idempotency key"},
	[FT_M_RELEASED_COMPLETED] = {"fintech_held_payments_resolved_total", "{\"status\": \"completed\"}",
	"Held payments resolved after screening, by outcome"},
	[FT_M_RELEASED_REJECTED] = {"fintech_held_payments_resolved_total", "{\"status\": \"rejected\"}",
	"Held payments resolved after screening, by outcome"},
};

/* one database's counters */
typedef struct DbMetrics
{
	pg_atomic_uint32 dboid;		/* 0: free */
	pg_atomic_uint64 counters[FT_M_NCOUNTERS];
	pg_atomic_uint32 refusal_code[FT_REFUSAL_SLOTS];	/* 0: free */
	pg_atomic_uint64 refusal_count[FT_REFUSAL_SLOTS];
	pg_atomic_uint64 refusal_overflow;	/* SQLSTATEs beyond the slots */
	pg_atomic_uint64 screen_bucket[FT_SCREEN_BUCKETS];	/* not cumulative */
	pg_atomic_uint64 screen_count;
	pg_atomic_uint64 screen_sum_us;
} DbMetrics;

typedef struct MetricsShared
{
	DbMetrics	db[FT_METRICS_MAX_DBS];
} MetricsShared;

static MetricsShared *metrics_shared = NULL;

/* GUC fintech.metrics */
static bool metrics_enabled = true;

static emit_log_hook_type prev_emit_log_hook = NULL;

/* this backend's set (NULL until its first count; never changes after) */
static DbMetrics *my_db = NULL;

/* the load address of this library, to tell its ereport sites from others */
static void *my_library = NULL;

/* counts not yet committed: one frame per subtransaction level that counted */
typedef struct PendingFrame
{
	int			level;
	uint32		n[FT_M_NCOUNTERS];
} PendingFrame;

static PendingFrame *frames = NULL;
static int	nframes = 0;
static int	maxframes = 0;
static bool callbacks_registered = false;

/* the screening call being timed (none: an error ended the last one) */
static instr_time screen_start;
static bool screen_timing = false;

static void metrics_shmem_init(void *ptr);
static void metrics_xact_callback(XactEvent event, void *arg);
static void metrics_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
									 SubTransactionId parentSubid, void *arg);
static void metrics_emit_log(ErrorData *edata);

/* ------------------------------------------------------------------------
 * Set-up
 * ------------------------------------------------------------------------
 */

void
MetricsInit(void)
{
	Dl_info		info;

	DefineCustomBoolVariable("fintech.metrics",
							 "Keeps the counters of fintech.metrics (transfers, payments, refusals, screening).",
							 "Off: nothing is counted by the sessions that have it off; the gauges "
							 "of fintech.metrics are read from the tables and stay.",
							 &metrics_enabled,
							 true,
							 PGC_SUSET,
							 0,
							 NULL, NULL, NULL);

	if (!fintech_preloaded)
		return;

	if (dladdr((void *) MetricsInit, &info) != 0)
		my_library = info.dli_fbase;

	ft_shmem_register("fintech metrics", sizeof(MetricsShared), false,
					  (void **) &metrics_shared, metrics_shmem_init);
	prev_emit_log_hook = emit_log_hook;
	emit_log_hook = metrics_emit_log;
}

static void
metrics_shmem_init(void *ptr)
{
	MetricsShared *ms = (MetricsShared *) ptr;

	for (int d = 0; d < FT_METRICS_MAX_DBS; d++)
	{
		DbMetrics  *m = &ms->db[d];

		pg_atomic_init_u32(&m->dboid, 0);
		for (int i = 0; i < FT_M_NCOUNTERS; i++)
			pg_atomic_init_u64(&m->counters[i], 0);
		for (int i = 0; i < FT_REFUSAL_SLOTS; i++)
		{
			pg_atomic_init_u32(&m->refusal_code[i], 0);
			pg_atomic_init_u64(&m->refusal_count[i], 0);
		}
		pg_atomic_init_u64(&m->refusal_overflow, 0);
		for (int i = 0; i < FT_SCREEN_BUCKETS; i++)
			pg_atomic_init_u64(&m->screen_bucket[i], 0);
		pg_atomic_init_u64(&m->screen_count, 0);
		pg_atomic_init_u64(&m->screen_sum_us, 0);
	}
}

/*
 * The set of database dbid: found, or claimed (create: a free slot), or
 * NULL (not counting here, or every slot taken by another database).
 */
static DbMetrics *
db_set(Oid dbid, bool create)
{
	if (metrics_shared == NULL || !OidIsValid(dbid))
		return NULL;
	for (int d = 0; d < FT_METRICS_MAX_DBS; d++)
	{
		DbMetrics  *m = &metrics_shared->db[d];
		uint32		owner = pg_atomic_read_u32(&m->dboid);

		if (owner == 0 && create)
		{
			uint32		expected = 0;

			if (pg_atomic_compare_exchange_u32(&m->dboid, &expected, dbid))
				return m;
			owner = expected;	/* claimed meanwhile: by us? */
		}
		if (owner == dbid)
			return m;
		if (owner == 0)
			return NULL;		/* slots are claimed in order: no further one is ours */
	}
	return NULL;
}

/* this backend's set, when this session counts */
static inline DbMetrics *
counting_db(void)
{
	if (!metrics_enabled || metrics_shared == NULL)
		return NULL;
	if (my_db == NULL)
		my_db = db_set(MyDatabaseId, true);
	return my_db;
}

/* ------------------------------------------------------------------------
 * Counting at commit
 * ------------------------------------------------------------------------
 */

void
ft_metric_inc(FtMetric m)
{
	int			level;

	if (counting_db() == NULL)
		return;
	if (!callbacks_registered)
	{
		RegisterXactCallback(metrics_xact_callback, NULL);
		RegisterSubXactCallback(metrics_subxact_callback, NULL);
		callbacks_registered = true;
	}
	level = GetCurrentTransactionNestLevel();
	if (nframes == 0 || frames[nframes - 1].level != level)
	{
		if (nframes == maxframes)
		{
			int			newmax = maxframes == 0 ? 4 : maxframes * 2;

			frames = frames == NULL
				? MemoryContextAlloc(TopMemoryContext, sizeof(PendingFrame) * newmax)
				: repalloc(frames, sizeof(PendingFrame) * newmax);
			maxframes = newmax;
		}
		memset(&frames[nframes], 0, sizeof(PendingFrame));
		frames[nframes].level = level;
		nframes++;
	}
	frames[nframes - 1].n[m]++;
}

void
ft_metric_entry(const char *type, bool transfer)
{
	FtMetric	m = FT_M_ENTRIES_OTHER;

	if (strcmp(type, "standard") == 0)
		m = FT_M_ENTRIES_STANDARD;
	else if (strcmp(type, "pending") == 0)
		m = FT_M_ENTRIES_PENDING;
	else if (strcmp(type, "post_pending") == 0)
		m = FT_M_ENTRIES_POST_PENDING;
	else if (strcmp(type, "void_pending") == 0)
		m = FT_M_ENTRIES_VOID_PENDING;
	else if (strcmp(type, "expire_pending") == 0)
		m = FT_M_ENTRIES_EXPIRE_PENDING;
	else if (strcmp(type, "reversal") == 0)
		m = FT_M_ENTRIES_REVERSAL;
	ft_metric_inc(m);
	if (transfer)
		ft_metric_inc(FT_M_TRANSFERS);
}

void
ft_metric_payment(const char *status, bool released)
{
	if (strcmp(status, "completed") == 0)
		ft_metric_inc(released ? FT_M_RELEASED_COMPLETED : FT_M_PAYMENTS_COMPLETED);
	else if (strcmp(status, "rejected") == 0)
		ft_metric_inc(released ? FT_M_RELEASED_REJECTED : FT_M_PAYMENTS_REJECTED);
	else if (strcmp(status, "held") == 0 && !released)
		ft_metric_inc(FT_M_PAYMENTS_HELD);
}

static void
metrics_xact_callback(XactEvent event, void *arg)
{
	if (nframes == 0)
		return;
	if ((event == XACT_EVENT_COMMIT || event == XACT_EVENT_PREPARE) && my_db != NULL)
	{
		for (int f = 0; f < nframes; f++)
			for (int i = 0; i < FT_M_NCOUNTERS; i++)
				if (frames[f].n[i] != 0)
					pg_atomic_fetch_add_u64(&my_db->counters[i], frames[f].n[i]);
	}
	if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_PREPARE ||
		event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT)
		nframes = 0;
}

/* a subtransaction's counts become its parent's, or are dropped with it */
static void
metrics_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
						 SubTransactionId parentSubid, void *arg)
{
	int			level;
	PendingFrame *top;

	if (nframes == 0 || (event != SUBXACT_EVENT_COMMIT_SUB && event != SUBXACT_EVENT_ABORT_SUB))
		return;
	level = GetCurrentTransactionNestLevel();	/* the ending subtransaction's */
	top = &frames[nframes - 1];
	if (top->level != level)
		return;					/* it counted nothing */
	if (event == SUBXACT_EVENT_ABORT_SUB)
		nframes--;
	else if (nframes > 1 && frames[nframes - 2].level == level - 1)
	{
		for (int i = 0; i < FT_M_NCOUNTERS; i++)
			frames[nframes - 2].n[i] += top->n[i];
		nframes--;
	}
	else
		top->level = level - 1;
}

/* ------------------------------------------------------------------------
 * Counting at once: refusals, screening
 * ------------------------------------------------------------------------
 */

void
ft_metric_refusal(int sqlstate)
{
	DbMetrics  *m;

	if (sqlstate == 0 || (m = counting_db()) == NULL)
		return;
	for (int i = 0; i < FT_REFUSAL_SLOTS; i++)
	{
		uint32		code = pg_atomic_read_u32(&m->refusal_code[i]);

		if (code == 0)
		{
			uint32		expected = 0;

			if (pg_atomic_compare_exchange_u32(&m->refusal_code[i], &expected, (uint32) sqlstate))
				code = (uint32) sqlstate;
			else
				code = expected;
		}
		if (code == (uint32) sqlstate)
		{
			pg_atomic_fetch_add_u64(&m->refusal_count[i], 1);
			return;
		}
	}
	pg_atomic_fetch_add_u64(&m->refusal_overflow, 1);
}

/*
 * emit_log_hook: an ERROR that fintech's own code raised, reported by a
 * client backend, is a refusal.  Errors caught before they are reported
 * (a savepoint in the caller's PL/pgSQL block) never get here, nor do
 * ERRORs when log_min_messages is above error.
 */
static void
metrics_emit_log(ErrorData *edata)
{
	Dl_info		info;

	if (edata->elevel == ERROR && MyBackendType == B_BACKEND &&
		edata->filename != NULL && my_library != NULL &&
		dladdr(edata->filename, &info) != 0 && info.dli_fbase == my_library)
		ft_metric_refusal(edata->sqlerrcode);

	if (prev_emit_log_hook)
		prev_emit_log_hook(edata);
}

/* screening calls do not nest; a call that raised never reaches its end */
void
ft_metric_screen_begin(void)
{
	INSTR_TIME_SET_CURRENT(screen_start);
	screen_timing = true;
}

void
ft_metric_screen_end(void)
{
	instr_time	now;
	int64		us;
	DbMetrics  *m;
	int			b;

	if (!screen_timing)
		return;
	screen_timing = false;
	if ((m = counting_db()) == NULL)
		return;
	INSTR_TIME_SET_CURRENT(now);
	INSTR_TIME_SUBTRACT(now, screen_start);
	us = (int64) INSTR_TIME_GET_MICROSEC(now);
	for (b = 0; b < FT_SCREEN_BUCKETS && us > screen_bounds_us[b]; b++)
		;
	if (b < FT_SCREEN_BUCKETS)
		pg_atomic_fetch_add_u64(&m->screen_bucket[b], 1);
	pg_atomic_fetch_add_u64(&m->screen_sum_us, (uint64) us);
	pg_atomic_fetch_add_u64(&m->screen_count, 1);
}

/* ------------------------------------------------------------------------
 * fintech.metric_counters()
 * ------------------------------------------------------------------------
 */

static void
put_row(ReturnSetInfo *rsinfo, const char *metric, const char *labels, double value,
		const char *kind, const char *help)
{
	Datum		v[5];
	bool		n[5] = {false, false, false, false, false};

	v[0] = CStringGetTextDatum(metric);
	v[1] = DirectFunctionCall1(jsonb_in, CStringGetDatum(labels));
	v[2] = Float8GetDatum(value);
	v[3] = CStringGetTextDatum(kind);
	v[4] = CStringGetTextDatum(help);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, v, n);
}

/* a label value as a JSON string */
static char *
json_label(const char *key, const char *value)
{
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfoChar(&buf, '{');
	escape_json(&buf, key);
	appendStringInfoString(&buf, ": ");
	escape_json(&buf, value);
	appendStringInfoChar(&buf, '}');
	return buf.data;
}

static void
put_counters(ReturnSetInfo *rsinfo, DbMetrics *m)
{
	uint64		cum = 0;

	for (int i = 0; i < FT_M_NCOUNTERS; i++)
		put_row(rsinfo, counter_defs[i].name, counter_defs[i].labels,
				m ? (double) pg_atomic_read_u64(&m->counters[i]) : 0, "counter",
				counter_defs[i].help);

	for (int i = 0; m && i < FT_REFUSAL_SLOTS; i++)
	{
		uint32		code = pg_atomic_read_u32(&m->refusal_code[i]);

		if (code == 0)
			break;
		put_row(rsinfo, "fintech_refusals_total", json_label("sqlstate", unpack_sql_state((int) code)),
				(double) pg_atomic_read_u64(&m->refusal_count[i]), "counter",
				"Requests refused by fintech, by SQLSTATE (errors raised, and refusals answered by transfer_batch and pay)");
	}
	if (m && pg_atomic_read_u64(&m->refusal_overflow) > 0)
		put_row(rsinfo, "fintech_refusals_total", json_label("sqlstate", "other"),
				(double) pg_atomic_read_u64(&m->refusal_overflow), "counter",
				"Requests refused by fintech, by SQLSTATE (errors raised, and refusals answered by transfer_batch and pay)");

	for (int b = 0; b < FT_SCREEN_BUCKETS; b++)
	{
		char		le[32];

		cum += m ? pg_atomic_read_u64(&m->screen_bucket[b]) : 0;
		snprintf(le, sizeof(le), "%g", screen_bounds_us[b] / 1e6);
		put_row(rsinfo, "fintech_screening_seconds_bucket", json_label("le", le), (double) cum,
				"counter", "Screening calls (screen_name, create_party, rescreening) by latency: at most le seconds");
	}
	put_row(rsinfo, "fintech_screening_seconds_bucket", json_label("le", "+Inf"),
			m ? (double) pg_atomic_read_u64(&m->screen_count) : 0, "counter",
			"Screening calls (screen_name, create_party, rescreening) by latency: at most le seconds");
	put_row(rsinfo, "fintech_screening_seconds_sum", "{}",
			m ? pg_atomic_read_u64(&m->screen_sum_us) / 1e6 : 0, "counter",
			"Time spent screening names, in seconds");
	put_row(rsinfo, "fintech_screening_seconds_count", "{}",
			m ? (double) pg_atomic_read_u64(&m->screen_count) : 0, "counter",
			"Screening calls (screen_name, create_party, rescreening)");
}

/* each job's runs, errors and last success, in the launcher's database only */
static void
put_jobs(ReturnSetInfo *rsinfo)
{
	FintechShared *snap;
	char	   *db = get_database_name(MyDatabaseId);

	if (fintech_shared == NULL || db == NULL || fintech_database == NULL ||
		strcmp(db, fintech_database) != 0)
		return;
	snap = palloc(sizeof(FintechShared));
	LWLockAcquire(fintech_shared->lock, LW_SHARED);
	memcpy(snap, fintech_shared, sizeof(FintechShared));
	LWLockRelease(fintech_shared->lock);

	for (int i = 0; i < fintech_njobs; i++)
	{
		JobStatus  *js = &snap->jobs[i];
		char	   *labels = json_label("job", fintech_jobs[i].name);

		put_row(rsinfo, "fintech_job_runs_total", labels, (double) js->runs, "counter",
				"Runs of each background job since the server started");
		put_row(rsinfo, "fintech_job_errors_total", labels, (double) js->errors, "counter",
				"Runs of each background job that failed, since the server started");
		put_row(rsinfo, "fintech_job_last_success_timestamp_seconds", labels,
				js->last_success == 0 ? 0 :
				(double) (js->last_success - SetEpochTimestamp()) / USECS_PER_SEC, "gauge",
				"When each background job last ended without an error (Unix time; 0: not since the server started)");
	}
}

PG_FUNCTION_INFO_V1(fintech_metric_counters);
Datum
fintech_metric_counters(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	bool		enabled = metrics_shared != NULL;

	InitMaterializedSRF(fcinfo, 0);
	put_row(rsinfo, "fintech_counters_enabled", "{}", enabled && metrics_enabled ? 1 : 0, "gauge",
			"1 when this session's counters are kept (fintech preloaded and fintech.metrics on)");
	if (!enabled)
		return (Datum) 0;
	put_counters(rsinfo, db_set(MyDatabaseId, false));
	put_jobs(rsinfo);
	return (Datum) 0;
}
