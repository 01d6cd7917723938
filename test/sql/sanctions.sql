-- sanctions: fintech.load_sanctions_ofac, the US Treasury's legacy CSV files
-- (a slice of the SDN list in test/data/ofac, see its README): the values
-- loaded, reloads keeping ids, dropped entities, the format's quirks and
-- every refusal, after which the list is as it was.
\set VERBOSITY default
\set sdn `cat test/data/ofac/sdn.csv`
\set alt `cat test/data/ofac/alt.csv`
\set add `cat test/data/ofac/add.csv`

-- a list at a glance (no ids, times or generations: they depend on the run)
CREATE FUNCTION list_state(l text) RETURNS TABLE(version bigint, entities int, names int,
    listed bigint, unlisted bigint, name_rows bigint, source_hash text)
LANGUAGE sql AS $$
  SELECT s.version, s.entities, s.names,
         (SELECT count(*) FROM fintech.sanctions_entities e WHERE e.list = l AND e.listed),
         (SELECT count(*) FROM fintech.sanctions_entities e WHERE e.list = l AND NOT e.listed),
         (SELECT count(*) FROM fintech.sanctions_names n WHERE n.list = l),
         left(encode(s.source_hash, 'hex'), 16)
    FROM fintech.sanctions_lists s WHERE s.list = l
