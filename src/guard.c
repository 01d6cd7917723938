/*-------------------------------------------------------------------------
 *
 * guard.c
 *	  A ProcessUtility hook that refuses, before PostgreSQL takes any lock,
 *	  the DDL commands that PostgreSQL 15 would let any role queue a strong
 *	  lock with on a relation of schema fintech.
 *
 * The attack.  Some utility commands open their target relation, taking a
 * strong lock, and only then check that the caller owns it or holds the
 * privilege needed.  The failed command still waits for its lock first,
 * and a lock request that waits makes every later conflicting request wait
 * behind it.  So a role with nothing but USAGE on schema fintech (every
 * application role) can, from one session, keep a transaction open after
 * calling fintech.transfer (RowExclusiveLock on fintech.accounts and the
 * rest), and from a second session ask for, e.g.,
 *		CREATE RULE r AS ON INSERT TO fintech.accounts DO INSTEAD NOTHING
 * which queues for AccessExclusiveLock behind its own first session; until
 * that transaction ends every transfer, pay, create_party, the sealer and
 * the jobs queue behind the rule, and so do readers.  As tested on 15 (see
 * notes): CREATE RULE (DefineQueryRewrite: AccessExclusiveLock), CREATE
 * TRIGGER (CreateTriggerFiringOn: ShareRowExclusiveLock), a FOREIGN KEY
 * referencing the relation in CREATE TABLE / ALTER TABLE ... ADD
 * CONSTRAINT / ADD COLUMN, also of a temporary table
 * (ATAddForeignKeyConstraint: ShareRowExclusiveLock), CREATE TABLE ...
 * PARTITION OF (DefineRelation: AccessExclusiveLock), ALTER TABLE ...
 * ATTACH / DETACH PARTITION of it and ALTER INDEX ... ATTACH PARTITION of
 * one of its indexes (AccessExclusiveLock), ALTER INDEX ... DEPENDS ON
 * EXTENSION (ExecAlterObjectDependsStmt: AccessExclusiveLock; ALTER
 * MATERIALIZED VIEW takes the same path, fintech has none); with ShareUpdateExclusiveLock, which does not block
 * writers but does block VACUUM, ANALYZE and the owner's DDL: COMMENT ON /
 * SECURITY LABEL ON a relation or column (get_object_address), CREATE
 * STATISTICS, INHERITS / ALTER TABLE ... INHERIT, and for a role with
 * CREATE on the database CREATE / ALTER PUBLICATION ... TABLE (OpenTableList).
 *
 * The rule.  For those statements only, the hook resolves the relation
 * named WITHOUT a lock (RangeVarGetRelid(rv, NoLock, true)); if it lies in
 * schema fintech and the current user lacks what PostgreSQL itself will
 * require (ownership, or the TRIGGER / REFERENCES privilege; a superuser
 * has all of them) the statement fails at once with 42501 naming the
 * relation and the command.  Otherwise, and for every other statement
 * (looked at by node tag only, no catalog access), it chains to the
 * previous hook or standard_ProcessUtility.  A name that does not resolve
 * is left to PostgreSQL, which raises its own error.  The check only
 * refuses what PostgreSQL would refuse after the lock, so an owner's or a
 * superuser's DDL is unchanged.
 *
 * Limits.  The hook exists only in backends that have loaded the library:
 * with shared_preload_libraries = 'fintech' (the documented setup) that is
 * every backend.  Functions that lock a relation by OID before checking
 * (brin_summarize_new_values, brin_summarize_range, brin_desummarize_range:
 * ShareUpdateExclusiveLock on the index's table) cannot be hooked here;
 * they do not block the ledger's writers or readers and no fintech job or
 * loader takes a lock they conflict with (see notes).
 *
 * Locks: none; the hook only reads the catalogs through the syscache.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "tcop/utility.h"
#include "utils/acl.h"
#include "utils/lsyscache.h"

#include "fintech.h"

/* what PostgreSQL checks after its lock, and so what we check before it */
typedef enum GuardRight
{
	GUARD_OWNER,				/* pg_class_ownercheck */
	GUARD_TRIGGER,				/* ACL_TRIGGER on the relation */
	GUARD_REFERENCES			/* ACL_REFERENCES on the relation or a column */
} GuardRight;

static ProcessUtility_hook_type prev_ProcessUtility = NULL;

static void guard_ProcessUtility(PlannedStmt *pstmt, const char *queryString,
								 bool readOnlyTree, ProcessUtilityContext context,
								 ParamListInfo params, QueryEnvironment *queryEnv,
								 DestReceiver *dest, QueryCompletion *qc);

