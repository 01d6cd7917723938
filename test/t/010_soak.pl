# Soak: a bounded run of mixed load, then every invariant.
#
#   FINTECH_SOAK_SECONDS (default 10) and FINTECH_SOAK_CLIENTS (default 8)
#   set the length and the concurrency; the suite runs the short form, the
#   long form is e.g.
#     FINTECH_SOAK_SECONDS=600 FINTECH_SOAK_CLIENTS=32 make prove-installcheck PROVE_TESTS=test/t/010_soak.pl
#
# The load, all at once: transfers between wallets with lower limits (some
# refused, LD002), holds posted, voided or left to expire, reversals of
# recent entries, payments with repeated keys (each key always with its
# own request), parties created (some named on the sanctions list) and
# their alerts cleared or confirmed, payments to parties under review
# (held, then released or rejected), and audited writes to a user table,
# with the sealer, the expiry and the rescreen jobs running.  Every call
# goes through soak_try(), which records the SQLSTATE of a refusal instead
# of aborting the client.  Then: zero deadlocks and zero unexpected
# errors, check_ledger() ok, every change sealed and the chain verifying,
# exactly one payment per key, no hold open past its expiry, no held
# payment of a clear party, money conserved.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib $FindBin::RealBin;
use FintechTest;
use IPC::Run;

my $seconds = $ENV{FINTECH_SOAK_SECONDS} // 10;
my $clients = $ENV{FINTECH_SOAK_CLIENTS} // 8;

my $node = fintech_node('soak', qq{
shared_preload_libraries = 'fintech'
fintech.heartbeat_interval = '1h'
fintech.seal_interval = '200ms'
fintech.expire_holds_interval = '200ms'
fintech.rescreen_interval = '500ms'
max_connections = @{[ $clients + 20 ]}
deadlock_timeout = '100ms'
log_lock_waits = on
});

sql(q{CREATE EXTENSION fintech CASCADE});
sql(q{SELECT fintech.load_sanctions_ofac(
  E'1,"MADURO MOROS, Nicolas",individual,"T",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n'
  '2,"ZORRO TRADING LLC",-0- ,"T",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ' || E'\r\n', list => 'T')});
sql(q{
  SELECT fintech.open_account('bank', 'USD', kind => 'asset', min_balance => NULL);
  SELECT fintech.open_account('w' || i, 'USD') FROM generate_series(1, 40) i;
  SELECT fintech.transfer('bank', 'w' || i, 5000) FROM generate_series(1, 40) i;
  CREATE TABLE soak_errors (sqlstate text, call text);
  CREATE TABLE soak_notes (id serial PRIMARY KEY, note text, n int);
  SELECT fintech.audit_table('soak_notes');
  CREATE FUNCTION soak_try(call text) RETURNS text LANGUAGE plpgsql AS $$
  BEGIN
    EXECUTE call;
    RETURN 'ok';
  EXCEPTION WHEN OTHERS THEN
    INSERT INTO soak_errors VALUES (SQLSTATE, call);
    RETURN SQLSTATE;
  END $$;
  -- a hold, then post it, void it or let it expire
  CREATE FUNCTION soak_hold(a int, b int, what int) RETURNS void LANGUAGE plpgsql AS $$
  DECLARE h bigint;
  BEGIN
    h := fintech.transfer('w' || a, 'w' || b, 10, pending_for => '400 milliseconds');
    IF what = 0 THEN PERFORM fintech.post_pending(h);
    ELSIF what = 1 THEN PERFORM fintech.void_pending(h);
    ELSIF what = 2 THEN PERFORM fintech.post_pending(h, 5);
    END IF;
  END $$;
  -- reverse a recent standard entry of the wallets (once: a second time is LD008)
  CREATE FUNCTION soak_reverse(k int) RETURNS void LANGUAGE plpgsql AS $$
  DECLARE e bigint;
  BEGIN
    SELECT id INTO e FROM fintech.entries WHERE type = 'standard' ORDER BY id DESC OFFSET k LIMIT 1;
    IF e IS NOT NULL THEN PERFORM fintech.reverse(e); END IF;
  END $$;
  -- resolve some open alert
  CREATE FUNCTION soak_resolve(confirm boolean) RETURNS void LANGUAGE plpgsql AS $$
  DECLARE a bigint;
  BEGIN
    SELECT id INTO a FROM fintech.screening_alerts WHERE status = 'open' ORDER BY random() LIMIT 1;
    IF a IS NOT NULL THEN
      PERFORM fintech.resolve_alert(a, CASE WHEN confirm THEN 'confirmed' ELSE 'cleared' END, 'soak');
    END IF;
  END $$;
});
# parties with accounts: some clear, some under review
sql(q{
  SELECT fintech.open_account('p' || i, 'USD',
           party_id => fintech.create_party(CASE WHEN i % 3 = 0 THEN 'Nicolas Maduro Moros' ELSE 'Customer ' || i END))
    FROM generate_series(1, 12) i;
});
# assets = liabilities: the wallets' money is the bank's
my $money = q{SELECT sum(balance) FILTER (WHERE kind = 'asset') -
                     sum(balance) FILTER (WHERE kind <> 'asset') FROM fintech.accounts};

