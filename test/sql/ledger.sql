-- ledger: every function of the Ledger section, with named arguments, and
-- every SQLSTATE it can raise.  Entry ids are deterministic here (a fresh
-- extension, one session); no timestamps are printed.
\set VERBOSITY default

-- a compact view of an account
CREATE FUNCTION show(code text) RETURNS text LANGUAGE sql AS $$
  SELECT format('%s: balance %s, available %s, status %s', code,
                fintech.balance(account => code), fintech.available_balance(account => code),
                (SELECT status FROM fintech.accounts a WHERE a.code = show.code))
$$;

-- ====================================================================
-- currencies: ISO 4217, with minor units
-- ====================================================================
SELECT count(*) >= 150 AS iso_codes, count(*) FILTER (WHERE NOT builtin) AS own
  FROM fintech.currencies;
SELECT code, minor_units FROM fintech.currencies
 WHERE code IN ('USD', 'EUR', 'JPY', 'KWD', 'CLF', 'GBP', 'CHF') ORDER BY code;
-- the owner may add a currency (e.g. loyalty points)
INSERT INTO fintech.currencies (code, minor_units) VALUES ('PTS', 0);

-- ====================================================================
-- open_account
-- ====================================================================
SELECT fintech.open_account(code => 'alice', currency => 'USD');
SELECT fintech.open_account(code => 'bob', currency => 'USD', kind => 'liability',
                            metadata => '{"name": "Bob"}');
SELECT fintech.open_account(code => 'bank', currency => 'USD', kind => 'asset', min_balance => NULL);
SELECT fintech.open_account(code => 'fees', currency => 'USD', kind => 'income');
SELECT fintech.open_account(code => 'capped', currency => 'USD', max_balance => 500);
SELECT fintech.open_account(code => 'credit_line', currency => 'USD', min_balance => -1000);
SELECT fintech.open_account(code => 'eur_wallet', currency => 'EUR');
SELECT fintech.open_account(code => 'eur_bank', currency => 'EUR', kind => 'asset', min_balance => NULL);
-- accounts link to parties (sanctions screening, see screening.sql); the
-- party must exist (LD009) and not be blocked (LD006; set by hand here).
-- No list is loaded yet: screening is off here, as for a platform that
-- does not screen (else create_party fails closed, 55000)
SET fintech.screening_required = off;
SELECT fintech.create_party('Points Holder') AS holder \gset
SELECT fintech.create_party('Blocked Holder') AS blocked \gset
RESET fintech.screening_required;
UPDATE fintech.parties SET status = 'blocked' WHERE id = :blocked;
SELECT fintech.open_account(code => 'points', currency => 'PTS', party_id => :holder) > 0 AS opened;
SELECT fintech.open_account(code => 'nobody', currency => 'PTS', party_id => -1);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.open_account(code => 'blocked', currency => 'PTS', party_id => :blocked);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT id, code, currency, kind, status, min_balance, max_balance, party_id, metadata
  FROM fintech.accounts ORDER BY id;

-- errors: duplicate code 23505, bad input 22023
SELECT fintech.open_account(code => 'alice', currency => 'USD');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.open_account(code => '', currency => 'USD');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.open_account(code => NULL, currency => 'USD');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.open_account(code => repeat('x', 256), currency => 'USD');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.open_account(code => 'x', currency => 'XYZ');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.open_account(code => 'x', currency => NULL);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.open_account(code => 'x', currency => 'USD', kind => 'wallet');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.open_account(code => 'x', currency => 'USD', min_balance => 10, max_balance => 5);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.open_account(code => 'x', currency => 'USD', metadata => '[1, 2]');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT count(*) AS accounts FROM fintech.accounts;

-- ====================================================================
-- transfer, and the normal balance of each kind
-- ====================================================================
-- the bank (asset) funds wallets (liabilities): both balances go up
SELECT fintech.transfer(debit_account => 'bank', credit_account => 'alice', amount => 1000);
SELECT fintech.transfer(debit_account => 'bank', credit_account => 'bob', amount => 500,
                        description => 'top-up', metadata => '{"ref": "T2"}');
