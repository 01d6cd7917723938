# The audit log's Merkle tree is RFC 9162 §2.1 exactly: the extension's
# roots and proofs against the test's own RFC 9162 code (test/t/RFC9162.pm,
# written from the RFC and held to the published vectors by
# test/t/017_merkle_vectors.pl), which sees nothing but
# fintech.audit_leaf_data(seq):
# - the log grows one seal at a time (an audited user table, a few ledger
#   transfers): after every seal, audit_root() is MTH of the leaf data so
#   far; then audit_root(size) for every size, the inclusion proof of every
#   (seq, size) pair and the consistency proof of every (old, new) pair up
#   to there equal the RFC's PATH and PROOF element by element and verify;
#   audit_digest()/verify_audit_digest() are the tree's roots;
# - a few hundred rows sealed at once: roots of every size, proofs across
#   the powers of two;
# - the leaf data is the documented canonical form of the row (a ledger
#   entry's with fintech.audit_entry_image(entry_id) as new_row, and seq
#   last for a row sealed from 0.5.0 on);
# - tampering by a superuser (session_replication_role = replica, rolled
#   back each time): an edited row (with and without its row_hash
#   recomputed), a deleted row, a row inserted in the middle, two rows'
#   seq swapped, a posting's amount edited under a ledger entry: the proof
#   of the row no longer leads to the root published before (the RFC
#   verifier says no), and verify_audit() is not ok and names the seq;
# - a hot standby answers the same roots and proofs;
# - a pg_dump / pg_restore copy: the same leaves and roots, every root of
#   the original verifies on it, its grown tree is RFC 9162's;
# - an immediate shutdown while seal_audit() seals a backlog of 20,000
#   rows (in the copy): after the restart the tree over all of them is
#   RFC 9162's;
# - a log begun by 0.4.1 (the hash chain) and updated: the old rows are the
#   tree's first leaves, roots and every proof are RFC 9162's, a digest
#   published by 0.4.1 still verifies, an edited old row is caught.
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;
use FintechTest;
use IPC::Run;
use Time::HiRes qw(usleep);
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use RFC9162 qw(leaf_hash empty_root verify_inclusion verify_consistency);
use Test::More;

my $node = fintech_node('merkle', qq{
shared_preload_libraries = 'fintech'
fintech.heartbeat_interval = '1h'
fintech.seal_interval = 0
wal_level = replica
max_wal_senders = 4
});
# the database the checks below run in (postgres, then restored, then legacy)
my $db = 'postgres';
sub dsql { return $node->safe_psql($db, $_[0]); }

dsql('CREATE EXTENSION fintech CASCADE');

sub hx { return unpack 'H*', $_[0]; }
sub unhex { return pack 'H*', $_[0]; }

# a bytea[] as comma-separated hex, NULL as "NULL"
sub path_sql
{
	my ($col) = @_;
	return "CASE WHEN $col IS NULL THEN 'NULL' ELSE array_to_string(ARRAY(
	          SELECT encode(h, 'hex') FROM unnest($col) WITH ORDINALITY u(h, i) ORDER BY i), ',') END";
}
sub hexlist { return join ',', map { hx($_) } @_; }

# the test's copy of the log: the leaf data of seq 1..n, from the server
my $tree = RFC9162->new;

