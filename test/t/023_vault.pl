# Card vault: nothing leaks, and rotation resumes.
#
# With log_statement = 'all' (and log_parameter_max_length = 0, as
# docs/vault.md tells), calls that bind the card number as a parameter --
# tokenize, detokenize, and calls that fail -- leave no card number in the
# server log; a failing call with the number as a literal has no STATEMENT
# line (errhidestmt); neither the card numbers nor the keys are in the
# server log or in a pg_dump of the database.  The key file is read again
# on reload by a session that stays connected.  Rotation re-encrypts every
# card in batches that survive a crash, old keys decrypt until it ends,
# and worker_status shows its progress.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib $FindBin::RealBin;
use FintechTest;

my $k1 = '3f1a9c0e5b7d2468ace013579bdf2468ace013579bdf02468ace13579bdf0246';
my $k2 = 'c0ffee00deadbeef0123456789abcdef0123456789abcdeffedcba9876543210';

my $dir = PostgreSQL::Test::Utils::tempdir;
my $keyfile = "$dir/vault.key";

sub write_keys
{
	my (@keys) = @_;
	unlink $keyfile;
	append_to_file($keyfile, join("\n", @keys) . "\n");
	chmod 0600, $keyfile or die "chmod: $!";
}
write_keys($k1);

my $node = fintech_node('vault', qq{
shared_preload_libraries = 'fintech'
fintech.database = 'postgres'
fintech.vault_key_file = '$keyfile'
fintech.vault_rotate_interval = 0
log_statement = 'all'
log_parameter_max_length = 0
log_min_error_statement = error
});
sql('CREATE EXTENSION fintech CASCADE');

