# The global lock order (payments.c, parties.c) under load, with the jobs:
# applications that lock the payer's account before they call pay (the
# inversion an application may impose), compliance clearing the alerts of
# the same parties (which posts their held payments), holds expiring
# (expire_holds) and credits deferred to a hot account (fold_postings), all
# at once.  No transaction fails (a deadlock, 40P01, would), no deadlock is
# logged, the jobs report no error, and the ledger checks.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib $FindBin::RealBin;
use FintechTest;

my $node = fintech_node('lock_order', qq{
shared_preload_libraries = 'fintech'
fintech.heartbeat_interval = '1h'
fintech.expire_holds_interval = '50ms'
fintech.fold_interval = '50ms'
fintech.seal_interval = '100ms'
});

sql('CREATE EXTENSION fintech CASCADE');
sql(q{
SELECT fintech.load_sanctions_ofac(
  E'10,"MADURO MOROS, Nicolas",individual,"VENEZUELA",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n',
  list => 'LO');
SELECT fintech.open_account(code => 'bank', currency => 'USD', kind => 'asset', min_balance => NULL);
SELECT fintech.open_account(code => 'hot', currency => 'USD', kind => 'income');
-- 60 parties under review (one open alert each), 8 clear ones
SELECT fintech.open_account(code => 'r' || i, currency => 'USD',
                            party_id => fintech.create_party('Nicolas Maduro Moros'))
  FROM generate_series(1, 60) i;
SELECT fintech.open_account(code => 'c' || i, currency => 'USD',
                            party_id => fintech.create_party('Clear Party ' || i))
  FROM generate_series(1, 8) i;
SELECT fintech.transfer(debit_account => 'bank', credit_account => code, amount => 1000000)
  FROM fintech.accounts WHERE code ~ '^[rc][0-9]+$';
});
is(sql("SELECT count(*) FROM fintech.parties WHERE status = 'review'"), '60', '60 parties under review');

my ($out, $err, $done) = run_pgbench({
	# the payer's account first (the application's own transfer), then pay,
	# which share-locks the payer's party
	'apppay@6' => q{\set n random(1, 1000000000)
\set c random(1, 8)
SELECT coalesce((SELECT substr(a.code, 2)::int FROM fintech.accounts a
                   JOIN fintech.parties p ON p.id = a.party_id
                  WHERE p.status = 'review' AND a.code ~ '^r' ORDER BY random() LIMIT 1), 1) AS i \gset
BEGIN;
SELECT fintech.transfer(debit_account => 'r' || :i, credit_account => 'bank', amount => 1);
SELECT status FROM fintech.pay('k' || :n || '-' || :client_id, 'r' || :i, 'c' || :c, 1);
COMMIT;
},
	# clear one open alert: the party turns clear and its held payments post
	'clear@1' => q{SELECT fintech.resolve_alert(x.id, 'cleared', 'stress')
  FROM (SELECT id FROM fintech.screening_alerts WHERE status = 'open'
         ORDER BY random() LIMIT 1 FOR UPDATE SKIP LOCKED) x;
},
	# holds that expire at once (expire_holds) and credits to a hot account,
	# deferred while another transaction holds it (fold_postings)
	'hold@2' => q{\set c random(1, 8)
SELECT fintech.transfer(debit_account => 'c' || :c, credit_account => 'hot', amount => 1,
                        pending_for => '20 milliseconds');
},
	'hot@3' => q{\set c random(1, 8)
SELECT fintech.transfer(debit_account => 'c' || :c, credit_account => 'hot', amount => 1);
},
}, 8, 6);
cmp_ok($done, '>', 200, "pgbench ran $done transactions, none failed");
is(sql("SELECT count(*) > 0 FROM fintech.payments WHERE status = 'completed'
           AND resolved_at IS NOT NULL"), 't', 'held payments were posted by clearings');
is(sql("SELECT count(*) > 0 FROM fintech.holds WHERE status = 'expired'"), 't', 'holds expired meanwhile');
unlike(slurp_file($node->logfile), qr/deadlock detected/, 'no deadlock in the server log');
wait_for("SELECT count(*) = 0 FROM fintech.postings WHERE seq IS NULL", 'deferred postings folded');
is(sql("SELECT string_agg(job || ':' || errors, ',' ORDER BY job) FROM fintech.worker_status
         WHERE job IN ('expire_holds', 'fold_postings', 'seal_audit')"),
	'expire_holds:0,fold_postings:0,seal_audit:0', 'the jobs report no error');
is(sql("SELECT bool_and(ok) FROM fintech.check_ledger()"), 't', 'check_ledger: all ok');

$node->stop;
done_testing();
