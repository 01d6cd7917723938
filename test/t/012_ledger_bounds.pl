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

# What a batch reads does not grow with the versions an old snapshot keeps
# (session 20).  While a snapshot is held (a pg_dump's, or batches queued on
# each other's rows, each holding its own while it waits), no version of an
# account updated since can be pruned: the rows' pages fill, updates leave
# their page, and the code index gets an entry for every such version.  A
# batch used to read all of them twice over: its probe of each account read
# the code index (every entry of the code, in TID order, the live one
# anywhere among them), and each update out of the page checked the two
# unique indexes, fetching every version they hold for the key.  Now the
# probe starts at the version the last update of the account wrote (shared
# by all backends: each sql() here is a new one), and an update that keeps
# the keys skips the uniqueness check.
my $holder = $node->background_psql('postgres');
$holder->query_safe('BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT count(*) FROM fintech.entries');
my $hs_batch = q{SELECT count(*) FROM fintech.transfer_batch(
    array_fill('bank'::text, ARRAY[200]),
    ARRAY(SELECT 'b' || i FROM generate_series(1, 200) i),
    array_fill(1::bigint, ARRAY[200])) WHERE error IS NULL};
is(sql($hs_batch), '200', 'a batch of 200 transfers under a held snapshot');
sql($hs_batch) for 2 .. 40;
my $hs_reads = q{(SELECT idx_tup_read FROM pg_stat_user_indexes
                   WHERE indexrelid = 'fintech.accounts_code_key'::regclass) AS ix,
                 (SELECT heap_blks_hit + heap_blks_read FROM pg_statio_user_tables
                   WHERE relid = 'fintech.accounts'::regclass) AS heap};
my ($hs_ix, $hs_heap) = split /\|/, sql(qq{
SELECT $hs_reads \\gset before_
SELECT ($hs_batch) AS ok, pg_stat_force_next_flush() AS flush \\gset
SELECT $hs_reads \\gset after_
SELECT :after_ix - :before_ix, :after_heap - :before_heap;});
is(sql(q{SELECT count(*) FROM fintech.entries}), '8200', 'the 41 batches wrote their entries');
is(sql(q{SELECT balance FROM fintech.accounts WHERE code = 'b7'}), '41',
	'every batch reached the account it named');
# 201 accounts, 41 versions each: reading every kept version read 4,096
# entries of the code index and 7,407 heap pages (session 19's code); from
# the last version written, 21 entries and 900 pages
cmp_ok($hs_ix, '<', 1000, "the 41st batch read $hs_ix entries of the code index");
cmp_ok($hs_heap, '<', 10 * 201, "and $hs_heap pages of fintech.accounts for 201 accounts");
$holder->query_safe('COMMIT');
$holder->quit;

# After a rewrite of the table (VACUUM FULL moves every row), the shared
# table of where the rows are is wrong for every account until its next
# update.  A batch that found a row through the code index leaves it there
# for the others (session 21): else every batch that probes the account
# before that update reads the index too.  Refused items update nothing:
# two batches in two sessions, each refused whole (200 debits of 1,000
# from accounts holding 41), read the index for 201 codes each before;
# now the second reads it for none.
sql('VACUUM FULL fintech.accounts');
my $refused_batch = q{SELECT count(*) FROM fintech.transfer_batch(
    ARRAY(SELECT 'b' || i FROM generate_series(1, 200) i),
    array_fill('bank'::text, ARRAY[200]),
    array_fill(1000::bigint, ARRAY[200])) WHERE error = 'LD002'};
my $ix_reads = q{(SELECT idx_tup_read FROM pg_stat_user_indexes
                   WHERE indexrelid = 'fintech.accounts_code_key'::regclass)};
my @refused;
for my $i (1 .. 2)
{
	push @refused, [ split /\|/, sql(qq{
SELECT $ix_reads AS before \\gset
SELECT ($refused_batch) AS refused, pg_stat_force_next_flush() AS flush \\gset
SELECT :refused, $ix_reads - :before;}) ];
}
is($refused[0][0], '200', 'the first batch after the rewrite was refused whole');
is($refused[1][0], '200', 'and so was the second');
cmp_ok($refused[0][1], '>=', 200, "the first read the code index for its accounts ($refused[0][1] entries)");
cmp_ok($refused[1][1], '<', 20, "the second, in another session, read $refused[1][1] entries");

# An account tried for deferral (used by 3 of the session's last 64
# calls: bank, debited by every transfer here) is locked FOR NO KEY
# UPDATE SKIP LOCKED, or FOR KEY SHARE, directly too (session 21): the
# statements did so through the code index, which reads every kept version
# of a hot account's row while a snapshot is held.  20 transfers read the
# index for bank 20 times before, now never.
my ($hot_n, $hot_ix) = split /\|/, sql(qq{
SELECT count(fintech.transfer('bank', 'b' || i, 1)) AS warm FROM generate_series(1, 3) i \\gset
SELECT pg_stat_force_next_flush() AS flush1 \\gset
SELECT $ix_reads AS before \\gset
SELECT count(fintech.transfer('bank', 'b' || i, 1)) AS n FROM generate_series(1, 20) i \\gset
SELECT pg_stat_force_next_flush() AS flush2 \\gset
SELECT :n, $ix_reads - :before;});
is($hot_n, '20', 'twenty transfers from bank');
cmp_ok($hot_ix, '<', 5, "they read $hot_ix entries of the code index");

$node->stop;
done_testing();
