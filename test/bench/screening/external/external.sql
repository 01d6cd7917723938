-- test/bench/screening/external/external.sql -- other projects' published
-- name-matching cases (README.md here), run blind against fintech.screen_name
-- in a database holding the full OFAC SDN list (list OFAC-SDN) and the UN
-- list (UN-SC).  Run as a superuser (the pairs are loaded as a stand-in list
-- inside a transaction that is rolled back):
--
--   cd test/bench/screening/external && psql -X -f external.sql [-v min_score=0.85]
--
-- (a) queries.csv: a query must find its entity (any of `expected`,
--     list:source_uid separated by |) among screen_name(query, min_score, 50);
-- (b) pairs.csv: the `listed` names are loaded as list EXT-L; a "match" pair
--     is right when screen_name(query, min_score, 50) returns its EXT-L
--     entity, a "nomatch" pair when it does not (one direction: the source's
--     query screened against the source's listed name);
-- (c) clean.csv: a clean name must get no row of screen_name(query, min_score);
-- (d) ofac_tool.csv: OFAC's own search tool's scores (as recorded by
--     nomenklatura) beside fintech's score of the same listed name's entity
--     (explain_match), for information: OFAC's tool is not ground truth.
-- Nothing else is passed (no kind, country or date of birth): name only.
-- Prints Markdown-ish tables; -v show=0 leaves out the per-case lists.
\set QUIET on
\set ON_ERROR_STOP on
\if :{?min_score} \else \set min_score 0.85 \endif
\if :{?show} \else \set show 1 \endif
\if :{?scratch} \else \set scratch /tmp/fintech_external_pairs.csv \endif
\pset footer off
\pset null '—'

CREATE TEMP TABLE xq (ref text, query text, expected text, source text);
CREATE TEMP TABLE xc (ref text, query text, source text);
CREATE TEMP TABLE xp (ref text, query text, listed text, expect text, kind text, source text);
CREATE TEMP TABLE xo (query text, result_name text, ofac_score int);
\copy xq FROM 'queries.csv' WITH (FORMAT csv, HEADER)
\copy xc FROM 'clean.csv' WITH (FORMAT csv, HEADER)
\copy xp FROM 'pairs.csv' WITH (FORMAT csv, HEADER)
\copy xo FROM 'ofac_tool.csv' WITH (FORMAT csv, HEADER)

SELECT 'threshold' AS setting, :'min_score' AS value
UNION ALL SELECT 'lists loaded', string_agg(list || ' (' || entities || ' entities)', ', ' ORDER BY list)
  FROM fintech.sanctions_lists;

-- (a) -------------------------------------------------------------------
CREATE TEMP TABLE xq_exp AS
SELECT q.ref, e AS expected, se.id AS entity_id
  FROM xq q CROSS JOIN LATERAL unnest(string_to_array(q.expected, '|')) AS e
  LEFT JOIN fintech.sanctions_entities se
    ON se.list = split_part(e, ':', 1) AND se.source_uid = split_part(e, ':', 2) AND se.listed;
CREATE TEMP TABLE xq_res AS
SELECT q.ref, q.query, q.source, q.expected,
       (SELECT count(*) FROM xq_exp x WHERE x.ref = q.ref AND x.entity_id IS NOT NULL) AS present,
       EXISTS (SELECT 1 FROM fintech.screen_name(q.query, :min_score, 50) s
                JOIN xq_exp x ON x.ref = q.ref AND x.entity_id = s.entity_id) AS found,
       (SELECT max(((fintech.explain_match(q.query, x.entity_id))->>'score')::float4)
          FROM xq_exp x WHERE x.ref = q.ref AND x.entity_id IS NOT NULL) AS best,
       (SELECT s.matched_name || ' (' || s.list || ':' || s.source_uid || ', ' || round(s.score::numeric, 3) || ')'
          FROM fintech.screen_name(q.query, 0.0, 1) s) AS top
  FROM xq q;

\echo
\echo '## (a) queries expected to find a listed entity'
SELECT source, count(*) AS queries, sum((present > 0)::int) AS "entity listed",
       sum(found::int) AS found, round(100.0 * avg(found::int), 1) AS "recall %"
  FROM xq_res GROUP BY ROLLUP (source) ORDER BY source NULLS LAST;
\if :show
SELECT ref, query, expected, round(best::numeric, 3) AS "score of expected", top AS "top row at 0.0"
  FROM xq_res WHERE NOT found ORDER BY ref;
\endif

-- (c) -------------------------------------------------------------------
CREATE TEMP TABLE xc_res AS
SELECT c.ref, c.query, c.source,
       (SELECT count(*) FROM fintech.screen_name(c.query, :min_score, 10)) AS hits,
       (SELECT s.matched_name || ' (' || s.list || ':' || s.source_uid || ', ' || round(s.score::numeric, 3) || ')'
          FROM fintech.screen_name(c.query, 0.0, 1) s) AS top
  FROM xc c;

\echo
\echo '## (c) clean names expected to match nothing'
SELECT source, count(*) AS names, sum((hits > 0)::int) AS "false positives"
  FROM xc_res GROUP BY ROLLUP (source) ORDER BY source NULLS LAST;
\if :show
SELECT ref, query, hits AS "rows at threshold", top AS "top row at 0.0" FROM xc_res ORDER BY ref;
\endif

-- (b) -------------------------------------------------------------------
CREATE TEMP TABLE xp_res (ref text, found bool, score float4, matched text);
BEGIN;
INSERT INTO fintech.sanctions_lists (list, version, generation, entities, names, source_hash)
VALUES ('EXT-L', 1, nextval('fintech.sanctions_generation'), 0, 0, '\x00'::bytea);
INSERT INTO fintech.sanctions_entities (list, source_uid, name, kind, version)
SELECT 'EXT-L', ref, listed, kind, 1 FROM xp;
INSERT INTO fintech.sanctions_names (entity_id, list, name, name_type)
SELECT id, list, name, 'primary' FROM fintech.sanctions_entities WHERE list = 'EXT-L';
CREATE TEMP TABLE xp_found AS
SELECT p.ref,
       EXISTS (SELECT 1 FROM fintech.screen_name(p.query, :min_score, 50) s
                WHERE s.list = 'EXT-L' AND s.source_uid = p.ref) AS found,
       ((fintech.explain_match(p.query, e.id))->>'score')::float4 AS score,
       (fintech.explain_match(p.query, e.id))->>'matched_name' AS matched
  FROM xp p JOIN fintech.sanctions_entities e ON e.list = 'EXT-L' AND e.source_uid = p.ref;
\set copy_out '\\copy xp_found TO ' :'scratch' ' WITH (FORMAT csv)'
\set copy_in '\\copy xp_res FROM ' :'scratch' ' WITH (FORMAT csv)'
:copy_out
ROLLBACK;
:copy_in

\echo
\echo '## (b) pairs judged same / different (the listed side as a stand-in list)'
SELECT p.source, p.expect, count(*) AS pairs,
       sum((r.found = (p.expect = 'match'))::int) AS "right",
       round(100.0 * avg((r.found = (p.expect = 'match'))::int), 1) AS "right %"
  FROM xp p JOIN xp_res r USING (ref)
 GROUP BY ROLLUP (p.expect, p.source) ORDER BY p.expect NULLS LAST, p.source NULLS LAST;
SELECT count(*) FILTER (WHERE (r.score >= :min_score) <> r.found) AS "explain_match and screen_name disagree"
  FROM xp_res r;
\if :show
SELECT p.ref, p.expect, p.query, p.listed, round(r.score::numeric, 3) AS score
  FROM xp p JOIN xp_res r USING (ref)
 WHERE r.found <> (p.expect = 'match')
 ORDER BY p.expect, p.source, split_part(p.ref, '-', 1), split_part(p.ref, '-', 2)::int;
\endif

-- (d) -------------------------------------------------------------------
CREATE TEMP TABLE xo_res AS
SELECT o.query, o.result_name, o.ofac_score,
       (SELECT max(((fintech.explain_match(o.query, n.entity_id))->>'score')::float4)
          FROM (SELECT DISTINCT entity_id FROM fintech.sanctions_names
                 WHERE list = 'OFAC-SDN' AND upper(name) = upper(o.result_name)) n) AS fintech_score
  FROM xo o;

\echo
\echo '## (d) OFAC''s search tool (scores recorded by nomenklatura) against fintech, same pairs'
SELECT CASE WHEN ofac_score >= 80 THEN 'OFAC tool >= 80' ELSE 'OFAC tool < 80 or absent' END AS ofac,
       count(*) AS pairs,
       count(*) FILTER (WHERE fintech_score IS NULL) AS "name not on the 2023-12-28 list",
       count(*) FILTER (WHERE fintech_score >= :min_score) AS "fintech >= threshold",
       count(*) FILTER (WHERE fintech_score < :min_score) AS "fintech below"
  FROM xo_res GROUP BY 1 ORDER BY 1;
\if :show
SELECT query, result_name, ofac_score AS "OFAC tool", round(fintech_score::numeric, 3) AS fintech
  FROM xo_res WHERE fintech_score >= :min_score
 ORDER BY query, fintech_score DESC;
\endif
