# The test's own RFC 9162 code (test/t/RFC9162.pm) against the published
# test vectors of transparency-dev/merkle (test/data/rfc9162, see its
# README), without a server:
# - the leaf, node and root hashes of the standard 8 leaves and the hasher
#   vectors;
# - every inclusion and consistency probe: verification accepts exactly the
#   probes that are valid (wantErr false), and for the valid ones over the
#   8 leaves the generated proof equals the published one element by
#   element;
# - the shapes of proof/proof_test.go (which subtrees a proof holds, up to
#   size 95) equal the ranges of the generated proofs;
# - for every tree of 1..64 leaves: every generated inclusion and
#   consistency proof verifies, and a proof with one bit flipped, one
#   element more or less, or checked at the next index or against the next
#   size's root does not.  (The size alone is not bound: a proof checked
#   with the right root but a size whose proof has the same shape passes,
#   as the RFC's algorithm has it; a verifier trusts the (size, root) pair
#   it was given.)
# test/t/017_merkle.pl then holds the extension to this code.
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;
use JSON::PP;
use MIME::Base64 qw(decode_base64);
use RFC9162 qw(leaf_hash node_hash empty_root inclusion_ranges consistency_ranges
  verify_inclusion verify_consistency);
use Test::More;

my $dir = "$FindBin::RealBin/../data/rfc9162";

sub slurp
{
	my ($path) = @_;
	open my $fh, '<', $path or die "$path: $!";
	local $/;
	return scalar <$fh>;
}
sub hx { return unpack 'H*', $_[0]; }

# tree.txt: the standard 8 leaves, their subtrees, roots, hasher vectors
my (@leaves, @nodes, @roots);
for my $line (split /\n/, slurp("$dir/tree.txt"))
{
	next if $line =~ /^#/;
	my ($kind, @f) = split / /, $line;
	if ($kind eq 'leaf') { $leaves[ $f[0] ] = $f[1] eq '-' ? '' : pack 'H*', $f[1]; }
	elsif ($kind eq 'node') { push @nodes, [@f]; }
	elsif ($kind eq 'root') { $roots[ $f[0] ] = $f[1]; }
	elsif ($kind eq 'empty') { is(hx(empty_root()), $f[0], 'root of the empty tree = SHA-256("")'); }
	elsif ($kind eq 'leafhash')
	{
		is(hx(leaf_hash($f[0] eq '-' ? '' : pack 'H*', $f[0])), $f[1], "leaf hash of \"$f[0]\"");
	}
	elsif ($kind eq 'nodehash')
	{
		is(hx(node_hash(pack('H*', $f[0]), pack('H*', $f[1]))), $f[2], "node hash of $f[0], $f[1]");
	}
	else { die "tree.txt: $line"; }
}
is(scalar @leaves, 8, 'tree.txt: 8 leaves');
is(scalar @roots, 9, 'tree.txt: roots of sizes 0..8');
my $tree = RFC9162->new(@leaves);
for my $n (@nodes)
{
	my ($level, $index, $hash) = @$n;
	my ($lo, $hi) = ($index << $level, ($index + 1) << $level);
	is(hx($tree->mth($lo, $hi)), $hash, "MTH(D[$lo:$hi]) = node $level.$index");
}
is(hx($tree->root($_)), $roots[$_], "root of the first $_ leaves") for 0 .. 8;

