-- ddl_guard: DDL that PostgreSQL 15 would lock a fintech relation for
-- BEFORE checking the caller's rights is refused by fintech's
-- ProcessUtility hook (guard.c) with 42501, naming the relation and the
-- command, before any lock is taken (the isolation spec ddl_lock_queue
-- shows that nothing waits).  Owners and superusers are not affected, nor
-- are relations outside schema fintech.

CREATE ROLE regress_guard_app;
GRANT USAGE ON SCHEMA fintech TO regress_guard_app;

SET ROLE regress_guard_app;
-- the full message once
CREATE RULE r AS ON INSERT TO fintech.parties DO INSTEAD NOTHING;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
\set VERBOSITY terse
CREATE TRIGGER t BEFORE INSERT ON fintech.accounts
  FOR EACH ROW EXECUTE FUNCTION suppress_redundant_updates_trigger();
\echo SQLSTATE :LAST_ERROR_SQLSTATE
COMMENT ON TABLE fintech.accounts IS 'mine';
COMMENT ON COLUMN fintech.accounts.code IS 'mine';
SECURITY LABEL ON TABLE fintech.accounts IS 'mine';
CREATE STATISTICS s ON code, currency FROM fintech.accounts;
ALTER INDEX fintech.accounts_party DEPENDS ON EXTENSION fintech;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- from a temporary table of its own: a foreign key, a partition, a child
CREATE TEMP TABLE fk (a bigint REFERENCES fintech.accounts (id));
CREATE TEMP TABLE fk (a bigint, FOREIGN KEY (a) REFERENCES fintech.accounts (id));
CREATE TEMP TABLE part PARTITION OF fintech.accounts FOR VALUES IN (1);
CREATE TEMP TABLE child () INHERITS (fintech.accounts);
CREATE TEMP TABLE mine (a bigint);
ALTER TABLE mine ADD FOREIGN KEY (a) REFERENCES fintech.accounts (id);
ALTER TABLE mine ADD COLUMN b bigint REFERENCES fintech.accounts (id);
ALTER TABLE mine INHERIT fintech.accounts;
CREATE TEMP TABLE parent (id bigint) PARTITION BY LIST (id);
ALTER TABLE parent ATTACH PARTITION fintech.accounts FOR VALUES IN (1);
ALTER TABLE parent DETACH PARTITION fintech.accounts;
CREATE TEMP TABLE pidx (id bigint) PARTITION BY LIST (id);
CREATE INDEX pidx_id ON pidx (id);
ALTER INDEX pidx_id ATTACH PARTITION fintech.accounts_party;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- resolved through search_path just as PostgreSQL resolves it
SET search_path = fintech, public;
CREATE RULE r AS ON INSERT TO parties DO INSTEAD NOTHING;
RESET search_path;

-- with CREATE on the database: a publication of a fintech table
RESET ROLE;
SELECT current_database() AS db \gset
GRANT CREATE ON DATABASE :"db" TO regress_guard_app;
SET ROLE regress_guard_app;
CREATE PUBLICATION regress_guard_pub FOR TABLE fintech.accounts;
-- (an empty one is allowed: quiet about this server's wal_level)
SET client_min_messages = error;
CREATE PUBLICATION regress_guard_pub;
RESET client_min_messages;
ALTER PUBLICATION regress_guard_pub ADD TABLE fintech.accounts;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
DROP PUBLICATION regress_guard_pub;
RESET ROLE;
REVOKE CREATE ON DATABASE :"db" FROM regress_guard_app;
SET ROLE regress_guard_app;

-- what the guard does not concern is PostgreSQL's own business
CREATE TRIGGER t BEFORE INSERT ON mine
  FOR EACH ROW EXECUTE FUNCTION suppress_redundant_updates_trigger();
COMMENT ON TABLE mine IS 'mine';
CREATE RULE r AS ON INSERT TO fintech.no_such_table DO INSTEAD NOTHING;
ALTER TABLE fintech.accounts ADD COLUMN z int;
RESET ROLE;

-- a privilege that PostgreSQL accepts lets the command through to it:
-- REFERENCES on one column, then PostgreSQL's own refusal of a temporary
-- table referencing a permanent one
GRANT REFERENCES (id) ON fintech.accounts TO regress_guard_app;
SET ROLE regress_guard_app;
ALTER TABLE mine ADD FOREIGN KEY (a) REFERENCES fintech.accounts (id);
RESET ROLE;
REVOKE REFERENCES (id) ON fintech.accounts FROM regress_guard_app;

-- the owner (here a superuser) is not refused
COMMENT ON TABLE fintech.accounts IS 'accounts of the ledger';
SELECT obj_description('fintech.accounts'::regclass, 'pg_class');
COMMENT ON TABLE fintech.accounts IS NULL;
CREATE STATISTICS fintech.guard_stats ON code, currency FROM fintech.accounts;
DROP STATISTICS fintech.guard_stats;
\set VERBOSITY default

DROP TABLE mine, parent, pidx;
REVOKE USAGE ON SCHEMA fintech FROM regress_guard_app;
DROP ROLE regress_guard_app;
