# Sanctions screening in a preloaded cluster: the rescreen_parties job.
# - 1,203 parties screened against the SDN slice of test/data/ofac; a new
#   list load makes all of them due; the worker rescreens them in the
#   background in batches (worker_status shows runs and rows), raises
#   alerts for the three parties the new list matches and puts them under
#   review, leaves the others clear;
# - a party row locked by a client is skipped (SKIP LOCKED), not waited
#   for: everything else is done meanwhile, and that party is rescreened
#   once the client lets go;
# - rescreen_parties() does it synchronously too, each batch reading on
#   from where the last one stopped, and then finds nothing;
# - the job's runs, too, go on from where the last one stopped, also while
#   an old snapshot keeps earlier runs' index entries from being dead.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib $FindBin::RealBin;
use FintechTest;
use File::Basename qw(dirname);

my $data = dirname($FindBin::RealBin) . '/data/ofac';
my $node = fintech_node('screening', qq{
shared_preload_libraries = 'fintech'
fintech.heartbeat_interval = '1h'
fintech.rescreen_interval = '200ms'
});

sql('CREATE EXTENSION fintech CASCADE');
my ($sdn, $alt, $add) = map { slurp_file("$data/$_.csv") } qw(sdn alt add);
s/'/''/g for ($sdn, $alt, $add);
is(sql("SELECT fintech.load_sanctions_ofac('$sdn', '$alt', '$add')"), '142', 'SDN slice loaded');

# 1,200 ordinary customers and three that a later list will name
sql(q{SELECT fintech.create_party('Customer ' || i || ' Example', external_ref => 'c' || i)
        FROM generate_series(1, 1200) i});
sql(q{SELECT fintech.create_party(n) FROM unnest(ARRAY['Jane Quixote Doe', 'Rafael Nadalino Ortega',
        'Wilhelmina Zyx']) n});
is(sql(q{SELECT count(*) FILTER (WHERE status = 'clear') || '/' || count(*) FROM fintech.parties}),
	'1203/1203', 'every party clear against the slice');
my $job = q{SELECT runs || ' ' || total_rows || ' ' || errors FROM fintech.worker_status WHERE job = 'rescreen_parties'};
my ($runs0) = split / /, sql($job);

# the new list: the worker rescreens every party in batches
my $due = q{SELECT count(*) FROM fintech.parties
             WHERE screened_generation < (SELECT max(generation) FROM fintech.sanctions_lists)};
sql(q{SELECT fintech.load_sanctions_ofac(
  E'1,"DOE, Jane Quixote",individual,"TEST",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n'
  '2,"NADALINO ORTEGA, Rafael",individual,"TEST",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ' || E'\r\n'
  '3,"ZYX, Wilhelmina",individual,"TEST",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ' || E'\r\n',
  list => 'TEST')});
wait_for("SELECT ($due) = 0", 'the worker rescreened every party after the load');
my ($runs, $rows, $errors) = split / /, sql($job);
ok($runs - $runs0 >= 3, "in batches: " . ($runs - $runs0) . " runs");
ok($rows >= 1203, "worker_status counts the parties rescreened ($rows)");
is($errors, '0', 'no job errors');
is(sql(q{SELECT string_agg(name || ':' || status, ', ' ORDER BY name) FROM fintech.parties
          WHERE status <> 'clear'}),
	'Jane Quixote Doe:review, Rafael Nadalino Ortega:review, Wilhelmina Zyx:review',
	'the three named parties are under review, the rest clear');
is(sql(q{SELECT count(*) FROM fintech.screening_alerts WHERE status = 'open'}), '3',
	'one alert each');

# a party locked by a client is skipped, not waited for
my $locker = $node->background_psql('postgres');
$locker->query_safe(q{BEGIN; SELECT 1 FROM fintech.parties WHERE external_ref = 'c7' FOR UPDATE});
sql(q{SELECT fintech.load_sanctions_ofac(
  E'1,"DOE, Jane Quixote",individual,"TEST",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n',
  list => 'TEST')});
wait_for("SELECT ($due) = 1", 'every party but the locked one rescreened meanwhile');
is(sql(q{SELECT external_ref FROM fintech.parties
          WHERE screened_generation < (SELECT max(generation) FROM fintech.sanctions_lists)}),
	'c7', 'the locked party is the one left');
