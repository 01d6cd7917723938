/*-------------------------------------------------------------------------
 *
 * audit_table.c
 *	  Which tables the audit trail captures, and on which events:
 *	  fintech.audit_table(), which puts the capture triggers on a table,
 *	  and the one table whose trigger is narrower, fintech.accounts.
 *
 * Every audited table gets "fintech_audit" (AFTER INSERT OR UPDATE OR
 * DELETE FOR EACH ROW) and "fintech_audit_truncate" (AFTER TRUNCATE FOR
 * EACH STATEMENT), both running fintech.audit_trigger() (audit_capture.c).
 *
 * fintech.accounts's "fintech_audit" is AFTER INSERT OR UPDATE OF <every
 * column but the folded state> OR DELETE.  The folded state (balance,
 * pending_out, pending_in, last_seq) is what every posting changes, and it
 * is not logged: check_ledger() proves it from the postings.  PostgreSQL
 * decides "UPDATE OF" before it queues the event, so the ledger's balance
 * updates (which name only the folded state) cost no trigger event, no
 * tuple fetch and no comparison.  An UPDATE that names another column
 * fires it, and the capture still logs it only if something but the
 * folded state changed.  The column list is made here from the table's
 * columns when audit_table() is called, sorted by name (so the definition
 * is the same whatever order the columns were added in), and made again
 * when it no longer names them all; until then the capture refuses to run
 * (ft_audit_check_account_trigger): a column added later is never
 * silently left unlogged.  What "UPDATE OF" cannot see: a BEFORE UPDATE
 * trigger someone adds to fintech.accounts that changes another column
 * of an UPDATE naming only the folded state (docs/audit.md).
 *
 * Locks: audit_table() takes what CREATE/DROP TRIGGER take
 * (ShareRowExclusiveLock / AccessExclusiveLock on the table).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/table.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

#include "fintech.h"
#include "audit_capture.h"
#include "audit_log.h"
#include "audit_table.h"

/* fintech.accounts's folded state: not logged, see above */
static const char *const folded_columns[] = {"balance", "pending_out", "pending_in", "last_seq"};

bool
ft_audit_is_folded(const char *name)
{
	for (int f = 0; f < lengthof(folded_columns); f++)
		if (strcmp(name, folded_columns[f]) == 0)
			return true;
	return false;
}

/*
 * fintech.accounts: the columns whose UPDATE its capture trigger must see
 * (UPDATE OF): every live column but the folded state and generated
 * columns (computed from the others), as 1-based attnos, ascending
 */
static int
account_logged_attnos(TupleDesc desc, int16 *attnos)
{
	int			n = 0;

	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (!att->attisdropped && !att->attgenerated && !ft_audit_is_folded(NameStr(att->attname)))
			attnos[n++] = i + 1;
	}
	return n;
}

/* the trigger "fintech_audit" of rel, if any */
static Trigger *
capture_trigger(Relation rel)
{
	TriggerDesc *td = rel->trigdesc;

	for (int i = 0; td != NULL && i < td->numtriggers; i++)
		if (strcmp(td->triggers[i].tgname, "fintech_audit") == 0)
			return &td->triggers[i];
	return NULL;
}

/*
 * The capture trigger of fintech.accounts sees an UPDATE of each column
 * it must log: no column list (every UPDATE, as before 0.6.0), or one that
 * names them all.  A column added since the list was made would not be
 * logged: refused (fintech.audit_table makes the list again).
 */
void
ft_audit_check_account_trigger(Relation rel)
{
	TupleDesc	desc = RelationGetDescr(rel);
	Trigger    *t = capture_trigger(rel);
	int16	   *attnos = palloc(sizeof(int16) * Max(desc->natts, 1));
	int			n = account_logged_attnos(desc, attnos);

	if (t == NULL || t->tgnattr == 0)
		return;
	for (int i = 0; i < n; i++)
	{
		bool		named = false;

		for (int k = 0; k < t->tgnattr && !named; k++)
			named = t->tgattr[k] == attnos[i];
		if (!named)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("the capture trigger of fintech.accounts does not name column \"%s\"",
							NameStr(TupleDescAttr(desc, attnos[i] - 1)->attname)),
					 errdetail("Its UPDATE OF list names %d of the table's %d columns that are not its folded state; "
							   "an UPDATE of that column would not be logged.", t->tgnattr, n),
					 errhint("SELECT fintech.audit_table('fintech.accounts') makes the trigger again.")));
	}
	pfree(attnos);
}

PG_FUNCTION_INFO_V1(fintech_audit_table);
/*
 * fintech.audit_table(tbl regclass): add the capture triggers, once (for
 * fintech.accounts: again when its trigger's column list is out of date)
 */
