/*-------------------------------------------------------------------------
 *
 * limit_accounts.c
 *	  What decides which spending limits apply to a payment: the currency
 *	  and the party of its payer's and payee's accounts, read for
 *	  limit_check.c once a limit has a currency or a party scope.
 *
 * Every payment reads them then, whether a limit applies to it or not, so
 * they are read by direct index access (fintech.accounts' unique index on
 * code), not by a statement: the statement cost a payment some 80,000
 * instructions, 8 % of a pay.  Rows are read in the caller's active
 * snapshot, as the read-only statement was.  A ledger whose accounts table
 * lacks the columns or the index (not one this library created) is read
 * with the statement.
 *
 * Locks: fintech.accounts and its index AccessShareLock, as a SELECT
 * takes them; no row lock (pay locks the accounts later, in its order).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/table.h"
#include "access/tableam.h"
#include "catalog/namespace.h"
#include "executor/tuptable.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "account_index.h"
#include "fintech.h"
#include "limit.h"

bool
ft_limit_accounts(const char *payer, const char *payee, LimitAccounts *out)
{
	Oid			nsp = get_namespace_oid("fintech", false);
	Oid			relid = get_relname_relid("accounts", nsp);
	Oid			idxid = get_relname_relid("accounts_code_key", nsp);
	Relation	rel;
	Relation	idx;
	AttrNumber	code_att,
				currency_att,
				party_att;
	TupleTableSlot *ts;
	const char *codes[2] = {payer, payee};

	memset(out, 0, sizeof(*out));
	if (!OidIsValid(relid) || !OidIsValid(idxid) || !ActiveSnapshotSet())
		return false;
	rel = table_open(relid, AccessShareLock);
	idx = index_open(idxid, AccessShareLock);
	code_att = get_attnum(relid, "code");
	currency_att = get_attnum(relid, "currency");
	party_att = get_attnum(relid, "party_id");
	if (!ft_account_code_index_ok(rel, idx, code_att) || currency_att == InvalidAttrNumber ||
		party_att == InvalidAttrNumber ||
		TupleDescAttr(RelationGetDescr(rel), currency_att - 1)->atttypid != TEXTOID ||
		TupleDescAttr(RelationGetDescr(rel), party_att - 1)->atttypid != INT8OID)
	{
		index_close(idx, AccessShareLock);
		table_close(rel, AccessShareLock);
		return false;
	}
	ts = table_slot_create(rel, NULL);
	for (int i = 0; i < 2; i++)
	{
		bool		isnull;
		Datum		d;

		if (ft_account_by_code(rel, idx, codes[i], GetActiveSnapshot(), ts))
		{
			if (i == 0)
				out->payer_currency = TextDatumGetCString(slot_getattr(ts, currency_att, &isnull));
			d = slot_getattr(ts, party_att, &isnull);
			if (!isnull && i == 0)
				out->payer_party = psprintf(INT64_FORMAT, DatumGetInt64(d));
			else if (!isnull)
				out->payee_party = psprintf(INT64_FORMAT, DatumGetInt64(d));
		}
		ExecClearTuple(ts);
	}
	ExecDropSingleTupleTableSlot(ts);
	index_close(idx, NoLock);
	table_close(rel, NoLock);
	return true;
}
