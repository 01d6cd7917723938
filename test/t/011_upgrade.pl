# ALTER EXTENSION fintech UPDATE from 0.1.0 (the frozen base), from 0.3.0
# and from 0.4.0 (installed through the upgrade chain): data, behaviour and
# the roles' rights are kept (also by a dump and restore of the updated
# database), and the updated extension is the same as a fresh install of
# the new version, which runs the install script built from
# sql/fintech.sql (the catalog, pg_init_privs of the members and of the
# schema, and pg_dump --schema-only of each compared).
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

# The schema is not a member of the extension, but the REVOKE ON SCHEMA of
# the install and upgrade scripts records its initial privileges too
# ('-': none recorded)
my $schema_initprivs = q{SELECT coalesce((SELECT initprivs::text FROM pg_init_privs
  WHERE classoid = 'pg_namespace'::regclass AND objoid = 'fintech'::regnamespace AND objsubid = 0), '-')};

# pg_dump -Fc of the updated database $db, restored into a new database
# restored_$db: the roles (@roles, all holding USAGE on the schema) keep
# it and every other right on fintech, and both databases dump the same
sub dump_restore_keeps_rights
{
	my ($db, $from, @roles) = @_;
	my $file = $node->basedir . "/$db.dump";
	$node->command_ok([ 'pg_dump', '-Fc', '-f', $file, '-d', $node->connstr($db) ],
		"updated from $from: pg_dump");
	$node->safe_psql('postgres', "CREATE DATABASE restored_$db");
	$node->command_ok([ 'pg_restore', '--exit-on-error', '-d', $node->connstr("restored_$db"), $file ],
		"updated from $from: pg_restore into a new database");
	my $roles = 'ARRAY[' . join(', ', map { "'$_'" } @roles) . ']';
	is(q_in("restored_$db", "SELECT bool_and(has_schema_privilege(r, 'fintech', 'USAGE')) FROM unnest($roles) r"),
		't', "updated from $from, dumped and restored: @roles keep USAGE on the schema");
	# every right of each role on the schema and on every function, table,
	# view and sequence of fintech
	my $rights = qq{
	  SELECT string_agg(r || ' ' || o, E'\n' ORDER BY r, o) FROM unnest($roles) r CROSS JOIN LATERAL (
	    SELECT 'schema ' || has_schema_privilege(r, 'fintech', 'USAGE')
	    UNION ALL
	    SELECT 'function ' || p.oid::regprocedure || ' ' || has_function_privilege(r, p.oid, 'EXECUTE')
	      FROM pg_proc p WHERE p.pronamespace = 'fintech'::regnamespace
	    UNION ALL
	    SELECT 'relation ' || c.oid::regclass || ' ' || has_table_privilege(r, c.oid, 'SELECT')
	           || has_table_privilege(r, c.oid, 'INSERT') || has_table_privilege(r, c.oid, 'UPDATE')
	           || has_table_privilege(r, c.oid, 'DELETE')
	      FROM pg_class c WHERE c.relnamespace = 'fintech'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'S')) x(o)};
	is(q_in("restored_$db", $rights), q_in($db, $rights),
		"updated from $from, dumped and restored: every right of @roles on fintech kept");
	for my $opt ('', '--binary-upgrade')
	{
		is(schema_dump("restored_$db", $opt ? ($opt) : ()), schema_dump($db, $opt ? ($opt) : ()),
			"updated from $from, dumped and restored: pg_dump --schema-only $opt of the copy equals the original's");
	}
}

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

