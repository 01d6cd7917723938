# pg_dump / pg_restore of a database using fintech: the copy has the same
# ledger (check_ledger ok, same balances), the same payments (a held one
# still held, then released there), the same parties, alerts and sanctions
# list (screen_name finds the same entity), and an audit chain that
# verifies — before and after sealing the rows the restore itself added.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib $FindBin::RealBin;
use FintechTest;
use File::Basename qw(dirname);

my $data = dirname($FindBin::RealBin) . '/data/ofac';
my $node = fintech_node('dump', qq{
shared_preload_libraries = 'fintech'
fintech.heartbeat_interval = '1h'
fintech.seal_interval = 0
fintech.rescreen_interval = 0
});

sub q_in { my ($db, $sql) = @_; return $node->safe_psql($db, $sql); }

$node->safe_psql('postgres', 'CREATE DATABASE src');
q_in('src', 'CREATE EXTENSION fintech CASCADE');
my ($sdn, $alt, $add) = map { slurp_file("$data/$_.csv") } qw(sdn alt add);
s/'/''/g for ($sdn, $alt, $add);
q_in('src', "SELECT fintech.load_sanctions_ofac('$sdn', '$alt', '$add')");
q_in('src', q{
  SELECT fintech.create_party('Alice Clear', external_ref => 'a');
  SELECT fintech.create_party('Nicolas Maduro Moros', external_ref => 'nm');
  SELECT fintech.open_account('bank', 'USD', kind => 'asset', min_balance => NULL);
  SELECT fintech.open_account('alice', 'USD', party_id => (SELECT id FROM fintech.parties WHERE external_ref = 'a'));
  SELECT fintech.open_account('nm', 'USD', party_id => (SELECT id FROM fintech.parties WHERE external_ref = 'nm'));
  SELECT fintech.open_account('bob', 'USD');
  SELECT fintech.transfer('bank', 'alice', 10000);
  SELECT fintech.transfer('alice', 'bob', 250, pending_for => '1 day');
  SELECT fintech.pay('k1', 'alice', 'bob', 100);
  SELECT fintech.pay('k2', 'alice', 'nm', 700);
  SELECT count(*) FROM fintech.transfer_batch('{bank, bank, bank}', '{alice, bob, alice}', '{1, 2, 3}');
  SELECT fintech.seal_audit();
  SELECT fintech.transfer('bank', 'bob', 5);
});
my $state = q{SELECT string_agg(code || '=' || fintech.balance(code) || '/' || fintech.available_balance(code), ' '
                ORDER BY code) FROM fintech.accounts};
my $before = q_in('src', $state);
my $audit_src = q_in('src', 'SELECT count(*) FROM fintech.audit_log');

my $dump = PostgreSQL::Test::Utils::tempdir() . '/src.dump';
$node->command_ok([ 'pg_dump', '-Fc', '-f', $dump, '-d', $node->connstr('src') ], 'pg_dump');
$node->safe_psql('postgres', 'CREATE DATABASE dst');
$node->command_ok([ 'pg_restore', '--exit-on-error', '-d', $node->connstr('dst'), $dump ],
	'pg_restore without errors');

is(q_in('dst', $state), $before, 'same balances and available balances');
is(q_in('dst', 'SELECT bool_and(ok) FROM fintech.check_ledger()'), 't', 'check_ledger() ok on the copy');
is(q_in('dst', q{SELECT string_agg(idempotency_key || ':' || status, ' ' ORDER BY id) FROM fintech.payments}),
	'k1:completed k2:held', 'payments, the held one still held');
is(q_in('dst', q{SELECT string_agg(name || ':' || status, ', ' ORDER BY id) FROM fintech.parties}),
	'Alice Clear:clear, Nicolas Maduro Moros:review', 'parties');
is(q_in('dst', q{SELECT source_uid FROM fintech.screen_name('Nicolas Maduro Moros')}), '22790',
	'the sanctions list screens on the copy');
is(q_in('dst', q{SELECT CASE WHEN ok THEN 't ' ELSE 'f ' END || detail FROM fintech.verify_audit()}),
	't ' . q_in('src', q{SELECT detail FROM fintech.verify_audit()}), 'the sealed chain verifies on the copy');
# the tree came along: the same root at the original's size, and a proof
# of one of its rows leads to it on the copy
my ($src_size, $src_root) = split /\|/, q_in('src', q{SELECT tree_size || '|' || encode(root_hash, 'hex') FROM fintech.audit_root()});
is(q_in('dst', qq{SELECT encode(root_hash, 'hex') FROM fintech.audit_root($src_size)}), $src_root,
	"the copy's tree of $src_size leaves has the original's root");
is(q_in('dst', qq{SELECT encode(leaf_hash, 'hex') || array_length(path, 1) FROM fintech.audit_inclusion_proof(1, $src_size)}),
	q_in('src', qq{SELECT encode(leaf_hash, 'hex') || array_length(path, 1) FROM fintech.audit_inclusion_proof(1, $src_size)}),
	'an inclusion proof on the copy equals the original\'s');
# a batch's row (one leaf for its entries, read from the restored ledger)
my $batch_seq = q_in('src', q{SELECT seq FROM fintech.audit_log WHERE entry_ids IS NOT NULL});
is(q_in('dst', qq{SELECT encode(leaf_hash, 'hex') FROM fintech.audit_inclusion_proof($batch_seq, $src_size)}),
	q_in('src', qq{SELECT encode(row_hash, 'hex') FROM fintech.audit_log WHERE seq = $batch_seq}),
	'the proof of a batch\'s leaf on the copy starts from the leaf sealed on the original');
ok(q_in('dst', 'SELECT count(*) FROM fintech.audit_log') >= $audit_src,
	'every audit row came along (the restore adds its own INSERT rows)');
ok(q_in('dst', 'SELECT fintech.seal_audit()') > 0, 'the copy seals the rest');
is(q_in('dst', qq{SELECT array_length(path, 1) > 0 FROM fintech.audit_consistency_proof($src_size)}), 't',
	'the copy proves it extends the original\'s tree');
is(q_in('dst', q{SELECT ok FROM fintech.verify_audit()}), 't', 'and the whole chain verifies');

# the copy works on: the held payment is released by clearing its alert
q_in('dst', q{SELECT fintech.resolve_alert(id, 'cleared', 'other person') FROM fintech.screening_alerts});
is(q_in('dst', q{SELECT status FROM fintech.payments WHERE idempotency_key = 'k2'}), 'completed',
	'the held payment is released on the copy');
is(q_in('dst', q{SELECT count(*) FROM fintech.pay('k3', 'alice', 'bob', 1)}), '1', 'new payments on the copy');
is(q_in('dst', 'SELECT bool_and(ok) FROM fintech.check_ledger()'), 't', 'check_ledger() still ok');
q_in('dst', 'SELECT fintech.seal_audit()');
is(q_in('dst', q{SELECT ok FROM fintech.verify_audit()}), 't', 'audit chain verifies after more work');

$node->stop;
done_testing();
