-- audit_tree: the Merkle tree's SQL functions (RFC 9162 §2.1) at their
-- edges: every refusal and its SQLSTATE (22023; XX001 for a damaged tree;
-- 42501), NULL arguments, the empty log, old_size = new_size, the sizes of
-- proofs, who may call them.
-- (test/t/017_merkle.pl checks the hashes and paths themselves against an
-- independent RFC 9162 implementation and the published test vectors.)
-- It runs in a database of its own, so that the log holds exactly the rows
-- made here.
\set VERBOSITY default
\set regress_db :DBNAME
CREATE DATABASE regress_audit_tree;
\c regress_audit_tree
SET client_min_messages = warning;
CREATE EXTENSION pgcrypto;
CREATE EXTENSION fintech;
RESET client_min_messages;
\set VERBOSITY default

-- ====================================================================
-- the empty log: the root of the empty tree is SHA-256 of ''
-- ====================================================================
SELECT fintech.seal_audit() AS sealed;
SELECT count(*) AS log_rows FROM fintech.audit_log;
SELECT tree_size, root_hash = digest('', 'sha256') AS sha256_of_empty FROM fintech.audit_root();
SELECT tree_size, root_hash = digest('', 'sha256') AS sha256_of_empty FROM fintech.audit_root(NULL);
SELECT seq, chain_hash = digest('', 'sha256') AS sha256_of_empty FROM fintech.audit_digest();
SELECT * FROM fintech.audit_root(1);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM fintech.audit_inclusion_proof(1);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM fintech.audit_consistency_proof(1);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.audit_leaf_data(1);
\echo SQLSTATE :LAST_ERROR_SQLSTATE

-- ====================================================================
-- a log of 5 leaves
-- ====================================================================
CREATE TABLE regress_tree (k int PRIMARY KEY, v text);
SELECT fintech.audit_table('regress_tree');
INSERT INTO regress_tree SELECT g, 'v' || g FROM generate_series(1, 5) g;
SELECT fintech.seal_audit() AS sealed;
SELECT tree_size FROM fintech.audit_root();
SELECT seq, (SELECT root_hash FROM fintech.audit_root()) = chain_hash AS digest_is_root FROM fintech.audit_digest();

-- leaf i is the row with seq = i + 1; leaf hash = SHA-256(0x00 || leaf data),
-- node = SHA-256(0x01 || left || right), split at the largest power of two
-- below n: the roots of sizes 1, 2, 3 by hand
CREATE TEMP TABLE lh AS
  SELECT s AS seq, digest('\x00'::bytea || fintech.audit_leaf_data(s), 'sha256') AS h
    FROM generate_series(1, 5) s;
SELECT (SELECT root_hash FROM fintech.audit_root(1)) = (SELECT h FROM lh WHERE seq = 1) AS root1,
       (SELECT root_hash FROM fintech.audit_root(2))
         = digest('\x01'::bytea || (SELECT h FROM lh WHERE seq = 1) || (SELECT h FROM lh WHERE seq = 2), 'sha256') AS root2,
       (SELECT root_hash FROM fintech.audit_root(3))
         = digest('\x01'::bytea || (SELECT root_hash FROM fintech.audit_root(2)) || (SELECT h FROM lh WHERE seq = 3), 'sha256') AS root3;
-- every proof: its size (RFC 9162: PATH(m, D[5]) has 3 hashes for m < 4, 1 for
-- m = 4; PROOF(m, D[5])) and leaf_hash
SELECT p.seq, p.tree_size, cardinality(p.path) AS hashes, p.leaf_hash = lh.h AS leaf_hash_ok,
       p.path[cardinality(p.path)] = CASE WHEN s < 5 THEN lh5.h ELSE r4.root_hash END AS last_is_top_sibling
  FROM generate_series(1, 5) s, fintech.audit_inclusion_proof(s, 5) p
  JOIN lh ON lh.seq = p.seq, lh lh5, fintech.audit_root(4) r4
 WHERE lh5.seq = 5 ORDER BY s;
SELECT p.old_size, p.new_size, cardinality(p.path) AS hashes
  FROM generate_series(1, 5) o, fintech.audit_consistency_proof(o, 5) p ORDER BY o;
-- old_size = new_size: the empty path
SELECT old_size, new_size, path = '{}' AS empty_path FROM fintech.audit_consistency_proof(3, 3);
SELECT old_size, new_size, path = '{}' AS empty_path FROM fintech.audit_consistency_proof(5);
-- the defaults: the current tree
SELECT seq, tree_size, cardinality(path) AS hashes FROM fintech.audit_inclusion_proof(2);
SELECT old_size, new_size, cardinality(path) AS hashes FROM fintech.audit_consistency_proof(2);
SELECT seq, tree_size FROM fintech.audit_inclusion_proof(seq => 4, tree_size => NULL);
SELECT old_size, new_size FROM fintech.audit_consistency_proof(old_size => 4, new_size => NULL);

