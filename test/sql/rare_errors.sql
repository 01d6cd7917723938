-- rare_errors: refusals that only a superuser's DDL can provoke (a C
-- function declared with the wrong type, a table of the extension renamed,
-- a rule or trigger added to one): each has its SQLSTATE and message.
-- Every change is rolled back.
\set VERBOSITY default

-- 42804: debit() and credit() declared to return something else than fintech.leg
CREATE FUNCTION regress_bad_debit(account text, amount bigint) RETURNS text
  LANGUAGE c AS '$libdir/fintech', 'fintech_debit';
CREATE FUNCTION regress_bad_credit(account text, amount bigint) RETURNS int
  LANGUAGE c AS '$libdir/fintech', 'fintech_credit';
SELECT regress_bad_debit('cash', 10);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT regress_bad_credit('cash', 10);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- declared right (as fintech.leg), the same C functions work
CREATE FUNCTION regress_good_debit(account text, amount bigint) RETURNS fintech.leg
  LANGUAGE c AS '$libdir/fintech', 'fintech_debit';
SELECT * FROM regress_good_debit('cash', 10);
DROP FUNCTION regress_bad_debit(text, bigint), regress_bad_credit(text, bigint),
  regress_good_debit(text, bigint);

-- 42P01: fintech.sanctions_lists renamed: a load cannot take its lock
BEGIN;
ALTER TABLE fintech.sanctions_lists RENAME TO sanctions_lists_elsewhere;
SELECT fintech.load_sanctions_ofac(E'1,"X",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ',
                                   list => 'REGRESS-RARE');
ROLLBACK;
\echo SQLSTATE :LAST_ERROR_SQLSTATE

-- 55000: a trigger or rule that changes what a load writes
CREATE FUNCTION regress_skip_row() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;
BEGIN;
CREATE TRIGGER regress_skip BEFORE INSERT ON fintech.sanctions_names
  FOR EACH ROW EXECUTE FUNCTION regress_skip_row();
SELECT fintech.load_sanctions_ofac(E'1,"X",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ',
                                   list => 'REGRESS-RARE');
ROLLBACK;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
BEGIN;
CREATE TRIGGER regress_skip BEFORE INSERT OR UPDATE ON fintech.sanctions_lists
  FOR EACH ROW EXECUTE FUNCTION regress_skip_row();
SELECT fintech.load_sanctions_ofac(E'1,"X",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ',
                                   list => 'REGRESS-RARE');
ROLLBACK;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
DROP FUNCTION regress_skip_row();
-- a rule, last and followed by a new session: after a load ran with the DO
-- INSTEAD NOTHING rule, this backend's saved plan keeps the rule's rewrite
-- even once the rule is rolled back (the rewritten statement no longer
-- names the table, so the plan cache does not drop it); a new backend
-- plans afresh
BEGIN;
CREATE RULE regress_swallow AS ON INSERT TO fintech.sanctions_entities DO INSTEAD NOTHING;
SELECT fintech.load_sanctions_ofac(E'1,"X",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ',
                                   list => 'REGRESS-RARE');
ROLLBACK;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
\c -
-- without them the same load works (and is rolled back)
BEGIN;
SELECT fintech.load_sanctions_ofac(E'1,"X",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ',
                                   list => 'REGRESS-RARE') AS listed;
ROLLBACK;

-- XX001: a hole in an account's history (a posting deleted with the
-- immutability trigger off, which check_ledger() reports): balance_at and
-- a statement's time window, which binary-search the history by seq, name
-- the account and the missing seq instead of answering wrong
BEGIN;
SELECT fintech.open_account('rare_hole', 'USD', kind => 'asset', min_balance => NULL) > 0 AS opened,
       fintech.open_account('rare_hole_b', 'USD') > 0 AS opened_b;
SELECT count(fintech.transfer('rare_hole', 'rare_hole_b', 1)) AS transfers FROM generate_series(1, 3);
SELECT min(p.posted_at) AS rare_t1, max(p.posted_at) AS rare_t3, count(DISTINCT p.posted_at) AS stamps
  FROM fintech.postings p JOIN fintech.accounts a ON a.id = p.account_id
 WHERE a.code = 'rare_hole' \gset
\echo :stamps distinct stamps
SELECT fintech.balance_at('rare_hole', :'rare_t1') AS at_first;
SET LOCAL session_replication_role = replica;
DELETE FROM fintech.postings p USING fintech.accounts a
 WHERE a.id = p.account_id AND a.code = 'rare_hole' AND p.seq = 2;
SET LOCAL session_replication_role = origin;
SAVEPOINT s;
SELECT fintech.balance_at('rare_hole', :'rare_t1');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
ROLLBACK TO s;
SELECT count(*) FROM fintech.statement('rare_hole', from_time => :'rare_t3');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
ROLLBACK;
