/*-------------------------------------------------------------------------
 *
 * countries.c
 *	  Countries as ISO 3166-1 alpha-2 codes, for every sanctions list
 *	  loader and for the country of a party: the 249 officially assigned
 *	  codes and XK (Kosovo, the user-assigned code the EU, the UK and
 *	  OpenSanctions use), and the names that map to them.
 *
 * The names: each country's short name, official name and common name as
 * Debian's iso-codes (iso_3166-1.json) gives them, plus the names the
 * lists write that are none of those (OFAC's "Korea, North", "Burma",
 * "Region: Crimea"; the UN's "Democratic Republic of the Congo",
 * "Türkiye", "State of Palestine").  A name is looked up by its key:
 * ASCII letters and digits lower-cased, every other run of bytes one
 * space, trimmed ("Côte d'Ivoire" is "c te d ivoire"; the table holds
 * the key of the accented name and of its unaccented spelling).  The
 * words the lists write for no country ("undetermined", "unknown", "na",
 * "n/a", "none", "not available", "not known") map to "": left out
 * silently.  A name the table does not know ("Region: Kafia Kingi",
 * "former Soviet Union") maps to no code: the loaders leave it out and
 * say so (sanctions_load.c's NOTICE).
 *
 * No state, no locks: two constant tables searched by bisection.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "countries.h"

typedef struct CountryName
{
	const char *key;			/* see the header comment */
	const char *code;
} CountryName;

