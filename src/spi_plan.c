/*-------------------------------------------------------------------------
 *
 * spi_plan.c
 *	  Saved SPI plans (see spi_plan.h): prepared on first use in a backend,
 *	  kept for its life.  Owns no data and takes no locks of its own.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "spi_plan.h"

/* the plan saved in *slot, prepared on the first call */
static SPIPlanPtr
saved_plan(SPIPlanPtr *slot, const char *sql, int nargs, const Oid *argtypes,
		   bool replan)
{
	if (*slot == NULL)
	{
		/*
		 * A generic plan from the start: a saved statement is a lookup by
		 * key whose best plan does not depend on the values, and a custom
		 * plan would be re-planned on every call (the plan cache keeps
		 * choosing custom plans for "= ANY ($1)", whose generic estimate
		 * is higher).  Except a statement marked replan, which asks for
		 * exactly that (spi_plan.h).
		 */
		SPIPlanPtr	p = SPI_prepare_cursor(sql, nargs, (Oid *) argtypes,
										   replan ? CURSOR_OPT_CUSTOM_PLAN :
										   CURSOR_OPT_GENERIC_PLAN);

		if (p == NULL)
			elog(ERROR, "SPI_prepare failed for \"%s\": %s", sql,
				 SPI_result_code_string(SPI_result));
		SPI_keepplan(p);
		*slot = p;
	}
	return *slot;
}

static int
execute_saved(SPIPlanPtr *slot, const FintechPlanDef *d, Datum *values, const char *nulls,
			  bool read_only, long count)
{
	int			ret;

	ret = SPI_execute_plan(saved_plan(slot, d->sql, d->nargs, d->argtypes, d->replan),
						   values, nulls, read_only, count);
	if (ret < 0)
		elog(ERROR, "SPI_execute_plan failed for \"%s\": %s", d->sql,
			 SPI_result_code_string(ret));
	return ret;
}

int
ft_run_plan(FintechPlans *set, int which, Datum *values, const char *nulls,
			bool read_only, long count)
{
	const FintechPlanDef *d;

	Assert(which >= 0 && which < set->nplans);
	d = &set->defs[which];
	return execute_saved(&set->saved[which], d, values, nulls, read_only, count);
}

Portal
ft_open_cursor(FintechPlans *set, int which, Datum *values, const char *nulls,
			   bool read_only)
{
	const FintechPlanDef *d;

	Assert(which >= 0 && which < set->nplans);
	d = &set->defs[which];
	return SPI_cursor_open(NULL, saved_plan(&set->saved[which], d->sql, d->nargs, d->argtypes,
											d->replan),
						   values, nulls, read_only);
}

void
ft_run_select(const char *sql, int nargs, Oid *argtypes, Datum *values)
{
	int			ret = SPI_execute_with_args(sql, nargs, argtypes, values, NULL, false, 0);

	if (ret != SPI_OK_SELECT)
		elog(ERROR, "SPI_execute_with_args failed for \"%s\": %s", sql,
			 SPI_result_code_string(ret));
}
