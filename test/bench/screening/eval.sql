-- test/bench/screening/eval.sql — matching quality of screen_name on the
-- evaluation set (positives.csv, negatives.csv; see README.md), in a
-- database where the full OFAC SDN list is loaded.  Prints Markdown.
--
--   psql -X -f eval.sql [-v VAR=value ...]
--
-- psql variables (all optional):
--   schema     schema of screen_name                (default fintech)
--   list       the list name of the loaded SDN list (default OFAC-SDN)
--   min_score  the threshold evaluated              (default 0.85, the default)
--   positives, negatives  the CSV files             (default positives.csv,
--              negatives.csv in psql's working directory)
--   sweep      1: also recall and false-positive rate at 0.75 .. 0.95 (one
--              more call per query); 0: not       (default 1)
--   details    a directory: write pos_results.csv and neg_results.csv there
--              (every query with what it found)   (default: none)
--   kinds      1: pass each query's kind to screen_name, as create_party
--              does (a party always has one): for a positive the kind of
--              the entity it was made from, for a negative individual
--              (person-*) or entity (company*); 0: none   (default 0)
--   attrs      1: pass a country too: for a negative the country its kind
--              names (the file countries, below; NULL for a kind naming
--              no single country), for a positive none (unknown: it can
--              only be lowered by a contradiction, never by absence);
--              2: as 1, and each positive passes a country of the listed
--              entity it was made from (agreeing; NULL if it has none);
--              0: no country                      (default 0)
--   dob        1: each person among the negatives also passes a date of
--              birth, drawn from its name (md5) between 1950-01-01 and
--              1999-12-31: a namesake's date of birth is independent of
--              the listed person's; with attrs=2 each positive passes
--              the first listed birth date of its entity (agreeing; a
--              year alone as 1 July, a month as its 15th); 0: none
--              (default 0)
--   countries  the CSV file kind,country of attrs (default kind_country.csv
--              in psql's working directory: ../kind_country.csv from
--              heldout/ and heldout2/)
--   worst      how many misses and false positives are listed (default 30;
--              the development set dev/ lists all of its misses)
--
-- Recall: share of positives whose expected_uid is among the rows of
-- screen_name(query, min_score) (max_results 10, the default).
-- False-positive rate: share of negatives for which it returns any row.
-- Plain SQL; temporary tables and one temporary function only.

\set QUIET on
\set ON_ERROR_STOP on
\if :{?schema} \else \set schema fintech \endif
\if :{?list} \else \set list OFAC-SDN \endif
\if :{?min_score} \else \set min_score 0.85 \endif
\if :{?positives} \else \set positives positives.csv \endif
\if :{?negatives} \else \set negatives negatives.csv \endif
\if :{?sweep} \else \set sweep 1 \endif
\if :{?kinds} \else \set kinds 0 \endif
\if :{?attrs} \else \set attrs 0 \endif
\if :{?countries} \else \set countries kind_country.csv \endif
\if :{?dob} \else \set dob 0 \endif
\if :{?worst} \else \set worst 30 \endif
-- the arguments added to each call (none without kinds or attrs: a build
-- before 0.6.0 has neither kind nor country)
\set pkind ''
\set nkind ''
\if :kinds
\set pkind ', kind => p.qkind'
\set nkind ', kind => n.qkind'
\endif
SELECT :'attrs'::int > 0 AS with_attrs \gset
\if :with_attrs
\set pkind :pkind ', country => p.qcountry'
\set nkind :nkind ', country => n.qcountry'
\endif
\if :dob
\set pkind :pkind ', birth_date => p.qbirth'
\set nkind :nkind ', birth_date => n.qbirth'
\endif
\pset format unaligned
\pset tuples_only on
\pset footer off
SET client_min_messages = warning;

CREATE TEMP TABLE eval_pos (id serial PRIMARY KEY, query text NOT NULL,
                            expected_uid text NOT NULL, perturbation text NOT NULL);
CREATE TEMP TABLE eval_neg (id serial PRIMARY KEY, query text NOT NULL, kind text NOT NULL);
-- \copy takes its line literally: build it in a variable to use the paths
\set copy_pos '\\copy eval_pos (query, expected_uid, perturbation) FROM ' :'positives' ' WITH (FORMAT csv, HEADER true, ENCODING ''UTF8'')'
\set copy_neg '\\copy eval_neg (query, kind) FROM ' :'negatives' ' WITH (FORMAT csv, HEADER true, ENCODING ''UTF8'')'
:copy_pos
:copy_neg
-- the kind of each query (kinds=1): what create_party would pass
ALTER TABLE eval_pos ADD COLUMN qkind text;
ALTER TABLE eval_neg ADD COLUMN qkind text;
UPDATE eval_pos p SET qkind = e.kind
  FROM :"schema".sanctions_entities e
 WHERE :'kinds'::int = 1 AND e.list = :'list' AND e.source_uid = p.expected_uid;
UPDATE eval_neg SET qkind = CASE WHEN kind LIKE 'person%' THEN 'individual'
                                 WHEN kind LIKE 'company%' THEN 'entity' END
 WHERE :'kinds'::int = 1;
-- the country of each query (attrs): what create_party would pass
ALTER TABLE eval_pos ADD COLUMN qcountry text;
ALTER TABLE eval_neg ADD COLUMN qcountry text;
ALTER TABLE eval_pos ADD COLUMN qbirth date;
ALTER TABLE eval_neg ADD COLUMN qbirth date;
UPDATE eval_neg SET qbirth = date '1950-01-01' + (('x' || substr(md5(query), 1, 8))::bit(32)::bigint % 18262)::int
 WHERE :'dob'::int = 1 AND kind LIKE 'person%';
\if :with_attrs
CREATE TEMP TABLE eval_kind_country (kind text PRIMARY KEY, country text);
\set copy_kc '\\copy eval_kind_country (kind, country) FROM ' :'countries' ' WITH (FORMAT csv, HEADER true, ENCODING ''UTF8'')'
:copy_kc
UPDATE eval_neg n SET qcountry = nullif(c.country, '')
  FROM eval_kind_country c WHERE c.kind = n.kind;
UPDATE eval_pos p SET qcountry = e.countries[1],
       qbirth = CASE WHEN :'dob'::int = 1 THEN
                  CASE length(e.birth_dates[1]) WHEN 4 THEN (e.birth_dates[1] || '-07-01')::date
                                                WHEN 7 THEN (e.birth_dates[1] || '-15')::date
                                                ELSE e.birth_dates[1]::date END END
  FROM :"schema".sanctions_entities e
 WHERE :'attrs'::int = 2 AND e.list = :'list' AND e.source_uid = p.expected_uid;
\endif
ANALYZE eval_pos;
ANALYZE eval_neg;

-- a Markdown table cell holding a name as code (spaces kept, tabs shown)
CREATE FUNCTION pg_temp.md(s text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN s IS NULL THEN '—'
              WHEN position('`' IN s) > 0 THEN '`` ' || replace(replace(replace(s, '|', '\|'), E'\t', '\t'), E'\n', ' ') || ' ``'
              ELSE '`' || replace(replace(replace(s, '|', '\|'), E'\t', '\t'), E'\n', ' ') || '`' END
$$;
CREATE FUNCTION pg_temp.pct(n bigint, d bigint) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN d = 0 THEN '—' ELSE to_char(100.0 * n / d, 'FM990.00') || ' %' END
$$;

-- one call per query at the threshold
SELECT clock_timestamp() AS t0 \gset
CREATE TEMP TABLE pos_hits AS
  SELECT p.id, r.source_uid, r.matched_name, r.score, r.list
    FROM eval_pos p
    CROSS JOIN LATERAL :"schema".screen_name(p.query, (:'min_score')::real :pkind) r;
SELECT clock_timestamp() AS t1 \gset
CREATE TEMP TABLE neg_hits AS
  SELECT n.id, r.source_uid, r.matched_name, r.score, r.list
    FROM eval_neg n
    CROSS JOIN LATERAL :"schema".screen_name(n.query, (:'min_score')::real :nkind) r;
SELECT clock_timestamp() AS t2 \gset

CREATE TEMP TABLE pos_eval AS
  SELECT p.*,
         EXISTS (SELECT FROM pos_hits h WHERE h.id = p.id AND h.list = :'list'
                    AND h.source_uid = p.expected_uid) AS found,
         (SELECT count(*) FROM pos_hits h WHERE h.id = p.id) AS results
    FROM eval_pos p;
CREATE TEMP TABLE neg_eval AS
  SELECT n.*,
         (SELECT count(*) FROM neg_hits h WHERE h.id = n.id) AS results,
         (SELECT max(score) FROM neg_hits h WHERE h.id = n.id) AS top_score
    FROM eval_neg n;

SELECT count(*) FILTER (WHERE found) AS pos_found, count(*) AS pos_n,
       round(count(*) FILTER (WHERE found)::numeric / greatest(count(*), 1), 4) AS recall,
       count(*) FILTER (WHERE found)::numeric / greatest(count(*), 1) >= 0.98 AS recall_ok
  FROM pos_eval \gset
SELECT count(*) FILTER (WHERE results > 0) AS neg_hit, count(*) AS neg_n,
       round(count(*) FILTER (WHERE results > 0)::numeric / greatest(count(*), 1), 4) AS fpr,
       count(*) FILTER (WHERE results > 0)::numeric / greatest(count(*), 1) <= 0.01 AS fpr_ok
  FROM neg_eval \gset

\qecho '## Matching quality of ':schema'.screen_name'
\qecho
SELECT format('- set: %s positives, %s negatives; threshold min_score = %s, max_results 10 (default)',
              :pos_n, :neg_n, :'min_score');
SELECT CASE WHEN :'kinds'::int = 1
            THEN '- each query''s kind passed (kind => ...): the entity''s kind for a positive, individual or entity for a negative'
            ELSE '- no kind passed' END;
SELECT CASE :'attrs'::int
         WHEN 0 THEN '- no country passed'
         ELSE format('- country passed (country => ...): for %s of %s negatives the country of their kind (%s), for %s',
                     (SELECT count(qcountry) FROM eval_neg), (SELECT count(*) FROM eval_neg), :'countries',
                     CASE WHEN :'attrs'::int = 2
                          THEN format('%s of %s positives a country of the listed entity (agreeing)',
                                      (SELECT count(qcountry) FROM eval_pos), (SELECT count(*) FROM eval_pos))
                          ELSE 'no positive (unknown)' END) END;
SELECT format('- date of birth passed (birth_date => ...): for %s of %s negatives (drawn from the name, 1950-1999), for %s of %s positives (the listed one)',
              (SELECT count(qbirth) FROM eval_neg), (SELECT count(*) FROM eval_neg),
              (SELECT count(qbirth) FROM eval_pos), (SELECT count(*) FROM eval_pos))
 WHERE :'dob'::int = 1;
SELECT format('- time: %s s for the positives, %s s for the negatives (%s ms per call on average, one session)',
              round(extract(epoch FROM (:'t1'::timestamptz - :'t0'::timestamptz))::numeric, 1),
              round(extract(epoch FROM (:'t2'::timestamptz - :'t1'::timestamptz))::numeric, 1),
              round(1000 * extract(epoch FROM (:'t2'::timestamptz - :'t0'::timestamptz))::numeric
                    / greatest(:pos_n + :neg_n, 1), 2));
\qecho
\qecho '| measure | value | target |'
\qecho '|---|---:|---|'
SELECT format('| recall | %s (%s of %s) | ≥ 98 %%: %s |', pg_temp.pct(:pos_found, :pos_n), :pos_found, :pos_n,
              CASE WHEN :'recall_ok' THEN 'met' ELSE 'missed' END);
SELECT format('| false-positive rate | %s (%s of %s) | ≤ 1 %%: %s |', pg_temp.pct(:neg_hit, :neg_n), :neg_hit, :neg_n,
              CASE WHEN :'fpr_ok' THEN 'met' ELSE 'missed' END);
SELECT format('| positives with more than one result | %s | |',
              pg_temp.pct(count(*) FILTER (WHERE results > 1), count(*)))
  FROM pos_eval;
\qecho

\qecho '### Recall by perturbation'
\qecho
\qecho 'A row has one or two perturbations; "all rows" counts every row that has it, "alone" the rows with only it.'
\qecho
\qecho '| perturbation | rows | recall | alone: rows | alone: recall |'
\qecho '|---|---:|---:|---:|---:|'
SELECT format('| %s | %s | %s | %s | %s |', t, count(*), pg_temp.pct(count(*) FILTER (WHERE found), count(*)),
              count(*) FILTER (WHERE alone),
              pg_temp.pct(count(*) FILTER (WHERE found AND alone), count(*) FILTER (WHERE alone)))
  FROM pos_eval, unnest(string_to_array(perturbation, '+')) t,
       LATERAL (SELECT perturbation NOT LIKE '%+%' AS alone) a
 GROUP BY t
 ORDER BY count(*) FILTER (WHERE found)::numeric / count(*), t;
SELECT format('| (one perturbation) | %s | %s | | |', count(*), pg_temp.pct(count(*) FILTER (WHERE found), count(*)))
  FROM pos_eval WHERE perturbation NOT LIKE '%+%';
SELECT format('| (two perturbations) | %s | %s | | |', count(*), pg_temp.pct(count(*) FILTER (WHERE found), count(*)))
  FROM pos_eval WHERE perturbation LIKE '%+%';
\qecho

\qecho '### False-positive rate by kind of name'
\qecho
\qecho '| kind | rows | with a result | rate |'
\qecho '|---|---:|---:|---:|'
SELECT format('| %s | %s | %s | %s |', kind, count(*), count(*) FILTER (WHERE results > 0),
              pg_temp.pct(count(*) FILTER (WHERE results > 0), count(*)))
  FROM neg_eval
 GROUP BY kind
 ORDER BY count(*) FILTER (WHERE results > 0)::numeric / count(*) DESC, kind;
\qecho

\if :sweep
CREATE TEMP TABLE pos_sweep AS
  SELECT p.id, max(r.score) FILTER (WHERE r.list = :'list' AND r.source_uid = p.expected_uid) AS expected_score
    FROM eval_pos p
    LEFT JOIN LATERAL :"schema".screen_name(p.query, 0.75::real :pkind) r ON true
   GROUP BY p.id;
CREATE TEMP TABLE neg_sweep AS
  SELECT n.id, max(r.score) AS top_score
    FROM eval_neg n
    LEFT JOIN LATERAL :"schema".screen_name(n.query, 0.75::real :nkind) r ON true
   GROUP BY n.id;
\qecho '### Other thresholds'
\qecho
\qecho 'From one call per query at min_score 0.75, keeping the rows scoring at least the threshold'
\qecho '(at 0.85 this may differ slightly from the figures above, as the 10 rows returned are chosen among more candidates).'
\qecho
\qecho '| threshold | recall | false-positive rate |'
\qecho '|---:|---:|---:|'
SELECT format('| %s | %s | %s |', to_char(t, 'FM0.00'),
              pg_temp.pct((SELECT count(*) FROM pos_sweep WHERE expected_score >= t), (SELECT count(*) FROM pos_sweep)),
              pg_temp.pct((SELECT count(*) FROM neg_sweep WHERE top_score >= t), (SELECT count(*) FROM neg_sweep)))
  FROM unnest(ARRAY[0.75, 0.80, 0.85, 0.90, 0.95]::real[]) t
 ORDER BY t;
\qecho
\endif

-- the misses: where the expected entity ranks with no threshold
CREATE TEMP TABLE misses AS
  SELECT p.id, p.query, p.expected_uid, p.perturbation, e.*
    FROM pos_eval p
    LEFT JOIN LATERAL (
      SELECT (array_agg(r.matched_name ORDER BY r.score DESC, r.rank) FILTER (WHERE r.expected))[1] AS expected_name,
             max(r.score) FILTER (WHERE r.expected) AS expected_score,
             min(r.rank) FILTER (WHERE r.expected) AS expected_rank,
             (array_agg(r.matched_name ORDER BY r.score DESC, r.rank))[1] AS top_name,
             max(r.score) AS top_score
        FROM (SELECT s.matched_name, s.score,
                     row_number() OVER (ORDER BY s.score DESC) AS rank,
                     s.list = :'list' AND s.source_uid = p.expected_uid AS expected
                FROM :"schema".screen_name(p.query, 0.0::real, 50 :pkind) s) r) e ON true
   WHERE NOT p.found;

SELECT format('### The %s worst misses', :'worst');
\qecho
\qecho 'Positives whose entity screen_name did not return at the threshold, lowest score of that entity first'
\qecho '(from screen_name(query, 0.0, 50): its best-scoring name and rank, or — when not in those 50).'
\qecho
\qecho '| query | perturbation | expected uid | expected: best name | score | rank | top result | score |'
\qecho '|---|---|---:|---|---:|---:|---|---:|'
SELECT format('| %s | %s | %s | %s | %s | %s | %s | %s |', pg_temp.md(query), perturbation, expected_uid,
              pg_temp.md(expected_name), coalesce(to_char(expected_score, 'FM0.000'), '—'),
              coalesce(expected_rank::text, '—'), pg_temp.md(top_name), coalesce(to_char(top_score, 'FM0.000'), '—'))
  FROM misses
 ORDER BY expected_score NULLS FIRST, id
 LIMIT :'worst'::int;
SELECT '(no misses)' WHERE NOT EXISTS (SELECT FROM misses);
\qecho

SELECT format('### The %s highest-scoring false positives', :'worst');
\qecho
\qecho '| query | kind | matched name | uid | score |'
\qecho '|---|---|---|---:|---:|'
SELECT format('| %s | %s | %s | %s | %s |', pg_temp.md(n.query), n.kind, pg_temp.md(h.matched_name), h.source_uid,
              to_char(h.score, 'FM0.000'))
  FROM eval_neg n
  JOIN LATERAL (SELECT * FROM neg_hits h WHERE h.id = n.id ORDER BY h.score DESC, h.source_uid LIMIT 1) h ON true
 ORDER BY h.score DESC, n.id
 LIMIT :'worst'::int;
SELECT '(no false positives)' WHERE NOT EXISTS (SELECT FROM neg_hits);
\qecho

\if :{?details}
\set pd_file :details '/pos_results.csv'
\set nd_file :details '/neg_results.csv'
\set copy_pd '\\copy (SELECT p.query, p.expected_uid, p.perturbation, p.found, p.results, m.expected_name, m.expected_score, m.expected_rank, m.top_name, m.top_score FROM pos_eval p LEFT JOIN misses m USING (id) ORDER BY p.id) TO ' :'pd_file' ' WITH (FORMAT csv, HEADER true)'
\set copy_nd '\\copy (SELECT n.query, n.kind, n.results, h.matched_name, h.source_uid, h.score FROM neg_eval n LEFT JOIN neg_hits h USING (id) ORDER BY n.id, h.score DESC) TO ' :'nd_file' ' WITH (FORMAT csv, HEADER true)'
:copy_pd
:copy_nd
\endif