-- alice pays bob 300 and a fee of 5 (income, credit-normal)
SELECT fintech.transfer(debit_account => 'alice', credit_account => 'bob', amount => 300);
SELECT fintech.transfer(debit_account => 'alice', credit_account => 'fees', amount => 5);
SELECT show('alice'), show('bob'), show('bank'), show('fees');
SELECT id, type, related_id, description, metadata FROM fintech.entries ORDER BY id;
SELECT p.entry_id, p.leg, a.code, p.amount, p.seq, p.balance_after
  FROM fintech.postings p JOIN fintech.accounts a ON a.id = p.account_id ORDER BY 1, 2;

-- LD002: below min_balance (0), with the numbers
SELECT fintech.transfer(debit_account => 'alice', credit_account => 'bob', amount => 696);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- exactly down to the limit is fine
SELECT fintech.transfer(debit_account => 'alice', credit_account => 'bob', amount => 695);
SELECT fintech.transfer(debit_account => 'bob', credit_account => 'alice', amount => 695);
-- a negative min_balance is an overdraft line
SELECT fintech.transfer(debit_account => 'credit_line', credit_account => 'alice', amount => 1000);
SELECT fintech.transfer(debit_account => 'credit_line', credit_account => 'alice', amount => 1);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- max_balance
SELECT fintech.transfer(debit_account => 'bank', credit_account => 'capped', amount => 500);
SELECT fintech.transfer(debit_account => 'bank', credit_account => 'capped', amount => 1);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- LD004: currencies differ
SELECT fintech.transfer(debit_account => 'alice', credit_account => 'eur_wallet', amount => 1);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- LD009: unknown account
SELECT fintech.transfer(debit_account => 'alice', credit_account => 'nobody', amount => 1);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- 22023: amounts and codes
SELECT fintech.transfer(debit_account => 'alice', credit_account => 'bob', amount => 0);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.transfer(debit_account => 'alice', credit_account => 'bob', amount => -5);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.transfer(debit_account => 'alice', credit_account => 'bob', amount => NULL);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.transfer(debit_account => NULL, credit_account => 'bob', amount => 1);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.transfer(debit_account => 'alice', credit_account => '', amount => 1);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.transfer(debit_account => 'alice', credit_account => 'bob', amount => 1, metadata => '"x"');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- 22003: overflow of a balance
SELECT fintech.open_account(code => 'pts_source', currency => 'PTS', kind => 'asset', min_balance => NULL);
SELECT fintech.transfer(debit_account => 'pts_source', credit_account => 'points', amount => 9223372036854775807);
SELECT fintech.transfer(debit_account => 'pts_source', credit_account => 'points', amount => 1);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT show('points');

-- ====================================================================
-- post: N legs, legs on the same account, several currencies
-- ====================================================================
SELECT fintech.debit(account => 'alice', amount => 10), fintech.credit(account => 'bob', amount => 10);
SELECT fintech.post(legs => ARRAY[fintech.debit('alice', 100), fintech.credit('bob', 60),
                                  fintech.credit('bob', 30), fintech.credit('fees', 10)],
                    description => 'split', metadata => '{"order": 7}');
SELECT p.leg, a.code, p.amount, p.seq, p.balance_after
  FROM fintech.postings p JOIN fintech.accounts a ON a.id = p.account_id
 WHERE p.entry_id = currval('fintech.entries_id_seq') ORDER BY p.leg;
-- an FX entry: each currency balances on its own
SELECT fintech.transfer(debit_account => 'eur_bank', credit_account => 'eur_wallet', amount => 900);
SELECT fintech.post(legs => ARRAY[fintech.debit('alice', 110), fintech.credit('bank', 110),
                                  fintech.debit('eur_bank', 100), fintech.credit('eur_wallet', 100)],
                    description => 'alice buys EUR 1.00 for USD 1.10');
