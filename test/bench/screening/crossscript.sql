-- test/bench/screening/crossscript.sql — cross-script matching quality of
-- screen_name: each pair of crossscript_un.csv (the UN list's entries with
-- an original-script name) and crossscript_curated.csv (public names in
-- Greek, Hebrew, Chinese, Japanese kana, Korean, Thai) is loaded as two
-- stand-in lists, XS-LATIN (the Latin name) and XS-ORIG (the original
-- script); then each original-script name must find its XS-LATIN entity,
-- and each Latin name its XS-ORIG entity, at min_score (default 0.85),
-- among screen_name's first 50 rows.  Run as a superuser in a scratch
-- database (it writes the sanctions tables directly; roll back or drop the
-- database after); the full OFAC list loaded beside it makes the test
-- realistic (rarity of tokens, competing names).  Prints Markdown.
--
--   psql -X -v min_score=0.85 -f crossscript.sql [-v misses=1] [-v dev=1]
--
-- -v dev=1 runs the development set crossscript_dev.csv instead (Thai and
-- Hebrew names, session 11; Korean, session 12; Greek and more Thai, session
-- 14; more Hebrew, Arabic, Persian, Chinese and Japanese, session 15;
-- README.md), as the lists XSD-LATIN and XSD-ORIG:
-- run it after the other evaluations of a database, whose clean names its
-- lists would otherwise meet.
\set QUIET on
\set ON_ERROR_STOP on
\if :{?min_score} \else \set min_score 0.85 \endif
CREATE TEMP TABLE xs (ref text, latin text, original text, script text);
\if :{?dev}
\set latin_list XSD-LATIN
\set orig_list XSD-ORIG
\copy xs FROM 'crossscript_dev.csv' WITH (FORMAT csv, HEADER)
\else
\set latin_list XS-LATIN
\set orig_list XS-ORIG
\copy xs FROM 'crossscript_un.csv' WITH (FORMAT csv, HEADER)
\copy xs FROM 'crossscript_curated.csv' WITH (FORMAT csv, HEADER)
\endif
BEGIN;
INSERT INTO fintech.sanctions_lists (list, version, generation, entities, names, source_hash)
SELECT l, 1, nextval('fintech.sanctions_generation'), 0, 0, '\x00'::bytea
  FROM unnest(ARRAY[:'latin_list', :'orig_list']) AS l;
INSERT INTO fintech.sanctions_entities (list, source_uid, name, kind, version)
SELECT :'latin_list', ref, latin, 'individual', 1 FROM xs
UNION ALL
SELECT :'orig_list', ref, original, 'individual', 1 FROM xs;
INSERT INTO fintech.sanctions_names (entity_id, list, name, name_type)
SELECT id, list, name, 'primary' FROM fintech.sanctions_entities WHERE list IN (:'latin_list', :'orig_list');
COMMIT;
CREATE TEMP TABLE xs_result AS
SELECT x.ref, x.script, 'original -> Latin' AS direction, x.original AS query, :'latin_list' AS list,
       EXISTS (SELECT 1 FROM fintech.screen_name(x.original, :min_score, 50) s
                WHERE s.list = :'latin_list' AND s.source_uid = x.ref) AS found
  FROM xs x
UNION ALL
SELECT x.ref, x.script, 'Latin -> original', x.latin, :'orig_list',
       EXISTS (SELECT 1 FROM fintech.screen_name(x.latin, :min_score, 50) s
                WHERE s.list = :'orig_list' AND s.source_uid = x.ref)
  FROM xs x;
\pset format aligned
\pset footer off
SELECT script, direction, count(*) AS pairs, sum(found::int) AS found,
       round(100.0 * avg(found::int), 1) AS "found %"
  FROM xs_result GROUP BY ROLLUP (direction, script) ORDER BY direction, script NULLS LAST;
-- -v misses=1: each pair not found, with explain_match's view of the
-- query against its expected entity (score, token pairs, the listed
-- tokens left over, whether the consonant-skeleton pass scored it)
\if :{?misses}
SELECT r.script, r.direction, r.ref, r.query, e.name AS expected,
       round((x->>'score')::numeric, 3) AS score,
       (SELECT string_agg(coalesce(t->>'query', '-') || '=' || coalesce(t->>'listed', '-') || ':' ||
                          round((t->>'similarity')::numeric, 2), ' ')
          FROM jsonb_array_elements(x->'tokens') t) AS pairs,
       x->'unmatched_listed' AS listed_left, x->>'consonant_skeletons' AS skeletons
  FROM xs_result r
  JOIN fintech.sanctions_entities e ON e.list = r.list AND e.source_uid = r.ref,
       fintech.explain_match(r.query, e.id) x
 WHERE NOT r.found
 ORDER BY r.script, r.direction, r.ref;
\endif
