/*
 * fintech.sql -- the install script of the current version of fintech, and
 * the only one that is edited by hand.
 *
 * "make" copies it to sql/fintech--<version>.sql (<version> is
 * default_version in fintech.control; the copy is built, never committed)
 * and "make install" installs that copy with the frozen scripts:
 *
 *   sql/fintech--0.1.0.sql        the frozen base: the first release's full
 *                                 script, never edited again
 *   sql/fintech--<A>--<B>.sql     one upgrade script per release, frozen once
 *                                 released (ALTER EXTENSION fintech UPDATE
 *                                 runs the chain from any installed version)
 *
 * CREATE EXTENSION fintech runs this file; CREATE EXTENSION fintech VERSION
 * '<older>' runs the base and the upgrade chain up to that version.
 *
 * This file always holds the full current state, written as a fresh
 * install needs it: no step that only an update needs (rights of roles
 * that existed before, data written by an older version, initial
 * privileges left by older scripts) -- those belong in the upgrade script.
 *
 * Releasing version <B> after <A> (the version in fintech.control now):
 *   1. bump default_version in fintech.control to <B>;
 *   2. write sql/fintech--<A>--<B>.sql: the statements that turn an <A>
 *      install into a <B> install (and whatever existing data needs);
 *   3. make the same change here, so that this file stays the complete
 *      <B> install script;
 *   4. test/t/011_upgrade.pl proves the two agree: it updates installs of
 *      the base and of older versions and compares them with a fresh
 *      install from this file (every member, definition, privilege and
 *      initial privilege, pg_dump --schema-only).  Add what the new
 *      version must keep of old data to that test;
 *   5. the version is shown in test/expected/extension.out (the available
 *      versions), docs/operations.md (the update chain), docs/api.md's
 *      first lines, README.md's versions table and CHANGELOG.md.
 * Never edit a released upgrade script or the base.
 * They repeat parts of this file by design (a tool such as `duplicates`
 * lists them): they are the record of what each release ran, not code to
 * share.
 *
 * Everything lives in schema fintech (created by CREATE EXTENSION from the
 * control file) and every name is schema-qualified; search_path is pinned
 * below, so nothing depends on the caller's.  SECURITY DEFINER functions
 * set their own search_path.
 */
\echo Use "CREATE EXTENSION fintech CASCADE" to load this file. \quit

-- Only pg_catalog: any name of schema fintech is written out.  LOCAL, so
-- that the session gets its search_path back after the script (a plain SET
-- in an extension script outlives it).
SET LOCAL search_path = pg_catalog, pg_temp;

/* ------------------------------------------------------------------------
 * Module
 * ------------------------------------------------------------------------ */

CREATE FUNCTION fintech.version()
RETURNS pg_catalog.text
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'fintech_version';

COMMENT ON FUNCTION fintech.version() IS
  'Version of the loaded fintech library (pg_extension.extversion is the SQL objects'' version)';

/* ------------------------------------------------------------------------
 * Background worker: fintech.worker_status, fintech.run_job
 * ------------------------------------------------------------------------ */

CREATE FUNCTION fintech.get_worker_status(
    OUT job pg_catalog.text,
    OUT state pg_catalog.text,
    OUT pid pg_catalog.int4,
    OUT database pg_catalog.text,
    OUT "interval" pg_catalog.interval,
    OUT runs pg_catalog.int8,
    OUT errors pg_catalog.int8,
    OUT last_run pg_catalog.timestamptz,
    OUT last_duration pg_catalog.interval,
    OUT rows_handled pg_catalog.int8,
    OUT total_rows pg_catalog.int8,
    OUT next_run pg_catalog.timestamptz,
    OUT last_error pg_catalog.text,
    OUT last_error_at pg_catalog.timestamptz,
    OUT detail pg_catalog.text)
RETURNS SETOF record
LANGUAGE C VOLATILE STRICT PARALLEL RESTRICTED
AS 'MODULE_PATHNAME', 'fintech_worker_status';

CREATE VIEW fintech.worker_status AS
  SELECT * FROM fintech.get_worker_status();

COMMENT ON VIEW fintech.worker_status IS
  'The fintech launcher (first row) and each background job: state, interval, runs, last run, rows handled, last error';

CREATE FUNCTION fintech.run_job(job pg_catalog.text, wait pg_catalog.bool DEFAULT true)
RETURNS pg_catalog.int8
LANGUAGE C VOLATILE PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'fintech_run_job';

COMMENT ON FUNCTION fintech.run_job(pg_catalog.text, pg_catalog.bool) IS
  'Ask the fintech launcher to run a job now; with wait, return the rows it handled';

/* ------------------------------------------------------------------------
 * Ledger
 *
 * Amounts are bigint minor units.  A posting's amount is signed the
 * accounting way: debit > 0, credit < 0, so every entry's postings sum to
 * zero per currency.  An account's balance is kept in its normal direction:
 * debits - credits for asset and expense accounts, credits - debits for
 * liability, equity and income accounts.
 *
 * The tables written on every posting (accounts, entries, postings,
 * pending_legs) carry no CHECK constraints: PostgreSQL re-reads and plans
 * each CHECK expression on every statement that writes the table, which
 * costs more than the write.  The ledger functions validate every value
 * they write, and fintech.check_ledger() re-proves the invariants.
 * ------------------------------------------------------------------------ */

CREATE TABLE fintech.currencies (
    code        pg_catalog.text PRIMARY KEY
                CHECK (code OPERATOR(pg_catalog.~) '^[A-Z0-9_]{1,16}$'),
    minor_units pg_catalog.int4 NOT NULL CHECK (minor_units BETWEEN 0 AND 18),
    builtin     pg_catalog.bool NOT NULL DEFAULT false   -- seeded from ISO 4217
);
COMMENT ON TABLE fintech.currencies IS
  'ISO 4217 currencies (builtin) and the ones the owner adds (e.g. loyalty points)';

INSERT INTO fintech.currencies (code, minor_units, builtin)
SELECT code, minor_units, true FROM (VALUES
  ('AED', 2),   -- UAE Dirham
  ('AFN', 2),   -- Afghani
  ('ALL', 2),   -- Lek
  ('AMD', 2),   -- Armenian Dram
  ('AOA', 2),   -- Kwanza
  ('ARS', 2),   -- Argentine Peso
  ('AUD', 2),   -- Australian Dollar
  ('AWG', 2),   -- Aruban Florin
  ('AZN', 2),   -- Azerbaijan Manat
  ('BAM', 2),   -- Convertible Mark
  ('BBD', 2),   -- Barbados Dollar
  ('BDT', 2),   -- Taka
  ('BGN', 2),   -- Bulgarian Lev
  ('BHD', 3),   -- Bahraini Dinar
  ('BIF', 0),   -- Burundi Franc
  ('BMD', 2),   -- Bermudian Dollar
  ('BND', 2),   -- Brunei Dollar
  ('BOB', 2),   -- Boliviano
  ('BOV', 2),   -- Mvdol (fund)
  ('BRL', 2),   -- Brazilian Real
  ('BSD', 2),   -- Bahamian Dollar
  ('BTN', 2),   -- Ngultrum
  ('BWP', 2),   -- Pula
  ('BYN', 2),   -- Belarusian Ruble
  ('BZD', 2),   -- Belize Dollar
  ('CAD', 2),   -- Canadian Dollar
  ('CDF', 2),   -- Congolese Franc
  ('CHE', 2),   -- WIR Euro (fund)
  ('CHF', 2),   -- Swiss Franc
  ('CHW', 2),   -- WIR Franc (fund)
  ('CLF', 4),   -- Unidad de Fomento (fund)
  ('CLP', 0),   -- Chilean Peso
  ('CNY', 2),   -- Yuan Renminbi
  ('COP', 2),   -- Colombian Peso
  ('COU', 2),   -- Unidad de Valor Real (fund)
  ('CRC', 2),   -- Costa Rican Colon
  ('CUP', 2),   -- Cuban Peso
  ('CVE', 2),   -- Cabo Verde Escudo
  ('CZK', 2),   -- Czech Koruna
  ('DJF', 0),   -- Djibouti Franc
  ('DKK', 2),   -- Danish Krone
  ('DOP', 2),   -- Dominican Peso
  ('DZD', 2),   -- Algerian Dinar
  ('EGP', 2),   -- Egyptian Pound
  ('ERN', 2),   -- Nakfa
  ('ETB', 2),   -- Ethiopian Birr
  ('EUR', 2),   -- Euro
  ('FJD', 2),   -- Fiji Dollar
  ('FKP', 2),   -- Falkland Islands Pound
  ('GBP', 2),   -- Pound Sterling
  ('GEL', 2),   -- Lari
  ('GHS', 2),   -- Ghana Cedi
  ('GIP', 2),   -- Gibraltar Pound
  ('GMD', 2),   -- Dalasi
  ('GNF', 0),   -- Guinean Franc
  ('GTQ', 2),   -- Quetzal
  ('GYD', 2),   -- Guyana Dollar
  ('HKD', 2),   -- Hong Kong Dollar
  ('HNL', 2),   -- Lempira
  ('HTG', 2),   -- Gourde
  ('HUF', 2),   -- Forint
  ('IDR', 2),   -- Rupiah
  ('ILS', 2),   -- New Israeli Sheqel
  ('INR', 2),   -- Indian Rupee
  ('IQD', 3),   -- Iraqi Dinar
  ('IRR', 2),   -- Iranian Rial
  ('ISK', 0),   -- Iceland Krona
  ('JMD', 2),   -- Jamaican Dollar
  ('JOD', 3),   -- Jordanian Dinar
  ('JPY', 0),   -- Yen
  ('KES', 2),   -- Kenyan Shilling
  ('KGS', 2),   -- Som
  ('KHR', 2),   -- Riel
  ('KMF', 0),   -- Comorian Franc
  ('KPW', 2),   -- North Korean Won
  ('KRW', 0),   -- Won
  ('KWD', 3),   -- Kuwaiti Dinar
  ('KYD', 2),   -- Cayman Islands Dollar
  ('KZT', 2),   -- Tenge
  ('LAK', 2),   -- Lao Kip
  ('LBP', 2),   -- Lebanese Pound
  ('LKR', 2),   -- Sri Lanka Rupee
  ('LRD', 2),   -- Liberian Dollar
  ('LSL', 2),   -- Loti
  ('LYD', 3),   -- Libyan Dinar
  ('MAD', 2),   -- Moroccan Dirham
  ('MDL', 2),   -- Moldovan Leu
  ('MGA', 2),   -- Malagasy Ariary
  ('MKD', 2),   -- Denar
  ('MMK', 2),   -- Kyat
  ('MNT', 2),   -- Tugrik
  ('MOP', 2),   -- Pataca
  ('MRU', 2),   -- Ouguiya
  ('MUR', 2),   -- Mauritius Rupee
  ('MVR', 2),   -- Rufiyaa
  ('MWK', 2),   -- Malawi Kwacha
  ('MXN', 2),   -- Mexican Peso
  ('MXV', 2),   -- Mexican Unidad de Inversion (UDI) (fund)
  ('MYR', 2),   -- Malaysian Ringgit
  ('MZN', 2),   -- Mozambique Metical
  ('NAD', 2),   -- Namibia Dollar
  ('NGN', 2),   -- Naira
  ('NIO', 2),   -- Cordoba Oro
  ('NOK', 2),   -- Norwegian Krone
  ('NPR', 2),   -- Nepalese Rupee
  ('NZD', 2),   -- New Zealand Dollar
  ('OMR', 3),   -- Rial Omani
  ('PAB', 2),   -- Balboa
  ('PEN', 2),   -- Sol
  ('PGK', 2),   -- Kina
  ('PHP', 2),   -- Philippine Peso
  ('PKR', 2),   -- Pakistan Rupee
  ('PLN', 2),   -- Zloty
  ('PYG', 0),   -- Guarani
  ('QAR', 2),   -- Qatari Rial
  ('RON', 2),   -- Romanian Leu
  ('RSD', 2),   -- Serbian Dinar
  ('RUB', 2),   -- Russian Ruble
  ('RWF', 0),   -- Rwanda Franc
  ('SAR', 2),   -- Saudi Riyal
  ('SBD', 2),   -- Solomon Islands Dollar
  ('SCR', 2),   -- Seychelles Rupee
  ('SDG', 2),   -- Sudanese Pound
  ('SEK', 2),   -- Swedish Krona
  ('SGD', 2),   -- Singapore Dollar
  ('SHP', 2),   -- Saint Helena Pound
  ('SLE', 2),   -- Leone
  ('SOS', 2),   -- Somali Shilling
  ('SRD', 2),   -- Surinam Dollar
  ('SSP', 2),   -- South Sudanese Pound
  ('STN', 2),   -- Dobra
  ('SVC', 2),   -- El Salvador Colon
  ('SYP', 2),   -- Syrian Pound
  ('SZL', 2),   -- Lilangeni
  ('THB', 2),   -- Baht
  ('TJS', 2),   -- Somoni
  ('TMT', 2),   -- Turkmenistan New Manat
  ('TND', 3),   -- Tunisian Dinar
  ('TOP', 2),   -- Paanga (Tonga)
  ('TRY', 2),   -- Turkish Lira
  ('TTD', 2),   -- Trinidad and Tobago Dollar
  ('TWD', 2),   -- New Taiwan Dollar
  ('TZS', 2),   -- Tanzanian Shilling
  ('UAH', 2),   -- Hryvnia
  ('UGX', 0),   -- Uganda Shilling
  ('USD', 2),   -- US Dollar
  ('USN', 2),   -- US Dollar (Next day) (fund)
  ('UYI', 0),   -- Uruguay Peso en Unidades Indexadas (UI) (fund)
  ('UYU', 2),   -- Peso Uruguayo
  ('UYW', 4),   -- Unidad Previsional
  ('UZS', 2),   -- Uzbekistan Sum
  ('VED', 2),   -- Bolivar Soberano (digital, VED)
  ('VES', 2),   -- Bolivar Soberano
  ('VND', 0),   -- Dong
  ('VUV', 0),   -- Vatu
  ('WST', 2),   -- Tala
  ('XAD', 2),   -- Arab Accounting Dinar (fund)
  ('XAF', 0),   -- CFA Franc BEAC
  ('XAG', 0),   -- Silver -- N.A. in ISO 4217
  ('XAU', 0),   -- Gold -- N.A. in ISO 4217
  ('XBA', 0),   -- Bond Markets Unit European Composite Unit (EURCO) -- N.A. in ISO 4217
  ('XBB', 0),   -- Bond Markets Unit European Monetary Unit (E.M.U.-6) -- N.A. in ISO 4217
  ('XBC', 0),   -- Bond Markets Unit European Unit of Account 9 (E.U.A.-9) -- N.A. in ISO 4217
  ('XBD', 0),   -- Bond Markets Unit European Unit of Account 17 (E.U.A.-17) -- N.A. in ISO 4217
  ('XCD', 2),   -- East Caribbean Dollar
  ('XCG', 2),   -- Caribbean Guilder
  ('XDR', 0),   -- SDR (Special Drawing Right) -- N.A. in ISO 4217
  ('XOF', 0),   -- CFA Franc BCEAO
  ('XPD', 0),   -- Palladium -- N.A. in ISO 4217
  ('XPF', 0),   -- CFP Franc
  ('XPT', 0),   -- Platinum -- N.A. in ISO 4217
  ('XSU', 0),   -- Sucre -- N.A. in ISO 4217
  ('XTS', 0),   -- Code reserved for testing -- N.A. in ISO 4217
  ('XUA', 0),   -- ADB Unit of Account -- N.A. in ISO 4217
  ('XXX', 0),   -- No currency involved -- N.A. in ISO 4217
  ('YER', 2),   -- Yemeni Rial
  ('ZAR', 2),   -- Rand
  ('ZMW', 2),   -- Zambian Kwacha
  ('ZWG', 2)    -- Zimbabwe Gold
) AS iso(code, minor_units);