void
GuardInit(void)
{
	prev_ProcessUtility = ProcessUtility_hook;
	ProcessUtility_hook = guard_ProcessUtility;
}

/*
 * Refuse "command" on relation rv unless the current user has "right" on
 * it, when rv names a relation in schema fintech.  No lock is taken.
 */
static void
guard_relation(RangeVar *rv, GuardRight right, const char *command)
{
	Oid			nsp;
	Oid			relid;
	Oid			userid = GetUserId();
	bool		ok;

	if (rv == NULL)
		return;
	nsp = get_namespace_oid("fintech", true);
	if (!OidIsValid(nsp))
		return;
	/* no lock, and an unknown name is PostgreSQL's to report */
	relid = RangeVarGetRelid(rv, NoLock, true);
	if (!OidIsValid(relid) || get_rel_namespace(relid) != nsp)
		return;

	switch (right)
	{
		case GUARD_TRIGGER:
			ok = pg_class_aclcheck(relid, userid, ACL_TRIGGER) == ACLCHECK_OK;
			break;
		case GUARD_REFERENCES:
			/* PostgreSQL accepts the table's privilege or the columns' */
			ok = pg_class_aclcheck(relid, userid, ACL_REFERENCES) == ACLCHECK_OK ||
				pg_attribute_aclcheck_all(relid, userid, ACL_REFERENCES,
										  ACLMASK_ANY) == ACLCHECK_OK;
			break;
		default:
			ok = pg_class_ownercheck(relid, userid);
			break;
	}
	if (ok)
		return;

	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("permission denied for %s on relation \"fintech.%s\"",
					command, get_rel_name(relid)),
			 errdetail("%s Refused before any lock is taken, so that the request cannot queue in front of the ledger's writers.",
					   right == GUARD_TRIGGER ? "It needs the TRIGGER privilege on the relation." :
					   right == GUARD_REFERENCES ? "It needs the REFERENCES privilege on the relation." :
					   "Only the relation's owner may do this.")));
}

/* the table a FOREIGN KEY constraint references, if c is one */
static void
guard_constraint(Node *c)
{
	if (c != NULL && IsA(c, Constraint) && ((Constraint *) c)->contype == CONSTR_FOREIGN)
		guard_relation(((Constraint *) c)->pktable, GUARD_REFERENCES,
					   "FOREIGN KEY ... REFERENCES");
}

/* the FOREIGN KEY constraints of a column definition */
static void
guard_column(Node *n)
{
	ListCell   *lc;

	if (n == NULL || !IsA(n, ColumnDef))
		return;
	foreach(lc, ((ColumnDef *) n)->constraints)
		guard_constraint(lfirst(lc));
}

static void
guard_create(CreateStmt *stmt)
{
	ListCell   *lc;

	foreach(lc, stmt->inhRelations)
		guard_relation(lfirst_node(RangeVar, lc), GUARD_OWNER,
					   stmt->partbound ? "CREATE TABLE ... PARTITION OF" :
					   "CREATE TABLE ... INHERITS");
	foreach(lc, stmt->tableElts)
	{
		Node	   *elt = lfirst(lc);

		if (IsA(elt, ColumnDef))
			guard_column(elt);
		else
			guard_constraint(elt);
	}
	foreach(lc, stmt->constraints)
		guard_constraint(lfirst(lc));
}

static void
guard_alter_table(AlterTableStmt *stmt)
{
	ListCell   *lc;

	foreach(lc, stmt->cmds)
	{
		AlterTableCmd *cmd = lfirst_node(AlterTableCmd, lc);

		switch (cmd->subtype)
		{
			case AT_AddColumn:
			case AT_AddColumnRecurse:
				guard_column(cmd->def);
				break;
			case AT_AddConstraint:
			case AT_AddConstraintRecurse:
				guard_constraint(cmd->def);
				break;
			case AT_AttachPartition:
				guard_relation(castNode(PartitionCmd, cmd->def)->name, GUARD_OWNER,
							   stmt->objtype == OBJECT_INDEX ?
							   "ALTER INDEX ... ATTACH PARTITION" :
							   "ALTER TABLE ... ATTACH PARTITION");
				break;
			case AT_DetachPartition:
			case AT_DetachPartitionFinalize:
				guard_relation(castNode(PartitionCmd, cmd->def)->name, GUARD_OWNER,
							   "ALTER TABLE ... DETACH PARTITION");
				break;
			case AT_AddInherit:
				guard_relation(castNode(RangeVar, cmd->def), GUARD_OWNER,
							   "ALTER TABLE ... INHERIT");
				break;
			default:
				break;
		}
	}
}

