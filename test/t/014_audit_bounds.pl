# Sealing and verification bounded by bytes, not rows, and a sealer that no
# application can stall:
# - 16 audit rows of ~16 MB each (through an audited table) are sealed by
#   the background job one batch per row: the launcher's peak memory
#   (VmHWM) grows by a few rows' worth, not by the ~256 MB backlog, and the
#   other jobs keep running between the batches;
# - verify_audit() over those rows: the backend's peak memory is bounded
#   the same way, and the chain verifies;
# - statement_timeout stops seal_audit() and verify_audit() over a big
#   backlog within about a second (nothing sealed by the cancelled call);
# - an application's open transaction (a role that only calls the API) does
#   not stop the job sealing everyone else's committed rows; its own rows
#   are sealed after it commits;
# - an operator's seal_audit() left open in a transaction holds the head of
#   the chain: worker_status says so, naming its pid, until it ends.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib $FindBin::RealBin;
use FintechTest;
use Time::HiRes qw(time usleep);

my $t_start = time();
my $node = fintech_node('audit_bounds', qq{
shared_preload_libraries = 'fintech'
shared_buffers = '32MB'
fintech.heartbeat_interval = '1h'
fintech.seal_interval = '100ms'
fintech.expire_holds_interval = '100ms'
});

my $MB = 1024 * 1024;
my $row_mb = 16;    # each row image: a 16 MB string in jsonb

# peak resident memory of a process, in bytes
sub vmhwm
{
	my ($pid) = @_;
	open(my $fh, '<', "/proc/$pid/status") or die "no /proc/$pid/status: $!";
	while (<$fh>)
	{
		return $1 * 1024 if /^VmHWM:\s+(\d+)\s+kB/;
	}
	die "no VmHWM for $pid";
}

sub set_seal_interval
{
	my ($value, $shown) = @_;
	sql("ALTER SYSTEM SET fintech.seal_interval = '$value'");
	sql('SELECT pg_reload_conf()');
	wait_for("SELECT \"interval\" = interval '$shown' FROM fintech.worker_status WHERE job = 'seal_audit'",
		"seal_interval $value is in force");
}

sql('CREATE EXTENSION fintech CASCADE');
wait_for(
	"SELECT (SELECT state FROM fintech.worker_status WHERE job = 'launcher') = 'running'
	    AND (SELECT runs >= 1 FROM fintech.worker_status WHERE job = 'seal_audit')",
	'the launcher runs seal_audit');
sql(q{
CREATE TABLE docs (id int PRIMARY KEY, meta jsonb);
SELECT fintech.audit_table('docs');
SELECT fintech.open_account(code => 'bank', currency => 'USD', kind => 'asset', min_balance => NULL);
SELECT fintech.open_account(code => 'bank2', currency => 'USD', kind => 'asset', min_balance => NULL);
SELECT fintech.open_account(code => 'w1', currency => 'USD');
SELECT fintech.open_account(code => 'w2', currency => 'USD');
});
wait_for("SELECT count(*) = 0 FROM fintech.audit_log WHERE seq IS NULL", 'setup rows sealed');