CREATE TABLE fintech.accounts (
    id          pg_catalog.int8 GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    code        pg_catalog.text NOT NULL UNIQUE,   -- 1..255 bytes
    currency    pg_catalog.text NOT NULL REFERENCES fintech.currencies (code),
    kind        pg_catalog.text NOT NULL,          -- asset, liability, equity, income, expense
    status      pg_catalog.text NOT NULL DEFAULT 'active',   -- active, frozen, closed
    min_balance pg_catalog.int8,            -- NULL: no lower limit
    max_balance pg_catalog.int8,            -- NULL: no upper limit
    party_id    pg_catalog.int8,
    -- its party is blocked by sanctions screening: postings refused (LD006)
    blocked     pg_catalog.bool NOT NULL DEFAULT false,
    metadata    pg_catalog.jsonb NOT NULL DEFAULT '{}',
    -- folded state, written only by the ledger functions under the row lock
    balance     pg_catalog.int8 NOT NULL DEFAULT 0,   -- posted, normal direction
    pending_out pg_catalog.int8 NOT NULL DEFAULT 0,   -- open holds taking money out
    pending_in  pg_catalog.int8 NOT NULL DEFAULT 0,   -- open holds bringing money in
    last_seq    pg_catalog.int8 NOT NULL DEFAULT 0,   -- postings folded so far
    created_at  pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now()
) WITH (fillfactor = 50);
COMMENT ON TABLE fintech.accounts IS
  'Ledger accounts; balance is posted (normal direction), pending_out/pending_in the open holds';

CREATE TABLE fintech.entries (
    id          pg_catalog.int8 GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    -- standard, pending, post_pending, void_pending, expire_pending, reversal
    type        pg_catalog.text NOT NULL,
    related_id  pg_catalog.int8,   -- the hold (post/void/expire_pending) or the reversed entry
    description pg_catalog.text,
    metadata    pg_catalog.jsonb NOT NULL DEFAULT '{}',
    created_at  pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp()
);
CREATE UNIQUE INDEX entries_reversed_once ON fintech.entries (related_id)
  WHERE type = 'reversal';
CREATE INDEX entries_related ON fintech.entries (related_id)
  WHERE related_id IS NOT NULL;
COMMENT ON TABLE fintech.entries IS 'Journal entries (append-only)';

CREATE TABLE fintech.postings (
    entry_id      pg_catalog.int8 NOT NULL,
    leg           pg_catalog.int4 NOT NULL,
    account_id    pg_catalog.int8 NOT NULL,
    amount        pg_catalog.int8 NOT NULL,  -- debit > 0, credit < 0, never 0
    seq           pg_catalog.int8,         -- place in the account's history
    balance_after pg_catalog.int8,         -- account balance after this posting
    posted_at     pg_catalog.timestamptz,  -- stamped after the account was locked
    PRIMARY KEY (entry_id, leg)
);
-- (an account's history by time: postings_account_seq, below; posted_at
-- does not decrease with seq)
-- deferred postings (seq IS NULL) waiting to be folded into their account
CREATE INDEX postings_unfolded ON fintech.postings (account_id) WHERE seq IS NULL;
COMMENT ON TABLE fintech.postings IS
  'One row per leg of a posted entry (append-only); amount: debit > 0, credit < 0';

CREATE TABLE fintech.pending_legs (
    entry_id    pg_catalog.int8 NOT NULL,
    leg         pg_catalog.int4 NOT NULL,
    account_id  pg_catalog.int8 NOT NULL,
    amount      pg_catalog.int8 NOT NULL,  -- debit > 0, credit < 0, never 0
    PRIMARY KEY (entry_id, leg)
);
COMMENT ON TABLE fintech.pending_legs IS 'The legs of pending entries (append-only)';

CREATE TABLE fintech.holds (
    entry_id          pg_catalog.int8 PRIMARY KEY,   -- the pending entry
    expires_at        pg_catalog.timestamptz NOT NULL,
    amount            pg_catalog.int8,               -- two-leg holds: the amount held
    status            pg_catalog.text NOT NULL DEFAULT 'open'
                      CHECK (status IN ('open', 'posted', 'voided', 'expired')),
    resolved_entry_id pg_catalog.int8,
    resolved_amount   pg_catalog.int8,
    resolved_at       pg_catalog.timestamptz
);
CREATE INDEX holds_open_expiry ON fintech.holds (expires_at) WHERE status = 'open';
COMMENT ON TABLE fintech.holds IS
  'State of each pending entry: open until posted, voided or expired (once)';

/* Immutability: history refuses UPDATE, DELETE and TRUNCATE (LD007). */
CREATE FUNCTION fintech.refuse_change()
RETURNS trigger
LANGUAGE C
AS 'MODULE_PATHNAME', 'fintech_refuse_change';

CREATE TRIGGER immutable_row BEFORE UPDATE OR DELETE ON fintech.entries
  FOR EACH ROW EXECUTE FUNCTION fintech.refuse_change();
CREATE TRIGGER immutable_truncate BEFORE TRUNCATE ON fintech.entries
  FOR EACH STATEMENT EXECUTE FUNCTION fintech.refuse_change();
CREATE TRIGGER immutable_row BEFORE UPDATE OR DELETE ON fintech.postings
  FOR EACH ROW EXECUTE FUNCTION fintech.refuse_change();
CREATE TRIGGER immutable_truncate BEFORE TRUNCATE ON fintech.postings
  FOR EACH STATEMENT EXECUTE FUNCTION fintech.refuse_change();
CREATE TRIGGER immutable_row BEFORE UPDATE OR DELETE ON fintech.pending_legs
  FOR EACH ROW EXECUTE FUNCTION fintech.refuse_change();
CREATE TRIGGER immutable_truncate BEFORE TRUNCATE ON fintech.pending_legs
  FOR EACH STATEMENT EXECUTE FUNCTION fintech.refuse_change();
-- accounts and holds change state, but are never removed
CREATE TRIGGER immutable_row BEFORE DELETE ON fintech.accounts
  FOR EACH ROW EXECUTE FUNCTION fintech.refuse_change();
CREATE TRIGGER immutable_truncate BEFORE TRUNCATE ON fintech.accounts
  FOR EACH STATEMENT EXECUTE FUNCTION fintech.refuse_change();
CREATE TRIGGER immutable_row BEFORE DELETE ON fintech.holds
  FOR EACH ROW EXECUTE FUNCTION fintech.refuse_change();
CREATE TRIGGER immutable_truncate BEFORE TRUNCATE ON fintech.holds
  FOR EACH STATEMENT EXECUTE FUNCTION fintech.refuse_change();

