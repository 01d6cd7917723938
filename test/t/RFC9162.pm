# RFC9162 — the Merkle tree of RFC 9162 (Certificate Transparency v2)
# §2.1, written for the tests from the RFC's text alone, independently of
# the extension's C code (src/merkle.c) and of any other library: hashing
# (§2.1.1), the proof-generation algorithms PATH (§2.1.3.1) and
# PROOF/SUBPROOF (§2.1.4.1), and the verification algorithms of §2.1.3.2
# (inclusion) and §2.1.4.2 (consistency).  test/t/017_merkle_vectors.pl
# checks it against the published test vectors of transparency-dev/merkle
# (test/data/rfc9162); test/t/017_merkle.pl checks the extension against it.
#
#   use FindBin;
#   use lib $FindBin::RealBin;
#   use RFC9162 qw(leaf_hash verify_inclusion verify_consistency);
#   my $tree = RFC9162->new(@leaf_data);        # D[n], n = @leaf_data
#   $tree->root($n);                            # MTH(D[0:n])
#   $tree->leaf_hash_at($m), $tree->leaf_data($m)
#   $tree->inclusion_path($m, $n);              # PATH(m, D[0:n]), a list of hashes
#   $tree->consistency_path($m, $n);            # PROOF(m, D[0:n])
#   verify_inclusion($m, $n, $leaf_hash, \@path, $root)                 # 1 or 0
#   verify_consistency($m, $n, $first_hash, $second_hash, \@path)       # 1 or 0
#
# Hashes are raw 32-byte strings (SHA-256); leaf indexes are 0-based as in
# the RFC (the extension's seq is index + 1).
package RFC9162;

use strict;
use warnings;

use Carp;
use Digest::SHA qw(sha256);
use Exporter 'import';

our @EXPORT_OK = qw(HASH_SIZE leaf_hash node_hash empty_root split_point
  inclusion_ranges consistency_ranges verify_inclusion verify_consistency);

use constant HASH_SIZE => 32;

# §2.1.1: MTH({d(0)}) = HASH(0x00 || d(0)); an interior node is
# HASH(0x01 || MTH(D[0:k]) || MTH(D[k:n])); MTH({}) = HASH().
sub leaf_hash  { return sha256("\x00" . $_[0]); }
sub node_hash  { return sha256("\x01" . $_[0] . $_[1]); }
sub empty_root { return sha256(''); }

# "k is the largest power of two smaller than n (i.e., k < n <= 2k)", n > 1
sub split_point
{
	my ($n) = @_;
	croak "split_point($n): n must be greater than 1" unless $n > 1;
	my $k = 1;
	$k <<= 1 while ($k << 1) < $n;
	return $k;
}

# The proofs as lists of leaf ranges [lo, hi) (D[lo:hi] in the RFC's
# notation); each element of the proof is MTH of that range.  Knowing the
# ranges lets a test compare the shape of a path as well as its hashes.

# §2.1.3.1: PATH(m, D[n]) for 0 <= m < n
#   PATH(0, {d(0)}) = {}
#   PATH(m, D[n]) = PATH(m, D[0:k]) : MTH(D[k:n])      for m < k
#   PATH(m, D[n]) = PATH(m - k, D[k:n]) : MTH(D[0:k])  for m >= k
sub inclusion_ranges
{
	my ($m, $n) = @_;
	croak "PATH($m, D[$n]): need 0 <= m < n" unless $m >= 0 && $m < $n;
	return _path($m, 0, $n);
}

sub _path
{
	my ($m, $lo, $hi) = @_;    # m relative to lo: the leaf lo + m of D[lo:hi]
	my $n = $hi - $lo;
	return () if $n == 1;
	my $k = split_point($n);
	return $m < $k
	  ? (_path($m, $lo, $lo + $k), [ $lo + $k, $hi ])
	  : (_path($m - $k, $lo + $k, $hi), [ $lo, $lo + $k ]);
}

# §2.1.4.1: PROOF(m, D[n]) = SUBPROOF(m, D[n], true) for 0 < m <= n
#   SUBPROOF(m, D[m], true)  = {}
#   SUBPROOF(m, D[m], false) = {MTH(D[m])}
#   for m < n:
#   SUBPROOF(m, D[n], b) = SUBPROOF(m, D[0:k], b) : MTH(D[k:n])           for m <= k
#   SUBPROOF(m, D[n], b) = SUBPROOF(m - k, D[k:n], false) : MTH(D[0:k])   for m > k
# (the RFC defines the proof for 0 < m < n; m = n is the first rule: {})
sub consistency_ranges
{
	my ($m, $n) = @_;
	croak "PROOF($m, D[$n]): need 0 < m <= n" unless $m > 0 && $m <= $n;
	return _subproof($m, 0, $n, 1);
}

sub _subproof
{
	my ($m, $lo, $hi, $b) = @_;    # m relative to lo
	my $n = $hi - $lo;
	return $b ? () : ([ $lo, $hi ]) if $m == $n;
	my $k = split_point($n);
	return $m <= $k
	  ? (_subproof($m, $lo, $lo + $k, $b), [ $lo + $k, $hi ])
	  : (_subproof($m - $k, $lo + $k, $hi, 0), [ $lo, $lo + $k ]);
}

# A tree over a list of leaf data D[n].  Subtree hashes are remembered:
# MTH(D[lo:hi]) depends on D[lo:hi] only, and the list only grows.
sub new
{
	my ($class, @data) = @_;
	my $self = bless { data => [], memo => {} }, $class;
	$self->append(@data);
	return $self;
}

sub append
{
	my ($self, @data) = @_;
	push @{ $self->{data} }, @data;
	return $self;
}