# roles given rights the way the old versions documented: USAGE on the
# schema (then every function was EXECUTE to PUBLIC), and for compliance
# the README's recipe (resolve_alert taken from PUBLIC, granted to it)
q_in('old', q{
  CREATE ROLE legacy_app;
  GRANT USAGE ON SCHEMA fintech TO legacy_app;
  CREATE ROLE legacy_compliance;
  GRANT USAGE ON SCHEMA fintech TO legacy_compliance;
  REVOKE EXECUTE ON FUNCTION fintech.resolve_alert(bigint, text, text) FROM PUBLIC;
  GRANT EXECUTE ON FUNCTION fintech.resolve_alert(bigint, text, text) TO legacy_compliance;
  CREATE ROLE legacy_monitor;
  GRANT SELECT ON fintech.accounts TO legacy_monitor;
  CREATE ROLE legacy_both;
  GRANT USAGE ON SCHEMA fintech TO legacy_both;
  GRANT EXECUTE ON FUNCTION fintech.resolve_alert(bigint, text, text) TO legacy_both;
  GRANT EXECUTE ON FUNCTION fintech.balance(text) TO legacy_both;
});
is(q_in('old', q{SET ROLE legacy_app; SELECT fintech.balance('alice') > 0}), 't',
	'before the update, a role with USAGE uses the API');

my ($rc, $out, $err) = $node->psql('old', 'ALTER EXTENSION fintech UPDATE');
is($rc, 0, 'ALTER EXTENSION fintech UPDATE') or diag($err);
like($err, qr/NOTICE:  fintech 0\.4\.0: role legacy_app could use schema fintech and keeps the application rights/,
	'the update names the role that keeps the application rights');
like($err, qr/NOTICE:  fintech 0\.4\.0: role legacy_compliance held compliance rights and keeps the compliance rights/,
	'and the compliance role that keeps its rights');
like($err, qr/WARNING:  fintech 0\.4\.0: role legacy_both could use schema fintech but would hold both application and compliance rights/,
	'a role holding rights of both duties is left to the owner, with a WARNING');
unlike($err, qr/legacy_monitor/, 'a role without USAGE gets nothing');
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

# privileges after the update: nothing for PUBLIC, the application role
# keeps working (and no more), the compliance role keeps deciding
is(q_in('old', q{
  SELECT count(*) FROM pg_depend d
    LEFT JOIN pg_proc p ON d.classid = 'pg_proc'::regclass AND p.oid = d.objid
    LEFT JOIN pg_class c ON d.classid = 'pg_class'::regclass AND c.oid = d.objid
   WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
     AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'fintech')
     AND (p.oid IS NOT NULL OR c.oid IS NOT NULL)
     AND (coalesce(p.proacl, c.relacl) IS NULL
          OR EXISTS (SELECT FROM aclexplode(coalesce(p.proacl, c.relacl)) a WHERE a.grantee = 0))}),
	'0', 'after the update nothing of the extension is granted to PUBLIC');
is(q_in('old', q{SET ROLE legacy_app;
  SELECT fintech.transfer('bank', 'alice', 1) > 0 AND fintech.balance('alice') > 0
     AND (SELECT count(*) FROM fintech.entries) > 0}), 't',
	'the application role keeps the application rights');
($rc, $out, $err) = $node->psql('old', q{SET ROLE legacy_app; SELECT fintech.resolve_alert(1, 'cleared', 'x')});
like($err, qr/permission denied for function resolve_alert/, 'and cannot decide alerts');
($rc, $out, $err) = $node->psql('old', q{SET ROLE legacy_app; SELECT fintech.load_sanctions_ofac('1,"X"', list => 'L')});
like($err, qr/permission denied for function load_sanctions_ofac/, 'nor load a list');
is(q_in('old', q{SELECT has_function_privilege('legacy_compliance', 'fintech.rescreen_parties()', 'EXECUTE'),
                        has_function_privilege('legacy_compliance', 'fintech.transfer(text,text,bigint,text,jsonb,interval,text)', 'EXECUTE'),
                        has_schema_privilege('legacy_monitor', 'fintech', 'USAGE')}),
	't|f|f', 'the compliance role has the compliance rights, not the application\'s; the other role nothing new');
# the rights are the role's, not the extension's initial privileges: a
# dump and restore keeps them
like(q_in('old', q{SELECT string_agg(i.initprivs::text, ' ') FROM pg_init_privs i
                    WHERE i.objoid = 'fintech.transfer(text,text,bigint,text,jsonb,interval,text)'::regprocedure}),
	qr/^\{postgres=X\/postgres\}$/, 'initial privileges are the owner\'s alone');