-- pg_dump dumps the rows of these tables (and the owner's own currencies)
SELECT pg_catalog.pg_extension_config_dump('fintech.currencies', 'WHERE NOT builtin');
SELECT pg_catalog.pg_extension_config_dump('fintech.accounts', '');
SELECT pg_catalog.pg_extension_config_dump('fintech.accounts_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('fintech.entries', '');
SELECT pg_catalog.pg_extension_config_dump('fintech.entries_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('fintech.postings', '');
SELECT pg_catalog.pg_extension_config_dump('fintech.pending_legs', '');
SELECT pg_catalog.pg_extension_config_dump('fintech.holds', '');

CREATE TYPE fintech.leg AS (
    account pg_catalog.text,
    side    pg_catalog.text,     -- 'debit' or 'credit'
    amount  pg_catalog.int8      -- > 0
);

CREATE FUNCTION fintech.open_account(
    code pg_catalog.text, currency pg_catalog.text,
    kind pg_catalog.text DEFAULT 'liability',
    min_balance pg_catalog.int8 DEFAULT 0, max_balance pg_catalog.int8 DEFAULT NULL,
    party_id pg_catalog.int8 DEFAULT NULL, metadata pg_catalog.jsonb DEFAULT '{}')
RETURNS pg_catalog.int8
LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'fintech_open_account';

CREATE FUNCTION fintech.freeze_account(code pg_catalog.text)
RETURNS void
LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'fintech_freeze_account';

CREATE FUNCTION fintech.unfreeze_account(code pg_catalog.text)
RETURNS void
LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'fintech_unfreeze_account';

CREATE FUNCTION fintech.close_account(code pg_catalog.text)
RETURNS void
LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'fintech_close_account';

CREATE FUNCTION fintech.debit(account pg_catalog.text, amount pg_catalog.int8)
RETURNS fintech.leg
LANGUAGE C IMMUTABLE PARALLEL SAFE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'fintech_debit';

CREATE FUNCTION fintech.credit(account pg_catalog.text, amount pg_catalog.int8)
RETURNS fintech.leg
LANGUAGE C IMMUTABLE PARALLEL SAFE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'fintech_credit';

CREATE FUNCTION fintech.post(
    legs fintech.leg[], description pg_catalog.text DEFAULT NULL,
    metadata pg_catalog.jsonb DEFAULT '{}', pending_for pg_catalog.interval DEFAULT NULL,
    idempotency_key pg_catalog.text DEFAULT NULL)
RETURNS pg_catalog.int8
LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'fintech_post';

CREATE FUNCTION fintech.transfer(
    debit_account pg_catalog.text, credit_account pg_catalog.text, amount pg_catalog.int8,
    description pg_catalog.text DEFAULT NULL, metadata pg_catalog.jsonb DEFAULT '{}',
    pending_for pg_catalog.interval DEFAULT NULL, idempotency_key pg_catalog.text DEFAULT NULL)
RETURNS pg_catalog.int8
LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'fintech_transfer';

CREATE FUNCTION fintech.transfer_batch(
    debit_accounts pg_catalog.text[], credit_accounts pg_catalog.text[],
    amounts pg_catalog.int8[], descriptions pg_catalog.text[] DEFAULT NULL,
    idempotency_keys pg_catalog.text[] DEFAULT NULL)
RETURNS TABLE(idx pg_catalog.int4, entry_id pg_catalog.int8, error pg_catalog.text)
LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'fintech_transfer_batch';

CREATE FUNCTION fintech.post_pending(entry_id pg_catalog.int8, amount pg_catalog.int8 DEFAULT NULL,
                                     idempotency_key pg_catalog.text DEFAULT NULL)
RETURNS pg_catalog.int8
LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'fintech_post_pending';

CREATE FUNCTION fintech.void_pending(entry_id pg_catalog.int8,
                                     idempotency_key pg_catalog.text DEFAULT NULL)
RETURNS pg_catalog.int8
LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'fintech_void_pending';

CREATE FUNCTION fintech.reverse(entry_id pg_catalog.int8, description pg_catalog.text DEFAULT NULL,
                                idempotency_key pg_catalog.text DEFAULT NULL)
RETURNS pg_catalog.int8
LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'fintech_reverse';

CREATE FUNCTION fintech.balance(account pg_catalog.text)
RETURNS pg_catalog.int8
LANGUAGE C STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'fintech_balance';

CREATE FUNCTION fintech.available_balance(account pg_catalog.text)
RETURNS pg_catalog.int8
LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'fintech_available_balance';

CREATE FUNCTION fintech.balance_at(account pg_catalog.text, at pg_catalog.timestamptz)
RETURNS pg_catalog.int8
LANGUAGE C STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'fintech_balance_at';

CREATE FUNCTION fintech.check_ledger()
RETURNS TABLE(check_name pg_catalog.text, ok pg_catalog.bool, detail pg_catalog.text)
LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'fintech_check_ledger';

/* ------------------------------------------------------------------------
 * Audit trail
 * ------------------------------------------------------------------------ */

CREATE TABLE fintech.audit_log (
    -- capture order; each backend takes ids 64 at a time, so writers share
    -- no counter (ids from different sessions interleave, with gaps)
    id           pg_catalog.int8 GENERATED ALWAYS AS IDENTITY (CACHE 64),
    table_name   pg_catalog.text NOT NULL,        -- quoted, schema-qualified
    operation    pg_catalog.text NOT NULL,        -- INSERT, UPDATE, DELETE, TRUNCATE
    old_row      pg_catalog.jsonb,
    new_row      pg_catalog.jsonb,
    txid         pg_catalog.xid8 NOT NULL,        -- top-level transaction
    session_role pg_catalog.text NOT NULL,
    calling_role pg_catalog.text NOT NULL,        -- outside any SECURITY DEFINER function
    changed_at   pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    -- written once by the sealer
    seq          pg_catalog.int8,                 -- position in the log (leaf seq - 1), gapless from 1
    row_hash     pg_catalog.bytea,                -- the leaf hash (rows of the old chain: their row hash)
    chain_hash   pg_catalog.bytea,                -- rows sealed before 0.5.0 only: the old hash chain
    -- a ledger entry: its leaf takes new_row from fintech.audit_entry_image(entry_id)
    entry_id     pg_catalog.int8,
    -- the entries of one call (a transfer_batch chunk), in order: one row, one
    -- leaf, whose new_row is the jsonb array of their audit_entry_image
    entry_ids    pg_catalog.int8[]
)
-- room on each page for the sealed version of its rows: the sealer's update
-- then stays on the page, where only the changed bytes are written to WAL
WITH (fillfactor = 40);
CREATE UNIQUE INDEX audit_log_seq ON fintech.audit_log (seq) WHERE seq IS NOT NULL;
CREATE INDEX audit_log_unsealed ON fintech.audit_log (changed_at, id) WHERE seq IS NULL;
-- out of line as written (compressed by the capture with LZ4 where the server
-- has it): never pglz, which costs more than the rows it replaces, and the
-- sealer's update of the row does not copy it
ALTER TABLE fintech.audit_log ALTER COLUMN entry_ids SET STORAGE EXTERNAL;
COMMENT ON COLUMN fintech.audit_log.entry_ids IS
  'The ledger entries one call wrote, in order (one row for all): the leaf''s new_row is the jsonb array of their fintech.audit_entry_image';
COMMENT ON TABLE fintech.audit_log IS
  'One row per logged change (append-only): the leaves of the Merkle tree; seq and row_hash set once by the sealer';

-- the head of the log; its row lock serialises sealers
CREATE TABLE fintech.audit_head (
    id        pg_catalog.int4 PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    last_seq  pg_catalog.int8 NOT NULL DEFAULT 0,   -- sealed rows: the tree's size
    last_hash pg_catalog.bytea,                     -- the tree's root
    chain_seq pg_catalog.int8 NOT NULL DEFAULT 0    -- rows sealed into the old hash chain
);
-- no row yet: the first seal inserts it (a row inserted here would clash
-- with pg_dump's copy of it on restore)
COMMENT ON TABLE fintech.audit_head IS 'The size and root of the audit log''s Merkle tree';

-- the Merkle tree's stored hashes: every complete subtree of 2^level leaves,
-- level 4, 8, 12, ..., and the leaf hashes of the old chain's rows (level
-- 0); node = level << 56 | index.  Written once by the sealer.
CREATE TABLE fintech.audit_tree (
    node pg_catalog.int8 PRIMARY KEY,
    hash pg_catalog.bytea NOT NULL
);
COMMENT ON TABLE fintech.audit_tree IS
  'Hashes of the complete subtrees of the audit log''s Merkle tree (append-only)';

CREATE TRIGGER immutable_row BEFORE UPDATE OR DELETE ON fintech.audit_log
  FOR EACH ROW EXECUTE FUNCTION fintech.refuse_change();
CREATE TRIGGER immutable_truncate BEFORE TRUNCATE ON fintech.audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION fintech.refuse_change();
CREATE TRIGGER immutable_row BEFORE UPDATE OR DELETE ON fintech.audit_head
  FOR EACH ROW EXECUTE FUNCTION fintech.refuse_change();
CREATE TRIGGER immutable_truncate BEFORE TRUNCATE ON fintech.audit_head
  FOR EACH STATEMENT EXECUTE FUNCTION fintech.refuse_change();
CREATE TRIGGER immutable_row BEFORE UPDATE OR DELETE ON fintech.audit_tree
  FOR EACH ROW EXECUTE FUNCTION fintech.refuse_change();
CREATE TRIGGER immutable_truncate BEFORE TRUNCATE ON fintech.audit_tree
  FOR EACH STATEMENT EXECUTE FUNCTION fintech.refuse_change();

SELECT pg_catalog.pg_extension_config_dump('fintech.audit_log', '');
SELECT pg_catalog.pg_extension_config_dump('fintech.audit_log_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('fintech.audit_head', '');

CREATE FUNCTION fintech.audit_trigger()
RETURNS trigger
LANGUAGE C
AS 'MODULE_PATHNAME', 'fintech_audit_trigger';

CREATE FUNCTION fintech.audit_table(tbl pg_catalog.regclass,
                                    personal_columns pg_catalog.text[] DEFAULT NULL)
RETURNS void
LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'fintech_audit_table_personal';

CREATE FUNCTION fintech.seal_audit()
RETURNS pg_catalog.int8
LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'fintech_seal_audit';

CREATE FUNCTION fintech.verify_audit()
RETURNS TABLE(ok pg_catalog.bool, rows_checked pg_catalog.int8, first_bad_seq pg_catalog.int8,
              detail pg_catalog.text)
LANGUAGE C STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'fintech_verify_audit';

CREATE FUNCTION fintech.audit_digest()
RETURNS TABLE(seq pg_catalog.int8, chain_hash pg_catalog.bytea)
LANGUAGE C STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'fintech_audit_digest';

CREATE FUNCTION fintech.verify_audit_digest(seq pg_catalog.int8, chain_hash pg_catalog.bytea)
RETURNS pg_catalog.bool
LANGUAGE C STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'fintech_verify_audit_digest';

/*
 * The leaf of a ledger entry: the entry and its legs, read from the
 * ledger's append-only tables when the log row that names it (entry_id) is
 * sealed, proved or verified.  A posting's seq, balance_after and
 * posted_at are left out: they are its account's folded state (set when the
 * posting is folded), which fintech.check_ledger() proves.  Plain SQL on
 * purpose: an auditor can run it, and docs/audit.md shows it.
 */
CREATE FUNCTION fintech.audit_entry_image(entry_id pg_catalog.int8)
RETURNS pg_catalog.jsonb
LANGUAGE sql STABLE PARALLEL SAFE
AS $fn$
  SELECT pg_catalog.jsonb_build_object(
           'id', e.id, 'type', e.type, 'related_id', e.related_id,
           'description', e.description, 'metadata', e.metadata,
           'created_at', pg_catalog.to_char(pg_catalog.timezone('UTC', e.created_at),
                                            'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
           'legs', (SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_array(p.leg, p.account_id, p.amount)
                                                ORDER BY p.leg)
                      FROM fintech.postings p WHERE p.entry_id OPERATOR(pg_catalog.=) e.id),
           'pending_legs', (SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_array(l.leg, l.account_id, l.amount)
                                                        ORDER BY l.leg)
                              FROM fintech.pending_legs l WHERE l.entry_id OPERATOR(pg_catalog.=) e.id))
    FROM fintech.entries e
   WHERE e.id OPERATOR(pg_catalog.=) audit_entry_image.entry_id
$fn$;
COMMENT ON FUNCTION fintech.audit_entry_image(pg_catalog.int8) IS
  'The new_row of a ledger entry''s leaf: the entry and its legs, as jsonb';

CREATE FUNCTION fintech.audit_root(tree_size pg_catalog.int8 DEFAULT NULL)
RETURNS TABLE(tree_size pg_catalog.int8, root_hash pg_catalog.bytea)
LANGUAGE C STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'fintech_audit_root';
COMMENT ON FUNCTION fintech.audit_root(pg_catalog.int8) IS
  'Root of the audit log''s Merkle tree (RFC 9162) of tree_size leaves (NULL: all sealed rows)';

CREATE FUNCTION fintech.audit_inclusion_proof(seq pg_catalog.int8, tree_size pg_catalog.int8 DEFAULT NULL)
RETURNS TABLE(seq pg_catalog.int8, tree_size pg_catalog.int8, leaf_hash pg_catalog.bytea,
              path pg_catalog.bytea[])
LANGUAGE C STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'fintech_audit_inclusion_proof';
COMMENT ON FUNCTION fintech.audit_inclusion_proof(pg_catalog.int8, pg_catalog.int8) IS
  'RFC 9162 inclusion proof of the sealed row seq in the tree of tree_size leaves; leaf_hash from the row as it is now';

CREATE FUNCTION fintech.audit_consistency_proof(old_size pg_catalog.int8, new_size pg_catalog.int8 DEFAULT NULL)
RETURNS TABLE(old_size pg_catalog.int8, new_size pg_catalog.int8, path pg_catalog.bytea[])
LANGUAGE C STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'fintech_audit_consistency_proof';
COMMENT ON FUNCTION fintech.audit_consistency_proof(pg_catalog.int8, pg_catalog.int8) IS
  'RFC 9162 consistency proof: the tree of new_size leaves extends the tree of old_size leaves';

CREATE FUNCTION fintech.audit_leaf_data(seq pg_catalog.int8)
RETURNS pg_catalog.bytea
LANGUAGE C STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'fintech_audit_leaf_data';
COMMENT ON FUNCTION fintech.audit_leaf_data(pg_catalog.int8) IS
  'The leaf data of the sealed row seq: its canonical form (leaf hash = sha256(0x00 || leaf data))';

-- the extension's own tables are audited from the start (fintech.accounts:
-- an UPDATE is captured when it names a column other than the folded state;
-- audit_table makes that list of columns, again whenever columns are added)
SELECT fintech.audit_table(t)
  FROM (VALUES ('fintech.accounts'::pg_catalog.regclass), ('fintech.entries'),
               ('fintech.holds')) AS own(t);

/* ------------------------------------------------------------------------
 * Payments
 * ------------------------------------------------------------------------ */

CREATE TABLE fintech.payments (
    id              pg_catalog.int8 GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    idempotency_key pg_catalog.text NOT NULL,
    payer           pg_catalog.text NOT NULL,      -- account codes
    payee           pg_catalog.text NOT NULL,
    amount          pg_catalog.int8 NOT NULL,
    reference       pg_catalog.text,
    metadata        pg_catalog.jsonb NOT NULL,
    status          pg_catalog.text NOT NULL,      -- completed, held, rejected
    reason          pg_catalog.text,               -- SQLSTATE of a rejection
    message         pg_catalog.text,               -- its message
    entry_id        pg_catalog.int8,
    request_hash    pg_catalog.bytea NOT NULL,     -- SHA-256 of the request's canonical form
    created_at      pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    resolved_at     pg_catalog.timestamptz,        -- when a held payment was resolved
    resolved_entry_id pg_catalog.int8              -- the entry that posted or voided its hold
);
CREATE INDEX payments_key ON fintech.payments (idempotency_key);
CREATE INDEX payments_held ON fintech.payments (id) WHERE status = 'held';
COMMENT ON TABLE fintech.payments IS
  'One row per payment (append-only; a held payment changes once, to completed or rejected)';

-- keys in use: claimed by fintech.pay, forgotten after fintech.idempotency_retention
CREATE TABLE fintech.idempotency_keys (
    key        pg_catalog.text PRIMARY KEY,
    payment_id pg_catalog.int8 NOT NULL,
    created_at pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp()
);
CREATE INDEX idempotency_keys_age ON fintech.idempotency_keys (created_at);
COMMENT ON TABLE fintech.idempotency_keys IS
  'Idempotency keys within their retention, each naming its payment';

CREATE TRIGGER immutable_row BEFORE UPDATE OR DELETE ON fintech.payments
  FOR EACH ROW EXECUTE FUNCTION fintech.refuse_change();
CREATE TRIGGER immutable_truncate BEFORE TRUNCATE ON fintech.payments
  FOR EACH STATEMENT EXECUTE FUNCTION fintech.refuse_change();

SELECT pg_catalog.pg_extension_config_dump('fintech.payments', '');
SELECT pg_catalog.pg_extension_config_dump('fintech.payments_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('fintech.idempotency_keys', '');

CREATE FUNCTION fintech.pay(
    idempotency_key pg_catalog.text, payer pg_catalog.text, payee pg_catalog.text,
    amount pg_catalog.int8, reference pg_catalog.text DEFAULT NULL,
    metadata pg_catalog.jsonb DEFAULT '{}')
RETURNS TABLE(payment_id pg_catalog.int8, status pg_catalog.text, reason pg_catalog.text,
              entry_id pg_catalog.int8, replayed pg_catalog.bool)
LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'fintech_pay';

SELECT fintech.audit_table('fintech.payments');

/* ------------------------------------------------------------------------
 * Spending and velocity limits (checked inside fintech.pay)
 * ------------------------------------------------------------------------ */

CREATE TABLE fintech.limits (
    id          pg_catalog.int8 GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    name        pg_catalog.text NOT NULL,
    scope       pg_catalog.text NOT NULL
                CHECK (scope IN ('payer', 'payee', 'payer_party', 'payee_party')),
    period      pg_catalog.interval NOT NULL,
    max_amount  pg_catalog.int8 CHECK (max_amount > 0),
    max_count   pg_catalog.int4 CHECK (max_count > 0),
    currency    pg_catalog.text REFERENCES fintech.currencies (code),
    action      pg_catalog.text NOT NULL CHECK (action IN ('reject', 'review')),
    created_at  pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    created_by  pg_catalog.text NOT NULL DEFAULT pg_catalog.session_user(),
    dropped_at  pg_catalog.timestamptz,            -- fintech.drop_limit: pay no longer reads it
    dropped_by  pg_catalog.text,
    CHECK (max_amount IS NOT NULL OR max_count IS NOT NULL)
);
CREATE UNIQUE INDEX limits_name ON fintech.limits (name) WHERE dropped_at IS NULL;
COMMENT ON TABLE fintech.limits IS
  'Spending and velocity limits checked by fintech.pay (fintech.create_limit, drop_limit)';

/*
 * Each (limit, scope key) has one slot (payer scopes) or up to 32 (payee
 * scopes, so that many payers can pay one payee at once): a slot's
 * budget is its share of the cap, and what it counted, an upper bound of
 * what the window holds (payments that left it, or were rejected after
 * review, are forgotten when the window is next read exactly, from
 * fintech.payments).  Derived state, not audited: the payments prove it.
 * No foreign key: its check would share-lock the limit's row at every
 * new key, from every payment at once.
 */
CREATE TABLE fintech.limit_slots (
    limit_id      pg_catalog.int8 NOT NULL,         -- fintech.limits (never deleted)
    scope_key     pg_catalog.text NOT NULL,
    slot          pg_catalog.int4 NOT NULL,
    used_amount   pg_catalog.int8 NOT NULL DEFAULT 0,
    used_count    pg_catalog.int4 NOT NULL DEFAULT 0,
    budget_amount pg_catalog.int8,
    budget_count  pg_catalog.int4,
    PRIMARY KEY (limit_id, scope_key, slot)
) WITH (fillfactor = 50);
COMMENT ON TABLE fintech.limit_slots IS
  'Per limit and scope key: what the sliding window holds (at most), in slots (see docs/limits.md)';

-- a window read exactly: the payments of a payer or payee in a time range
CREATE INDEX payments_payer_time ON fintech.payments (payer, created_at);
CREATE INDEX payments_payee_time ON fintech.payments (payee, created_at);

-- payments sent to review by a limit, and the decision
CREATE TABLE fintech.payment_reviews (
    payment_id  pg_catalog.int8 PRIMARY KEY,
    limit_id    pg_catalog.int8 NOT NULL,
    limit_name  pg_catalog.text NOT NULL,
    opened_at   pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    decision    pg_catalog.text CHECK (decision IN ('approve', 'reject')),
    reason      pg_catalog.text,
    decided_by  pg_catalog.text,
    decided_at  pg_catalog.timestamptz
);
COMMENT ON TABLE fintech.payment_reviews IS
  'Payments held by a review limit, and the decision of fintech.review_payment';

-- (pg_dump keeps their rows: see the end of the file)

CREATE FUNCTION fintech.create_limit(name pg_catalog.text, scope pg_catalog.text,
                                     period pg_catalog.interval,
                                     max_amount pg_catalog.int8 DEFAULT NULL,
                                     max_count pg_catalog.int4 DEFAULT NULL,
                                     currency pg_catalog.text DEFAULT NULL,
                                     action pg_catalog.text DEFAULT 'reject')
RETURNS pg_catalog.int8
LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'fintech_create_limit';
COMMENT ON FUNCTION fintech.create_limit(pg_catalog.text, pg_catalog.text, pg_catalog.interval,
                                         pg_catalog.int8, pg_catalog.int4, pg_catalog.text, pg_catalog.text) IS
  'A spending or velocity limit checked by fintech.pay: reject (LD010) or send to review what exceeds it';

CREATE FUNCTION fintech.drop_limit(name pg_catalog.text)
RETURNS void
LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'fintech_drop_limit';
COMMENT ON FUNCTION fintech.drop_limit(pg_catalog.text) IS
  'Drop a limit: pay no longer checks it (payments it holds for review stay held until reviewed)';

CREATE FUNCTION fintech.review_payment(payment_id pg_catalog.int8, decision pg_catalog.text,
                                       reason pg_catalog.text)
RETURNS void
LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'fintech_review_payment';
COMMENT ON FUNCTION fintech.review_payment(pg_catalog.int8, pg_catalog.text, pg_catalog.text) IS
  'Approve or reject a payment a review limit holds (LD008 if it is not held for review)';

SELECT fintech.audit_table(t)
  FROM (VALUES ('fintech.limits'::pg_catalog.regclass), ('fintech.payment_reviews')) AS own(t);

/* ------------------------------------------------------------------------
 * Sanctions screening: lists, matching, parties and alerts
 * ------------------------------------------------------------------------ */

-- every load of a list takes the next generation; a backend's in-memory
-- name index is valid for one set of generations
CREATE SEQUENCE fintech.sanctions_generation;

CREATE TABLE fintech.sanctions_lists (
    list        pg_catalog.text PRIMARY KEY,        -- e.g. 'OFAC-SDN'
    version     pg_catalog.int8 NOT NULL,           -- 1, 2, ...: loads of this list
    generation  pg_catalog.int8 NOT NULL,           -- from fintech.sanctions_generation
    entities    pg_catalog.int4 NOT NULL,           -- listed entities after the load
    names       pg_catalog.int4 NOT NULL,           -- primary names + aliases
    source_hash pg_catalog.bytea NOT NULL,          -- SHA-256 of the files as loaded
    loaded_at   pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    loaded_by   pg_catalog.text NOT NULL DEFAULT pg_catalog.session_user()
);
COMMENT ON TABLE fintech.sanctions_lists IS
  'Sanctions lists loaded, with the version and generation of their last load';

-- an entity keeps its id across loads (by list and source uid), so alerts
-- stay attached; one that a later load no longer lists is kept, listed = false
CREATE TABLE fintech.sanctions_entities (
    id          pg_catalog.int8 GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    list        pg_catalog.text NOT NULL,
    source_uid  pg_catalog.text NOT NULL,           -- OFAC: ent_num; UN: REFERENCE_NUMBER; FtM: id
    name        pg_catalog.text NOT NULL,           -- primary name as published
    kind        pg_catalog.text NOT NULL,           -- individual, entity, vessel, aircraft
    programs    pg_catalog.text[] NOT NULL DEFAULT '{}',
    title       pg_catalog.text,
    remarks     pg_catalog.text,
    countries   pg_catalog.text[] NOT NULL DEFAULT '{}', -- ISO 3166-1 alpha-2 codes
    listed      pg_catalog.bool NOT NULL DEFAULT true,
    version     pg_catalog.int8 NOT NULL,           -- list version that last wrote it
    -- (0.6.0) dates of birth as precise as the list gives them: 'YYYY',
    -- 'YYYY-MM' or 'YYYY-MM-DD' (a range of years: each year)
    birth_dates pg_catalog.text[] NOT NULL DEFAULT '{}',
    UNIQUE (list, source_uid)
);
COMMENT ON TABLE fintech.sanctions_entities IS
  'Sanctioned entities of every list loaded (listed = false: dropped by a later load)';

-- the names matched: the primary name and every alias of each listed entity
CREATE TABLE fintech.sanctions_names (
    entity_id   pg_catalog.int8 NOT NULL REFERENCES fintech.sanctions_entities (id),
    list        pg_catalog.text NOT NULL,
    name        pg_catalog.text NOT NULL,           -- as published
    name_type   pg_catalog.text NOT NULL,           -- primary, aka, fka, nka, weak
    source_uid  pg_catalog.text                     -- OFAC: alt_num of an alias
);
CREATE INDEX sanctions_names_list ON fintech.sanctions_names (list);
CREATE INDEX sanctions_names_entity ON fintech.sanctions_names (entity_id);
COMMENT ON TABLE fintech.sanctions_names IS
  'Names matched by fintech.screen_name: primary names and aliases of listed entities';

CREATE TABLE fintech.parties (
    id           pg_catalog.int8 GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    name         pg_catalog.text NOT NULL,
    country      pg_catalog.text,                   -- ISO 3166-1 alpha-2 (0.6.0: checked)
    kind         pg_catalog.text NOT NULL,          -- individual, entity
    external_ref pg_catalog.text UNIQUE,
    status       pg_catalog.text NOT NULL,          -- clear, review, blocked
    -- the highest list generation this party was last screened against;
    -- below the current one: due for rescreening
    screened_generation pg_catalog.int8 NOT NULL,
    created_at   pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    screened_at  pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp()
);
-- the rescreening's order (screened_generation, id): each batch reads its
-- own rows from the index, not every due party and a sort of them
CREATE INDEX parties_screened ON fintech.parties (screened_generation, id);
ALTER TABLE fintech.accounts
  ADD FOREIGN KEY (party_id) REFERENCES fintech.parties (id);
CREATE INDEX accounts_party ON fintech.accounts (party_id) WHERE party_id IS NOT NULL;
COMMENT ON TABLE fintech.parties IS
  'Payers and payees, screened against the sanctions lists (status clear, review, blocked)';

CREATE TABLE fintech.screening_alerts (
    id           pg_catalog.int8 GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    party_id     pg_catalog.int8 NOT NULL REFERENCES fintech.parties (id),
    entity_id    pg_catalog.int8 NOT NULL REFERENCES fintech.sanctions_entities (id),
    score        pg_catalog.float4 NOT NULL,
    party_name   pg_catalog.text NOT NULL,          -- the name screened
    matched_name pg_catalog.text NOT NULL,          -- the list's name it matched
    generation   pg_catalog.int8 NOT NULL,          -- list generation that raised it
    status       pg_catalog.text NOT NULL DEFAULT 'open',   -- open, cleared, confirmed
    created_at   pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    resolved_at  pg_catalog.timestamptz,
    resolved_by  pg_catalog.text,
    resolution_reason pg_catalog.text,
    -- one alert per (party, entity), ever: a cleared pair is not alerted again
    UNIQUE (party_id, entity_id),
    -- why it matched: fintech.explain_match at the time (0.6.0; NULL before)
    explanation  pg_catalog.jsonb
);
CREATE INDEX screening_alerts_entity ON fintech.screening_alerts (entity_id);
COMMENT ON TABLE fintech.screening_alerts IS
  'One alert per party and matched sanctioned entity (open, cleared, confirmed)';

SELECT pg_catalog.pg_extension_config_dump('fintech.sanctions_generation', '');
SELECT pg_catalog.pg_extension_config_dump('fintech.sanctions_lists', '');
SELECT pg_catalog.pg_extension_config_dump('fintech.sanctions_entities', '');
SELECT pg_catalog.pg_extension_config_dump('fintech.sanctions_entities_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('fintech.sanctions_names', '');
SELECT pg_catalog.pg_extension_config_dump('fintech.parties', '');
SELECT pg_catalog.pg_extension_config_dump('fintech.parties_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('fintech.screening_alerts', '');
SELECT pg_catalog.pg_extension_config_dump('fintech.screening_alerts_id_seq', '');
-- (the tree, 0.5.0: dumped with its log; registered here, after the rest,
-- in the order an update from 0.4.1 registers it)
SELECT pg_catalog.pg_extension_config_dump('fintech.audit_tree', '');

CREATE FUNCTION fintech.screen_name(name pg_catalog.text, min_score pg_catalog.float4 DEFAULT 0.85,
                                    max_results pg_catalog.int4 DEFAULT 10,
                                    country pg_catalog.text DEFAULT NULL,
                                    birth_date pg_catalog.date DEFAULT NULL,
                                    kind pg_catalog.text DEFAULT NULL)
RETURNS TABLE(entity_id pg_catalog.int8, list pg_catalog.text, source_uid pg_catalog.text,
              matched_name pg_catalog.text, score pg_catalog.float4, programs pg_catalog.text[])
LANGUAGE C STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'fintech_screen_name';

CREATE FUNCTION fintech.explain_match(name pg_catalog.text, entity_id pg_catalog.int8,
                                      country pg_catalog.text DEFAULT NULL,
                                      birth_date pg_catalog.date DEFAULT NULL,
                                      kind pg_catalog.text DEFAULT NULL)
RETURNS pg_catalog.jsonb
LANGUAGE C STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'fintech_explain_match';
COMMENT ON FUNCTION fintech.explain_match(pg_catalog.text, pg_catalog.int8, pg_catalog.text,
                                          pg_catalog.date, pg_catalog.text) IS
  'Why a name matches a listed entity: the listed name, each token pair and its similarity, each penalty; the score is screen_name''s';

CREATE FUNCTION fintech.screening_index()
RETURNS TABLE(shared pg_catalog.bool, generation pg_catalog.int8, entities pg_catalog.int4,
              names pg_catalog.int4, bytes pg_catalog.int8, builds pg_catalog.int8,
              builds_here pg_catalog.int8)
LANGUAGE C STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'fintech_screening_index';
COMMENT ON FUNCTION fintech.screening_index() IS
  'The matching index this session uses: shared or its own, its generation and size, index builds for this database since the server started and in this session';

CREATE FUNCTION fintech.create_party(name pg_catalog.text, country pg_catalog.text DEFAULT NULL,
                                     kind pg_catalog.text DEFAULT 'individual',
                                     external_ref pg_catalog.text DEFAULT NULL,
                                     birth_date pg_catalog.date DEFAULT NULL)
RETURNS pg_catalog.int8
LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'fintech_create_party';

CREATE FUNCTION fintech.resolve_alert(alert_id pg_catalog.int8, decision pg_catalog.text,
                                      reason pg_catalog.text)
RETURNS void
LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'fintech_resolve_alert';

CREATE FUNCTION fintech.rescreen_parties()
RETURNS pg_catalog.int8
LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'fintech_rescreen_parties';

CREATE FUNCTION fintech.load_sanctions_ofac(
    sdn_csv pg_catalog.text, alt_csv pg_catalog.text DEFAULT NULL,
    add_csv pg_catalog.text DEFAULT NULL, list pg_catalog.text DEFAULT 'OFAC-SDN')
RETURNS pg_catalog.int8
LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'fintech_load_sanctions_ofac';

COMMENT ON FUNCTION fintech.load_sanctions_ofac(pg_catalog.text, pg_catalog.text, pg_catalog.text,
                                                pg_catalog.text) IS
  'Replace a sanctions list with the US Treasury''s legacy CSV files (sdn.csv, alt.csv, add.csv); returns the entities listed';

CREATE FUNCTION fintech.load_sanctions_un(xml pg_catalog.text, list pg_catalog.text DEFAULT 'UN-SC')
RETURNS pg_catalog.int8
LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'fintech_load_sanctions_un';
COMMENT ON FUNCTION fintech.load_sanctions_un(pg_catalog.text, pg_catalog.text) IS
  'Replace a sanctions list with the UN Security Council Consolidated List XML; returns the entities listed';

CREATE FUNCTION fintech.load_sanctions_ftm(jsonl pg_catalog.text, list pg_catalog.text)
RETURNS pg_catalog.int8
LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'fintech_load_sanctions_ftm';
COMMENT ON FUNCTION fintech.load_sanctions_ftm(pg_catalog.text, pg_catalog.text) IS
  'Replace a sanctions list with FollowTheMoney entities as JSON lines (OpenSanctions); returns the entities listed';

SELECT fintech.audit_table(t)
  FROM (VALUES ('fintech.sanctions_lists'::pg_catalog.regclass), ('fintech.parties'),
               ('fintech.screening_alerts')) AS own(t);

-- each list, its last load, how many parties still wait to be
-- rescreened against it, its age and whether it is older than
-- fintech.sanctions_max_age (0.6.0: age, stale)
CREATE VIEW fintech.screening_status AS
  SELECT l.list, l.version, l.entities, l.names, l.loaded_at, l.loaded_by,
         (SELECT pg_catalog.count(*) FROM fintech.parties p
           WHERE p.screened_generation OPERATOR(pg_catalog.<) l.generation) AS parties_due,
         pg_catalog.now() OPERATOR(pg_catalog.-) l.loaded_at AS age,
         pg_catalog.now() OPERATOR(pg_catalog.-) l.loaded_at OPERATOR(pg_catalog.>)
           COALESCE(NULLIF(pg_catalog.current_setting('fintech.sanctions_max_age', true), ''),
                    '8 days')::pg_catalog.interval AS stale
    FROM fintech.sanctions_lists l;
COMMENT ON VIEW fintech.screening_status IS
  'Each sanctions list: its last load, the parties not yet rescreened against it, its age and whether it is stale (older than fintech.sanctions_max_age)';

/* ------------------------------------------------------------------------
 * Events: every change of money, holds, payments, parties and alerts told
 * once, in commit order (src/events.c, src/events_read.c, docs/integrating.md)
 * ------------------------------------------------------------------------ */

/*
 * Written by the changing transaction with event_id NULL; a reader (the
 * sequencer in read_events, create_consumer and the prune job) numbers the
 * committed ones in commit order: event_id is the order consumers read in,
 * write_seq only the order of writing.
 */
CREATE TABLE fintech.events (
    event_id    pg_catalog.int8,                        -- NULL until put in commit order
    kind        pg_catalog.text NOT NULL CHECK (kind IN (
                  'entry.posted', 'entry.reversed', 'hold.created', 'hold.posted', 'hold.voided',
                  'hold.expired', 'payment.completed', 'payment.held', 'payment.rejected',
                  'party.review', 'party.clear', 'party.blocked', 'alert.opened', 'alert.resolved',
                  'party.erased')),
    occurred_at pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),  -- its transaction's start
    payload     pg_catalog.json NOT NULL,                -- the JSON text, as in the WAL message (read_events: jsonb)
    write_seq   pg_catalog.int8 GENERATED BY DEFAULT AS IDENTITY (SEQUENCE NAME fintech.events_write_seq) NOT NULL
);
-- partial indexes: a writer inserts into the second one only (a NULL in a
-- plain index on event_id would be one more entry on one hot page)
CREATE UNIQUE INDEX events_in_order ON fintech.events (event_id) WHERE event_id IS NOT NULL;
CREATE INDEX events_unordered ON fintech.events (write_seq) WHERE event_id IS NULL;
COMMENT ON TABLE fintech.events IS
  'Events written by the transactions that changed ledger entries, holds, payments, parties, alerts; read with fintech.read_events in event_id (commit) order';

CREATE TABLE fintech.event_consumers (
    name        pg_catalog.text PRIMARY KEY,
    acked_up_to pg_catalog.int8 NOT NULL,               -- the last event_id acknowledged
    created_at  pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    acked_at    pg_catalog.timestamptz
);
COMMENT ON TABLE fintech.event_consumers IS
  'Each consumer of fintech.events and the position it acknowledged';

-- the sequencer's lock and the last event_id given; no row until the first
-- sequencer run (a row inserted here would clash with pg_dump's copy)
CREATE TABLE fintech.event_order (
    id            pg_catalog.int4 PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    last_event_id pg_catalog.int8 NOT NULL DEFAULT 0
);
COMMENT ON TABLE fintech.event_order IS
  'The last event_id given to a committed event (its row is the sequencer''s lock)';

-- (their data is dumped: see the end of this file)

CREATE FUNCTION fintech.create_consumer(name pg_catalog.text)
RETURNS void
LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'fintech_create_consumer';
COMMENT ON FUNCTION fintech.create_consumer(pg_catalog.text) IS
  'Create an event consumer: it receives the events committed after its creation (23505 if it exists)';

CREATE FUNCTION fintech.read_events(consumer pg_catalog.text, max_events pg_catalog.int4 DEFAULT 100)
RETURNS TABLE(event_id pg_catalog.int8, kind pg_catalog.text, occurred_at pg_catalog.timestamptz,
              payload pg_catalog.jsonb)
LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'fintech_read_events';
COMMENT ON FUNCTION fintech.read_events(pg_catalog.text, pg_catalog.int4) IS
  'The consumer''s unacknowledged events in commit order, at most max_events (the same again until ack_events)';

CREATE FUNCTION fintech.ack_events(consumer pg_catalog.text, up_to pg_catalog.int8)
RETURNS pg_catalog.int8
LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'fintech_ack_events';
COMMENT ON FUNCTION fintech.ack_events(pg_catalog.text, pg_catalog.int8) IS
  'Acknowledge the consumer''s events up to event_id up_to; returns how many were newly acknowledged';

CREATE FUNCTION fintech.drop_consumer(name pg_catalog.text)
RETURNS void
LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'fintech_drop_consumer';
COMMENT ON FUNCTION fintech.drop_consumer(pg_catalog.text) IS
  'Drop an event consumer (its unacknowledged events become prunable)';

/* ------------------------------------------------------------------------
 * Metrics: fintech.metrics
 *
 * Counters (transfers, entries, payments, refusals, screening latency,
 * the jobs) come from shared memory through fintech.metric_counters();
 * gauges are read from the tables when the view is read, by
 * fintech.metric_gauges() and fintech.metric_events().  The view itself
 * names no table (functions only): adding it changes nothing in the order
 * pg_dump gives the tables.
 * ------------------------------------------------------------------------ */

CREATE FUNCTION fintech.metric_counters(
    OUT metric pg_catalog.text,
    OUT labels pg_catalog.jsonb,
    OUT value pg_catalog.float8,
    OUT kind pg_catalog.text,
    OUT help pg_catalog.text)
RETURNS SETOF record
LANGUAGE C VOLATILE STRICT PARALLEL RESTRICTED
AS 'MODULE_PATHNAME', 'fintech_metric_counters';

COMMENT ON FUNCTION fintech.metric_counters() IS
  'The counters of fintech.metrics (shared memory: transfers, entries, payments, refusals, screening latency, jobs)';

/*
 * Events not yet acknowledged, per consumer: committed events above the
 * consumer's position, and committed events not yet numbered (every
 * consumer still has them ahead).  Read only when the events tables exist.
 */
CREATE FUNCTION fintech.metric_events(
    OUT metric pg_catalog.text,
    OUT labels pg_catalog.jsonb,
    OUT value pg_catalog.float8,
    OUT kind pg_catalog.text,
    OUT help pg_catalog.text)
RETURNS SETOF record
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    IF pg_catalog.to_regclass('fintech.event_consumers') IS NULL
       OR pg_catalog.to_regclass('fintech.events') IS NULL THEN
        RETURN;
    END IF;
    -- each count from a partial index of fintech.events (numbered, unnumbered)
    RETURN QUERY EXECUTE
        'SELECT ''fintech_events_unacknowledged''::pg_catalog.text,
                pg_catalog.jsonb_build_object(''consumer'', c.name),
                ((SELECT pg_catalog.count(*) FROM fintech.events e
                   WHERE e.event_id OPERATOR(pg_catalog.>) c.acked_up_to) OPERATOR(pg_catalog.+) u.n)::pg_catalog.float8,
                ''gauge''::pg_catalog.text,
                ''Committed events a consumer has not acknowledged yet''::pg_catalog.text
           FROM fintech.event_consumers c,
                (SELECT pg_catalog.count(*) AS n FROM fintech.events e WHERE e.event_id IS NULL) u';
END
$fn$;

COMMENT ON FUNCTION fintech.metric_events() IS
  'The events gauge of fintech.metrics: committed events not yet acknowledged, per consumer';

-- open alerts, counted and aged from an index of their own
CREATE INDEX screening_alerts_open ON fintech.screening_alerts (created_at) WHERE status = 'open';

/*
 * The gauges, read from the tables when the view is read, each from a
 * partial index (a scrape costs little however long the history is).
 * SECURITY DEFINER: a monitoring role sees the numbers, never the rows.
 */
CREATE FUNCTION fintech.metric_gauges(
    OUT metric pg_catalog.text,
    OUT labels pg_catalog.jsonb,
    OUT value pg_catalog.float8,
    OUT kind pg_catalog.text,
    OUT help pg_catalog.text)
RETURNS SETOF record
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
  SELECT g.metric, '{}'::pg_catalog.jsonb, g.value, 'gauge', g.help
    FROM (SELECT pg_catalog.count(*) AS n, pg_catalog.min(a.created_at) AS oldest
            FROM fintech.screening_alerts a WHERE a.status OPERATOR(pg_catalog.=) 'open') s,
         LATERAL (VALUES
           ('fintech_alerts_open', s.n::pg_catalog.float8,
            'Screening alerts waiting for a decision (resolve_alert)'),
           ('fintech_alerts_open_oldest_seconds',
            COALESCE(pg_catalog.date_part('epoch', pg_catalog.now() OPERATOR(pg_catalog.-) s.oldest), 0),
            'Age in seconds of the oldest open screening alert (0: none)')) AS g(metric, value, help)
  UNION ALL
  SELECT g.metric, '{}'::pg_catalog.jsonb, g.value, 'gauge', g.help
    FROM (SELECT pg_catalog.count(*) AS n, pg_catalog.min(p.created_at) AS oldest
            FROM fintech.payments p WHERE p.status OPERATOR(pg_catalog.=) 'held') s,
         LATERAL (VALUES
           ('fintech_payments_held', s.n::pg_catalog.float8,
            'Payments held while a party is under review'),
           ('fintech_payments_held_oldest_seconds',
            COALESCE(pg_catalog.date_part('epoch', pg_catalog.now() OPERATOR(pg_catalog.-) s.oldest), 0),
            'Age in seconds of the oldest held payment (0: none)')) AS g(metric, value, help)
  UNION ALL
  SELECT 'fintech_holds_open', '{}'::pg_catalog.jsonb, pg_catalog.count(*)::pg_catalog.float8, 'gauge',
         'Pending entries (holds) neither posted, voided nor expired'
    FROM fintech.holds h WHERE h.status OPERATOR(pg_catalog.=) 'open'
  UNION ALL
  SELECT g.metric, '{}'::pg_catalog.jsonb, g.value, 'gauge', g.help
    FROM (SELECT pg_catalog.count(*) AS n, pg_catalog.min(l.changed_at) AS oldest
            FROM fintech.audit_log l WHERE l.seq IS NULL) s,
         LATERAL (VALUES
           ('fintech_audit_unsealed_rows', s.n::pg_catalog.float8,
            'Audit log rows not yet sealed into the Merkle tree'),
           ('fintech_audit_unsealed_oldest_seconds',
            COALESCE(pg_catalog.date_part('epoch', pg_catalog.now() OPERATOR(pg_catalog.-) s.oldest), 0),
            'Age in seconds of the oldest unsealed audit log row (0: none)')) AS g(metric, value, help)
$fn$;

COMMENT ON FUNCTION fintech.metric_gauges() IS
  'The gauges of fintech.metrics: open alerts, held payments, open holds, unsealed audit rows (and the age of the oldest of each)';

CREATE VIEW fintech.metrics AS
  SELECT c.metric, c.labels, c.value, c.kind, c.help FROM fintech.metric_counters() c
  UNION ALL
  SELECT g.metric, g.labels, g.value, g.kind, g.help FROM fintech.metric_gauges() g
  UNION ALL
  SELECT e.metric, e.labels, e.value, e.kind, e.help FROM fintech.metric_events() e;

COMMENT ON VIEW fintech.metrics IS
  'Counters and gauges for monitoring (Prometheus names): metric, labels, value, kind (counter or gauge), help';

/* ------------------------------------------------------------------------
 * Ledger additions (0.6.0): safe retries, sweeps, statements
 * ------------------------------------------------------------------------ */

-- every ledger write may carry an idempotency key (fintech.pay's keys are
-- fintech.idempotency_keys): claimed with the id its entry takes,
-- forgotten after fintech.idempotency_retention
CREATE TABLE fintech.ledger_keys (
    key          pg_catalog.text PRIMARY KEY,
    function     pg_catalog.text NOT NULL,    -- transfer, post, post_pending, void_pending, reverse, sweep
    request_hash pg_catalog.bytea NOT NULL,   -- first 16 bytes of the SHA-256 of the request's canonical form
    entry_id     pg_catalog.int8 NOT NULL,    -- the entry the first call wrote
    created_at   pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp()
);
-- no index on created_at: the pruning job (a background batch) scans the
-- table; a key's write is its row and its primary key entry only (a BRIN
-- index cost every write a summary update once the pruned pages were
-- reused, for a scan that then read every range anyway)
COMMENT ON TABLE fintech.ledger_keys IS
  'Idempotency keys of ledger writes within their retention, each naming its entry';
-- (pg_dump dumps its rows: registered at the end of this file, in the order
-- the update to 0.6.0 registers it)

-- an account's history in seq order, by bucket: the 32 consecutive postings
-- of an account in a bucket (seq >> 5; src/statement.h's
-- FT_SEQ_BUCKET_BITS) share one key, so B-tree deduplication keeps them in
-- one posting list: an index several times smaller than one on
-- (account_id, seq), whose every entry would be distinct (fewer pages for a
-- checkpoint cycle's first changes to image).  Statements read a page per
-- bucket range, then sort its rows by seq; balance_at and the statements'
-- time windows search it by posted_at, which does not decrease with seq
-- (stamped under the account's row lock; check_ledger checks it), so one
-- index per posting serves both
-- (0.5.0's postings_account_time, on (account_id, posted_at, seq), is gone)
CREATE INDEX postings_account_seq ON fintech.postings
  (account_id, (seq OPERATOR(pg_catalog.>>) 5));

CREATE FUNCTION fintech.sweep(
    debit_account pg_catalog.text, credit_account pg_catalog.text,
    max_amount pg_catalog.int8 DEFAULT NULL, description pg_catalog.text DEFAULT NULL,
    metadata pg_catalog.jsonb DEFAULT '{}', idempotency_key pg_catalog.text DEFAULT NULL)
RETURNS TABLE(entry_id pg_catalog.int8, amount pg_catalog.int8)
LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'fintech_sweep';

CREATE FUNCTION fintech.statement(
    account pg_catalog.text, after_seq pg_catalog.int8 DEFAULT 0,
    max_rows pg_catalog.int4 DEFAULT 100,
    from_time pg_catalog.timestamptz DEFAULT '-infinity',
    to_time pg_catalog.timestamptz DEFAULT 'infinity')
RETURNS TABLE(seq pg_catalog.int8, entry_id pg_catalog.int8, posted_at pg_catalog.timestamptz,
              amount pg_catalog.int8, balance_after pg_catalog.int8,
              description pg_catalog.text, metadata pg_catalog.jsonb)
LANGUAGE C STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'fintech_statement';

/* ------------------------------------------------------------------------
 * Card vault: tokens for card numbers (PCI DSS); docs/vault.md
 *
 * Card numbers are kept only AES-256 encrypted, under keys that live only
 * in the file named by fintech.vault_key_file; no table holds a card
 * number or a key.  Both tables are dumped with the data (a vault restored
 * without its cards would orphan every token).
 * ------------------------------------------------------------------------ */

-- one row per card: its token, the PAN's lookup hash and the PAN sealed
CREATE TABLE fintech.vault_cards (
    token      pg_catalog.text PRIMARY KEY,         -- the PAN's length and last four; fails Luhn
    lookup     pg_catalog.bytea NOT NULL UNIQUE,    -- HMAC-SHA256 of the PAN (a key derived from the file's)
    key_id     pg_catalog.bytea NOT NULL,           -- the key it is sealed under (8 bytes derived from it)
    iv         pg_catalog.bytea NOT NULL,
    ciphertext pg_catalog.bytea NOT NULL,           -- AES-256-CBC of the PAN (pgcrypto)
    tag        pg_catalog.bytea NOT NULL,           -- HMAC-SHA256 over token, IV and ciphertext
    created_at pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    sealed_at  pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp()
);
CREATE INDEX vault_cards_key ON fintech.vault_cards (key_id);
COMMENT ON TABLE fintech.vault_cards IS
  'The card vault: one row per card (token, lookup hash, the card number AES-256 encrypted); never a card number or a key';

-- every detokenization: who, when, which token (never the card number)
CREATE TABLE fintech.vault_access (
    id          pg_catalog.int8 GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    accessed_at pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    accessed_by pg_catalog.text NOT NULL,           -- the calling role
    token       pg_catalog.text NOT NULL
);
CREATE INDEX vault_access_token ON fintech.vault_access (token);
COMMENT ON TABLE fintech.vault_access IS
  'Each call of detokenize_card: role, time, token (audited: every row is in the verifiable log)';

-- (dumped with the data: registered at the end of this file, in the order
-- an update from 0.5.0 registers them)

SELECT fintech.audit_table('fintech.vault_access');

CREATE FUNCTION fintech.tokenize_card(pan pg_catalog.text)
RETURNS pg_catalog.text
LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'fintech_tokenize_card';
COMMENT ON FUNCTION fintech.tokenize_card(pg_catalog.text) IS
  'The token of a card number (12-19 digits, Luhn-valid): its length and last four digits, random, the same for the same card';

CREATE FUNCTION fintech.detokenize_card(token pg_catalog.text)
RETURNS pg_catalog.text
LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'fintech_detokenize_card';
COMMENT ON FUNCTION fintech.detokenize_card(pg_catalog.text) IS
  'The card number of a token; granted to nobody by default, refused to application roles, each call recorded in fintech.vault_access';

CREATE FUNCTION fintech.rotate_vault_key()
RETURNS pg_catalog.int8
LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'fintech_rotate_vault_key';
COMMENT ON FUNCTION fintech.rotate_vault_key() IS
  'Re-encrypt every card under the current key of fintech.vault_key_file (the rotate_vault_key job); returns the cards that were under older keys';

/* ------------------------------------------------------------------------
 * Privileges: least by default, separation of duties (keep this part
 * last: it revokes from PUBLIC everything defined above)
 * ------------------------------------------------------------------------ */

/*
 * Which duty may use what.  The one list of the rights each duty gets:
 * the grant_* helpers grant from it, the separation-of-duties check reads
 * it, and a later feature adds its functions here (a row per duty).  An
 * object is named without its schema (always fintech) and, for a
 * function, without arguments: every overload of the name is meant.
 * Functions get EXECUTE, relations (tables, views) SELECT.  Anything of
 * the extension not listed is the owner's alone: the trigger functions,
 * audit_table (it attaches triggers: a schema change, the DBA's) and the
 * helpers themselves.
 */
CREATE TABLE fintech.duty_privileges (
    duty    pg_catalog.text NOT NULL
            CHECK (duty IN ('application', 'compliance', 'auditor', 'monitoring', 'operator')),
    kind    pg_catalog.text NOT NULL CHECK (kind IN ('function', 'relation')),
    name    pg_catalog.text NOT NULL,
    PRIMARY KEY (duty, kind, name)
);
COMMENT ON TABLE fintech.duty_privileges IS
  'The rights fintech.grant_<duty>() gives: EXECUTE on each function (every overload of the name), SELECT on each relation';

INSERT INTO fintech.duty_privileges (duty, kind, name)
SELECT d.duty, d.kind, n.name
  FROM (VALUES
    ('application', 'function', '{version, open_account, freeze_account, unfreeze_account, close_account,
                                  debit, credit, post, transfer, transfer_batch, post_pending,
                                  void_pending, reverse, balance, available_balance, balance_at,
                                  pay, create_party, screen_name}'),
    ('application', 'relation', '{currencies, accounts, entries, postings, pending_legs, holds,
                                  payments, parties, screening_alerts}'),
    -- compliance: lists, alert decisions and rescreening; it may screen a
    -- name by hand, but never move money
    ('compliance',  'function', '{version, load_sanctions_ofac, resolve_alert, rescreen_parties,
                                  screen_name}'),
    ('compliance',  'relation', '{sanctions_lists, sanctions_entities, sanctions_names, parties,
                                  screening_alerts, screening_status}'),
    -- auditor: the log, its tree and proofs, and the ledger rows whose
    -- entries are leaves (an outside verifier recomputes their leaf data)
    ('auditor',     'function', '{version, verify_audit, audit_digest, verify_audit_digest, audit_root,
                                  audit_inclusion_proof, audit_consistency_proof, audit_leaf_data,
                                  audit_entry_image}'),
    ('auditor',     'relation', '{audit_log, audit_head, audit_tree, entries, postings, pending_legs}'),
    -- worker_status calls get_worker_status() with the reader's rights
    ('monitoring',  'function', '{version, get_worker_status, check_ledger}'),
    ('monitoring',  'relation', '{worker_status, screening_status}'),
    ('operator',    'function', '{version, run_job, seal_audit}')
  ) AS d(duty, kind, names)
  CROSS JOIN LATERAL pg_catalog.unnest(d.names::pg_catalog.text[]) AS n(name);

-- the rights of the parts added in 0.6.0, a statement per part
-- (screening v2)
INSERT INTO fintech.duty_privileges (duty, kind, name) VALUES
  ('compliance', 'function', 'load_sanctions_un'),
  ('compliance', 'function', 'load_sanctions_ftm');
INSERT INTO fintech.duty_privileges (duty, kind, name) VALUES
    ('application', 'function', 'explain_match'),
    ('compliance',  'function', 'explain_match'),
    ('compliance',  'function', 'screening_index'),
    ('monitoring',  'function', 'screening_index');
-- (events and metrics)
INSERT INTO fintech.duty_privileges (duty, kind, name) VALUES
  ('operator', 'function', 'create_consumer'),
  ('operator', 'function', 'read_events'),
  ('operator', 'function', 'ack_events'),
  ('operator', 'function', 'drop_consumer'),
  ('operator', 'relation', 'events'),
  ('operator', 'relation', 'event_consumers');
INSERT INTO fintech.duty_privileges (duty, kind, name) VALUES
    ('monitoring', 'function', 'metric_counters'),
    ('monitoring', 'function', 'metric_events'),
    ('monitoring', 'function', 'metric_gauges'),
    ('monitoring', 'relation', 'metrics');
-- (ledger additions)
INSERT INTO fintech.duty_privileges (duty, kind, name) VALUES
    ('application', 'function', 'sweep'), ('application', 'function', 'statement');
-- (limits)
INSERT INTO fintech.duty_privileges (duty, kind, name) VALUES
  ('compliance', 'function', 'create_limit'),
  ('compliance', 'function', 'drop_limit'),
  ('compliance', 'function', 'review_payment'),
  ('compliance', 'relation', 'limits'),
  ('compliance', 'relation', 'payment_reviews'),
  ('application', 'relation', 'limits'),
  ('application', 'relation', 'payment_reviews'),
  ('auditor', 'relation', 'limits'),
  ('auditor', 'relation', 'payment_reviews');
-- (card vault)
INSERT INTO fintech.duty_privileges (duty, kind, name) VALUES
  ('application', 'function', 'tokenize_card'),
  ('operator', 'function', 'rotate_vault_key'),
  ('auditor', 'relation', 'vault_access');

/*
 * fintech.apply_duty(duty, role): the work of the helpers (duty 'revoke':
 * revoke_all).  Only a
 * superuser or the extension's owner may call it; they are SECURITY
 * INVOKER on purpose: the GRANTs run with the caller's own rights, so
 * nothing here can give more than the caller could give by hand.
 */
CREATE FUNCTION fintech.apply_duty(duty pg_catalog.text, role pg_catalog.regrole)
RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY INVOKER SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    nsp     pg_catalog.oid := 'fintech'::pg_catalog.regnamespace;
    owner   pg_catalog.oid;
    rival   pg_catalog.text;
    who     pg_catalog.text;
    via     pg_catalog.text;
    obj     record;
    missing pg_catalog.text;
BEGIN
    SELECT e.extowner INTO owner FROM pg_catalog.pg_extension e WHERE e.extname = 'fintech';
    IF NOT (SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname = current_user)
       AND (SELECT r.oid FROM pg_catalog.pg_roles r WHERE r.rolname = current_user) <> owner THEN
        RAISE EXCEPTION 'permission denied to grant or revoke fintech rights: role % is neither a superuser nor the owner of extension fintech',
                        pg_catalog.quote_ident(current_user::pg_catalog.text)
              USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF role IS NULL OR role = 0 THEN
        RAISE EXCEPTION 'role must name a role (got %)', coalesce(role::pg_catalog.text, 'NULL')
              USING ERRCODE = 'invalid_parameter_value';
    END IF;

    IF duty = 'revoke' THEN
        -- everything of the extension, listed or granted by hand, and the schema
        FOR obj IN
            SELECT CASE WHEN d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass
                        THEN pg_catalog.format('FUNCTION %s', d.objid::pg_catalog.regprocedure)
                        WHEN c.relkind = 'S'
                        THEN pg_catalog.format('SEQUENCE %s', d.objid::pg_catalog.regclass)
                        ELSE pg_catalog.format('TABLE %s', d.objid::pg_catalog.regclass) END AS what
              FROM pg_catalog.pg_depend d
              LEFT JOIN pg_catalog.pg_class c
                     ON d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND c.oid = d.objid
             WHERE d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass
               AND d.refobjid = (SELECT e.oid FROM pg_catalog.pg_extension e WHERE e.extname = 'fintech')
               AND d.deptype = 'e'
               AND (d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass
                    OR (c.oid IS NOT NULL AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')))
             ORDER BY 1
        LOOP
            EXECUTE pg_catalog.format('REVOKE ALL ON %s FROM %s CASCADE', obj.what, role);
        END LOOP;
        EXECUTE pg_catalog.format('REVOKE ALL ON SCHEMA fintech FROM %s CASCADE', role);
        RETURN;
    END IF;

    IF NOT EXISTS (SELECT 1 FROM fintech.duty_privileges p WHERE p.duty = apply_duty.duty) THEN
        RAISE EXCEPTION 'no such duty: %', duty USING ERRCODE = 'invalid_parameter_value';
    END IF;

    /*
     * Separation of duties: application and compliance never meet in one
     * role.  A right "of the other duty" is one only the other duty gets
     * (both read parties and alerts).  The new rights would reach every
     * role that is a member of this one (and the role itself); none of
     * them may reach, directly or through any role it is a member of, a
     * right of the other duty.  Superusers and the owner have everything
     * anyway and are left out.
     */
    rival := CASE duty WHEN 'application' THEN 'compliance' WHEN 'compliance' THEN 'application' END;
    IF rival IS NOT NULL THEN
        WITH other AS (
            SELECT p.kind, p.name FROM fintech.duty_privileges p WHERE p.duty = rival
            EXCEPT
            SELECT p.kind, p.name FROM fintech.duty_privileges p WHERE p.duty = apply_duty.duty
        ), holders AS (
            SELECT a.grantee
              FROM other o
              JOIN pg_catalog.pg_proc f ON o.kind = 'function' AND f.proname = o.name
                                       AND f.pronamespace = nsp
             CROSS JOIN LATERAL pg_catalog.aclexplode(f.proacl) a
             WHERE a.privilege_type = 'EXECUTE' AND a.grantee <> f.proowner
            UNION
            SELECT a.grantee
              FROM other o
              JOIN pg_catalog.pg_class c ON o.kind = 'relation' AND c.relname = o.name
                                        AND c.relnamespace = nsp
             CROSS JOIN LATERAL pg_catalog.aclexplode(c.relacl) a
             WHERE a.privilege_type = 'SELECT' AND a.grantee <> c.relowner
        )
        SELECT u.rolname, h.rolname INTO who, via
          FROM pg_catalog.pg_roles u, pg_catalog.pg_roles h
         WHERE h.oid IN (SELECT holders.grantee FROM holders WHERE holders.grantee <> 0)
           AND NOT u.rolsuper AND u.oid <> owner
           AND pg_catalog.pg_has_role(u.oid, role, 'MEMBER')
           AND pg_catalog.pg_has_role(u.oid, h.oid, 'MEMBER')
         ORDER BY u.rolname <> role::pg_catalog.text, u.rolname, h.rolname <> u.rolname, h.rolname
         LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION 'cannot grant % rights to role %: role % holds % rights%',
                            duty, role, pg_catalog.quote_ident(who), rival,
                            CASE WHEN who = via THEN ''
                                 ELSE pg_catalog.format(' through its membership in role %s',
                                                        pg_catalog.quote_ident(via)) END
                  USING ERRCODE = 'insufficient_privilege',
                        HINT = pg_catalog.format('Application and compliance are separate duties: no role may hold both. '
                                                 'Use two roles, or take the %s rights back first (fintech.revoke_all()).',
                                                 rival);
        END IF;
    END IF;

    -- every listed object must exist: a stale list is a bug, not a no-op
    SELECT pg_catalog.string_agg(p.name, ', ' ORDER BY p.name) INTO missing
      FROM fintech.duty_privileges p
     WHERE p.duty = apply_duty.duty
       AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_proc f
                        WHERE p.kind = 'function' AND f.proname = p.name AND f.pronamespace = nsp)
       AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_class c
                        WHERE p.kind = 'relation' AND c.relname = p.name AND c.relnamespace = nsp);
    IF missing IS NOT NULL THEN
        RAISE EXCEPTION 'fintech.duty_privileges names objects that do not exist: %', missing
              USING ERRCODE = 'undefined_object';
    END IF;

    EXECUTE pg_catalog.format('GRANT USAGE ON SCHEMA fintech TO %s', role);
    FOR obj IN
        SELECT pg_catalog.format('GRANT EXECUTE ON FUNCTION %s TO %s', f.oid::pg_catalog.regprocedure, role) AS stmt
          FROM fintech.duty_privileges p
          JOIN pg_catalog.pg_proc f ON f.proname = p.name AND f.pronamespace = nsp
         WHERE p.duty = apply_duty.duty AND p.kind = 'function'
        UNION ALL
        SELECT pg_catalog.format('GRANT SELECT ON TABLE %s TO %s', c.oid::pg_catalog.regclass, role)
          FROM fintech.duty_privileges p
          JOIN pg_catalog.pg_class c ON c.relname = p.name AND c.relnamespace = nsp
         WHERE p.duty = apply_duty.duty AND p.kind = 'relation'
        ORDER BY 1
    LOOP
        EXECUTE obj.stmt;
    END LOOP;
END
$fn$;


CREATE FUNCTION fintech.grant_application(role pg_catalog.regrole)
RETURNS void
LANGUAGE sql VOLATILE SECURITY INVOKER SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
  SELECT fintech.apply_duty('application', role);
END;
COMMENT ON FUNCTION fintech.grant_application(pg_catalog.regrole) IS
  'Give a role the application rights: ledger writes, pay, create_party, screen_name, balances; read the ledger, payments, parties, alerts';

CREATE FUNCTION fintech.grant_compliance(role pg_catalog.regrole)
RETURNS void
LANGUAGE sql VOLATILE SECURITY INVOKER SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
  SELECT fintech.apply_duty('compliance', role);
END;
COMMENT ON FUNCTION fintech.grant_compliance(pg_catalog.regrole) IS
  'Give a role the compliance rights: load lists, resolve alerts, rescreen; read everything screening';

CREATE FUNCTION fintech.grant_auditor(role pg_catalog.regrole)
RETURNS void
LANGUAGE sql VOLATILE SECURITY INVOKER SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
  SELECT fintech.apply_duty('auditor', role);
END;
COMMENT ON FUNCTION fintech.grant_auditor(pg_catalog.regrole) IS
  'Give a role the auditor rights: verify the audit chain, digests; read the audit log';

CREATE FUNCTION fintech.grant_monitoring(role pg_catalog.regrole)
RETURNS void
LANGUAGE sql VOLATILE SECURITY INVOKER SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
  SELECT fintech.apply_duty('monitoring', role);
END;
COMMENT ON FUNCTION fintech.grant_monitoring(pg_catalog.regrole) IS
  'Give a role the monitoring rights: worker_status, screening_status, check_ledger, metrics';

CREATE FUNCTION fintech.grant_operator(role pg_catalog.regrole)
RETURNS void
LANGUAGE sql VOLATILE SECURITY INVOKER SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
  SELECT fintech.apply_duty('operator', role);
END;
COMMENT ON FUNCTION fintech.grant_operator(pg_catalog.regrole) IS
  'Give a role the operator rights: run_job, seal_audit';

CREATE FUNCTION fintech.revoke_all(role pg_catalog.regrole)
RETURNS void
LANGUAGE sql VOLATILE SECURITY INVOKER SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
  SELECT fintech.apply_duty('revoke', role);
END;
COMMENT ON FUNCTION fintech.revoke_all(pg_catalog.regrole) IS
  'Take back every right on fintech''s objects and schema from a role';

/*
 * Nothing for PUBLIC: no function (the trigger functions, the helpers and
 * audit_table included: they stay the owner's), no table, view or
 * sequence.  The schema itself was never usable by PUBLIC.
 */
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA fintech FROM PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA fintech FROM PUBLIC;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA fintech FROM PUBLIC;
REVOKE ALL ON SCHEMA fintech FROM PUBLIC;

/*
 * GRANT and REVOKE in an extension script are recorded as initial
 * privileges (pg_init_privs), which pg_dump leaves out.  The schema is not
 * a member of the extension, and when CREATE EXTENSION finds it already
 * there the REVOKE above records its whole ACL, the USAGE granted to roles
 * included: a dump would lose those grants.  Its initial privileges are
 * its owner's entries alone (what a new schema has).
 */
UPDATE pg_catalog.pg_init_privs i
   SET initprivs = ARRAY(SELECT x FROM pg_catalog.unnest(i.initprivs) AS x
                          WHERE (SELECT a.grantee FROM pg_catalog.aclexplode(ARRAY[x]) AS a LIMIT 1)
                                OPERATOR(pg_catalog.=) n.nspowner)
  FROM pg_catalog.pg_namespace n
 WHERE n.nspname = 'fintech'
   AND i.classoid = 'pg_catalog.pg_namespace'::pg_catalog.regclass AND i.objoid = n.oid
   AND i.objsubid = 0 AND i.privtype = 'e';

/* ------------------------------------------------------------------------
 * Erasure of personal data (0.5.0)
 *
 * Personal values never enter the audit log in clear: the capture trigger
 * writes a salted commitment in their place (docs/audit.md) and keeps the
 * value and its salt in fintech.audit_personal until they are erased, so
 * that erasing changes no leaf, root or proof.  This part comes after the
 * privileges part: it lists its own rights and revokes its own objects
 * from PUBLIC.
 * ------------------------------------------------------------------------ */

-- Erasure of personal data (0.5.0)

-- when an account was closed (close_account): fintech.personal_data_retention counts from it
ALTER TABLE fintech.accounts ADD COLUMN closed_at pg_catalog.timestamptz;
-- its capture trigger names the new column (UPDATE OF, see audit_table above)
SELECT fintech.audit_table('fintech.accounts');
-- when the party's personal data was erased (fintech.erase_party)
ALTER TABLE fintech.parties ADD COLUMN erased_at pg_catalog.timestamptz;

-- the personal columns of audited tables, set by fintech.audit_table();
-- fintech's own (parties, screening_alerts) are built in
CREATE TABLE fintech.audit_personal_columns (
    tbl     pg_catalog.regclass PRIMARY KEY,
    columns pg_catalog.text[] NOT NULL,
    set_at  pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp()
);
COMMENT ON TABLE fintech.audit_personal_columns IS
  'The personal columns of audited tables, set by fintech.audit_table(tbl, personal_columns)';

-- the personal values the audit log commits to, until erased
CREATE TABLE fintech.audit_personal (
    audit_id    pg_catalog.int8 NOT NULL,               -- fintech.audit_log.id
    image       pg_catalog.text NOT NULL CHECK (image IN ('old', 'new')),
    column_name pg_catalog.text NOT NULL,
    tbl         pg_catalog.regclass NOT NULL,           -- the audited table
    row_key     pg_catalog.jsonb,                       -- the row's primary key
    commitment  pg_catalog.bytea NOT NULL,              -- SHA-256(salt || value #>> '{}')
    salt        pg_catalog.bytea NOT NULL,              -- 16 random bytes
    value       pg_catalog.jsonb NOT NULL,
    PRIMARY KEY (audit_id, image, column_name)
);
CREATE INDEX audit_personal_row ON fintech.audit_personal (tbl, row_key);
COMMENT ON TABLE fintech.audit_personal IS
  'Personal values of logged row images: the image holds {"commitment": hex(SHA-256(salt || value #>> ''{}''))}; erasure deletes the row';

-- one row per erasure: who, when, why, what (never the values)
CREATE TABLE fintech.erasures (
    id          pg_catalog.int8 GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    erased_at   pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    erased_by   pg_catalog.text NOT NULL,               -- the calling role
    reason      pg_catalog.text NOT NULL,
    table_name  pg_catalog.text NOT NULL,               -- fintech.parties or the user table
    primary_key pg_catalog.jsonb NOT NULL,              -- {"id": <party id>} or the row's key
    alert_ids   pg_catalog.int8[],                      -- a party's screening alerts scrubbed
    columns     pg_catalog.text[] NOT NULL,             -- the personal columns erased
    log_rows    pg_catalog.int8 NOT NULL                -- audit rows redacted
);
CREATE INDEX erasures_row ON fintech.erasures (table_name, primary_key);
COMMENT ON TABLE fintech.erasures IS
  'Each erasure of personal data (erase_party, erase_audited_row, the retention job): who, when, why, what; never the values';

SELECT pg_catalog.pg_extension_config_dump('fintech.audit_personal_columns', '');
SELECT pg_catalog.pg_extension_config_dump('fintech.audit_personal', '');
SELECT pg_catalog.pg_extension_config_dump('fintech.erasures', '');
SELECT pg_catalog.pg_extension_config_dump('fintech.erasures_id_seq', '');

SELECT fintech.audit_table('fintech.erasures');

CREATE FUNCTION fintech.erase_party(party_id pg_catalog.int8, reason pg_catalog.text)
RETURNS pg_catalog.int8
LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'fintech_erase_party';
COMMENT ON FUNCTION fintech.erase_party(pg_catalog.int8, pg_catalog.text) IS
  'Erase a party''s personal data from parties, its screening alerts and the audit log (LD011 under a legal hold); returns the log rows redacted';

CREATE FUNCTION fintech.erase_audited_row(tbl pg_catalog.regclass, primary_key pg_catalog.jsonb,
                                          reason pg_catalog.text)
RETURNS pg_catalog.int8
LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'fintech_erase_audited_row';
COMMENT ON FUNCTION fintech.erase_audited_row(pg_catalog.regclass, pg_catalog.jsonb, pg_catalog.text) IS
  'Erase the personal values the audit log holds of one row of a user table; returns the log rows redacted';

INSERT INTO fintech.duty_privileges (duty, kind, name) VALUES
  ('compliance', 'function', 'erase_party'),
  ('compliance', 'function', 'erase_audited_row'),
  ('compliance', 'relation', 'audit_personal'),
  ('compliance', 'relation', 'erasures'),
  ('auditor', 'relation', 'audit_personal'),
  ('auditor', 'relation', 'audit_personal_columns'),
  ('auditor', 'relation', 'erasures');

REVOKE ALL ON FUNCTION fintech.erase_party(pg_catalog.int8, pg_catalog.text),
                       fintech.erase_audited_row(pg_catalog.regclass, pg_catalog.jsonb, pg_catalog.text)
  FROM PUBLIC;
REVOKE ALL ON TABLE fintech.audit_personal_columns, fintech.audit_personal, fintech.erasures FROM PUBLIC;
REVOKE ALL ON SEQUENCE fintech.erasures_id_seq FROM PUBLIC;

/* ------------------------------------------------------------------------
 * Screening v2 (0.6.0): the party's date of birth
 *
 * (After the erasure part: the column comes after parties.erased_at, as
 * the update from 0.5.0 adds it.  The rest of screening v2 lives in the
 * screening part above: birth_dates of the listed entities, the loaders,
 * create_party's birth_date, screening_status's age and stale.)
 * ------------------------------------------------------------------------ */

-- a personal column: fintech.erase_party scrubs it, the audit log commits to it
ALTER TABLE fintech.parties ADD COLUMN birth_date pg_catalog.date;

/* ------------------------------------------------------------------------
 * The tables added from 0.6.0 on, whose rows pg_dump keeps: registered
 * here, at the end and in the order of the update's sections (after
 * 0.5.0's erasure tables), because the order of pg_extension.extconfig is
 * part of what an updated database must equal.
 * ------------------------------------------------------------------------ */
-- (screening v2)
-- (events: consumers, positions, unacknowledged events)
SELECT pg_catalog.pg_extension_config_dump('fintech.events', '');
SELECT pg_catalog.pg_extension_config_dump('fintech.events_write_seq', '');
SELECT pg_catalog.pg_extension_config_dump('fintech.event_consumers', '');
SELECT pg_catalog.pg_extension_config_dump('fintech.event_order', '');
-- (metrics)
-- (ledger additions)
SELECT pg_catalog.pg_extension_config_dump('fintech.ledger_keys', '');
-- (limits)
SELECT pg_catalog.pg_extension_config_dump('fintech.limits', '');
SELECT pg_catalog.pg_extension_config_dump('fintech.limits_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('fintech.limit_slots', '');
SELECT pg_catalog.pg_extension_config_dump('fintech.payment_reviews', '');
-- (card vault)
SELECT pg_catalog.pg_extension_config_dump('fintech.vault_cards', '');
SELECT pg_catalog.pg_extension_config_dump('fintech.vault_access', '');
SELECT pg_catalog.pg_extension_config_dump('fintech.vault_access_id_seq', '');
