#!/usr/bin/perl
# test/bench/screening/make_crossscript.pl — the cross-script part of the
# evaluation set: each entry of the UN Security Council consolidated list
# (XML as published) that has a name in its original script, as a pair
# (REFERENCE_NUMBER, Latin name, original-script name).  Writes CSV
# (ref,latin,original,script) to stdout.  Perl 5.36, core modules only.
#
#   perl make_crossscript.pl UN_consolidated.xml > crossscript_un.csv
#
# With --aliases (the held-out set, heldout/crossscript_un_alias.csv): the
# same original-script names paired with each of the entry's Latin aliases
# of quality Good or a.k.a. instead of its primary name (ref "REF/n").
#
#   perl make_crossscript.pl --aliases UN_consolidated.xml > heldout/crossscript_un_alias.csv
use strict;
use warnings;
use utf8;
use open qw(:std :encoding(UTF-8));

my $aliases = @ARGV && $ARGV[0] eq '--aliases' ? shift : 0;
my $file = shift or die "usage: $0 [--aliases] UN_consolidated.xml\n";
open my $fh, '<:encoding(UTF-8)', $file or die "$file: $!\n";
local $/;
my $xml = <$fh>;

sub field {
	my ($rec, $tag) = @_;
	return $rec =~ m{<$tag>([^<]*)</$tag>} ? $1 : '';
}
sub csv {
	my $s = shift;
	$s =~ s/"/""/g;
	return qq("$s");
}
sub unescape {
	my $s = shift;
	$s =~ s/&amp;/&/g; $s =~ s/&lt;/</g; $s =~ s/&gt;/>/g; $s =~ s/&quot;/"/g; $s =~ s/&apos;/'/g;
	$s =~ s/\s+/ /g; $s =~ s/^ //; $s =~ s/ $//;
	return $s;
}
print "ref,latin,original,script\n";
while ($xml =~ m{<(INDIVIDUAL|ENTITY)>(.*?)</\1>}sg) {
	my $rec = $2;
	my $orig = unescape(field($rec, 'NAME_ORIGINAL_SCRIPT'));
	next if $orig eq '';
	my $latin = unescape(join ' ', grep { $_ ne '' } map { field($rec, $_) }
		qw(FIRST_NAME SECOND_NAME THIRD_NAME FOURTH_NAME));
	next if $latin eq '';
	my $script = $orig =~ /\p{Arabic}/ ? 'arabic' : $orig =~ /\p{Cyrillic}/ ? 'cyrillic'
		: $orig =~ /\p{Han}/ ? 'chinese' : $orig =~ /\p{Hangul}/ ? 'korean' : 'other';
	next if $script eq 'other';
	my $ref = field($rec, 'REFERENCE_NUMBER');
	if ($aliases) {
		my ($n, %seen) = (0, (lc $latin => 1));
		while ($rec =~ m{<QUALITY>(Good|a\.k\.a\.)</QUALITY>\s*<ALIAS_NAME>([^<]*)</ALIAS_NAME>}g) {
			my $alias = unescape($2);
			next if $alias eq '' || $alias =~ /[^\p{Latin}\p{Common}\p{Inherited}]/ || $seen{ lc $alias }++;
			print join(',', csv("$ref/" . ++$n), csv($alias), csv($orig), $script), "\n";
		}
		next;
	}
	print join(',', csv($ref), csv($latin), csv($orig), $script), "\n";
}
