-- test/bench/screening/heldout/heldout.sql -- the held-out cross-script and
-- pair cases (README.md here): each pair (query, listed) of pairs.csv and
-- of crossscript_un_alias.csv is loaded as two stand-in lists, HO-A (the
-- first name of the pair) and HO-B (the second), inside one transaction
-- that is rolled back at the end (screen_name then builds a private index
-- for it).  A "match" pair counts as found when the query finds the other
-- side's entity among screen_name's first 50 rows at min_score (default
-- 0.85), in both directions (the results pass through the file :scratch,
-- default /tmp/fintech_heldout_result.csv, across the rollback); a "nomatch" pair is right when neither
-- direction finds it.  Run as a superuser, in a database holding the full
-- lists (SDN, UN).  Prints Markdown-ish tables.
--
--   cd test/bench/screening/heldout && psql -X -f heldout.sql [-v min_score=0.85]
--
-- -v pairs=FILE and -v aliases=FILE name other files of the same columns
-- (../heldout2 and ../heldout3 run it with their own pairs.csv and
-- aliases=/dev/null: none).
\set QUIET on
\set ON_ERROR_STOP on
\if :{?min_score} \else \set min_score 0.85 \endif
\if :{?scratch} \else \set scratch /tmp/fintech_heldout_result.csv \endif
\if :{?pairs} \else \set pairs pairs.csv \endif
\if :{?aliases} \else \set aliases crossscript_un_alias.csv \endif
CREATE TEMP TABLE ho (ref text, a text, b text, expect text, kind text, src text);
CREATE TEMP TABLE ho_pairs (ref text, query text, listed text, expect text, kind text);
CREATE TEMP TABLE ho_alias (ref text, latin text, original text, script text);
\set copy_pairs '\\copy ho_pairs FROM ' :'pairs' ' WITH (FORMAT csv, HEADER)'
\set copy_alias '\\copy ho_alias FROM ' :'aliases' ' WITH (FORMAT csv, HEADER)'
:copy_pairs
:copy_alias
INSERT INTO ho SELECT ref, query, listed, expect, kind, 'pairs' FROM ho_pairs;
INSERT INTO ho SELECT ref, original, latin, 'match', script, 'un-alias' FROM ho_alias;
CREATE TEMP TABLE ho_result (src text, kind text, expect text, direction text,
                             ref text, query text, found bool);
BEGIN;
INSERT INTO fintech.sanctions_lists (list, version, generation, entities, names, source_hash)
SELECT l, 1, nextval('fintech.sanctions_generation'), 0, 0, '\x00'::bytea
  FROM unnest(ARRAY['HO-A', 'HO-B']) AS l;
INSERT INTO fintech.sanctions_entities (list, source_uid, name, kind, version)
SELECT 'HO-A', ref, a, 'individual', 1 FROM ho
UNION ALL
SELECT 'HO-B', ref, b, 'individual', 1 FROM ho;
INSERT INTO fintech.sanctions_names (entity_id, list, name, name_type)
SELECT id, list, name, 'primary' FROM fintech.sanctions_entities WHERE list IN ('HO-A', 'HO-B');
CREATE TEMP TABLE ho_found AS
SELECT h.src, h.kind, h.expect, 'a -> b' AS direction, h.ref, h.a AS query,
       EXISTS (SELECT 1 FROM fintech.screen_name(h.a, :min_score, 50) s
                WHERE s.list = 'HO-B' AND s.source_uid = h.ref) AS found
  FROM ho h
UNION ALL
SELECT h.src, h.kind, h.expect, 'b -> a', h.ref, h.b,
       EXISTS (SELECT 1 FROM fintech.screen_name(h.b, :min_score, 50) s
                WHERE s.list = 'HO-A' AND s.source_uid = h.ref)
  FROM ho h;
\set copy_out '\\copy ho_found TO ' :'scratch' ' WITH (FORMAT csv)'
\set copy_in '\\copy ho_result FROM ' :'scratch' ' WITH (FORMAT csv)'
:copy_out
ROLLBACK;
:copy_in
\pset format aligned
\pset footer off
SELECT src, expect, kind, count(*) AS cases,
       sum((found = (expect = 'match'))::int) AS right,
       round(100.0 * avg((found = (expect = 'match'))::int), 1) AS "right %"
  FROM ho_result GROUP BY ROLLUP (src, expect, kind) ORDER BY src NULLS LAST, expect NULLS LAST, kind NULLS LAST;
\if :{?show}
SELECT src, kind, expect, direction, ref, query FROM ho_result
 WHERE found <> (expect = 'match') ORDER BY src, kind, ref, direction;
\endif
