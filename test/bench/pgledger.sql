-- test/bench/pgledger.sql — the peer: pgledger's pgledger_create_transfer
-- (https://github.com/pgr0ss/pgledger, installed by run.sh into the schema
-- "pgledger") of 1 between two different random wallets of 10,000, one call
-- per transaction; the wallets' ids are looked up in the same statement
-- (run.sh runs it with search_path = pgledger, public, as pgledger expects)
\set a random(1, 10000)
\set b 1 + (:a + random(0, 9998)) % 10000
SELECT id FROM pgledger_create_transfer((SELECT id FROM bench_ids WHERE i = :a),
                                        (SELECT id FROM bench_ids WHERE i = :b), 1);
