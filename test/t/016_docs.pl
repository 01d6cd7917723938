# The documentation's examples are tests (docs/contributing.md, "Runnable
# examples"): every fenced block whose info string is exactly "sql" in
# README.md and docs/*.md runs, in order per file, each block in its own
# "psql -X -q" session, in a fresh database of a preloaded cluster where
# CREATE EXTENSION fintech CASCADE has been run and fintech.database names
# that database (so the launcher runs the jobs there).  A "text" block right
# after a "sql" block (only blank lines between) is its expected output:
# compared exactly, psql's "psql:<stdin>:N: " prefixes stripped, trailing
# spaces and trailing blank lines ignored.  A "sql" block without one must
# run without an ERROR.  One test per block; a failure names the file, the
# line and the block's first line, and shows a unified diff.
#
# After each file: ALTER SYSTEM RESET ALL, the database dropped, and the
# roles the file created dropped.
#
# FINTECH_DOCS="docs/ledger.md README.md" (relative to the checkout, or
# absolute) runs only those files; FINTECH_DOCS_OUT=/some/dir writes each
# block's output to /some/dir/<file>.<line>.out (to write a text block).
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;
use FintechTest;
use IPC::Run;
use PostgreSQL::Test::Utils;
use Test::More;

my $root = "$FindBin::RealBin/../..";

