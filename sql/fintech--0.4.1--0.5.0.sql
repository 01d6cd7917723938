/*
 * fintech 0.4.1 -> 0.5.0: the verifiable log (audit trail v2) and erasure
 * of personal data.  Released: never edited again once 0.5.0 ships.
 *
 * See docs/audit.md: the sealed audit rows become the leaves of an RFC 9162
 * Merkle tree; the rows sealed before this update (the hash chain of
 * 0.3.0 to 0.4.1) are its first leaves, and their chain digests keep
 * verifying.
 */
\echo Use "ALTER EXTENSION fintech UPDATE TO '0.5.0'" to load this file. \quit

SET LOCAL search_path = pg_catalog, pg_temp;