my ($dump, $dump_err) = run_command(['pg_dump', '--schema-only', '-d', $node->connstr('old')]);
like($dump, qr/^GRANT ALL ON FUNCTION fintech\.transfer\(.*\) TO legacy_app;$/m,
	'pg_dump keeps the rights the update gave');
like($dump, qr/^GRANT ALL ON FUNCTION fintech\.resolve_alert\(.*\) TO legacy_compliance;$/m,
	'and the rights granted by hand before it');
unlike($dump, qr/TO PUBLIC/, 'and grants nothing to PUBLIC');
# the schema too (0.4.1: the 0.4.0 update had recorded the USAGE the roles
# held as the schema's initial privileges, and pg_dump left it out)
is(q_in('old', $schema_initprivs), '{postgres=UC/postgres}', 'the schema\'s initial privileges are the owner\'s alone');
for my $role ('legacy_app', 'legacy_compliance', 'legacy_both')
{
	like($dump, qr/^GRANT USAGE ON SCHEMA fintech TO $role;$/m, "pg_dump keeps $role\'s USAGE on the schema");
}
unlike($dump, qr/^(?:GRANT|REVOKE) .* ON SCHEMA fintech .*legacy_monitor/m, 'and nothing for the role without it');
# rights given by the helpers after the update are the role's too
q_in('old', q{CREATE ROLE late_monitor; SELECT fintech.grant_monitoring('late_monitor')});
($dump) = run_command(['pg_dump', '--schema-only', '-d', $node->connstr('old')]);
like($dump, qr/^GRANT USAGE ON SCHEMA fintech TO late_monitor;$/m,
	'pg_dump keeps the USAGE on the schema a helper gave after the update');
is(q_in('old', $schema_initprivs), '{postgres=UC/postgres}', 'and the schema\'s initial privileges stay the owner\'s');
dump_restore_keeps_rights('old', '0.1.0', qw(legacy_app legacy_compliance legacy_both late_monitor));
($rc, $out, $err) = $node->psql('restored_old', q{SET ROLE legacy_app;
  SELECT fintech.transfer('bank', 'alice', 1) > 0 AND fintech.balance('alice') > 0});
is($out, 't', 'updated from 0.1.0, dumped and restored: the application role moves money') or diag($err);
q_in('old', q{SELECT fintech.revoke_all(r::regrole) FROM unnest('{legacy_app, legacy_compliance, legacy_both, late_monitor}'::text[]) r;
              REVOKE ALL ON fintech.accounts FROM legacy_monitor});

# the upgraded extension is the fresh install's: every member, its
# definition, columns, defaults, constraints, indexes, triggers, views,
# privileges (and the initial privileges pg_dump starts from, the
# schema's included), storage
# options (fillfactor), comments, dumped configuration tables and the
# duty list
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
  UNION ALL
  SELECT 'initprivs ' || pg_describe_object(i.classoid, i.objoid, i.objsubid) || ' ' || i.initprivs::text
    FROM pg_init_privs i JOIN pg_depend m ON m.classid = i.classoid AND m.objid = i.objoid
   WHERE m.refclassid = 'pg_extension'::regclass AND m.deptype = 'e'
     AND m.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'fintech')
  UNION ALL
  SELECT 'schema ' || nspname || ' owner ' || nspowner::regrole || ' acl ' || coalesce(nspacl::text, '-')
         || ' initprivs ' || coalesce((SELECT i.initprivs::text || ' ' || i.privtype::text FROM pg_init_privs i
                                        WHERE i.classoid = 'pg_namespace'::regclass AND i.objoid = n.oid), '-')
    FROM pg_namespace n WHERE nspname = 'fintech'
  UNION ALL
  SELECT 'duty ' || duty || ' ' || kind || ' ' || name FROM fintech.duty_privileges
) s(x)};