# the card numbers used here (Luhn-valid); pans(n) in SQL makes the n-th
sql(q{
CREATE FUNCTION luhn_ok(t text) RETURNS bool LANGUAGE sql IMMUTABLE AS $$
  SELECT sum(CASE WHEN (length(t) - i) % 2 = 1 THEN (CASE WHEN 2 * d > 9 THEN 2 * d - 9 ELSE 2 * d END) ELSE d END) % 10 = 0
    FROM (SELECT i, substr(t, i, 1)::int AS d FROM generate_series(1, length(t)) i) s $$;
CREATE FUNCTION pan(n int) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT p || c FROM (SELECT '49' || lpad(n::text, 13, '0') AS p) s, generate_series(0, 9) c
   WHERE luhn_ok(p || c) $$;
});
my @pans = ('4929123456789015', '5425233430109903', '374245455400126', '4000056655665556');
sub luhn_ok
{
	my ($sum, $i) = (0, 0);
	for my $d (reverse split //, shift)
	{
		$d *= 2 if $i++ % 2;
		$sum += $d > 9 ? $d - 9 : $d;
	}
	return $sum % 10 == 0;
}
# (checked here: a query would put them in the log)
for my $p (@pans)
{
	die "test PAN $p is not Luhn-valid" unless luhn_ok($p);
}

# a call through pgbench -M extended: :pan and :token are bound parameters
sub bound
{
	my ($script, %vars) = @_;
	my $f = "$dir/script.sql";
	unlink $f;
	append_to_file($f, $script);
	my ($out, $err) = ('', '');
	my $ok = IPC::Run::run(
		[
			'pgbench', '-n', '-M', 'extended', '-t', '1', '-c', '1',
			(map { ('-D', "$_=$vars{$_}") } sort keys %vars),
			'-f', $f, '-h', $node->host, '-p', $node->port, 'postgres'
		],
		'>', \$out, '2>', \$err);
	return ($ok, $err);
}

# ------------------------------------------------------------------------
# bound calls, failing calls
# ------------------------------------------------------------------------
for my $p (@pans)
{
	my ($ok, $err) = bound("SELECT fintech.tokenize_card(:pan);\n", pan => $p);
	ok($ok, "tokenize_card with the card number bound ($p)") or diag($err);
}
my %token;
my @tokens = split /\n/, sql('SELECT token FROM fintech.vault_cards ORDER BY created_at');
@token{@pans} = @tokens;
for my $p (@pans)
{
	my ($ok, $err) = bound("SELECT fintech.detokenize_card(:token);\n", token => $token{$p});
	ok($ok, "detokenize_card with the token bound") or diag($err);
}
is(sql('SELECT count(*) FROM fintech.vault_access'), scalar(@pans), 'each detokenization is recorded');

# failing calls, bound: a Luhn failure, and a good number while the key file is missing
my $bad = '4929123456789014';
my ($ok, $err) = bound("SELECT fintech.tokenize_card(:pan);\n", pan => $bad);
ok(!$ok && $err =~ /Luhn/, 'a Luhn failure is refused') or diag($err);
unlike($err, qr/\Q$bad\E/, 'and the message to the client does not repeat it');
rename $keyfile, "$keyfile.away" or die;
($ok, $err) = bound("SELECT fintech.tokenize_card(:pan);\n", pan => $pans[0]);
ok(!$ok && $err =~ /key file cannot be opened/, 'no key file: refused (55000)') or diag($err);
unlike($err, qr/\Q$pans[0]\E/, 'and the message does not repeat the card number');
rename "$keyfile.away", $keyfile or die;

# a failing call with the number as a literal: logged by log_statement
# (why applications must bind), but never in a STATEMENT line of the error
my $literal = '4111111111111111';
$node->psql('postgres', "SELECT fintech.tokenize_card('${literal}0')");
$node->psql('postgres', "SELECT fintech.detokenize_card('$literal')");

# ------------------------------------------------------------------------
# the key file is read again on reload, by a session that stays connected
# ------------------------------------------------------------------------
my $session = $node->background_psql('postgres');
$session->query_safe('SELECT fintech.tokenize_card(pan(1))');
my $k1_id = sql('SELECT DISTINCT encode(key_id, \'hex\') FROM fintech.vault_cards');
sql('SELECT count(fintech.tokenize_card(pan(n))) FROM generate_series(1, 5000) n');
write_keys($k2, $k1);
$node->reload;
# the session handles SIGHUP before its next command
my $sealed = '';
for (1 .. 50)
{
	$session->query_safe('SELECT fintech.tokenize_card(pan(100000 + 1))');
	$sealed = sql(q{SELECT encode(key_id, 'hex') FROM fintech.vault_cards
	                 WHERE token = fintech.tokenize_card(pan(100000 + 1))});
	last if $sealed ne $k1_id;
	sql('DELETE FROM fintech.vault_cards WHERE token = fintech.tokenize_card(pan(100000 + 1))');
	select(undef, undef, undef, 0.1);
}
isnt($sealed, $k1_id, 'after a reload the same session seals new cards under the new current key');
$session->quit;

# ------------------------------------------------------------------------
# rotation: batches that survive a crash; old keys decrypt until it ends
# ------------------------------------------------------------------------
my $total = sql("SELECT count(*) FROM fintech.vault_cards WHERE encode(key_id, 'hex') = '$k1_id'");
cmp_ok($total, '>=', 5000, "$total cards under the old key");
my $rot = $node->background_psql('postgres', on_error_stop => 0);
$rot->query_until(qr/started/, "\\echo started\nSELECT fintech.rotate_vault_key();\n");
my $moved = 0;
for (1 .. 600)
{
	$moved = sql("SELECT count(*) FROM fintech.vault_cards WHERE encode(key_id, 'hex') <> '$k1_id'");
	last if $moved > 1000;
	select(undef, undef, undef, 0.05);
}
note("$moved cards under the new key when the server stops");
$node->stop('immediate');
eval { $rot->quit };
$node->start;
my $after = sql("SELECT count(*) FROM fintech.vault_cards WHERE encode(key_id, 'hex') <> '$k1_id'");
cmp_ok($after, '>=', $moved, "the batches committed before the crash are kept ($after >= $moved)");
is(sql(q{SELECT count(*) FROM generate_series(1, 2000) n
          WHERE fintech.detokenize_card(fintech.tokenize_card(pan(n))) = pan(n)}),
	'2000', 'mid-rotation every card decrypts (old key or new), and keeps its token');
my $left = sql('SELECT fintech.rotate_vault_key()');
is($left, $total - ($after - 1), "rotate_vault_key resumes: returns the $left cards still under the old key");
is(sql("SELECT count(*) FROM fintech.vault_cards WHERE encode(key_id, 'hex') = '$k1_id'"), '0',
	'no card is left under the old key');
# worker_status shows the progress of the job's last run by the launcher
# (a call from SQL notes nothing there): make it run once now, after the
# restart, rather than race its first scheduled run
$node->poll_query_until('postgres',
	"SELECT state = 'running' FROM fintech.worker_status WHERE job = 'launcher'")
  or die 'the launcher did not start again after the restart';
is(sql("SELECT fintech.run_job('rotate_vault_key')"), '0', 'the job finds nothing left to re-encrypt');
like(sql(q{SELECT detail FROM fintech.worker_status WHERE job = 'rotate_vault_key'}),
	qr/re-encrypted \d+ card\(s\) under the current key; 0 left under older keys/, 'worker_status shows its progress');
write_keys($k2);
$node->reload;
is(sql(q{SELECT count(*) FROM generate_series(1, 5000) n
          WHERE fintech.detokenize_card(fintech.tokenize_card(pan(n))) = pan(n)}),
	'5000', 'with the old key gone every card decrypts under the new one, same tokens');
is(sql('SELECT count(*) FROM fintech.vault_cards'), 5000 + scalar(@pans) + 1, 'no card got a second token');

# ------------------------------------------------------------------------
# nothing in the dump, nothing in the log
# ------------------------------------------------------------------------
my ($dump, $derr) = run_command([ 'pg_dump', '-d', $node->connstr('postgres') ]);
ok(length($dump) > 10000, 'pg_dump') or diag($derr);
like($dump, qr/COPY fintech\.vault_cards/, 'the dump holds the vault (its ciphertexts)');
my @sample = split /\n/, sql('SELECT pan(n) FROM generate_series(1, 5000, 97) n');
for my $secret (@pans, @sample, $k1, $k2, uc($k1), uc($k2))
{
	unlike($dump, qr/\Q$secret\E/, "the dump does not hold $secret");
}
my $log = slurp_file($node->logfile);
like($log, qr/execute <unnamed>: SELECT fintech\.tokenize_card\(\$1\)/, 'the log has the bound calls');
for my $secret (@pans, $bad, @sample, $k1, $k2, uc($k1), uc($k2))
{
	unlike($log, qr/\Q$secret\E/, "the server log does not hold $secret");
}
unlike($log, qr/STATEMENT:.*\Q$literal\E/, 'a failing call with a literal number has no STATEMENT line');
like($log, qr/card token passes the Luhn check/, '(that call did fail)');

done_testing();