SELECT show('alice'), show('eur_wallet');
-- LD001: unbalanced, in one currency or another; fewer than 2 legs
SELECT fintech.post(legs => ARRAY[fintech.debit('alice', 100), fintech.credit('bob', 99)]);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.post(legs => ARRAY[fintech.debit('alice', 110), fintech.credit('bank', 110),
                                  fintech.debit('eur_bank', 100), fintech.credit('eur_wallet', 90)]);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.post(legs => ARRAY[fintech.debit('alice', 100), fintech.credit('eur_wallet', 100)]);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.post(legs => ARRAY[fintech.debit('alice', 100)]);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.post(legs => ARRAY[]::fintech.leg[]);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- 22023: bad legs
SELECT fintech.post(legs => NULL);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.post(legs => ARRAY[fintech.debit('alice', 1), NULL]);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.post(legs => ARRAY[fintech.debit('alice', 1), ROW('bob', 'sideways', 1)::fintech.leg]);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.post(legs => ARRAY[fintech.debit('alice', 1), ROW('bob', 'credit', -1)::fintech.leg]);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.debit(account => 'alice', amount => 0);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.credit(account => NULL, amount => 1);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- atomic: one refused leg and nothing is posted
SELECT count(*) AS entries_before FROM fintech.entries \gset
SELECT fintech.post(legs => ARRAY[fintech.debit('bob', 10), fintech.credit('alice', 10),
                                  fintech.debit('alice', 100000), fintech.credit('bob', 100000)]);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT count(*) = :entries_before AS nothing_posted FROM fintech.entries;

-- ====================================================================
-- freeze, unfreeze, close
-- ====================================================================
SELECT fintech.freeze_account(code => 'bob');
SELECT fintech.freeze_account(code => 'bob');   -- no-op
SELECT show('bob');
SELECT fintech.transfer(debit_account => 'alice', credit_account => 'bob', amount => 1);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.transfer(debit_account => 'bob', credit_account => 'alice', amount => 1);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.unfreeze_account(code => 'bob');
SELECT fintech.transfer(debit_account => 'alice', credit_account => 'bob', amount => 1);
SELECT fintech.freeze_account(code => 'nobody');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.unfreeze_account(code => NULL);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- close: only at zero balance (LD002)
SELECT fintech.open_account(code => 'carol', currency => 'USD');
SELECT fintech.transfer(debit_account => 'bank', credit_account => 'carol', amount => 20);
SELECT fintech.close_account(code => 'carol');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.transfer(debit_account => 'carol', credit_account => 'bank', amount => 20);
SELECT fintech.close_account(code => 'carol');
SELECT fintech.close_account(code => 'carol');   -- no-op
SELECT show('carol');
SELECT fintech.transfer(debit_account => 'bank', credit_account => 'carol', amount => 1);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.freeze_account(code => 'carol');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.unfreeze_account(code => 'carol');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.close_account(code => 'nobody');
\echo SQLSTATE :LAST_ERROR_SQLSTATE

-- ====================================================================
-- holds: pending_for, post_pending (full, partial), void_pending, expiry
-- ====================================================================
SELECT show('alice'), show('bob');
SELECT fintech.transfer(debit_account => 'alice', credit_account => 'bob', amount => 200,
                        pending_for => '1 hour', description => 'card auth') AS hold1 \gset
-- reserved at once: available goes down, posted does not
SELECT show('alice'), show('bob');
SELECT type FROM fintech.entries WHERE id = :hold1;
SELECT status, amount, resolved_entry_id FROM fintech.holds WHERE entry_id = :hold1;
-- the hold counts against min_balance for everyone else
SELECT fintech.available_balance('alice') AS alice_available \gset
SELECT fintech.transfer(debit_account => 'alice', credit_account => 'bob', amount => :alice_available + 1);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- and a hold itself is refused past the limit
SELECT fintech.transfer(debit_account => 'alice', credit_account => 'bob', amount => :alice_available + 1,
                        pending_for => '1 hour');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- partial post: 150 of 200, the rest released
