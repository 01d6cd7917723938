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
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time usleep);

our @EXPORT = qw(fintech_node sql wait_for);

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

1;
