-- test/fuzz/inputs.sql — the procedures of test/fuzz/inputs.sh: random
-- names of many scripts through screen_name, explain_match and
-- create_party, and mutated list files through the three loaders.  Every
-- call runs in a subtransaction that is rolled back; every error is
-- counted in fz_count by its outcome and recorded in fz_found with its
-- input (22023, the refusal of a bad input, and calls without an error
-- only as one sample in a hundred, without the input), every call slower
-- than fz.slow_ms too.  inputs.sh reads both.
\set ON_ERROR_STOP on
CREATE TABLE fz_found (at timestamptz DEFAULT clock_timestamp(), what text, state text,
                       msg text, ms numeric, input text);
CREATE TABLE fz_count (what text, state text, n bigint, PRIMARY KEY (what, state));
CREATE TABLE fz_names (name text);
CREATE TABLE fz_seed (loader text PRIMARY KEY, body text);

-- one call's outcome: st, its SQLSTATE, or NULL when it raised nothing
-- (then 'slow' when it took more than slow_ms since t1, else 'ok')
CREATE FUNCTION fz_note(what text, st text, m text, t1 timestamptz, slow_ms numeric, input text)
RETURNS void LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE ms numeric := round(extract(epoch FROM clock_timestamp() - t1) * 1000, 1);
BEGIN
  st := coalesce(st, CASE WHEN ms > slow_ms THEN 'slow' ELSE 'ok' END);
  INSERT INTO fz_count VALUES (what, st, 1)
    ON CONFLICT (what, state) DO UPDATE SET n = fz_count.n + 1;
  -- every finding with its input; one call in a hundred of the others
  -- without it (a list file is large)
  INSERT INTO fz_found (what, state, msg, ms, input)
    SELECT what, st, m, ms, CASE WHEN st NOT IN ('22023', 'ok') THEN input END
     WHERE st NOT IN ('22023', 'ok') OR random() < 0.01;
END $$;

-- one random character of a script the matcher treats apart, or a mark,
-- a blank, punctuation, an emoji
CREATE FUNCTION fz_char() RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  ranges int[] := ARRAY[x'0600'::int, x'06FF'::int,  x'0590'::int, x'05FF'::int,
                        x'4E00'::int, x'9FFF'::int,  x'AC00'::int, x'D7A3'::int,
                        x'1100'::int, x'11FF'::int,  x'3040'::int, x'30FF'::int,
                        x'0E00'::int, x'0E7F'::int,  x'0370'::int, x'03FF'::int,
                        x'0400'::int, x'04FF'::int,  x'0300'::int, x'036F'::int,
                        x'2000'::int, x'206F'::int,  x'0900'::int, x'097F'::int,
                        x'10A0'::int, x'10FF'::int,  x'FE70'::int, x'FEFF'::int,
                        x'FF00'::int, x'FFEF'::int,  x'1F300'::int, x'1F6FF'::int,
                        x'00C0'::int, x'024F'::int,  x'0E80'::int, x'0EFF'::int,
                        x'0021'::int, x'007E'::int,  x'3000'::int, x'303F'::int,
                        x'0020'::int, x'0020'::int,  x'0041'::int, x'005A'::int];
  r int := floor(random() * (array_length(ranges, 1) / 2))::int * 2 + 1;
BEGIN
  RETURN chr(ranges[r] + floor(random() * (ranges[r + 1] - ranges[r] + 1))::int);
END $$;

-- a listed name changed in a few places, or a random string
CREATE FUNCTION fz_name() RETURNS text LANGUAGE plpgsql AS $$
DECLARE r float := random(); s text := ''; n int; p int;
BEGIN
  IF r < 0.45 THEN
    SELECT name INTO s FROM fz_names OFFSET floor(random() * (SELECT count(*) FROM fz_names)) LIMIT 1;
    FOR i IN 1 .. 1 + floor(random() * 4)::int LOOP
      p := 1 + floor(random() * greatest(length(s), 1))::int;
      CASE floor(random() * 5)::int
        WHEN 0 THEN s := overlay(s PLACING fz_char() FROM p FOR 0);
        WHEN 1 THEN s := overlay(s PLACING '' FROM p FOR 1);
        WHEN 2 THEN s := overlay(s PLACING fz_char() FROM p FOR 1);
        WHEN 3 THEN s := s || ' ' || substr(s, p);
        ELSE s := upper(substr(s, 1, p)) || lower(substr(s, p + 1));
      END CASE;
    END LOOP;
    RETURN s;
  END IF;
  n := CASE WHEN r < 0.55 THEN 1 + floor(random() * 300)::int ELSE 1 + floor(random() * 40)::int END;
  FOR i IN 1 .. n LOOP s := s || fz_char(); END LOOP;
  RETURN s;
END $$;

CREATE PROCEDURE fz_names_run(secs int) LANGUAGE plpgsql AS $$
DECLARE
  t0 timestamptz := clock_timestamp(); t1 timestamptz; s text; e bigint; k int := 0;
  st text; m text; what text;
  kinds text[] := ARRAY[NULL, 'individual', 'entity', 'vessel', 'aircraft'];