SELECT fintech.post_pending(entry_id => :hold1, amount => 150) AS post1 \gset
SELECT show('alice'), show('bob');
SELECT id = :post1 AS is_post, type, related_id = :hold1 AS links_hold, description
  FROM fintech.entries WHERE id = :post1;
SELECT status, amount, resolved_entry_id = :post1 AS resolved_by_post, resolved_amount
  FROM fintech.holds WHERE entry_id = :hold1;
-- each transition once: LD008
SELECT fintech.post_pending(entry_id => :hold1);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.void_pending(entry_id => :hold1);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- full post
SELECT fintech.transfer(debit_account => 'alice', credit_account => 'bob', amount => 50,
                        pending_for => '1 hour') AS hold2 \gset
SELECT fintech.post_pending(entry_id => :hold2) IS NOT NULL AS posted;
SELECT status, resolved_amount FROM fintech.holds WHERE entry_id = :hold2;
-- void
SELECT fintech.transfer(debit_account => 'alice', credit_account => 'bob', amount => 70,
                        pending_for => '1 hour') AS hold3 \gset
SELECT show('alice');
SELECT fintech.void_pending(entry_id => :hold3) AS void3 \gset
SELECT show('alice');
SELECT type, related_id = :hold3 AS links_hold,
       (SELECT count(*) FROM fintech.postings WHERE entry_id = :void3) AS postings
  FROM fintech.entries WHERE id = :void3;
SELECT fintech.post_pending(entry_id => :hold3);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- post amount above the hold: LD008; non-positive: 22023
SELECT fintech.transfer(debit_account => 'alice', credit_account => 'bob', amount => 40,
                        pending_for => '1 hour') AS hold4 \gset
SELECT fintech.post_pending(entry_id => :hold4, amount => 41);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.post_pending(entry_id => :hold4, amount => 0);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.post_pending(entry_id => NULL);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- not a pending entry: LD008; no such entry: LD009
SELECT fintech.post_pending(entry_id => 1);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.void_pending(entry_id => 999999);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- posting a hold is checked like any entry: a frozen account refuses it, a void is allowed
SELECT fintech.freeze_account('bob');
SELECT fintech.post_pending(entry_id => :hold4);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.void_pending(entry_id => :hold4) IS NOT NULL AS voided;
SELECT fintech.unfreeze_account('bob');
-- multi-leg hold: full post only (partial is 22023)
SELECT fintech.post(legs => ARRAY[fintech.debit('alice', 30), fintech.credit('bob', 20), fintech.credit('fees', 10)],
                    pending_for => '1 hour') AS hold5 \gset
SELECT status, amount FROM fintech.holds WHERE entry_id = :hold5;
SELECT fintech.post_pending(entry_id => :hold5, amount => 10);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.post_pending(entry_id => :hold5) IS NOT NULL AS posted;
SELECT show('alice'), show('bob'), show('fees');
-- incoming holds count against max_balance
SELECT show('capped');
SELECT fintech.transfer(debit_account => 'capped', credit_account => 'bob', amount => 100);
SELECT fintech.transfer(debit_account => 'bank', credit_account => 'capped', amount => 60,
                        pending_for => '1 hour') AS hold6 \gset
SELECT fintech.transfer(debit_account => 'bank', credit_account => 'capped', amount => 41);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.transfer(debit_account => 'bank', credit_account => 'capped', amount => 40) IS NOT NULL AS fits;
SELECT fintech.void_pending(:hold6) IS NOT NULL AS voided;
-- pending_for must be positive
SELECT fintech.transfer(debit_account => 'alice', credit_account => 'bob', amount => 1, pending_for => '0 seconds');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.transfer(debit_account => 'alice', credit_account => 'bob', amount => 1, pending_for => '-1 hour');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- expiry: a hold past its deadline stops counting at once and cannot be
-- posted or voided (the worker, in its own database, releases it later;
-- test/t/002_ledger_jobs.pl shows that)
SELECT show('alice');
SELECT fintech.transfer(debit_account => 'alice', credit_account => 'bob', amount => 25,
                        pending_for => '0.5 seconds') AS hold7 \gset
