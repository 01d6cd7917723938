# A bounded stress run of the ledger: pgbench, 8 clients for 5 seconds,
# random payments among 20 wallets (min_balance 0) that each also pay 1 to
# a shared fee account, mixed with plain transfers, batches, and holds that
# are posted (fully or partly), voided or left to expire.  Afterwards: no
# balance below its limit, money conserved, check_ledger() all ok, and not
# a single deadlock.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib $FindBin::RealBin;
use FintechTest;
use IPC::Run;
use Time::HiRes qw(time usleep);

my $NWALLETS = 20;
my $FUNDING = 1000;
my $TOTAL = $NWALLETS * $FUNDING;

my $node = fintech_node('ledger_stress', qq{
shared_preload_libraries = 'fintech'
fintech.heartbeat_interval = '1h'
max_connections = 30
log_lock_waits = on
deadlock_timeout = '100ms'
});

sql('CREATE EXTENSION fintech CASCADE');
wait_for(
	"SELECT (SELECT state FROM fintech.worker_status WHERE job = 'launcher') = 'running'
	    AND (SELECT bool_and(runs >= 1) FROM fintech.worker_status
	          WHERE job IN ('expire_holds', 'fold_postings'))",
	'launcher runs the ledger jobs');

# --- accounts: a bank (asset, no lower limit), 20 wallets, a fee account
sql(qq{
SELECT fintech.open_account(code => 'bank', currency => 'USD', kind => 'asset', min_balance => NULL);
SELECT fintech.open_account(code => 'fee', currency => 'USD', kind => 'income');
SELECT fintech.open_account(code => 'w' || lpad(i::text, 2, '0'), currency => 'USD')
  FROM generate_series(1, $NWALLETS) i;
SELECT fintech.transfer(debit_account => 'bank', credit_account => 'w' || lpad(i::text, 2, '0'),
                        amount => $FUNDING)
  FROM generate_series(1, $NWALLETS) i;
});
is(sql("SELECT count(*) || '/' || sum(balance) FROM fintech.accounts WHERE code LIKE 'w%'"),
	"$NWALLETS/$TOTAL", 'wallets are funded');

# --- helpers called by pgbench: refusals the run expects (LD002: not enough
# funds; LD008: a hold already resolved or expired) are caught and counted as
# "false", anything else aborts the client and fails the test
sql(q{
CREATE FUNCTION w(i int) RETURNS text LANGUAGE sql IMMUTABLE
  AS $$ SELECT 'w' || lpad(i::text, 2, '0') $$;

-- a payment with its fee, in one entry: from pays amt + 1, to gets amt, fee gets 1
CREATE FUNCTION try_pay(f int, t int, amt bigint) RETURNS bool LANGUAGE plpgsql AS $$
BEGIN
  PERFORM fintech.post(legs => ARRAY[fintech.debit(w(f), amt + 1), fintech.credit(w(t), amt),
                                     fintech.credit('fee', 1)]);
  RETURN true;
EXCEPTION WHEN SQLSTATE 'LD002' THEN RETURN false;
END $$;

CREATE FUNCTION try_transfer(f int, t int, amt bigint) RETURNS bool LANGUAGE plpgsql AS $$
BEGIN
  PERFORM fintech.transfer(debit_account => w(f), credit_account => w(t), amount => amt);
  RETURN true;
EXCEPTION WHEN SQLSTATE 'LD002' THEN RETURN false;
END $$;

CREATE FUNCTION try_hold(f int, t int, amt bigint) RETURNS bool LANGUAGE plpgsql AS $$
BEGIN
  PERFORM fintech.transfer(debit_account => w(f), credit_account => w(t), amount => amt,
                           pending_for => '1 second');
  RETURN true;
EXCEPTION WHEN SQLSTATE 'LD002' THEN RETURN false;
END $$;

-- resolve one of the open holds: 0 post in full, 1 post part, 2 void
CREATE FUNCTION try_resolve(pick int, how int) RETURNS bool LANGUAGE plpgsql AS $$
DECLARE
  h record;
BEGIN
  SELECT entry_id, amount INTO h FROM fintech.holds WHERE status = 'open'
   ORDER BY expires_at LIMIT 1 OFFSET pick;
  IF NOT FOUND THEN
    RETURN false;
  END IF;
  IF how = 0 THEN
    PERFORM fintech.post_pending(h.entry_id);
  ELSIF how = 1 THEN
    PERFORM fintech.post_pending(h.entry_id, greatest(h.amount / 2, 1));
  ELSE
    PERFORM fintech.void_pending(h.entry_id);
  END IF;
  RETURN true;
EXCEPTION WHEN SQLSTATE 'LD002' OR SQLSTATE 'LD008' THEN RETURN false;
END $$;

-- five random transfers in one transfer_batch call (refusals come back per item)
CREATE FUNCTION batch5() RETURNS int LANGUAGE plpgsql AS $$
DECLARE
  f int[]; t int[]; a bigint[];
BEGIN
  SELECT array_agg(x.f), array_agg(1 + (x.f + x.k) % 20), array_agg(x.a)
    INTO f, t, a
    FROM (SELECT 1 + floor(random() * 20)::int AS f, floor(random() * 19)::int AS k,
                 1 + floor(random() * 300)::bigint AS a
            FROM generate_series(1, 5)) x;
  RETURN (SELECT count(*) FROM fintech.transfer_batch(
            (SELECT array_agg(w(i) ORDER BY o) FROM unnest(f) WITH ORDINALITY u(i, o)),
            (SELECT array_agg(w(i) ORDER BY o) FROM unnest(t) WITH ORDINALITY u(i, o)), a)
          WHERE error IS NULL);
END $$;
});