BEGIN
  WHILE clock_timestamp() < t0 + make_interval(secs => secs) LOOP
    s := fz_name(); k := k + 1; t1 := clock_timestamp(); what := 'screen_name';
    BEGIN
      SELECT entity_id INTO e
        FROM fintech.screen_name(s, 0.3, 20,
               CASE WHEN random() < 0.3 THEN 'IR' END,
               CASE WHEN random() < 0.3 THEN date '1960-01-01' + floor(random() * 20000)::int END,
               kinds[1 + floor(random() * 5)::int])
       ORDER BY score DESC LIMIT 1;
      IF e IS NOT NULL THEN
        what := 'explain_match';
        PERFORM fintech.explain_match(s, e, CASE WHEN random() < 0.5 THEN 'SY' END, NULL,
                                      kinds[1 + floor(random() * 5)::int]);
      END IF;
      IF random() < 0.1 THEN
        what := 'create_party';
        PERFORM fintech.create_party(s, CASE WHEN random() < 0.5 THEN 'DE' END,
                                     (ARRAY['individual', 'entity'])[1 + floor(random() * 2)::int]);
      END IF;
      RAISE EXCEPTION USING ERRCODE = 'FZ999';
    EXCEPTION
      WHEN SQLSTATE 'FZ999' THEN
        PERFORM fz_note('names', NULL, what, t1, current_setting('fz.slow_ms')::numeric, s);
      WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, m = MESSAGE_TEXT;
        PERFORM fz_note('names', st, what || ': ' || m, t1, 0, s);
    END;
    IF k % 200 = 0 THEN COMMIT; END IF;
  END LOOP;
END $$;

-- a list file changed in a few places: characters of the formats' syntax
-- inserted or replaced, spans cut, repeated or moved, the file truncated
CREATE FUNCTION fz_mutate(s text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  p int; q int;
  toks text[] := ARRAY[',', '"', E'\n', '<', '>', '&', '/', '{', '}', ':', '[', ']', E'\\', ' ',
                       'é', '😀', '-0- ', '9', '""', '&amp;', '&#0;', '<![CDATA[', ']]>', '<!--',
                       '-->', 'null', 'true', '1e999', '-', E'\r', E'\t', '"schema":',
                       '"properties":', '</', 'DOB ', 'alt. ', ';', '.', 'ヾ', 'ﷺ', E'\u200d'];
BEGIN
  FOR i IN 1 .. 1 + floor(random() * 6)::int LOOP
    p := 1 + floor(random() * greatest(length(s), 1))::int;
    q := p + floor(random() * 40)::int;
    CASE floor(random() * 7)::int
      WHEN 0 THEN s := overlay(s PLACING toks[1 + floor(random() * array_length(toks, 1))::int] FROM p FOR 0);
      WHEN 1 THEN s := overlay(s PLACING '' FROM p FOR q - p);
      WHEN 2 THEN s := overlay(s PLACING toks[1 + floor(random() * array_length(toks, 1))::int] FROM p FOR 1);
      WHEN 3 THEN s := overlay(s PLACING substr(s, p, q - p) FROM p FOR 0);
      WHEN 4 THEN s := substr(s, 1, p);
      WHEN 5 THEN s := overlay(s PLACING repeat(substr(s, p, 3), 1 + floor(random() * 2000)::int) FROM p FOR 0);
      ELSE s := overlay(s PLACING substr(s, q, 200) FROM p FOR 0);
    END CASE;
  END LOOP;
  RETURN s;
END $$;

CREATE PROCEDURE fz_lists_run(secs int) LANGUAGE plpgsql AS $$
DECLARE
  t0 timestamptz := clock_timestamp(); t1 timestamptz; k int := 0; st text; m text;
  l text; b text; r float;
  sdn text := (SELECT body FROM fz_seed WHERE loader = 'sdn');
  alt text := (SELECT body FROM fz_seed WHERE loader = 'alt');
  addr text := (SELECT body FROM fz_seed WHERE loader = 'add');
BEGIN
  WHILE clock_timestamp() < t0 + make_interval(secs => secs) LOOP
    r := random(); k := k + 1; t1 := clock_timestamp();
    l := CASE WHEN r < 0.2 THEN 'sdn' WHEN r < 0.4 THEN 'alt+add' WHEN r < 0.7 THEN 'un' ELSE 'ftm' END;
    b := NULL;
    BEGIN
      IF l = 'sdn' THEN
        b := fz_mutate(sdn);
        PERFORM fintech.load_sanctions_ofac(b, alt, addr, list => 'FZ-OFAC');
      ELSIF l = 'alt+add' THEN
        b := fz_mutate(alt) || E'\n-- add.csv --\n' || fz_mutate(addr);
        PERFORM fintech.load_sanctions_ofac(sdn, split_part(b, E'\n-- add.csv --\n', 1),
                                            split_part(b, E'\n-- add.csv --\n', 2), list => 'FZ-OFAC');
      ELSIF l = 'un' THEN
        b := fz_mutate((SELECT body FROM fz_seed WHERE loader = 'un'));
        PERFORM fintech.load_sanctions_un(b, list => 'FZ-UN');
      ELSE
        b := fz_mutate((SELECT body FROM fz_seed WHERE loader = 'ftm'));
        PERFORM fintech.load_sanctions_ftm(b, list => 'FZ-FTM');
      END IF;
      RAISE EXCEPTION USING ERRCODE = 'FZ999';
    EXCEPTION
      WHEN SQLSTATE 'FZ999' THEN
        PERFORM fz_note('lists', NULL, l, t1, 10 * current_setting('fz.slow_ms')::numeric, b);
      WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, m = MESSAGE_TEXT;
        PERFORM fz_note('lists', st, l || ': ' || m, t1, 0, b);
    END;
    IF k % 20 = 0 THEN COMMIT; END IF;
  END LOOP;
END $$;
