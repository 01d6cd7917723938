/*-------------------------------------------------------------------------
 *
 * ledger.c
 *	  The double-entry ledger: its module initialisation (the two jobs that
 *	  keep it tidy, expiring holds and folding deferred postings) and what
 *	  every part of it shares (ledger.h): money arithmetic and how its jobs
 *	  wait for locks.
 *
 * Model.  A posting's amount is signed the accounting way (debit > 0,
 * credit < 0), so the postings of an entry sum to zero per currency.  An
 * account's balance is kept in its normal direction (debit-normal: asset,
 * expense; credit-normal: liability, equity, income).  accounts.balance is
 * the posted balance, pending_out/pending_in the amounts that open holds
 * take out of / bring into the account.
 *
 * The parts, one concept each:
 *   account_code.c   account codes: NFC, refused characters, length
 *   ledger_args.c    the SQL arguments, checked
 *   accounts.c       open, freeze, unfreeze, close; balances
 *   entries.c        legs, post, transfer (and its record mode, for pay)
 *   transfer_batch.c many transfers in one call, each refused on its own
 *   holds.c          pending entries: post, void, expiry; held payments
 *   reversal.c       reverse a posted entry
 *   ledger_keys.c    idempotency keys of the writes above (safe retries)
 *   sweep.c          move what the limits allow, decided under the locks
 *   statement.c      an account's postings, a page at a time (read only)
 *   check_ledger.c   the ledger's consistency checks
 *   immutable.c      the trigger that keeps history immutable
 *   posting.c        the posting engine's driver (apply_entry), on
 *   posting_lock.c     its accounts locked in code order,
 *   posting_decide.c   its decisions (in memory, no database access),
 *   posting_write.c    its writes (in memory, then bulk statements),
 *   deferral.c         and deferred postings and their fold.
 *
 * Lock order: a hold before its accounts, accounts in code order, and
 * accounts last of all, after parties, alerts and payments (the global
 * order in payments.c and parties.c); the jobs lock holds and accounts
 * only, with SKIP LOCKED and lock_timeout (run_in_subxact and
 * job_lock_timeout, here).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/resowner.h"

#include "account_tid_cache.h"
#include "deferral.h"
#include "holds.h"
#include "ledger.h"
#include "jobs.h"

void
ledger_overflow(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("amount out of range for bigint")));
}

/* a 128-bit integer in decimal, for messages */
char *
i128_str(int128 v)
{
	char		buf[48];
	char	   *p = buf + sizeof(buf) - 1;
	uint128		u = v < 0 ? -(uint128) v : (uint128) v;

	*p = '\0';
	do
	{
		*--p = '0' + (int) (u % 10);
		u /= 10;
	} while (u > 0);
	if (v < 0)
		*--p = '-';
	return pstrdup(p);
}

/* how long a job waits for a lock before leaving the work for its next run */
#define JOB_LOCK_TIMEOUT_MS "100"

/* run fn(arg) in a subtransaction; -1 when it gave up on a busy lock */
int64
run_in_subxact(SubxactFunc fn, void *arg)
{
	MemoryContext oldcxt = CurrentMemoryContext;
	ResourceOwner oldowner = CurrentResourceOwner;
	int64		result = -1;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(oldcxt);
	PG_TRY();
	{
		result = fn(arg);
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcxt);
		CurrentResourceOwner = oldowner;
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(oldcxt);
		edata = CopyErrorData();
		if (edata->sqlerrcode != ERRCODE_LOCK_NOT_AVAILABLE)
			PG_RE_THROW();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcxt);
		CurrentResourceOwner = oldowner;
		result = -1;
	}
	PG_END_TRY();
	return result;
}

void
job_lock_timeout(void)
{
	(void) set_config_option("lock_timeout", JOB_LOCK_TIMEOUT_MS, PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_LOCAL, true, 0, false);
}

/* the ledger's jobs: holds.c and deferral.c */
void
LedgerInit(void)
{
	fintech_define_job("expire_holds", "fintech.expire_holds_interval",
					   "How often the background worker releases holds past their deadline.",
					   1000, expire_holds_job);
	fintech_define_job("fold_postings", "fintech.fold_interval",
					   "How often the background worker folds deferred postings into their accounts; "
					   "0 also turns deferral off (every posting waits for its account's row lock).",
					   200, fold_postings_job);
	ft_acct_tid_shmem_register();
}