# a fresh install runs the script make built from sql/fintech.sql (the
# test runs in the source tree)
my ($sharedir) = $node->config_data('--sharedir');
is(slurp_file("$sharedir/extension/fintech--$new.sql"), slurp_file('sql/fintech.sql'),
	"the installed fintech--$new.sql is sql/fintech.sql");
is(q_in('fresh', 'CREATE EXTENSION fintech CASCADE; SHOW search_path'), '"$user", public',
	'a fresh install leaves the session\'s search_path as it was');

# 0.3.0 through the chain from the frozen base, roles given rights as
# 0.3.0 documented, then updated
$node->safe_psql('postgres', 'CREATE DATABASE from030');
q_in('from030', q{CREATE EXTENSION fintech VERSION '0.1.0' CASCADE;
                  ALTER EXTENSION fintech UPDATE TO '0.3.0'});
is(q_in('from030', q{SELECT extversion FROM pg_extension WHERE extname = 'fintech'}), '0.3.0',
	'0.3.0 installed through the chain');
q_in('from030', q{
  GRANT USAGE ON SCHEMA fintech TO legacy_app, legacy_compliance;
  REVOKE EXECUTE ON FUNCTION fintech.resolve_alert(bigint, text, text) FROM PUBLIC;
  GRANT EXECUTE ON FUNCTION fintech.resolve_alert(bigint, text, text) TO legacy_compliance;
});
($rc, $out, $err) = $node->psql('from030', 'ALTER EXTENSION fintech UPDATE');
is($rc, 0, 'ALTER EXTENSION fintech UPDATE from 0.3.0') or diag($err);
like($err, qr/NOTICE:  fintech 0\.4\.0: role legacy_app could use schema fintech and keeps the application rights/,
	'the update from 0.3.0 names the role that keeps the application rights');
like($err, qr/NOTICE:  fintech 0\.4\.0: role legacy_compliance held compliance rights and keeps the compliance rights/,
	'and the compliance role');
is(q_in('from030', q{SELECT extversion FROM pg_extension WHERE extname = 'fintech'}), $new,
	"and updated to $new");
is(q_in('from030', $schema_initprivs), '{postgres=UC/postgres}',
	'updated from 0.3.0: the schema\'s initial privileges are the owner\'s alone');
dump_restore_keeps_rights('from030', '0.3.0', qw(legacy_app legacy_compliance));
q_in('from030', q{SELECT fintech.revoke_all(r::regrole) FROM unnest('{legacy_app, legacy_compliance}'::text[]) r});

# 0.4.0 installed fresh (0.4.0's full script no longer ships: through the
# chain, which a fresh 0.4.0 install equals), a role given its rights by a
# helper, then updated: the update finds nothing to fix and changes
# nothing a dump shows; the session's search_path is left alone
$node->safe_psql('postgres', 'CREATE DATABASE from040');
q_in('from040', q{CREATE EXTENSION fintech VERSION '0.1.0' CASCADE;
                  ALTER EXTENSION fintech UPDATE TO '0.4.0';
                  CREATE ROLE app040;
                  SELECT fintech.grant_application('app040')});
is(q_in('from040', q{SELECT extversion FROM pg_extension WHERE extname = 'fintech'}), '0.4.0',
	'0.4.0 installed through the chain');
my $initprivs040 = q_in('from040', $schema_initprivs);
is($initprivs040, '{postgres=UC/postgres}', 'at 0.4.0 (no role held USAGE before) the schema\'s initial privileges are the owner\'s');
my $dump040 = schema_dump('from040');
like($dump040, qr/^GRANT USAGE ON SCHEMA fintech TO app040;$/m, 'and pg_dump keeps the USAGE the helper gave');
is(q_in('from040', 'ALTER EXTENSION fintech UPDATE; SHOW search_path'), '"$user", public',
	"updated from 0.4.0 to $new, the session\'s search_path as it was");
