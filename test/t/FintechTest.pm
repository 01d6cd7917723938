# FintechTest — what the TAP tests of fintech share: a node with the
# extension preloaded, sql() against it and wait_for() polling.
#
#   use FindBin;
#   use lib $FindBin::RealBin;
#   use FintechTest;
#   my $node = fintech_node('name', qq{shared_preload_libraries = 'fintech'\n...});
package FintechTest;

use strict;
use warnings;

use Exporter 'import';
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time usleep);

our @EXPORT = qw(fintech_node sql wait_for run_pgbench timed_query);

my $node;

# init and start a cluster with the given postgresql.conf lines; sql() and
# wait_for() work against it from then on
sub fintech_node
{
	my ($name, $conf) = @_;
	$node = PostgreSQL::Test::Cluster->new($name);
	$node->init;
	$node->append_conf('postgresql.conf', $conf);
	$node->start;
	return $node;
}

# one query in database postgres; dies on error
sub sql
{
	return $node->safe_psql('postgres', shift);
}

# poll a boolean query until it is true, for at most $secs seconds (20);
# the server may be restarting: a failed connection is just "not yet"
sub wait_for
{
	my ($query, $name, $secs) = @_;
	my $deadline = time() + ($secs // 20);
	my $got = '';
	while (time() < $deadline)
	{
		my ($rc, $out, $err) = $node->psql('postgres', $query);
		$got = $out;
		last if $rc == 0 && $got eq 't';
		usleep(100_000);
	}
	ok($got eq 't', $name)
	  or diag("last result: '$got'\n" . `tail -n 30 ${\ $node->logfile}`);
	return $got eq 't';
}

# run_pgbench({ 'name@weight' => script text, ... } [, clients [, seconds]]):
# pgbench -n -c <clients, 8> -j 2 -T <seconds, 5> over those scripts against database postgres; asserts that it exited
# with status 0 and no failed transaction; returns (stdout, stderr,
# transactions processed)
sub run_pgbench
{
	my ($scripts, $clients, $seconds) = @_;
	$clients //= 8;
	$seconds //= 5;
	my $dir = PostgreSQL::Test::Utils::tempdir;
	my @opts;
	for my $name (sort keys %$scripts)
	{
		my ($base, $weight) = $name =~ /^(.*)\@(\d+)$/
		  or die "pgbench script \"$name\" has no \@weight";
		append_to_file("$dir/$base.sql", $scripts->{$name});
		push @opts, '-f', "$dir/$base.sql\@$weight";
	}
	my ($out, $err) = ('', '');
	my $t0 = time();
	my $ok = IPC::Run::run(
		[
			'pgbench', '-n', '-c', $clients, '-j', ($clients < 2 ? $clients : 2), '-T', $seconds,
			'-h', $node->host, '-p', $node->port, @opts, 'postgres'
		],
		'>', \$out, '2>', \$err);
	note(sprintf("pgbench took %.1f s\n%s\n%s", time() - $t0, $out, $err));
	ok($ok, 'pgbench exits with status 0 (no client aborted)') or diag($out, $err);
	like($out, qr/^number of failed transactions: 0 \(/m, 'pgbench: 0 failed transactions');
	my ($done) = $out =~ /^number of transactions actually processed: (\d+)/m;
	return ($out, $err, $done // 0);
}

# run one statement in a background session (BackgroundPsql); returns
# (output, sqlstate, seconds)
sub timed_query
{
	my ($session, $sql) = @_;
	my $t0 = time();
	my $out = $session->query("$sql;\n\\echo SQLSTATE :SQLSTATE");
	my $secs = time() - $t0;
	# BackgroundPsql keeps stderr across queries: the error was for this one
	$session->{stderr} = '';
	my ($res, $state) = $out =~ /^(.*?)\n?SQLSTATE (\w+)$/s;
	return ($res // '', $state // '?', $secs);
}

1;