# fenced blocks of a markdown file: [{ lang, line (of the opening fence),
# body, end (line of the closing fence) }]
sub fenced_blocks
{
	my ($file) = @_;
	my $path = $file =~ m{^/} ? $file : "$root/$file";
	my @lines = split /\n/, slurp_file($path), -1;
	my (@blocks, $cur);
	for my $i (0 .. $#lines)
	{
		my $l = $lines[$i];
		if (!$cur)
		{
			if ($l =~ /^( {0,3})(`{3,}|~{3,})\s*([^`\s]*)[^`]*$/)
			{
				$cur = {
					indent => length($1),
					fence => $2,
					lang => $3,
					line => $i + 1,
					body => []
				};
			}
		}
		elsif ($l =~ /^ {0,3}(`{3,}|~{3,})\s*$/
			&& substr($1, 0, 1) eq substr($cur->{fence}, 0, 1)
			&& length($1) >= length($cur->{fence}))
		{
			$cur->{end} = $i + 1;
			push @blocks, $cur;
			undef $cur;
		}
		else
		{
			$l =~ s/^ {0,$cur->{indent}}//;
			push @{ $cur->{body} }, $l;
		}
	}
	die "$file: fenced block opened at line $cur->{line} is never closed\n"
	  if $cur;
	# a "text" block right after a "sql" block is its expected output
	for my $k (0 .. $#blocks - 1)
	{
		my ($b, $n) = @blocks[ $k, $k + 1 ];
		next unless $b->{lang} eq 'sql' && $n->{lang} eq 'text';
		my @between = @lines[ $b->{end} .. $n->{line} - 2 ];
		$b->{expected} = join("\n", @{ $n->{body} })
		  unless grep { /\S/ } @between;
	}
	return grep { $_->{lang} eq 'sql' } @blocks;
}

# trailing spaces and trailing blank lines do not count
sub canon
{
	my ($text) = @_;
	$text =~ s/[ \t\r]+$//mg;
	$text =~ s/\n+\z//;
	return $text;
}

sub unified_diff
{
	my ($expected, $got) = @_;
	my $dir = PostgreSQL::Test::Utils::tempdir;
	append_to_file("$dir/expected", "$expected\n");
	append_to_file("$dir/got", "$got\n");
	my $diff = '';
	IPC::Run::run(
		[
			'diff', '-u', '--label', 'expected (the text block)',
			'--label', 'got', "$dir/expected", "$dir/got"
		],
		'>', \$diff);
	return $diff;
}

my @files = ('README.md',
	sort map { s{^\Q$root\E/}{}r } glob("$root/docs/*.md"));
@files = split ' ', $ENV{FINTECH_DOCS} if $ENV{FINTECH_DOCS};

my $node = fintech_node('docs', qq{
shared_preload_libraries = 'fintech'
max_connections = 40
});

my $nblocks = 0;
my $fileno = 0;
for my $file (@files)
{
	my @blocks = fenced_blocks($file);
	$fileno++;
	next unless @blocks;

	my $db = "docs_$fileno";
	my $roles_before = $node->safe_psql('postgres',
		'SELECT string_agg(rolname, \' \' ORDER BY rolname) FROM pg_roles');
	$node->safe_psql('postgres', "CREATE DATABASE $db");
	$node->safe_psql($db, 'CREATE EXTENSION fintech CASCADE');
	$node->safe_psql('postgres', "ALTER SYSTEM SET fintech.database = '$db'");
	$node->reload;
	$node->poll_query_until($db,
		"SELECT state = 'running' AND database = '$db'
		   FROM fintech.worker_status WHERE job = 'launcher'")
	  or die "$file: the launcher did not start in database $db";
	note("$file: database $db, " . scalar(@blocks) . " sql blocks");

	for my $b (@blocks)
	{
		$nblocks++;
		my $sql = join("\n", @{ $b->{body} }) . "\n";
		my ($first) = grep { /\S/ } @{ $b->{body} };
		$first //= '';
		$first =~ s/^\s+//;
		my $name = "$file:$b->{line}: $first";
		my $out = '';
		IPC::Run::run(
			[ 'psql', '-X', '-q', '-d', $node->connstr($db) ],
			'<', \$sql, '>&', \$out,
			IPC::Run::timeout($PostgreSQL::Test::Utils::timeout_default));
		my $rc = $? >> 8;
		$out =~ s/^psql:<stdin>:\d+: //mg;
		$out = canon($out);
		if ($ENV{FINTECH_DOCS_OUT})
		{
			(my $base = $file) =~ s{.*/}{};
			open(my $fh, '>', "$ENV{FINTECH_DOCS_OUT}/$base.$b->{line}.out")
			  or die "cannot write in $ENV{FINTECH_DOCS_OUT}: $!";
			print $fh "$out\n";
			close($fh);
		}
		if (defined $b->{expected})
		{
			my $expected = canon($b->{expected});
			ok($rc == 0 && $out eq $expected, $name)
			  or diag(
				"$file line $b->{line}: the output of the sql block starting with\n"
				  . "    $first\n"
				  . "differs from the text block after it (psql exit status $rc):\n"
				  . unified_diff($expected, $out));
		}
		else
		{
			ok($rc == 0 && $out !~ /^(?:ERROR|FATAL|PANIC):/m, $name)
			  or diag(
				"$file line $b->{line}: the sql block starting with\n"
				  . "    $first\n"
				  . "raised an error (it has no text block showing one; psql exit status $rc):\n"
				  . $out);
		}
	}

	# leave nothing behind for the next file
	$node->safe_psql('postgres', 'ALTER SYSTEM RESET ALL');
	$node->reload;
	$node->poll_query_until('postgres',
		"SELECT count(*) = 0 FROM pg_stat_activity WHERE datname = '$db'")
	  or diag("$file: sessions still in $db; dropping it with FORCE");
	$node->safe_psql('postgres', "DROP DATABASE $db WITH (FORCE)");
	my %before = map { $_ => 1 } split ' ', $roles_before;
	for my $role (split ' ', $node->safe_psql('postgres',
		'SELECT string_agg(rolname, \' \' ORDER BY rolname) FROM pg_roles'))
	{
		next if $before{$role};
		$node->safe_psql('postgres', qq{DROP OWNED BY "$role"; DROP ROLE "$role"});
	}
}

ok(1, 'no sql block in the docs') unless $nblocks;
$node->stop;
done_testing();
