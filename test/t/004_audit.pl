# The audit trail in a preloaded cluster, sealed only by the background
# worker (seal_audit() is never called here):
# - 8 pgbench clients change an audited table (INSERT/UPDATE/DELETE, one
#   row per statement, counted in a side table that is not audited) and
#   call fintech.transfer; afterwards every audit row is sealed, the chain
#   verifies, seq is gapless, there is exactly one audit row per change, and
#   the last audit image of every key is the table's row;
# - tampering (edit, delete, swap of sealed rows) is reported at the right
#   position, and the chain verifies again once it is rolled back;
# - committed but unsealed rows survive an immediate shutdown and are sealed
#   after the restart;
# - kill -9 of a backend in the middle of a transaction: crash recovery,
#   the launcher comes back, the killed transaction's audit rows are never
#   sealed, new rows are, and the chain stays gapless and valid;
# - a published digest stays verifiable through all of it.
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

my $t_start = time();
my $node = fintech_node('audit', qq{
shared_preload_libraries = 'fintech'
fintech.heartbeat_interval = '1h'
fintech.seal_interval = '200ms'
restart_after_crash = on
max_connections = 30
});

# verify_audit() as "ok|rows_checked|first_bad_seq|detail"
sub verify
{
	return sql("SELECT ok || '|' || rows_checked || '|' || coalesce(first_bad_seq::text, '') || '|' || detail
	              FROM fintech.verify_audit()");
}

# the whole chain is valid: verify_audit() ok and checks every row, seq is
# 1..n without gaps or duplicates, the head is the last row, nothing unsealed
sub chain_ok
{
	my ($name) = @_;
	is( sql("SELECT v.ok AND v.first_bad_seq IS NULL
	                AND v.rows_checked = (SELECT count(*) FROM fintech.audit_log)
	           FROM fintech.verify_audit() v"),
		't', "$name: verify_audit() ok, rows_checked = count(*) of audit_log")
	  or diag(verify());
	is( sql("SELECT count(*) = count(seq) AND min(seq) = 1 AND max(seq) = count(*)
	                AND count(DISTINCT seq) = count(*)
	                AND max(seq) = (SELECT last_seq FROM fintech.audit_head)
	           FROM fintech.audit_log"),
		't', "$name: seq is gapless 1..n and ends at the head");
}

my $unsealed = "SELECT count(*) = 0 FROM fintech.audit_log WHERE seq IS NULL";
my $aud = "FROM fintech.audit_log WHERE table_name = 'public.aud_t'";
my $key = "(coalesce(new_row, old_row) ->> 'k')::int";

sql('CREATE EXTENSION fintech CASCADE');
wait_for(
	"SELECT (SELECT state FROM fintech.worker_status WHERE job = 'launcher') = 'running'
	    AND (SELECT runs >= 1 AND \"interval\" = '200ms' FROM fintech.worker_status
	          WHERE job = 'seal_audit')",
	'the launcher runs seal_audit every 200ms');

sql(q{
CREATE TABLE aud_t (k int PRIMARY KEY, v int NOT NULL);
SELECT fintech.audit_table('aud_t');
INSERT INTO aud_t SELECT g, 0 FROM generate_series(1, 1500) g;
-- one row per statement pgbench ran on aud_t: which one, and how many rows it changed
CREATE TABLE tally (script text NOT NULL, op text NOT NULL, n int NOT NULL);
SELECT fintech.open_account(code => 'bank', currency => 'USD', kind => 'asset', min_balance => NULL);
SELECT fintech.open_account(code => 'w' || i, currency => 'USD') FROM generate_series(1, 8) i;
});
is(sql("SELECT count(*) $aud"), '1500', 'one audit row per inserted row');
wait_for($unsealed, 'the worker seals the setup rows');

# ====================================================================
# 8 concurrent writers, only the worker seals
# ====================================================================
my %scripts = (
	'ins@3' => q{\set k random(1, 3000)
WITH c AS (INSERT INTO aud_t VALUES (:k, 0) ON CONFLICT DO NOTHING RETURNING 1)
INSERT INTO tally SELECT 'ins', 'INSERT', count(*) FROM c;
},
	'upd@3' => q{\set k random(1, 3000)
WITH c AS (UPDATE aud_t SET v = v + 1 WHERE k = :k RETURNING 1)
INSERT INTO tally SELECT 'upd', 'UPDATE', count(*) FROM c;
},
	'del@1' => q{\set k random(1, 3000)
WITH c AS (DELETE FROM aud_t WHERE k = :k RETURNING 1)
INSERT INTO tally SELECT 'del', 'DELETE', count(*) FROM c;
},
	# two changes in one transaction; its inserts use keys no other script
	# inserts, so the row locks cannot form a cycle
	'multi@1' => q{\set k random(1, 3000)
\set k2 random(3001, 6000)
BEGIN;
WITH c AS (UPDATE aud_t SET v = v + 1 WHERE k = :k RETURNING 1)
INSERT INTO tally SELECT 'multi', 'UPDATE', count(*) FROM c;
WITH c AS (INSERT INTO aud_t VALUES (:k2, 0) ON CONFLICT DO NOTHING RETURNING 1)
INSERT INTO tally SELECT 'multi', 'INSERT', count(*) FROM c;
COMMIT;
},
	'xfer@1' => q{\set w random(1, 8)
\set amt random(1, 100)
SELECT fintech.transfer(debit_account => 'bank', credit_account => 'w' || :w, amount => :amt,
                        description => 'pgb');
},
);
my $seal_runs = sql("SELECT runs FROM fintech.worker_status WHERE job = 'seal_audit'");
my ($out, $err, $done) = run_pgbench(\%scripts);

cmp_ok($done, '>', 1000, "pgbench processed more than 1000 transactions ($done)");
cmp_ok(sql("SELECT runs FROM fintech.worker_status WHERE job = 'seal_audit'"), '>', $seal_runs + 5,
	'the worker sealed while pgbench ran');

my $t0 = time();
wait_for($unsealed, 'the worker seals every audit row (<= 30 s)', 30);
note(sprintf("sealing the backlog took %.1f s after pgbench", time() - $t0));

is(sql("SELECT count(*) FILTER (WHERE script <> 'multi') + count(*) FILTER (WHERE script = 'multi') / 2
             + (SELECT count(*) FROM fintech.entries WHERE description = 'pgb')
          FROM tally"),
	$done, 'every pgbench transaction is accounted for (tally + transfers)');
my $changes = sql("SELECT sum(n) FROM tally");
cmp_ok($changes, '>', 1000, "pgbench changed more than 1000 rows of aud_t ($changes)");
is(sql("SELECT count(*) - 1500 $aud"), $changes,
	'audit rows for aud_t = rows pgbench changed (+ the 1500 of setup)');
is( sql("SELECT string_agg(op || ':' || n, ',' ORDER BY op)
           FROM (SELECT op, sum(n) AS n FROM tally GROUP BY op) t"),
	sql("SELECT string_agg(operation || ':' || n, ',' ORDER BY operation)
	       FROM (SELECT operation, count(*) - CASE operation WHEN 'INSERT' THEN 1500 ELSE 0 END AS n
	               $aud GROUP BY operation) a"),
	'the same per operation');
is(sql("SELECT count(*) FILTER (WHERE operation = 'INSERT') - count(*) FILTER (WHERE operation = 'DELETE')
          = (SELECT count(*) FROM aud_t) $aud"),
	't', 'inserts - deletes in the audit trail = rows in aud_t');
# replaying the chain gives the table: the last sealed image of every key is its row
is( sql("WITH last AS (SELECT DISTINCT ON ($key) $key AS k, operation, new_row
	                     $aud ORDER BY $key, seq DESC)
	     SELECT count(*) FROM last FULL JOIN aud_t t USING (k)
	      WHERE NOT coalesce(CASE WHEN t.v IS NULL THEN last.operation = 'DELETE'
	                              ELSE last.operation <> 'DELETE'
	                                   AND last.new_row = jsonb_build_object('k', t.k, 'v', t.v) END,
	                         false)"),
	'0', 'the last audit image (in seq order) of every key is the current row of aud_t');
my $xfers = sql("SELECT count(*) FROM fintech.entries WHERE description = 'pgb'");
cmp_ok($xfers, '>', 0, "transfers were made ($xfers)");
is(sql("SELECT count(*) FROM fintech.audit_log a JOIN fintech.entries e ON e.id = a.entry_id
          WHERE a.table_name = 'fintech.entries' AND e.description = 'pgb'"),
	$xfers, 'every transfer\'s entry is in the audit log (one row naming it)');
chain_ok('after pgbench');
# (the launcher counts a run's rows just after its commit: poll)
wait_for("SELECT errors = 0 AND total_rows = (SELECT count(*) FROM fintech.audit_log)
            FROM fintech.worker_status WHERE job = 'seal_audit'",
	'worker_status: seal_audit sealed every row itself, without errors', 10);

# a digest published now
my ($dseq, $dhash) = split /\|/, sql("SELECT seq || '|' || chain_hash FROM fintech.audit_digest()");
is(sql("SELECT fintech.verify_audit_digest($dseq, '$dhash')"), 't', 'the digest verifies');

# ====================================================================
# tampering by a superuser, rolled back each time
# ====================================================================
my $victim = sql("SELECT max(seq) / 2 FROM fintech.audit_log");
sub tamper
{
	my ($change) = @_;
	return sql("BEGIN;
	            SET LOCAL session_replication_role = replica;
	            $change;
	            SELECT ok || '|' || coalesce(first_bad_seq::text, '') || '|' || detail
	              FROM fintech.verify_audit();
	            ROLLBACK;");
}
like(tamper("UPDATE fintech.audit_log SET new_row = jsonb_set(coalesce(new_row, '{}'), '{v}', '1000000')
             WHERE seq = $victim"),
	qr/^false\|$victim\|.*was changed/, "an edited new_row is reported at its seq ($victim)");
like(tamper("DELETE FROM fintech.audit_log WHERE seq = $victim"),
	qr/^false\|$victim\|.*missing/, 'a deleted row is reported at its position');
like(tamper("UPDATE fintech.audit_log SET seq = -1 WHERE seq = $victim;
             UPDATE fintech.audit_log SET seq = $victim WHERE seq = $victim + 1;
             UPDATE fintech.audit_log SET seq = $victim + 1 WHERE seq = -1"),
	qr/^false\|$victim\|.*was changed/, 'two swapped rows are reported at the lower position');
chain_ok('after the rollbacks');

# ====================================================================
# immediate shutdown with committed, unsealed rows
# ====================================================================
sql("ALTER SYSTEM SET fintech.seal_interval = 0");
$node->reload;
wait_for("SELECT state = 'on request' FROM fintech.worker_status WHERE job = 'seal_audit'",
	'seal_interval 0: the worker seals only on request');
my $head_before = sql("SELECT last_seq FROM fintech.audit_head");
sql("INSERT INTO aud_t SELECT g, 7 FROM generate_series(700001, 700040) g;
     INSERT INTO aud_t VALUES (700041, 7);
     UPDATE aud_t SET v = 8 WHERE k = 700041;");
is(sql("SELECT count(*) || '/' || count(seq) $aud AND $key > 700000"), '42/0',
	'42 committed audit rows, unsealed');
$node->stop('immediate');
$node->start;
wait_for("SELECT state = 'running' FROM fintech.worker_status WHERE job = 'launcher'",
	'the launcher runs again after the restart');
is(sql("SELECT count(*) || '/' || count(seq) $aud AND $key > 700000"), '42/0',
	'after the immediate shutdown the 42 rows are there, still unsealed');
is(sql("SELECT last_seq FROM fintech.audit_head"), $head_before, 'the head did not move');
sql("ALTER SYSTEM RESET fintech.seal_interval");
$node->reload;
wait_for($unsealed, 'with seal_interval back, the worker seals them');
is(sql("SELECT count(*) || '/' || (min(seq) > $head_before) $aud AND $key > 700000"), '42/true',
	'all 42 got positions after the old head');
chain_ok('after the restart');
is(sql("SELECT fintech.verify_audit_digest($dseq, '$dhash')"), 't', 'the digest still verifies');

# ====================================================================
# kill -9 of a backend in the middle of a transaction
# ====================================================================
my $bg = $node->background_psql('postgres', on_error_stop => 0);
my $bpid = $bg->query_safe('SELECT pg_backend_pid()');
$bg->query_safe('BEGIN');
$bg->query_safe('INSERT INTO aud_t SELECT g, 9 FROM generate_series(800001, 800020) g');
$bg->query_safe('UPDATE aud_t SET v = -9 WHERE k = 1');
$bg->query_safe("SELECT fintech.transfer(debit_account => 'bank', credit_account => 'w1', amount => 5,
                                         description => 'killed')");
sql("INSERT INTO aud_t SELECT g, 10 FROM generate_series(810001, 810010) g");
is(sql("SELECT count(*) $aud AND $key BETWEEN 800001 AND 800020"), '0',
	'the open transaction\'s audit rows are not visible');
my $launcher = sql("SELECT pid FROM fintech.worker_status WHERE job = 'launcher'");
$seal_runs = sql("SELECT runs FROM fintech.worker_status WHERE job = 'seal_audit'");
wait_for("SELECT runs >= $seal_runs + 2 FROM fintech.worker_status WHERE job = 'seal_audit'",
	'the worker seals while the transaction is open');
is(sql("SELECT count(*) || '/' || count(seq) $aud AND $key BETWEEN 810001 AND 810010"), '10/10',
	'rows committed meanwhile are sealed');
my $log_offset = -s $node->logfile;
kill 'KILL', $bpid;
wait_for("SELECT pid <> $launcher AND state = 'running' FROM fintech.worker_status WHERE job = 'launcher'",
	'crash recovery: the server accepts connections and the launcher is back', 30);
like(substr(slurp_file($node->logfile), $log_offset),
	qr/\(PID $bpid\) was terminated by signal 9.*reinitializing/s,
	'the postmaster restarted after the killed backend');
eval { $bg->{run}->kill_kill };    # its psql lost the connection

sql("INSERT INTO aud_t SELECT g, 11 FROM generate_series(820001, 820010) g");
sql("SELECT fintech.transfer(debit_account => 'bank', credit_account => 'w2', amount => 6,
                             description => 'after the crash')");
wait_for("SELECT count(seq) = 10 $aud AND $key BETWEEN 820001 AND 820010",
	'new rows after the crash are sealed by the worker');
wait_for($unsealed, 'nothing is left unsealed');
is(sql("SELECT count(*) $aud AND $key BETWEEN 800001 AND 800020")
	  . '/' . sql("SELECT count(*) FROM aud_t WHERE k BETWEEN 800001 AND 800020 OR (k = 1 AND v = -9)")
	  . '/' . sql("SELECT count(*) FROM fintech.audit_log a WHERE a.entry_id IS NOT NULL
                         AND NOT EXISTS (SELECT 1 FROM fintech.entries e WHERE e.id = a.entry_id)"),
	'0/0/0', 'the killed transaction left no change and no audit row, sealed or not');
is(sql("SELECT count(*) FROM fintech.audit_log a JOIN fintech.entries e ON e.id = a.entry_id
          WHERE e.description = 'after the crash' AND a.seq IS NOT NULL"),
	'1', 'the transfer after the crash is sealed');
chain_ok('after the crash');
is(sql("SELECT errors FROM fintech.worker_status WHERE job = 'seal_audit'"), '0',
	'worker_status: no seal_audit error since the crash');
is(sql("SELECT fintech.verify_audit_digest($dseq, '$dhash')"), 't',
	'the digest taken after pgbench still verifies at the end');
my ($seq2, $hash2) = split /\|/, sql("SELECT seq || '|' || chain_hash FROM fintech.audit_digest()");
cmp_ok($seq2, '>', $dseq, 'the chain grew past the digest');
is(sql("SELECT fintech.verify_audit_digest($dseq, '$hash2')"), 'f',
	'a hash at the wrong position does not verify');

# with nothing committed to seal, the seal job does not lock the head: a
# lock would write WAL and commit a transaction id at every run of an idle
# cluster (every 200 ms here)
$node->poll_query_until('postgres', "SELECT count(*) = 0 FROM fintech.audit_log WHERE seq IS NULL")
  or die 'the log was not sealed';
my ($xmax0, $runs0) = split /\|/,
  sql("SELECT h.xmax || '|' || w.runs FROM fintech.audit_head h, fintech.worker_status w WHERE w.job = 'seal_audit'");
$node->poll_query_until('postgres',
	"SELECT runs >= $runs0 + 3 FROM fintech.worker_status WHERE job = 'seal_audit'")
  or die 'the seal job did not run';
is(sql("SELECT xmax FROM fintech.audit_head"), $xmax0,
	'idle: three runs of the seal job later the head row was not locked (its xmax is unchanged)');

# ====================================================================
# the job's look for an unsealed row stays on audit_log_unsealed whatever
# the statistics say: statistics taken while many rows were unsealed
# (ANALYZE in their own transaction counts them) made its LIMIT 1 scan the
# whole table, every run, until it was given the index's order
# ====================================================================
sql("BEGIN;
     INSERT INTO aud_t SELECT g, 12 FROM generate_series(900001, 930000) g;
     ANALYZE fintech.audit_log;
     COMMIT;");
sql("SELECT fintech.seal_audit()");
sql("SELECT pg_stat_reset_single_table_counters('fintech.audit_log'::regclass)");
my $runs1 = sql("SELECT runs FROM fintech.worker_status WHERE job = 'seal_audit'");
sql("INSERT INTO aud_t VALUES (930001, 12)");
$node->poll_query_until('postgres',
	"SELECT runs >= $runs1 + 5 FROM fintech.worker_status WHERE job = 'seal_audit'")
  or die 'the seal job did not run';
# the launcher reports its scans once a second: its index reads show they arrived
wait_for("SELECT idx_scan > 0 FROM pg_stat_user_tables WHERE relid = 'fintech.audit_log'::regclass",
	"the seal job's index reads of audit_log are counted");
is(sql("SELECT seq_scan FROM pg_stat_user_tables WHERE relid = 'fintech.audit_log'::regclass"),
	'0', 'stale statistics: five runs of the seal job later, no whole-table scan of audit_log');
wait_for($unsealed, 'and the row is sealed');

# ====================================================================
# a snapshot held open (pg_dump's, say) keeps the index entries of every
# row sealed since in audit_log_unsealed; the job reads from a capture-time
# horizon, not from the start, so it does not step over all of them on
# every run
# ====================================================================
my $snap = $node->background_psql('postgres');
$snap->query_safe('BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT count(*) FROM fintech.audit_head');
sql("INSERT INTO aud_t SELECT g, 13 FROM generate_series(940001, 960000) g");
wait_for($unsealed, '20,000 rows sealed by the job while a snapshot is held');
usleep(3_000_000);    # past the job's margin of 2 s
sql("SELECT pg_stat_reset_single_table_counters('fintech.audit_log_unsealed'::regclass)");
my $runs2 = sql("SELECT runs FROM fintech.worker_status WHERE job = 'seal_audit'");
sql("INSERT INTO aud_t VALUES (960001, 13)");
$node->poll_query_until('postgres',
	"SELECT runs >= $runs2 + 10 FROM fintech.worker_status WHERE job = 'seal_audit'")
  or die 'the seal job did not run';
wait_for($unsealed, 'and a row written after them is sealed');
wait_for("SELECT idx_scan > 0 FROM pg_stat_all_indexes
           WHERE indexrelid = 'fintech.audit_log_unsealed'::regclass",
	"the seal job's reads of audit_log_unsealed are counted");
my $seal_read = sql("SELECT idx_tup_read FROM pg_stat_all_indexes
                      WHERE indexrelid = 'fintech.audit_log_unsealed'::regclass");
# from the start, each run would step over the 20,000 entries at least once
# (10 runs: 200,000 or more); a run from the start comes once a minute
ok($seal_read < 60_000, "ten runs of the seal job read $seal_read entries of audit_log_unsealed, "
	. "with 20,000 entries of sealed rows kept by the snapshot");
$snap->query_safe('COMMIT');
$snap->quit;

# a row captured long before its transaction commits, while later rows are
# committed and sealed, is sealed by the job's next runs (the horizon keeps
# to that transaction's start), not only by its run from the start
my $late = $node->background_psql('postgres');
$late->query_safe("BEGIN; INSERT INTO aud_t VALUES (970001, 14)");
for my $i (1 .. 8)
{
	sql("INSERT INTO aud_t VALUES (" . (970001 + $i) . ", 14)");
	usleep(500_000);
}
wait_for($unsealed, 'rows committed after it are sealed meanwhile');
$late->query_safe('COMMIT');
$late->quit;
my $t_late = time();
wait_for($unsealed, 'the late row is sealed once its transaction commits', 10);
ok(time() - $t_late < 10, sprintf('within %.1f s, well before the job reads from the start again',
	time() - $t_late));
is(sql("SELECT count(*) FROM fintech.audit_log a, fintech.audit_log b
         WHERE a.table_name = 'public.aud_t' AND b.table_name = 'public.aud_t'
           AND a.new_row->>'k' = '970001' AND b.new_row->>'k' = '970008' AND a.seq > b.seq"),
	'1', 'after the rows sealed before it, in the order of sealing');

$node->stop('fast');
my $log = slurp_file($node->logfile);
# an ERROR raised in the job (a FATAL from the shutdown that interrupts a
# run carries the same context, and is not a failure of the job)
# (the message's own lines: its CONTEXT/DETAIL lines from the same pid, and
# tab-indented continuation lines)
unlike($log,
	qr/\[(\d+)\] ERROR:[^\n]*\n(?:[^\n]*\[\1\] [A-Z]+:[^\n]*\n|\t[^\n]*\n)*?[^\n]*fintech background job "seal_audit"/,
	'the seal job never failed (server log)');
unlike($log, qr/PANIC/, 'no PANIC in the log');
my $crashes = () = $log =~ /was terminated by signal/g;
is($crashes, 1, 'the only crash is the one the test caused');
note(sprintf("004_audit took %.1f s", time() - $t_start));

done_testing();
