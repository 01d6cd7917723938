# fintech.metrics through the real Prometheus exporter: Debian's
# prometheus-postgres-exporter (installed by test/lib.sh's bootstrap when
# run as root; this test is skipped, saying why, only when it is not
# installed), started on 127.0.0.1 with the repository's queries file
# (exporter/postgres_exporter_queries.yaml), connected as a role that holds
# only the monitoring duty, scraped over HTTP:
# - after a load (pgbench transfers, a transfer_batch with refused items,
#   refused transfers, payments completed, rejected and replayed, screening
#   calls) every fintech metric carries what the load did: transfers,
#   entries by type, payments by status, replays, refusals by SQLSTATE,
#   the screening histogram, open holds, held payments, open alerts,
#   unsealed audit rows, each job's runs and last success;
# - a scrape after one more transfer shows it (the counters move);
# - the exporter logs no failed query of the file.
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;
use FintechTest;
use HTTP::Tiny;
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time usleep);

my $exporter = $ENV{FINTECH_EXPORTER} // '/usr/bin/prometheus-postgres-exporter';
plan skip_all => "$exporter is not installed (apt-get install prometheus-postgres-exporter; "
  . "test/run_tests.sh installs it when run as root)"
  unless -x $exporter;

my $queries = "$FindBin::RealBin/../../exporter/postgres_exporter_queries.yaml";
ok(-f $queries, 'the queries file ships in the repository');

my $node = fintech_node('metrics', qq{
shared_preload_libraries = 'fintech'
fintech.database = 'postgres'
fintech.heartbeat_interval = '1h'
fintech.seal_interval = '1h'
fintech.rescreen_interval = '200ms'
max_connections = 30
});

sql(q{
CREATE EXTENSION fintech CASCADE;
CREATE ROLE metrics_exporter LOGIN;
SELECT fintech.grant_monitoring('metrics_exporter');
SELECT fintech.open_account('cash', 'EUR', 'asset', min_balance => NULL);
SELECT fintech.open_account('acct_' || i, 'EUR') FROM generate_series(1, 10) i;
SELECT fintech.open_account('poor', 'EUR');
});

# ---- the load ----
my ($out, $err, $done) = run_pgbench({
	'transfer@1' => "\\set a random(1, 10)\nSELECT fintech.transfer('cash', 'acct_' || :a, 100);\n" },
	4, 3);
cmp_ok($done, '>', 50, "pgbench posted more than 50 transfers ($done)");

# events (when this build has them): a consumer created now sees the
# events of the rest of the load
my $has_events = sql("SELECT to_regproc('fintech.create_consumer') IS NOT NULL") eq 't';
sql("SELECT fintech.create_consumer('metrics_test')") if $has_events;

# a batch: 2 accepted, one LD009 (unknown account), one LD002 (poor has 0)
is( sql(q{SELECT string_agg(coalesce(error, 'ok'), ',' ORDER BY idx)
            FROM fintech.transfer_batch(ARRAY['acct_1', 'acct_1', 'acct_1', 'poor'],
                                        ARRAY['acct_2', 'nobody', 'acct_3', 'acct_1'],
                                        ARRAY[1, 1, 1, 5])}),
	'ok,LD009,ok,LD002', 'transfer_batch: two accepted, two refused');
# refusals raised: 3 x LD009, 2 x 22023, 1 x LD002
for my $q ("SELECT fintech.transfer('acct_1', 'nobody', 1)",
	"SELECT fintech.transfer('nobody', 'acct_1', 1)",
	"SELECT fintech.transfer('acct_1', 'nobody2', 1)",
	"SELECT fintech.transfer('acct_1', 'acct_2', 0)",
	"SELECT fintech.transfer('acct_1', 'acct_2', -5)",
	"SELECT fintech.transfer('poor', 'acct_2', 1)")
{
	my ($rc) = $node->psql('postgres', $q);
	isnt($rc, 0, "refused: $q");
}
# a rolled back transfer counts nothing
$node->safe_psql('postgres', "BEGIN; SELECT fintech.transfer('cash', 'acct_1', 1); ROLLBACK;");
# payments: 3 completed, 2 replays, 1 rejected (LD002, recorded), a hold
sql(q{
SELECT fintech.pay('k' || i, 'acct_1', 'acct_2', 1) FROM generate_series(1, 3) i;
SELECT fintech.pay('k1', 'acct_1', 'acct_2', 1);
SELECT fintech.pay('k2', 'acct_1', 'acct_2', 1);
SELECT fintech.pay('k-poor', 'poor', 'acct_2', 1);
SELECT fintech.transfer('cash', 'acct_9', 7, pending_for => '1 hour');
});
# screening calls: 5 (against a list of one name)
sql(q{SELECT fintech.load_sanctions_ofac(
  E'1,"MADURO MOROS, Nicolas",individual,"TEST",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n',
  list => 'TEST')});
sql("SELECT count(*) FROM generate_series(1, 5) i, fintech.screen_name('Somebody ' || i, 0.9, 3)");
wait_for("SELECT runs > 0 FROM fintech.worker_status WHERE job = 'rescreen_parties'",
	'the rescreen job has run');

# the events the consumer has to read (read_events returns them until acknowledged)
my $events = $has_events
  ? sql("SELECT count(*) FROM fintech.read_events('metrics_test', 10000)") : undef;