SELECT show('alice');
SELECT pg_sleep(0.6);
SELECT show('alice');
\set VERBOSITY terse
SELECT fintech.post_pending(entry_id => :hold7);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.void_pending(entry_id => :hold7);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
\set VERBOSITY default
SELECT status FROM fintech.holds WHERE entry_id = :hold7;
-- the expired hold does not block spending the money
SELECT fintech.available_balance('alice') AS alice_available \gset
SELECT fintech.transfer(debit_account => 'alice', credit_account => 'bob', amount => :alice_available) IS NOT NULL AS spent_all;
SELECT show('alice');
SELECT fintech.transfer(debit_account => 'bob', credit_account => 'alice', amount => :alice_available) IS NOT NULL AS back;
-- close_account refuses open holds (LD002)
SELECT fintech.open_account(code => 'dave', currency => 'USD');
SELECT fintech.transfer(debit_account => 'bank', credit_account => 'dave', amount => 10, pending_for => '1 hour') AS hold8 \gset
SELECT fintech.close_account('dave');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.void_pending(:hold8) IS NOT NULL AS voided;
SELECT fintech.close_account('dave');

-- ====================================================================
-- reverse
-- ====================================================================
SELECT fintech.transfer(debit_account => 'alice', credit_account => 'bob', amount => 33) AS t33 \gset
SELECT show('alice'), show('bob');
SELECT fintech.reverse(entry_id => :t33, description => 'refund') AS r33 \gset
SELECT show('alice'), show('bob');
SELECT type, related_id = :t33 AS links, description FROM fintech.entries WHERE id = :r33;
SELECT a.code, p.amount FROM fintech.postings p JOIN fintech.accounts a ON a.id = p.account_id
 WHERE p.entry_id = :r33 ORDER BY p.leg;
-- once (LD008); pending, void entries: LD008; unknown: LD009
SELECT fintech.reverse(entry_id => :t33);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.reverse(entry_id => :hold2);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.reverse(entry_id => :void3);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.reverse(entry_id => 999999);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.reverse(entry_id => NULL);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- a reversal is checked like any entry: erin cannot give back money she spent
SELECT fintech.open_account(code => 'erin', currency => 'USD');
SELECT fintech.transfer(debit_account => 'bank', credit_account => 'erin', amount => 10) AS t10 \gset
SELECT fintech.transfer(debit_account => 'erin', credit_account => 'bank', amount => 10);
SELECT fintech.reverse(entry_id => :t10);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- the reversal of a reversal is a new entry, allowed once
SELECT fintech.reverse(entry_id => :r33) IS NOT NULL AS reversed_again;
SELECT show('alice'), show('bob');

-- ====================================================================
-- transfer_batch: one call, each item posted or refused on its own
-- ====================================================================
SELECT * FROM fintech.transfer_batch(
  debit_accounts  => ARRAY['bank', 'alice', 'alice', 'nobody', 'alice', 'bob', NULL, 'bank', 'alice'],
  credit_accounts => ARRAY['alice', 'bob', 'eur_wallet', 'bob', 'bob', 'alice', 'bob', 'capped', 'fees'],
  amounts         => ARRAY[100, 10, 1, 1, 1000000, 5, 1, 1000, 0],
  descriptions    => ARRAY['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'])
  ORDER BY idx;
SELECT description FROM fintech.entries ORDER BY id DESC LIMIT 3;
-- a refused item does not stop the later ones using the same accounts
SELECT idx, entry_id IS NOT NULL AS posted, error FROM fintech.transfer_batch(
  ARRAY['erin', 'bank', 'erin'], ARRAY['bob', 'erin', 'bob'], ARRAY[5, 5, 5]) ORDER BY idx;
SELECT show('erin');
-- frozen account, overflow
SELECT fintech.freeze_account('erin');
SELECT idx, entry_id IS NOT NULL AS posted, error FROM fintech.transfer_batch(
  ARRAY['erin', 'pts_source'], ARRAY['bob', 'points'], ARRAY[1, 5]) ORDER BY idx;