# ====================================================================
# the job seals 16 rows of 24 MB: memory bounded by a few rows
# ====================================================================
my $launcher = sql("SELECT pid FROM fintech.worker_status WHERE job = 'launcher'");
my $hwm0 = vmhwm($launcher);
my $seal_runs0 = sql("SELECT runs FROM fintech.worker_status WHERE job = 'seal_audit'");
sql("INSERT INTO docs SELECT g, jsonb_build_object('blob', repeat(md5(g::text), $row_mb * 1024 * 1024 / 32))
       FROM generate_series(1, 16) g");
my $expire_runs0 = sql("SELECT runs FROM fintech.worker_status WHERE job = 'expire_holds'");
my $t0 = time();
wait_for("SELECT count(*) = 0 FROM fintech.audit_log WHERE seq IS NULL",
	'the job seals the 16 big rows', 60);
my $seal_secs = time() - $t0;
my $expire_runs = sql("SELECT runs FROM fintech.worker_status WHERE job = 'expire_holds'") - $expire_runs0;
my $growth = vmhwm($launcher) - $hwm0;
note(sprintf("launcher VmHWM %.0f MB -> +%.0f MB sealing 16 x %d MB in %.1f s; expire_holds ran %d times meanwhile",
		$hwm0 / $MB, $growth / $MB, $row_mb, $seal_secs, $expire_runs));
cmp_ok($growth, '<', 6 * $row_mb * $MB,
	"the launcher's peak memory grew by less than 6 rows' worth (backlog: 16 rows)");
cmp_ok(sql("SELECT runs FROM fintech.worker_status WHERE job = 'seal_audit'") - $seal_runs0, '>=', 16,
	'one batch (job run) per big row: each batch stops at the byte budget');
cmp_ok($expire_runs, '>=', 2, 'the other jobs ran between the batches');
is(sql("SELECT errors FROM fintech.worker_status WHERE job = 'seal_audit'"), '0', 'no sealing error');

# ====================================================================
# verify_audit: memory bounded too
# ====================================================================
my $bg = $node->background_psql('postgres', on_error_stop => 0);
my $pid = $bg->query_safe('SELECT pg_backend_pid()');
my $bhwm0 = vmhwm($pid);
is($bg->query_safe("SELECT ok::int || ' ' || rows_checked FROM fintech.verify_audit()"),
	'1 ' . sql('SELECT count(*) FROM fintech.audit_log'), 'verify_audit() checks every row: ok');
$growth = vmhwm($pid) - $bhwm0;
note(sprintf("backend VmHWM +%.0f MB verifying 16 x %d MB", $growth / $MB, $row_mb));
cmp_ok($growth, '<', 6 * $row_mb * $MB, "verify_audit's peak memory grew by less than 6 rows' worth");
is($bg->query_safe("SELECT fintech.verify_audit_digest(seq, chain_hash) FROM fintech.audit_digest()"),
	't', 'verify_audit_digest() of the head: true');

# ====================================================================
# statement_timeout stops seal_audit() and verify_audit() within ~1 s
# ====================================================================
$bg->query_safe("SET statement_timeout = '300ms'");
my ($out, $state, $secs) = timed_query($bg, 'SELECT * FROM fintech.verify_audit()');
is($state, '57014', 'verify_audit() over 16 big rows is cancelled by statement_timeout');
cmp_ok($secs, '<', 1.5, sprintf('within about a second of the 300 ms timeout (%.2f s)', $secs));

set_seal_interval('0', '0');
sql("INSERT INTO docs SELECT g, jsonb_build_object('blob', repeat(md5(g::text), $row_mb * 1024 * 1024 / 32))
       FROM generate_series(101, 108) g");
my $backlog = sql('SELECT count(*) FROM fintech.audit_log WHERE seq IS NULL');
($out, $state, $secs) = timed_query($bg, 'SELECT fintech.seal_audit()');
is($state, '57014', 'seal_audit() over a backlog of 8 big rows is cancelled by statement_timeout');
cmp_ok($secs, '<', 1.5, sprintf('within about a second of the 300 ms timeout (%.2f s)', $secs));
is(sql('SELECT count(*) FROM fintech.audit_log WHERE seq IS NULL'), $backlog,
	'the cancelled call sealed nothing');
$bg->query_safe("SET statement_timeout = 0");
set_seal_interval('100ms', '100ms');
wait_for("SELECT count(*) = 0 FROM fintech.audit_log WHERE seq IS NULL",
	'the job seals that backlog afterwards', 60);

# ====================================================================
# an application's open transaction does not stop the job
# ====================================================================
sql(q{
CREATE ROLE app LOGIN;
SELECT fintech.grant_application('app');
});
my $app = $node->background_psql('postgres', on_error_stop => 0, extra_params => ['-U', 'app']);
$app->query_safe('BEGIN');
like($app->query_safe(
		"SELECT fintech.transfer(debit_account => 'bank', credit_account => 'w1', amount => 5)"),
	qr/^\d+$/, 'the application transfers in a transaction it leaves open');
my $app_txid = $app->query_safe('SELECT pg_current_xact_id()');
my $before = sql('SELECT coalesce(max(id), 0) FROM fintech.audit_log');
# (other accounts than the application's, whose row locks it holds)
sql("SELECT fintech.transfer(debit_account => 'bank2', credit_account => 'w2', amount => 7)");
sql("INSERT INTO docs VALUES (1000, '{\"small\": true}')");
wait_for("SELECT count(*) = 0 FROM fintech.audit_log WHERE seq IS NULL AND id > $before",
	"others' rows committed after the application's are sealed while it is open", 10);
is(sql("SELECT count(*) > 0 FROM fintech.audit_log WHERE seq IS NOT NULL AND id > $before"), 't',
	'(there were such rows)');
is(sql("SELECT errors FROM fintech.worker_status WHERE job = 'seal_audit'"), '0', 'the job reports no error');
$app->query_safe('COMMIT');
wait_for("SELECT count(*) = 0 FROM fintech.audit_log WHERE seq IS NULL",
	"the application's rows are sealed after it commits", 10);
is(sql("SELECT count(*) > 0 FROM fintech.audit_log WHERE txid = '$app_txid' AND seq IS NOT NULL"), 't',
	"(the application's rows are in the chain)");
$app->quit;

# ====================================================================
# an operator's seal_audit() left open: worker_status names it
# ====================================================================
my $op = $node->background_psql('postgres', on_error_stop => 0);
my $op_pid = $op->query_safe('SELECT pg_backend_pid()');
$op->query_safe('BEGIN');
$op->query_safe('SELECT fintech.seal_audit()');
sql("INSERT INTO docs VALUES (1001, '{}')");
wait_for("SELECT detail LIKE 'sealing waits: fintech.audit_head is locked by pid $op_pid %'
            FROM fintech.worker_status WHERE job = 'seal_audit'",
	'worker_status: sealing waits for the open seal_audit(), naming its pid');
is(sql("SELECT count(*) FROM fintech.audit_log WHERE seq IS NULL"), '1', 'the new row waits');
$op->query_safe('COMMIT');
wait_for("SELECT count(*) = 0 FROM fintech.audit_log WHERE seq IS NULL",
	'sealed once the operator commits');
wait_for("SELECT detail NOT LIKE 'sealing waits%' FROM fintech.worker_status WHERE job = 'seal_audit'",
	'and worker_status no longer says so');
$op->quit;

is(sql("SELECT ok FROM fintech.verify_audit()"), 't', 'the chain verifies at the end');
$bg->quit;

my $total = time() - $t_start;
note(sprintf("014_audit_bounds took %.1f s", $total));
$node->stop;
done_testing();