# what the tables say the load did
# pgbench's, the batch's two accepted items, the hold, 3 completed payments
my $transfers = $done + 6;
my %expect = (
	'fintech_transfers_total' => $transfers,
	'fintech_entries_total{type="standard"}' =>
	  sql("SELECT count(*) FROM fintech.entries WHERE type = 'standard'"),
	'fintech_entries_total{type="pending"}' => 1,
	'fintech_payments_total{status="completed"}' => 3,
	'fintech_payments_total{status="rejected"}' => 1,
	'fintech_payments_total{status="held"}' => 0,
	'fintech_payment_replays_total' => 2,
	'fintech_refusals_total{sqlstate="LD009"}' => 4,
	'fintech_refusals_total{sqlstate="LD002"}' => 3,
	'fintech_refusals_total{sqlstate="22023"}' => 2,
	'fintech_screening_seconds_count' => 5,
	'fintech_screening_seconds_bucket{le="+Inf"}' => 5,
	'fintech_holds_open' => 1,
	'fintech_payments_held' => 0,
	'fintech_alerts_open' => 0,
	'fintech_audit_unsealed_rows' => sql("SELECT count(*) FROM fintech.audit_log WHERE seq IS NULL"),
	'fintech_counters_enabled' => 1);
$expect{'fintech_events_unacknowledged{consumer="metrics_test"}'} = $events if $has_events;
is($expect{'fintech_entries_total{type="standard"}'}, $transfers - 1,
	'the ledger holds a standard entry per transfer but the hold');

# ---- the exporter ----
my $port = PostgreSQL::Test::Cluster::get_free_port();
my $log = $node->basedir . '/exporter.log';
local $ENV{DATA_SOURCE_NAME} =
  'host=' . $node->host . ' port=' . $node->port . ' user=metrics_exporter dbname=postgres sslmode=disable';
my $h = IPC::Run::start(
	[
		$exporter, "--extend.query-path=$queries", "--web.listen-address=127.0.0.1:$port",
		'--disable-default-metrics', '--disable-settings-metrics', '--log.level=info'
	],
	'<', \undef, '>', $log, '2>&1');

# scrape: { 'name{labels but server}' => value }
sub scrape
{
	my $res = HTTP::Tiny->new(timeout => 10)->get("http://127.0.0.1:$port/metrics");
	return undef unless $res->{success};
	my %m;
	for my $line (split /\n/, $res->{content})
	{
		next if $line =~ /^#/;
		my ($name, $labels, $value) = $line =~ /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)$/
		  or next;
		my @l = grep { !/^server=/ } split /,(?=\w+=")/, $labels // '';
		$m{ $name . (@l ? '{' . join(',', @l) . '}' : '') } = $value;
	}
	return \%m;
}

my $m;
my $deadline = time() + 30;
while (time() < $deadline)
{
	$m = scrape();
	last if $m && exists $m->{fintech_transfers_total};
	usleep(200_000);
}
ok($m && exists $m->{fintech_transfers_total}, 'the exporter serves fintech metrics over HTTP')
  or diag(slurp_file($log));

for my $k (sort keys %expect)
{
	is($m->{$k} // 'absent', $expect{$k}, "scraped $k");
}
# the histogram's buckets: cumulative, ending at the count
my @b = map { $m->{$_} } sort { ($a =~ /le="([^"]+)"/)[0] eq '+Inf' ? 1 : ($b =~ /le="([^"]+)"/)[0] eq '+Inf' ? -1
	  : ($a =~ /le="([^"]+)"/)[0] <=> ($b =~ /le="([^"]+)"/)[0] }
  grep { /^fintech_screening_seconds_bucket\{/ } keys %$m;
is(scalar(@b), 13, 'the screening histogram has 12 buckets and +Inf');
ok((!grep { $b[$_] > $b[ $_ + 1 ] } 0 .. $#b - 1), 'the buckets are cumulative');
cmp_ok($m->{fintech_screening_seconds_sum} // 0, '>', 0, 'screening time is summed');
# the jobs, as the launcher counts them
cmp_ok($m->{'fintech_job_runs_total{job="rescreen_parties"}'} // 0, '>', 0, 'job runs are scraped');
is($m->{'fintech_job_errors_total{job="rescreen_parties"}'}, 0, 'job errors are scraped');
cmp_ok(abs(($m->{'fintech_job_last_success_timestamp_seconds{job="rescreen_parties"}'} // 0) - time()),
	'<', 120, 'a job\'s last success is a recent Unix time');

SKIP:
{
	skip 'no events in this build (fintech.create_consumer)', 2 unless $has_events;
	cmp_ok($events, '>', 0, "the consumer has $events events to read");
	sql("SELECT fintech.ack_events('metrics_test', (SELECT max(event_id) FROM fintech.read_events('metrics_test', 10000)))");
	$m = scrape();
	is($m->{'fintech_events_unacknowledged{consumer="metrics_test"}'} // 'absent', 0,
		'after ack_events the consumer has nothing unacknowledged');
}

# one more transfer: the next scrape shows it
sql("SELECT fintech.transfer('cash', 'acct_1', 1)");
$m = scrape();
is($m->{fintech_transfers_total}, $transfers + 1, 'the next scrape counts one more transfer');

$h->signal('TERM');
$h->finish;
my $exporter_log = slurp_file($log);
unlike($exporter_log, qr/Error running query/, 'the exporter ran every query of the file')
  or diag($exporter_log);

$node->stop;
done_testing();