/* sorted by key (strcmp) */
static const CountryName country_names[] = {
	{"afghanistan", "AF"},
	{"aland islands", "AX"},
	{"albania", "AL"},
	{"algeria", "DZ"},
	{"american samoa", "AS"},
	{"andorra", "AD"},
	{"angola", "AO"},
	{"anguilla", "AI"},
	{"antarctica", "AQ"},
	{"antigua and barbuda", "AG"},
	{"arab republic of egypt", "EG"},
	{"argentina", "AR"},
	{"argentine republic", "AR"},
	{"armenia", "AM"},
	{"aruba", "AW"},
	{"australia", "AU"},
	{"austria", "AT"},
	{"azerbaijan", "AZ"},
	{"bahamas", "BS"},
	{"bahamas the", "BS"},
	{"bahrain", "BH"},
	{"bangladesh", "BD"},
	{"barbados", "BB"},
	{"belarus", "BY"},
	{"belgium", "BE"},
	{"belize", "BZ"},
	{"benin", "BJ"},
	{"bermuda", "BM"},
	{"bhutan", "BT"},
	{"bolivarian republic of venezuela", "VE"},
	{"bolivia", "BO"},
	{"bolivia plurinational state of", "BO"},
	{"bonaire sint eustatius and saba", "BQ"},
	{"bosnia and herzegovina", "BA"},
	{"botswana", "BW"},
	{"bouvet island", "BV"},
	{"brazil", "BR"},
	{"british indian ocean territory", "IO"},
	{"british virgin islands", "VG"},
	{"brunei", "BN"},
	{"brunei darussalam", "BN"},
	{"bulgaria", "BG"},
	{"burkina faso", "BF"},
	{"burma", "MM"},
	{"burundi", "BI"},
	{"c te d ivoire", "CI"},
	{"cabo verde", "CV"},
	{"cambodia", "KH"},
	{"cameroon", "CM"},
	{"canada", "CA"},
	{"cape verde", "CV"},
	{"cayman islands", "KY"},
	{"central african republic", "CF"},
	{"chad", "TD"},
	{"chile", "CL"},
	{"china", "CN"},
	{"china hong kong special administrative region", "HK"},
	{"china macao special administrative region", "MO"},
	{"christmas island", "CX"},
	{"cocos keeling islands", "CC"},
	{"colombia", "CO"},
	{"commonwealth of dominica", "DM"},
	{"commonwealth of the bahamas", "BS"},
	{"commonwealth of the northern mariana islands", "MP"},
	{"comoros", "KM"},
	{"congo", "CG"},
	{"congo democratic republic of the", "CD"},
	{"congo republic of the", "CG"},
	{"congo the democratic republic of the", "CD"},
	{"cook islands", "CK"},
	{"costa rica", "CR"},
	{"cote d ivoire", "CI"},
	{"crimea", "UA"},
	{"croatia", "HR"},
	{"cuba", "CU"},
	{"cura ao", "CW"},
	{"curacao", "CW"},
	{"cyprus", "CY"},
	{"czech republic", "CZ"},
	{"czechia", "CZ"},
	{"democratic people s republic of korea", "KP"},
	{"democratic republic of sao tome and principe", "ST"},
	{"democratic republic of the congo", "CD"},
	{"democratic republic of timor leste", "TL"},
	{"democratic socialist republic of sri lanka", "LK"},
	{"denmark", "DK"},
	{"djibouti", "DJ"},
	{"dominica", "DM"},
	{"dominican republic", "DO"},
	{"east timor", "TL"},
	{"eastern republic of uruguay", "UY"},
	{"ecuador", "EC"},
	{"egypt", "EG"},
	{"el salvador", "SV"},
	{"equatorial guinea", "GQ"},
	{"eritrea", "ER"},
	{"estonia", "EE"},
	{"eswatini", "SZ"},
	{"ethiopia", "ET"},
	{"falkland islands malvinas", "FK"},
	{"faroe islands", "FO"},
	{"federal democratic republic of ethiopia", "ET"},
	{"federal democratic republic of nepal", "NP"},
	{"federal republic of germany", "DE"},
	{"federal republic of nigeria", "NG"},
	{"federal republic of somalia", "SO"},
	{"federated states of micronesia", "FM"},
	{"federative republic of brazil", "BR"},
	{"fiji", "FJ"},
	{"finland", "FI"},
	{"france", "FR"},
	{"french guiana", "GF"},
	{"french polynesia", "PF"},
	{"french republic", "FR"},
	{"french southern territories", "TF"},
	{"gabon", "GA"},
	{"gabonese republic", "GA"},
	{"gambia", "GM"},
	{"gambia the", "GM"},
	{"gaza", "PS"},
	{"georgia", "GE"},
	{"germany", "DE"},
	{"ghana", "GH"},
	{"gibraltar", "GI"},
	{"grand duchy of luxembourg", "LU"},
	{"great britain", "GB"},
	{"greece", "GR"},
	{"greenland", "GL"},
	{"grenada", "GD"},
	{"guadeloupe", "GP"},
	{"guam", "GU"},
	{"guatemala", "GT"},
	{"guernsey", "GG"},
	{"guinea", "GN"},
	{"guinea bissau", "GW"},
	{"guyana", "GY"},
	{"haiti", "HT"},
	{"hashemite kingdom of jordan", "JO"},
	{"heard island and mcdonald islands", "HM"},
	{"hellenic republic", "GR"},
	{"holy see", "VA"},
	{"holy see vatican city state", "VA"},
	{"honduras", "HN"},
	{"hong kong", "HK"},
	{"hong kong special administrative region of china", "HK"},
	{"hungary", "HU"},
	{"iceland", "IS"},
	{"independent state of papua new guinea", "PG"},
	{"independent state of samoa", "WS"},
	{"india", "IN"},
	{"indonesia", "ID"},
	{"iran", "IR"},
	{"iran islamic republic of", "IR"},
	{"iraq", "IQ"},
	{"ireland", "IE"},
	{"islamic republic of afghanistan", "AF"},
	{"islamic republic of iran", "IR"},
	{"islamic republic of mauritania", "MR"},
	{"islamic republic of pakistan", "PK"},
	{"isle of man", "IM"},
	{"israel", "IL"},
	{"italian republic", "IT"},
	{"italy", "IT"},
	{"ivory coast", "CI"},
	{"jamaica", "JM"},
	{"japan", "JP"},
	{"jersey", "JE"},
	{"jordan", "JO"},
	{"kazakhstan", "KZ"},
	{"kenya", "KE"},
	{"kingdom of bahrain", "BH"},
	{"kingdom of belgium", "BE"},
	{"kingdom of bhutan", "BT"},
	{"kingdom of cambodia", "KH"},
	{"kingdom of denmark", "DK"},
	{"kingdom of eswatini", "SZ"},
	{"kingdom of lesotho", "LS"},
	{"kingdom of morocco", "MA"},
	{"kingdom of norway", "NO"},
	{"kingdom of saudi arabia", "SA"},
	{"kingdom of spain", "ES"},
	{"kingdom of sweden", "SE"},
	{"kingdom of thailand", "TH"},
	{"kingdom of the netherlands", "NL"},
	{"kingdom of tonga", "TO"},
	{"kiribati", "KI"},
	{"korea democratic people s republic of", "KP"},
	{"korea north", "KP"},
	{"korea republic of", "KR"},
	{"korea south", "KR"},
	{"kosovo", "XK"},
	{"kuwait", "KW"},
	{"kyrgyz republic", "KG"},
	{"kyrgyzstan", "KG"},
	{"land islands", "AX"},
	{"lao people s democratic republic", "LA"},
	{"laos", "LA"},
	{"latvia", "LV"},
	{"lebanese republic", "LB"},
	{"lebanon", "LB"},
	{"lesotho", "LS"},
	{"liberia", "LR"},
	{"libya", "LY"},
	{"liechtenstein", "LI"},
	{"lithuania", "LT"},
	{"luxembourg", "LU"},
	{"macao", "MO"},
	{"macao special administrative region of china", "MO"},
	{"macau", "MO"},
	{"macedonia", "MK"},
	{"madagascar", "MG"},
	{"malawi", "MW"},
	{"malaysia", "MY"},
	{"maldives", "MV"},
	{"mali", "ML"},
	{"malta", "MT"},
	{"man isle of", "IM"},
	{"marshall islands", "MH"},
	{"martinique", "MQ"},
	{"mauritania", "MR"},
	{"mauritius", "MU"},
	{"mayotte", "YT"},
	{"mexico", "MX"},
	{"micronesia federated states of", "FM"},
	{"moldova", "MD"},
	{"moldova republic of", "MD"},
	{"monaco", "MC"},
	{"mongolia", "MN"},
	{"montenegro", "ME"},
	{"montserrat", "MS"},
	{"morocco", "MA"},
	{"mozambique", "MZ"},
	{"myanmar", "MM"},
	{"n a", ""},
	{"na", ""},
	{"namibia", "NA"},
	{"nauru", "NR"},
	{"nepal", "NP"},
	{"netherlands", "NL"},
	{"netherlands the", "NL"},
	{"new caledonia", "NC"},
	{"new zealand", "NZ"},
	{"nicaragua", "NI"},
	{"niger", "NE"},
	{"nigeria", "NG"},
	{"niue", "NU"},
	{"none", ""},
	{"norfolk island", "NF"},
	{"north korea", "KP"},
	{"north macedonia", "MK"},
	{"north macedonia the republic of", "MK"},
	{"northern mariana islands", "MP"},
	{"norway", "NO"},
	{"not available", ""},
	{"not known", ""},
	{"oman", "OM"},
	{"pakistan", "PK"},
	{"palau", "PW"},
	{"palestine", "PS"},
	{"palestine state of", "PS"},
	{"palestinian", "PS"},
	{"panama", "PA"},
	{"papua new guinea", "PG"},
	{"paraguay", "PY"},
	{"people s democratic republic of algeria", "DZ"},
	{"people s republic of bangladesh", "BD"},
	{"people s republic of china", "CN"},
	{"peru", "PE"},
	{"philippines", "PH"},
	{"pitcairn", "PN"},
	{"plurinational state of bolivia", "BO"},
	{"poland", "PL"},
	{"portugal", "PT"},
	{"portuguese republic", "PT"},
	{"principality of andorra", "AD"},
	{"principality of liechtenstein", "LI"},
	{"principality of monaco", "MC"},
	{"puerto rico", "PR"},
	{"qatar", "QA"},
	{"r union", "RE"},
	{"region crimea", "UA"},
	{"region gaza", "PS"},
	{"region northern mali", "ML"},
	{"region west bank", "PS"},
	{"republic of albania", "AL"},
	{"republic of angola", "AO"},
	{"republic of armenia", "AM"},
	{"republic of austria", "AT"},
	{"republic of azerbaijan", "AZ"},
	{"republic of belarus", "BY"},
	{"republic of benin", "BJ"},
	{"republic of bosnia and herzegovina", "BA"},
	{"republic of botswana", "BW"},
	{"republic of bulgaria", "BG"},
	{"republic of burundi", "BI"},
	{"republic of c te d ivoire", "CI"},
	{"republic of cabo verde", "CV"},
	{"republic of cameroon", "CM"},
	{"republic of chad", "TD"},
	{"republic of chile", "CL"},
	{"republic of colombia", "CO"},
	{"republic of costa rica", "CR"},
	{"republic of cote d ivoire", "CI"},
	{"republic of croatia", "HR"},
	{"republic of cuba", "CU"},
	{"republic of cyprus", "CY"},
	{"republic of djibouti", "DJ"},
	{"republic of ecuador", "EC"},
	{"republic of el salvador", "SV"},
	{"republic of equatorial guinea", "GQ"},
	{"republic of estonia", "EE"},
	{"republic of fiji", "FJ"},
	{"republic of finland", "FI"},
	{"republic of ghana", "GH"},
	{"republic of guatemala", "GT"},
	{"republic of guinea", "GN"},
	{"republic of guinea bissau", "GW"},
	{"republic of guyana", "GY"},
	{"republic of haiti", "HT"},
	{"republic of honduras", "HN"},
	{"republic of iceland", "IS"},
	{"republic of india", "IN"},
	{"republic of indonesia", "ID"},
	{"republic of iraq", "IQ"},
	{"republic of kazakhstan", "KZ"},
	{"republic of kenya", "KE"},
	{"republic of kiribati", "KI"},
	{"republic of korea", "KR"},
	{"republic of latvia", "LV"},
	{"republic of liberia", "LR"},
	{"republic of lithuania", "LT"},
	{"republic of madagascar", "MG"},
	{"republic of malawi", "MW"},
	{"republic of maldives", "MV"},
	{"republic of mali", "ML"},
	{"republic of malta", "MT"},
	{"republic of mauritius", "MU"},
	{"republic of moldova", "MD"},
	{"republic of mozambique", "MZ"},
	{"republic of myanmar", "MM"},
	{"republic of namibia", "NA"},
	{"republic of nauru", "NR"},
	{"republic of nicaragua", "NI"},
	{"republic of north macedonia", "MK"},
	{"republic of palau", "PW"},
	{"republic of panama", "PA"},
	{"republic of paraguay", "PY"},
	{"republic of peru", "PE"},
	{"republic of poland", "PL"},
	{"republic of san marino", "SM"},
	{"republic of senegal", "SN"},
	{"republic of serbia", "RS"},
	{"republic of seychelles", "SC"},
	{"republic of sierra leone", "SL"},
	{"republic of singapore", "SG"},
	{"republic of slovenia", "SI"},
	{"republic of south africa", "ZA"},
	{"republic of south sudan", "SS"},
	{"republic of suriname", "SR"},
	{"republic of t rkiye", "TR"},
	{"republic of tajikistan", "TJ"},
	{"republic of the congo", "CG"},
	{"republic of the gambia", "GM"},
	{"republic of the marshall islands", "MH"},
	{"republic of the niger", "NE"},
	{"republic of the philippines", "PH"},
	{"republic of the sudan", "SD"},
	{"republic of trinidad and tobago", "TT"},
	{"republic of tunisia", "TN"},
	{"republic of turkiye", "TR"},
	{"republic of uganda", "UG"},
	{"republic of uzbekistan", "UZ"},
	{"republic of vanuatu", "VU"},
	{"republic of yemen", "YE"},
	{"republic of zambia", "ZM"},
	{"republic of zimbabwe", "ZW"},
	{"reunion", "RE"},
	{"romania", "RO"},
	{"russia", "RU"},
	{"russian federation", "RU"},
	{"rwanda", "RW"},
	{"rwandese republic", "RW"},
	{"saint barth lemy", "BL"},
	{"saint barthelemy", "BL"},
	{"saint helena ascension and tristan da cunha", "SH"},
	{"saint kitts and nevis", "KN"},
	{"saint lucia", "LC"},
	{"saint martin french part", "MF"},
	{"saint pierre and miquelon", "PM"},
	{"saint vincent and the grenadines", "VC"},
	{"samoa", "WS"},
	{"san marino", "SM"},
	{"sao tome and principe", "ST"},
	{"saudi arabia", "SA"},
	{"senegal", "SN"},
	{"serbia", "RS"},
	{"seychelles", "SC"},
	{"sierra leone", "SL"},
	{"singapore", "SG"},
	{"sint maarten dutch part", "SX"},
	{"slovak republic", "SK"},
	{"slovakia", "SK"},
	{"slovenia", "SI"},
	{"socialist republic of viet nam", "VN"},
	{"solomon islands", "SB"},
	{"somalia", "SO"},
	{"south africa", "ZA"},
	{"south georgia and the south sandwich islands", "GS"},
	{"south korea", "KR"},
	{"south sudan", "SS"},
	{"spain", "ES"},
	{"sri lanka", "LK"},
	{"st kitts and nevis", "KN"},
	{"st lucia", "LC"},
	{"st vincent and the grenadines", "VC"},
	{"state of israel", "IL"},
	{"state of kuwait", "KW"},
	{"state of palestine", "PS"},
	{"state of qatar", "QA"},
	{"sudan", "SD"},
	{"sultanate of oman", "OM"},
	{"suriname", "SR"},
	{"svalbard and jan mayen", "SJ"},
	{"swaziland", "SZ"},
	{"sweden", "SE"},
	{"swiss confederation", "CH"},
	{"switzerland", "CH"},
	{"syria", "SY"},
	{"syrian arab republic", "SY"},
	{"t rkiye", "TR"},
	{"taiwan", "TW"},
	{"taiwan province of china", "TW"},
	{"tajikistan", "TJ"},
	{"tanzania", "TZ"},
	{"tanzania united republic of", "TZ"},
	{"thailand", "TH"},
	{"the gambia", "GM"},
	{"the netherlands", "NL"},
	{"the state of eritrea", "ER"},
	{"the state of palestine", "PS"},
	{"timor leste", "TL"},
	{"togo", "TG"},
	{"togolese republic", "TG"},
	{"tokelau", "TK"},
	{"tonga", "TO"},
	{"trinidad and tobago", "TT"},
	{"tunisia", "TN"},
	{"turkey", "TR"},
	{"turkiye", "TR"},
	{"turkmenistan", "TM"},
	{"turks and caicos islands", "TC"},
	{"tuvalu", "TV"},
	{"uae", "AE"},
	{"uganda", "UG"},
	{"uk", "GB"},
	{"ukraine", "UA"},
	{"undetermined", ""},
	{"union of the comoros", "KM"},
	{"united arab emirates", "AE"},
	{"united kingdom", "GB"},
	{"united kingdom of great britain and northern ireland", "GB"},
	{"united mexican states", "MX"},
	{"united republic of tanzania", "TZ"},
	{"united states", "US"},
	{"united states minor outlying islands", "UM"},
	{"united states of america", "US"},
	{"unknown", ""},
	{"uruguay", "UY"},
	{"usa", "US"},
	{"uzbekistan", "UZ"},
	{"vanuatu", "VU"},
	{"vatican city", "VA"},
	{"venezuela", "VE"},
	{"venezuela bolivarian republic of", "VE"},
	{"viet nam", "VN"},
	{"vietnam", "VN"},
	{"virgin islands british", "VG"},
	{"virgin islands of the united states", "VI"},
	{"virgin islands u s", "VI"},
	{"wallis and futuna", "WF"},
	{"west bank", "PS"},
	{"western sahara", "EH"},
	{"yemen", "YE"},
	{"zambia", "ZM"},
	{"zimbabwe", "ZW"},
};