sub size { return scalar @{ $_[0]{data} }; }

# d(m), the leaf data of leaf m
sub leaf_data { my ($self, $m) = @_; return $self->{data}[$m]; }

# MTH(D[lo:hi])
sub mth
{
	my ($self, $lo, $hi) = @_;
	croak "MTH(D[$lo:$hi]) outside D[0:" . $self->size . "]"
	  unless 0 <= $lo && $lo <= $hi && $hi <= $self->size;
	my $n = $hi - $lo;
	return empty_root() if $n == 0;
	return $self->{memo}{"$lo:$hi"} //= do {
		if ($n == 1)
		{
			leaf_hash($self->{data}[$lo]);
		}
		else
		{
			my $k = split_point($n);
			node_hash($self->mth($lo, $lo + $k), $self->mth($lo + $k, $hi));
		}
	};
}

sub root { my ($self, $n) = @_; return $self->mth(0, $n // $self->size); }

sub leaf_hash_at { my ($self, $m) = @_; return $self->mth($m, $m + 1); }

sub inclusion_path
{
	my ($self, $m, $n) = @_;
	return map { $self->mth(@$_) } inclusion_ranges($m, $n);
}

sub consistency_path
{
	my ($self, $m, $n) = @_;
	return map { $self->mth(@$_) } consistency_ranges($m, $n);
}

# Every hash this code handles is HASH_SIZE bytes: a value of another
# length (an empty string, say) is not a SHA-256 hash, so a proof that
# contains one, or is checked against one, fails.
sub _all_hashes
{
	return !grep { !defined $_ || length($_) != HASH_SIZE } @_;
}

# §2.1.3.2, verifying an inclusion proof of the leaf hash `hash` at
# leaf_index in the tree of tree_size leaves whose root is root_hash.
sub verify_inclusion
{
	my ($leaf_index, $tree_size, $hash, $path, $root_hash) = @_;
	return 0 unless _all_hashes($hash, $root_hash, @$path);
	# 1. leaf_index >= tree_size: fail
	return 0 unless $leaf_index < $tree_size;
	# 2. fn = leaf_index, sn = tree_size - 1;  3. r = hash
	my ($fn, $sn, $r) = ($leaf_index, $tree_size - 1, $hash);
	# 4. for each value p in the inclusion_path array:
	for my $p (@$path)
	{
		# a. sn = 0: stop and fail
		return 0 if $sn == 0;
		# b. LSB(fn) set, or fn = sn
		if (($fn & 1) || $fn == $sn)
		{
			# i. r = HASH(0x01 || p || r)
			$r = node_hash($p, $r);
			# ii. LSB(fn) not set: right-shift fn and sn equally until
			#     LSB(fn) is set or fn is 0
			if (!($fn & 1))
			{
				while (!($fn & 1) && $fn != 0)
				{
					$fn >>= 1;
					$sn >>= 1;
				}
			}
		}
		else
		{
			# otherwise r = HASH(0x01 || r || p)
			$r = node_hash($r, $p);
		}
		# c. right-shift fn and sn once
		$fn >>= 1;
		$sn >>= 1;
	}
	# 5. sn = 0 and r = root_hash
	return ($sn == 0 && $r eq $root_hash) ? 1 : 0;
}

# §2.1.4.2, verifying a consistency proof between the tree head first_hash
# of size first and second_hash of size second.  The RFC's algorithm is for
# 0 < first < second; first = second holds iff the two heads are the same
# and the proof is empty (PROOF(m, D[m]) = {}); first = 0 or first > second
# fails.
sub verify_consistency
{
	my ($first, $second, $first_hash, $second_hash, $path) = @_;
	return 0 unless $first > 0 && $first <= $second;
	if ($first == $second)
	{
		return (@$path == 0 && defined $first_hash && defined $second_hash
			  && $first_hash eq $second_hash) ? 1 : 0;
	}
	return 0 unless _all_hashes($first_hash, $second_hash, @$path);
	# 1. an empty consistency_path: fail
	return 0 if @$path == 0;
	my @path = @$path;
	# 2. first an exact power of 2: prepend first_hash
	unshift @path, $first_hash if ($first & ($first - 1)) == 0;
	# 3. fn = first - 1, sn = second - 1
	my ($fn, $sn) = ($first - 1, $second - 1);
	# 4. LSB(fn) set: right-shift fn and sn equally until LSB(fn) is not set
	while ($fn & 1)
	{
		$fn >>= 1;
		$sn >>= 1;
	}
	# 5. fr = sr = the first value of the consistency_path array
	my $fr = my $sr = shift @path;
	# 6. for each subsequent value c:
	for my $c (@path)
	{
		# sn = 0: stop and fail
		return 0 if $sn == 0;
		if (($fn & 1) || $fn == $sn)
		{
			# 1. fr = HASH(0x01 || c || fr);  2. sr = HASH(0x01 || c || sr)
			$fr = node_hash($c, $fr);
			$sr = node_hash($c, $sr);
			# 3. LSB(fn) not set: right-shift fn and sn equally until
			#    LSB(fn) is set or fn is 0
			if (!($fn & 1))
			{
				while (!($fn & 1) && $fn != 0)
				{
					$fn >>= 1;
					$sn >>= 1;
				}
			}
		}
		else
		{
			# otherwise sr = HASH(0x01 || sr || c)
			$sr = node_hash($sr, $c);
		}
		# finally right-shift fn and sn once
		$fn >>= 1;
		$sn >>= 1;
	}
	# 7. fr = first_hash, sr = second_hash and sn = 0
	return ($fr eq $first_hash && $sr eq $second_hash && $sn == 0) ? 1 : 0;
}

1;
