/*-------------------------------------------------------------------------
 *
 * spi_plan.h
 *	  Saved SPI plans: the one way fintech's C code runs its SQL.
 *
 * A part lists its statements once, in a table indexed by an enum:
 *
 *		enum { P_LOCK, P_INSERT, NPLANS };
 *		static const FintechPlanDef plan_defs[NPLANS] = {
 *			[P_LOCK] = {"SELECT ... WHERE id OPERATOR(pg_catalog.=) $1", 1, {INT8OID}},
 *			...
 *		};
 *		FT_DEFINE_PLANS(plans, plan_defs);
 *
 * and runs them with ft_run_plan(&plans, P_LOCK, values, nulls, ...).  Each
 * statement is prepared on its first use in the backend, with a generic
 * plan, and kept (PostgreSQL's plan cache re-plans it when a table changes
 * or is analysed); one marked `replan` is planned at every run.  Values
 * are always parameters, never pasted into text.
 * SPI must be connected.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FINTECH_SPI_PLAN_H
#define FINTECH_SPI_PLAN_H

#include "executor/spi.h"

/* the most parameters one statement takes (a two-row insert of 7 columns) */
#define FT_PLAN_MAXARGS 14

typedef struct FintechPlanDef
{
	const char *sql;
	int			nargs;
	Oid			argtypes[FT_PLAN_MAXARGS];

	/*
	 * Planned again at every run, from the tables' sizes then, instead of
	 * once with a generic plan.  For a job's statement over a backlog that
	 * statistics do not follow (a table pruned to nothing, then a burst,
	 * all before autovacuum looks again): a generic plan made while
	 * fintech.events looked empty numbered 1,000 events out of 100,000 in
	 * 48 s, by a nested loop over the whole table.  Costs a planning per
	 * run, so only for statements run once per batch.
	 */
	bool		replan;
} FintechPlanDef;

/* a part's statements and the plans saved for them in this backend */
typedef struct FintechPlans
{
	const FintechPlanDef *defs;
	int			nplans;
	SPIPlanPtr *saved;
} FintechPlans;

#define FT_DEFINE_PLANS(var, defs) \
	static SPIPlanPtr var##_saved[lengthof(defs)]; \
	static FintechPlans var = {(defs), lengthof(defs), var##_saved}

/* runs statement `which` of the set; returns SPI's result code */
extern int	ft_run_plan(FintechPlans *set, int which, Datum *values, const char *nulls,
						bool read_only, long count);

/*
 * opens a cursor (no name) over statement `which` of the set, for a caller
 * that reads a large result a fetch at a time; SPI_cursor_close() it
 */
extern Portal ft_open_cursor(FintechPlans *set, int which, Datum *values, const char *nulls,
							 bool read_only);

/* a one-off SELECT (not worth a saved plan); ERROR unless it returned SPI_OK_SELECT */
extern void ft_run_select(const char *sql, int nargs, Oid *argtypes, Datum *values);

#endif							/* FINTECH_SPI_PLAN_H */