my %scripts = (
	'transfer@30' => q{
\set a random(1, 40)
\set b random(1, 40)
\set x random(1, 300)
SELECT soak_try(format('SELECT fintech.transfer(%L, %L, %s)', 'w' || :a, 'w' || :b, :x));
},
	'hold@15' => q{
\set a random(1, 40)
\set b random(1, 40)
\set w random(0, 3)
SELECT soak_try(format('SELECT soak_hold(%s, %s, %s)', :a, :b, :w));
},
	'reverse@5' => q{
\set k random(0, 30)
SELECT soak_try(format('SELECT soak_reverse(%s)', :k));
},
	'pay@20' => q{
\set k random(1, 300)
SELECT soak_try(format('SELECT fintech.pay(%L, %L, %L, %s)', 'key-' || :k, 'w' || (:k % 40 + 1), 'bank', :k % 97 + 1));
},
	'payparty@10' => q{
\set k random(1, 200)
\set p random(1, 12)
SELECT soak_try(format('SELECT fintech.pay(%L, %L, %L, %s)', 'pk-' || :k || '-' || :p, 'w' || (:k % 40 + 1), 'p' || :p, 5));
},
	'party@5' => q{
\set i random(1, 1000)
SELECT soak_try(format('SELECT fintech.create_party(%L)', CASE WHEN :i % 5 = 0 THEN 'Zorro Trading' ELSE 'Soak Person ' || :i END));
},
	'resolve@5' => q{
\set c random(0, 4)
SELECT soak_try(format('SELECT soak_resolve(%s)', CASE WHEN :c = 0 THEN 'true' ELSE 'false' END));
},
	'note@10' => q{
\set n random(1, 50)
INSERT INTO soak_notes (note, n) VALUES ('soak', :n);
UPDATE soak_notes SET n = n + 1 WHERE id = (SELECT max(id) FROM soak_notes);
},
);
is(sql($money), '0', 'assets = liabilities before');

my ($out, $err, $done) = run_pgbench(\%scripts, $clients, $seconds);
ok($done > 0, "$done transactions in $seconds s with $clients clients");

my $errors = sql(q{SELECT coalesce(string_agg(sqlstate || ' ' || n, ', ' ORDER BY sqlstate), '')
                     FROM (SELECT sqlstate, count(*) AS n FROM soak_errors GROUP BY 1) e});
note("refusals: $errors");
is(sql(q{SELECT count(*) FROM soak_errors WHERE sqlstate = '40P01'}), '0', 'zero deadlocks');
is(sql(q{SELECT coalesce(string_agg(DISTINCT sqlstate, ','), '') FROM soak_errors
          WHERE sqlstate NOT IN ('LD002', 'LD003', 'LD006', 'LD008')}), '',
	'only business refusals (LD002 limits, LD003, LD006 blocked, LD008 reversed twice/expired)');
ok(sql(q{SELECT count(*) FROM fintech.entries WHERE type = 'reversal'}) > 0, 'reversals happened');
ok(sql(q{SELECT count(*) FROM fintech.holds WHERE status = 'expired'}) > 0, 'holds expired');
ok(sql(q{SELECT count(*) FROM fintech.screening_alerts WHERE status <> 'open'}) > 0, 'alerts resolved');

wait_for(q{SELECT count(*) = 0 FROM fintech.holds
            WHERE status = 'open' AND expires_at < clock_timestamp() - interval '1 second'},
	'no hold open past its expiry', 30);
wait_for(q{SELECT count(*) = 0 FROM fintech.audit_log WHERE seq IS NULL}, 'every change sealed', 60);
is(sql(q{SELECT ok FROM fintech.verify_audit()}), 't', 'the audit chain verifies');
is(sql(q{SELECT bool_and(ok) FROM fintech.check_ledger()}), 't', 'check_ledger() all ok')
  or diag(sql(q{SELECT string_agg(check_name || ': ' || detail, E'\n') FROM fintech.check_ledger() WHERE NOT ok}));
is(sql($money), '0', 'money conserved (assets = liabilities)');
is(sql(q{SELECT count(*) FROM (SELECT idempotency_key FROM fintech.payments GROUP BY 1 HAVING count(*) > 1) d}),
	'0', 'exactly one payment per key');
is(sql(q{SELECT count(*) FROM fintech.payments p
          JOIN fintech.accounts a ON a.code = p.payee JOIN fintech.parties t ON t.id = a.party_id
         WHERE p.status = 'held' AND t.status <> 'review'}), '0',
	'no payment held for a party that is not under review');
# (when an account was blocked: the audit row of that update)
is(sql(q{SELECT count(*) FROM fintech.postings p JOIN fintech.accounts a ON a.id = p.account_id
          JOIN fintech.entries e ON e.id = p.entry_id
         WHERE a.blocked AND e.type NOT IN ('void_pending', 'expire_pending')
           AND e.created_at > (SELECT min(l.changed_at) FROM fintech.audit_log l
                                WHERE l.table_name = 'fintech.accounts' AND l.operation = 'UPDATE'
                                  AND (l.new_row->>'id')::bigint = a.id
                                  AND (l.new_row->>'blocked')::boolean
                                  AND NOT (l.old_row->>'blocked')::boolean)}), '0',
	'no money moved on a blocked party\'s account after it was blocked');
is(sql(q{SELECT count(*) FROM fintech.audit_log WHERE table_name = 'public.soak_notes'})
	 >= sql(q{SELECT count(*) FROM soak_notes}) ? 't' : 'f', 't', 'user table audited');
ok(!grep(/deadlock detected/, slurp_file($node->logfile)), 'no deadlock in the server log');

$node->stop;
done_testing();
