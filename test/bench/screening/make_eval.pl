#!/usr/bin/env perl
# test/bench/screening/make_eval.pl — build the matching-quality evaluation
# set for fintech.screen_name from the OFAC SDN files.
#
#   perl test/bench/screening/make_eval.pl [OFAC_DIR [OUT_DIR]]
#
# OFAC_DIR  holds sdn.csv and alt.csv in the Treasury's legacy CSV format
#           (default: test/bench/ofac in the repository; see docs/benchmarks.md)
# OUT_DIR   where positives.csv and negatives.csv are written (default: the
#           directory of this script)
#
# positives.csv  query,expected_uid,perturbation — an SDN name (primary or
#                alias) changed the way real data changes names; the entity
#                (ent_num) it must find.  perturbation: one or two of the
#                types below joined by '+'.
# negatives.csv  query,kind — names of people and companies of many cultures
#                that are not on the list (see the exclusion rule below).
#
# Held-out sets (test/bench/screening/heldout/): MAKE_EVAL_SEED (default
# 20231228) seeds the PRNG, MAKE_EVAL_POSITIVES (default 3000) is the number
# of positives, MAKE_EVAL_EXCLUDE names a positives.csv whose entities
# (expected_uid) are not drawn from.
#
# Deterministic: its own PRNG (xorshift128, 32-bit words) with a fixed seed,
# no hash-order dependence, core modules only; the same input gives the same
# bytes on any Perl >= 5.36 with 64-bit integers.  A summary (Markdown) goes
# to stdout.  See README.md next to it.
use v5.36;
use utf8;
use Config;
use Cwd qw(abs_path);
use File::Basename qw(dirname);
use File::Spec;
use Unicode::Normalize qw(NFKD);

$Config{ivsize} >= 8 or die "make_eval.pl needs a Perl with 64-bit integers\n";
binmode STDOUT, ':encoding(UTF-8)';
binmode STDERR, ':encoding(UTF-8)';

my $SEED        = $ENV{MAKE_EVAL_SEED} // 20231228;     # the list's publication date
my $N_POSITIVES = $ENV{MAKE_EVAL_POSITIVES} // 3000;
my $N_PERSONS   = 2400;         # negatives: people ...
my $N_COMPANIES = 600;          # ... and companies
my $MAX_SHARED  = 3;            # skip SDN names shared by more entities than this

my $here = dirname(abs_path($0));
my $root = abs_path("$here/../../..");
my $ofac = $ARGV[0] // "$root/test/bench/ofac";
$ofac = abs_path($ofac) // $ofac;
my $out  = $ARGV[1] // $here;
-r "$ofac/sdn.csv" && -r "$ofac/alt.csv" or die "no readable sdn.csv and alt.csv in $ofac\n";
-d $out or die "no directory $out\n";

# ------------------------------------------------------------------------
# PRNG: Marsaglia's xorshift128 on 32-bit words (shifts, xors and masks
# only, so no floating point or overflow differences between Perls)
# ------------------------------------------------------------------------
use constant M32 => 0xFFFFFFFF;
my @S;

sub seed_rng($seed) {
	my $x = $seed & M32 || 1;
	@S = ();
	for (1 .. 4) {
		$x ^= ($x << 13) & M32;
		$x ^= $x >> 17;
		$x ^= ($x << 5) & M32;
		push @S, $x;
	}
	rnd() for 1 .. 64;
}

sub rnd() {
	my $t = $S[3];
	my $s = $S[0];
	@S[1, 2, 3] = @S[0, 1, 2];
	$t ^= ($t << 11) & M32;
	$t ^= $t >> 8;
	return $S[0] = ($t ^ $s ^ ($s >> 19)) & M32;
}

sub rint($n)  { return rnd() % $n }                  # 0 .. n-1
sub chance($p) { return rnd() < $p * 4294967296 }    # true with probability p
sub pick(@a)  { return $a[rint(scalar @a)] }

sub shuffled(@a) {
	for (my $i = $#a; $i > 0; $i--) {
		my $j = rint($i + 1);
		@a[$i, $j] = @a[$j, $i];
	}
	return @a;
}

# pick_w([name, weight], ...): weighted choice, in the order given
sub pick_w(@pairs) {
	my $total = 0;
	$total += $_->[1] for @pairs;
	my $r = rint($total);
	for my $p (@pairs) {
		return $p->[0] if $r < $p->[1];
		$r -= $p->[1];
	}
	return $pairs[-1][0];
}

