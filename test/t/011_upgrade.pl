# ALTER EXTENSION fintech UPDATE from 0.1.0: data and behaviour are kept,
# and the upgraded extension is the same as a fresh install of the new
# version (pg_dump --schema-only of both compared).
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib $FindBin::RealBin;
use FintechTest;

my $node = fintech_node('upgrade', qq{
shared_preload_libraries = 'fintech'
fintech.heartbeat_interval = '200ms'
fintech.seal_interval = 0
fintech.database = 'old'
});
my $new = (sql(q{SELECT default_version FROM pg_available_extensions WHERE name = 'fintech'}));
isnt($new, '0.1.0', "the default version is $new");

sub q_in { my ($db, $sql) = @_; return $node->safe_psql($db, $sql); }

$node->safe_psql('postgres', 'CREATE DATABASE old');
$node->safe_psql('postgres', 'CREATE DATABASE fresh');
q_in('old', q{CREATE EXTENSION fintech VERSION '0.1.0' CASCADE});
is(q_in('old', q{SELECT extversion FROM pg_extension WHERE extname = 'fintech'}), '0.1.0', '0.1.0 installed');
q_in('old', q{
  SELECT fintech.load_sanctions_ofac(
    E'1,"MADURO MOROS, Nicolas",individual,"T",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n', list => 'T');
  SELECT fintech.open_account('bank', 'USD', kind => 'asset', min_balance => NULL);
  SELECT fintech.open_account('alice', 'USD');
  SELECT fintech.open_account('nm', 'USD', party_id => fintech.create_party('Nicolas Maduro Moros'));
  SELECT fintech.transfer('bank', 'alice', 1000);
  SELECT fintech.transfer('alice', 'bank', 100, pending_for => '1 hour');
  SELECT fintech.pay('k1', 'alice', 'bank', 10);
  SELECT fintech.pay('k2', 'alice', 'nm', 20);
  SELECT fintech.seal_audit();
});
# the library is newer than the installed SQL: the heartbeat says so
ok($node->poll_query_until('old',
		q{SELECT last_error LIKE '%0.1.0%' FROM fintech.worker_status WHERE job = 'heartbeat'}),
	'the heartbeat job reports the version mismatch before the update');

my $state = q{SELECT string_agg(code || '=' || fintech.balance(code) || '/' || fintech.available_balance(code), ' '
                ORDER BY code) || ' ' ||
             (SELECT string_agg(idempotency_key || ':' || status, ' ' ORDER BY id) FROM fintech.payments) || ' ' ||
             (SELECT string_agg(name || ':' || status, ' ' ORDER BY id) FROM fintech.parties)
                FROM fintech.accounts};
my $before = q_in('old', $state);
my $audit_before = q_in('old', 'SELECT count(*) FROM fintech.audit_log');

q_in('old', 'ALTER EXTENSION fintech UPDATE');
is(q_in('old', q{SELECT extversion FROM pg_extension WHERE extname = 'fintech'}), $new, "updated to $new");
is(q_in('old', $state), $before, 'balances, payments and parties kept');
is(q_in('old', 'SELECT count(*) FROM fintech.audit_log'), $audit_before, 'the audit trail kept');
is(q_in('old', q{SELECT ok FROM fintech.verify_audit()}), 't', 'the chain verifies after the update');
is(q_in('old', 'SELECT bool_and(ok) FROM fintech.check_ledger()'), 't', 'check_ledger() after the update');
# (the heartbeat runs every 200 ms; a run that began before the update
# may still fail: after the next one, two more runs and no new error)
my $runs0 = q_in('old', q{SELECT runs FROM fintech.worker_status WHERE job = 'heartbeat'});
$node->poll_query_until('old', qq{SELECT runs > $runs0 FROM fintech.worker_status WHERE job = 'heartbeat'});
my ($runs1, $errors0) = split /\|/,
  q_in('old', q{SELECT runs, errors FROM fintech.worker_status WHERE job = 'heartbeat'});
ok($node->poll_query_until('old',
		qq{SELECT runs >= $runs1 + 2 FROM fintech.worker_status WHERE job = 'heartbeat'}),
	'the heartbeat job runs on');
is(q_in('old', q{SELECT errors FROM fintech.worker_status WHERE job = 'heartbeat'}), $errors0,
	'and is content after the update');

