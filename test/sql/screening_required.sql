-- screening_required: screening fails closed (55000 while no list is
-- loaded, fintech.screening_required turns that off, superuser only);
-- stale lists (fintech.sanctions_max_age, screening_status's age and
-- stale); a party's country (ISO alpha-2, 22023 otherwise) and birth date,
-- which create_party and rescreening pass to the screening.
\set VERBOSITY default
\set ON_ERROR_ROLLBACK on

-- ====================================================================
-- fail-closed: a new database, where no list is loaded yet
-- ====================================================================
CREATE ROLE regress_required_app;
CREATE DATABASE regress_fintech_required;
\c regress_fintech_required
SET client_min_messages = warning;
CREATE EXTENSION fintech CASCADE;
RESET client_min_messages;
SHOW fintech.screening_required;
SELECT * FROM fintech.screen_name('Nicolas Maduro');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.create_party('Nicolas Maduro');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.rescreen_parties();
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT count(*) AS parties FROM fintech.parties;
-- argument errors come first
SELECT fintech.create_party(NULL);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.create_party('Nicolas Maduro', country => 'Venezuela');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM fintech.screen_name('Nicolas Maduro', min_score => 2);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- only a superuser turns it off
SET ROLE regress_required_app;
SET fintech.screening_required = off;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
RESET ROLE;
-- off: a platform that does not screen; parties are created clear
SET fintech.screening_required = off;
SELECT count(*) AS matches FROM fintech.screen_name('Nicolas Maduro');
SELECT fintech.create_party('Nicolas Maduro') AS unscreened \gset
SELECT name, status FROM fintech.parties WHERE id = :unscreened;
SELECT fintech.rescreen_parties() AS alerts;
RESET fintech.screening_required;
-- a list loaded: screening works, and the party is due for rescreening
SELECT fintech.load_sanctions_ofac(
  E'1,"MADURO MOROS, Nicolas",individual,"T",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n') AS listed;
SELECT count(*) AS matches FROM fintech.screen_name('Nicolas Maduro');
SELECT fintech.rescreen_parties() AS alerts;
SELECT name, status FROM fintech.parties WHERE id = :unscreened;
\c contrib_regression
DROP DATABASE regress_fintech_required;

-- with lists loaded (the earlier tests'): screening works as before
SELECT count(*) > 0 AS matches FROM fintech.screen_name('Nicolas Maduro');

-- ====================================================================
-- stale lists: fintech.sanctions_max_age
-- ====================================================================
SHOW fintech.sanctions_max_age;
SELECT list, stale, age >= '0' AND age < '1 hour' AS age_is_recent
  FROM fintech.screening_status WHERE list IN ('OFAC-SDN', 'UN-SC') ORDER BY list;
SET fintech.sanctions_max_age = '0';
SELECT list, stale FROM fintech.screening_status WHERE list IN ('OFAC-SDN', 'UN-SC') ORDER BY list;
SET fintech.sanctions_max_age = '1 year';
SELECT bool_or(stale) AS any_stale FROM fintech.screening_status;
SET fintech.sanctions_max_age = 'a fortnight';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SET fintech.sanctions_max_age = '-1 day';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SET ROLE regress_required_app;
SET fintech.sanctions_max_age = '30 days';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
RESET ROLE;
RESET fintech.sanctions_max_age;
-- a list loaded 9 days ago is stale by default
BEGIN;
UPDATE fintech.sanctions_lists SET loaded_at = now() - interval '9 days' WHERE list = 'UN-SC';
SELECT list, stale, age >= '9 days' AS nine_days FROM fintech.screening_status WHERE list IN ('OFAC-SDN', 'UN-SC') ORDER BY list;
ROLLBACK;

-- ====================================================================
-- a party's country and birth date
-- ====================================================================
SELECT fintech.create_party('Ottilie Brandvold', country => 'no', birth_date => '1984-02-29',
                            external_ref => 'regress-req-1') AS ottilie \gset
SELECT name, country, kind, birth_date, status FROM fintech.parties WHERE id = :ottilie;
SELECT fintech.create_party('Ottilie Brandvold', country => 'Norway');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.create_party('Ottilie Brandvold', country => 'XX');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.create_party('Ottilie Brandvold', country => 'NOR');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.create_party('Ottilie Brandvold', country => 'xk') > 0 AS kosovo;
-- the old signature's calls still work (birth_date last, defaulted)
SELECT fintech.create_party('Ottilie Brandvold Jr', 'SE', 'individual', 'regress-req-2') > 0 AS created;
SELECT country, birth_date IS NULL AS no_birth_date FROM fintech.parties WHERE external_ref = 'regress-req-2';
-- rescreening reads them (a country written before 0.6.0 that is no code is left out)
UPDATE fintech.parties SET country = 'Sweden' WHERE external_ref = 'regress-req-2';
SELECT fintech.rescreen_parties() >= 0 AS rescreened;

DROP ROLE regress_required_app;