is(q_in('from040', q{SELECT extversion FROM pg_extension WHERE extname = 'fintech'}), $new, "updated to $new");
is(q_in('from040', $schema_initprivs), $initprivs040, 'updated from 0.4.0: the schema\'s initial privileges unchanged');
# (0.6.0 re-created functions with a new last argument, and added new ones
# to duties: a grant shows under the function's new argument list, and the
# role holds the new functions of its duty; nothing else changes)
sub grants_by_name
{
	my ($d, $had) = @_;
	$d =~ s/^(-- Name: FUNCTION \w+)\(.*?\)(; Type: ACL;)/$1$2/mg;
	$d =~ s/^(GRANT ALL ON FUNCTION fintech\.\w+)\(.*\)( TO \w+;)$/$1$2/mg;
	$d =~ s/^--\n-- Name: FUNCTION (\w+); Type: ACL;[^\n]*\n--\n\nGRANT [^\n]*\n\n\n/$had->{$1} ? $& : ''/mge if $had;
	$d =~ s/^--\n-- Name: TABLE (\w+); Type: ACL;[^\n]*\n--\n\nGRANT [^\n]*\n\n\n/$had->{"table $1"} ? $& : ''/mge if $had;
	return $d;
}
my %had040 = map { $_ => 1 } (grants_by_name($dump040) =~ /^GRANT ALL ON FUNCTION fintech\.(\w+) TO/mg);
$had040{"table $_"} = 1 for ($dump040 =~ /^GRANT SELECT ON TABLE fintech\.(\w+) TO/mg);
my $after040 = schema_dump('from040');
is(grants_by_name($after040, \%had040), grants_by_name($dump040),
	'updated from 0.4.0: pg_dump --schema-only unchanged (but for the argument lists of re-created functions and the grants of new ones)');
like($after040, qr/^GRANT ALL ON FUNCTION fintech\.sweep\(.*\) TO app040;$/m,
	'updated from 0.4.0: the application role holds the new functions of its duty (sweep)');
q_in('from040', q{SELECT fintech.revoke_all('app040')});

# 0.5.0 through the chain, a role per duty given its rights by a helper,
# then updated: every role holds all of its duty's rights as a fresh
# install's helper gives them (the parts added since 0.5.0 included), and
# pg_dump shows the same as a database where the helpers ran after a
# fresh install
$node->safe_psql('postgres', 'CREATE DATABASE from050');
$node->safe_psql('postgres', 'CREATE DATABASE fresh050');
my $grant_all = q{CREATE ROLE app050; CREATE ROLE comp050; CREATE ROLE aud050; CREATE ROLE mon050; CREATE ROLE op050;
                  SELECT fintech.grant_application('app050'), fintech.grant_compliance('comp050'),
                         fintech.grant_auditor('aud050'), fintech.grant_monitoring('mon050'),
                         fintech.grant_operator('op050')};
q_in('from050', q{CREATE EXTENSION fintech VERSION '0.1.0' CASCADE;
                  ALTER EXTENSION fintech UPDATE TO '0.5.0'} . ";\n" . $grant_all);
is(q_in('from050', q{SELECT extversion FROM pg_extension WHERE extname = 'fintech'}), '0.5.0',
	'0.5.0 installed through the chain');
# batches written on the 0.5.0 schema (no entry_ids yet: one audit row per
# entry, as 0.5.0 wrote them), one sealed before the update and one not
# (this library refuses to capture fintech.accounts until audit_table has
# named its columns again, which the update does: done here first)
q_in('from050', q{SELECT fintech.audit_table('fintech.accounts');
  SELECT fintech.open_account('b050a', 'EUR', 'asset', NULL), fintech.open_account('b050b', 'EUR')});
is(q_in('from050', q{
  SELECT count(*) FROM fintech.transfer_batch('{b050a,b050a,b050a}', '{b050b,b050b,b050b}', '{1,2,3}') WHERE error IS NULL;
  SELECT fintech.seal_audit() > 0;
  SELECT count(*) FROM fintech.transfer_batch('{b050a,b050a}', '{b050b,b050b}', '{4,5}') WHERE error IS NULL;
  SELECT count(*) FROM fintech.audit_log WHERE table_name = 'fintech.entries' AND entry_id IS NOT NULL}),
	"3\nt\n2\n5", 'on the 0.5.0 schema a batch is logged one row per entry');