SELECT fintech.unfreeze_account('erin');
-- empty batch, arrays of different lengths, NULL arrays
SELECT count(*) FROM fintech.transfer_batch(ARRAY[]::text[], ARRAY[]::text[], ARRAY[]::bigint[]);
SELECT * FROM fintech.transfer_batch(ARRAY['a', 'b'], ARRAY['c'], ARRAY[1, 2]);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM fintech.transfer_batch(ARRAY['a'], ARRAY['c'], ARRAY[1], descriptions => ARRAY['x', 'y']);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM fintech.transfer_batch(NULL, ARRAY['c'], ARRAY[1]);
\echo SQLSTATE :LAST_ERROR_SQLSTATE

-- ====================================================================
-- balances: balance, available_balance, balance_at
-- ====================================================================
SELECT fintech.balance(account => 'nobody');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.available_balance(account => NULL);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.balance_at(account => 'nobody', at => now());
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.balance_at(account => 'alice', at => NULL);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.open_account(code => 'frank', currency => 'USD');
SELECT fintech.balance_at(account => 'frank', at => 'infinity') AS never_posted;
SELECT fintech.transfer(debit_account => 'bank', credit_account => 'frank', amount => 100);
SELECT clock_timestamp() AS t1 \gset
SELECT pg_sleep(0.01);
SELECT fintech.transfer(debit_account => 'frank', credit_account => 'bob', amount => 30);
SELECT clock_timestamp() AS t2 \gset
SELECT pg_sleep(0.01);
SELECT fintech.transfer(debit_account => 'bank', credit_account => 'frank', amount => 5);
SELECT fintech.balance_at('frank', '-infinity') AS before_all,
       fintech.balance_at('frank', :'t1') AS at_t1,
       fintech.balance_at('frank', :'t2') AS at_t2,
       fintech.balance_at('frank', 'infinity') AS now,
       fintech.balance('frank') AS balance;
-- balance_at of each posting's own stamp is its balance_after
SELECT bool_and(fintech.balance_at(a.code, p.posted_at) = p.balance_after) AS stamps_agree
  FROM fintech.postings p JOIN fintech.accounts a ON a.id = p.account_id
 WHERE a.code = 'frank';
-- balance_at searches the account's history by seq (posted_at does not
-- decrease with it) on the index of (account_id, seq >> 5): each step one
-- index lookup of the posting's bucket of 32, no scan
EXPLAIN (COSTS OFF)
SELECT p.posted_at, p.balance_after FROM fintech.postings p
 WHERE p.account_id = 1 AND (p.seq >> 5) = (2 >> 5) AND p.seq = 2;
-- its first read is the account's last bucket backwards (bounded by a
-- range: "=" would need no order), which meets the newest row first
EXPLAIN (COSTS OFF)
SELECT p.seq, p.posted_at, p.balance_after FROM fintech.postings p
 WHERE p.account_id = 1 AND (p.seq >> 5) >= (40 >> 5) AND (p.seq >> 5) <= (40 >> 5)
   AND p.seq > 31 AND p.seq <= 40
 ORDER BY (p.seq >> 5) DESC;
-- and a statement page is one range of buckets, sorted
EXPLAIN (COSTS OFF)
SELECT p.seq FROM fintech.postings p
 WHERE p.account_id = 1 AND (p.seq >> 5) >= (20 >> 5) AND (p.seq >> 5) <= (70 >> 5)
   AND p.seq > 20 AND p.seq <= 70 ORDER BY p.seq LIMIT 50;

-- ====================================================================
-- immutability: LD007 for everyone, the owner (superuser here) included
-- ====================================================================
UPDATE fintech.entries SET description = 'changed' WHERE id = 1;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
DELETE FROM fintech.entries WHERE id = 1;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
TRUNCATE fintech.entries CASCADE;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
UPDATE fintech.postings SET amount = amount * 2 WHERE entry_id = 1;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
UPDATE fintech.postings SET seq = NULL WHERE entry_id = 1;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
DELETE FROM fintech.postings WHERE entry_id = 1;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
TRUNCATE fintech.postings;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
UPDATE fintech.pending_legs SET amount = 1;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
TRUNCATE fintech.pending_legs;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
DELETE FROM fintech.accounts WHERE code = 'alice';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
TRUNCATE fintech.accounts CASCADE;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
DELETE FROM fintech.holds;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
TRUNCATE fintech.holds;
\echo SQLSTATE :LAST_ERROR_SQLSTATE

