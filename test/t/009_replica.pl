# A streaming standby of a fintech primary:
# - the standby's copy of the audit chain verifies, balances and
#   check_ledger() agree with the primary, screen_name works there;
# - the launcher does not run on the standby (no job writes anything) and
#   writing functions fail as on any hot standby (read-only transaction);
# - after promotion the launcher starts and seals what the primary left.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib $FindBin::RealBin;
use FintechTest;

my $conf = qq{
shared_preload_libraries = 'fintech'
fintech.heartbeat_interval = '1h'
fintech.seal_interval = '200ms'
};
my $primary = PostgreSQL::Test::Cluster->new('primary');
$primary->init(allows_streaming => 1);
$primary->append_conf('postgresql.conf', $conf);
$primary->start;

$primary->safe_psql('postgres', q{
  CREATE EXTENSION fintech CASCADE;
  SELECT fintech.load_sanctions_ofac(
    E'1,"MADURO MOROS, Nicolas",individual,"TEST",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n', list => 'T');
  SELECT fintech.open_account('bank', 'USD', kind => 'asset', min_balance => NULL);
  SELECT fintech.open_account('alice', 'USD');
  SELECT fintech.open_account('bob', 'USD');
  SELECT fintech.transfer('bank', 'alice', 1000);
  SELECT fintech.pay('k1', 'alice', 'bob', 250);
});
$primary->backup('base');
my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($primary, 'base', has_streaming => 1);
$standby->start;

# more work after the backup, sealed on the primary, streamed over
$primary->safe_psql('postgres', q{
  SELECT fintech.transfer('alice', 'bob', 100);
  SELECT fintech.pay('k2', 'bob', 'alice', 50);
  SELECT fintech.create_party('Nicolas Maduro Moros');
});
my $ok = 0;
for (1 .. 100)
{
	$ok = $primary->safe_psql('postgres', 'SELECT count(*) = 0 FROM fintech.audit_log WHERE seq IS NULL');
	last if $ok eq 't';
	select(undef, undef, undef, 0.1);
}
is($ok, 't', 'the primary sealed everything');
$primary->wait_for_catchup($standby);

my $q_state = q{SELECT string_agg(code || '=' || fintech.balance(code) || '/' || fintech.available_balance(code), ' '
                 ORDER BY code) FROM fintech.accounts};
is($standby->safe_psql('postgres', $q_state), $primary->safe_psql('postgres', $q_state),
	'balances on the standby equal the primary');
is($standby->safe_psql('postgres', 'SELECT bool_and(ok) FROM fintech.check_ledger()'), 't',
	'check_ledger() on the standby');
my $verify = q{SELECT CASE WHEN ok THEN 'ok ' ELSE 'bad ' END || rows_checked FROM fintech.verify_audit()};
is($standby->safe_psql('postgres', $verify), $primary->safe_psql('postgres', $verify),
	'the standby\'s audit chain verifies, as many rows as the primary');
is($standby->safe_psql('postgres', 'SELECT encode(chain_hash, \'hex\') FROM fintech.audit_digest()'),
	$primary->safe_psql('postgres', 'SELECT encode(chain_hash, \'hex\') FROM fintech.audit_digest()'),
	'same root of the tree');
is($standby->safe_psql('postgres', q{SELECT encode(leaf_hash, 'hex') || encode(path[1], 'hex') FROM fintech.audit_inclusion_proof(1)}),
	$primary->safe_psql('postgres', q{SELECT encode(leaf_hash, 'hex') || encode(path[1], 'hex') FROM fintech.audit_inclusion_proof(1)}),
	'an inclusion proof on the standby equals the primary\'s');
is($standby->safe_psql('postgres', q{SELECT source_uid FROM fintech.screen_name('Nicolas Maduro')}), '1',
	'screen_name works on the standby');
is($standby->safe_psql('postgres', q{SELECT status FROM fintech.parties}), 'review', 'parties replicated');

# no launcher on a standby; nothing written there
is($standby->safe_psql('postgres',
		q{SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'fintech launcher'}), '0',
	'no launcher on the standby');
my ($rc, $out, $err) = $standby->psql('postgres', q{SELECT fintech.transfer('alice', 'bob', 1)});
like($err, qr/read-only transaction|recovery/, 'writes are refused on the standby');
($rc, $out, $err) = $standby->psql('postgres', q{SELECT fintech.seal_audit()});
like($err, qr/read-only transaction|recovery/, 'so is sealing');

# the primary goes on; the standby is promoted and its launcher seals
$primary->safe_psql('postgres', q{SELECT fintech.transfer('bank', 'bob', 7)});
$primary->wait_for_catchup($standby);
$primary->stop('immediate');
$standby->promote;
$standby->poll_query_until('postgres',
	q{SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'fintech launcher'})
  or fail('the launcher starts after promotion');
$standby->poll_query_until('postgres', q{SELECT count(*) = 0 FROM fintech.audit_log WHERE seq IS NULL})
  or fail('the promoted standby seals');
is($standby->safe_psql('postgres', q{SELECT ok FROM fintech.verify_audit()}), 't',
	'the promoted standby\'s chain verifies');
is($standby->safe_psql('postgres', q{SELECT status FROM fintech.pay('k3', 'alice', 'bob', 1)}), 'completed',
	'payments on the promoted standby');
is($standby->safe_psql('postgres', 'SELECT bool_and(ok) FROM fintech.check_ledger()'), 't',
	'check_ledger() after promotion');

$standby->stop;
done_testing();
