-- erasure: personal values committed to at capture (fintech.audit_personal),
-- audit_table's personal_columns, erase_party, erase_audited_row, the legal
-- holds (LD011), the record of each erasure, and the rights of each duty.
-- (No background sealer works in this database: seal_audit() does it.)
\set VERBOSITY default
SET TimeZone = 'UTC';
SELECT fintech.seal_audit() >= 0 AS sealed_earlier_rows;
SELECT coalesce(max(id), 0) AS base FROM fintech.audit_log \gset
-- a commitment is SHA-256(salt || value #>> '{}') in hex; plain SQL checks it
CREATE FUNCTION regress_commitment_ok(p fintech.audit_personal) RETURNS boolean LANGUAGE sql AS $$
  SELECT p.commitment = sha256(p.salt || convert_to(p.value #>> '{}', 'UTF8'))
     AND (SELECT CASE p.image WHEN 'old' THEN l.old_row ELSE l.new_row END -> p.column_name ->> 'commitment'
            FROM fintech.audit_log l WHERE l.id = p.audit_id) = encode(p.commitment, 'hex')
$$;
-- an error's SQLSTATE and message, ids masked (party and alert ids depend on the tests before)
CREATE FUNCTION regress_erase_try(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE q;
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || regexp_replace(SQLERRM, '[0-9]+', 'N', 'g');
END
$$;

-- ====================================================================
-- fintech's own personal columns: parties, screening alerts
-- ====================================================================
SELECT fintech.load_sanctions_ofac(
  E'1,"KORVALDI BRASTEN, Ilmar",individual,"T",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n'
  || E'2,"ZENTHOLM, Quirin",individual,"T",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n'
  || E'3,"VASSLOR DUNNE, Oskarin",individual,"T",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n',
  list => 'REGRESS-ERASE') AS listed;
SELECT fintech.create_party('Erika Mustermann', country => 'DE', external_ref => 'regress-erika',
                            birth_date => '1964-08-12') AS erika \gset
SELECT birth_date FROM fintech.parties WHERE id = :erika;
SELECT fintech.create_party('Ilmar Korvaldi Brasten', external_ref => 'regress-nm') AS nm \gset
SELECT fintech.create_party('Quirin Zentholm') AS pablo \gset
SELECT fintech.create_party('Oskarin Vasslor Dunne') AS chapo \gset
SELECT fintech.create_party('Max Held') AS max \gset
SELECT id = :nm AS nm, status FROM fintech.parties WHERE id IN (:nm, :pablo, :chapo) ORDER BY id;
-- no name in clear in the log: a commitment object in its place
SELECT l.operation, jsonb_typeof(l.new_row -> 'name') AS name, l.new_row -> 'name' ? 'commitment' AS committed,
       length(l.new_row -> 'name' ->> 'commitment') AS hex_digits, l.new_row -> 'country' AS country,
       l.new_row -> 'external_ref' ? 'commitment' AS ref_committed
  FROM fintech.audit_log l
 WHERE l.id > :base AND l.table_name = 'fintech.parties' AND l.new_row ->> 'id' = :'erika';
SELECT count(*) AS log_rows_with_names FROM fintech.audit_log
 WHERE id > :base AND (old_row::text LIKE '%Mustermann%' OR new_row::text LIKE '%Mustermann%'
                       OR old_row::text LIKE '%Korvaldi%' OR new_row::text LIKE '%Korvaldi%');
-- the values and salts: one row per value, keyed by audit row, image and column
SELECT p.image, p.column_name, p.tbl, p.row_key = jsonb_build_object('id', :erika) AS row_key, p.value,
       length(p.salt) AS salt_bytes, regress_commitment_ok(p) AS commitment_ok
  FROM fintech.audit_personal p JOIN fintech.audit_log l ON l.id = p.audit_id
 WHERE l.table_name = 'fintech.parties' AND p.row_key = jsonb_build_object('id', :erika)
 ORDER BY p.audit_id, p.image, p.column_name;
-- a NULL value is not committed (Quirin has no external_ref)
SELECT DISTINCT column_name FROM fintech.audit_personal WHERE row_key = jsonb_build_object('id', :pablo)
   AND tbl = 'fintech.parties'::regclass ORDER BY 1;
-- the alerts' party_name too
SELECT s.party_id = :nm AS nm, l.new_row -> 'party_name' ? 'commitment' AS committed,
       l.new_row ->> 'matched_name' AS matched_name, p.value AS party_name
  FROM fintech.screening_alerts s
  JOIN fintech.audit_log l ON l.table_name = 'fintech.screening_alerts' AND l.operation = 'INSERT'
                          AND (l.new_row ->> 'id')::bigint = s.id
  JOIN fintech.audit_personal p ON p.audit_id = l.id AND p.column_name = 'party_name'
 WHERE s.party_id = :nm;
-- a salt is never reused: two captures of one value commit differently
SELECT count(DISTINCT commitment) = count(*) AS all_distinct, count(DISTINCT salt) = count(*) AS salts_distinct
  FROM fintech.audit_personal;

-- ====================================================================
-- audit_table(tbl, personal_columns)
-- ====================================================================
CREATE TABLE regress_customers (id int PRIMARY KEY, email text, name text, phone text, tier text);
SELECT fintech.audit_table('regress_customers', personal_columns => '{email, name}');
SELECT tbl, columns FROM fintech.audit_personal_columns WHERE tbl = 'regress_customers'::regclass;
-- a column that does not exist: 42703, naming table and column
SELECT fintech.audit_table('regress_customers', personal_columns => '{email, mail}');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- a primary key column cannot be personal; NULL elements, 2-D arrays: 22023
SELECT fintech.audit_table('regress_customers', personal_columns => '{id}');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.audit_table('regress_customers', personal_columns => '{email, NULL}');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.audit_table('regress_customers', personal_columns => '{{email}, {name}}');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- a table without a primary key cannot have personal columns (erasure finds rows by key)
CREATE TABLE regress_nokey (email text);
SELECT fintech.audit_table('regress_nokey', personal_columns => '{email}');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT count(*) AS triggers_left FROM pg_trigger WHERE tgrelid = 'regress_nokey'::regclass;
-- fintech.audit_personal itself is never audited
SELECT fintech.audit_table('fintech.audit_personal');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- the list was not changed by the refusals; without the argument it stays
SELECT fintech.audit_table('regress_customers');
SELECT columns FROM fintech.audit_personal_columns WHERE tbl = 'regress_customers'::regclass;

INSERT INTO regress_customers VALUES (1, 'ann@example.com', 'Ann Smith', '555-0101', 'gold'),
                                     (2, NULL, 'Bert Jones', '555-0102', 'silver');
UPDATE regress_customers SET email = 'ann@example.org', tier = 'platinum' WHERE id = 1;
-- a second call updates the list: phone from now on, name no longer
SELECT fintech.audit_table('regress_customers', personal_columns => '{email, phone}');
SELECT columns FROM fintech.audit_personal_columns WHERE tbl = 'regress_customers'::regclass;
UPDATE regress_customers SET phone = '555-0199', name = 'Bert B. Jones' WHERE id = 2;
SELECT l.operation, l.old_row ->> 'id' AS id,
       (SELECT string_agg(k || '=' || CASE WHEN l.old_row -> k ? 'commitment' THEN 'C' ELSE coalesce(l.old_row ->> k, 'null') END, ' ' ORDER BY k)
          FROM jsonb_object_keys(l.old_row) k) AS old_row,
       (SELECT string_agg(k || '=' || CASE WHEN l.new_row -> k ? 'commitment' THEN 'C' ELSE coalesce(l.new_row ->> k, 'null') END, ' ' ORDER BY k)
          FROM jsonb_object_keys(l.new_row) k) AS new_row
  FROM fintech.audit_log l WHERE l.id > :base AND l.table_name = 'public.regress_customers'
 ORDER BY l.id;
SELECT p.row_key, p.image, p.column_name, p.value, regress_commitment_ok(p) AS commitment_ok
  FROM fintech.audit_personal p WHERE p.tbl = 'regress_customers'::regclass
 ORDER BY p.audit_id, p.image, p.column_name;
SELECT fintech.seal_audit() > 0 AS sealed;
SELECT ok, detail ~ '^[0-9]+ sealed rows verified$' AS nothing_erased FROM fintech.verify_audit();

-- ====================================================================
-- erase_audited_row
-- ====================================================================
SELECT fintech.erase_audited_row('regress_customers', '{"id": 1}', reason => 'GDPR request 17');
SELECT count(*) AS values_left FROM fintech.audit_personal
 WHERE tbl = 'regress_customers'::regclass AND row_key = '{"id": 1}';
SELECT count(*) AS values_of_row_2 FROM fintech.audit_personal
 WHERE tbl = 'regress_customers'::regclass AND row_key = '{"id": 2}';
SELECT table_name, primary_key, alert_ids, columns, log_rows, reason, erased_by
  FROM fintech.erasures ORDER BY id DESC LIMIT 1;
-- the log still commits to them: the images did not change, verify_audit passes
SELECT ok, detail LIKE '%of them with personal values erased' AS counts_erased FROM fintech.verify_audit();
-- again: nothing left to erase, recorded again
SELECT fintech.erase_audited_row('regress_customers', '{"id": 1}', reason => 'GDPR request 17, again');
-- a row the log holds nothing of: LD009
SELECT fintech.erase_audited_row('regress_customers', '{"id": 99}', reason => 'x');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- the key must be the table's primary key, as an object: 22023
SELECT fintech.erase_audited_row('regress_customers', '{"email": "ann@example.com"}', reason => 'x');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.erase_audited_row('regress_customers', '[1]', reason => 'x');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.erase_audited_row('regress_customers', '{"id": null}', reason => 'x');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.erase_audited_row('regress_customers', NULL, reason => 'x');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- a reason is required: 22023
SELECT fintech.erase_audited_row('regress_customers', '{"id": 2}', reason => '  ');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.erase_audited_row('regress_customers', '{"id": 2}', reason => NULL);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- a table without personal columns; fintech's parties (erase_party does them): 22023
CREATE TABLE regress_plain (id int PRIMARY KEY, x text);
SELECT fintech.audit_table('regress_plain');
SELECT fintech.erase_audited_row('regress_plain', '{"id": 1}', reason => 'x');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.erase_audited_row('fintech.parties', jsonb_build_object('id', :erika), reason => 'x');
\echo SQLSTATE :LAST_ERROR_SQLSTATE

-- ====================================================================
-- erase_party and the legal holds (LD011)
-- ====================================================================
SELECT fintech.open_account('regress-er-bank', 'EUR', kind => 'asset', min_balance => NULL) > 0 AS opened;
SELECT fintech.open_account('regress-er-erika', 'EUR', party_id => :erika) > 0 AS opened;
SELECT fintech.open_account('regress-er-max', 'EUR', party_id => :max) > 0 AS opened;
SELECT fintech.open_account('regress-er-pablo', 'EUR', party_id => :pablo) > 0 AS opened;
SELECT fintech.transfer('regress-er-bank', 'regress-er-max', 500) > 0 AS moved;
-- Max pays Quirin, who is under review: the payment is held
SELECT status FROM fintech.pay('regress-er-k1', 'regress-er-max', 'regress-er-pablo', 100);
-- unknown party: LD009
SELECT fintech.erase_party(-1, 'x');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.erase_party(NULL, 'x');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.erase_party(:erika, '');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- an open alert (and a held payment)
SELECT regress_erase_try(format('SELECT fintech.erase_party(%s, ''customer request'')', :pablo));
-- a held payment: its payer is held too
SELECT regress_erase_try(format('SELECT fintech.erase_party(%s, ''customer request'')', :max));
-- blocked by sanctions screening
SELECT fintech.resolve_alert(a.id, 'confirmed', 'it is him') FROM fintech.screening_alerts a WHERE a.party_id = :chapo;
SELECT regress_erase_try(format('SELECT fintech.erase_party(%s, ''customer request'')', :chapo));
-- an open alert only
SELECT regress_erase_try(format('SELECT fintech.erase_party(%s, ''customer request'')', :nm));
-- nothing was erased by the refusals
SELECT count(*) AS erased FROM fintech.parties WHERE erased_at IS NOT NULL;
-- clearing the alerts releases the payment: then they may be erased
SELECT fintech.resolve_alert(a.id, 'cleared', 'not him') FROM fintech.screening_alerts a
 WHERE a.party_id IN (:pablo, :nm) ORDER BY a.id;
SELECT status FROM fintech.payments WHERE idempotency_key = 'regress-er-k1';
SELECT fintech.erase_party(:erika, 'customer request') AS erika_rows;
SELECT fintech.erase_party(:nm, 'customer request') AS nm_rows;
SELECT id = :erika AS erika, name, country, external_ref, birth_date, status, erased_at IS NOT NULL AS erased
  FROM fintech.parties WHERE id IN (:erika, :nm) ORDER BY id;
SELECT party_name, matched_name, status FROM fintech.screening_alerts WHERE party_id = :nm;
-- nothing of them is left in audit_personal, the log rows still commit to them
SELECT count(*) AS values_left FROM fintech.audit_personal
 WHERE (tbl = 'fintech.parties'::regclass AND row_key IN (jsonb_build_object('id', :erika), jsonb_build_object('id', :nm)))
    OR (tbl = 'fintech.screening_alerts'::regclass
        AND row_key IN (SELECT jsonb_build_object('id', id) FROM fintech.screening_alerts WHERE party_id = :nm));
SELECT count(*) AS names_anywhere FROM (
  SELECT name AS t FROM fintech.parties UNION ALL SELECT external_ref FROM fintech.parties
  UNION ALL SELECT party_name FROM fintech.screening_alerts UNION ALL SELECT value::text FROM fintech.audit_personal
  UNION ALL SELECT old_row::text FROM fintech.audit_log UNION ALL SELECT new_row::text FROM fintech.audit_log
  UNION ALL SELECT reason FROM fintech.erasures) s
 WHERE t LIKE '%Mustermann%' OR t LIKE '%regress-erika%' OR t LIKE '%Korvaldi%' OR t LIKE '%regress-nm%';
SELECT table_name, primary_key = jsonb_build_object('id', :nm) AS party, cardinality(alert_ids) AS alerts,
       columns, log_rows, reason
  FROM fintech.erasures WHERE table_name = 'fintech.parties' ORDER BY id;
-- the erasure is itself logged
SELECT count(*) AS logged FROM fintech.audit_log WHERE table_name = 'fintech.erasures' AND id > :base;
SELECT fintech.seal_audit() > 0 AS sealed;
SELECT ok, detail LIKE '%of them with personal values erased' AS counts_erased FROM fintech.verify_audit();
-- the others keep their values
SELECT p.value FROM fintech.audit_personal p
 WHERE p.tbl = 'fintech.parties'::regclass AND p.row_key = jsonb_build_object('id', :max) AND p.image = 'new'
 ORDER BY p.audit_id LIMIT 1;
-- a tampered value no longer matches its commitment
SET session_replication_role = replica;
UPDATE fintech.audit_personal SET value = '"Max Other"'
 WHERE tbl = 'fintech.parties'::regclass AND row_key = jsonb_build_object('id', :max) AND column_name = 'name';
RESET session_replication_role;
SELECT ok, regexp_replace(detail, '[0-9]+', 'N', 'g') AS detail FROM fintech.verify_audit();
UPDATE fintech.audit_personal SET value = '"Max Held"'
 WHERE tbl = 'fintech.parties'::regclass AND row_key = jsonb_build_object('id', :max) AND column_name = 'name';
SELECT ok FROM fintech.verify_audit();

-- ====================================================================
-- closed_at, the retention GUC
-- ====================================================================
SELECT fintech.close_account('regress-er-erika');
SELECT status, closed_at IS NOT NULL AS closed_at_set FROM fintech.accounts WHERE code = 'regress-er-erika';
SHOW fintech.personal_data_retention;
SELECT job, "interval" FROM fintech.worker_status WHERE job = 'erase_personal_data';

-- ====================================================================
-- rights: compliance erases, the auditor reads, nobody else
-- ====================================================================
CREATE ROLE regress_erase_app;
CREATE ROLE regress_erase_compliance;
CREATE ROLE regress_erase_auditor;
SELECT fintech.grant_application('regress_erase_app');
SELECT fintech.grant_compliance('regress_erase_compliance');
SELECT fintech.grant_auditor('regress_erase_auditor');
SET ROLE regress_erase_app;
SELECT fintech.erase_party(:max, 'x');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.erase_audited_row('regress_customers', '{"id": 2}', 'x');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT count(*) FROM fintech.audit_personal;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.audit_table('regress_customers', '{email}');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
RESET ROLE;
SET ROLE regress_erase_auditor;
SELECT count(*) > 0 AS reads_values FROM fintech.audit_personal;
SELECT count(*) > 0 AS reads_erasures FROM fintech.erasures;
SELECT fintech.erase_party(:max, 'x');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
RESET ROLE;
SET ROLE regress_erase_compliance;
SELECT fintech.erase_audited_row('regress_customers', '{"id": 2}', 'request by phone');
SELECT erased_by, reason FROM fintech.erasures ORDER BY id DESC LIMIT 1;
RESET ROLE;
SELECT fintech.revoke_all(r) FROM unnest('{regress_erase_app, regress_erase_compliance, regress_erase_auditor}'::regrole[]) r;
DROP ROLE regress_erase_app;
DROP ROLE regress_erase_compliance;
DROP ROLE regress_erase_auditor;
-- a listed column renamed: the table's captures fail (55000) until its list is set again
ALTER TABLE regress_customers RENAME COLUMN phone TO phone_no;
UPDATE regress_customers SET tier = 'bronze' WHERE id = 2;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.audit_table('regress_customers', personal_columns => '{email, phone_no}');
UPDATE regress_customers SET tier = 'bronze' WHERE id = 2;
SELECT column_name, image, value FROM fintech.audit_personal
 WHERE tbl = 'regress_customers'::regclass AND audit_id = (SELECT max(id) FROM fintech.audit_log) ORDER BY 1, 2;
DROP TABLE regress_customers, regress_nokey, regress_plain;
DROP FUNCTION regress_commitment_ok(fintech.audit_personal), regress_erase_try(text);