$$;
-- the CSV text with line n replaced (the slice's lines end in CRLF)
CREATE FUNCTION with_line(csv text, n int, line text) RETURNS text
LANGUAGE sql AS $$
  SELECT string_agg(CASE WHEN i = n THEN line ELSE l END, E'\r\n' ORDER BY i)
    FROM regexp_split_to_table(csv, E'\r\n') WITH ORDINALITY AS t(l, i)
$$;
-- an entity with its names, by list and ent_num
CREATE FUNCTION entity(l text, uid text) RETURNS TABLE(name text, kind text, programs text[],
    countries text[], title text, remarks text, listed boolean, names text[])
LANGUAGE sql AS $$
  SELECT e.name, e.kind, e.programs, e.countries, e.title, e.remarks, e.listed,
         ARRAY(SELECT n.name_type || ':' || coalesce(n.source_uid, '-') || ':' || n.name
                 FROM fintech.sanctions_names n WHERE n.entity_id = e.id
                ORDER BY n.name_type <> 'primary', n.source_uid::bigint)
    FROM fintech.sanctions_entities e WHERE e.list = l AND e.source_uid = uid
$$;

-- ====================================================================
-- first load: version 1
-- ====================================================================
SELECT fintech.load_sanctions_ofac(sdn_csv => :'sdn', alt_csv => :'alt', add_csv => :'add') AS listed;
SELECT list, version, entities, names, generation = currval('fintech.sanctions_generation') AS new_generation,
       loaded_by = session_user AS loaded_by_me
  FROM fintech.sanctions_lists;
SELECT * FROM list_state('OFAC-SDN');
-- source_hash: SHA-256 of the three inputs, each "<bytes>:<text>" ("N" for NULL)
SELECT source_hash = digest(octet_length(:'sdn') || ':' || :'sdn' || octet_length(:'alt') || ':' || :'alt'
                            || octet_length(:'add') || ':' || :'add', 'sha256') AS hash_ok
  FROM fintech.sanctions_lists WHERE list = 'OFAC-SDN';
SELECT kind, count(*) FROM fintech.sanctions_entities WHERE list = 'OFAC-SDN' GROUP BY 1 ORDER BY 1;
SELECT name_type, count(*) FROM fintech.sanctions_names WHERE list = 'OFAC-SDN' GROUP BY 1 ORDER BY 1;
SELECT source_uid, name, kind, programs, countries, title
  FROM fintech.sanctions_entities
 WHERE list = 'OFAC-SDN' AND source_uid IN ('36', '173', '306', '6365', '6366', '11695', '20157', '22790')
 ORDER BY source_uid::bigint;
-- names with their aliases (name_type:alt_num:name)
SELECT unnest(names) FROM entity('OFAC-SDN', '306');
SELECT unnest(names) FROM entity('OFAC-SDN', '6365');
-- fka and nka aliases
SELECT e.source_uid, n.name_type, n.source_uid AS alt_num, n.name
  FROM fintech.sanctions_names n JOIN fintech.sanctions_entities e ON e.id = n.entity_id
 WHERE n.list = 'OFAC-SDN' AND n.name_type IN ('fka', 'nka')
 ORDER BY n.name_type, n.source_uid::bigint LIMIT 8;
-- remarks with commas and quotes, a vessel and an aircraft
SELECT remarks FROM entity('OFAC-SDN', '306');
SELECT source_uid, name, kind, programs, left(remarks, 60) AS remarks
  FROM fintech.sanctions_entities
 WHERE list = 'OFAC-SDN' AND kind IN ('vessel', 'aircraft')
 ORDER BY kind, source_uid::bigint LIMIT 4;
-- multi-program entities, and the most countries
SELECT count(*) FILTER (WHERE cardinality(programs) > 1) AS multi_program,
       max(cardinality(countries)) AS most_countries,
       count(*) FILTER (WHERE countries = '{}') AS no_country
  FROM fintech.sanctions_entities WHERE list = 'OFAC-SDN';

-- ====================================================================
-- reload the same files: version 2, a new generation, the same ids
-- ====================================================================
CREATE TEMP TABLE ids1 AS
  SELECT source_uid, id FROM fintech.sanctions_entities WHERE list = 'OFAC-SDN';
SELECT generation AS gen1 FROM fintech.sanctions_lists WHERE list = 'OFAC-SDN' \gset
SELECT fintech.load_sanctions_ofac(:'sdn', :'alt', :'add') AS listed;
SELECT * FROM list_state('OFAC-SDN');
SELECT generation > :gen1 AS new_generation FROM fintech.sanctions_lists WHERE list = 'OFAC-SDN';
SELECT count(*) AS entities, count(*) FILTER (WHERE e.id = i.id) AS same_id, min(e.version) AS version
  FROM ids1 i JOIN fintech.sanctions_entities e ON e.list = 'OFAC-SDN' AND e.source_uid = i.source_uid;

-- ====================================================================
-- reload with a smaller hand-made list: 36, 173 (renamed), 306 and a new
-- one; the others are unlisted (kept, their names gone), no addresses
-- ====================================================================
SELECT fintech.load_sanctions_ofac(
  E'36,"AEROCARIBBEAN AIRLINES",-0- ,"CUBA",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n' ||
  E'173,"ANGLO-CARIBBEAN COMPANY, LTD.",-0- ,"CUBA",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n' ||
  E'306,"BANCO NACIONAL DE CUBA",-0- ,"CUBA",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,"a.k.a. ''BNC''."\r\n' ||
  E'999001,"NEW TRADING LLC",-0- ,"SDGT] [IRAN",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n\x1a',
  E'306,220,"aka","NATIONAL BANK OF CUBA",-0- \r\n999001,1,"fka","OLD TRADING LLC",-0- \r\n\x1a') AS listed;
SELECT * FROM list_state('OFAC-SDN');
SELECT e.source_uid, e.name, e.listed, e.version, e.countries, i.id IS NOT DISTINCT FROM e.id AS same_id
  FROM fintech.sanctions_entities e LEFT JOIN ids1 i USING (source_uid)
 WHERE e.list = 'OFAC-SDN' AND e.listed ORDER BY e.source_uid::bigint;
SELECT count(*) AS unlisted, count(*) FILTER (WHERE e.id = i.id) AS same_id, min(e.version) AS version,
       (SELECT count(*) FROM fintech.sanctions_names n JOIN fintech.sanctions_entities u ON u.id = n.entity_id
         WHERE NOT u.listed) AS their_names
  FROM fintech.sanctions_entities e JOIN ids1 i USING (source_uid)
 WHERE e.list = 'OFAC-SDN' AND NOT e.listed;
SELECT unnest(names) FROM entity('OFAC-SDN', '999001');
-- the full slice again: everything listed again under its old id, the new
-- one unlisted by this load (version 4)
SELECT fintech.load_sanctions_ofac(:'sdn', :'alt', :'add') AS listed;
SELECT * FROM list_state('OFAC-SDN');
SELECT count(*) AS relisted, count(*) FILTER (WHERE e.id = i.id) AS same_id
  FROM ids1 i JOIN fintech.sanctions_entities e ON e.list = 'OFAC-SDN' AND e.source_uid = i.source_uid
 WHERE e.listed AND e.version = 4;
SELECT source_uid, listed, version FROM fintech.sanctions_entities WHERE source_uid = '999001';
-- a load rolled back with its transaction leaves nothing
BEGIN;
SELECT fintech.load_sanctions_ofac(E'1,"X",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ') AS listed;
SELECT version, entities FROM list_state('OFAC-SDN');
ROLLBACK;
SELECT * FROM list_state('OFAC-SDN');

-- ====================================================================
-- the format's quirks, in a list of their own
-- ====================================================================
-- CRLF and LF lines, blank lines, doubled quotes, commas inside quotes,
-- -0- with and without its space, empty fields, blanks around fields and
-- quotes, bracketed programs, a Ctrl-Z trailer after the last line end;
-- alt_type spelt a.k.a., F.K.A., " nka "; countries distinct, in file order
SELECT fintech.load_sanctions_ofac(
  E'1,"SMITH, John ""Johnny""","individual","SDGT] [IRAN",-0-,-0- ,,  ,-0- ,-0- ,-0- ,"DOB 1970; a.k.a. ""JJ"", ''Smitty''"\r\n' ||
  E'\r\n' ||
  E'   \n' ||
  E'  2 , "ACME CO., LTD." ,-0- ,  "[CUBA]"  ,"" ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- , plain remark \n' ||
  E'3,"MV OCEAN",VESSEL,"[NPWMD] [IFSR]",-0- ,"ABCD1","Cargo","1,000","2,000","Panama","OWNER, INC.",-0- \r\n' ||
  E'4,"JET ONE","aircraft",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n\x1a',
  E'1,10,"a.k.a.","SMITH, Johnny",-0- \n2,20,"F.K.A.","ACME TRADING",-0- \r\n2,21," nka ","ACME NEW",-0- \r\n\x1a',
  E'2,1,"Street 1","City","Cuba",-0- \r\n2,2,-0- ,-0- ,-0- ,-0- \r\n2,3,"Street 2",-0- ,"Spain",-0- \r\n' ||
  E'2,4,-0- ,"Havana","Cuba",-0- \r\n3,5,-0- ,-0- ,"Panama",-0- \r\n\x1a',
  list => 'TEST-QUIRKS') AS listed;
SELECT source_uid, name, kind, programs, countries, title, remarks
  FROM fintech.sanctions_entities WHERE list = 'TEST-QUIRKS' ORDER BY source_uid::bigint;
SELECT e.source_uid, n.name_type, n.source_uid AS alt_num, n.name
  FROM fintech.sanctions_names n JOIN fintech.sanctions_entities e ON e.id = n.entity_id
 WHERE n.list = 'TEST-QUIRKS' ORDER BY e.source_uid::bigint, n.name_type <> 'primary', n.source_uid;
-- LF only, no final line end, no trailer; leading zeros in ent_num
SELECT fintech.load_sanctions_ofac(
  E'001,"ONE",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \n' ||
  E'5,"FIVE, Five",individual,"A]  [B",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,"last, no newline"',
  E'5,50,aka,"FIVE, V",-0-',
  list => 'TEST-QUIRKS') AS listed;
SELECT * FROM list_state('TEST-QUIRKS');
SELECT source_uid, name, kind, programs, listed, version, remarks
  FROM fintech.sanctions_entities WHERE list = 'TEST-QUIRKS' ORDER BY source_uid::bigint;
-- a list name of 255 bytes is fine
SELECT fintech.load_sanctions_ofac(E'7,"SEVEN",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ',
                                   list => repeat('x', 255)) AS listed;

-- ====================================================================
-- refusals: 22023 naming the file and line; nothing changes
-- ====================================================================
CREATE TEMP TABLE before AS SELECT * FROM list_state('OFAC-SDN');
CREATE FUNCTION intact() RETURNS boolean LANGUAGE sql AS $$
  SELECT (SELECT row(s.*)::text FROM list_state('OFAC-SDN') s) = (SELECT row(b.*)::text FROM before b)
     AND (SELECT count(*) FROM fintech.sanctions_entities e JOIN ids1 i USING (source_uid)
           WHERE e.list = 'OFAC-SDN' AND e.id = i.id AND e.listed) = 142
$$;
SELECT intact();
-- arguments
SELECT fintech.load_sanctions_ofac(NULL, :'alt', :'add');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.load_sanctions_ofac(:'sdn', :'alt', :'add', NULL);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.load_sanctions_ofac(:'sdn', :'alt', :'add', '');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.load_sanctions_ofac(:'sdn', :'alt', :'add', repeat('x', 256));
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- an sdn.csv without records would withdraw the list: refused
SELECT fintech.load_sanctions_ofac('', :'alt', :'add');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.load_sanctions_ofac(E'\r\n  \r\n\x1a');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT intact();
-- the CSV itself
SELECT fintech.load_sanctions_ofac(with_line(:'sdn', 17,
  '99999,"BROKEN NAME,-0- ,"CUBA",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- '), :'alt', :'add');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.load_sanctions_ofac(with_line(:'sdn', 17,
  '99999,"BROKEN NAME,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- '), :'alt', :'add');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.load_sanctions_ofac(with_line(:'sdn', 5,
  '99999,"SAY "HI"",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- '), :'alt', :'add');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.load_sanctions_ofac(with_line(:'sdn', 6,
  '99999,SAY "HI",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- '), :'alt', :'add');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.load_sanctions_ofac(:'sdn', with_line(:'alt', 3, '306,220,"aka","NATIONAL BANK OF CUBA"'), :'add');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.load_sanctions_ofac(with_line(:'sdn', 8,
  '735,"EMPRESA CUBANA DE AVIACION",-0- ,"CUBA",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- '), :'alt', :'add');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.load_sanctions_ofac(:'sdn', :'alt', with_line(:'add', 2, '173,129,"Ibex House","London","United Kingdom"'));
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT intact();
-- the values
SELECT fintech.load_sanctions_ofac(with_line(:'sdn', 9,
  '12x,"NAME",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- '), :'alt', :'add');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.load_sanctions_ofac(with_line(:'sdn', 9,
  '0,"NAME",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- '), :'alt', :'add');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.load_sanctions_ofac(with_line(:'sdn', 9,
  '99999999999999999999,"NAME",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- '), :'alt', :'add');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.load_sanctions_ofac(with_line(:'sdn', 9,
  '-0- ,"NAME",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- '), :'alt', :'add');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.load_sanctions_ofac(with_line(:'sdn', 40,
  '306,"BANCO NACIONAL DE CUBA",-0- ,"CUBA",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- '), :'alt', :'add');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.load_sanctions_ofac(with_line(:'sdn', 2,
  '173,"  ",-0- ,"CUBA",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- '), :'alt', :'add');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.load_sanctions_ofac(with_line(:'sdn', 2,
  '173,-0- ,-0- ,"CUBA",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- '), :'alt', :'add');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.load_sanctions_ofac(with_line(:'sdn', 2,
  '173,"ANGLO-CARIBBEAN CO., LTD.","company","CUBA",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- '), :'alt', :'add');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.load_sanctions_ofac(:'sdn', with_line(:'alt', 5, '99,9999,"aka","NOBODY",-0- '), :'add');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.load_sanctions_ofac(:'sdn', :'alt', with_line(:'add', 7, '99,9999,-0- ,-0- ,"Cuba",-0- '));
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.load_sanctions_ofac(:'sdn', with_line(:'alt', 4, '540,4x,"aka","COIBA",-0- '), :'add');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.load_sanctions_ofac(:'sdn', :'alt', with_line(:'add', 3, '306,-0- ,"Street",-0- ,"Cuba",-0- '));
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.load_sanctions_ofac(:'sdn', with_line(:'alt', 4, '540,471,"aka","",-0- '), :'add');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.load_sanctions_ofac(:'sdn', with_line(:'alt', 4, '540,471,"xyz","COIBA",-0- '), :'add');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.load_sanctions_ofac(:'sdn', with_line(:'alt', 4, '540,471,-0- ,"COIBA",-0- '), :'add');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- an error at the very end of a file still loads nothing
SELECT fintech.load_sanctions_ofac(:'sdn', with_line(:'alt', 458, '22790,99999,"aka",-0- ,-0- '), :'add');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT intact();

-- ====================================================================
-- the audit trail of fintech.sanctions_lists
-- ====================================================================
SELECT operation, new_row->>'list' AS list, old_row->>'version' AS old_version,
       new_row->>'version' AS version, new_row->>'entities' AS entities, new_row->>'names' AS names
  FROM fintech.audit_log
 WHERE table_name = 'fintech.sanctions_lists' AND new_row->>'list' IN ('OFAC-SDN', 'TEST-QUIRKS')
 ORDER BY id;
SELECT fintech.seal_audit() > 0 AS sealed;
SELECT ok, first_bad_seq FROM fintech.verify_audit();

DROP FUNCTION intact();
DROP FUNCTION entity(text, text);
DROP FUNCTION with_line(text, int, text);
DROP FUNCTION list_state(text);
