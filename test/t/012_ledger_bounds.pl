# Bounds of the ledger (issue 16): a post with 150,000 legs over as many
# accounts and a transfer_batch of 150,000 items honour statement_timeout
# = '500ms' within about a second (57014, measured in the server from the
# start of the statement).  Before 0.4.0 both were quadratic with no
# CHECK_FOR_INTERRUPTS: the cancel came many seconds late.  (That they
# complete, and how long they take, is measured outside the suite: the
# ledger's loops are O(n log n), but 150,000 audited rows are still many
# seconds of writing on a busy machine.)
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib $FindBin::RealBin;
use FintechTest;
use Time::HiRes qw(time);

my $N = 150_000;

my $node = fintech_node('ledger_bounds', qq{
shared_preload_libraries = 'fintech'
fintech.heartbeat_interval = '1h'
});

sql('CREATE EXTENSION fintech CASCADE');

# many accounts, quickly: straight into the table (as the owner), which is
# what open_account() writes too
sql(qq{
INSERT INTO fintech.accounts (code, currency, kind, min_balance)
  SELECT 'b' || i, 'USD', 'liability', 0 FROM generate_series(1, $N) i;
SELECT fintech.open_account('bank', 'USD', kind => 'asset', min_balance => NULL);
CREATE TABLE big_legs AS
  SELECT array_append(array_agg(fintech.credit('b' || i, 1) ORDER BY i),
                      fintech.debit('bank', $N)) AS legs
    FROM generate_series(1, $N) i;
CREATE TABLE big_batch AS
  SELECT array_fill('bank'::text, ARRAY[$N]) AS d,
         ARRAY(SELECT 'b' || i FROM generate_series(1, $N) i ORDER BY i) AS c,
         array_fill(1::bigint, ARRAY[$N]) AS a;
-- the SQLSTATE of a cancelled call and the seconds from the statement's start
CREATE FUNCTION timed(call text) RETURNS text LANGUAGE plpgsql AS \$\$
BEGIN
  EXECUTE call;
  RETURN 'done';
EXCEPTION WHEN query_canceled THEN
  RETURN SQLSTATE || ' ' || round(extract(epoch FROM clock_timestamp() - statement_timestamp()), 3);
END \$\$;
});

sub cancelled_within
{
	my ($call, $name) = @_;
	my $t0 = time();
	my $got = sql("SET statement_timeout = '500ms'; SELECT timed(\$\$$call\$\$)");
	my $wall = time() - $t0;
	my ($state, $secs) = split / /, $got;
	is($state, '57014', "$name: cancelled by statement_timeout");
	ok(defined $secs && $secs < 1.5,
		"$name: the cancel arrived within 1.5 s of the statement's start")
	  or diag("server-side: $got");
	ok($wall < 4, "$name: psql returned within 4 s") or diag(sprintf('wall: %.3f s', $wall));
	note(sprintf('%s: %s s in the server, %.3f s wall', $name, $secs // '?', $wall));
}

cancelled_within('SELECT fintech.post(legs) FROM big_legs', "post with $N legs");
cancelled_within('SELECT count(*) FROM big_batch, fintech.transfer_batch(d, c, a)',
	"transfer_batch of $N items");

# nothing was written by the cancelled calls
is(sql('SELECT count(*) FROM fintech.entries'), '0', 'the cancelled calls left no entry');

$node->stop;
done_testing();