# one round trip: $change, seal, then the root and the leaf data of the
# rows newly sealed (which the test's tree takes); returns the server's
# root as "tree_size|hex" and the number of new leaves
sub grow
{
	my ($change) = @_;
	my $have = $tree->size;
	my $out = dsql("$change;
	               SELECT 'sealed|' || fintech.seal_audit();
	               SELECT 'root|' || tree_size || '|' || encode(root_hash, 'hex') FROM fintech.audit_root();
	               SELECT 'leaf|' || s || '|' || encode(fintech.audit_leaf_data(s), 'hex')
	                 FROM generate_series($have + 1, (SELECT tree_size FROM fintech.audit_root())) s
	                ORDER BY s;");
	my ($root) = $out =~ /^root\|(.*)$/m;
	my @leaves;
	while ($out =~ /^leaf\|(\d+)\|([0-9a-f]*)$/mg)
	{
		die "leaf $1 out of order" unless $1 == $have + @leaves + 1;
		push @leaves, unhex($2);
	}
	$tree->append(@leaves);
	return ($root, scalar @leaves);
}

sub root_now { return dsql("SELECT tree_size || '|' || encode(root_hash, 'hex') FROM fintech.audit_root()"); }

# ====================================================================
# the empty log
# ====================================================================
dsql('SELECT fintech.seal_audit()');
my $empty = dsql('SELECT count(*) FROM fintech.audit_log');
SKIP:
{
	skip "CREATE EXTENSION left $empty audit rows", 1 if $empty;
	is(root_now(), '0|' . hx(empty_root()), 'empty log: audit_root() = (0, SHA-256 of the empty string)');
}

# ====================================================================
# the log grows one seal at a time
# ====================================================================
dsql(q{
CREATE TABLE m_t (k int PRIMARY KEY, v text, n numeric, at timestamptz);
SELECT fintech.audit_table('m_t');
SELECT fintech.open_account(code => 'bank', currency => 'USD', kind => 'asset', min_balance => NULL);
SELECT fintech.open_account(code => 'w1', currency => 'USD');
});
my $rounds = 70;
my @bad_rounds;
for my $r (1 .. $rounds)
{
	# (non-ASCII text as UTF-8 bytes: the cluster's encoding may be SQL_ASCII)
	my $change =
	    $r % 10 == 0 ? "INSERT INTO m_t SELECT 1000 * $r + g, 'batch ' || g, g, NULL FROM generate_series(1, 3) g"
	  : $r % 7 == 0 ? "SELECT fintech.transfer(debit_account => 'bank', credit_account => 'w1', amount => $r,
	                                           description => 'round $r')"
	  : $r % 5 == 0 ? "UPDATE m_t SET v = v || ' (changed)', n = n * 2 WHERE k = (SELECT max(k) FROM m_t WHERE k < 1000)"
	  : $r % 11 == 0 ? "DELETE FROM m_t WHERE k = (SELECT min(k) FROM m_t)"
	  : $r % 17 == 0 ? "SELECT count(*) FROM fintech.transfer_batch(
	                       debit_accounts => ARRAY['bank', 'bank', 'w1'], credit_accounts => ARRAY['w1', 'w1', 'bank'],
	                       amounts => ARRAY[$r, 2, 1]::bigint[], descriptions => ARRAY['batch $r a', 'batch $r b', NULL])"
	  : $r % 13 == 0 ? "INSERT INTO m_t VALUES ($r, repeat('long row ', 60), 1e-3, '2026-01-02 03:04:05.678+00')"
	  : "INSERT INTO m_t VALUES ($r, 'row $r ' || E'\\xc3\\xa4\\xe2\\x82\\xac\\xf0\\x9f\\x98\\x80', $r.50, now())";
	my ($got, $new) = grow($change);
	my $n = $tree->size;
	my $want = "$n|" . hx($tree->root($n));
	push @bad_rounds, "round $r: audit_root() = $got, MTH = $want" if $got ne $want;
	push @bad_rounds, "round $r: no new leaf" unless $new;
}
is_deeply(\@bad_rounds, [], "after each of $rounds seals (each adding leaves), audit_root() = MTH of the leaf data so far");
my $n1 = $tree->size;
cmp_ok($n1, '>=', $rounds, "the log has $n1 leaves");

