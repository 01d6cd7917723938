# kill -9 of the postmaster in the middle of a mixed load (transfers, holds
# that expire, payments with repeated keys, payments held for a party
# under review, audited writes with the sealer running), then a restart:
# - check_ledger() all ok; balances equal the committed postings;
# - verify_audit() ok, and once the sealer has run every committed change
#   (every audit row) is sealed;
# - no idempotency key with two payments; every payment's entry exists;
# - no hold left reserved past its expiry (the expiry job catches up);
# - the launcher and its jobs are running again.
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

my $node = fintech_node('crash', qq{
shared_preload_libraries = 'fintech'
fintech.heartbeat_interval = '1h'
fintech.seal_interval = '200ms'
fintech.expire_holds_interval = '200ms'
fintech.rescreen_interval = '200ms'
max_connections = 30
restart_after_crash = on
});

sql(q{CREATE EXTENSION fintech CASCADE});
sql(q{SELECT fintech.load_sanctions_ofac(
  E'1,"MADURO MOROS, Nicolas",individual,"TEST",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n', list => 'T')});
sql(q{
  SELECT fintech.open_account('bank', 'USD', kind => 'asset', min_balance => NULL);
  SELECT fintech.open_account('w' || i, 'USD') FROM generate_series(1, 50) i;
  SELECT fintech.transfer('bank', 'w' || i, 100000) FROM generate_series(1, 50) i;
  SELECT fintech.open_account('nm', 'USD',
           party_id => fintech.create_party('Nicolas Maduro Moros'));
});
is(sql(q{SELECT status FROM fintech.parties}), 'review', 'a party under review');

my %scripts = (
	transfer => q{
\set a random(1, 50)
\set b random(1, 50)
SELECT fintech.transfer('w' || :a, 'w' || :b, 1 + :a);
},
	hold => q{
\set a random(1, 50)
SELECT fintech.transfer('w' || :a, 'bank', 7, pending_for => '300 milliseconds');
},
	pay => q{
\set a random(1, 50)
\set k random(1, 400)
SELECT * FROM fintech.pay('key-' || :k, 'w' || (:k % 50 + 1), 'bank', :k);
},
	held => q{
\set k random(1, 100)
SELECT * FROM fintech.pay('held-' || :k, 'w' || (:k % 50 + 1), 'nm', 3);
},
);
my $dir = PostgreSQL::Test::Utils::tempdir;
my @opts;
for my $name (sort keys %scripts)
{
	append_to_file("$dir/$name.sql", $scripts{$name});
	push @opts, '-f', "$dir/$name.sql";
}
my ($out, $err) = ('', '');
my $bench = IPC::Run::start(
	[
		'pgbench', '-n', '-c', '6', '-j', '2', '-T', '60',
		'-h', $node->host, '-p', $node->port, @opts, 'postgres'
	],
	'>', \$out, '2>', \$err);

# let the load run, then kill the postmaster
usleep(3_000_000);
my $before = sql(q{SELECT count(*) FROM fintech.entries});
ok($before > 100, "load running ($before entries)");
# The killed postmaster's children notice its death and exit; until they
# have, its shared memory is in use and a new postmaster refuses to start.
# They are listed before the kill (once it is dead, they belong to init).
# From /proc/<pid>/stat: after the command name come state and parent.
sub proc_stat
{
	my ($p) = @_;
	open my $fh, '<', "/proc/$p/stat" or return ();
	my $line = <$fh>;
	close $fh;
	return () unless defined $line && $line =~ /\)\s+(\S)\s+(\d+)/;
	return ($1, $2);
}
my $pid = (split /\n/, slurp_file($node->data_dir . '/postmaster.pid'))[0];
my @kids = grep { my (undef, $ppid) = proc_stat($_); defined $ppid && $ppid == $pid }
  map { m{/proc/(\d+)$} ? $1 : () } glob('/proc/[0-9]*');