Datum
fintech_audit_table(PG_FUNCTION_ARGS)
{
	Oid			relid;
	char		relkind;
	char	   *qname;
	Oid			types[1] = {OIDOID};
	Datum		v[1];
	bool		update_of = false;
	char	   *update = NULL;
	bool		drop = false;

	fintech_arg_not_null(fcinfo, 0, "tbl");
	relid = PG_GETARG_OID(0);
	relkind = get_rel_relkind(relid);
	if (relkind == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u does not exist", relid)));
	qname = quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
									   get_rel_name(relid));
	if (relkind != RELKIND_RELATION && relkind != RELKIND_PARTITIONED_TABLE)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("cannot audit %s: it is not a table", qname)));
	if (get_rel_namespace(relid) == get_namespace_oid("fintech", false) &&
		strcmp(get_rel_name(relid), "audit_log") == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot audit fintech.audit_log itself")));
	if (get_rel_namespace(relid) == get_namespace_oid("fintech", false))
	{
		const char *relname = get_rel_name(relid);

		if (strcmp(relname, "audit_tree") == 0 || strcmp(relname, "audit_head") == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("cannot audit %s: it is part of the audit log", qname)));
		/* (the install scripts of versions before 0.5.0 audit them) */
		if ((strcmp(relname, "postings") == 0 || strcmp(relname, "pending_legs") == 0) &&
			!ft_audit_log_legacy())
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("cannot audit %s: its rows are logged with their entries", qname),
					 errhint("The leaf of a fintech.entries row holds the entry and its legs.")));
	}
	/* the caller, not this SECURITY DEFINER function, must own the table */
	if (!pg_class_ownercheck(relid, GetOuterUserId()))
		aclcheck_error(ACLCHECK_NOT_OWNER, get_relkind_objtype(relkind), get_rel_name(relid));

	/*
	 * fintech.accounts: UPDATE OF every column but the folded state, made
	 * again when the trigger it has names other columns (one added since,
	 * or none: the trigger of a version before 0.6.0)
	 */
	if (get_rel_namespace(relid) == get_namespace_oid("fintech", false) &&
		strcmp(get_rel_name(relid), "accounts") == 0)
	{
		Relation	rel = table_open(relid, AccessShareLock);
		TupleDesc	desc = RelationGetDescr(rel);
		Trigger    *t = capture_trigger(rel);
		int16	   *attnos = palloc(sizeof(int16) * Max(desc->natts, 1));
		int			n = account_logged_attnos(desc, attnos);
		char	  **names = palloc(sizeof(char *) * Max(n, 1));
		StringInfoData cols;

		update_of = n > 0;
		if (t != NULL)
		{
			bool		same = t->tgnattr == n;

			for (int i = 0; i < n && same; i++)
			{
				bool		named = false;

				for (int k = 0; k < t->tgnattr && !named; k++)
					named = t->tgattr[k] == attnos[i];
				same = named;
			}
			drop = !same;
		}
		/* sorted by name: the same definition whatever order the columns were added in */
		for (int i = 0; i < n; i++)
			names[i] = NameStr(TupleDescAttr(desc, attnos[i] - 1)->attname);
		qsort(names, n, sizeof(char *), pg_qsort_strcmp);
		initStringInfo(&cols);
		for (int i = 0; i < n; i++)
			appendStringInfo(&cols, "%s%s", i > 0 ? ", " : "", quote_identifier(names[i]));
		update = psprintf("UPDATE OF %s", cols.data);
		table_close(rel, NoLock);
	}

	SPI_connect();
	if (drop && SPI_execute(psprintf("DROP TRIGGER fintech_audit ON %s", qname), false, 0) != SPI_OK_UTILITY)
		elog(ERROR, "could not drop the audit trigger of %s", qname);
	v[0] = ObjectIdGetDatum(relid);
	if (SPI_execute_with_args("SELECT 1 FROM pg_catalog.pg_trigger WHERE tgrelid OPERATOR(pg_catalog.=) $1"
							  " AND tgname OPERATOR(pg_catalog.=) 'fintech_audit'",
							  1, types, v, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not look for the audit trigger");
	if (SPI_processed == 0)
	{
		if (SPI_execute(psprintf("CREATE TRIGGER fintech_audit AFTER INSERT OR %s OR DELETE ON %s"
								 " FOR EACH ROW EXECUTE FUNCTION fintech.audit_trigger()",
								 update_of ? update : "UPDATE", qname),
						false, 0) != SPI_OK_UTILITY ||
			(!drop &&
			 SPI_execute(psprintf("CREATE TRIGGER fintech_audit_truncate AFTER TRUNCATE ON %s"
								  " FOR EACH STATEMENT EXECUTE FUNCTION fintech.audit_trigger()", qname),
						 false, 0) != SPI_OK_UTILITY))
			elog(ERROR, "could not create the audit triggers on %s", qname);
	}
	SPI_finish();
	PG_RETURN_VOID();
}