static const char country_codes[][3] = {
	"AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT",
	"AU", "AW", "AX", "AZ", "BA", "BB", "BD", "BE", "BF", "BG", "BH", "BI",
	"BJ", "BL", "BM", "BN", "BO", "BQ", "BR", "BS", "BT", "BV", "BW", "BY",
	"BZ", "CA", "CC", "CD", "CF", "CG", "CH", "CI", "CK", "CL", "CM", "CN",
	"CO", "CR", "CU", "CV", "CW", "CX", "CY", "CZ", "DE", "DJ", "DK", "DM",
	"DO", "DZ", "EC", "EE", "EG", "EH", "ER", "ES", "ET", "FI", "FJ", "FK",
	"FM", "FO", "FR", "GA", "GB", "GD", "GE", "GF", "GG", "GH", "GI", "GL",
	"GM", "GN", "GP", "GQ", "GR", "GS", "GT", "GU", "GW", "GY", "HK", "HM",
	"HN", "HR", "HT", "HU", "ID", "IE", "IL", "IM", "IN", "IO", "IQ", "IR",
	"IS", "IT", "JE", "JM", "JO", "JP", "KE", "KG", "KH", "KI", "KM", "KN",
	"KP", "KR", "KW", "KY", "KZ", "LA", "LB", "LC", "LI", "LK", "LR", "LS",
	"LT", "LU", "LV", "LY", "MA", "MC", "MD", "ME", "MF", "MG", "MH", "MK",
	"ML", "MM", "MN", "MO", "MP", "MQ", "MR", "MS", "MT", "MU", "MV", "MW",
	"MX", "MY", "MZ", "NA", "NC", "NE", "NF", "NG", "NI", "NL", "NO", "NP",
	"NR", "NU", "NZ", "OM", "PA", "PE", "PF", "PG", "PH", "PK", "PL", "PM",
	"PN", "PR", "PS", "PT", "PW", "PY", "QA", "RE", "RO", "RS", "RU", "RW",
	"SA", "SB", "SC", "SD", "SE", "SG", "SH", "SI", "SJ", "SK", "SL", "SM",
	"SN", "SO", "SR", "SS", "ST", "SV", "SX", "SY", "SZ", "TC", "TD", "TF",
	"TG", "TH", "TJ", "TK", "TL", "TM", "TN", "TO", "TR", "TT", "TV", "TW",
	"TZ", "UA", "UG", "UM", "US", "UY", "UZ", "VA", "VC", "VE", "VG", "VI",
	"VN", "VU", "WF", "WS", "XK", "YE", "YT", "ZA", "ZM", "ZW",
};