# --- the pgbench scripts: from and to are two different wallets
my $pick = q{\set from random(1, 20)
\set to 1 + (:from + random(0, 18)) % 20
\set amt random(1, 300)
};
my %scripts = (
	'pay@5' => "${pick}SELECT try_pay(:from, :to, :amt);\n",
	'transfer@2' => "${pick}SELECT try_transfer(:from, :to, :amt);\n",
	'hold@2' => "${pick}SELECT try_hold(:from, :to, :amt);\n",
	'resolve@2' => "\\set pick random(0, 3)\n\\set how random(0, 2)\nSELECT try_resolve(:pick, :how);\n",
	'batch@1' => "SELECT batch5();\n",
);
my $log_offset = -s $node->logfile;
my ($out, $err, $done) = run_pgbench(\%scripts);
unlike($out . $err, qr/aborted|ERROR/i, 'pgbench: no aborted client, no error');

cmp_ok($done, '>', 500, "pgbench processed more than 500 transactions ($done)");

# --- let the jobs finish what the run left: fold deferred postings, expire
# the holds still open (they live 1 second)
wait_for("SELECT count(*) = 0 FROM fintech.postings WHERE seq IS NULL",
	'all deferred postings are folded', 20);
wait_for("SELECT count(*) = 0 FROM fintech.holds WHERE status = 'open'",
	'every hold is posted, voided or expired', 20);

my $entries = sql("SELECT count(*) FROM fintech.entries WHERE type = 'standard'");
cmp_ok($entries, '>', 500 + $NWALLETS, "more than 500 entries were posted ($entries)");
note(sql("SELECT string_agg(type || ' ' || n, ', ' ORDER BY type)
            FROM (SELECT type, count(*) n FROM fintech.entries GROUP BY type) x"));
note(sql("SELECT string_agg(status || ' ' || n, ', ' ORDER BY status)
            FROM (SELECT status, count(*) n FROM fintech.holds GROUP BY status) x"));
cmp_ok(sql("SELECT count(*) FROM fintech.entries WHERE type = 'pending'"), '>', 0,
	'holds were taken');
cmp_ok(sql("SELECT count(DISTINCT status) FROM fintech.holds"), '>=', 2,
	'holds ended in more than one way');

# --- no balance below its limit
is(sql("SELECT count(*) FROM fintech.accounts
         WHERE code <> 'bank'
           AND (balance < 0 OR pending_out <> 0 OR pending_in <> 0
                OR fintech.balance(code) < 0 OR fintech.available_balance(code) < 0
                OR fintech.available_balance(code) <> fintech.balance(code))"),
	'0', 'no wallet or fee balance below 0, nothing still reserved');
is(sql("SELECT coalesce(min(fintech.available_balance(code)), 0) >= 0
          FROM fintech.accounts WHERE code <> 'bank'"),
	't', 'minimum available balance is >= 0');

# --- money conserved
is(sql("SELECT fintech.balance('bank')"), $TOTAL, 'the bank still holds exactly what it funded');
is(sql("SELECT sum(fintech.balance(code)) FROM fintech.accounts WHERE code <> 'bank'"),
	$TOTAL, 'wallets + fee add up to what was funded');
is(sql("SELECT sum(amount) FROM fintech.postings"), '0', 'all postings sum to zero');
is(sql("SELECT fintech.balance('fee') = count(*)
          FROM fintech.postings p JOIN fintech.accounts a ON a.id = p.account_id
         WHERE a.code = 'fee' AND p.amount = -1"),
	't', 'the fee account holds 1 per posted payment');
cmp_ok(sql("SELECT fintech.balance('fee')"), '>', 0, 'payments with a fee were posted');

# --- the ledger's own check
is(sql("SELECT CASE WHEN count(*) >= 6 AND bool_and(ok) THEN 'all ok'
               ELSE string_agg(check_name || ': ' || ok || ' ' || detail, '; ') END
          FROM fintech.check_ledger()"),
	'all ok', 'check_ledger() is all ok');

# --- zero deadlocks, no errors
is(sql("SELECT deadlocks FROM pg_stat_database WHERE datname = 'postgres'"), '0',
	'pg_stat_database: 0 deadlocks');
is(sql("SELECT coalesce(sum(errors), 0) FROM fintech.worker_status
         WHERE job IN ('expire_holds', 'fold_postings')"),
	'0', 'the ledger jobs never failed');
my $log = substr(slurp_file($node->logfile), $log_offset);
unlike($log, qr/deadlock detected/, 'no deadlock in the server log')
  or diag(join("\n", grep { /deadlock detected|DETAIL|^\s+Process \d+|CONTEXT|while locking/ } split /\n/, $log));
unlike($log, qr/\b(?:ERROR|PANIC|FATAL):/, 'no error in the server log during the run')
  or diag(join("\n", grep { /ERROR|PANIC|FATAL/ } split /\n/, $log));

$node->stop('fast');
done_testing();
