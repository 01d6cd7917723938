# A stale sanctions list makes the heartbeat job fail visibly: while a
# list was loaded longer than fintech.sanctions_max_age ago, the heartbeat
# fails (55000) with the list's name and age in fintech.worker_status; a
# larger fintech.sanctions_max_age (reloaded) or a fresh load ends it.
# (screening_status's age and stale, and the setting itself, are in
# test/sql/screening_required.sql.)
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib $FindBin::RealBin;
use FintechTest;

my $node = fintech_node('stale', qq{
shared_preload_libraries = 'fintech'
fintech.heartbeat_interval = '1h'
});
sql('CREATE EXTENSION fintech CASCADE');
wait_for(q{SELECT state = 'running' FROM fintech.worker_status WHERE job = 'launcher'},
	'the launcher runs its jobs');

sub heartbeat
{
	my ($ret, $out, $err) = $node->psql('postgres', "SELECT fintech.run_job('heartbeat')");
	return ($ret, $err);
}
sub last_error
{
	return sql(q{SELECT coalesce(last_error, '-') FROM fintech.worker_status WHERE job = 'heartbeat'});
}

my ($ret, $err) = heartbeat();
is($ret, 0, 'no list loaded: the heartbeat succeeds (screening fails closed on its own)');

my $sdn = '1,"MADURO MOROS, Nicolas",individual,"T",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ';
sql("SELECT fintech.load_sanctions_ofac(E'$sdn', list => 'T-FRESH')");
sql("SELECT fintech.load_sanctions_ofac(E'$sdn', list => 'T-OLD')");
($ret, $err) = heartbeat();
is($ret, 0, 'fresh lists: the heartbeat succeeds');

# T-OLD was loaded 9 days ago (default fintech.sanctions_max_age: 8 days)
sql(q{UPDATE fintech.sanctions_lists SET loaded_at = now() - interval '9 days' WHERE list = 'T-OLD'});
is(sql(q{SELECT string_agg(list || ':' || stale, ',' ORDER BY list) FROM fintech.screening_status}),
	'T-FRESH:false,T-OLD:true', 'screening_status says which list is stale');
($ret, $err) = heartbeat();
isnt($ret, 0, 'a stale list: the heartbeat fails');
like($err, qr/sanctions list "T-OLD" is stale: loaded 9 days[^,]* ago, fintech\.sanctions_max_age is 8 days/,
	'run_job reports the stale list, its age and the setting');
like(last_error(), qr/sanctions list "T-OLD" is stale/, 'worker_status keeps the error');
is(sql(q{SELECT state || ' ' || (errors >= 1) FROM fintech.worker_status WHERE job = 'heartbeat'}),
	'failed true', 'the heartbeat is failed in worker_status');

# a larger maximum age, reloaded: the worker sees it
sql(q{ALTER SYSTEM SET fintech.sanctions_max_age = '30 days'});
sql('SELECT pg_reload_conf()');
my $ok = 0;
for (1 .. 100)
{
	($ret, $err) = heartbeat();
	if ($ret == 0) { $ok = 1; last; }
	usleep(100_000);
}
ok($ok, 'fintech.sanctions_max_age = 30 days (reloaded): the heartbeat succeeds again');

# back to the default: a fresh load of the list ends it
sql('ALTER SYSTEM RESET fintech.sanctions_max_age');
sql('SELECT pg_reload_conf()');
$ok = 0;
for (1 .. 100)
{
	($ret, $err) = heartbeat();
	if ($ret != 0) { $ok = 1; last; }
	usleep(100_000);
}
ok($ok, 'the default again: the heartbeat fails again');
sql("SELECT fintech.load_sanctions_ofac(E'$sdn', list => 'T-OLD')");
($ret, $err) = heartbeat();
is($ret, 0, 'the list loaded again: the heartbeat succeeds');
is(sql(q{SELECT bool_or(stale) FROM fintech.screening_status}), 'f', 'and no list is stale');

$node->stop;
done_testing();
