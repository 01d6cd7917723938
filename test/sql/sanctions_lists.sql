-- sanctions_lists: the lists of screening v2.  load_sanctions_un (a slice
-- of the UN Security Council Consolidated List, test/data/un) and
-- load_sanctions_ftm (FollowTheMoney JSON lines, test/data/ftm): what is
-- loaded (names in every script, kinds, programs, ISO alpha-2 countries,
-- birth dates), every refusal (22023 naming the line or element, the
-- list kept as it was); OFAC's birth dates (from the remarks) and
-- countries; each loader replaces its own list only.
\set VERBOSITY default
\set un `cat test/data/un/consolidated.xml`
\set ftm `cat test/data/ftm/entities.jsonl`

-- a list at a glance (no ids, times or generations)
CREATE FUNCTION v2_list(l text) RETURNS TABLE(version bigint, entities int, names int,
    listed bigint, unlisted bigint, source_hash text)
LANGUAGE sql AS $$
  SELECT s.version, s.entities, s.names,
         (SELECT count(*) FROM fintech.sanctions_entities e WHERE e.list = l AND e.listed),
         (SELECT count(*) FROM fintech.sanctions_entities e WHERE e.list = l AND NOT e.listed),
         left(encode(s.source_hash, 'hex'), 16)
    FROM fintech.sanctions_lists s WHERE s.list = l
$$;
-- the names of one entity: name_type:name, in load order
CREATE FUNCTION v2_names(l text, uid text) RETURNS SETOF text
LANGUAGE sql AS $$
  SELECT n.name_type || ':' || n.name
    FROM fintech.sanctions_names n JOIN fintech.sanctions_entities e ON e.id = n.entity_id
   WHERE e.list = l AND e.source_uid = uid ORDER BY n.ctid
$$;

-- ====================================================================
-- the UN Security Council Consolidated List
-- ====================================================================
SELECT fintech.load_sanctions_un(:'un') AS listed;
SELECT * FROM v2_list('UN-SC');
SELECT source_uid, kind, name, programs, countries, birth_dates
  FROM fintech.sanctions_entities WHERE list = 'UN-SC' ORDER BY source_uid;
-- titles and designations joined; the comments are the remarks
SELECT source_uid, title, left(remarks, 40) AS remarks
  FROM fintech.sanctions_entities WHERE list = 'UN-SC' AND source_uid IN ('CDi.004', 'IQi.001')
 ORDER BY source_uid;
-- the primary name, the name in its own script (aka), the aliases by
-- quality: Good and a.k.a. are aka, Low is weak, f.k.a. is fka
SELECT v2_names('UN-SC', 'IQi.001');
SELECT v2_names('UN-SC', 'QDi.290');
SELECT v2_names('UN-SC', 'CDe.001');
-- a name in Arabic script is screened like any other name
SELECT source_uid, matched_name, round(score::numeric, 3) AS score
  FROM fintech.screen_name('صدام حسين التكريتي') WHERE list = 'UN-SC';

-- a reload keeps the ids and the version goes up; the other lists are untouched
CREATE TEMP TABLE un_ids AS SELECT source_uid, id FROM fintech.sanctions_entities WHERE list = 'UN-SC';
CREATE TEMP TABLE others AS
  SELECT list, version FROM fintech.sanctions_lists WHERE list <> 'UN-SC';
SELECT fintech.load_sanctions_un(:'un') AS listed;
SELECT * FROM v2_list('UN-SC');
SELECT count(*) AS same_id FROM fintech.sanctions_entities e JOIN un_ids USING (source_uid)
 WHERE e.list = 'UN-SC' AND e.id = un_ids.id;
SELECT count(*) AS others_changed FROM fintech.sanctions_lists l JOIN others o USING (list)
 WHERE l.version <> o.version;
-- another list name is another list
SELECT fintech.load_sanctions_un(:'un', list => 'UN-SC-COPY') AS listed;
SELECT * FROM v2_list('UN-SC-COPY');

