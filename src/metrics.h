/*-------------------------------------------------------------------------
 *
 * metrics.h
 *	  Counters for fintech.metrics (metrics.c): what the other parts call
 *	  where something worth counting happens, one call line per site.
 *
 * ft_metric_inc() and the helpers built on it count work that a
 * transaction did: the count is kept in the backend and added to shared
 * memory only when the transaction commits (or is prepared); a rolled
 * back transaction or subtransaction counts nothing.  Refusals and
 * screening calls count at once, committed or not.  Every call is a no-op
 * when fintech is not preloaded or fintech.metrics is off.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FINTECH_METRICS_H
#define FINTECH_METRICS_H

/* the counters that count at commit; names, labels and help in metrics.c */
typedef enum FtMetric
{
	FT_M_TRANSFERS,				/* two-leg transfers written (transfer, batch items, pay) */
	FT_M_ENTRIES_STANDARD,		/* entries written, by type */
	FT_M_ENTRIES_PENDING,
	FT_M_ENTRIES_POST_PENDING,
	FT_M_ENTRIES_VOID_PENDING,
	FT_M_ENTRIES_EXPIRE_PENDING,
	FT_M_ENTRIES_REVERSAL,
	FT_M_ENTRIES_OTHER,
	FT_M_PAYMENTS_COMPLETED,	/* fintech.pay, by the status it recorded */
	FT_M_PAYMENTS_HELD,
	FT_M_PAYMENTS_REJECTED,
	FT_M_PAYMENT_REPLAYS,		/* fintech.pay answered from the first call */
	FT_M_RELEASED_COMPLETED,	/* held payments resolved, by outcome */
	FT_M_RELEASED_REJECTED,
	FT_M_NCOUNTERS
} FtMetric;

/* called only from inside fintech.so: not exported, called directly */
#pragma GCC visibility push(hidden)

/* counts one m when the current transaction commits */
extern void ft_metric_inc(FtMetric m);

/* an entry of this type (entries.type), a transfer or not, was written: at commit */
extern void ft_metric_entry(const char *type, bool transfer);

/* fintech.pay recorded a payment, or resolved a held one, with this status: at commit */
extern void ft_metric_payment(const char *status, bool released);

/* a request or batch item refused with this SQLSTATE without raising it: at once */
extern void ft_metric_refusal(int sqlstate);

/* a screening call begins / ends (its latency goes to the histogram): at once */
extern void ft_metric_screen_begin(void);
extern void ft_metric_screen_end(void);

#pragma GCC visibility pop

/* the GUC, the shared memory and the hooks (called from _PG_init) */
extern void MetricsInit(void);

/* fintech.metric_counters(): the counters and the jobs' figures, as rows */
extern PGDLLEXPORT Datum fintech_metric_counters(PG_FUNCTION_ARGS);

#endif							/* FINTECH_METRICS_H */
