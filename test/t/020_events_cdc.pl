# Events streamed from the WAL: a real pg_recvlogical with test_decoding
# (wal_level = logical) receives the transactional logical decoding
# messages (prefix 'fintech') of committed payments only -- none of a
# rolled-back transaction or a rolled-back savepoint -- and their contents
# are the payloads fintech.read_events returns, in the same order.  Also
# what only the worker does: hold.expired (the expiry job), and pruning
# (the prune_events job deletes what every consumer acknowledged, keeps
# what a lagging one has not, everything ordered once no consumer is left).
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

my $node = fintech_node('events_cdc', qq{
shared_preload_libraries = 'fintech'
wal_level = logical
max_replication_slots = 4
max_wal_senders = 4
fintech.heartbeat_interval = '1h'
fintech.prune_events_interval = 0
fintech.expire_holds_interval = '100ms'
});

sql('CREATE EXTENSION fintech CASCADE');
sql(q{
SELECT fintech.open_account('bank', 'USD', 'asset', min_balance => NULL);
SELECT fintech.open_account('alice', 'USD');
SELECT fintech.open_account('shop', 'USD');
SELECT fintech.transfer('bank', 'alice', 100000);
SELECT fintech.create_consumer('sql_side');
});

# the slot, then pg_recvlogical streaming it to a file
my $out_file = $node->basedir . '/recvlogical.out';
my @conn = ('-h', $node->host, '-p', $node->port, '-d', 'postgres');
command_ok([ 'pg_recvlogical', @conn, '--slot', 'fintech_cdc', '--create-slot', '-P', 'test_decoding' ],
	'pg_recvlogical creates a test_decoding slot');
my ($rl_out, $rl_err) = ('', '');
my $recv = IPC::Run::start(
	[
		'pg_recvlogical', @conn, '--slot', 'fintech_cdc', '--start', '-f', $out_file,
		'-F', '1', '-s', '1', '-o', 'skip-empty-xacts=1', '-o', 'include-xids=0'
	],
	'>', \$rl_out, '2>', \$rl_err);

# committed payments, and ones that never commit
sql("SELECT status FROM fintech.pay('k$_', 'alice', 'shop', $_)") for 1 .. 5;
sql(q{
BEGIN;
SELECT fintech.pay('rolled-back', 'alice', 'shop', 77);
ROLLBACK;
});
sql(q{
BEGIN;
SELECT fintech.pay('k6', 'alice', 'shop', 6);
SAVEPOINT s;
SELECT fintech.pay('savepoint-rolled-back', 'alice', 'shop', 78);
ROLLBACK TO SAVEPOINT s;
COMMIT;
});
sql("SELECT status FROM fintech.pay('k7', 'alice', 'shop', 1000000)");    # rejected, LD002
# a hold that the worker expires: hold.expired
sql("SELECT fintech.transfer('alice', 'shop', 9, pending_for => '200 milliseconds')");
wait_for("SELECT count(*) = 1 FROM fintech.holds WHERE status = 'expired'", 'the worker expires the hold');
sql("SELECT fintech.pay('k-last', 'alice', 'shop', 8)");

# wait until the last payment's message has been received
my $deadline = time() + 60;
my $text = '';
while (time() < $deadline)
{
	$text = -e $out_file ? slurp_file($out_file) : '';
	last if $text =~ /k-last.*payment\.completed|payment\.completed.*k-last/;
	usleep(100_000);
}
$recv->signal('TERM');
$recv->finish;
note("pg_recvlogical stderr: $rl_err") if $rl_err ne '';

my @messages = $text =~ /^message: transactional: 1 prefix: fintech, sz: \d+ content:(.*)$/mg;
ok(@messages > 0, 'pg_recvlogical received fintech messages') or diag($text);
unlike($text, qr/transactional: 0 prefix: fintech/, 'every fintech message is transactional');

my @payment_keys = map { /"idempotency_key": "([^"]*)"/ ? $1 : () }
  grep { /"kind": "payment\./ } @messages;
is( join(',', sort @payment_keys),
	join(',', sort(qw(k1 k2 k3 k4 k5 k6 k7 k-last))),
	'the messages name the committed payments, each once, and no rolled-back one');
unlike($text, qr/rolled-back/, 'nothing of a rolled-back transaction or savepoint reaches the stream');
like($text, qr/"kind": "hold\.expired"/, 'the expiry job\'s hold.expired is streamed');
like($text, qr/"kind": "payment\.rejected".*"reason": "LD002"|"reason": "LD002".*"kind": "payment\.rejected"/,
	'the rejected payment is streamed with its reason');

# the same objects as the SQL consumer reads, in the same order
my $sql_side = sql(q{SELECT string_agg(payload::text, E'\n' ORDER BY event_id)
                       FROM fintech.read_events('sql_side', 10000)});
is(join("\n", @messages), $sql_side,
	'the WAL messages are the payloads read_events returns, in the same (commit) order');

# ------------------------------------------------------------------------
# pruning
# ------------------------------------------------------------------------
sql("SELECT fintech.create_consumer('lagging')");
sql("SELECT fintech.transfer('alice', 'shop', 1)") for 1 .. 3;
my $last = sql("SELECT max(event_id) FROM fintech.read_events('sql_side', 10000)");
is(sql("SELECT fintech.ack_events('sql_side', $last) > 0"), 't', 'sql_side acknowledges everything');
my $lag_pos = sql("SELECT acked_up_to FROM fintech.event_consumers WHERE name = 'lagging'");
sql("SELECT fintech.run_job('prune_events')");
is(sql("SELECT count(*) FROM fintech.events WHERE event_id <= $lag_pos"), '0',
	'prune_events deletes what every consumer acknowledged');
is(sql("SELECT count(*) FROM fintech.read_events('lagging')"), '3',
	'... and keeps what the lagging consumer has not');
is(sql(q{SELECT fintech.ack_events('lagging', (SELECT max(event_id) FROM fintech.read_events('lagging')))}),
	'3', 'the lagging consumer acknowledges its three');
sql("SELECT fintech.drop_consumer('lagging'), fintech.drop_consumer('sql_side')");
sql("SELECT fintech.transfer('alice', 'shop', 1)");
# (a run deletes, then puts the new events in order: the next run deletes those)
sql("SELECT fintech.run_job('prune_events')") for 1 .. 2;
is(sql("SELECT count(*) FROM fintech.events"), '0',
	'without consumers, every event in order is pruned');
is( sql("SELECT errors FROM fintech.worker_status WHERE job = 'prune_events'"),
	'0', 'prune_events ran without errors');

$node->stop;
done_testing();