-- refusals: 22023 naming the line or the element; the list stays as it was
SELECT fintech.load_sanctions_un(left(:'un', 3000));
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.load_sanctions_un(replace(:'un', '</SECOND_NAME>', '</SECOND>'));
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.load_sanctions_un('');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.load_sanctions_un('<?xml version="1.0"?>
<sdnList><sdnEntry/></sdnList>');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.load_sanctions_un('<CONSOLIDATED_LIST><INDIVIDUALS/><ENTITIES/></CONSOLIDATED_LIST>');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.load_sanctions_un(replace(:'un', '<REFERENCE_NUMBER>IQi.001</REFERENCE_NUMBER>', ''));
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.load_sanctions_un(replace(:'un', '<REFERENCE_NUMBER>IQi.001<', '<REFERENCE_NUMBER>CDi.001<'));
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.load_sanctions_un(replace(replace(:'un', '<FIRST_NAME>ERIC</FIRST_NAME>', '<FIRST_NAME/>'),
                                         '<SECOND_NAME>BADEGE</SECOND_NAME>', '<SECOND_NAME> </SECOND_NAME>'));
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.load_sanctions_un(replace(:'un', '<DATE>1937-04-28</DATE>', '<DATE>1937-02-30</DATE>'));
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.load_sanctions_un(replace(:'un', '<YEAR>1971</YEAR>', '<YEAR>71</YEAR>'));
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.load_sanctions_un(replace(:'un', '<FROM_YEAR>1955</FROM_YEAR>', '<FROM_YEAR>1755</FROM_YEAR>'));
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.load_sanctions_un(replace(replace(:'un', '<ENTITY>', '<ORGANISATION>'), '</ENTITY>', '</ORGANISATION>'));
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.load_sanctions_un(replace(:'un', '<FIRST_NAME>ERIC</FIRST_NAME>',
                                         '<FIRST_NAME>' || repeat('Eric ', 201) || '</FIRST_NAME>'));
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.load_sanctions_un(NULL);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.load_sanctions_un(:'un', list => '');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM v2_list('UN-SC');
SELECT count(*) AS same_id FROM fintech.sanctions_entities e JOIN un_ids USING (source_uid)
 WHERE e.list = 'UN-SC' AND e.id = un_ids.id AND e.listed;

-- ====================================================================
-- FollowTheMoney JSON lines
-- ====================================================================
SELECT fintech.load_sanctions_ftm(:'ftm', list => 'FTM-TEST') AS listed;
SELECT * FROM v2_list('FTM-TEST');
SELECT source_uid, kind, name, programs, countries, birth_dates, remarks
  FROM fintech.sanctions_entities WHERE list = 'FTM-TEST' ORDER BY source_uid;
SELECT v2_names('FTM-TEST', 'ftm-p-1');
SELECT v2_names('FTM-TEST', 'ftm-p-2');
SELECT v2_names('FTM-TEST', 'ftm-v-1');
SELECT source_uid, matched_name, round(score::numeric, 3) AS score
  FROM fintech.screen_name('Иван Волконов') WHERE list = 'FTM-TEST';

-- refusals: 22023 naming the line; the list stays as it was
SELECT fintech.load_sanctions_ftm(E'{"id": "a", "schema": "Person", "properties": {"name": ["A B"]}}\n{"id": "b", "schema": ', 'FTM-TEST');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.load_sanctions_ftm(E'\n\n[1, 2]', 'FTM-TEST');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.load_sanctions_ftm('{"schema": "Person", "properties": {"name": ["A B"]}}', 'FTM-TEST');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.load_sanctions_ftm('{"id": 7, "schema": "Person", "properties": {"name": ["A B"]}}', 'FTM-TEST');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.load_sanctions_ftm('{"id": "a", "properties": {"name": ["A B"]}}', 'FTM-TEST');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.load_sanctions_ftm(:'ftm' || E'\n{"id": "ftm-c-1", "schema": "Company", "properties": {"name": ["X"]}}', 'FTM-TEST');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.load_sanctions_ftm('{"id": "a", "schema": "Person", "properties": ["A B"]}', 'FTM-TEST');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.load_sanctions_ftm('{"id": "a", "schema": "Person", "properties": {"name": "A B"}}', 'FTM-TEST');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.load_sanctions_ftm('{"id": "a", "schema": "Person", "properties": {"name": ["A B"], "country": [7]}}', 'FTM-TEST');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.load_sanctions_ftm('{"id": "a", "schema": "Person", "properties": {"alias": ["A B"]}}', 'FTM-TEST');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.load_sanctions_ftm('{"id": "a", "schema": "Person", "properties": {"name": ["A B"], "birthDate": ["1961-13-01"]}}', 'FTM-TEST');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.load_sanctions_ftm('{"id": "a", "schema": "Person", "properties": {"name": ["A B"], "birthDate": ["about 1960"]}}', 'FTM-TEST');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.load_sanctions_ftm('{"id": "a", "schema": "Person", "properties": {"name": ["' || repeat('Ab ', 400) || '"]}}', 'FTM-TEST');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.load_sanctions_ftm('{"id": "s", "schema": "Sanction", "properties": {"entity": ["a"]}}', 'FTM-TEST');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.load_sanctions_ftm('', 'FTM-TEST');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.load_sanctions_ftm(:'ftm', NULL);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.load_sanctions_ftm(NULL, 'FTM-TEST');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM v2_list('FTM-TEST');

-- a time after the date and a date of each precision are kept as precise as given
SELECT fintech.load_sanctions_ftm('{"id": "t", "schema": "Person", "properties": {"name": ["Tess Tee"], "birthDate": ["1970-01-02T00:00:00", "1971-02", "1972", "1970-01-02"]}}', 'FTM-TEST-2') AS listed;
SELECT birth_dates FROM fintech.sanctions_entities WHERE list = 'FTM-TEST-2';

-- ====================================================================
-- OFAC: birth dates from the remarks, countries as codes (of add.csv,
-- then the remarks' nationality / citizen / Nationality of Registration:
-- a name no country is left out without a NOTICE, "citizen's" and
-- "subnationality" are not the words)
-- ====================================================================
SELECT fintech.load_sanctions_ofac(
  E'1,"ONE, Person",individual,"T",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,"DOB 10 Dec 1948; alt. DOB 1950; POB Cairo, Egypt; citizen Egypt; alt. citizen Kenya."\r\n'
  '2,"TWO, Person",individual,"T",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,"DOB circa 1951; alt. DOB Aug 1946."\r\n'
  '3,"THREE, Person",individual,"T",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,"DOB 1951 to 1953; alt. DOB 01 Jan 1961 to 31 Dec 1962; alt. DOB circa 1979-1982; nationality Atlantis; citizen''s card 12"\r\n'
  '4,"FOUR, Person",individual,"T",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,"DOB 31 Feb 1950; alt. DOB sometime; nationality Iran; XDOB 1999"\r\n'
  '5,"FIVE TRADING",-0- ,"T",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,"Nationality of Registration Cyprus; subnationality Iran"\r\n',
  add_csv =>
  E'1,1,-0- ,-0- ,"Egypt",-0- \r\n'
  '2,2,-0- ,-0- ,"Korea, North",-0- \r\n'
  '5,3,-0- ,-0- ,"Russia",-0- \r\n'
  '5,4,-0- ,-0- ,"Region: Crimea",-0- \r\n'
  '5,5,-0- ,-0- ,"Atlantis",-0- \r\n'
  '5,6,-0- ,-0- ,"undetermined",-0- \r\n'
  '5,7,-0- ,-0- ,"Russian Federation",-0- \r\n',
  list => 'OFAC-V2') AS listed;
SELECT source_uid, kind, countries, birth_dates
  FROM fintech.sanctions_entities WHERE list = 'OFAC-V2' ORDER BY source_uid;

DROP FUNCTION v2_list(text);
DROP FUNCTION v2_names(text, text);