-- ====================================================================
-- refusals: seq or size outside 1..sealed, old_size > new_size: 22023
-- ====================================================================
SELECT * FROM fintech.audit_root(0);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM fintech.audit_root(6);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM fintech.audit_root(-1);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM fintech.audit_inclusion_proof(0);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM fintech.audit_inclusion_proof(6);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM fintech.audit_inclusion_proof(4, 3);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM fintech.audit_inclusion_proof(1, 6);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM fintech.audit_inclusion_proof(1, 0);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM fintech.audit_inclusion_proof(-1, 5);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM fintech.audit_consistency_proof(0, 5);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM fintech.audit_consistency_proof(0, 0);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM fintech.audit_consistency_proof(4, 3);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM fintech.audit_consistency_proof(3, 6);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM fintech.audit_consistency_proof(6);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM fintech.audit_consistency_proof(-2, 3);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.audit_leaf_data(0);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.audit_leaf_data(6);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- NULL where a number is needed
SELECT * FROM fintech.audit_inclusion_proof(NULL);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM fintech.audit_inclusion_proof(NULL, 5);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM fintech.audit_consistency_proof(NULL);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM fintech.audit_consistency_proof(NULL, 5);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.audit_leaf_data(NULL);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- digests: the root of that size, nothing else
SELECT fintech.verify_audit_digest(3, (SELECT root_hash FROM fintech.audit_root(3))) AS root3_at_3,
       fintech.verify_audit_digest(4, (SELECT root_hash FROM fintech.audit_root(3))) AS root3_at_4,
       fintech.verify_audit_digest(5, digest('', 'sha256')) AS empty_at_5;
SELECT fintech.verify_audit_digest(6, (SELECT root_hash FROM fintech.audit_root(5))) AS beyond_the_head,
       fintech.verify_audit_digest(0, digest('', 'sha256')) AS empty_at_0;
SELECT fintech.verify_audit_digest(NULL, (SELECT root_hash FROM fintech.audit_root(5))) AS null_seq;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.verify_audit_digest(5, NULL) AS null_hash;
\echo SQLSTATE :LAST_ERROR_SQLSTATE

-- ====================================================================
-- XX001: a tree whose rows were removed or whose stored hashes were
-- cleared behind the triggers' back (rolled back each time)
-- ====================================================================
BEGIN;
SET LOCAL session_replication_role = replica;
DELETE FROM fintech.audit_log WHERE seq = 3;
SELECT seq, tree_size FROM fintech.audit_inclusion_proof(3, 5);
ROLLBACK;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
BEGIN;
SET LOCAL session_replication_role = replica;
DELETE FROM fintech.audit_log WHERE seq = 3;
SELECT octet_length(fintech.audit_leaf_data(3));
ROLLBACK;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
BEGIN;
SET LOCAL session_replication_role = replica;
UPDATE fintech.audit_log SET row_hash = NULL WHERE seq = 2;
SELECT tree_size FROM fintech.audit_root(5);
ROLLBACK;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
BEGIN;
SET LOCAL session_replication_role = replica;
UPDATE fintech.audit_log SET row_hash = NULL WHERE seq = 2;
SELECT old_size, new_size FROM fintech.audit_consistency_proof(1, 5);
ROLLBACK;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- untouched, it all works again
SELECT tree_size FROM fintech.audit_root(5);

-- ====================================================================
-- who: the auditor duty; anyone else 42501
-- ====================================================================
CREATE ROLE regress_tree_auditor;
CREATE ROLE regress_tree_app;
SELECT fintech.grant_auditor('regress_tree_auditor');
SELECT fintech.grant_application('regress_tree_app');
SET ROLE regress_tree_auditor;
SELECT tree_size FROM fintech.audit_root();
SELECT seq, cardinality(path) AS hashes FROM fintech.audit_inclusion_proof(1, 5);
SELECT old_size, cardinality(path) AS hashes FROM fintech.audit_consistency_proof(1, 5);
SELECT octet_length(fintech.audit_leaf_data(1)) > 0 AS has_leaf_data;
SELECT seq FROM fintech.audit_digest();
RESET ROLE;
SET ROLE regress_tree_app;
SELECT * FROM fintech.audit_root();
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM fintech.audit_inclusion_proof(1, 5);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM fintech.audit_consistency_proof(1, 5);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.audit_leaf_data(1);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM fintech.audit_digest();
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.verify_audit_digest(1, '\x00');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
RESET ROLE;
SELECT fintech.revoke_all('regress_tree_auditor');
SELECT fintech.revoke_all('regress_tree_app');
DROP ROLE regress_tree_auditor, regress_tree_app;

\c :regress_db
DROP DATABASE regress_audit_tree;
