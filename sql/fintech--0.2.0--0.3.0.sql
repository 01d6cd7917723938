/*
 * fintech 0.2.0 -> 0.3.0: what 0.3.0 changes (ALTER EXTENSION fintech UPDATE).
 */
\echo Use "ALTER EXTENSION fintech UPDATE TO '0.3.0'" to load this file. \quit

/* ------------------------------------------------------------------------
 * 0.3.0: fintech.audit_log leaves room on each page for the sealed version
 * of its rows, so that sealing writes only the changed bytes to WAL.  Pages
 * filled before the update keep their rows; new pages get the room.
 * ------------------------------------------------------------------------ */

ALTER TABLE fintech.audit_log SET (fillfactor = 40);
