/*-------------------------------------------------------------------------
 *
 * immutable.c
 *	  The immutability trigger, fintech.refuse_change(): history (accounts,
 *	  entries, postings, pending_legs, holds, audit_log, audit_head,
 *	  payments) is never updated, deleted or truncated, except by the
 *	  extension's own write-once steps (FintechInternalWrite, immutable.h).
 *
 * Locking: none of its own; it runs inside the statement that fired it,
 * under that statement's locks, and reads only the rows it is given.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

#include "fintech.h"
#include "immutable.h"

FintechInternalWrite fintech_internal_write = FT_WRITE_NONE;

/* the tables the install scripts protect with fintech.refuse_change() */
static const char *const refuse_change_tables[] = {
	"accounts", "entries", "postings", "pending_legs", "holds",
	"audit_log", "audit_head", "payments"
};

PG_FUNCTION_INFO_V1(fintech_refuse_change);
/*
 * BEFORE UPDATE/DELETE (row) and BEFORE TRUNCATE (statement) trigger on
 * history: LD007 for everyone, owner included.  The changes let through
 * are the extension's own write-once steps (see FintechInternalWrite):
 * folding a deferred posting and moving the head of the audit chain, each
 * filling columns that were NULL (audit rows themselves are sealed in C,
 * past this trigger: see audit_log_seal() in audit_log.c).
 */
Datum
fintech_refuse_change(PG_FUNCTION_ARGS)
{
	TriggerData *trig = (TriggerData *) fcinfo->context;
	const char *op;
	const char *rel;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("fintech.refuse_change() can only be called as a trigger")));
	rel = RelationGetRelationName(trig->tg_relation);

	/*
	 * Only as the install scripts attach it: BEFORE UPDATE/DELETE FOR EACH
	 * ROW or BEFORE TRUNCATE FOR EACH STATEMENT, on one of fintech's own
	 * history tables (refuse_change_tables).  Anything else is refused
	 * before a tuple is looked at.
	 */
	{
		bool		ok = false;

		if (RelationGetNamespace(trig->tg_relation) == get_namespace_oid("fintech", true))
			for (int i = 0; i < lengthof(refuse_change_tables); i++)
				if (strcmp(rel, refuse_change_tables[i]) == 0)
					ok = true;
		ok = ok && TRIGGER_FIRED_BEFORE(trig->tg_event);
		if (TRIGGER_FIRED_BY_TRUNCATE(trig->tg_event))
			ok = ok && TRIGGER_FIRED_FOR_STATEMENT(trig->tg_event);
		else if (TRIGGER_FIRED_BY_UPDATE(trig->tg_event) || TRIGGER_FIRED_BY_DELETE(trig->tg_event))
			ok = ok && TRIGGER_FIRED_FOR_ROW(trig->tg_event) && trig->tg_trigtuple != NULL &&
				(!TRIGGER_FIRED_BY_UPDATE(trig->tg_event) || trig->tg_newtuple != NULL);
		else
			ok = false;			/* INSERT */
		if (!ok)
			ereport(ERROR,
					(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
					 errmsg("trigger \"%s\" on %s cannot use fintech.refuse_change()",
							trig->tg_trigger->tgname,
							quote_qualified_identifier(get_namespace_name(RelationGetNamespace(trig->tg_relation)),
													   rel)),
					 errdetail("fintech.refuse_change() only runs BEFORE UPDATE or DELETE FOR EACH ROW "
							   "or BEFORE TRUNCATE FOR EACH STATEMENT on fintech's own history tables.")));
	}
	if (TRIGGER_FIRED_BY_UPDATE(trig->tg_event))
	{
		bool		allowed;

		op = "UPDATE";
		allowed = TRIGGER_FIRED_FOR_ROW(trig->tg_event) &&
			((fintech_internal_write == FT_WRITE_FOLD && strcmp(rel, "postings") == 0) ||
			 (fintech_internal_write == FT_WRITE_SEAL &&
			  strcmp(rel, "audit_head") == 0) ||
			 (fintech_internal_write == FT_WRITE_PAYMENT && strcmp(rel, "payments") == 0));
		if (allowed && fintech_internal_write == FT_WRITE_PAYMENT)
		{
			TupleDesc	desc = RelationGetDescr(trig->tg_relation);
			char	   *old pg_attribute_unused() = SPI_getvalue(trig->tg_trigtuple, desc,
															 SPI_fnumber(desc, "status"));

			/* a held payment is resolved once */
			FT_CHECK(old != NULL && strcmp(old, "held") == 0);
			return PointerGetDatum(trig->tg_newtuple);
		}
		if (allowed)
		{
			TupleDesc	desc = RelationGetDescr(trig->tg_relation);
			int			seqcol = SPI_fnumber(desc, "seq");

			/*
			 * A write-once column goes from NULL to a value, never back:
			 * checked in every build, because the fold's UPDATE finds its
			 * row by primary key alone (deferral.c says why).
			 */
			if (seqcol > 0)
			{
				bool		oldnull,
							newnull;

				(void) heap_getattr(trig->tg_trigtuple, seqcol, desc, &oldnull);
				(void) heap_getattr(trig->tg_newtuple, seqcol, desc, &newnull);
				if (!oldnull || newnull)
					elog(ERROR, "fold of an already folded posting in fintech.%s", rel);
			}
			return PointerGetDatum(trig->tg_newtuple);
		}
	}
	else if (TRIGGER_FIRED_BY_DELETE(trig->tg_event))
		op = "DELETE";
	else
		op = "TRUNCATE";

	ereport(ERROR,
			(errcode(ERRCODE_LD007),
			 errmsg("%s on fintech.%s is not allowed: %s is immutable", op, rel,
					strncmp(rel, "audit", 5) == 0 ? "the audit trail" :
					strcmp(rel, "payments") == 0 ? "a payment" : "ledger history"),
			 strcmp(rel, "accounts") == 0
			 ? errhint("Close an account with fintech.close_account().")
			 : strcmp(rel, "payments") == 0
			 ? errhint("A payment never changes; refund it with a new payment or fintech.reverse() of its entry.")
			 : strncmp(rel, "audit", 5) == 0
			 ? errhint("Audit rows are only ever added; fintech.verify_audit() checks them.")
			 : errhint("Correct a posted entry with fintech.reverse(); release a hold with fintech.void_pending().")));
	PG_RETURN_NULL();
}
