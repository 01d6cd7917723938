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

/* ------------------------------------------------------------------------
 * Audit sealing and lock order
 * ------------------------------------------------------------------------ */
-- No SQL changes: sealing and verification are bounded by bytes and the
-- global lock order is followed inside the C functions (seal_audit,
-- verify_audit, verify_audit_digest, resolve_alert, rescreen_parties keep
-- their signatures); worker_status shows a job's note in its detail.

/* ------------------------------------------------------------------------
 * Privileges: least by default, separation of duties (keep this section
 * last: it revokes from PUBLIC everything defined above)
 * ------------------------------------------------------------------------ */
