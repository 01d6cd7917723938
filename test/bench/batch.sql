-- test/bench/batch.sql — one fintech.transfer_batch of 1,000 transfers of 1
-- between random wallets (the arrays are built in SQL); run.sh reports
-- transfers/s = tps x 1000.  Refused items (none expected) are not counted
-- as transfers by this query; run.sh checks the entries afterwards.
SELECT count(*) FILTER (WHERE t.error IS NULL) AS ok
  FROM (SELECT array_agg('w' || (1 + floor(random() * 10000))::int) d,
               array_agg('w' || (1 + floor(random() * 10000))::int) c,
               array_agg(1::bigint) a
          FROM generate_series(1, 1000)) s,
       fintech.transfer_batch(debit_accounts => s.d, credit_accounts => s.c, amounts => s.a) t;