# audit_root(size) of every size, in one query
sub roots_ok
{
	my ($n, $name) = @_;
	my @bad;
	for my $line (split /\n/, dsql("SELECT s, r.tree_size, encode(r.root_hash, 'hex')
	                                 FROM generate_series(1, $n) s, fintech.audit_root(s) r ORDER BY s"))
	{
		my ($s, $size, $hash) = split /\|/, $line;
		push @bad, "audit_root($s) = ($size, $hash), RFC: ($s, " . hx($tree->root($s)) . ")"
		  if $size != $s || $hash ne hx($tree->root($s));
	}
	is_deeply(\@bad, [], "$name: audit_root(size) = MTH(D[0:size]) for every size 1..$n");
}
roots_ok($n1, 'grown one seal at a time');

# inclusion proofs of the (seq, size) pairs a query yields:
# each leaf_hash is the RFC leaf hash of audit_leaf_data(seq), each path is
# PATH(seq - 1, D[size]) element by element, and it verifies against the root
sub inclusion_ok
{
	my ($pairs, $name) = @_;
	my ($count, @bad) = (0);
	for my $line (split /\n/, dsql("SELECT q.seq, q.size, p.seq, p.tree_size, encode(p.leaf_hash, 'hex'), "
		  . path_sql('p.path') . " FROM ($pairs) q(seq, size), fintech.audit_inclusion_proof(q.seq, q.size) p"))
	{
		my ($seq, $size, $pseq, $psize, $leaf, $path) = split /\|/, $line, -1;
		$count++;
		my $m = $seq - 1;
		my @want = $tree->inclusion_path($m, $size);
		my @path = $path eq '' ? () : map { unhex($_) } split /,/, $path;
		my $what = "inclusion_proof($seq, $size)";
		if ($pseq != $seq || $psize != $size)
		{
			push @bad, "$what: returned seq $pseq, tree_size $psize";
		}
		elsif ($leaf ne hx($tree->leaf_hash_at($m)))
		{
			push @bad, "$what: leaf_hash $leaf, RFC " . hx($tree->leaf_hash_at($m));
		}
		elsif ($path ne hexlist(@want))
		{
			push @bad, "$what: path [$path], RFC PATH($m, D[$size]) [" . hexlist(@want) . "]";
		}
		elsif (!verify_inclusion($m, $size, unhex($leaf), \@path, $tree->root($size)))
		{
			push @bad, "$what: does not verify";
		}
	}
	is_deeply(\@bad, [], "$name: $count inclusion proofs are PATH(seq - 1, D[size]) and verify");
	return $count;
}

# consistency proofs of the (old, new) pairs a query yields
sub consistency_ok
{
	my ($pairs, $name) = @_;
	my ($count, @bad) = (0);
	for my $line (split /\n/, dsql("SELECT q.o, q.n, p.old_size, p.new_size, "
		  . path_sql('p.path') . " FROM ($pairs) q(o, n), fintech.audit_consistency_proof(q.o, q.n) p"))
	{
		my ($o, $n, $po, $pn, $path) = split /\|/, $line, -1;
		$count++;
		my @want = $tree->consistency_path($o, $n);
		my @path = $path eq '' ? () : map { unhex($_) } split /,/, $path;
		my $what = "consistency_proof($o, $n)";
		if ($po != $o || $pn != $n)
		{
			push @bad, "$what: returned old_size $po, new_size $pn";
		}
		elsif ($path ne hexlist(@want))
		{
			push @bad, "$what: path [$path], RFC PROOF($o, D[$n]) [" . hexlist(@want) . "]";
		}
		elsif (!verify_consistency($o, $n, $tree->root($o), $tree->root($n), \@path))
		{
			push @bad, "$what: does not verify";
		}
	}
	is_deeply(\@bad, [], "$name: $count consistency proofs are PROOF(old, D[new]) and verify");
	return $count;
}

is(inclusion_ok("SELECT m, s FROM generate_series(1, $n1) s, generate_series(1, s) m", "sizes 1..$n1"),
	$n1 * ($n1 + 1) / 2, "every (seq, size) pair up to $n1");
is(consistency_ok("SELECT o, s FROM generate_series(1, $n1) s, generate_series(1, s) o", "sizes 1..$n1"),
	$n1 * ($n1 + 1) / 2, "every (old, new) pair up to $n1, old = new included (empty path)");

# the defaults: the current tree
is(dsql("SELECT tree_size || '|' || " . path_sql('path') . " FROM fintech.audit_inclusion_proof(1)"),
	"$n1|" . hexlist($tree->inclusion_path(0, $n1)), 'audit_inclusion_proof(seq): the current tree');
is(dsql("SELECT new_size || '|' || " . path_sql('path') . " FROM fintech.audit_consistency_proof(1)"),
	"$n1|" . hexlist($tree->consistency_path(1, $n1)), 'audit_consistency_proof(old_size): to the current tree');

# digests are the tree's roots
is(dsql("SELECT seq || '|' || encode(chain_hash, 'hex') FROM fintech.audit_digest()"),
	"$n1|" . hx($tree->root($n1)), 'audit_digest() = (tree_size, root_hash)');
my $roots = join ',', map { "'\\x" . hx($tree->root($_)) . "'::bytea" } 1 .. $n1;
is(dsql("SELECT count(*) FILTER (WHERE fintech.verify_audit_digest(k, h)) || '/' || count(*)
          FROM unnest(ARRAY[$roots]) WITH ORDINALITY u(h, k)"),
	"$n1/$n1", "verify_audit_digest(size, MTH of size) is true for every size 1..$n1");
is(dsql("SELECT count(*) FILTER (WHERE fintech.verify_audit_digest(k + 1, h)) || '/'
             || count(*) FILTER (WHERE fintech.verify_audit_digest(k, set_byte(h, 31, get_byte(h, 31) # 1)))
          FROM unnest(ARRAY[$roots]) WITH ORDINALITY u(h, k) WHERE k < $n1"),
	'0/0', 'verify_audit_digest is false for the root of another size and for a root with one bit flipped');

# ====================================================================
# a few hundred rows sealed at once
# ====================================================================
my ($bulk_root, $bulk) = grow("INSERT INTO m_t SELECT 100000 + g, 'bulk ' || g, g, NULL FROM generate_series(1, 300) g");
my $n2 = $tree->size;
is($bulk, 300, "300 more rows sealed in one call: $n2 leaves");
is($bulk_root, "$n2|" . hx($tree->root($n2)), 'audit_root() = MTH after the bulk seal');
roots_ok($n2, 'after the bulk seal');
my @sizes = grep { $_ <= $n2 } (1, 2, 3, 63, 64, 65, 127, 128, 129, 255, 256, 257, $n1, $n1 + 1, $n2 - 1, $n2);
my $sizes = join ',', @sizes;
inclusion_ok("SELECT m, $n2 FROM generate_series(1, $n2) m", "every seq in the tree of $n2");
inclusion_ok("SELECT m, s FROM unnest(ARRAY[$sizes]) s, generate_series(1, s) m WHERE s < $n2",
	"every seq in trees of sizes $sizes");
consistency_ok("SELECT o, $n2 FROM generate_series(1, $n2) o", "every old size to $n2");
consistency_ok("SELECT o, s FROM unnest(ARRAY[$sizes]) o, unnest(ARRAY[$sizes]) s WHERE o <= s",
	"pairs of sizes $sizes");

# ====================================================================
# the leaf data is the documented canonical form
# ====================================================================
# audit_leaf_data(seq) of every sealed row is its canonical form, built here
sub canon_ok
{
	my ($name) = @_;
	dsql(q{
CREATE FUNCTION m_field(t text) RETURNS text LANGUAGE sql IMMUTABLE AS
  $$ SELECT coalesce(octet_length(t) || ':' || t, 'N') $$;
CREATE FUNCTION m_canon(l fintech.audit_log) RETURNS bytea LANGUAGE sql STABLE AS $$
  SELECT convert_to(m_field(l.id::text) || m_field(l.table_name) || m_field(l.operation)
      || m_field(l.old_row::text)
      || m_field(CASE WHEN l.entry_id IS NOT NULL THEN fintech.audit_entry_image(l.entry_id)::text
                      WHEN l.entry_ids IS NOT NULL THEN
                        (SELECT jsonb_agg(fintech.audit_entry_image(e.id) ORDER BY e.n)
                           FROM unnest(l.entry_ids) WITH ORDINALITY AS e(id, n))::text
                      ELSE l.new_row::text END)
      || m_field(l.txid::text) || m_field(l.session_role) || m_field(l.calling_role)
      || m_field(to_char(l.changed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US'))
      || CASE WHEN l.chain_hash IS NULL THEN m_field(l.seq::text) ELSE '' END, 'UTF8')
$$;
});
	my $n = $tree->size;
	is(dsql("SELECT count(*) FILTER (WHERE m_canon(l) = fintech.audit_leaf_data(l.seq)) || '/' || count(*)
	           FROM fintech.audit_log l WHERE l.seq IS NOT NULL"),
		"$n/$n", "$name: audit_leaf_data(seq) is the documented canonical form of every row");
}
canon_ok('the log');
my @entries = split /\n/, dsql("SELECT seq || '|' || entry_id FROM fintech.audit_log
                                WHERE table_name = 'fintech.entries' AND entry_id IS NOT NULL
                                  AND seq IS NOT NULL ORDER BY seq");
cmp_ok(scalar @entries, '>=', 9, 'the transfers are leaves of their own (' . scalar(@entries) . ')');
is(dsql("SELECT count(*) || '/' || coalesce(sum(cardinality(entry_ids)), 0) FROM fintech.audit_log
          WHERE entry_ids IS NOT NULL AND seq IS NOT NULL"),
	'4/12', 'each of the 4 batches is one leaf for its 3 entries');

# ====================================================================
# tampering, rolled back each time
# ====================================================================
is(dsql("SELECT ok || '|' || rows_checked FROM fintech.verify_audit()"), "true|$n2", 'verify_audit() ok before');
my ($pub_size, $pub_root) = ($n2, $tree->root($n2));

# run $change as a superuser behind the triggers' back, then the inclusion
# proofs of @seqs in the published tree and verify_audit(), and roll back;
# returns ({ seq => [leaf_hash, \@path] or the error }, verify_audit() as
# "ok|first_bad_seq|detail")
sub tamper
{
	my ($change, @seqs) = @_;
	my $q = "BEGIN;\nSET LOCAL session_replication_role = replica;\n$change;\n";
	for my $s (@seqs)
	{
		$q .= "SAVEPOINT p; SELECT 'proof|$s|' || encode(leaf_hash, 'hex') || '|' || " . path_sql('path')
		  . " FROM fintech.audit_inclusion_proof($s, $pub_size); ROLLBACK TO p;\n";
	}
	$q .= "SELECT 'verify|' || ok || '|' || coalesce(first_bad_seq::text, '') || '|' || detail
	         FROM fintech.verify_audit();\nROLLBACK;\n";
	my ($rc, $out, $err) = $node->psql($db, $q, on_error_stop => 0);
	my (%proof, $verify);
	for my $line (split /\n/, $out)
	{
		if ($line =~ /^proof\|(\d+)\|([0-9a-f]*)\|(.*)$/)
		{
			$proof{$1} = [ unhex($2), [ map { unhex($_) } grep { length } split /,/, $3 ] ];
		}
		elsif ($line =~ /^verify\|(.*)$/s) { $verify = $1; }
	}
	for my $s (@seqs) { $proof{$s} //= "error: $err"; }
	return (\%proof, $verify // "no result: $err");
}

# the proof of each of @seqs no longer leads to the published root (an
# error counts as no proof); verify_audit() is not ok and names a seq in
# $bad = [lo, hi]: the row itself, or where the damage first shows (a row
# whose row_hash was recomputed too is caught by the stored subtree hash
# over it, which may begin before it; a row moved down by an inserted one
# no longer matches its own row_hash, its leaf data holding its seq)
sub broken
{
	my ($name, $change, $bad, @seqs) = @_;
	my ($lo, $hi) = ref $bad ? @$bad : ($bad, $bad);
	my ($proof, $verify) = tamper($change, @seqs);
	for my $s (@seqs)
	{
		my $p = $proof->{$s};
		if (ref $p)
		{
			is(verify_inclusion($s - 1, $pub_size, $p->[0], $p->[1], $pub_root), 0,
				"$name: the proof of seq $s no longer leads to the published root");
		}
		else
		{
			pass("$name: no proof of seq $s ($p)");
		}
	}
	my ($ok, $first) = split /\|/, $verify;
	ok($ok eq 'false' && $first =~ /^\d+$/ && $first >= $lo && $first <= $hi,
		"$name: verify_audit() is not ok and names seq " . ($lo == $hi ? $lo : "$lo..$hi"))
	  or diag($verify);
	note("$name: $verify");
}

my ($victim) = grep { $_ > 1 } map { (split /\|/)[0] }
  split /\n/, dsql("SELECT seq FROM fintech.audit_log WHERE table_name = 'public.m_t' AND operation = 'INSERT'
                     AND seq > $n1 / 2 ORDER BY seq LIMIT 1");
# control: the untampered proof verifies
my ($proof0) = tamper('SELECT 1', $victim);
ok(ref $proof0->{$victim}
	  && verify_inclusion($victim - 1, $pub_size, @{ $proof0->{$victim} }, $pub_root),
	"untampered: the proof of seq $victim leads to the published root");

broken('edited row', "UPDATE fintech.audit_log SET new_row = jsonb_set(new_row, '{v}', '\"mallory\"')
                        WHERE seq = $victim", $victim, $victim);
broken('edited row, row_hash recomputed',
	"UPDATE fintech.audit_log SET new_row = jsonb_set(new_row, '{v}', '\"mallory\"') WHERE seq = $victim;
	 UPDATE fintech.audit_log SET row_hash = digest('\\x00'::bytea || fintech.audit_leaf_data($victim), 'sha256')
	  WHERE seq = $victim", [ 1, $victim ], $victim);
broken('edited changed_at', "UPDATE fintech.audit_log SET changed_at = changed_at + interval '1 microsecond'
                               WHERE seq = $victim", $victim, $victim);
broken('deleted row', "DELETE FROM fintech.audit_log WHERE seq = $victim", $victim, $victim);
broken('row inserted in the middle',
	"UPDATE fintech.audit_log SET seq = -seq - 1 WHERE seq >= $victim;
	 UPDATE fintech.audit_log SET seq = -seq WHERE seq < 0;
	 INSERT INTO fintech.audit_log (table_name, operation, old_row, new_row, txid, session_role,
	                                calling_role, changed_at, seq, row_hash)
	 SELECT table_name, operation, old_row, jsonb_set(new_row, '{v}', '\"forged\"'), txid, session_role,
	        calling_role, changed_at, $victim, row_hash
	   FROM fintech.audit_log WHERE seq = $victim + 1;
	 UPDATE fintech.audit_log SET row_hash = digest('\\x00'::bytea || fintech.audit_leaf_data($victim), 'sha256')
	  WHERE seq = $victim", [ 1, $victim + 1 ], $victim, $victim + 1);
broken('two rows swapped',
	"UPDATE fintech.audit_log SET seq = -1 WHERE seq = $victim;
	 UPDATE fintech.audit_log SET seq = $victim WHERE seq = $victim + 1;
	 UPDATE fintech.audit_log SET seq = $victim + 1 WHERE seq = -1", $victim, $victim, $victim + 1);

# a ledger entry is a leaf: a posting's amount edited under it (both legs,
# so that the entry still balances) breaks the entry's proof
my ($eseq, $eid) = split /\|/, $entries[ int(@entries / 2) ];
my ($eproof) = tamper('SELECT 1', $eseq);
ok(ref $eproof->{$eseq} && verify_inclusion($eseq - 1, $pub_size, @{ $eproof->{$eseq} }, $pub_root),
	"untampered: the proof of entry $eid (seq $eseq) leads to the published root");
broken("posting of entry $eid edited",
	"UPDATE fintech.postings SET amount = amount + sign(amount) WHERE entry_id = $eid", $eseq, $eseq);

# a batch is one leaf: one of its entries' postings edited breaks its proof
my ($bseq, $beid) = split /\|/, dsql("SELECT seq || '|' || entry_ids[2] FROM fintech.audit_log
                                     WHERE entry_ids IS NOT NULL AND seq IS NOT NULL ORDER BY seq LIMIT 1");
broken("posting of entry $beid, the second of the batch at seq $bseq, edited",
	"UPDATE fintech.postings SET amount = amount + sign(amount) WHERE entry_id = $beid", $bseq, $bseq);

# everything is as it was
is(dsql("SELECT ok || '|' || rows_checked FROM fintech.verify_audit()"), "true|$n2", 'verify_audit() ok after the rollbacks');
is(root_now(), "$pub_size|" . hx($pub_root), 'audit_root() is the published root again');



# ====================================================================
# erasure keeps every root and proof: personal values are committed to,
# erasing them leaves the leaf data as it was
# ====================================================================
$db = 'postgres';
dsql(q{
CREATE TABLE m_people (k int PRIMARY KEY, name text, city text);
SELECT fintech.audit_table('m_people', personal_columns => '{name}');
});
# (the application removes the live row itself, then erases its log rows)
grow("INSERT INTO m_people SELECT g, 'Person ' || g || ' Zqxwv', 'city ' || g FROM generate_series(1, 12) g;
      UPDATE m_people SET name = 'Person 3 Zqxwv, renamed' WHERE k = 3;
      DELETE FROM m_people WHERE k = 3");
my $n4 = $tree->size;
my $root4 = $tree->root($n4);
my $in_log = q{SELECT count(*) FROM fintech.audit_log WHERE old_row::text LIKE '%Person 3 Zqxwv%'
                                                        OR new_row::text LIKE '%Person 3 Zqxwv%'};
my $in_personal = q{SELECT count(*) FROM fintech.audit_personal WHERE value::text LIKE '%Person 3 Zqxwv%'};
is(dsql($in_log), '0', 'a personal value is not in the log in clear');
cmp_ok(dsql($in_personal), '>=', 3, 'it is in audit_personal, committed to by the log');
my $erased = dsql(q{SELECT fintech.erase_audited_row('m_people', '{"k": 3}', 'request 17')});
cmp_ok($erased, '>=', 3, "erase_audited_row redacted $erased log rows");
my ($after_root) = grow("INSERT INTO m_people VALUES (100, 'Somebody Else', 'city 100')");
my $n5 = $tree->size;
is(dsql($in_log) . '/' . dsql($in_personal), '0/0', 'after the erasure the name is neither in the log nor in audit_personal');
# the leaf data fetched before the erasure is still the rows' leaf data
is(dsql("SELECT string_agg(encode(fintech.audit_leaf_data(s), 'hex'), ',' ORDER BY s)
           FROM generate_series(1, $n4) s"),
	join(',', map { hx($tree->leaf_data($_)) } 0 .. $n4 - 1), 'after the erasure, every leaf data is unchanged');
is($after_root, "$n5|" . hx($tree->root($n5)), 'audit_root() = MTH after the erasure');
is(dsql("SELECT encode(root_hash, 'hex') FROM fintech.audit_root($n4)"), hx($root4),
	'the root published before the erasure is the root of that size still');
inclusion_ok("SELECT m, $n4 FROM generate_series(1, $n4) m", "after the erasure, in the tree published before it");
consistency_ok("SELECT $n4, $n5", 'from the tree published before the erasure');
is(dsql("SELECT ok FROM fintech.verify_audit()"), 't', 'verify_audit() ok after the erasure');

# ====================================================================
# a hot standby answers the same roots and proofs (read-only)
# ====================================================================
$node->backup('merkle_base');
my $standby = PostgreSQL::Test::Cluster->new('merkle_standby');
$standby->init_from_backup($node, 'merkle_base', has_streaming => 1);
$standby->start;
$node->wait_for_catchup($standby);
{
	my $primary = $node;
	$node = $standby;    # dsql() and the checks below ask the standby
	my $n = $tree->size;
	is(dsql('SELECT pg_is_in_recovery()'), 't', 'the standby is in recovery');
	is(dsql("SELECT tree_size || '|' || encode(root_hash, 'hex') FROM fintech.audit_root()"),
		"$n|" . hx($tree->root($n)), 'the standby: audit_root() = MTH');
	roots_ok($n, 'the standby');
	inclusion_ok("SELECT m, $n FROM generate_series(1, $n) m", 'the standby');
	consistency_ok("SELECT o, $n FROM generate_series(1, $n) o", 'the standby');
	is(dsql("SELECT fintech.verify_audit_digest($n, '\\x" . hx($tree->root($n)) . "')"), 't',
		'the standby: verify_audit_digest');
	is(dsql("SELECT ok FROM fintech.verify_audit()"), 't', 'the standby: verify_audit() ok');
	$node = $primary;
}
$standby->stop;

# ====================================================================
# a pg_dump / pg_restore copy: the same leaves, the same roots for every
# size sealed before the dump (a root published then verifies on the
# copy), and its tree, grown by the restore's own rows, is RFC 9162's
# ====================================================================
my $n_dump = $tree->size;
my @orig = map { $tree->leaf_data($_) } 0 .. $n_dump - 1;
my $dump = PostgreSQL::Test::Utils::tempdir() . '/merkle.dump';
$node->command_ok([ 'pg_dump', '-Fc', '-f', $dump, '-d', $node->connstr('postgres') ], 'pg_dump');
$node->safe_psql('postgres', 'CREATE DATABASE restored');
$node->command_ok([ 'pg_restore', '--exit-on-error', '-d', $node->connstr('restored'), $dump ],
	'pg_restore without errors');
$db = 'restored';
my $published = RFC9162->new(@orig);
$tree = RFC9162->new;
my ($restored_root, $restored_new) = grow('SELECT 1');
my $n_restored = $tree->size;
cmp_ok($n_restored, '>', $n_dump, "the copy sealed the restore's own rows: $n_restored leaves");
is_deeply([ map { hx($tree->leaf_data($_)) } 0 .. $n_dump - 1 ], [ map { hx($_) } @orig ],
	"the copy's first $n_dump leaves are the original's leaf data");
is(dsql("SELECT count(*) FILTER (WHERE fintech.verify_audit_digest(k, h)) || '/' || count(*)
           FROM unnest(ARRAY[" . join(',', map { "'\\x" . hx($published->root($_)) . "'::bytea" } 1 .. $n_dump)
	  . "]) WITH ORDINALITY u(h, k)"),
	"$n_dump/$n_dump", "every root of the original (sizes 1..$n_dump) verifies on the copy");
is($restored_root, "$n_restored|" . hx($tree->root($n_restored)), "the copy's audit_root() = MTH of its leaf data");
roots_ok($n_restored, 'the copy');
inclusion_ok("SELECT m, $n_restored FROM generate_series(1, $n_restored) m", 'the copy');
consistency_ok("SELECT o, $n_restored FROM generate_series(1, $n_restored) o", 'the copy');
is(dsql("SELECT ok FROM fintech.verify_audit()"), 't', 'verify_audit() ok on the copy');

# ====================================================================
# an immediate shutdown while seal_audit() seals a backlog (in the copy):
# after the restart what was sealed and the rest, sealed then, form RFC
# 9162's tree
# ====================================================================
{
	my $n_before = $tree->size;
	dsql("INSERT INTO m_t SELECT 200000 + g, 'backlog ' || g, g, NULL FROM generate_series(1, 20000) g");
	my ($in, $out, $err) = ('', '', '');
	my $h = IPC::Run::start(
		[ 'psql', '-XAtq', '-d', $node->connstr($db), '-c', 'SELECT fintech.seal_audit() /* backlog */' ],
		\$in, \$out, \$err);
	$node->poll_query_until($db,
		"SELECT count(*) > 0 FROM pg_stat_activity WHERE query LIKE '%seal_audit() /* backlog */%'
		    AND state = 'active' AND pid <> pg_backend_pid()")
	  or diag('the seal did not get going');
	usleep(100_000);
	$node->stop('immediate');
	$h->finish;
	$node->start;
	my $sealed = dsql('SELECT coalesce(max(seq), 0) FROM fintech.audit_log');
	note("$sealed rows sealed before the shutdown, " . ($n_before + 20000 - $sealed) . ' after it');
	my ($root, $new) = grow('SELECT 1');
	my $n = $tree->size;
	is($n, $n_before + 20000, "every row sealed after the restart: $n leaves");
	is($root, "$n|" . hx($tree->root($n)), 'audit_root() = MTH after the restart');
	roots_ok($n, 'after the restart');
	my $step = 97;
	inclusion_ok("SELECT m, $n FROM generate_series(1, $n, $step) m", "after the restart, every ${step}th seq");
	inclusion_ok("SELECT m, $sealed FROM generate_series(1, $sealed, $step) m",
		"after the restart, in the tree sealed before the shutdown");
	consistency_ok("SELECT o, $n FROM generate_series(1, $n, $step) o
	                UNION ALL SELECT o, $n FROM unnest(ARRAY[$n_before, $sealed, $sealed + 1]) o WHERE o <= $n",
		'after the restart');
	is(dsql('SELECT ok FROM fintech.verify_audit()'), 't', 'verify_audit() ok after the restart');
}

# ====================================================================
# a log begun before 0.5.0: the old hash chain's rows become the tree's
# first leaves (their leaf data without seq), a digest published then
# still verifies, and the tree over old and new rows is RFC 9162's
# ====================================================================
$node->safe_psql('postgres', 'CREATE DATABASE legacy');
$db = 'legacy';
$tree = RFC9162->new;
dsql(q{
SET client_min_messages = warning;
CREATE EXTENSION fintech VERSION '0.4.1' CASCADE;
CREATE TABLE m_t (k int PRIMARY KEY, v text);
SELECT fintech.audit_table('m_t');
INSERT INTO m_t SELECT g, 'old ' || g FROM generate_series(1, 20) g;
UPDATE m_t SET v = 'old, changed' WHERE k = 3;
SELECT fintech.open_account(code => 'bank', currency => 'USD', kind => 'asset', min_balance => NULL);
SELECT fintech.open_account(code => 'w1', currency => 'USD');
SELECT fintech.transfer(debit_account => 'bank', credit_account => 'w1', amount => 7);
SELECT fintech.seal_audit();
});
my ($old_seq, $old_hash) = split /\|/, dsql("SELECT seq || '|' || encode(chain_hash, 'hex') FROM fintech.audit_digest()");
cmp_ok($old_seq, '>=', 22, "0.4.1: $old_seq rows sealed in its hash chain, digest published");
dsql('ALTER EXTENSION fintech UPDATE');
my ($legacy_root, $legacy_n) = grow("INSERT INTO m_t SELECT g, 'new ' || g FROM generate_series(21, 60) g;
	SELECT fintech.transfer(debit_account => 'bank', credit_account => 'w1', amount => 8)");
my $n3 = $tree->size;
cmp_ok($n3, '>=', $old_seq + 41, "after the update: $n3 leaves, $old_seq of them from the old chain");
is(dsql("SELECT count(*) FROM fintech.audit_log WHERE chain_hash IS NOT NULL"), $old_seq,
	'the old chain\'s rows keep their chain_hash');
is($legacy_root, "$n3|" . hx($tree->root($n3)), 'audit_root() = MTH of the leaf data, old rows included');
is(dsql("SELECT fintech.verify_audit_digest($old_seq, '\\x$old_hash')"), 't',
	'the digest published by 0.4.1 still verifies');
is(dsql("SELECT ok || '|' || rows_checked FROM fintech.verify_audit()"), "true|$n3", 'verify_audit() ok');
canon_ok('a log begun by 0.4.1');
roots_ok($n3, 'a log begun by 0.4.1');
inclusion_ok("SELECT m, s FROM generate_series(1, $n3) s, generate_series(1, s) m", "a log begun by 0.4.1");
consistency_ok("SELECT o, s FROM generate_series(1, $n3) s, generate_series(1, s) o", "a log begun by 0.4.1");
# an old row edited: its proof fails and verify_audit names it
my ($pub_legacy) = $tree->root($n3);
($pub_size, $pub_root) = ($n3, $pub_legacy);
broken('0.4.1 row edited', "UPDATE fintech.audit_log SET new_row = jsonb_set(new_row, '{v}', '\"mallory\"')
                              WHERE seq = 5", 5, 5);

done_testing();
