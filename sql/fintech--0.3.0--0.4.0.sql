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

/*
 * From 0.4.0 account codes are NFC-normalised and may not hold control or
 * format characters (Unicode Cc, Cf): every function normalises the code it
 * is given before looking it up.  Codes stored before are not rewritten (a
 * code is an external key the application and other systems hold): an
 * account whose stored code is not NFC, or holds such a character, can no
 * longer be reached by code: say so (a WARNING with their number).
 */
DO $fintech_ledger_codes$
DECLARE
  n pg_catalog.int8;
BEGIN
  IF pg_catalog.getdatabaseencoding() OPERATOR(pg_catalog.=) 'UTF8' THEN
    EXECUTE $q$SELECT pg_catalog.count(*) FROM fintech.accounts
                WHERE code IS NOT NFC NORMALIZED
                   OR code OPERATOR(pg_catalog.~) E'[\\x01-\\x1f\\x7f-\\x9f\\u00ad\\u0600-\\u0605\\u061c\\u06dd\\u070f\\u0890\\u0891\\u08e2\\u180e\\u200b-\\u200f\\u202a-\\u202e\\u2060-\\u2064\\u2066-\\u206f\\ufeff\\ufff9-\\ufffb\\U000110bd\\U000110cd\\U00013430-\\U0001343f\\U0001bca0-\\U0001bca3\\U0001d173-\\U0001d17a\\U000e0001\\U000e0020-\\U000e007f]'$q$
      INTO n;
    IF n OPERATOR(pg_catalog.>) 0 THEN
      RAISE WARNING 'fintech: % account code(s) are not in Unicode NFC or contain control or format characters; from 0.4.0 they cannot be looked up by code', n
        USING HINT = 'They are the accounts whose code IS NOT NFC NORMALIZED or holds a character of Unicode category Cc or Cf; they stay readable by id.';
    END IF;
  END IF;
END
$fintech_ledger_codes$;

/* ------------------------------------------------------------------------
 * Screening bounds
 * ------------------------------------------------------------------------ */

/* ------------------------------------------------------------------------
 * Audit sealing and lock order
 * ------------------------------------------------------------------------ */

/* ------------------------------------------------------------------------
 * Privileges: least by default, separation of duties (keep this section
 * last: it revokes from PUBLIC everything defined above)
 * ------------------------------------------------------------------------ */
