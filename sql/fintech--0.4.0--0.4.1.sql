/*
 * fintech 0.4.0 -> 0.4.1: a fix of the 0.3.0 -> 0.4.0 update (ALTER
 * EXTENSION fintech UPDATE).  Released: never edited again.
 *
 * The bug: GRANT and REVOKE in an extension script are recorded as the
 * objects' initial privileges (pg_init_privs), and pg_dump leaves initial
 * privileges out.  The 0.4.0 update's REVOKE ALL ON SCHEMA fintech FROM
 * PUBLIC ran while roles held USAGE on the schema (granted by hand before
 * 0.4.0, and again by the update itself to each role it kept), so their
 * USAGE became part of the schema's initial privileges; that update reset
 * the initial privileges of the extension's members only, and the schema
 * is not a member.  A dump of an updated database therefore had no GRANT
 * USAGE ON SCHEMA fintech for those roles, and after a restore they could
 * not use the schema (their rights on the functions and tables were kept).
 *
 * The fix: the schema's initial privileges become what a fresh install
 * records, the schema owner's entries alone; the roles' USAGE stays in
 * the schema's ACL, where pg_dump sees it.  Nothing else changes.  On a
 * database installed fresh at 0.4.0 (or updated from 0.3.0 with no role
 * holding USAGE) this finds nothing to take away.  sql/fintech.sql does
 * the same after its REVOKE, for a schema that existed, with grants, before
 * CREATE EXTENSION.
 */
\echo Use "ALTER EXTENSION fintech UPDATE TO '0.4.1'" to load this file. \quit

SET LOCAL search_path = pg_catalog, pg_temp;

UPDATE pg_catalog.pg_init_privs i
   SET initprivs = ARRAY(SELECT x FROM pg_catalog.unnest(i.initprivs) AS x
                          WHERE (SELECT a.grantee FROM pg_catalog.aclexplode(ARRAY[x]) AS a LIMIT 1)
                                OPERATOR(pg_catalog.=) n.nspowner)
  FROM pg_catalog.pg_namespace n
 WHERE n.nspname = 'fintech'
   AND i.classoid = 'pg_catalog.pg_namespace'::pg_catalog.regclass AND i.objoid = n.oid
   AND i.objsubid = 0 AND i.privtype = 'e';