$locker->query_safe('COMMIT');
$locker->quit;
wait_for("SELECT ($due) = 0", 'and it is rescreened once the client lets go');
is(sql(q{SELECT errors FROM fintech.worker_status WHERE job = 'rescreen_parties'}), '0',
	'still no job errors');

# synchronously: after a load, nothing left for the worker; with 20,000
# more parties (written straight into the table: screening them one by one
# is not what is tested), so that the planner reads a table of some size
sql(q{ALTER SYSTEM SET fintech.rescreen_interval = 0});
sql(q{SELECT pg_reload_conf()});
sql(q{INSERT INTO fintech.parties (name, kind, status, screened_generation)
        SELECT 'Bulk Party ' || i, 'person', 'clear', (SELECT max(generation) FROM fintech.sanctions_lists)
          FROM generate_series(1, 20000) i});
sql(q{ANALYZE fintech.parties});
sql(q{SELECT fintech.load_sanctions_ofac(
  E'9,"EXAMPLE, Customer 42",individual,"TEST",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n',
  list => 'TEST')});
# each batch of one call starts where the last one stopped: the index
# entries of the parties its earlier batches updated (dead only once it
# commits) are not read again, and no batch reads and sorts every due party
my $reads = q{(SELECT coalesce(sum(idx_tup_read), 0) FROM pg_stat_all_indexes
                WHERE relid = 'fintech.parties'::regclass AND indexrelname = 'parties_screened')
            + (SELECT coalesce(seq_tup_read, 0) FROM pg_stat_all_tables
                WHERE relid = 'fintech.parties'::regclass)};
my ($alerts, $read) = split /\|/, sql(qq{
SELECT $reads AS before \\gset
SELECT fintech.rescreen_parties() AS alerts, pg_stat_force_next_flush() AS flush \\gset
SELECT :alerts, $reads - :before;});
is($alerts, '1', 'rescreen_parties() raised the one new alert');
# 21,203 parties in 43 batches of 500: each entry once, and once more for
# the closing count of the parties left busy; reading each batch from the
# start, or sorting every due party per batch, reads about 22 times as many
ok($read <= 2.5 * 21203, "the batches read $read index entries or rows of 21,203 due parties");
is(sql($due), '0', 'nothing due');
is(sql(q{SELECT status FROM fintech.parties WHERE external_ref = 'c42'}), 'review',
	'the matched party is under review');
is(sql(q{SELECT bool_and(ok) FROM fintech.verify_audit()}), 't', 'audit chain verifies');

# the job's runs go on from where the last one stopped: with an older
# snapshot open (so the index entries of the parties rescreened by earlier
# runs cannot be marked dead), each run does not step over them again
my $holder = $node->background_psql('postgres');
$holder->query_safe(q{BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT count(*) FROM fintech.parties});
sql(q{SELECT fintech.load_sanctions_ofac(
  E'9,"EXAMPLE, Customer 42",individual,"TEST",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n',
  list => 'TEST')});
sql(q{SELECT pg_stat_reset_single_table_counters(i.indexrelid) FROM pg_index i
       WHERE i.indexrelid = 'fintech.parties_screened'::regclass});
sql(q{ALTER SYSTEM SET fintech.rescreen_interval = '200ms'});
sql(q{SELECT pg_reload_conf()});
wait_for("SELECT ($due) = 0", 'the job rescreened the 21,203 parties with an old snapshot open', 120);
wait_for(q{SELECT idx_tup_read >= 21203 FROM pg_stat_all_indexes
            WHERE indexrelid = 'fintech.parties_screened'::regclass},
	"the launcher's index reads are counted");
my $job_read = sql(q{SELECT idx_tup_read FROM pg_stat_all_indexes
                      WHERE indexrelid = 'fintech.parties_screened'::regclass});
# from the start each run, the 43 runs would read about 21 x 21,203
ok($job_read <= 2.5 * 21203, "the job's runs read $job_read index entries for 21,203 parties");
$holder->query_safe('COMMIT');
$holder->quit;

$node->stop;
done_testing();
