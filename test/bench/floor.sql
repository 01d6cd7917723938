-- test/bench/floor.sql — the commit floor: one row into a bare table per
-- transaction (what any durable write costs on this machine)
INSERT INTO bench_plain.floor (v) VALUES (1);