ok(@kids > 0, scalar(@kids) . ' children of the postmaster');
ok(kill('KILL', $pid), "kill -9 of the postmaster (pid $pid)");
$bench->finish;    # the clients lose their connections
note("pgbench after the kill:\n$out\n$err");

# wait until the postmaster is gone (a zombie counts as gone) and no
# backend of it is left, then start again
my $deadline = time() + 60;
my $left;
while (time() < $deadline)
{
	$left = grep { my ($state) = proc_stat($_); defined $state && $state ne 'Z' } @kids;
	last if $left == 0;
	usleep(100_000);
}
is($left, 0, 'every process of the killed postmaster is gone');
unlink $node->data_dir . '/postmaster.pid';
unlink glob($node->host . '/.s.PGSQL.' . $node->port . '.lock');
$node->_update_pid(0);    # the node object still has the killed pid
$node->start;

# the launcher and its jobs come back
wait_for(q{SELECT state = 'running' AND pid IS NOT NULL FROM fintech.worker_status
            WHERE job = 'launcher'}, 'the launcher runs again', 60);
wait_for(q{SELECT runs > 0 FROM fintech.worker_status WHERE job = 'seal_audit'},
	'the sealer runs again', 60);

is(sql(q{SELECT bool_and(ok) FROM fintech.check_ledger()}), 't', 'check_ledger() all ok after the crash')
  or diag(sql(q{SELECT string_agg(check_name || ': ' || detail, E'\n') FROM fintech.check_ledger() WHERE NOT ok}));
is(sql(q{SELECT count(*) FROM (SELECT idempotency_key FROM fintech.payments
           GROUP BY 1 HAVING count(*) > 1) d}), '0', 'no idempotency key with two payments');
is(sql(q{SELECT count(*) FROM fintech.payments p
          WHERE p.entry_id IS NOT NULL
            AND NOT EXISTS (SELECT 1 FROM fintech.entries e WHERE e.id = p.entry_id)}), '0',
	'every payment\'s entry exists');
is(sql(q{SELECT count(*) FROM fintech.idempotency_keys k
          WHERE NOT EXISTS (SELECT 1 FROM fintech.payments p WHERE p.id = k.payment_id)}), '0',
	'every key names its payment');
is(sql(q{SELECT count(*) FILTER (WHERE status = 'held') = count(*) FROM fintech.payments
          WHERE payee = 'nm'}), 't', 'payments to the party under review are all held');

wait_for(q{SELECT count(*) = 0 FROM fintech.holds
            WHERE status = 'open' AND expires_at < clock_timestamp() - interval '1 second'},
	'no hold left open past its expiry', 30);
wait_for(q{SELECT count(*) = 0 FROM fintech.audit_log WHERE seq IS NULL},
	'every committed change sealed', 30);
is(sql(q{SELECT ok FROM fintech.verify_audit()}), 't', 'verify_audit() ok');
is(sql(q{SELECT bool_and(ok) FROM fintech.check_ledger()}), 't', 'check_ledger() still ok');
# the audit log holds every committed entry exactly once (a row naming it,
# or the row of the call that wrote several, such as the expiry job's,
# listing it in entry_ids; its postings are in its leaf)
is(sql(q{SELECT (SELECT array_agg(id ORDER BY id) FROM fintech.entries)
              = (SELECT array_agg(e ORDER BY e) FROM (
                   SELECT entry_id FROM fintech.audit_log
                    WHERE table_name = 'fintech.entries' AND operation = 'INSERT' AND entry_id IS NOT NULL
                   UNION ALL
                   SELECT unnest(entry_ids) FROM fintech.audit_log
                    WHERE table_name = 'fintech.entries' AND operation = 'INSERT' AND entry_ids IS NOT NULL) s(e))}),
	't', 'every committed entry in exactly one sealed audit row');

# and work goes on
is(sql(q{SELECT status FROM fintech.pay('after', 'w1', 'bank', 1)}), 'completed', 'payments work');
ok(sql(q{SELECT fintech.transfer('w2', 'w3', 5)}) > 0, 'transfers work');

$node->stop;
done_testing();