($rc, $out, $err) = $node->psql('from050', 'ALTER EXTENSION fintech UPDATE');
is($rc, 0, "ALTER EXTENSION fintech UPDATE from 0.5.0 to $new") or diag($err);
unlike($err, qr/WARNING/, 'the update from 0.5.0 warns of nothing');
is(q_in('from050', q{SELECT extversion FROM pg_extension WHERE extname = 'fintech'}), $new, "updated to $new");
# after the update a batch is one audit row listing its entries; the rows
# logged per entry before it (sealed or not) and the new one all verify
is(q_in('from050', q{
  SELECT count(*) FROM fintech.transfer_batch('{b050a,b050a,b050a}', '{b050b,b050b,b050b}', '{6,7,8}') WHERE error IS NULL;
  SELECT count(entry_id) || ' ' || count(entry_ids) || ' ' || sum(cardinality(entry_ids))
    FROM fintech.audit_log WHERE table_name = 'fintech.entries';
  SELECT fintech.seal_audit() > 0;
  SELECT ok FROM fintech.verify_audit()}),
	"3\n5 1 3\nt\nt", 'updated from 0.5.0: a batch is one audit row; the rows logged per entry before still verify');
# 0.5.0's call sites work unchanged after the update (0.6.0 gave the
# ledger's writes a new last argument, idempotency_key, with a default:
# the old signatures were dropped and the new ones created), called by
# the role that got the application rights before the update
q_in('from050', q{SELECT fintech.open_account('bank050', 'EUR', 'asset', NULL), fintech.open_account('w050', 'EUR')});
is(q_in('from050', q{SET ROLE app050;
  SELECT fintech.transfer('bank050', 'w050', 100, 'old', '{}', NULL) > 0;
  SELECT fintech.post(ARRAY[fintech.debit('bank050', 5), fintech.credit('w050', 5)], 'old', '{}', NULL) > 0;
  SELECT fintech.post_pending(fintech.transfer('bank050', 'w050', 7, pending_for => '1 day'), 7) > 0;
  SELECT fintech.void_pending(fintech.transfer('bank050', 'w050', 8, NULL, '{}', '1 day')) > 0;
  SELECT fintech.reverse(fintech.transfer('bank050', 'w050', 9), 'undo') > 0;
  SELECT count(*) FROM fintech.transfer_batch('{bank050}', '{w050}', '{3}', '{old}') WHERE error IS NULL;
  SELECT fintech.transfer('bank050', 'w050', 1, idempotency_key => 'k050')
       = fintech.transfer('bank050', 'w050', 1, idempotency_key => 'k050');
  SELECT fintech.balance('w050')}), "t\nt\nt\nt\nt\n1\nt\n116",
	"updated from 0.5.0: 0.5.0's calls of transfer, post, post_pending, void_pending, reverse and transfer_batch work, and the new key");
# the roles are dropped again below: their names differ from fresh050's
# only in the dump's GRANTs, so both databases use the same names
$node->safe_psql('fresh050', 'CREATE EXTENSION fintech CASCADE');
my $rights050 = q{
  SELECT string_agg(r || ' ' || o, E'\n' ORDER BY r, o)
    FROM unnest('{app050, comp050, aud050, mon050, op050}'::text[]) r CROSS JOIN LATERAL (
      SELECT 'function ' || p.oid::regprocedure AS o FROM pg_proc p
       WHERE p.pronamespace = 'fintech'::regnamespace AND has_function_privilege(r, p.oid, 'EXECUTE')
      UNION ALL
      SELECT 'relation ' || c.oid::regclass FROM pg_class c
       WHERE c.relnamespace = 'fintech'::regnamespace AND c.relkind IN ('r', 'v', 'p')
         AND has_table_privilege(r, c.oid, 'SELECT')) x};
