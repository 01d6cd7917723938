# The fintech launcher: starts with a preloaded cluster, waits for CREATE
# EXTENSION in fintech.database, runs its jobs, applies a reloaded interval,
# survives a failing job, comes back after kill -9 and after an exit,
# follows a change of fintech.database, and stops with the server.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('launcher');
$node->init;
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'fintech'
fintech.heartbeat_interval = '1h'
restart_after_crash = on
});
$node->start;

# status of one row of fintech.worker_status, as "col|col|..."
sub status
{
	my ($db, $job, $cols) = @_;
	return $node->safe_psql($db,
		"SELECT $cols FROM fintech.worker_status WHERE job = '$job'");
}

sub poll
{
	my ($db, $query, $name) = @_;
	ok($node->poll_query_until($db, $query), $name)
	  or diag(`tail -n 30 ${\ $node->logfile}`);
}

# --- starts with the cluster, does nothing until the extension exists
poll('postgres',
	"SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'fintech launcher'",
	'launcher starts with the cluster');

$node->safe_psql('postgres', 'CREATE DATABASE other');
$node->safe_psql('other', 'CREATE EXTENSION fintech CASCADE');
poll('other',
	"SELECT state = 'waiting for extension' AND database = 'postgres'
	   FROM fintech.worker_status WHERE job = 'launcher'",
	'launcher waits for CREATE EXTENSION in fintech.database');
is(status('other', 'heartbeat', 'state, runs'), 'waiting|0',
	'no job runs while the extension is missing');

# --- runs its jobs once the extension is there
$node->safe_psql('postgres', 'CREATE EXTENSION fintech CASCADE');
poll('postgres',
	"SELECT (SELECT state FROM fintech.worker_status WHERE job = 'launcher') = 'running'
	    AND (SELECT runs >= 1 AND state = 'idle' FROM fintech.worker_status WHERE job = 'heartbeat')",
	'launcher finds the extension and runs its jobs');
my $runs = status('postgres', 'heartbeat', 'runs');
is($node->safe_psql('postgres', "SELECT fintech.run_job('heartbeat')"),
	'0', 'run_job runs a job now and returns its rows');
cmp_ok(status('postgres', 'heartbeat', 'runs'), '>', $runs,
	'the requested run is counted');
is($node->safe_psql('postgres', "SELECT fintech.run_job('heartbeat', wait => false) IS NULL"),
	't', 'run_job without wait returns at once');

# --- SIGHUP: a new interval takes effect without a restart
my $pid = status('postgres', 'launcher', 'pid');
$runs = status('postgres', 'heartbeat', 'runs');
$node->safe_psql('postgres', "ALTER SYSTEM SET fintech.heartbeat_interval = '100ms'");
$node->reload;
poll('postgres',
	"SELECT \"interval\" = '100ms' AND runs >= $runs + 10
	   FROM fintech.worker_status WHERE job = 'heartbeat'",
	'reloaded interval is in force');
$node->safe_psql('postgres', "ALTER SYSTEM SET fintech.heartbeat_interval = 0");
$node->reload;
poll('postgres',
	"SELECT state = 'on request' AND next_run IS NULL
	   FROM fintech.worker_status WHERE job = 'heartbeat'",
	'interval 0: the job runs only on request');
$runs = status('postgres', 'heartbeat', 'runs');
sleep(1);
is(status('postgres', 'heartbeat', 'runs'), $runs, 'and it does not run by itself');
is(status('postgres', 'launcher', 'pid'), $pid, 'reload did not restart the launcher');

# --- a job that fails is recorded and the launcher goes on
my $version = $node->safe_psql('postgres', 'SELECT fintech.version()');
$node->safe_psql('postgres',
	"UPDATE pg_extension SET extversion = '0.0.0' WHERE extname = 'fintech'");
my ($ret, $out, $err) = $node->psql('postgres', "SELECT fintech.run_job('heartbeat')");
isnt($ret, 0, 'run_job fails when the job fails');
like($err, qr/fintech job "heartbeat" failed: extension fintech in database "postgres" is version 0\.0\.0, but the loaded library is version \Q$version\E/,
	'run_job reports the job\'s error');
is(status('postgres', 'heartbeat', "state, errors >= 1, last_error LIKE '%version 0.0.0%'"),
	'failed|t|t', 'worker_status records the failure');
is(status('postgres', 'launcher', 'pid'), $pid, 'the launcher survived the error');
like(slurp_file($node->logfile), qr/CONTEXT:  fintech background job "heartbeat"/,
	'the error is logged with the job as context');
$node->safe_psql('postgres',
	"UPDATE pg_extension SET extversion = '$version' WHERE extname = 'fintech'");
is($node->safe_psql('postgres', "SELECT fintech.run_job('heartbeat')"), '0',
	'the job runs again once the cause is gone');
is(status('postgres', 'heartbeat', 'state, last_error IS NOT NULL'), 'on request|t',
	'state is back to normal, the last error is kept');

# --- kill -9 of the launcher: crash recovery, then the launcher is back
kill 'KILL', $pid;
poll('postgres',
	"SELECT pid <> $pid AND state = 'running'
	   FROM fintech.worker_status WHERE job = 'launcher'",
	'launcher is back after kill -9');
$pid = status('postgres', 'launcher', 'pid');

# --- an exit (pg_terminate_backend) is followed by a restart
my $starts = status('postgres', 'launcher', 'runs');
$node->safe_psql('postgres', "SELECT pg_terminate_backend($pid)");
poll('postgres',
	"SELECT pid <> $pid AND state = 'running' AND runs = $starts + 1
	   FROM fintech.worker_status WHERE job = 'launcher'",
	'launcher is back after being terminated');
$pid = status('postgres', 'launcher', 'pid');

# --- fintech.database: a reload moves the launcher; a wrong name backs off
$node->safe_psql('postgres', "ALTER SYSTEM SET fintech.database = 'other'");
$node->reload;
poll('other',
	"SELECT database = 'other' AND state = 'running' AND pid <> $pid
	   FROM fintech.worker_status WHERE job = 'launcher'",
	'a new fintech.database restarts the launcher there');
$node->safe_psql('postgres', "ALTER SYSTEM SET fintech.database = 'no_such_db'");
$node->reload;
poll('other',
	"SELECT state = 'starting' AND detail LIKE '%failed attempt%'
	   FROM fintech.worker_status WHERE job = 'launcher'",
	'a missing database is retried with back-off');
$node->safe_psql('postgres', "ALTER SYSTEM RESET fintech.database");
$node->reload;
poll('postgres',
	"SELECT database = 'postgres' AND state = 'running'
	   FROM fintech.worker_status WHERE job = 'launcher'",
	'fixing fintech.database brings it back at once');
$pid = status('postgres', 'launcher', 'pid');

# --- stops with the server
$node->stop('fast');
ok(!kill(0, $pid), 'launcher process is gone after shutdown');
unlike(slurp_file($node->logfile), qr/fintech launcher.*(?:was terminated by signal 11|PANIC)/,
	'no launcher crash in the log');

done_testing();