-- ====================================================================
-- privileges: an application role (fintech.grant_application) calls the
-- API, reads the tables, writes nothing directly (42501)
-- ====================================================================
CREATE ROLE regress_fintech_app;
SELECT fintech.grant_application('regress_fintech_app');
SET ROLE regress_fintech_app;
SELECT fintech.transfer(debit_account => 'alice', credit_account => 'bob', amount => 1) IS NOT NULL AS app_can_transfer;
SELECT fintech.balance('alice') > 0 AS app_can_read_balance;
SELECT count(*) > 0 AS app_can_read_entries FROM fintech.entries;
INSERT INTO fintech.entries (type) VALUES ('standard');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
INSERT INTO fintech.postings VALUES (1, 9, 1, 1000000, NULL, NULL, NULL);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
UPDATE fintech.accounts SET balance = 1000000 WHERE code = 'alice';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
UPDATE fintech.accounts SET min_balance = NULL WHERE code = 'alice';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
UPDATE fintech.holds SET status = 'posted';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
INSERT INTO fintech.currencies VALUES ('ZZZ', 2);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT nextval('fintech.entries_id_seq');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
RESET ROLE;
-- every API function is SECURITY DEFINER with a fixed search_path
SELECT p.proname, p.prosecdef, p.proconfig
  FROM pg_proc p WHERE p.pronamespace = 'fintech'::regnamespace
   AND p.proname IN ('open_account', 'freeze_account', 'unfreeze_account', 'close_account', 'debit',
                     'credit', 'post', 'transfer', 'transfer_batch', 'post_pending', 'void_pending',
                     'reverse', 'balance', 'available_balance', 'balance_at', 'check_ledger')
 ORDER BY 1;
-- a function named like a pg_catalog one in the caller's path changes nothing
CREATE SCHEMA regress_evil;
CREATE FUNCTION regress_evil.unnest(anyarray) RETURNS SETOF anyelement LANGUAGE sql AS 'SELECT NULL';
SET search_path = regress_evil, public;
SELECT fintech.transfer('alice', 'bob', 1) IS NOT NULL AS posted;
RESET search_path;
DROP SCHEMA regress_evil CASCADE;
SELECT fintech.revoke_all('regress_fintech_app');
DROP ROLE regress_fintech_app;

-- ====================================================================
-- check_ledger: all ok, and it notices what a superuser did behind the
-- triggers' back
-- ====================================================================
SELECT * FROM fintech.check_ledger();
SELECT sum(balance) FILTER (WHERE kind IN ('asset', 'expense'))
     - sum(balance) FILTER (WHERE kind NOT IN ('asset', 'expense')) AS assets_minus_rest
  FROM fintech.accounts WHERE currency = 'USD';
BEGIN;
SET LOCAL session_replication_role = replica;
UPDATE fintech.postings SET amount = amount + 1 WHERE entry_id = 1 AND leg = 1;
UPDATE fintech.accounts SET balance = balance + 7 WHERE code = 'bob';
UPDATE fintech.accounts SET min_balance = 1000000000 WHERE code = 'alice';
UPDATE fintech.accounts SET status = 'lost' WHERE code = 'carol';
UPDATE fintech.holds SET status = 'open', resolved_entry_id = NULL WHERE entry_id = :hold3;
SELECT check_name, ok FROM fintech.check_ledger();
SELECT detail FROM fintech.check_ledger() WHERE check_name = 'balances equal postings';
ROLLBACK;
SELECT bool_and(ok) AS all_ok FROM fintech.check_ledger();

DROP FUNCTION show(text);
