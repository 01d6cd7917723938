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
