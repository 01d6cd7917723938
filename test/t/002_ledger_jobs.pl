# The ledger's background jobs in a preloaded cluster: expire_holds releases
# holds past their deadline by itself; fold_postings gives deferred postings
# their place in the account's history.  Deferral itself: a credit to an
# account without an upper limit does not wait for another transaction's row
# lock while the fold job runs, and does wait when fintech.fold_interval = 0;
# close/freeze wait for a deferred credit still in flight; and deferral
# does not let two single-call entries deadlock.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib $FindBin::RealBin;
use FintechTest;
use Time::HiRes qw(time usleep);

my $node = fintech_node('ledger_jobs', qq{
shared_preload_libraries = 'fintech'
fintech.heartbeat_interval = '1h'
});

sub ledger_ok
{
	my ($name) = @_;
	is( sql("SELECT CASE WHEN count(*) >= 6 AND bool_and(ok) THEN 'all ok'
		                 ELSE string_agg(check_name || ': ' || ok || ' ' || detail, '; ') END
		            FROM fintech.check_ledger()"),
		'all ok', $name);
}

# run one statement in a new session; returns (rc, stdout, stderr, seconds)
sub timed_psql
{
	my ($sql) = @_;
	my $t0 = time();
	my ($rc, $out, $err) = $node->psql('postgres', "\\set VERBOSITY verbose\n$sql");
	return ($rc, $out, $err, time() - $t0);
}

$node->safe_psql('postgres', 'CREATE EXTENSION fintech CASCADE');
wait_for(
	"SELECT (SELECT state FROM fintech.worker_status WHERE job = 'launcher') = 'running'
	    AND (SELECT bool_and(runs >= 1) FROM fintech.worker_status
	          WHERE job IN ('expire_holds', 'fold_postings'))",
	'launcher runs the ledger jobs');
is(sql("SELECT \"interval\" FROM fintech.worker_status WHERE job = 'fold_postings'"),
	'00:00:00.2', 'fold_postings runs every 200ms by default');

sql(q{
SELECT fintech.open_account(code => 'bank', currency => 'USD', kind => 'asset', min_balance => NULL);
SELECT fintech.open_account(code => 'alice', currency => 'USD');
SELECT fintech.open_account(code => 'bob', currency => 'USD');
SELECT fintech.open_account(code => 'fee', currency => 'USD');
SELECT fintech.open_account(code => 'tip', currency => 'USD');
SELECT fintech.open_account(code => 'zed', currency => 'USD');
SELECT fintech.transfer(debit_account => 'bank', credit_account => 'alice', amount => 1000);
SELECT fintech.transfer(debit_account => 'bank', credit_account => 'zed', amount => 100);
});

# ====================================================================
# expire_holds: a hold past its deadline is released by the worker
# ====================================================================
my $hold = sql("SELECT fintech.transfer(debit_account => 'alice', credit_account => 'bob',
                                      amount => 300, pending_for => '5 seconds')");
is(sql("SELECT string_agg(code || ':' || pending_out || '/' || pending_in, ',' ORDER BY code)
        FROM fintech.accounts WHERE code IN ('alice', 'bob')"),
	'alice:300/0,bob:0/300', 'the hold reserves 300 out of alice and into bob');
is(sql("SELECT fintech.available_balance('alice')"), '700', 'available balance counts the hold');

# only fintech.holds is read while waiting: nothing but the worker touches the hold
wait_for("SELECT status = 'expired' FROM fintech.holds WHERE entry_id = $hold",
	'the worker expires the hold by itself', 20);

is(sql("SELECT string_agg(code || ':' || pending_out || '/' || pending_in, ',' ORDER BY code)
        FROM fintech.accounts WHERE code IN ('alice', 'bob')"),
	'alice:0/0,bob:0/0', 'the reservations are released');
my $exp = sql("SELECT string_agg(e.id::text, ',') FROM fintech.entries e
              WHERE e.type = 'expire_pending' AND e.related_id = $hold");
like($exp, qr/^\d+$/, 'exactly one expire_pending entry names the hold');
is(sql("SELECT resolved_entry_id FROM fintech.holds WHERE entry_id = $hold"), $exp,
	'the hold points at its expire_pending entry');
is(sql("SELECT count(*) FROM fintech.postings WHERE entry_id IN ($hold, $exp)"), '0',
	'neither the hold nor its expiry posted anything');
is(sql("SELECT fintech.balance('alice') || '/' || fintech.available_balance('alice')
          || ' ' || fintech.balance('bob') || '/' || fintech.available_balance('bob')"),
	'1000/1000 0/0', 'available balance = balance again');
is(sql("SELECT runs > 0 AND total_rows >= 1 AND errors = 0 FROM fintech.worker_status
       WHERE job = 'expire_holds'"),
	't', 'worker_status counts the expiry');
my ($rc, $out, $err) = timed_psql("SELECT fintech.post_pending($hold)");
like($err, qr/LD008/, 'post_pending of the expired hold: LD008');
like(sql("SELECT fintech.run_job('expire_holds')"), qr/^\d+$/,
	'run_job(expire_holds) returns the rows it handled');
ledger_ok('check_ledger after the expiry');

# ====================================================================
# fold_postings: a credit to a locked account is deferred, then folded
# ====================================================================
# A session tries deferral only for accounts it posted to in at least 3 of
# its last 64 posting calls; warm($session, $account) makes it so.
sub warm
{
	my ($session, $account) = @_;
	$session->query_safe(
		"SELECT fintech.transfer(debit_account => 'alice', credit_account => '$account', amount => 1)")
	  for 1 .. 3;
}

my $sa = $node->background_psql('postgres');
my $sb = $node->background_psql('postgres', on_error_stop => 0);
warm($sb, 'fee');
warm($sb, 'tip');
$sa->query_safe('BEGIN');
$sa->query_safe("SELECT fintech.transfer(debit_account => 'bank', credit_account => 'fee', amount => 1)");
($rc, $out, $err) = timed_psql(
	"SELECT 1 FROM fintech.accounts WHERE code = 'fee' FOR NO KEY UPDATE NOWAIT");
like($err, qr/55P03/, 'session A holds the row lock of fee');

# session B, which often posts to fee
my ($secs, $state);
$sb->query_safe("SET statement_timeout = '3s'");
($out, $state, $secs) = timed_query($sb,
	"SELECT fintech.transfer(debit_account => 'alice', credit_account => 'fee', amount => 7)");
is($state, '00000', 'credit to the locked fee account succeeds') or diag($out);
cmp_ok($secs, '<', 2.5, 'and does not wait for the lock');
my $e7 = $out;
like($e7, qr/^\d+$/, 'it returns the entry id');
is(sql("SELECT string_agg(a.code || ':' || (p.seq IS NULL) || (p.balance_after IS NULL) || (p.posted_at IS NULL),
                        ',' ORDER BY p.leg)
        FROM fintech.postings p JOIN fintech.accounts a ON a.id = p.account_id
       WHERE p.entry_id = $e7"),
	'alice:falsefalsefalse,fee:truetruetrue', 'the posting of fee is deferred (seq NULL), alice\'s is not');
is(sql("SELECT fintech.balance('fee') || '/' || fintech.available_balance('fee') || '/' || balance
        FROM fintech.accounts WHERE code = 'fee'"),
	'10/10/3', 'balance() counts the deferred posting at once');
is(sql("SELECT fintech.balance('alice')"), '987', 'alice is debited at once');

$sa->query_safe('COMMIT');
wait_for("SELECT count(*) = 0 FROM fintech.postings WHERE seq IS NULL",
	'the fold job folds the deferred posting', 20);
is(sql("SELECT string_agg(p.seq || ':' || p.balance_after, ',' ORDER BY p.seq)
        FROM fintech.postings p JOIN fintech.accounts a ON a.id = p.account_id
       WHERE a.code = 'fee'"),
	'1:1,2:2,3:3,4:4,5:11', 'fee postings: seq 1..n in order, balance_after a running sum');
is(sql("SELECT balance || '/' || last_seq FROM fintech.accounts WHERE code = 'fee'"),
	'11/5', 'fee account: balance and last_seq are folded');
is(sql("SELECT (SELECT posted_at FROM fintech.postings WHERE entry_id = $e7 AND account_id = a.id)
             >= (SELECT posted_at FROM fintech.postings WHERE seq = 4 AND account_id = a.id)
        FROM fintech.accounts a WHERE code = 'fee'"),
	't', 'the folded posting is stamped after the one before it');
is(sql("SELECT total_rows >= 1 AND errors = 0 FROM fintech.worker_status WHERE job = 'fold_postings'"),
	't', 'worker_status counts the folded posting');
ledger_ok('check_ledger after the fold');

# a backlog of 12,000 deferred postings on one account is folded 5,000 at
# most per run of the job (each run's fold stamps its postings with one
# posted_at), so one hot account does not hold the launcher and its other
# jobs for as long as its whole backlog takes
# ...and each posting's fold finds its row by primary key: with statistics
# taken while nothing waited to be folded (the usual case), the fold's
# UPDATE once chose the partial index postings_unfolded and read the whole
# backlog for each row it folded (12,000 postings: 95 million index
# entries read; now about 33,000)
sql("SELECT fintech.open_account(code => 'src', currency => 'USD', kind => 'asset', min_balance => NULL)");
sql("ANALYZE fintech.postings");
my $unfolded_reads = "(SELECT idx_tup_read FROM pg_stat_user_indexes
                        WHERE schemaname = 'fintech' AND indexrelname = 'postings_unfolded')";
# (a session of its own: B's recent calls must stay those the tests below warmed)
my $sc = $node->background_psql('postgres', on_error_stop => 0);
warm($sc, 'fee');
$sa->query_safe('BEGIN');
$sa->query_safe("SELECT fintech.transfer(debit_account => 'bank', credit_account => 'fee', amount => 1)");
$sc->query_safe("SET statement_timeout = '120s'");
($out, $state, $secs) = timed_query($sc,
	"SELECT count(fintech.transfer(debit_account => 'src', credit_account => 'fee', amount => 1))
	   FROM generate_series(1, 12000)");
is($state, '00000', '12,000 credits to the locked fee account') or diag($out);
is(sql("SELECT count(*) FROM fintech.postings p JOIN fintech.accounts a ON a.id = p.account_id
         WHERE a.code = 'fee' AND p.seq IS NULL"), '12000', 'all of them deferred');
# (while the 12,000 were uncommitted, each run's look for accounts to fold
# stepped over all of them; counted from here, once the launcher has
# reported its runs until now: it does after each run, at most once a second)
usleep(2_000_000);
my $reads0 = sql("SELECT $unfolded_reads");
$sa->query_safe('COMMIT');
# (polled by the account's last_seq: a count of the unfolded postings
# would read postings_unfolded itself)
wait_for("SELECT last_seq = 12009 FROM fintech.accounts WHERE code = 'fee'",
	'the fold job folds them', 60);
is(sql("SELECT count(*) || ' runs, at most ' || max(n) FROM (SELECT count(*) AS n
          FROM fintech.postings p JOIN fintech.accounts a ON a.id = p.account_id
         WHERE a.code = 'fee' AND p.seq > 9 GROUP BY p.posted_at) s"),
	'3 runs, at most 5000', 'in runs of 5,000 postings at most');
# the three runs read 12,000, 7,000 and 2,000 unfolded postings to pick
# their 5,000 (the launcher reports its counts after each run)
wait_for("SELECT $unfolded_reads - $reads0 >= 21000", 'the runs\' reads of postings_unfolded are counted');
cmp_ok(sql("SELECT $unfolded_reads - $reads0"), '<', 50000,
	'folding 12,000 postings read postings_unfolded a few times over, not once per posting');
is(sql("SELECT count(*) FROM fintech.postings WHERE seq IS NULL"), '0', 'nothing is left unfolded');
is(sql("SELECT balance || '/' || last_seq FROM fintech.accounts WHERE code = 'fee'"),
	'12015/12009', 'fee account: balance and last_seq folded');
$sc->quit;
ledger_ok('check_ledger after the backlog is folded');

# ====================================================================
# fintech.fold_interval = 0: no fold job, so no deferral: the credit waits
# ====================================================================
sql("ALTER SYSTEM SET fintech.fold_interval = 0");
sql("SELECT pg_reload_conf()");
wait_for("SELECT \"interval\" = interval '0' AND state = 'on request'
            FROM fintech.worker_status WHERE job = 'fold_postings'",
	'fold_interval 0 is in force');

$sa->query_safe('BEGIN');
$sa->query_safe("SELECT fintech.transfer(debit_account => 'bank', credit_account => 'fee', amount => 1)");
$sb->query_safe("SET statement_timeout = '2s'");
($out, $state, $secs) = timed_query($sb,
	"SELECT fintech.transfer(debit_account => 'alice', credit_account => 'fee', amount => 7)");
is($state, '57014', 'with fold_interval 0 the credit to the locked account fails on statement_timeout: it waited for the row lock');
cmp_ok($secs, '>=', 1.9, 'it waited the full timeout');
$sa->query_safe('ROLLBACK');
is(sql("SELECT count(*) FROM fintech.postings WHERE seq IS NULL"), '0',
	'nothing was deferred');

sql("ALTER SYSTEM RESET fintech.fold_interval");
sql("SELECT pg_reload_conf()");
wait_for("SELECT \"interval\" = interval '200ms' AND state <> 'on request'
            FROM fintech.worker_status WHERE job = 'fold_postings'",
	'fold_interval back to its default');

# ====================================================================
# close/freeze wait for a deferred credit in flight
# ====================================================================
$sb->query_safe("SET statement_timeout = 0");
$sa->query_safe('BEGIN');
$sa->query_safe("SELECT fintech.transfer(debit_account => 'bank', credit_account => 'tip', amount => 1)");
$sb->query_safe('BEGIN');
my $e5 = $sb->query_safe(
	"SELECT fintech.transfer(debit_account => 'alice', credit_account => 'tip', amount => 5)");
is($sb->query_safe(
		"SELECT p.seq IS NULL FROM fintech.postings p JOIN fintech.accounts a ON a.id = p.account_id
		  WHERE a.code = 'tip' AND p.entry_id = $e5"),
	't', 'B\'s credit to tip is deferred (A holds the row lock)');
# A goes away: tip's committed balance is 0 and it has no holds, but B's
# credit is still in flight
$sa->query_safe('ROLLBACK');
($rc, $out, $err, $secs) = timed_psql(
	"SET statement_timeout = '1s'; SELECT fintech.close_account('tip')");
like($err, qr/57014/, 'close_account waits for the deferred credit in flight');
($rc, $out, $err, $secs) = timed_psql(
	"SET statement_timeout = '1s'; SELECT fintech.freeze_account('tip')");
like($err, qr/57014/, 'freeze_account waits for the deferred credit in flight');
$sb->query_safe('COMMIT');
($rc, $out, $err) = timed_psql("SELECT fintech.close_account('tip')");
like($err, qr/LD002/, 'once it is committed, close_account sees the balance: LD002');
is(sql("SELECT fintech.balance('tip') || '/' || status FROM fintech.accounts WHERE code = 'tip'"),
	'8/active', 'tip keeps the credit and stays open');
sql("SELECT fintech.freeze_account('tip')");
is(sql("SELECT status FROM fintech.accounts WHERE code = 'tip'"), 'frozen', 'freeze works afterwards');
sql("SELECT fintech.unfreeze_account('tip')");
wait_for("SELECT count(*) = 0 FROM fintech.postings WHERE seq IS NULL",
	'everything is folded');
ledger_ok('check_ledger at the end');

# ====================================================================
# deferral must not break the deadlock freedom of code-ordered locking.
# A deferred credit's FOR KEY SHARE, next to a committed update of the same
# account row, leaves a multixact on the row version an older snapshot sees;
# locking that version FOR NO KEY UPDATE SKIP LOCKED then follows the update
# chain and *waits* for whoever locked the newest version (PostgreSQL does
# not apply SKIP LOCKED there).  S holds zed and waits there for fee; T,
# locking fee then zed in code order, waits for S.  S runs in REPEATABLE
# READ only to pin the old snapshot; in READ COMMITTED the same happens
# when the snapshot of the locking statement races with the commit (see
# 003_ledger_stress.pl).
# ====================================================================
my ($s, $x, $t) = map { $node->background_psql('postgres', on_error_stop => 0) } 1 .. 3;
my ($spid, $tpid) = map { $_->query_safe('SELECT pg_backend_pid()') } ($s, $t);
warm($s, 'fee');
$s->query_safe('BEGIN ISOLATION LEVEL REPEATABLE READ');
$s->query_safe('SELECT count(*) FROM fintech.accounts');
$sa->query_safe('BEGIN');
$sa->query_safe("SELECT fintech.transfer(debit_account => 'bank', credit_account => 'fee', amount => 1)");
$sb->query_safe('BEGIN');
$e5 = $sb->query_safe(
	"SELECT fintech.transfer(debit_account => 'alice', credit_account => 'fee', amount => 7)");
is($sb->query_safe("SELECT seq IS NULL FROM fintech.postings WHERE entry_id = $e5 AND leg = 2"),
	't', 'a credit to fee is deferred and in flight');
$sa->query_safe('COMMIT');
$x->query_safe('BEGIN');
$x->query_safe("SELECT fintech.transfer(debit_account => 'zed', credit_account => 'bank', amount => 1)");
$s->query_until(qr/started/, "\\echo started\n"
	  . "SELECT fintech.transfer(debit_account => 'zed', credit_account => 'fee', amount => 5);\n");
wait_for("SELECT wait_event_type = 'Lock' OR state LIKE 'idle%' FROM pg_stat_activity WHERE pid = $spid",
	'S waits for zed (or is already done)');
$t->query_until(qr/started/, "\\echo started\n"
	  . "SELECT fintech.post(legs => ARRAY[fintech.debit('fee', 1), fintech.debit('zed', 1),"
	  . " fintech.credit('bank', 2)]);\n");
wait_for("SELECT wait_event_type = 'Lock' OR state LIKE 'idle%' FROM pg_stat_activity WHERE pid = $tpid",
	'T holds fee and waits for zed (or is already done)');
$x->query_safe('ROLLBACK');
# the output of the call, then the SQLSTATE psql recorded for it
my $sres = $s->query('\echo SQLSTATE :SQLSTATE');
my $tres = $t->query('\echo SQLSTATE :SQLSTATE');
unlike("$sres $tres", qr/SQLSTATE 40P01/, 'no deadlock between the two single-call entries')
  or diag("S: $sres\nT: $tres");
like($tres, qr/^\d+\nSQLSTATE 00000$/, 'T posts its entry once S is done');
like($sres, qr/SQLSTATE (?:00000|40001)$/, 'S posts or gets a serialization failure (REPEATABLE READ)');
$sb->query_safe('COMMIT');
$s->query('ROLLBACK');
wait_for("SELECT count(*) = 0 FROM fintech.postings WHERE seq IS NULL",
	'everything is folded after the lock test');
ledger_ok('check_ledger after the lock test');

$_->quit for ($sa, $sb, $s, $x, $t);

is(sql("SELECT sum(errors) FROM fintech.worker_status WHERE job IN ('expire_holds', 'fold_postings')"),
	'0', 'the ledger jobs never failed');
$node->stop('fast');
unlike(slurp_file($node->logfile), qr/PANIC|was terminated by signal/, 'no crash in the log');

done_testing();
