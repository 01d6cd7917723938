-- card vault: tokens (length, last four, Luhn-invalid, stable), the key
-- file and its errors (55000), bad input (22023, never repeated), unknown
-- tokens (LD009), rights (42501), the record of each detokenization, and
-- no card number in any table.  Rotation with a worker: test/t/023_vault.pl.
\set VERBOSITY default
\set SHOW_CONTEXT never

CREATE FUNCTION luhn_ok(t text) RETURNS bool LANGUAGE sql IMMUTABLE AS $$
  SELECT sum(CASE WHEN (length(t) - i) % 2 = 1 THEN (CASE WHEN 2 * d > 9 THEN 2 * d - 9 ELSE 2 * d END) ELSE d END) % 10 = 0
    FROM (SELECT i, substr(t, i, 1)::int AS d FROM generate_series(1, length(t)) i) s $$;
-- the digits given and the check digit that makes them a valid card number
CREATE FUNCTION with_check_digit(t text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT t || c FROM generate_series(0, 9) c WHERE luhn_ok(t || c) $$;
-- write the key file (in the data directory, only the server's user may read it)
CREATE FUNCTION vault_key_lines(lines text[], mode text DEFAULT '077') RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('COPY (SELECT unnest(%L::text[])) TO PROGRAM %L', lines,
                 'rm -f fintech_vault_regress.key && umask ' || mode || ' && cat > fintech_vault_regress.key');
END $$;

-- no key file configured: 55000 with a hint
SELECT fintech.tokenize_card('4111111111111111');

ALTER SYSTEM SET fintech.vault_key_file = 'fintech_vault_regress.key';
SELECT pg_reload_conf();
SELECT vault_key_lines('{}');
\c
-- configured, but the file holds no key / is missing / malformed / world-readable
SELECT fintech.tokenize_card('4111111111111111');
COPY (SELECT 1 WHERE false) TO PROGRAM 'rm -f fintech_vault_regress.key && cat > /dev/null';
\c
SELECT fintech.tokenize_card('4111111111111111');
SELECT vault_key_lines('{# the current key, then older ones,00112233445566778899aabbccddeeff00112233445566778899aabbccddeef}');
\c
SELECT fintech.detokenize_card('4111111111111121');
SELECT fintech.rotate_vault_key();
SELECT vault_key_lines('{00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff,00112233445566778899aabbccddeeff00112233445566778899aabbccddeefg}');
\c
SELECT fintech.tokenize_card('4111111111111111');
SELECT vault_key_lines('{00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff}', '022');
\c
SELECT fintech.tokenize_card('4111111111111111');
-- a good file: a key, blank lines and comments
SELECT vault_key_lines('{# current,00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff,""}');
\c

-- ====================================================================
-- tokens
-- ====================================================================
CREATE TABLE cards AS
  SELECT p AS pan, fintech.tokenize_card(p) AS token
    FROM (VALUES ('4111111111111111'), ('5555555555554444'), ('378282246310005'),
                 (with_check_digit('12345678901')), (with_check_digit('123456789012345678'))) AS v(p);
SELECT length(pan) AS len, length(token) = length(pan) AS same_length,
       right(token, 4) = right(pan, 4) AS same_last_four,
       luhn_ok(pan) AS pan_luhn, luhn_ok(token) AS token_luhn, token ~ '^[0-9]+$' AS digits,
       token <> pan AS differs,
       fintech.tokenize_card(pan) = token AS stable
  FROM cards ORDER BY 1;
-- random: many cards with the same last four get as many tokens, none alike
SELECT count(DISTINCT fintech.tokenize_card(with_check_digit('4' || lpad(i::text, 10, '0') || '111'))) AS tokens,
       count(*) AS cards
  FROM generate_series(1, 200) i;
SELECT count(*) FILTER (WHERE luhn_ok(token)) AS luhn_valid_tokens FROM fintech.vault_cards;

-- bad input: 22023, and the message never repeats it
SELECT fintech.tokenize_card(NULL);
SELECT fintech.tokenize_card('4111111111111112');
SELECT fintech.tokenize_card('4111 1111 1111 1111');
SELECT fintech.tokenize_card('41111111111');
SELECT fintech.tokenize_card('41111111111111111111');
SELECT fintech.tokenize_card('');
SELECT fintech.tokenize_card('411111111111111a');
SELECT fintech.tokenize_card('４１１１１１１１１１１１１１１１');

-- ====================================================================
-- detokenize: the card back, each call recorded (and audited)
-- ====================================================================
SELECT count(*) FILTER (WHERE fintech.detokenize_card(token) = pan) AS round_trips, count(*) FROM cards;
SELECT accessed_by, count(*), bool_and(token IN (SELECT token FROM cards)) AS tokens_only
  FROM fintech.vault_access GROUP BY 1;
SELECT count(*) AS logged FROM fintech.audit_log WHERE table_name = 'fintech.vault_access';
SELECT fintech.detokenize_card(NULL);
SELECT fintech.detokenize_card('411111111111111x');
-- a card number (passes Luhn) is not a token: refused, not recorded
SELECT fintech.detokenize_card('4111111111111111');
-- an unknown token: LD009
SELECT fintech.detokenize_card('4111111111111121');
SELECT count(*) AS records FROM fintech.vault_access;

-- ====================================================================
-- no card number, no key, anywhere in the tables or the log
-- ====================================================================
SELECT count(*) AS rows_with_a_pan
  FROM fintech.vault_cards v, cards c WHERE v::text LIKE '%' || c.pan || '%';
SELECT count(*) AS log_rows_with_a_pan
  FROM fintech.audit_log a, cards c WHERE a::text LIKE '%' || c.pan || '%';
SELECT count(*) AS rows_with_the_key
  FROM fintech.vault_cards v
 WHERE v::text LIKE '%00112233445566778899aabbccddeeff%' OR encode(v.ciphertext, 'hex') LIKE '%00112233445566778899aabbccddeeff%';

-- ====================================================================
-- rights: tokenize is the application's; detokenize is nobody's, and an
-- application role is refused even when granted it by hand
-- ====================================================================
CREATE ROLE regress_vault_app;
CREATE ROLE regress_vault_reader;
SELECT fintech.grant_application('regress_vault_app');
GRANT SELECT ON cards TO regress_vault_app;
SET ROLE regress_vault_app;
SELECT fintech.tokenize_card('4111111111111111') = (SELECT token FROM cards WHERE pan = '4111111111111111') AS same_token;
SELECT fintech.detokenize_card((SELECT token FROM cards WHERE pan = '4111111111111111'));
SELECT count(*) FROM fintech.vault_cards;
RESET ROLE;
GRANT EXECUTE ON FUNCTION fintech.detokenize_card(text) TO regress_vault_app;
SET ROLE regress_vault_app;
SELECT fintech.detokenize_card((SELECT token FROM cards WHERE pan = '4111111111111111'));
RESET ROLE;
-- a role of its own, granted by hand
GRANT USAGE ON SCHEMA fintech TO regress_vault_reader;
GRANT EXECUTE ON FUNCTION fintech.detokenize_card(text) TO regress_vault_reader;
GRANT SELECT ON cards TO regress_vault_reader;
SET ROLE regress_vault_reader;
SELECT fintech.detokenize_card(token) = pan AS detokenized FROM cards WHERE pan = '5555555555554444';
SELECT fintech.tokenize_card('4111111111111111');
RESET ROLE;
SELECT accessed_by, token = (SELECT token FROM cards WHERE pan = '5555555555554444') AS its_token
  FROM fintech.vault_access ORDER BY id DESC LIMIT 1;
-- the role is recorded, not the owner the function runs as
SELECT count(*) AS logged_reader FROM fintech.audit_log
 WHERE table_name = 'fintech.vault_access' AND new_row->>'accessed_by' = 'regress_vault_reader';

-- ====================================================================
-- a damaged row does not decrypt (the tag binds the ciphertext to its token)
-- ====================================================================
CREATE TEMP TABLE swapped AS
  SELECT a.token AS a, a.iv, a.ciphertext, b.token AS b
    FROM fintech.vault_cards a, fintech.vault_cards b
   WHERE a.token = (SELECT token FROM cards WHERE pan = '4111111111111111')
     AND b.token = (SELECT token FROM cards WHERE pan = '5555555555554444');
UPDATE fintech.vault_cards v SET ciphertext = o.ciphertext, iv = o.iv
  FROM fintech.vault_cards o, swapped s WHERE v.token = s.a AND o.token = s.b;
SELECT fintech.detokenize_card((SELECT a FROM swapped));
UPDATE fintech.vault_cards v SET ciphertext = s.ciphertext, iv = s.iv FROM swapped s WHERE v.token = s.a;
SELECT fintech.detokenize_card((SELECT a FROM swapped)) = '4111111111111111' AS repaired;

-- ====================================================================
-- keys: a card under a key the file no longer holds; rotation
-- ====================================================================
SELECT fintech.rotate_vault_key();   -- one key: nothing to do
SELECT vault_key_lines('{ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100}');
\c
SELECT fintech.detokenize_card(token) FROM cards LIMIT 1;
SELECT fintech.rotate_vault_key();
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT fintech.rotate_vault_key();
ROLLBACK;

-- clean up: the server's setting and the file
ALTER SYSTEM RESET fintech.vault_key_file;
SELECT pg_reload_conf();
COPY (SELECT 1 WHERE false) TO PROGRAM 'rm -f fintech_vault_regress.key && cat > /dev/null';
DROP OWNED BY regress_vault_app, regress_vault_reader;
DROP ROLE regress_vault_app, regress_vault_reader;
DROP TABLE cards;
DROP FUNCTION luhn_ok(text), with_check_digit(text), vault_key_lines(text[], text);
