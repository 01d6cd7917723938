/*
 * fintech 0.1.0 -> 0.2.0: what 0.2.0 adds (ALTER EXTENSION fintech UPDATE).
 */
\echo Use "ALTER EXTENSION fintech UPDATE TO '0.2.0'" to load this file. \quit

/* ------------------------------------------------------------------------
 * 0.2.0: fintech.screening_status — each list, its last load, and how many
 * parties still wait to be rescreened against it
 * ------------------------------------------------------------------------ */

CREATE VIEW fintech.screening_status AS
  SELECT l.list, l.version, l.entities, l.names, l.loaded_at, l.loaded_by,
         (SELECT pg_catalog.count(*) FROM fintech.parties p
           WHERE p.screened_generation OPERATOR(pg_catalog.<) l.generation) AS parties_due
    FROM fintech.sanctions_lists l;
COMMENT ON VIEW fintech.screening_status IS
  'Each sanctions list: its last load, and the parties not yet rescreened against it';
GRANT SELECT ON fintech.screening_status TO PUBLIC;