# ------------------------------------------------------------------------
# The Treasury's CSV: no header, quoted fields ("" inside quotes), CRLF or
# LF, fields may hold newlines, a trailing 0x1A (DOS end of file), `-0- `
# for an empty field.
# ------------------------------------------------------------------------
sub read_csv($path) {
	open my $fh, '<:raw', $path or die "$path: $!\n";
	local $/;
	my $text = <$fh>;
	close $fh;
	$text =~ s/\x1A\z//;
	my (@rows, @row);
	my $len = length $text;
	pos($text) = 0;
	while (pos($text) < $len) {
		if ($text =~ /\G"([^"]*(?:""[^"]*)*)"/gc) {
			(my $f = $1) =~ s/""/"/g;
			push @row, $f;
		} elsif ($text =~ /\G([^",\r\n]*)/gc) {
			push @row, $1;
		}
		if ($text =~ /\G,/gc) {
			push @row, '' if pos($text) == $len;     # trailing empty field
			next;
		}
		if ($text =~ /\G(?:\r\n|\n|\r)/gc || pos($text) == $len) {
			push @rows, [@row] unless @row == 1 && $row[0] eq '';
			@row = ();
			next;
		}
		die sprintf "%s: CSV syntax error at byte %d\n", $path, pos($text);
	}
	for my $r (@rows) {
		for (@$r) {
			s/^\s+|\s+$//g;
			$_ = '' if $_ eq '-0-';
		}
	}
	return \@rows;
}

# ------------------------------------------------------------------------
# Tables
# ------------------------------------------------------------------------

# transliteration variants: every spelling in a group stands for the others
my @TRANSLIT = map { [split ' '] } (
	'MUHAMMAD MOHAMMED MOHAMED MOHAMMAD MUHAMMED MOHAMAD MUHAMAD',
	'AHMAD AHMED',
	'HUSSEIN HUSAYN HUSSAIN HUSAIN HOSSEIN HUSEIN',
	'HASSAN HASAN',
	'HASSANI HASANI',
	'YUSUF YOUSSEF YOUSEF YUSSEF YOUSIF YOUSUF',
	'OSAMA USAMA USAMAH',
	'QADHAFI QADDAFI GADDAFI KADHAFI QADHDHAFI GADHAFI',
	'AL EL',
	'ABU ABOU',
	'UMAR OMAR',
	'IBRAHIM EBRAHIM IBRAGIM',
	'KHALID KHALED',
	'MAHMUD MAHMOUD MAHMOOD',
	'MUSTAFA MOSTAFA MUSTAPHA',
	'ABDULLAH ABDALLAH ABDULLA',
	'SAID SAEED SAYED',
	'HAMID HAMEED',
	'RASHID RASHEED',
	'MAJID MAJEED',
	'JAMAL GAMAL',
	'JAFAR JAAFAR',
	'QASIM QASSIM KASSEM QASEM GHASEM',
	'MUSA MOUSSA MOUSA',
	'SULAYMAN SULEIMAN SULAIMAN',
	'ISMAIL ISMAEL ESMAIL',
	'JAVAD JAWAD',
	'MOHSEN MUHSIN',
	'YAHYA YAHIA',
	'ZAKARIA ZAKARIYA ZAKARIYYA',
	'NASIR NASSER NASER',
	'HAJI HAJJI HADJI',
	'SERGEI SERGEY SERGEJ',
	'ALEKSANDR ALEXANDER ALEKSANDER OLEKSANDR',
	'YURI YURY YURIY IURII',
	'ALEKSEI ALEXEI ALEKSEY ALEXEY',
	'DMITRI DMITRY DMITRIY',
	'ANDREI ANDREY',
	'NIKOLAI NIKOLAY',
	'MIKHAIL MIKHAYL',
	'YEVGENIY EVGENY YEVGENY EVGENIY EVGENII',
	'VYACHESLAV VIACHESLAV',
	'ANATOLY ANATOLIY ANATOLII',
	'VALERY VALERIY VALERII',
	'GENNADY GENNADIY GENNADII',
	'VIKTOR VICTOR',
	'ILYA ILIA',
	'PETR PYOTR',
	'FEDOR FYODOR',
	'IGOR IHOR',
	'YULIA YULIYA IULIIA',
	'TATIANA TATYANA',
	'NATALIA NATALYA',
	'ZHANG CHANG',
	'ZHOU CHOU',
	'XU HSU',
	'PAK PARK',
	'RI LI LEE YI',
	'CHOE CHOI',
	'JONG JEONG CHONG',
);
my %TRANSLIT;     # upper-case spelling -> its group
for my $g (@TRANSLIT) { $TRANSLIT{$_} //= $g for @$g }

my @HONORIFICS = (
	'Mr', 'Mr.', 'Mrs', 'Mrs.', 'Ms', 'Dr', 'Dr.', 'Prof.', 'Gen.', 'General', 'Col.', 'Colonel',
	'Eng.', 'Sir', 'Hon.',
);
# only for names that look Arabic, Persian, Pashto, Urdu, Hausa ...
my @HONORIFICS_ISLAMIC = (
	'Sheikh', 'Shaykh', 'Sheik', 'Haji', 'Hajji', 'Alhaji', 'Mullah', 'Maulana', 'Mawlawi',
	'Sayyid', 'Syed', 'Imam', 'Dr.', 'Mr',
);
my $ISLAMIC_NAME = qr/\b(?:AL|EL|ABU|ABD\w*|BIN|IBN|MU?HAMM?[AE]D|AHM[AE]D|ALI|HASS?AN|HUSS?[AE]IN|HUSAYN|OMAR|UMAR|KHAN|\w+ULLAH|\w*ALLAH|IBRAHIM|YUSUF|MAHMOUD|MAHMUD|MUSTAFA|KHALID|SAID|SA'ID)\b/i;

# particles kept with the token that follows them
my %PARTICLE = map { $_ => 1 } qw(AL EL ABU ABD BIN IBN BINT BEN OULD UL DE DEL DA DI DOS DAS VAN VON LA LE Y);

# legal forms at the end of a company name: class, pattern, spellings
my @SUFFIXES = (
	[ 'SADECV', qr/,?\s+S\.?\s?A\.?\s+DE\s+C\.?\s?V\.?$/i, [ 'S.A. DE C.V.', 'SA DE CV', 'S.A. de C.V.', 'SA de CV' ] ],
	[ 'SDERL',  qr/,?\s+S\.?\s+DE\s+R\.?\s?L\.?(?:\s+DE\s+C\.?\s?V\.?)?$/i, [ 'S. DE R.L. DE C.V.', 'S DE RL DE CV', 'S. de R.L.' ] ],
	[ 'TR_LS',  qr/,?\s+(?:LIMITED\s+SIRKETI|LTD\.?\s+STI\.?)$/i, [ 'LIMITED SIRKETI', 'LTD. STI.', 'LTD STI', 'Ltd. Şti.' ] ],
	[ 'TR_AS',  qr/,?\s+(?:ANONIM\s+SIRKETI|A\.\s?S\.)$/i, [ 'ANONIM SIRKETI', 'A.S.', 'A.Ş.' ] ],
	[ 'COLTD',  qr/,?\s+CO(?:MPANY)?\.?,?\s+(?:LTD\.?|LIMITED)$/i, [ 'CO., LTD.', 'CO LTD', 'Co., Ltd.', 'COMPANY LIMITED', 'Company Ltd', 'CO. LIMITED' ] ],
	[ 'PTELTD', qr/,?\s+(?:PTE\.?\s+LTD\.?|PRIVATE\s+LIMITED|PVT\.?\s+LTD\.?)$/i, [ 'PTE. LTD.', 'PTE LTD', 'PRIVATE LIMITED', 'Pvt Ltd' ] ],
	[ 'LLC',    qr/,?\s+(?:L\.?\s?L\.?\s?C\.?|LIMITED\s+LIABILITY\s+COMPANY)$/i, [ 'LLC', 'L.L.C.', 'Limited Liability Company', 'llc', 'L.L.C' ] ],
	[ 'PLC',    qr/,?\s+(?:P\.?L\.?C\.?|PUBLIC\s+LIMITED\s+COMPANY)$/i, [ 'PLC', 'P.L.C.', 'Public Limited Company' ] ],
	[ 'LTD',    qr/,?\s+(?:LTD\.?|LIMITED)$/i, [ 'LTD', 'LTD.', 'Limited', 'Ltd' ] ],
	[ 'INC',    qr/,?\s+(?:INC\.?|INCORPORATED)$/i, [ 'INC', 'INC.', 'Incorporated', 'Inc.' ] ],
	[ 'CORP',   qr/,?\s+(?:CORP\.?|CORPORATION)$/i, [ 'CORP', 'CORP.', 'Corporation', 'Corp.' ] ],
	[ 'GMBH',   qr/,?\s+G\.?M\.?B\.?H\.?$/i, [ 'GMBH', 'GmbH', 'G.m.b.H.' ] ],
	[ 'SARL',   qr/,?\s+S\.?A\.?R\.?L\.?$/i, [ 'SARL', 'S.A.R.L.', 'S.à r.l.' ] ],
	[ 'SAS',    qr/,?\s+S\.?A\.?S\.?$/i, [ 'S.A.S.', 'SAS' ] ],
	[ 'SAL',    qr/,?\s+S\.?A\.?L\.?$/i, [ 'S.A.L.', 'SAL' ] ],
	[ 'SA',     qr/,?\s+S\.?\s?A\.?$/i, [ 'S.A.', 'SA', 'S.A', 'Sociedad Anonima' ] ],
	[ 'CA',     qr/,?\s+C\.\s?A\.$/i, [ 'C.A.', 'CA', 'Compania Anonima' ] ],
	[ 'LTDA',   qr/,?\s+LTDA\.?$/i, [ 'LTDA.', 'LTDA', 'Limitada' ] ],
	[ 'SRL',    qr/,?\s+S\.?R\.?L\.?$/i, [ 'S.R.L.', 'SRL', 'S.r.l.' ] ],
	[ 'BV',     qr/,?\s+B\.?V\.?$/i, [ 'B.V.', 'BV' ] ],
	[ 'FZE',    qr/,?\s+F\.?Z\.?E\.?$/i, [ 'FZE', 'F.Z.E.' ] ],
	[ 'FZCO',   qr/,?\s+FZ\s?CO\.?$/i, [ 'FZCO', 'FZ CO', 'F.Z.CO.' ] ],
	[ 'EOOD',   qr/,?\s+E\.?O\.?O\.?D\.?$/i, [ 'EOOD', 'E.O.O.D.' ] ],
	[ 'OOD',    qr/,?\s+O\.?O\.?D\.?$/i, [ 'OOD', 'O.O.D.' ] ],
	[ 'DOO',    qr/,?\s+D\.?O\.?O\.?$/i, [ 'D.O.O.', 'DOO' ] ],
	[ 'JSC',    qr/,?\s+J\.?S\.?C\.?$/i, [ 'JSC', 'J.S.C.', 'Joint Stock Company' ] ],
	[ 'OOO',    qr/,?\s+OOO$/i, [ 'OOO', 'LLC' ] ],
	[ 'AG',     qr/,?\s+AG$/i, [ 'AG', 'A.G.' ] ],
	[ 'CO',     qr/,?\s+(?:CO\.?|COMPANY)$/i, [ 'CO', 'CO.', 'Company', 'Co.' ] ],
);
# legal forms at the start (Russian and other post-Soviet names)
my @PREFIXES = (
	[ 'PJSC', qr/^(?:PUBLIC\s+JOINT[\s-]+STOCK\s+COMPANY|PJSC|PAO)\s+/i, [ 'PUBLIC JOINT STOCK COMPANY', 'PJSC', 'PAO' ], [ 'PJSC', 'P.J.S.C.' ] ],
	[ 'OJSC', qr/^(?:OPEN\s+JOINT[\s-]+STOCK\s+COMPANY|OJSC|OAO)\s+/i, [ 'OPEN JOINT STOCK COMPANY', 'OJSC', 'OAO' ], [ 'OJSC' ] ],
	[ 'CJSC', qr/^(?:CLOSED\s+JOINT[\s-]+STOCK\s+COMPANY|CJSC|ZAO)\s+/i, [ 'CLOSED JOINT STOCK COMPANY', 'CJSC', 'ZAO' ], [ 'CJSC' ] ],
	[ 'JSC',  qr/^(?:JOINT[\s-]+STOCK\s+COMPANY|JSC|AO)\s+/i, [ 'JOINT STOCK COMPANY', 'JSC', 'AO' ], [ 'JSC', 'J.S.C.' ] ],
	[ 'LLC',  qr/^(?:LIMITED\s+LIABILITY\s+COMPANY|LLC|OOO|TOO)\s+/i, [ 'LIMITED LIABILITY COMPANY', 'LLC', 'OOO' ], [ 'LLC', 'L.L.C.', 'OOO' ] ],
);
my @ADD_SUFFIX = ('LLC', 'Ltd', 'Ltd.', 'Limited', 'Inc.', 'Co.', 'Corp.', 'S.A.', 'GmbH', 'LLC', 'Co., Ltd.', 'FZE', 'JSC');

# every token of a legal form, for the exclusion key and to keep typos out
my %LEGAL_WORD = map { $_ => 1 } qw(
	llc ltd limited inc incorporated co company corp corporation plc llp gmbh ag kg
	sa sas sarl sal sl srl spa bv nv ab as oy aps ooo jsc pjsc ojsc cjsc oao zao pao ao
	fze fzco fzllc pty pte pvt private cv ltda eood ood doo sirketi sti anonim ca
	liability joint stock public closed open kk
);

my %KEY_NEAR = (
	q => 'wa', w => 'qeas', e => 'wrsd', r => 'etdf', t => 'ryfg', y => 'tugh', u => 'yihj',
	i => 'uojk', o => 'ipkl', p => 'ol', a => 'qwsz', s => 'awedxz', d => 'serfcx',
	f => 'drtgvc', g => 'ftyhbv', h => 'gyujnb', j => 'huikmn', k => 'jiolm', l => 'kop',
	z => 'asx', x => 'zsdc', c => 'xdfv', v => 'cfgb', b => 'vghn', n => 'bhjm', m => 'njk',
);

# accented spellings added by the "diacritics" perturbation (lower case;
# ø, ł and ı have no decomposition, so NFKD alone does not remove them)
my %ACCENT = (
	a => [qw(á à â ä å ã á ä)], e => [qw(é è ê ë é é)], i => [qw(í ì î ï í ı)],
	o => [qw(ó ò ô ö ø õ ö ó)], u => [qw(ú ù û ü ü ú)], n => [qw(ñ ñ ń)], c => [qw(ç ç č ć)],
	s => [qw(š ş)], z => [qw(ž)], g => [qw(ğ)], l => [qw(ł)],
);

# ------------------------------------------------------------------------
# Normalisation for the exclusion rule and the ambiguity check
# ------------------------------------------------------------------------
sub strip_accents($s) {
	$s = NFKD($s);
	$s =~ s/\p{Mn}+//g;
	$s =~ tr/øØłŁđĐıħĦŧŦ/oOlLdDihHtT/;
	$s =~ s/ß/ss/g;
	$s =~ s/[æÆ]/ae/g;
	$s =~ s/[œŒ]/oe/g;
	$s =~ s/[þÞ]/th/g;
	return $s;
}

# lowercase, accents stripped, apostrophes and periods dropped, other
# punctuation a separator
sub norm_tokens($s) {
	$s = lc strip_accents($s);
	$s =~ s/['’`.]//g;
	$s =~ s/[^\p{L}\p{N}]+/ /g;
	return split ' ', $s;
}

sub lit_key(@t) { return join ' ', sort @t }

# the extended form: transliteration variants folded to one spelling,
# legal forms removed at either end
sub ext_tokens(@t) {
	@t = map { my $g = $TRANSLIT{uc $_}; $g ? lc $g->[0] : $_ } @t;
	# spelling variants of one transliteration: Mansour/Mansur, Reem/Rim,
	# Hassan/Hasan, Qasim/Kasim, Yousuf/Yusuf
	@t = map { s/ou/u/gr =~ s/oo/u/gr =~ s/ee/i/gr =~ s/ph/f/gr =~ tr/q/k/r =~ s/(.)\1+/$1/gr } @t;
	my $joined = join ' ', @t;
	$joined =~ s/^(?:(?:public|open|closed)\s+)?joint\s+stock\s+company\s+//;
	$joined =~ s/^limited\s+liability\s+company\s+//;
	$joined =~ s/\s+limited\s+liability\s+company$//;
	$joined =~ s/\s+sa\s+de\s+cv$//;
	@t = split ' ', $joined;
	shift @t while @t > 1 && $LEGAL_WORD{ $t[0] } && $t[0] =~ /^(?:ooo|oao|zao|pao|ao|jsc|pjsc|ojsc|cjsc|llc|too)$/;
	pop @t while @t > 1 && $LEGAL_WORD{ $t[-1] };
	return @t;
}

# ------------------------------------------------------------------------
# Load the list
# ------------------------------------------------------------------------
my (%ent, @sources);
for my $r (@{ read_csv("$ofac/sdn.csv") }) {
	my ($num, $name, $type, $prog) = @$r;
	next unless defined $name && $num =~ /^\d+$/ && length $name;
	my $kind = $type eq '' ? 'entity' : $type;
	$ent{$num} = { num => $num, name => $name, kind => $kind, aliases => [] };
	push @sources, { uid => $num, name => $name, kind => $kind, alias => 0 };
}
my $n_alias = 0;
for my $r (@{ read_csv("$ofac/alt.csv") }) {
	my ($num, $altnum, $type, $name) = @$r;
	next unless defined $name && length $name && $ent{$num};
	push @sources, { uid => $num, name => $name, kind => $ent{$num}{kind}, alias => 1, alt_type => $type };
	$n_alias++;
}
my %kind_count;
$kind_count{ $_->{kind} }++ for grep { !$_->{alias} } @sources;

# how many entities share each name (after normalisation)
my (%key_ents, %lit0, %lit1, %ext0, %ext1);
for my $s (@sources) {
	my @t = norm_tokens($s->{name});
	next unless @t;
	my $k = lit_key(@t);
	$key_ents{$k}{ $s->{uid} } = 1;
	$lit0{$k} = 1;
	if (@t > 1) {
		for my $i (0 .. $#t) { $lit1{ lit_key(@t[grep { $_ != $i } 0 .. $#t]) } = 1 }
	}
	my @e = ext_tokens(@t);
	$ext0{ lit_key(@e) } = 1;
	if (@e > 2) {
		for my $i (0 .. $#e) { $ext1{ lit_key(@e[grep { $_ != $i } 0 .. $#e]) } = 1 }
	}
}
my $n_ambiguous = 0;
for my $s (@sources) {
	my $k = lit_key(norm_tokens($s->{name}));
	$s->{shared} = scalar keys %{ $key_ents{$k} // {} };
	$n_ambiguous++ if $s->{shared} > $MAX_SHARED;
}

# ------------------------------------------------------------------------
# Name structure
# ------------------------------------------------------------------------

# "LAST, First Middle[, Jr.]" -> {sur, given, gen}; undef without a comma
sub split_ind($name) {
	my @parts = split /\s*,\s*/, $name;
	return undef if @parts < 2;
	my $sur = shift @parts;
	my (@gen, @given);
	for my $p (@parts) {
		if ($p =~ /^(?:JR|SR|II|III|IV)\.?$/i) { push @gen, $p } else { push @given, $p }
	}
	return undef unless @given && length $sur;
	return { sur => $sur, given => join(' ', @given), gen => join(' ', @gen) };
}

sub is_particle($t) { return $PARTICLE{ uc($t =~ s/[^\p{L}]//gr) } }

# tokens grouped into units: a particle stays with the token after it
sub units($s) {
	my @u;
	my $pending = '';
	for my $t (split ' ', $s) {
		if (is_particle($t)) { $pending .= "$t "; next }
		push @u, $pending . $t;
		$pending = '';
	}
	if (length $pending) {
		$pending =~ s/ $//;
		if (@u) { $u[-1] .= " $pending" } else { push @u, $pending }
	}
	return @u;
}

sub letters($t) { return scalar(() = $t =~ /\p{L}/g) }

# ------------------------------------------------------------------------
# Perturbations.  Each takes the current query and the source record and
# returns the changed query, or undef when it does not apply.
# ------------------------------------------------------------------------

sub title_case($s, $small_words) {
	$s = join '', map { /\p{L}/ ? ucfirst(lc $_) : $_ } split /(\p{L}+)/, $s;
	if ($small_words) {
		$s =~ s/(?<=\s)(Of|The|And|For|De|Del|La|Y|In|On|To)(?=\s)/\L$1/g;
	}
	$s =~ s/(?<=\s)(Llc|Ltd|Gmbh|Jsc|Ooo|Fze|Plc)\b/uc $1/ge if chance(0.5);
	return $s;
}

sub p_case($q, $src) {
	my $kind = $src->{kind};
	my $how = pick_w([ lower => 3 ], [ title => 5 ], [ upper => ($q =~ /\p{Ll}/ ? 2 : 0) ],
		[ mixed => ($kind eq 'individual' ? 2 : 0) ]);
	my $r;
	if    ($how eq 'lower') { $r = lc $q }
	elsif ($how eq 'upper') { $r = uc $q }
	elsif ($how eq 'title') { $r = title_case($q, $kind ne 'individual') }
	else {
		# given names in title case, surname in capitals, or the reverse
		my $i = split_ind($q);
		if ($i) {
			$r = chance(0.5) ? title_case($i->{sur}, 0) . ', ' . uc($i->{given})
			                 : lc($i->{sur}) . ', ' . title_case($i->{given}, 0);
			$r .= ", $i->{gen}" if length $i->{gen};
		} else {
			my @t = split ' ', $q;
			$r = join ' ', map { $_ == $#t ? uc $t[$_] : title_case($t[$_], 0) } 0 .. $#t;
		}
	}
	return $r eq $q ? undef : $r;
}

sub p_reorder_natural($q, $src) {
	my $i = split_ind($q) or return undef;
	return "$i->{given} $i->{sur}" . (length $i->{gen} ? " $i->{gen}" : '');
}

sub p_reorder($q, $src) {
	if ($src->{kind} eq 'individual') {
		my $i = split_ind($q);
		my @g = $i ? units($i->{given}) : ();
		my @s = $i ? units($i->{sur}) : units($q);
		my @all = (@g, @s);
		return undef if @all < 2;
		my %avoid = (join(' ', @g, @s) => 1);
		$avoid{ join ' ', @s, @g } = 1 if @all > 2;
		for (1 .. 20) {
			my $r = join ' ', shuffled(@all);
			next if $avoid{$r};
			$r .= " $i->{gen}" if $i && length $i->{gen};
			return $r;
		}
		return undef;
	}
	# entities and vessels: a rotation (e.g. "MELLI BANK" for "BANK MELLI")
	# of the name without its legal form, which stays at the end
	my ($base, $form) = ($q, '');
	for my $s (@SUFFIXES) {
		if ($q =~ $s->[1]) {
			$base = $q =~ s/$s->[1]//r;
			$form = substr($q, length $base);
			last;
		}
	}
	(my $flat = $base) =~ s/,//g;
	my @u = units($flat);
	return undef if @u < 2 || @u > 4;
	my $r = chance(0.5) ? join(' ', @u[1 .. $#u], $u[0]) : join(' ', $u[-1], @u[0 .. $#u - 1]);
	return $r eq $flat ? undef : $r . $form;
}

sub p_drop_middle($q, $src) {
	return undef unless $src->{kind} eq 'individual';
	my $i = split_ind($q);
	if ($i) {
		my @g = units($i->{given});
		my @s = units($i->{sur});
		return undef if @g + @s < 3;
		if (@g >= 2) {
			# a middle name (any given name after the first)
			my $k = 1 + rint(@g - 1);
			splice @g, $k, 1;
		} elsif (@s >= 2 && $s[-1] !~ /^(?:AL|EL|ABU|ABD|BIN|IBN|BINT|UL)[\s-]/i) {
			# the second surname ("MADURO MOROS, Nicolas" -> "MADURO, Nicolas")
			splice @s, -1, 1;
		} else {
			return undef;
		}
		return join(' ', @s) . ', ' . join(' ', @g) . (length $i->{gen} ? ", $i->{gen}" : '');
	}
	my @u = units($q);
	return undef if @u < 3;
	splice @u, 1 + rint(@u - 2), 1;
	return join ' ', @u;
}

# the tokens a typo may hit: >= 4 letters, not a legal form
sub typo_slots($q) {
	my @tok = split /(\s+)/, $q;
	my @slots;
	for my $k (0 .. $#tok) {
		my $t = $tok[$k];
		next if $t =~ /^\s*$/;
		next if $LEGAL_WORD{ lc($t =~ s/[^\p{L}]//gr) };
		next if letters($t) < 4;
		push @slots, $k;
	}
	return (\@tok, \@slots);
}

sub same_case($like, $c) { return $like =~ /\p{Lu}/ ? uc $c : lc $c }

sub near_key($c) {
	my $n = $KEY_NEAR{ lc $c } or return undef;
	return same_case($c, substr($n, rint(length $n), 1));
}

# one typo in $t away from letter positions in %$avoid
sub typo_in($t, $avoid = {}) {
	my @pos = grep { substr($t, $_, 1) =~ /[A-Za-z]/ && !$avoid->{$_} } 0 .. length($t) - 1;
	return undef unless @pos;
	for (1 .. 20) {
		my $p = pick(@pos);
		my $c = substr($t, $p, 1);
		my $kind = pick(qw(substitution deletion insertion transposition));
		my $r = $t;
		if ($kind eq 'substitution') {
			my $n = near_key($c) // next;
			substr($r, $p, 1) = $n;
		} elsif ($kind eq 'deletion') {
			substr($r, $p, 1) = '';
		} elsif ($kind eq 'insertion') {
			# a doubled letter or a neighbouring key
			my $n = chance(0.4) ? $c : (near_key($c) // $c);
			substr($r, $p + (chance(0.5) ? 1 : 0), 0) = $n;
		} else {
			next unless $p + 1 < length $t && substr($t, $p + 1, 1) =~ /[A-Za-z]/;
			my $d = substr($t, $p + 1, 1);
			next if lc $c eq lc $d;
			substr($r, $p, 2) = $d . $c;
		}
		# keep the case pattern of the word ("Hossein" -> "Ohssein", not "oHssein")
		$r = join '', map { /\p{L}/ ? ucfirst lc : $_ } split /(\p{L}+)/, $r
			if $t =~ /^\P{L}*\p{Lu}\p{Ll}+(?:\P{L}+\p{Lu}\p{Ll}+)*\P{L}*$/;
		return ($r, $p) if $r ne $t;
	}
	return undef;
}

sub p_typo1($q, $src) {
	my ($tok, $slots) = typo_slots($q);
	return undef unless @$slots;
	my $k = pick(@$slots);
	my ($r) = typo_in($tok->[$k]) or return undef;
	defined $r or return undef;
	$tok->[$k] = $r;
	return join '', @$tok;
}

sub p_typo2($q, $src) {
	return undef if letters($q) < 12;
	my ($tok, $slots) = typo_slots($q);
	my @long = grep { letters($tok->[$_]) >= 8 } @$slots;
	return undef unless @$slots >= 2 || @long;
	if (@$slots >= 2 && (!@long || chance(0.7))) {
		my ($a, $b) = (shuffled(@$slots))[0, 1];
		for my $k ($a, $b) {
			my ($r) = typo_in($tok->[$k]);
			return undef unless defined $r;
			$tok->[$k] = $r;
		}
	} else {
		my $k = pick(@long);
		my ($r, $p) = typo_in($tok->[$k]);
		return undef unless defined $r;
		# the second typo at least two letters away from the first
		my %avoid = map { $_ => 1 } $p - 2 .. $p + 2;
		my ($r2) = typo_in($r, \%avoid);
		return undef unless defined $r2;
		$tok->[$k] = $r2;
	}
	return join '', @$tok;
}

sub p_diacritics($q, $src) {
	return undef if $src->{kind} eq 'aircraft';
	# letters of name words (not of legal forms), vowels four times as
	# likely as consonants
	my @pos;
	while ($q =~ /\p{L}+/g) {
		my ($from, $to) = ($-[0], $+[0]);
		next if $LEGAL_WORD{ lc substr($q, $from, $to - $from) };
		for my $p ($from .. $to - 1) {
			my $c = lc substr($q, $p, 1);
			next unless $ACCENT{$c};
			push @pos, [ $p => $c =~ /[aeiou]/ ? 4 : 1 ];
		}
	}
	return undef unless @pos;
	my $n = pick_w([ 1 => 5 ], [ 2 => 3 ], [ 3 => 2 ]);
	my $r = $q;
	my %done;
	for (1 .. $n) {
		my $p = pick_w(grep { !$done{ $_->[0] } } @pos) // last;
		$done{$p} = 1;
		my $c = substr($r, $p, 1);
		substr($r, $p, 1) = same_case($c, pick(@{ $ACCENT{ lc $c } }));
		last if keys %done == @pos;
	}
	return $r eq $q ? undef : $r;
}

sub p_honorific($q, $src) {
	return undef unless $src->{kind} eq 'individual';
	my $h = $q =~ $ISLAMIC_NAME && chance(0.7) ? pick(@HONORIFICS_ISLAMIC) : pick(@HONORIFICS);
	$h = uc $h if $q !~ /\p{Ll}/ && chance(0.5);
	my $i = split_ind($q);
	if ($i) {
		# "MADURO MOROS, Dr. Nicolas", as some lists write a title
		return "$i->{sur}, $h $i->{given}" . (length $i->{gen} ? ", $i->{gen}" : '');
	}
	return "$h $q";
}

# punctuation and spacing: one or two of the changes that apply
sub p_punct($q, $src) {
	my @ops;
	push @ops, [ comma  => 3 ] if $q =~ /,/;
	push @ops, [ period => 3 ] if $q =~ /\./;
	push @ops, [ hyphen_space => 3 ], [ hyphen_join => 3 ] if $q =~ /\p{L}-\p{L}/;
	push @ops, [ particle_join => 3 ] if $q =~ /(?:^|\s)(?:AL|EL|ABU|ABD|BIN|BEN|UL)\s+\p{L}/i;
	push @ops, [ apostrophe => 2 ] if $q =~ /'/;
	push @ops, [ ampersand => 2 ] if $q =~ /&|\bAND\b/i;
	push @ops, [ add_hyphen => 1 ] if $q =~ /\p{L}{2,}\s+\p{L}{2,}/;
	push @ops, [ spaces => 1 ];
	push @ops, [ add_period => 1 ] if $q =~ /\b(?:CO|LTD|INC|CORP|ST|JR|SR)\b(?!\.)/i;
	my $r = $q;
	my $n = @ops > 2 && chance(0.35) ? 2 : 1;
	my %done;
	for (1 .. $n) {
		my $op = pick_w(grep { !$done{ $_->[0] } } @ops);
		$done{$op} = 1;
		if ($op eq 'comma') {
			$r = chance(0.7) ? $r =~ s/,//gr : $r =~ s/,\s*/ , /r;
		} elsif ($op eq 'period') {
			$r =~ s/\.//g;
		} elsif ($op eq 'hyphen_space') {
			$r =~ s/(?<=\p{L})-(?=\p{L})/ /g;
		} elsif ($op eq 'hyphen_join') {
			# "AL-QAIDA" -> "ALQAIDA"
			my @h = ();
			push @h, $-[0] while $r =~ /(?<=\p{L})-(?=\p{L})/g;
			next unless @h;
			my $p = pick(@h);
			substr($r, $p, 1) = '';
		} elsif ($op eq 'particle_join') {
			my $sep = pick('-', '', '-');
			$r =~ s/((?:^|\s)(?:AL|EL|ABU|ABD|BIN|BEN|UL))\s+(?=\p{L})/$1$sep/i;
		} elsif ($op eq 'apostrophe') {
			my $to = pick('', '’', '`', ' ');
			$r =~ s/'/$to/g;
			$r =~ s/\s+/ /g;
		} elsif ($op eq 'ampersand') {
			$r = $r =~ /&/ ? $r =~ s/\s*&\s*/ and /gr : $r =~ s/\s+AND\s+/ & /ir;
		} elsif ($op eq 'add_hyphen') {
			my @sp = ();
			push @sp, $-[0] while $r =~ /(?<=\p{L}{2})\s+(?=\p{L}{2})/g;
			next unless @sp;
			my $p = pick(@sp);
			substr($r, $p) =~ s/^\s+/-/;
		} elsif ($op eq 'spaces') {
			my @sp = ();
			push @sp, $-[0] while $r =~ /\s/g;
			if (@sp && chance(0.7)) {
				substr($r, pick(@sp), 1) = pick('  ', '   ', "\t");
			} else {
				$r = chance(0.5) ? " $r " : "$r  ";
			}
		} elsif ($op eq 'add_period') {
			$r =~ s/\b(CO|LTD|INC|CORP|ST|JR|SR)\b(?!\.)/$1./i;
		}
	}
	return $r eq $q ? undef : $r;
}

# legal forms: another spelling, dropped, moved, or one added
sub p_suffix($q, $src) {
	return undef unless $src->{kind} eq 'entity';
	for my $s (@SUFFIXES) {
		my ($class, $re, $spell) = @$s;
		next unless $q =~ $re;
		my $base = $q =~ s/$re//r;
		next unless $base =~ /\p{L}{2}/;
		my $how = pick_w([ respell => 6 ], [ drop => 3 ]);
		return $base if $how eq 'drop';
		for (1 .. 10) {
			my $sp = pick(@$spell);
			my $r = $base . (chance(0.3) ? ', ' : ' ') . $sp;
			return $r if lc($r =~ s/[^\p{L}]//gr) ne lc($q =~ s/[^\p{L}]//gr) || $r ne $q && chance(0.3);
		}
		return undef;
	}
	for my $s (@PREFIXES) {
		my ($class, $re, $pre, $suf) = @$s;
		next unless $q =~ $re;
		my $base = $q =~ s/$re//r;
		next unless $base =~ /\p{L}{2}/;
		my $how = pick_w([ respell => 4 ], [ to_suffix => 4 ], [ drop => 2 ]);
		return $base if $how eq 'drop';
		return "$base " . pick(@$suf) if $how eq 'to_suffix';
		for (1 .. 10) {
			my $r = pick(@$pre) . " $base";
			return $r if $r ne $q && uc($r) ne uc($q);
		}
		return undef;
	}
	# none: add one (what a customer's record of the same company may carry)
	return undef if $q =~ /\b(?:BANK|MINISTRY|ARMY|BRIGADE|MOVEMENT|FRONT|PARTY|ORGANIZATION|ORGANISATION|COMMITTEE|FORCE|FORCES|GUARD|COUNCIL|UNIVERSITY|INSTITUTE|FOUNDATION|SOCIETY|CHARITY|ASSOCIATION|GOVERNMENT)\b/i;
	return $q . (chance(0.2) ? ', ' : ' ') . pick(@ADD_SUFFIX);
}

sub translit_slots($q) {
	my @tok = split /([\s\-']+)/, $q;
	my @slots = grep { $tok[$_] =~ /\p{L}/ && $TRANSLIT{ uc $tok[$_] } } 0 .. $#tok;
	return (\@tok, \@slots);
}

sub with_case_of($like, $w) {
	return uc $w if $like !~ /\p{Ll}/;
	return lc $w if $like !~ /\p{Lu}/;
	return ucfirst lc $w;
}

my $ABD = qr/\b(ABD[\s-]+AL[\s-]*|ABD[\s-]+EL[\s-]*|ABDUL(?!L)[\s-]*|ABDEL(?!L)[\s-]*)(?=\p{L})/i;    # not Abdullah, Abdellah

sub p_translit($q, $src) {
	my ($tok, $slots) = translit_slots($q);
	my $has_abd = $q =~ $ABD;
	return undef unless @$slots || $has_abd;
	my $r;
	if ($has_abd && (!@$slots || chance(0.4))) {
		my $m = $1;
		my @forms = grep { lc($_ =~ s/[\s-]//gr) ne lc($m =~ s/[\s-]//gr) } ('Abd al-', 'Abdul ', 'Abdel ', 'Abd Al ', 'Abdul', 'Abd el-');
		my $f = with_case_of($m, pick(@forms));
		$f =~ s/^(ABD|Abd) (AL|Al|al|EL|El|el)/$1 $2/;
		$r = $q =~ s/$ABD/$f/r;
	} else {
		my @todo = shuffled(@$slots);
		my $n = @todo > 1 && chance(0.3) ? 2 : 1;
		for my $k (@todo[0 .. $n - 1]) {
			my $w = $tok->[$k];
			my @alt = grep { $_ ne uc $w } @{ $TRANSLIT{ uc $w } };
			$tok->[$k] = with_case_of($w, pick(@alt));
		}
		$r = join '', @$tok;
	}
	return $r eq $q ? undef : $r;
}

my %APPLY = (
	translit        => \&p_translit,
	suffix          => \&p_suffix,
	drop_middle     => \&p_drop_middle,
	reorder_natural => \&p_reorder_natural,
	reorder         => \&p_reorder,
	typo1           => \&p_typo1,
	typo2           => \&p_typo2,
	diacritics      => \&p_diacritics,
	honorific       => \&p_honorific,
	punct           => \&p_punct,
	case            => \&p_case,
);
# the order they are applied in (alias first: it picks the name)
my @ORDER = qw(alias translit suffix drop_middle reorder_natural reorder typo1 typo2
	diacritics honorific punct case);
my %RANK;
@RANK{@ORDER} = 0 .. $#ORDER;

# target share of each type as the first (or only) perturbation of a row
my @FIRST = (
	[ case => 5 ], [ reorder_natural => 11 ], [ reorder => 7 ], [ drop_middle => 9 ],
	[ typo1 => 14 ], [ typo2 => 8 ], [ diacritics => 7 ], [ punct => 9 ], [ suffix => 10 ],
	[ honorific => 5 ], [ translit => 9 ], [ alias => 12 ],
);
my %CONFLICT = (
	reorder => 'reorder_natural', reorder_natural => 'reorder',
	typo1 => 'typo2', typo2 => 'typo1',
);
my $P_SECOND = 0.45;

# can type $t apply to source $s (a quick test; the perturbation may still
# decline, and then the row is drawn again)
sub applies($t, $s) {
	my ($q, $kind) = ($s->{name}, $s->{kind});
	return 1                          if $t eq 'case' || $t eq 'punct';
	return $s->{alias}                if $t eq 'alias';
	return $kind eq 'individual'      if $t eq 'honorific';
	return $kind eq 'entity'          if $t eq 'suffix';
	return $kind eq 'individual' && split_ind($q) if $t eq 'reorder_natural';
	return $kind ne 'aircraft' && defined p_reorder($q, $s) if $t eq 'reorder';
	return $kind eq 'individual' && scalar(() = units($q =~ s/,/ /gr)) >= 3 if $t eq 'drop_middle';
	return 0 if $kind eq 'aircraft' && ($t eq 'typo1' || $t eq 'typo2');    # registrations
	return scalar @{ (typo_slots($q))[1] } if $t eq 'typo1';
	if ($t eq 'typo2') {
		my ($tok, $sl) = typo_slots($q);
		return letters($q) >= 12 && (@$sl >= 2 || grep { letters($tok->[$_]) >= 8 } @$sl);
	}
	return $kind ne 'aircraft' && $q =~ /[aeioun]/i if $t eq 'diacritics';
	if ($t eq 'translit') {
		my (undef, $sl) = translit_slots($q);
		return @$sl || $q =~ $ABD;
	}
	die "unknown perturbation $t";
}

# ------------------------------------------------------------------------
# Positives
# ------------------------------------------------------------------------
seed_rng($SEED);
# entities of another set's positives (MAKE_EVAL_EXCLUDE): a held-out set
# draws none of them
my %excluded_uid;
if (my $ex = $ENV{MAKE_EVAL_EXCLUDE}) {
	open my $xf, '<:encoding(UTF-8)', $ex or die "$ex: $!\n";
	while (my $l = <$xf>) {
		$excluded_uid{$1} = 1 if $l =~ /,"?(\d+)"?,[a-z0-9_+]+\r?$/;
	}
	close $xf;
	keys %excluded_uid or die "$ex: no expected_uid read\n";
}
my @usable = grep { $_->{shared} <= $MAX_SHARED && length($_->{name}) >= 2
                    && !$excluded_uid{ $_->{uid} } } @sources;
my %pool;        # type -> kind -> [sources]
# share of each kind of entry among the rows of a type (where it applies)
my @KIND_WEIGHT = ([ individual => 46 ], [ entity => 40 ], [ vessel => 8 ], [ aircraft => 6 ]);
for my $t (map { $_->[0] } @FIRST) {
	my @from = grep { ($t eq 'alias') == ($_->{alias} ? 1 : 0) } @usable;
	for my $s (grep { applies($t, $_) } @from) { push @{ $pool{$t}{ $s->{kind} } }, $s }
}

# entities where the "suffix" type finds a legal form to change (4 in 5 rows)
my @with_form = grep {
	my $q = $_->{name};
	(grep { $q =~ $_->[1] } @SUFFIXES, @PREFIXES) ? 1 : 0
} @{ $pool{suffix}{entity} };

my (@pos, %seen_query, %used_source, %type_rows);
my $attempts = 0;
while (@pos < $N_POSITIVES) {
	die "cannot build enough positives\n" if ++$attempts > $N_POSITIVES * 50;
	my $t1 = pick_w(@FIRST);
	my $src;
	if ($t1 eq 'suffix' && chance(0.8)) {
		$src = pick(@with_form);
	} else {
		my $kind = pick_w(grep { $pool{$t1}{ $_->[0] } } @KIND_WEIGHT);
		$src = pick(@{ $pool{$t1}{$kind} });
	}
	my $sid = "$src->{uid}/" . ($src->{alias} ? "a:$src->{name}" : 'p');
	next if $used_source{$sid};
	my @types = ($t1);
	if (chance($P_SECOND) || $t1 eq 'alias' && chance(0.3)) {
		my @cand = grep {
			my $t = $_->[0];
			$t ne $t1 && $t ne 'alias' && ($CONFLICT{$t} // '') ne $t1 && applies($t, $src)
		} @FIRST;
		push @types, pick_w(@cand) if @cand;
	}
	@types = sort { $RANK{$a} <=> $RANK{$b} } @types;
	my $q = $src->{name};
	my $ok = 1;
	for my $t (@types) {
		next if $t eq 'alias';
		my $r = $APPLY{$t}->($q, $src);
		if (!defined $r) { $ok = 0; last }
		$q = $r;
	}
	next unless $ok;
	next if $q eq $src->{name} && !$src->{alias};
	next if $seen_query{$q}++;
	next unless norm_tokens($q);
	$used_source{$sid} = 1;
	push @pos, { query => $q, uid => $src->{uid}, types => join('+', @types),
		kind => $src->{kind}, alias => $src->{alias} };
}

# ------------------------------------------------------------------------
# Negatives: people of many cultures and companies, none on the list
# ------------------------------------------------------------------------
sub w(@s) { return [ map { split ' ' } @s ] }     # word lists ('_' joins two words)

my %C = (
	anglo => {
		m => w('James John Robert Michael William David Richard Joseph Thomas Charles Christopher',
		       'Daniel Matthew Anthony Mark Steven Paul Andrew Joshua Kevin Brian George Edward Ryan Jacob'),
		f => w('Mary Patricia Jennifer Linda Elizabeth Barbara Susan Jessica Sarah Karen Nancy Lisa',
		       'Margaret Emily Ashley Michelle Amanda Melissa Rebecca Laura Emma Olivia Hannah Grace'),
		s => w('Smith Johnson Williams Brown Jones Miller Davis Wilson Anderson Taylor Thomas Moore',
		       'Martin Jackson Thompson White Harris Clark Lewis Robinson Walker Young Allen King Wright',
		       "Scott Green Baker Adams Nelson Hill Campbell Mitchell Carter Roberts O'Brien Murphy Kelly",
		       'Sullivan Hughes Cooper Ward Morgan Bennett Fletcher'),
	},
	hispanic => {
		m => w('José Juan Luis Carlos Jorge Miguel Pedro Manuel Francisco Antonio Alejandro Fernando',
		       'Ricardo Javier Sergio Raúl Eduardo Roberto Andrés Diego Pablo Héctor Óscar Mario Alberto',
		       'José_Luis Juan_Carlos Miguel_Ángel Jesús Rafael Ramón Arturo Gustavo'),
		f => w('María Guadalupe Ana Carmen Rosa Laura Gabriela Patricia Verónica Claudia Adriana',
		       'Alejandra Daniela Fernanda Lucía Elena Isabel Sofía Valentina María_José Ana_María Beatriz'),
		s => w('García Rodríguez Martínez Hernández López González Pérez Sánchez Ramírez Torres Flores',
		       'Rivera Gómez Díaz Cruz Morales Reyes Gutiérrez Ortiz Ramos Jiménez Ruiz Vargas Castillo',
		       'Mendoza Romero Herrera Medina Aguilar Castro Vásquez Moreno Rojas Guzmán Salazar Delgado',
		       'Navarro Cabrera Vega Fuentes Ibarra Espinoza Sandoval Cárdenas Peña Ríos'),
	},
	arabic => {
		m => w('Mohammed Ahmed Ali Hassan Hussein Omar Khaled Mahmoud Mustafa Ibrahim Youssef Abdullah',
		       'Abdulrahman Said Tariq Karim Nabil Walid Samir Faisal Hamza Bilal Rami Ziad Jamal Nasser',
		       'Adel Fadi Majid Sami Yasser Anas Khalil Imad Hisham Osama Salim Marwan Jamil Munir'),
		f => w('Fatima Aisha Mariam Noor Layla Huda Rania Samira Amira Yasmin Salma Hanan Dalia Zainab',
		       'Reem Lina Nadia Mona Rasha Hala'),
		s => w('Al-Masri Haddad Khoury Nasser Saleh Hamdan Abbas Mansour Khalil Yousef Ibrahim Hussein',
		       'Hassan Mahmoud Othman Rahman Aziz Karim Sabbagh Qasim Al-Ahmad Al-Sayed Al-Hashimi',
		       'Al-Rashid Al-Tamimi Al-Khatib Darwish Farouk Suleiman Barakat Jaber Awad Najjar Shami',
		       'Bakri Zaki Salem Hamad Al-Zahrani Al-Ghamdi Al-Otaibi Al-Qahtani El-Sayed Fares Issa Moussa',
		       'Taha Haddadin Nassar Obeid Shaheen Abu-Ghazaleh'),
	},
	persian => {
		m => w('Reza Mehdi Hossein Alireza Amir Majid Saeed Hamid Javad Mohsen Mohammad_Reza Behrouz',
		       'Dariush Farhad Kourosh Babak Arash Omid Navid Payam Siavash Kamran Shahram Ramin Vahid',
		       'Ali_Akbar Hassan Masoud'),
		f => w('Maryam Zahra Fatemeh Shirin Parisa Nasrin Leila Mahsa Niloufar Azadeh Roya Sara Golnar',
		       'Ladan Elham Mina'),
		s => w('Ahmadi Hosseini Mohammadi Rezaei Moradi Karimi Jafari Rahimi Hashemi Mousavi Sadeghi',
		       'Ghorbani Kazemi Ebrahimi Alavi Tehrani Shirazi Esfahani Farahani Rostami Amini Najafi',
		       'Bagheri Zamani Kiani Soltani Nazari Akbari Heidari Rahmani Asadi Sharifi Khosravi Naderi'),
	},
	slavic => {
		m => w('Aleksandr Sergey Dmitry Andrey Alexey Ivan Mikhail Nikolay Vladimir Pavel Igor Oleg',
		       'Yuri Viktor Maxim Artem Roman Evgeny Konstantin Anton Boris Kirill Denis Vadim Stanislav',
		       'Timur Ruslan Grigory Leonid Anatoly Vasily Piotr Tomasz Krzysztof Marek Milan Dragan'),
		f => w('Elena Olga Tatiana Natalia Irina Svetlana Anna Maria Yulia Ekaterina Marina Anastasia',
		       'Ksenia Galina Lyudmila Daria Polina Vera Alina Katarzyna Agnieszka Jelena'),
		s => w('Ivanov Smirnov Kuznetsov Popov Vasiliev Petrov Sokolov Mikhailov Novikov Fedorov Morozov',
		       'Volkov Alekseev Lebedev Semenov Egorov Pavlov Kozlov Stepanov Nikolaev Orlov Andreev Makarov',
		       'Zakharov Zaitsev Solovyov Borisov Yakovlev Grigoriev Romanov Vorobyov Sergeev Frolov Belov',
		       'Gusev Titov Kovalenko Shevchenko Bondarenko Tkachenko Kravchenko Melnyk Nowak Kowalski',
		       'Wiśniewski Wójcik Kamiński Lewandowski Jovanović Petrović Novak Horvat Dvořák Kuzmin'),
	},
	chinese => {
		s => w('Wang Li Zhang Liu Chen Yang Huang Zhao Wu Zhou Xu Sun Ma Zhu Hu Guo He Lin Gao Luo Zheng',
		       'Liang Xie Song Tang Han Feng Deng Cao Peng Zeng Xiao Tian Dong Pan Yuan Cai Jiang Yu Du Ye',
		       'Cheng Wei Su Lu Ding Ren Shen Yao Chan Wong Cheung Lau Ng Ho Leung Lam Tsang'),
		syl => w('Wei Fang Min Jing Li Hua Jun Lei Yan Ming Hong Ping Xin Yu Hao Jie Tao Qiang Na Xiu Ying',
		         'Bo Chao Gang Hui Kai Lan Mei Ning Peng Qing Rui Shan Ting Xiao Yi Yong Zhen Zhi Long Feng',
		         'Lin Dan Jian Hai Xue Yun Zi Chun'),
		m => w('David Michael Kevin Jason Eric Tony'), f => w('Grace Vivian Cindy Amy Helen Joyce'),
	},
	korean => {
		s => w('Kim Lee Park Choi Jung Kang Cho Yoon Jang Lim Han Oh Seo Shin Kwon Hwang Ahn Song Ryu',
		       'Hong Jeon Ko Moon Yang Son Bae Baek Heo Nam'),
		given => w('Min-jun Seo-yeon Ji-hoon Ji-woo Hyun-woo Seung-min Eun-ji Soo-jin Young-ho Dong-hyun',
		           'Jae-won Sung-min Hye-jin Yoo-na Jin-woo Sang-hoon Kyung-soo Mi-kyung Ha-eun Do-yoon',
		           'Seo-jun Ye-jin Tae-yang Bo-ra Jun-ho Na-rae Hyun-soo Ji-min Su-bin Chang-min'),
	},
	vietnamese => {
		s => w('Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý'),
		mid_m => w('Văn Đức Minh Quốc Hữu Thanh Công'), mid_f => w('Thị Ngọc Thu Mai Thanh'),
		m => w('Anh Minh Hùng Dũng Nam Quang Sơn Tuấn Hải Long Khánh Phúc Thắng Việt'),
		f => w('Hoa Lan Linh Mai Phương Thảo Thu Trang Thúy Hương Hạnh Ngân'),
	},
	indian => {
		m => w('Rahul Amit Rajesh Suresh Vijay Sanjay Anil Sunil Ravi Arjun Vikram Rohit Deepak Manoj',
		       'Ashok Prakash Ramesh Arun Karthik Nikhil Aditya Harish Ajay Venkatesh Srinivas'),
		f => w('Priya Anjali Sunita Pooja Neha Kavita Deepa Lakshmi Meena Divya Shreya Anita Rekha Swati'),
		s => w('Sharma Patel Singh Kumar Gupta Reddy Iyer Nair Rao Mehta Shah Joshi Desai Verma Agarwal',
		       'Chopra Kapoor Malhotra Banerjee Chatterjee Mukherjee Das Bose Pillai Menon Krishnan Naidu'),
		mid => w('Kumar Prasad Lal Chandra Nath Kumari Devi'),
	},
	pakistani => {
		m => w('Muhammad Imran Asif Tariq Faisal Usman Bilal Kamran Shahid Naveed Zubair Waqas Adnan',
		       'Irfan Junaid Salman Fahad Hamza Kashif'),
		f => w('Ayesha Sana Hira Amna Saima Nadia Rabia Farah'),
		s => w('Khan Qureshi Siddiqui Chaudhry Malik Butt Mirza Hussain Raza Akhtar Iqbal Sheikh Ansari',
		       'Abbasi Rana Baig Javed Aslam Rehman'),
	},
	african => {
		m => w('Chinedu Emeka Oluwaseun Adebayo Tunde Babatunde Ifeanyi Obinna Kwame Kofi Yaw Kwabena',
		       'Kamau Otieno Njoroge Mwangi Kiprop Abebe Tesfaye Bekele Girma Tadesse Mulugeta Abdi',
		       'Abubakar Musa Sani Aliyu Yakubu Danjuma Moussa Mamadou Ousmane Ibrahima Sipho Thabo'),
		f => w('Ngozi Chiamaka Folake Yetunde Amaka Ama Akosua Abena Wanjiru Achieng Selam Meron',
		       'Hawa Fatoumata Aminata Nomvula Thandiwe Zanele'),
		s => w('Okafor Adeyemi Okonkwo Eze Nwosu Balogun Adewale Obi Ogunleye Olawale Mensah Asante',
		       'Owusu Boateng Appiah Kamau Otieno Odhiambo Kiplagat Haile Alemu Bekele Tadesse Warsame',
		       'Farah Jama Hirsi Osman Aden Bello Usman Yakubu Diallo Traoré Keita Coulibaly Ndlovu',
		       'Dlamini Nkosi Mokoena'),
	},
	turkish => {
		m => w('Mehmet Mustafa Ahmet Ali Hüseyin Hasan İbrahim Murat Emre Burak Can Kemal Osman Yusuf',
		       'Serkan Oğuz Hakan Erkan Volkan Cem'),
		f => w('Ayşe Fatma Emine Zeynep Elif Hatice Merve Esra Özlem Selin Gül Derya'),
		s => w('Yılmaz Kaya Demir Şahin Çelik Yıldız Yıldırım Öztürk Aydın Özdemir Arslan Doğan Kılıç',
		       'Aslan Çetin Kara Koç Kurt Özkan Şimşek Polat Korkmaz Aksoy Güneş Erdem Tekin Aktaş'),
	},
	german => {
		m => w('Hans Jürgen Klaus Peter Wolfgang Michael Thomas Stefan Andreas Frank Uwe Dieter Markus',
		       'Tobias Lukas Jonas Felix Maximilian Matthias Florian'),
		f => w('Ursula Monika Petra Sabine Claudia Katrin Julia Anna Lena Lea Hannah Sophie Birgit'),
		s => w('Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Koch Richter',
		       'Klein Wolf Schröder Neumann Schwarz Zimmermann Braun Krüger Hofmann Hartmann Lange Werner',
		       'Krause Lehmann Köhler Vogel Jäger Bauer'),
	},
	french => {
		m => w('Jean Pierre Michel Philippe Alain Nicolas Christophe Laurent François Julien Olivier',
		       'Sébastien Thierry Antoine Mathieu Jean-Pierre Jean-Marc Guillaume'),
		f => w('Marie Nathalie Isabelle Sylvie Catherine Sophie Céline Aurélie Camille Chloé Manon Élodie',
		       'Marie-Claire Hélène'),
		s => w('Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau Simon Laurent',
		       'Lefèvre Michel Garcia David Bertrand Roux Vincent Fournier Morel Girard André Mercier',
		       'Dupont Lambert Bonnet Legrand Rousseau Blanc Faure Chevalier'),
	},
	italian => {
		m => w('Giuseppe Giovanni Antonio Mario Francesco Luigi Marco Alessandro Andrea Paolo Salvatore'),
		f => w('Giulia Francesca Chiara Sara Valentina Alessandra Federica'),
		s => w('Rossi Russo Ferrari Esposito Bianchi Romano Colombo Ricci Marino Greco Bruno Gallo Conti',
		       'De_Luca Costa Giordano Mancini Rizzo Lombardi Moretti'),
	},
	japanese => {
		m => w('Hiroshi Takashi Kenji Yuki Haruto Sota Akira Daisuke Takumi Kazuki'),
		f => w('Yui Aoi Sakura Yuna Haruka Misaki Naomi'),
		s => w('Sato Suzuki Takahashi Tanaka Watanabe Ito Yamamoto Nakamura Kobayashi Kato Yoshida',
		       'Yamada Sasaki Matsumoto Inoue'),
	},
);
my @CULTURES = (
	[ anglo => 220 ], [ hispanic => 250 ], [ arabic => 320 ], [ persian => 170 ], [ slavic => 250 ],
	[ chinese => 200 ], [ korean => 130 ], [ vietnamese => 90 ], [ indian => 150 ],
	[ pakistani => 100 ], [ african => 170 ], [ turkish => 110 ], [ german => 90 ],
	[ french => 90 ], [ italian => 30 ], [ japanese => 30 ],
);

my %PATRONYMIC = (
	Aleksandr => 'Aleksandrov', Sergey => 'Sergeyev', Dmitry => 'Dmitriyev', Andrey => 'Andreyev',
	Alexey => 'Alekseyev', Ivan => 'Ivanov', Mikhail => 'Mikhaylov', Nikolay => 'Nikolayev',
	Vladimir => 'Vladimirov', Pavel => 'Pavlov', Igor => 'Igorev', Oleg => 'Olegov', Yuri => 'Yuryev',
	Viktor => 'Viktorov', Maxim => 'Maksimov', Boris => 'Borisov', Konstantin => 'Konstantinov',
	Anatoly => 'Anatolyev', Vasily => 'Vasilyev', Grigory => 'Grigoryev', Leonid => 'Leonidov',
	Anton => 'Antonov', Roman => 'Romanov', Vadim => 'Vadimov', Evgeny => 'Evgenyev',
);

sub u($s) { return $s =~ tr/_/ /r }

sub feminine_slavic($s) {
	return $s =~ /(?:ov|ev|in|yov)$/ ? "${s}a" : $s =~ s/(?:sky|skiy)$/skaya/r =~ s/ski$/ska/r;
}

sub person($culture) {
	my $c = $C{$culture};
	my $fem = chance(0.45);
	my $first = sub { u(pick(@{ $fem && $c->{f} ? $c->{f} : $c->{m} })) };
	my $sur = sub { u(pick(@{ $c->{s} })) };
	if ($culture eq 'hispanic') {
		my $r = pick_w([ 2 => 5 ], [ 1 => 3 ], [ 3 => 2 ]);
		return $first->() . ' ' . $sur->() if $r == 1;
		return $first->() . ' ' . $first->() . ' ' . $sur->() . ' ' . $sur->() if $r == 3;
		return $first->() . ' ' . $sur->() . ' ' . $sur->();
	}
	if ($culture eq 'arabic' || $culture eq 'pakistani') {
		my $f = $first->();
		my $father = u(pick(@{ $c->{m} }));
		my $r = pick_w([ two => 4 ], [ three => 4 ], [ bin => 1 ], [ four => 1 ]);
		return "$f " . $sur->() if $r eq 'two';
		return "$f $father " . $sur->() if $r eq 'three';
		return "$f " . ($fem ? 'bint' : pick('bin', 'ibn')) . " $father " . $sur->() if $r eq 'bin';
		return "$f $father " . u(pick(@{ $c->{m} })) . ' ' . $sur->();
	}
	if ($culture eq 'persian') {
		return $first->() . ' ' . $sur->() if chance(0.75);
		return $first->() . ' ' . $sur->() . '-' . $sur->() if chance(0.3);
		return $first->() . ' ' . u(pick(@{ $c->{m} })) . ' ' . $sur->();
	}
	if ($culture eq 'slavic') {
		my $f = $first->();
		my $s = $sur->();
		$s = feminine_slavic($s) if $fem;
		my $fa = pick(sort keys %PATRONYMIC);
		my $p = $PATRONYMIC{$fa} . ($fem ? 'na' : 'ich');
		$p =~ s/ovna$/ovna/;
		my $r = pick_w([ fl => 5 ], [ fpl => 4 ], [ lfp => 1 ]);
		return "$f $s" if $r eq 'fl' || $f =~ /^(?:Piotr|Tomasz|Krzysztof|Marek|Milan|Dragan|Katarzyna|Agnieszka|Jelena)$/;
		return "$f $p $s" if $r eq 'fpl';
		return "$s $f $p";
	}
	if ($culture eq 'chinese') {
		my $given = pick(@{ $c->{syl} });
		if (chance(0.6)) {
			my $b = lc pick(@{ $c->{syl} });
			$given = pick_w([ "$given$b" => 6 ], [ "$given-$b" => 2 ], [ "$given " . ucfirst($b) => 2 ]);
		}
		my $s = $sur->();
		return $first->() . " $s" if chance(0.1);
		return chance(0.5) ? "$s $given" : "$given $s";
	}
	if ($culture eq 'korean') {
		my $g = pick(@{ $c->{given} });
		$g = pick_w([ $g => 5 ], [ $g =~ s/-(\p{L})/\l$1/r => 3 ], [ $g =~ s/-(\p{L})/ \u$1/r => 2 ]);
		my $s = $sur->();
		return chance(0.5) ? "$s $g" : "$g $s";
	}
	if ($culture eq 'vietnamese') {
		my $m = pick(@{ $fem ? $c->{mid_f} : $c->{mid_m} });
		my $r = $sur->() . ($fem || chance(0.8) ? " $m " : ' ') . $first->();
		return chance(0.55) ? strip_accents($r) : $r;
	}
	if ($culture eq 'indian') {
		return $first->() . ' ' . u(pick(@{ $c->{mid} })) . ' ' . $sur->() if chance(0.3);
		return $first->() . ' ' . $sur->();
	}
	if ($culture eq 'anglo') {
		my $r = pick_w([ fl => 6 ], [ fml => 3 ], [ fil => 1 ]);
		return $first->() . ' ' . $sur->() if $r eq 'fl';
		return $first->() . ' ' . u(pick(@{ $c->{$fem ? 'f' : 'm'} })) . ' ' . $sur->() if $r eq 'fml';
		return $first->() . ' ' . chr(65 + rint(26)) . '. ' . $sur->();
	}
	if ($culture eq 'african') {
		return $first->() . ' ' . $first->() . ' ' . $sur->() if chance(0.2);
		return $first->() . ' ' . $sur->();
	}
	if ($culture eq 'german' || $culture eq 'french' || $culture eq 'italian') {
		return $first->() . ' ' . $first->() . ' ' . $sur->() if chance(0.15);
		return $first->() . ' ' . $sur->();
	}
	return $first->() . ' ' . $sur->();
}

# how a customer record may hold the name
sub person_surface($name, $culture) {
	if ($culture =~ /^(?:hispanic|turkish|german|french)$/ && chance(0.4)) {
		$name = strip_accents($name);
	}
	$name =~ s/ü/ue/g, $name =~ s/ö/oe/g, $name =~ s/ä/ae/g if $culture eq 'german' && chance(0.3);
	if (chance(0.06)) {     # "Last, First"
		my @t = split ' ', $name;
		$name = "$t[-1], " . join(' ', @t[0 .. $#t - 1]);
	}
	my $r = pick_w([ as => 75 ], [ up => 15 ], [ lo => 10 ]);
	return uc $name if $r eq 'up';
	return lc $name if $r eq 'lo';
	return $name;
}

# companies: region -> words and legal forms
my @DESCRIPTOR = @{ w(
	'Blue_Harbor Northern_Star Silver_Oak Green_Valley Red_Rock Summit Pinnacle Evergreen Horizon',
	'Meridian Atlas Apex Crescent Liberty Heritage Pioneer Sterling Cedar Maple Willow Riverbend',
	'Lakeside Bayview Coastal Highland Prairie Sunrise Sunset Polaris Orion Nova Vertex Keystone',
	'Cornerstone Bluewater Ironwood Stonebridge Oakridge Falcon Eagle Phoenix Harbor_Point Westfield',
	'Eastgate Southern_Cross Nordic Baltic Alpine Pacific Atlantic Continental United Royal Crown',
	'Imperial Prime First_Choice Bright_Path Clearwater Fairview Greenfield Brookside Hillcrest',
	'Riverside Silverline Goldline Redwood Whitestone Sapphire Emerald Ruby Onyx Jade Lotus Bamboo',
	'Golden_Dragon Jade_River Pearl_River Dragon_Gate Lucky_Star Al_Noor Al_Amal Al_Safa Dar_Al_Salam',
	'Anadolu Bosphorus Marmara Karadeniz Rhein Elbe Alster Bavaria Provence Lumière Seine Loire',
	'Iberia Andes Sierra_Madre Rio_Grande Amazonas Sahel Kilimanjaro Savanna Tigris Ural Volga',
	'Neva Taiga Himalaya Ganges Deccan Kerala Saigon Mekong Han_River Busan Fuji Sakura Kyoto',
	'Maple_Leaf Silver_Fern Southern_Star Blue_Sky Green_Leaf Tri-State Twin_Rivers Seven_Seas',
	'Three_Oaks Northwind Eastwind Westbrook Hudson Potomac Cascade Sequoia Aspen Juniper Magnolia',
) };
my @INDUSTRY = @{ w(
	'Logistics Timber Consulting Software Solutions Foods Textiles Engineering Construction',
	'Pharmaceuticals Electronics Motors Furniture Realty Properties Capital Partners Ventures',
	'Holdings Marine Energy Agro Farms Dairy Bakery Coffee Apparel Fashion Media Studios Travel',
	'Tours Hotels Catering Medical Dental_Care Clinic Labs Analytics Data_Systems Networks',
	'Telecom Security Freight Express Couriers Auto_Parts Steel Metals Plastics Packaging',
	'Printing Paper Glass Ceramics Jewelry Cosmetics Fitness Sports Toys Education Academy',
	'Insurance Finance Investments Import_Export Machinery Tools Solar Water Environmental_Services',
	'Cleaning_Services Staffing Legal_Services Accounting Architects Design Marketing Advertising',
	'Home_Improvement Landscaping Pet_Supplies Seafood Organics Wines Brewing Bakeries Outfitters',
) };
my @GENERIC = qw(Trading Shipping International Bank Group Industries);
my %REGION = (
	us => [ 'LLC', 'Inc.', 'Corp.', 'Co.', 'L.L.C.', 'Incorporated', 'Corporation', 'LLC', 'Inc', '' ],
	uk => [ 'Ltd', 'Limited', 'PLC', 'LLP', 'Ltd.', '' ],
	de => [ 'GmbH', 'AG', 'GmbH & Co. KG', 'KG', 'e.K.' ],
	fr => [ 'SARL', 'SAS', 'S.A.', 'SA' ],
	es => [ 'S.A.', 'S.L.', 'S.A. de C.V.', 'Ltda.', 'SA' ],
	it => [ 'S.r.l.', 'S.p.A.', 'SRL' ],
	nl => [ 'B.V.', 'N.V.', 'BV' ],
	nordic => [ 'AB', 'AS', 'A/S', 'Oy', 'ApS' ],
	pl => [ 'Sp. z o.o.', 'S.A.' ],
	ru => [ 'OOO', 'LLC', 'JSC', 'AO' ],
	tr => [ 'A.Ş.', 'Ltd. Şti.', 'Ltd. Sti.', 'San. ve Tic. A.Ş.' ],
	cn => [ 'Co., Ltd.', 'Co. Ltd', 'Limited', 'Company Limited' ],
	jp => [ 'K.K.', 'Co., Ltd.', 'Corporation' ],
	kr => [ 'Co., Ltd.', 'Corp.' ],
	in => [ 'Pvt Ltd', 'Private Limited', 'Pvt. Ltd.', 'Limited' ],
	ae => [ 'LLC', 'FZE', 'FZCO', 'FZ-LLC', 'L.L.C.' ],
	au => [ 'Pty Ltd', 'Pty. Ltd.' ],
);
my %LOCAL_INDUSTRY = (
	de => w('Maschinenbau Logistik Bau Handel Transporte Elektrotechnik Immobilien Werkzeugbau'),
	fr => w('Transports Bâtiment Distribution Conseil Boulangerie Immobilier Électricité'),
	es => w('Construcciones Transportes Distribuidora Inmobiliaria Alimentos Comercial Servicios'),
	it => w('Costruzioni Trasporti Alimentari Arredamenti Meccanica'),
	tr => w('İnşaat Tekstil Gıda Lojistik Otomotiv Turizm Mobilya'),
	nordic => w('Timber Bygg Transport Fisk Data Konsult'),
	pl => w('Budownictwo Transport Handel Meble'),
	ru => w('Stroy Trans Invest Servis Tekh Prom'),
);
my @REGIONS = (
	[ us => 30 ], [ uk => 12 ], [ de => 7 ], [ fr => 5 ], [ es => 7 ], [ it => 3 ], [ nl => 3 ],
	[ nordic => 4 ], [ pl => 2 ], [ ru => 4 ], [ tr => 4 ], [ cn => 7 ], [ jp => 2 ], [ kr => 2 ],
	[ in => 4 ], [ ae => 6 ], [ au => 3 ],
);
my %REGION_CULTURE = (
	us => 'anglo', uk => 'anglo', au => 'anglo', de => 'german', fr => 'french', es => 'hispanic',
	it => 'italian', ru => 'slavic', pl => 'slavic', tr => 'turkish', cn => 'chinese', kr => 'korean',
	jp => 'japanese', in => 'indian', ae => 'arabic', nl => 'german', nordic => 'anglo',
);

sub company() {
	my $reg = pick_w(@REGIONS);
	my $form = pick(@{ $REGION{$reg} });
	my $generic = chance(0.4);
	my $ind;
	if ($generic) {
		$ind = pick(@GENERIC);
		$ind = 'General Trading' if $ind eq 'Trading' && $reg eq 'ae' && chance(0.5);
		$ind = pick('Industries', 'Group', 'International') if $ind eq 'Bank' && chance(0.6);
		$ind = "Trading Group" if chance(0.05);
	} else {
		$ind = $LOCAL_INDUSTRY{$reg} && chance(0.5) ? u(pick(@{ $LOCAL_INDUSTRY{$reg} })) : u(pick(@INDUSTRY));
	}
	my $r = pick_w([ desc => 7 ], [ person => 2 ], [ two => 1 ]);
	my $name;
	if ($r eq 'desc') {
		$name = u(pick(@DESCRIPTOR)) . " $ind";
	} elsif ($r eq 'person') {
		my $cu = $C{ $REGION_CULTURE{$reg} };
		my $s = u(pick(@{ $cu->{s} }));
		$name = pick_w([ "$s $ind" => 4 ], [ "$s & Sons" => 1 ], [ "$s Brothers $ind" => 2 ],
			[ "$s & " . u(pick(@{ $cu->{s} })) . " $ind" => 1 ], [ "$s Partners" => 1 ]);
	} else {    # two
		# "Sunrise Logistics & Freight", "Atlas Steel & Trading"
		my $other = u(pick(@INDUSTRY));
		$other = u(pick(@INDUSTRY)) while $other eq $ind;
		$name = u(pick(@DESCRIPTOR)) . " $other & $ind";
	}
	$name .= ($form =~ /^(?:Inc|Ltd|Co|Corp)/ && chance(0.3) ? ', ' : ' ') . $form if length $form;
	my $k = pick_w([ as => 80 ], [ up => 15 ], [ lo => 5 ]);
	$name = uc $name if $k eq 'up';
	$name = lc $name if $k eq 'lo';
	my $has_generic = grep { my $g = $_; $name =~ /\b\Q$g\E\b/i } @GENERIC;
	return ($name, $has_generic ? 'company-generic' : 'company');
}

# the exclusion rule
my %excluded = (exact => 0, sdn_minus_one => 0, ext_exact => 0, ext_sdn_minus_one => 0, ext_neg_minus_one => 0);
my @excluded_examples;
sub excluded($q) {
	my @t = norm_tokens($q);
	my $k = lit_key(@t);
	return 'exact' if $lit0{$k};
	return 'sdn_minus_one' if $lit1{$k};
	my @e = ext_tokens(@t);
	my $ke = lit_key(@e);
	return 'ext_exact' if $ext0{$ke};
	return 'ext_sdn_minus_one' if @e >= 2 && $ext1{$ke};
	if (@e > 2) {
		for my $i (0 .. $#e) {
			return 'ext_neg_minus_one' if $ext0{ lit_key(@e[grep { $_ != $i } 0 .. $#e]) };
		}
	}
	return undef;
}

seed_rng($SEED + 1);
my (@neg, %neg_seen, %neg_kind);
sub add_negative($q, $kind) {
	return 0 if $neg_seen{ lc $q }++;
	if (my $why = excluded($q)) {
		$excluded{$why}++;
		push @excluded_examples, "$q ($why)" if @excluded_examples < 400;
		return 0;
	}
	push @neg, { query => $q, kind => $kind };
	$neg_kind{$kind}++;
	return 1;
}
for my $cw (@CULTURES) {
	my ($cu, $n) = @$cw;
	my $got = 0;
	my $tries = 0;
	while ($got < $n) {
		die "cannot build enough $cu names\n" if ++$tries > $n * 100;
		$got += add_negative(person_surface(person($cu), $cu), "person-$cu");
	}
}
my $got = 0;
my $tries = 0;
while ($got < $N_COMPANIES) {
	die "cannot build enough companies\n" if ++$tries > $N_COMPANIES * 100;
	$got += add_negative(company());
}
@neg = shuffled(@neg);

# ------------------------------------------------------------------------
# Write
# ------------------------------------------------------------------------
sub csv_field($v) {
	return $v if $v =~ /^[0-9A-Za-z_+\-]*$/;
	return '"' . ($v =~ s/"/""/gr) . '"';
}
sub write_csv($path, $header, $rows) {
	open my $fh, '>:encoding(UTF-8)', "$path.tmp" or die "$path: $!\n";
	print $fh join(',', @$header), "\n";
	for my $r (@$rows) {
		print $fh join(',', map { csv_field($_) } @$r), "\n";
	}
	close $fh or die "$path: $!\n";
	rename "$path.tmp", $path or die "$path: $!\n";
}
write_csv("$out/positives.csv", [qw(query expected_uid perturbation)],
	[ map { [ $_->{query}, $_->{uid}, $_->{types} ] } @pos ]);
write_csv("$out/negatives.csv", [qw(query kind)], [ map { [ $_->{query}, $_->{kind} ] } @neg ]);

# ------------------------------------------------------------------------
# Summary (Markdown, stdout)
# ------------------------------------------------------------------------
my (%only, %with, %by_kind, %by_n);
for my $p (@pos) {
	my @t = split /\+/, $p->{types};
	$by_n{ scalar @t }++;
	$with{$_}++ for @t;
	$only{ $t[0] }++ if @t == 1;
	$by_kind{ $p->{kind} . ($p->{alias} ? ' (alias)' : '') }++;
}
say "## Evaluation set (seed $SEED)";
say "";
say sprintf "Source: %s — %d entries (%s), %d aliases.", $ofac, scalar(keys %ent),
	join(', ', map { "$kind_count{$_} $_" } sort keys %kind_count), $n_alias;
say sprintf "Names shared by more than %d entities after normalisation (not sampled): %d of %d.",
	$MAX_SHARED, $n_ambiguous, scalar @sources;
say "";
say sprintf "### positives.csv: %d rows (%d with one perturbation, %d with two)", scalar @pos,
	$by_n{1} // 0, $by_n{2} // 0;
say "";
say "| perturbation | rows with it | alone | combined |";
say "|---|---:|---:|---:|";
for my $t (@ORDER) {
	next unless $with{$t};
	say sprintf "| %s | %d | %d | %d |", $t, $with{$t}, $only{$t} // 0, $with{$t} - ($only{$t} // 0);
}
say "";
say "| source | rows |";
say "|---|---:|";
say sprintf "| %s | %d |", $_, $by_kind{$_} for sort keys %by_kind;
say "";
say sprintf "### negatives.csv: %d rows", scalar @neg;
say "";
say "| kind | rows |";
say "|---|---:|";
say sprintf "| %s | %d |", $_, $neg_kind{$_} for sort keys %neg_kind;
say "";
my $lit = $excluded{exact} + $excluded{sdn_minus_one};
my $ext = $excluded{ext_exact} + $excluded{ext_sdn_minus_one} + $excluded{ext_neg_minus_one};
say sprintf "Candidates excluded: %d by the plain rule (%d equal to an SDN name, %d equal to one "
	. "with one token dropped), %d more by the extended rule (%d equal, %d equal to an SDN name "
	. "with one token dropped, %d equal to an SDN name after dropping one of their own tokens).",
	$lit, $excluded{exact}, $excluded{sdn_minus_one}, $ext, $excluded{ext_exact},
	$excluded{ext_sdn_minus_one}, $excluded{ext_neg_minus_one};

# how close the negatives come to the list: tokens shared with one SDN name
my (%tok_names, %all_tok);
for my $i (0 .. $#sources) {
	my %t = map { $_ => 1 } grep { length > 1 } ext_tokens(norm_tokens($sources[$i]{name}));
	push @{ $tok_names{$_} }, $i for sort keys %t;
}
my (%share, $all_known, $persons);
for my $n (@neg) {
	my @t = do { my %u = map { $_ => 1 } grep { length > 1 } ext_tokens(norm_tokens($n->{query})); sort keys %u };
	my %cnt;
	for my $t (@t) { $cnt{$_}++ for @{ $tok_names{$t} // [] } }
	my $max = 0;
	for (values %cnt) { $max = $_ if $_ > $max }
	$share{ $max >= 3 ? '3+' : $max }++;
	next unless $n->{kind} =~ /^person/;
	$persons++;
	$all_known++ unless grep { !$tok_names{$_} } @t;
}
say "";
say sprintf "Closeness to the list (after the extended normalisation): %s of the negatives share no token "
	. "with any single SDN name, %s share one, %s share two, %s share three or more; every token of %d of "
	. "the %d people's names occurs somewhere in the list.",
	map({ $share{$_} // 0 } 0, 1, 2, '3+'), $all_known, $persons;
if ($ENV{MAKE_EVAL_SHOW_EXCLUDED}) {
	say "";
	say "Excluded: $_" for @excluded_examples;
}
