/*
 * fintech 0.3.0 -> 0.4.0: hardening (ALTER EXTENSION fintech UPDATE).
 *
 * There is no full install script for 0.4.0: CREATE EXTENSION fintech runs
 * fintech--0.3.0.sql and then this file, so a fresh install and an update
 * from any earlier version end in the same objects (the way
 * pg_stat_statements ships a frozen base script plus upgrades).
 */
\echo Use "ALTER EXTENSION fintech UPDATE TO '0.4.0'" to load this file. \quit

/* ------------------------------------------------------------------------
 * Ledger bounds
 * ------------------------------------------------------------------------ */

/* ------------------------------------------------------------------------
 * Screening bounds
 * ------------------------------------------------------------------------ */

-- Names are at most 1,000 characters from 0.4.0 on (the C code): a longer
-- name to screen is 22023 and a load with a longer listed name is refused.
-- Names stored before are kept; say which ones are matched on their first
-- 1,000 characters only (listed names, until their list is loaded again;
-- parties, at every rescreening, with a WARNING).
DO $$
DECLARE
  listed pg_catalog.int8;
  parties pg_catalog.int8;
BEGIN
  SELECT pg_catalog.count(*) INTO listed FROM fintech.sanctions_names
   WHERE pg_catalog.char_length(name) OPERATOR(pg_catalog.>) 1000;
  SELECT pg_catalog.count(*) INTO parties FROM fintech.parties
   WHERE pg_catalog.char_length(name) OPERATOR(pg_catalog.>) 1000;
  IF listed OPERATOR(pg_catalog.>) 0 THEN
    RAISE WARNING '% listed name(s) are longer than 1000 characters: they are matched on their first 1000', listed
      USING HINT = 'Load their lists again: from 0.4.0 on a load refuses such names, naming the line.';
  END IF;
  IF parties OPERATOR(pg_catalog.>) 0 THEN
    RAISE WARNING '% party name(s) are longer than 1000 characters: they are rescreened on their first 1000', parties;
  END IF;
END
$$;

/* ------------------------------------------------------------------------
 * Audit sealing and lock order
 * ------------------------------------------------------------------------ */

/* ------------------------------------------------------------------------
 * Privileges: least by default, separation of duties (keep this section
 * last: it revokes from PUBLIC everything defined above)
 * ------------------------------------------------------------------------ */