/* COMMENT ON / SECURITY LABEL ON a relation or a column of one */
static void
guard_object_name(ObjectType objtype, Node *object, const char *command)
{
	List	   *names;

	switch (objtype)
	{
		case OBJECT_TABLE:
		case OBJECT_INDEX:
		case OBJECT_SEQUENCE:
		case OBJECT_VIEW:
		case OBJECT_MATVIEW:
		case OBJECT_FOREIGN_TABLE:
			names = castNode(List, object);
			break;
		case OBJECT_COLUMN:
			/* table name, then the column's */
			names = castNode(List, object);
			if (list_length(names) < 2)
				return;
			names = list_truncate(list_copy(names), list_length(names) - 1);
			break;
		default:
			return;
	}
	guard_relation(makeRangeVarFromNameList(names), GUARD_OWNER, command);
}

/* the tables named in CREATE / ALTER PUBLICATION (which needs CREATE on the database) */
static void
guard_publication(List *pubobjects, const char *command)
{
	ListCell   *lc;

	foreach(lc, pubobjects)
	{
		PublicationObjSpec *obj = lfirst_node(PublicationObjSpec, lc);

		if (obj->pubobjtype == PUBLICATIONOBJ_TABLE && obj->pubtable != NULL)
			guard_relation(obj->pubtable->relation, GUARD_OWNER, command);
	}
}

/* by node tag only: every other statement costs one switch */
static void
guard_check(Node *parsetree)
{
	switch (nodeTag(parsetree))
	{
		case T_RuleStmt:
			guard_relation(((RuleStmt *) parsetree)->relation, GUARD_OWNER, "CREATE RULE");
			break;
		case T_CreateTrigStmt:
			guard_relation(((CreateTrigStmt *) parsetree)->relation, GUARD_TRIGGER,
						   "CREATE TRIGGER");
			break;
		case T_CreateStmt:
			guard_create((CreateStmt *) parsetree);
			break;
		case T_CreateForeignTableStmt:
			guard_create(&((CreateForeignTableStmt *) parsetree)->base);
			break;
		case T_AlterTableStmt:
			guard_alter_table((AlterTableStmt *) parsetree);
			break;
		case T_CommentStmt:
			guard_object_name(((CommentStmt *) parsetree)->objtype,
							  ((CommentStmt *) parsetree)->object, "COMMENT");
			break;
		case T_SecLabelStmt:
			guard_object_name(((SecLabelStmt *) parsetree)->objtype,
							  ((SecLabelStmt *) parsetree)->object, "SECURITY LABEL");
			break;
		case T_CreateStatsStmt:
			{
				ListCell   *lc;

				foreach(lc, ((CreateStatsStmt *) parsetree)->relations)
					if (IsA(lfirst(lc), RangeVar))
						guard_relation(lfirst(lc), GUARD_OWNER, "CREATE STATISTICS");
				break;
			}
		case T_CreatePublicationStmt:
			guard_publication(((CreatePublicationStmt *) parsetree)->pubobjects,
							  "CREATE PUBLICATION");
			break;
		case T_AlterPublicationStmt:
			guard_publication(((AlterPublicationStmt *) parsetree)->pubobjects,
							  "ALTER PUBLICATION");
			break;
		case T_AlterObjectDependsStmt:
			{
				AlterObjectDependsStmt *stmt = (AlterObjectDependsStmt *) parsetree;

				/* a trigger's table is only AccessShareLock'ed; these are locked hard */
				if (stmt->objectType == OBJECT_INDEX || stmt->objectType == OBJECT_MATVIEW)
					guard_relation(stmt->relation, GUARD_OWNER,
								   "ALTER ... DEPENDS ON EXTENSION");
				break;
			}
		default:
			break;
	}
}

static void
guard_ProcessUtility(PlannedStmt *pstmt, const char *queryString,
					 bool readOnlyTree, ProcessUtilityContext context,
					 ParamListInfo params, QueryEnvironment *queryEnv,
					 DestReceiver *dest, QueryCompletion *qc)
{
	guard_check(pstmt->utilityStmt);

	if (prev_ProcessUtility)
		prev_ProcessUtility(pstmt, queryString, readOnlyTree, context,
							params, queryEnv, dest, qc);
	else
		standard_ProcessUtility(pstmt, queryString, readOnlyTree, context,
								params, queryEnv, dest, qc);
}
