-- test/bench/screening/attributes.sql — the attribute cases of the
-- evaluation set (attributes.csv; see README.md): listed individuals of the
-- OFAC SDN list screened with a name and the party's attributes (kind,
-- country, date of birth), as create_party passes them.  A case "match"
-- must return the listed entity it names (expected_uid, list OFAC-SDN) at
-- the threshold; a case "no match" must not return it.  In a database
-- where the full OFAC SDN list is loaded.  Prints Markdown.
--
--   psql -X -f attributes.sql [-v schema=fintech] [-v min_score=0.85]
--        [-v cases=attributes.csv] [-v list=OFAC-SDN]
--
-- Each case is also scored by its name alone (no attribute), for the
-- table: the attributes' part of the score is the ratio of the two.
-- Plain SQL; temporary tables only.

\set QUIET on
\set ON_ERROR_STOP on
\if :{?schema} \else \set schema fintech \endif
\if :{?list} \else \set list OFAC-SDN \endif
\if :{?min_score} \else \set min_score 0.85 \endif
\if :{?cases} \else \set cases attributes.csv \endif
\pset format unaligned
\pset tuples_only on
\pset footer off
SET client_min_messages = warning;

CREATE TEMP TABLE attr_case (id serial PRIMARY KEY, query text NOT NULL, kind text, country text,
                             birth_date date, expected_uid text NOT NULL, expect text NOT NULL,
                             category text NOT NULL,
                             CHECK (expect IN ('match', 'no match')));
\set copy_cases '\\copy attr_case (query, kind, country, birth_date, expected_uid, expect, category) FROM ' :'cases' ' WITH (FORMAT csv, HEADER true, ENCODING ''UTF8'')'
:copy_cases

CREATE TEMP TABLE attr_result AS
  SELECT c.*,
         (SELECT max(r.score) FROM :"schema".screen_name(c.query, 0.0::real, 50) r
           WHERE r.list = :'list' AND r.source_uid = c.expected_uid) AS name_score,
         (SELECT max(r.score) FROM :"schema".screen_name(c.query, 0.0::real, 50, country => c.country,
                                                         birth_date => c.birth_date, kind => c.kind) r
           WHERE r.list = :'list' AND r.source_uid = c.expected_uid) AS attr_score,
         EXISTS (SELECT FROM :"schema".screen_name(c.query, (:'min_score')::real, country => c.country,
                                                   birth_date => c.birth_date, kind => c.kind) r
                  WHERE r.list = :'list' AND r.source_uid = c.expected_uid) AS found
    FROM attr_case c;

\qecho '## Attribute cases of ':schema'.screen_name'
\qecho
SELECT format('- %s cases (%s must match, %s must not); threshold min_score = %s', count(*),
              count(*) FILTER (WHERE expect = 'match'), count(*) FILTER (WHERE expect = 'no match'),
              :'min_score')
  FROM attr_result;
\qecho
\qecho '| case | rows | as expected |'
\qecho '|---|---:|---:|'
SELECT format('| %s (%s) | %s | %s |', category, expect, count(*),
              count(*) FILTER (WHERE found = (expect = 'match')))
  FROM attr_result GROUP BY category, expect ORDER BY expect, category;
SELECT format('| all | %s | %s |', count(*), count(*) FILTER (WHERE found = (expect = 'match')))
  FROM attr_result;
\qecho
\qecho '| query | kind | country | birth date | uid | expect | name alone | with attributes | result |'
\qecho '|---|---|---|---|---:|---|---:|---:|---|'
SELECT format('| `%s` | %s | %s | %s | %s | %s | %s | %s | %s |', query, coalesce(kind, '—'),
              coalesce(country, '—'), coalesce(birth_date::text, '—'), expected_uid, expect,
              coalesce(to_char(name_score, 'FM0.000'), '—'), coalesce(to_char(attr_score, 'FM0.000'), '—'),
              CASE WHEN found = (expect = 'match') THEN 'ok' ELSE '**wrong**' END)
  FROM attr_result ORDER BY id;
