-- test/bench/screening/curve.sql — recall and false-positive rate of
-- screen_name at several thresholds at once, from one call per query: the
-- best score of the expected entity among screen_name(query, 0.5, 50) for
-- a positive, the best score of screen_name(query, 0.5, 1) for a negative.
-- Same files and variables as eval.sql (positives, negatives, list, kinds,
-- attrs, countries, dob); prints one Markdown row per threshold.
--
--   cd test/bench/screening && psql -X -f curve.sql [-v kinds=1] [-v attrs=1]
--   cd heldout && psql -X -f ../curve.sql -v positives=positives.csv -v negatives=negatives.csv
\set QUIET on
\set ON_ERROR_STOP on
\if :{?list} \else \set list OFAC-SDN \endif
\if :{?positives} \else \set positives positives.csv \endif
\if :{?negatives} \else \set negatives negatives.csv \endif
\if :{?kinds} \else \set kinds 0 \endif
\if :{?attrs} \else \set attrs 0 \endif
\if :{?countries} \else \set countries kind_country.csv \endif
\if :{?dob} \else \set dob 0 \endif
\pset format unaligned
\pset tuples_only on
SET client_min_messages = warning;
CREATE TEMP TABLE c_pos (query text, expected_uid text, perturbation text, qkind text, qcountry text, qbirth date);
CREATE TEMP TABLE c_neg (query text, kind text, qkind text, qcountry text, qbirth date);
CREATE TEMP TABLE c_kind_country (kind text PRIMARY KEY, country text);
\set copy_pos '\\copy c_pos (query, expected_uid, perturbation) FROM ' :'positives' ' WITH (FORMAT csv, HEADER true, ENCODING ''UTF8'')'
\set copy_neg '\\copy c_neg (query, kind) FROM ' :'negatives' ' WITH (FORMAT csv, HEADER true, ENCODING ''UTF8'')'
:copy_pos
:copy_neg
UPDATE c_pos p SET qkind = e.kind FROM fintech.sanctions_entities e
 WHERE :'kinds'::int = 1 AND e.list = :'list' AND e.source_uid = p.expected_uid;
UPDATE c_neg SET qkind = CASE WHEN kind LIKE 'person%' THEN 'individual'
                              WHEN kind LIKE 'company%' THEN 'entity' END
 WHERE :'kinds'::int = 1;
-- attrs (as eval.sql): a negative's country from its kind, a positive's (attrs=2) the entity's
SELECT :'attrs'::int > 0 AS with_attrs \gset
\if :with_attrs
\set copy_kc '\\copy c_kind_country (kind, country) FROM ' :'countries' ' WITH (FORMAT csv, HEADER true, ENCODING ''UTF8'')'
:copy_kc
\endif
UPDATE c_neg n SET qcountry = nullif(c.country, '') FROM c_kind_country c WHERE c.kind = n.kind;
UPDATE c_neg SET qbirth = date '1950-01-01' + (('x' || substr(md5(query), 1, 8))::bit(32)::bigint % 18262)::int
 WHERE :'dob'::int = 1 AND kind LIKE 'person%';
UPDATE c_pos p SET qcountry = e.countries[1],
       qbirth = CASE WHEN :'dob'::int = 1 THEN
                  CASE length(e.birth_dates[1]) WHEN 4 THEN (e.birth_dates[1] || '-07-01')::date
                                                WHEN 7 THEN (e.birth_dates[1] || '-15')::date
                                                ELSE e.birth_dates[1]::date END END
  FROM fintech.sanctions_entities e
 WHERE :'attrs'::int = 2 AND e.list = :'list' AND e.source_uid = p.expected_uid;
CREATE TEMP TABLE c_pos_s AS
  SELECT (SELECT max(s.score) FROM fintech.screen_name(p.query, 0.5, 50, kind => p.qkind, country => p.qcountry, birth_date => p.qbirth) s
           WHERE s.list = :'list' AND s.source_uid = p.expected_uid) AS score
    FROM c_pos p;
CREATE TEMP TABLE c_neg_s AS
  SELECT (SELECT max(s.score) FROM fintech.screen_name(n.query, 0.5, 1, kind => n.qkind, country => n.qcountry, birth_date => n.qbirth) s) AS score
    FROM c_neg n;
SELECT '| threshold | recall | false positives |';
SELECT '|---:|---:|---:|';
SELECT format('| %s | %s %% | %s %% |', t,
              to_char(100.0 * (SELECT count(*) FROM c_pos_s WHERE score >= t) / (SELECT count(*) FROM c_pos_s), 'FM990.00'),
              to_char(100.0 * (SELECT count(*) FROM c_neg_s WHERE score >= t) / (SELECT count(*) FROM c_neg_s), 'FM990.00'))
  FROM unnest(ARRAY[0.80, 0.84, 0.85, 0.86, 0.88, 0.90, 0.92]::real[]) t ORDER BY t;
