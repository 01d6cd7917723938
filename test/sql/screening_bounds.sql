-- screening_bounds: names are at most 1,000 characters (a longer name to
-- screen is 22023, a longer listed name refuses the whole load with 22023
-- naming the file and the line, and loads nothing); normalisation copes
-- with names made mostly of combining marks.  Uses its own list, BOUNDS.
\set VERBOSITY default

-- the SQLSTATE and message of a statement, or 'ok'
CREATE FUNCTION sb_try(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE q;
  RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

-- what the sanctions tables hold
CREATE FUNCTION sb_lists() RETURNS text LANGUAGE sql AS $$
  SELECT concat_ws('|',
    (SELECT string_agg(list || ':' || version || ':' || entities || ':' || names, ',' ORDER BY list)
       FROM fintech.sanctions_lists),
    (SELECT count(*) FROM fintech.sanctions_entities),
    (SELECT count(*) FROM fintech.sanctions_names))
$$;

-- an sdn.csv record (ent_num, name)
CREATE FUNCTION sb_sdn(n int, name text) RETURNS text LANGUAGE sql AS $$
  SELECT n || ',"' || replace(name, '"', '""') || '",individual,"BOUNDS",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- '
$$;

-- the list: one ordinary name, one of exactly 1,000 characters, one of
-- combining marks, an alias
SELECT fintech.load_sanctions_ofac(
  sb_sdn(1, 'QUIBBLEWORTH, Ottoline') || E'\n' ||
  sb_sdn(2, 'Zanzibarovna ' || repeat('x', 987)) || E'\n' ||
  -- Zoltán Kovács written with 300 pairs of marks of classes 230 and 220
  -- after the a: the worst case of canonical reordering
  sb_sdn(3, 'Zolta' || repeat(U&'\0301\0316', 300) || 'n Kova' || U&'\030C' || 'cs'),
  E'1,10,aka,"Ottoline Quibbleworth-Smythe",-0- \n',
  NULL, list => 'BOUNDS') AS listed;
SELECT char_length(name) AS chars, octet_length(name) AS bytes FROM fintech.sanctions_names
 WHERE list = 'BOUNDS' ORDER BY source_uid NULLS FIRST, char_length(name);
SELECT sb_lists() AS before \gset

-- ====================================================================
-- a name to screen: up to 1,000 characters
-- ====================================================================
SELECT matched_name, round(score::numeric, 3) AS score
  FROM fintech.screen_name('Ottoline Quibbleworth', 0.85, 3);
-- exactly 1,000 characters (2,000 bytes) is screened
SELECT count(*) FROM fintech.screen_name(repeat('é', 1000), 0.85, 3);
SELECT left(matched_name, 20) AS matched, char_length(matched_name) AS chars,
       round(score::numeric, 3) AS score
  FROM fintech.screen_name('Zanzibarovna ' || repeat('x', 987), 0.85, 3);
-- 1,001 characters, and 10 million: 22023 naming the length and the limit
SELECT sb_try($$SELECT fintech.screen_name(repeat('é', 1001), 0.85, 3)$$);
SELECT sb_try($$SELECT fintech.screen_name(repeat('abc ', 2500000), 0.85, 3)$$);
-- a party's name too: create_party refuses it before screening
SELECT sb_try($$SELECT fintech.create_party(repeat('Quibbleworth ', 77) || 'Ottoline')$$);
SELECT sb_try($$SELECT fintech.create_party(repeat('ab', 500) || 'c')$$);
SELECT count(*) AS parties FROM fintech.parties WHERE name LIKE 'Quibbleworth Quibbleworth%' OR name LIKE 'abab%';
-- a party of 1,000 characters is created and screened
SELECT fintech.create_party('Ottoline Quibbleworth' || repeat(' ', 979)) > 0 AS created;
SELECT status FROM fintech.parties WHERE name = 'Ottoline Quibbleworth' || repeat(' ', 979);

-- ====================================================================
-- combining marks: normalised (and dropped) in linear time
-- ====================================================================
SELECT matched_name = (SELECT name FROM fintech.sanctions_names WHERE list = 'BOUNDS' AND name LIKE 'Zolta%')
         AS same_name, round(score::numeric, 3) AS score
  FROM fintech.screen_name('Zoltán Kovács', 0.85, 3);
-- the query side: 978 marks between the letters of a name
SELECT matched_name, round(score::numeric, 3) AS score
  FROM fintech.screen_name('Ottoline Q' || repeat(U&'\0316\0301', 489) || 'uibbleworth', 0.85, 3);
-- marks in the other order, and precomposed letters, are the same name
SELECT round(score::numeric, 3) AS score
  FROM fintech.screen_name('Zolta' || repeat(U&'\0316\0301', 300) || 'n Kovács', 0.85, 1);
-- nothing but marks: nothing to match (22023)
SELECT regexp_replace(sb_try($$SELECT fintech.screen_name(repeat(U&'\0301', 1000), 0.85, 3)$$),
                      '"[^"]*"', '"(1,000 marks)"') AS refused;

-- ====================================================================
-- a listed name over 1,000 characters refuses the whole load
-- ====================================================================
-- SDN_Name on line 3 (and the list is not changed)
SELECT sb_try($$SELECT fintech.load_sanctions_ofac(
  sb_sdn(1, 'QUIBBLEWORTH, Ottoline') || E'\n' || sb_sdn(2, 'Someone Else') || E'\r\n' ||
  sb_sdn(7, repeat('ñ', 1001)) || E'\n' || sb_sdn(8, 'Last One'), list => 'BOUNDS')$$);
-- alt_name on line 2; 1,001 characters that are 1,001 bytes
SELECT sb_try($$SELECT fintech.load_sanctions_ofac(
  sb_sdn(1, 'QUIBBLEWORTH, Ottoline') || E'\n' || sb_sdn(2, 'Someone Else'),
  E'1,10,aka,"Ottoline Q",-0- \n2,11,fka,"' || repeat('y', 1001) || E'",-0- \n', NULL,
  list => 'BOUNDS')$$);
-- a new list is not created either; a 10 MB name is refused the same way
SELECT sb_try($$SELECT fintech.load_sanctions_ofac(sb_sdn(5, repeat('z', 10000000)), list => 'BOUNDS_NEW')$$);
SELECT sb_lists() = :'before' AS nothing_loaded;
SELECT count(*) AS bounds_new FROM fintech.sanctions_lists WHERE list = 'BOUNDS_NEW';

-- the same file with the long names cut to 1,000 characters loads
SELECT fintech.load_sanctions_ofac(
  sb_sdn(1, 'QUIBBLEWORTH, Ottoline') || E'\n' || sb_sdn(2, 'Someone Else') || E'\r\n' ||
  sb_sdn(7, repeat('ñ', 1000)) || E'\n' || sb_sdn(8, 'Last One'),
  E'1,10,aka,"Ottoline Q",-0- \n2,11,fka,"' || repeat('y', 1000) || E'",-0- \n', NULL,
  list => 'BOUNDS') AS listed;
SELECT version, entities, names FROM fintech.sanctions_lists WHERE list = 'BOUNDS';
SELECT count(*) FROM fintech.screen_name(repeat('ñ', 1000), 0.85, 3);

-- an iteration mark after a character outside the BMP: ICU's kana rules
-- repeat the UTF-16 unit before the mark, half of the emoji; the name is
-- screened (that half matches nothing), not refused with an internal error
SELECT count(*) AS emoji_mark FROM fintech.screen_name(E'\U0001F600\u30FE', 0.3, 3);
SELECT matched_name, score >= 0.85 AS found
  FROM fintech.screen_name(E'\U0001F5C5\u30FD QUIBBLEWORTH Ottoline', 0.85, 3);
SELECT fintech.explain_match(E'\U0001F600\u309D QUIBBLEWORTH Ottoline', id) ->> 'score' IS NOT NULL AS explained
  FROM fintech.sanctions_entities WHERE list = 'BOUNDS' AND source_uid = '1';

-- leave the list small for the tests after this one
SELECT fintech.load_sanctions_ofac(sb_sdn(1, 'QUIBBLEWORTH, Ottoline'), list => 'BOUNDS') AS listed;
DROP FUNCTION sb_try(text), sb_lists(), sb_sdn(int, text);