/* the code of country_codes equal to code (upper case); NULL if none */
static const char *
find_code(const char *code)
{
	int			lo = 0,
				hi = lengthof(country_codes) - 1;

	while (lo <= hi)
	{
		int			mid = (lo + hi) / 2;
		int			c = strcmp(code, country_codes[mid]);

		if (c == 0)
			return country_codes[mid];
		if (c < 0)
			hi = mid - 1;
		else
			lo = mid + 1;
	}
	return NULL;
}

const char *
ft_country_alpha2(const char *code)
{
	char		up[3];

	if (code == NULL || strlen(code) != 2)
		return NULL;
	up[0] = pg_ascii_toupper((unsigned char) code[0]);
	up[1] = pg_ascii_toupper((unsigned char) code[1]);
	up[2] = '\0';
	return find_code(up);
}

const char *
ft_country_code(const char *name, bool codes)
{
	char		key[128];
	int			len = 0;
	bool		space = false;
	const char *found = NULL;
	int			lo = 0,
				hi = lengthof(country_names) - 1;

	if (name == NULL)
		return NULL;

	/*
	 * a code: "ru", "RU" (FollowTheMoney writes lower case); not where the
	 * list writes names (the UN's nationality "na" is "not available")
	 */
	if (codes && (found = ft_country_alpha2(name)) != NULL)
		return found;

	for (const unsigned char *c = (const unsigned char *) name; *c; c++)
	{
		if (len >= (int) sizeof(key) - 2)
			return NULL;		/* longer than any name of the table */
		if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9'))
		{
			key[len++] = pg_ascii_tolower(*c);
			space = false;
		}
		else if (!space && len > 0)
		{
			key[len++] = ' ';
			space = true;
		}
		else
			space = true;
	}
	if (len > 0 && key[len - 1] == ' ')
		len--;
	key[len] = '\0';

	while (lo <= hi)
	{
		int			mid = (lo + hi) / 2;
		int			c = strcmp(key, country_names[mid].key);

		if (c == 0)
			return country_names[mid].code;
		if (c < 0)
			hi = mid - 1;
		else
			lo = mid + 1;
	}
	return NULL;
}

const char *
ft_country_arg(const char *value, const char *what)
{
	const char *code = ft_country_alpha2(value);

	if (code == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s \"%s\" is not an ISO 3166-1 alpha-2 country code", what, value),
				 errhint("Give the two-letter code, e.g. 'DE' or 'us' (stored in upper case).")));
	return code;
}