# the probes: [{ file, probe }], hashes in base64, proof null or a list
sub b64 { return defined $_[0] ? decode_base64($_[0]) : ''; }
sub proof_of { return [ map { b64($_) } @{ $_[0]{proof} // [] } ]; }

my ($happy_inc, $happy_con) = (0, 0);
for my $p (@{ decode_json(slurp("$dir/inclusion.json")) })
{
	my ($file, $pr) = ($p->{file}, $p->{probe});
	my $path = proof_of($pr);
	my $got = verify_inclusion($pr->{leafIdx}, $pr->{treeSize}, b64($pr->{leafHash}),
		$path, b64($pr->{root}));
	is($got, $pr->{wantErr} ? 0 : 1,
		"$file ($pr->{desc}): inclusion of leaf $pr->{leafIdx} in tree size $pr->{treeSize} "
		  . ($pr->{wantErr} ? 'rejected' : 'accepted'));
	# a valid proof over the standard leaves: the same proof generated
	if (!$pr->{wantErr} && $pr->{treeSize} <= 8
		&& b64($pr->{leafHash}) eq $tree->leaf_hash_at($pr->{leafIdx}))
	{
		$happy_inc++;
		is(hx($tree->root($pr->{treeSize})), hx(b64($pr->{root})), "$file: root of size $pr->{treeSize}");
		is_deeply([ map { hx($_) } $tree->inclusion_path($pr->{leafIdx}, $pr->{treeSize}) ],
			[ map { hx($_) } @$path ],
			"$file: PATH($pr->{leafIdx}, D[$pr->{treeSize}]) as published");
	}
}
cmp_ok($happy_inc, '>=', 5, 'inclusion: the published valid proofs over the 8 leaves were generated too');

for my $p (@{ decode_json(slurp("$dir/consistency.json")) })
{
	my ($file, $pr) = ($p->{file}, $p->{probe});
	my $path = proof_of($pr);
	my $got = verify_consistency($pr->{size1}, $pr->{size2}, b64($pr->{root1}), b64($pr->{root2}), $path);
	is($got, $pr->{wantErr} ? 0 : 1,
		"$file ($pr->{desc}): consistency $pr->{size1} -> $pr->{size2} "
		  . ($pr->{wantErr} ? 'rejected' : 'accepted'));
	if (!$pr->{wantErr} && $pr->{size1} > 0 && $pr->{size2} <= 8
		&& b64($pr->{root1}) eq $tree->root($pr->{size1}))
	{
		$happy_con++;
		is(hx($tree->root($pr->{size2})), hx(b64($pr->{root2})), "$file: root of size $pr->{size2}");
		is_deeply([ map { hx($_) } $tree->consistency_path($pr->{size1}, $pr->{size2}) ],
			[ map { hx($_) } @$path ],
			"$file: PROOF($pr->{size1}, D[$pr->{size2}]) as published");
	}
}
cmp_ok($happy_con, '>=', 5, 'consistency: the published valid proofs over the 8 leaves were generated too');

# shapes.txt: node level.index covers leaves [index << level, (index + 1) << level)
# (cut at the tree size); a [begin,end) group is one node over their union
sub ranges_str { return join ' ', map { "[$_->[0],$_->[1])" } @_; }
for my $line (split /\n/, slurp("$dir/shapes.txt"))
{
	next if $line =~ /^#/;
	my ($kind, $x, $y, @nodes) = split / /, $line;
	my $size = $kind eq 'inclusion' ? $x : $y;
	my @got = eval { $kind eq 'inclusion' ? inclusion_ranges($y, $x) : consistency_ranges($x, $y) };
	my $what = $kind eq 'inclusion' ? "PATH($y, D[$x])" : "PROOF($x, D[$y])";
	if ("@nodes" eq 'error')
	{
		ok($@, "shapes: $what is refused") or diag(ranges_str(@got));
		next;
	}
	my ($rb, $re) = (0, 0);
	($rb, $re) = ($1, $2) if @nodes && $nodes[-1] =~ /^\[(\d+),(\d+)\)$/ && pop @nodes;
	@nodes = () if "@nodes" eq '-';
	my @want = map {
		my ($l, $i) = split /\./;
		my $hi = ($i + 1) << $l;
		[ $i << $l, $hi < $size ? $hi : $size ];
	} @nodes;
	if ($re > $rb)
	{
		my @group = splice @want, $rb, $re - $rb;
		my ($lo) = sort { $a <=> $b } map { $_->[0] } @group;
		my ($hi) = sort { $b <=> $a } map { $_->[1] } @group;
		splice @want, $rb, 0, [ $lo, $hi ];
	}
	is(ranges_str(@got), ranges_str(@want), "shapes: $what = " . ranges_str(@want)) or diag($@);
}

# every proof of every tree of 1..64 leaves verifies; a damaged one does not
my $big = RFC9162->new(map { "leaf $_" } 0 .. 64);
my ($inc_ok, $inc_bad, $con_ok, $con_bad) = (0, 0, 0, 0);
my @fail;
sub flip { my ($h, $bit) = @_; substr($h, $bit >> 3, 1) ^= chr(1 << ($bit & 7)); return $h; }
for my $n (1 .. 64)
{
	my $root = $big->root($n);
	for my $m (0 .. $n - 1)
	{
		my $lh = $big->leaf_hash_at($m);
		my @path = $big->inclusion_path($m, $n);
		verify_inclusion($m, $n, $lh, \@path, $root) ? $inc_ok++ : push @fail, "inclusion $m/$n";
		my @bad = (
			[ $m, $n, flip($lh, 0), \@path, $root ],
			[ $m, $n, $lh, [ @path, $root ], $root ],
			[ $m, $n + 1, $lh, \@path, $big->root($n + 1) ],
			($m + 1 < $n ? [ $m + 1, $n, $lh, \@path, $root ] : ()),
			(@path ? [ $m, $n, $lh, [ @path[ 0 .. $#path - 1 ] ], $root ] : ()),
			map { my @p = @path; $p[$_] = flip($p[$_], 8 * $_ + 3); [ $m, $n, $lh, \@p, $root ] } 0 .. $#path);
		for my $b (@bad)
		{
			verify_inclusion(@$b) ? push @fail, "damaged inclusion $m/$n accepted" : $inc_bad++;
		}
	}
	for my $m (1 .. $n)
	{
		my $old = $big->root($m);
		my @path = $big->consistency_path($m, $n);
		verify_consistency($m, $n, $old, $root, \@path) ? $con_ok++ : push @fail, "consistency $m/$n";
		next if $m == $n;
		my @bad = (
			[ $m, $n, flip($old, 5), $root, \@path ],
			[ $m, $n, $old, flip($root, 250), \@path ],
			[ $m, $n, $old, $root, [ @path, $root ] ],
			[ $m, $n, $old, $root, [ @path[ 0 .. $#path - 1 ] ] ],
			[ $m, $n + 1, $old, $big->root($n + 1), \@path ],
			map { my @p = @path; $p[$_] = flip($p[$_], 8 * $_ + 1); [ $m, $n, $old, $root, \@p ] } 0 .. $#path);
		for my $b (@bad)
		{
			verify_consistency(@$b) ? push @fail, "damaged consistency $m/$n accepted" : $con_bad++;
		}
	}
}
is_deeply(\@fail, [], "sizes 1..64: $inc_ok inclusion and $con_ok consistency proofs verify, "
	  . "$inc_bad and $con_bad damaged ones do not");
is($inc_ok, 64 * 65 / 2, 'every (index, size) pair up to 64 was checked');
is($con_ok, 64 * 65 / 2, 'every (old, new) pair up to 64 was checked');

done_testing();