# behaviour: the old data works with the new version, and what 0.2.0 adds
is(q_in('old', q{SELECT status FROM fintech.pay('k3', 'alice', 'bank', 5)}), 'completed', 'payments');
is(q_in('old', q{SELECT status, replayed FROM fintech.pay('k1', 'alice', 'bank', 10)}), 'completed|t',
	'a payment made before the update replays');
q_in('old', q{SELECT fintech.resolve_alert(id, 'cleared', 'not him') FROM fintech.screening_alerts});
is(q_in('old', q{SELECT status FROM fintech.payments WHERE idempotency_key = 'k2'}), 'completed',
	'a payment held before the update is released after it');
is(q_in('old', q{SELECT post_pending > 0 FROM fintech.post_pending((SELECT entry_id FROM fintech.holds
                   WHERE status = 'open' AND expires_at < 'infinity'))}), 't', 'a hold made before the update posts');
is(q_in('old', q{SELECT list || ' ' || version || ' ' || parties_due FROM fintech.screening_status}), 'T 1 0',
	'0.2.0\'s screening_status');
q_in('old', 'SELECT fintech.seal_audit()');
is(q_in('old', q{SELECT ok FROM fintech.verify_audit()}), 't', 'the chain still verifies');
is(q_in('old', q{SELECT reloptions::text FROM pg_class WHERE oid = 'fintech.audit_log'::regclass}),
	'{fillfactor=40}', '0.3.0\'s fillfactor of audit_log');

# the upgraded extension is the fresh install's: every member, its
# definition, columns, defaults, constraints, indexes, triggers, views,
# privileges, storage options (fillfactor), comments and dumped
# configuration tables
my $catalog = q{
SELECT string_agg(x, E'\n' ORDER BY x) FROM (
  SELECT 'member ' || pg_describe_object(classid, objid, objsubid) FROM pg_depend
   WHERE refclassid = 'pg_extension'::regclass AND deptype = 'e'
     AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'fintech')
  UNION ALL
  SELECT 'function ' || pg_get_functiondef(p.oid) || ' acl ' || coalesce(p.proacl::text, '-')
    FROM pg_proc p WHERE p.pronamespace = 'fintech'::regnamespace AND p.prokind IN ('f', 'p')
  UNION ALL
  SELECT 'column ' || c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
         || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
         || coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), '')
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
   WHERE c.relnamespace = 'fintech'::regnamespace AND a.attnum > 0 AND NOT a.attisdropped
  UNION ALL
  SELECT 'index ' || indexdef FROM pg_indexes WHERE schemaname = 'fintech'
  UNION ALL
  SELECT 'constraint ' || conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid)
    FROM pg_constraint WHERE connamespace = 'fintech'::regnamespace
  UNION ALL
  SELECT 'trigger ' || pg_get_triggerdef(t.oid) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
   WHERE c.relnamespace = 'fintech'::regnamespace AND NOT t.tgisinternal
  UNION ALL
  SELECT 'view ' || c.relname || ' ' || pg_get_viewdef(c.oid) FROM pg_class c
   WHERE c.relkind = 'v' AND c.relnamespace = 'fintech'::regnamespace
  UNION ALL
  SELECT 'acl ' || relname || ' ' || coalesce(relacl::text, '-') FROM pg_class
   WHERE relnamespace = 'fintech'::regnamespace
  UNION ALL
  SELECT 'options ' || relname || ' ' || coalesce(reloptions::text, '-') FROM pg_class
   WHERE relnamespace = 'fintech'::regnamespace
  UNION ALL
  SELECT 'comment ' || pg_describe_object(d.classoid, d.objoid, d.objsubid) || ' ' || d.description
    FROM pg_description d JOIN pg_depend m ON m.classid = d.classoid AND m.objid = d.objoid
   WHERE m.refclassid = 'pg_extension'::regclass AND m.deptype = 'e'
     AND m.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'fintech')
  UNION ALL
  SELECT 'config ' || extconfig::regclass[]::text || ' ' || coalesce(extcondition::text, '-')
    FROM pg_extension WHERE extname = 'fintech'
) s(x)};
q_in('fresh', 'CREATE EXTENSION fintech CASCADE');
my ($old_catalog, $fresh_catalog) = (q_in('old', $catalog), q_in('fresh', $catalog));
ok(length($fresh_catalog) > 10000, 'the catalog description is not empty');
is($old_catalog, $fresh_catalog, 'the updated extension equals a fresh install of it');

$node->stop;
done_testing();
