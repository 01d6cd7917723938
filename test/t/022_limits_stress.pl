# Spending limits under load: pgbench, 8 clients paying against one cap,
# for every scope (payer, payee, payer_party, payee_party) and for amount
# and count caps.  Exactly as many payments pass as fit the cap, every
# other one is rejected with LD010, the limit's slots hold exactly what the
# completed payments add up to, no deadlock, and the ledger checks out.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib $FindBin::RealBin;
use FintechTest;

my $node = fintech_node('limits_stress', qq{
shared_preload_libraries = 'fintech'
fintech.heartbeat_interval = '1h'
max_connections = 30
deadlock_timeout = '100ms'
log_lock_waits = on
});

sql('CREATE EXTENSION fintech CASCADE');
# parties need a list to be screened against (a one-name list)
sql(q{SELECT fintech.load_sanctions_ofac(
  E'1,"ZZYZX, Qwerty",individual,"TEST",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n', list => 'TEST')});

# a bank, 8 buyers, 4 accounts of one company (buyers too), a merchant,
# 4 accounts of one merchant group
sql(q{
SELECT fintech.open_account(code => 'bank', currency => 'USD', kind => 'asset', min_balance => NULL);
SELECT fintech.create_party('Qwxy Buyer Group', kind => 'entity') AS buyer_party \gset
SELECT fintech.create_party('Zxqv Merchant Group', kind => 'entity') AS merchant_party \gset
SELECT fintech.open_account(code => 'buyer' || i, currency => 'USD') FROM generate_series(1, 8) i;
SELECT fintech.open_account(code => 'corp' || i, currency => 'USD', party_id => :buyer_party)
  FROM generate_series(1, 4) i;
SELECT fintech.open_account(code => 'merchant', currency => 'USD');
SELECT fintech.open_account(code => 'store' || i, currency => 'USD', party_id => :merchant_party)
  FROM generate_series(1, 4) i;
SELECT fintech.transfer(debit_account => 'bank', credit_account => a, amount => 10000000)
  FROM unnest(ARRAY['buyer1', 'buyer2', 'buyer3', 'buyer4', 'buyer5', 'buyer6', 'buyer7', 'buyer8',
                    'corp1', 'corp2', 'corp3', 'corp4']) a;
CREATE SEQUENCE keys;
-- one payment; its status and reason
CREATE FUNCTION lpay(payer text, payee text, amount bigint) RETURNS text LANGUAGE sql AS $$
  SELECT p.status || coalesce(' ' || p.reason, '')
    FROM fintech.pay('k' || nextval('keys'), payer, payee, amount) p
$$;
});

my @cases = (
	# name, scope, cap (amount => or count =>), payer expr, payee expr, amount, expected passes
	[ 'one payer, amount', 'payer', 'max_amount => 10000', q{'buyer1'}, q{'merchant'}, 100, 100 ],
	[ 'one payer, count', 'payer', 'max_count => 37', q{'buyer2'}, q{'merchant'}, 7, 37 ],
	[ 'flash sale: many payers, one payee, amount', 'payee', 'max_amount => 12345',
		q{'buyer' || :b}, q{'merchant'}, 100, 123 ],
	[ 'many payers, one payee, amount and count', 'payee', 'max_amount => 100000, max_count => 61',
		q{'buyer' || :b}, q{'merchant'}, 10, 61 ],
	[ 'one paying company, four accounts', 'payer_party', 'max_amount => 5000',
		q{'corp' || :c}, q{'merchant'}, 50, 100 ],
	[ 'one merchant group, four accounts', 'payee_party', 'max_amount => 3000',
		q{'buyer' || :b}, q{'store' || :c}, 30, 100 ],
);

for my $case (@cases)
{
	my ($name, $scope, $cap, $payer, $payee, $amount, $expect) = @$case;
	sql(qq{SELECT fintech.create_limit('stress', '$scope', '1 day', $cap)});
	my $before = sql(q{SELECT coalesce(max(id), 0) FROM fintech.payments});
	run_pgbench(
		{
			"pay\@1" => "\\set b random(1, 8)\n\\set c random(1, 4)\n"
			  . "SELECT lpay($payer, $payee, $amount);\n"
		},
		8, 3);
	my $res = sql(qq{
	  SELECT count(*) FILTER (WHERE status = 'completed') || ' '
	         || count(*) FILTER (WHERE status = 'rejected' AND reason = 'LD010') || ' '
	         || count(*) FILTER (WHERE NOT (status = 'completed' OR (status = 'rejected' AND reason = 'LD010')))
	    FROM fintech.payments WHERE id > $before});
	my ($passed, $refused, $other) = split / /, $res;
	is($passed, $expect, "$name: exactly $expect payments pass");
	cmp_ok($refused, '>', 0, "$name: the rest is refused with LD010 ($refused)");
	is($other, 0, "$name: no other outcome");
	is( sql(qq{
	      SELECT sum(s.used_amount) || ' ' || sum(s.used_count)
	        FROM fintech.limit_slots s JOIN fintech.limits l ON l.id = s.limit_id
	       WHERE l.name = 'stress' AND l.dropped_at IS NULL}),
		($cap =~ /max_amount/ ? $expect * $amount : 0) . " $expect",
		"$name: the slots hold what the completed payments add up to");
	sql(q{SELECT fintech.drop_limit('stress')});
}

is(sql(q{SELECT bool_and(ok) FROM fintech.check_ledger()}), 't', 'check_ledger: the ledger checks out');
unlike(slurp_file($node->logfile), qr/deadlock detected/, 'no deadlock');

$node->stop;
done_testing();