my $updated_rights = q_in('from050', $rights050);
q_in('from050', q{SELECT fintech.revoke_all(r::regrole) FROM unnest('{app050, comp050, aud050, mon050, op050}'::text[]) r});
q_in('fresh050', q{SELECT fintech.grant_application('app050'), fintech.grant_compliance('comp050'),
                          fintech.grant_auditor('aud050'), fintech.grant_monitoring('mon050'),
                          fintech.grant_operator('op050')});
is($updated_rights, q_in('fresh050', $rights050),
	"updated from 0.5.0: each duty's role holds exactly what the helper gives it on a fresh $new install");
q_in('fresh050', q{SELECT fintech.revoke_all(r::regrole) FROM unnest('{app050, comp050, aud050, mon050, op050}'::text[]) r});
$node->safe_psql('postgres', 'DROP ROLE app050, comp050, aud050, mon050, op050');

# a fresh install into a schema that exists already, with USAGE granted on
# it: that USAGE is the role's, not an initial privilege
$node->safe_psql('postgres', 'CREATE DATABASE preschema');
q_in('preschema', q{CREATE SCHEMA fintech; GRANT USAGE ON SCHEMA fintech TO legacy_monitor;
                    CREATE EXTENSION fintech CASCADE});
is(q_in('preschema', $schema_initprivs), q_in('fresh', $schema_initprivs),
	'a fresh install into an existing schema: its initial privileges are a fresh install\'s');
like(schema_dump('preschema'), qr/^GRANT USAGE ON SCHEMA fintech TO legacy_monitor;$/m,
	'and pg_dump keeps the USAGE granted before');

# pg_dump --schema-only shows the extension, its configuration tables and
# every right that differs from the initial privileges; with
# --binary-upgrade it also writes out every member of the extension.
# What differs between any two databases is masked: OIDs, xids, the
# binary_upgrade_set_next_* calls (OIDs and LSNs to preserve), sequence
# values (data) and the random \restrict key of newer pg_dump releases.
sub schema_dump
{
	my ($db, @opts) = @_;
	my ($out, $err) = run_command(['pg_dump', '--schema-only', @opts, '-d', $node->connstr($db)]);
	$out =~ s/^\\(?:un)?restrict .*\n//mg;
	$out =~ s/^SELECT pg_catalog\.binary_upgrade_set_next_.*\n//mg;
	$out =~ s/^(SELECT pg_catalog\.setval\('[^']+', )\d+, (?:true|false)\);$/$1N);/mg;
	$out =~ s/\b\d{5,}\b/OID/g;
	$out =~ s/relfrozenxid = '\d+', relminmxid = '\d+'/relfrozenxid = 'XID', relminmxid = 'MXID'/g;
	return $out;
}

my $fresh_catalog = q_in('fresh', $catalog);
ok(length($fresh_catalog) > 10000, 'the catalog description is not empty');
my %fresh_dump = map { $_ => schema_dump('fresh', $_ ? ($_) : ()) } ('', '--binary-upgrade');
like($fresh_dump{'--binary-upgrade'}, qr/^ALTER EXTENSION fintech ADD FUNCTION fintech\.transfer\(/m,
	'the binary-upgrade dump holds the members');
for my $db ('old', 'from030', 'from040')
{
	my $from = { old => '0.1.0', from030 => '0.3.0', from040 => '0.4.0' }->{$db};
	is(q_in($db, $catalog), $fresh_catalog,
		"updated from $from: the extension (catalog, initial privileges of members and schema) equals a fresh install of it");
	is(q_in($db, $schema_initprivs), q_in('fresh', $schema_initprivs),
		"updated from $from: the schema's initial privileges equal a fresh install's");
	for my $opt ('', '--binary-upgrade')
	{
		my $what = 'pg_dump --schema-only' . ($opt ? " $opt (every member)" : '');
		is(schema_dump($db, $opt ? ($opt) : ()), $fresh_dump{$opt}, "updated from $from: $what equals a fresh install's");
	}
}

$node->stop;
done_testing();
