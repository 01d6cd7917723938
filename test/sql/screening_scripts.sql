-- screening_scripts: the cross-script rules of sessions 10 to 13 (issue
-- 19), one class at a time: Korean romanisations (Korean keys),
-- Arabic-script compounds, articles and letters (and the Persian
-- zero-width non-joiner), the Persian ezafe and a
-- parenthesised acronym, Thai by RTGS and Thai keys, kana's long vowels, Cyrillic keys, Greek keys, the Hebrew tsade,
-- (session 15) the Hebrew final bet, kana's oo; (session 18) the Hebrew key;
-- (session 19) a vowelless last word of a name in Arabic or Hebrew letters,
-- the Latin gh as qaf, a query in Hebrew letters against Latin names;
-- (session 20) shin read as sin, the Arabic article before two letters;
-- (session 21) a Latin s as zayin, Thai พร and พรหม; (session 22) Thai ร
-- silent after ส ศ ษ ซ and a preposed vowel, Thai queries of several words
-- found by a third of their trigrams, the Hebrew final -ya, ghayn as g,
-- Thai ง closing, skeletons two consonants apart.  Two hand-made lists: XL
-- holds each name in Latin
-- letters, XO the same entity's name in its own script; a query in one
-- script must find the entity of the list in the other (each row below
-- names its list), and a case each rule must leave alone does not match.
-- A database of its own, so that the scores (rarity weights depend on
-- every loaded list) do not depend on what other tests loaded.
\set VERBOSITY default
SELECT current_database() AS original_db \gset
CREATE DATABASE fintech_screening_scripts;
\c fintech_screening_scripts
SET client_min_messages = warning;
CREATE EXTENSION fintech CASCADE;
RESET client_min_messages;
CREATE FUNCTION sdn(names text[]) RETURNS text LANGUAGE sql AS $$
  SELECT string_agg(format('%s,"%s",individual,"XS",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ', i, n),
                    E'\r\n' ORDER BY i) || E'\r\n'
    FROM unnest(names) WITH ORDINALITY AS u(n, i)
$$;
SELECT fintech.load_sanctions_ofac(sdn(ARRAY[
  'PARK, Geun-hye', 'MOON, Jae-in', 'YOON, Suk-yeol', 'MATIULLAH', 'SADUDDIN SAYYED',
  'MOHAMMED SALAHALDIN ZIDANE', 'RAMZI MOHAMED BINALSHIBH', 'ASBAT AL-ANSAR',
  'MATI UR-REHMAN ALI MUHAMMAD', 'TEHRIK-E TALIBAN PAKISTAN (TTP)', 'OMAR MAHMOUD UTHMAN',
  'TARIQ GIDAR GROUP', 'AL MOUAKAOUNE BIDDAM', 'CHAN-O-CHA, Prayut', 'MOHAMMADULLAH',
  'GUNN, Parker', 'WONGSAWAT, Somchai', 'THUEAKSUBAN, Suthep', 'KITTIKHACHON, Thanom',
  'WEIZMAN, Ezer', 'LEEKPAI, Chuan', 'CHOONHAVAN, Chatichai', 'ADULYADEJ, Bhumibol',
  'ROH, Moo-hyun', 'AHN, Cheol-soo', 'SHINAWATRA, Thaksin', 'KHAMENEI, Mojtaba',
  'SATO, Eisaku', 'INOUE, Kaoru', 'PANYARACHUN, Anand',
  'HAN, Kwang Pyok', 'HAN, Myong Gon', 'HAN, Chang Ryol', 'HAN, Tae Bong', 'HAN, Hyok Nam',
  'HAN, Pyong Man', 'JURAEV, Bakhtiyor', 'KIM, Woo-choong', 'KIM, Hee-sun',
  'OH, Keo-don', 'LAMBRAKIS, Dinos', 'HADJIGEORGIOU, Demetris',
  'KOUTSOYANNIS, Yannis', 'SIRIVADHANABHAKDI, Charoen', 'KO LANTA', 'CHART THAI',
  'REGEV, Miri', 'OE, Kenzaburo']),
  list => 'XL') AS latin;
SELECT fintech.load_sanctions_ofac(sdn(ARRAY[
  '박근혜', '문재인', '윤석열', 'مطيع الله', 'سعد الدين سيد',
  'محمد صلاح الدين زيدان', 'رمزي محمد بن الشيبة', 'عصبة الأنصار',
  'مطیع الرحمن علی محمد', 'تحریک طالبان پاکستان', 'عمر محمود عثمان',
  'طارق گیدڑ گروپ', 'الموقعون بالدم', 'ประยุทธ์ จันทร์โอชา', 'สมชาย วงศ์สวัสดิ์',
  'สุเทพ เทือกสุบรรณ', 'ถนอม กิตติขจร', 'עזר ויצמן', 'ชวน หลีกภัย', 'ชาติชาย ชุณหะวัณ',
  '노무현', '안철수', 'ทักษิณ ชินวัตร', 'مجتبی خامنه‌ای', 'さとう えいさく',
  'いのうえ かおる', 'อานันท์ ปันยารชุน', '한덕수',
  'Бахтиёр Джураев', '김우중', '김희선', '오거돈', 'Ντίνος Λαμπράκης', 'Δημήτρης Χατζηγεωργίου',
  'Γιάννης Κουτσογιάννης', 'เจริญ สิริวัฒนภักดี', 'เกาะลันตา', 'ชาติไทย', 'เกาะช้าง',
  'מירי רגב', 'おおえ けんざぶろう']),
  list => 'XO') AS original;

CREATE FUNCTION hits(q text, min real DEFAULT 0.85)
RETURNS TABLE(list text, source_uid text, matched_name text, score numeric)
LANGUAGE sql AS $$
  SELECT list, source_uid, matched_name, round(score::numeric, 3)
    FROM fintech.screen_name(q, min, 3)
$$;

-- ====================================================================
-- Korean: a pair where one side is written in Hangul also meets by the
-- tokens' Korean keys (g/k, eo/o/u, oo/u, ...), less 0.05
-- ====================================================================
SELECT * FROM hits('박근혜');                 -- Park Geun-hye: geun / kun
SELECT * FROM hits('윤석열');                 -- Yoon Suk-yeol: yoon / yun, suk / sok
SELECT * FROM hits('Moon Jae-in');            -- moon / mun
SELECT e->'tokens' AS tokens
  FROM fintech.sanctions_entities s, fintech.explain_match('박근혜', s.id) AS e
 WHERE s.list = 'XL' AND s.source_uid = '1';
-- between two Latin names these stay different letters (kun / gunn)
SELECT * FROM hits('Kun Parker', 0.5);
-- (session 12) the key also writes an initial r, l, n as one letter and
-- leaves out an h after a vowel that closes nothing: Roh / no, Ahn / an
SELECT * FROM hits('노무현');                 -- Roh Moo-hyun
SELECT * FROM hits('Ahn Cheol-soo');          -- 안철수: an chol su
-- (session 13) a name written in Hangul or Thai is scored even when the
-- index found little of a Latin query in it: the parts that differ most
-- share no trigram (DUCK SOO, 덕수 tok su) and meet by their keys only;
-- HAN, which six other listed names hold, weighs too little to carry it
SELECT * FROM hits('Han Duck-soo');           -- 한덕수
-- (session 14) a syllable of a lone vowel is no initial: 우 wu (WOO), 오
-- oh (OH); the key writes ee and ui (eui) as i: 희 hui is HEE
SELECT * FROM hits('김우중');                 -- Kim Woo-choong
SELECT * FROM hits('Kim Woo-choong');
SELECT * FROM hits('김희선');                 -- Kim Hee-sun
SELECT * FROM hits('Kim Hee-sun');
SELECT * FROM hits('오거돈');                 -- Oh Keo-don
SELECT * FROM hits('Oh Keo-don');

-- ====================================================================
-- Arabic script (consonant skeletons): the compounds of Allah and al-Din
-- written as one word or two, Bin al-X in one word, the assimilated
-- article, the construct state, bi al-X, a word without vowels that is
-- not a title, Urdu retroflex letters
-- ====================================================================
SELECT * FROM hits('مطيع الله');              -- MATIULLAH
SELECT * FROM hits('MATIULLAH');
SELECT * FROM hits('SADUDDIN SAYYED');        -- سعد الدين سيد
SELECT * FROM hits('MOHAMMED SALAHALDIN ZIDANE');
SELECT * FROM hits('RAMZI MOHAMED BINALSHIBH');
SELECT * FROM hits('ASBAT AL-ANSAR');         -- عصبة الأنصار
SELECT * FROM hits('مطیع الرحمن علی محمد');   -- MATI UR-REHMAN ALI MUHAMMAD
SELECT * FROM hits('OMAR MAHMOUD UTHMAN');    -- عمر (mr) is not Mr
SELECT * FROM hits('AL MOUAKAOUNE BIDDAM');   -- بالدم: bi al-dam
SELECT * FROM hits('طارق گیدڑ گروپ');         -- ڑ: TARIQ GIDAR GROUP
-- (session 13) the zero-width non-joiner Persian writes inside a word
-- (خامنه‌ای, U+200C before ای) is no space: one word, as KHAMENEI; with a
-- space the parts are two (khmn, and the ای left empty)
SELECT * FROM hits(E'\u0645\u062c\u062a\u0628\u06cc \u062e\u0627\u0645\u0646\u0647\u200c\u0627\u06cc');
SELECT * FROM hits('Mojtaba Khamenei');
SELECT * FROM hits(E'\u0645\u062c\u062a\u0628\u06cc \u062e\u0627\u0645\u0646\u0647 \u0627\u06cc', 0.5);
-- Ali is not Allah: محمد علي is not MOHAMMADULLAH, محمد الله is
SELECT * FROM hits('محمد علي');
SELECT * FROM hits('محمد الله');

-- ====================================================================
-- the Persian ezafe written as a word (TEHRIK-E) and a parenthesised
-- acronym (TTP) are not parts of the name
-- ====================================================================
SELECT * FROM hits('تحریک طالبان پاکستان');
SELECT * FROM hits('Tehrik-e Taliban Pakistan');

-- ====================================================================
-- Thai: letters the thanthakhat silences, RTGS spellings (ch, final t)
-- ====================================================================
SELECT * FROM hits('ประยุทธ์ จันทร์โอชา');
SELECT * FROM hits('Prayut Chan-o-cha');

-- ====================================================================
-- Thai by RTGS (session 11): each word written in Thai is one token (ICU's
-- dictionary break left out), its letters read by RTGS: a consonant's
-- final value (ส t, ร n), the vowels Thai leaves unwritten (สม som; นคร
-- na-khon; ขจร kha-chon), compound vowels (เ-ือ uea), รร an; วงศ์ keeps the ง
-- that closes its unwritten o (only the ศ under the thanthakhat is silent)
-- ====================================================================
SELECT * FROM hits('สมชาย วงศ์สวัสดิ์');          -- somchai wongsawat
SELECT * FROM hits('Somchai Wongsawat');
SELECT e->'tokens' AS tokens
  FROM fintech.sanctions_entities s, fintech.explain_match('สมชาย วงศ์สวัสดิ์', s.id) AS e
 WHERE s.list = 'XL' AND s.source_uid = '17';
SELECT * FROM hits('สุเทพ เทือกสุบรรณ');         -- suthep thueaksuban
SELECT * FROM hits('Suthep Thueaksuban');
SELECT * FROM hits('ถนอม กิตติขจร');             -- thanom kittikhachon
SELECT * FROM hits('Thanom Kittikhachon');
-- Thai is no longer compared by consonant skeletons (its vowels are
-- written now): the explanation says so
SELECT e->>'score' AS score, e->>'consonant_skeletons' AS skeletons
  FROM fintech.sanctions_entities s, fintech.explain_match('ถนอม กิตติขจร', s.id) AS e
 WHERE s.list = 'XL' AND s.source_uid = '19';

-- ====================================================================
-- Thai keys (session 12): a pair where one side is written in Thai letters
-- also meets by the tokens' Thai keys (p ph f b bh, t th d dh, k kh g,
-- ch j sh, v w, ee i, oo u, the lengthening r, final l n), less 0.05: the
-- spellings Thais give their own names (LEEKPAI, RTGS likphai;
-- CHOONHAVAN, chunhawan)
-- ====================================================================
SELECT * FROM hits('ชวน หลีกภัย');               -- chuan likphai: Leekpai
SELECT * FROM hits('Chatichai Choonhavan');      -- ชาติชาย ชุณหะวัณ
-- RTGS reads the last two consonants of a word as a syllable when the
-- second is ล (ภูมิพล phu-mi-phon, not phu-mip), whose key meets Bhumibol
SELECT e->'tokens' AS tokens
  FROM fintech.sanctions_entities s, fintech.explain_match('ภูมิพล', s.id) AS e
 WHERE s.list = 'XL' AND s.source_uid = '23';
-- a final -ra after a consonant is the silent ร Sanskrit-based spellings
-- write (ชินวัตร, read chinwat: SHINAWATRA)
SELECT * FROM hits('ทักษิณ ชินวัตร');
-- (session 13) a final nd or nt is the letter the thanthakhat silences,
-- which Sanskrit-based spellings write (อานันท์, read anan: ANAND)
SELECT * FROM hits('อานันท์ ปันยารชุน');
SELECT * FROM hits('Anand Panyarachun');
-- between two Latin names these stay different letters: the RTGS
-- spelling in Latin letters scores below the Thai one
SELECT * FROM hits('Chuan Likphai', 0.5);
-- (session 14) เ over two consonants that are no cluster, the second
-- with the rest of the vowel (เ-ิ over ร or ล, เ-ีย), is a syllable a
-- and the vowel on the second (เจริญ charoen, not cherin); not over
-- another consonant (เนวิน: ne-win); เ-าะ is o (เกาะ ko); ย closing
-- ไ or ใ is silent (ไทย thai); the tone mark ICU writes after the h
-- of an aspirate (ช้ cĥ) no longer cuts a word in two (เกาะช้าง kochang,
-- was kotanga)
SELECT * FROM hits('เจริญ สิริวัฒนภักดี');          -- SIRIVADHANABHAKDI, Charoen
SELECT * FROM hits('Charoen Sirivadhanabhakdi');
SELECT * FROM hits('เกาะลันตา');                   -- KO LANTA
SELECT * FROM hits('ชาติไทย');                     -- CHART THAI
SELECT v.q, e->'tokens' AS tokens
  FROM (VALUES ('เจริญ สิริวัฒนภักดี', 'XL', '44'), ('เกาะลันตา', 'XL', '45'),
               ('ชาติไทย', 'XL', '46'), ('เกาะช้าง', 'XO', '39')) AS v(q, list, uid),
       fintech.sanctions_entities s, fintech.explain_match(v.q, s.id) AS e
 WHERE s.list = v.list AND s.source_uid = v.uid;

-- ====================================================================
-- Cyrillic keys (session 13): a pair where one side is written in
-- Cyrillic letters also meets with zh and dzh as j (BGN's dzhurayev for
-- Джураев, JURAEV as Uzbek names are spelt), less 0.05
-- ====================================================================
SELECT * FROM hits('Бахтиёр Джураев');           -- JURAEV, Bakhtiyor
SELECT * FROM hits('Bakhtiyor Juraev');

-- ====================================================================
-- Greek keys (session 14): a pair where one side is written in Greek
-- letters also meets by the tokens' Greek keys, the digraphs and the
-- Latin spellings as said (ICU's ntinos lamprakis: DINOS LAMBRAKIS;
-- chatzigeorgiou: HADJIGEORGIOU, dimitris: DEMETRIS; giannis: YANNIS),
-- less 0.05
-- ====================================================================
SELECT * FROM hits('Ντίνος Λαμπράκης');           -- LAMBRAKIS, Dinos
SELECT * FROM hits('Dinos Lambrakis');
SELECT * FROM hits('Δημήτρης Χατζηγεωργίου');     -- HADJIGEORGIOU, Demetris
SELECT * FROM hits('Demetris Hadjigeorgiou');
SELECT * FROM hits('Γιάννης Κουτσογιάννης');      -- KOUTSOYANNIS, Yannis
SELECT e->'tokens' AS tokens
  FROM fintech.sanctions_entities s, fintech.explain_match('Ντίνος Λαμπράκης', s.id) AS e
 WHERE s.list = 'XL' AND s.source_uid = '41';
-- between two Latin names these stay different letters
SELECT * FROM hits('Ntinos Lamprakis', 0.5);

-- ====================================================================
-- Kana (session 13): the long o and u kana spell (さとう satou, ゆうき
-- yuuki) are written once, as Hepburn without the macron writes them
-- (SATO); not where a vowel follows (いのうえ inoue: INOUE)
-- ====================================================================
SELECT * FROM hits('さとう えいさく');           -- SATO, Eisaku
SELECT * FROM hits('Eisaku Sato');
SELECT * FROM hits('いのうえ かおる');           -- INOUE, Kaoru
SELECT e->'tokens' AS tokens
  FROM fintech.sanctions_entities s, fintech.explain_match('さとう', s.id) AS e
 WHERE s.list = 'XL' AND s.source_uid = '28';

-- ====================================================================
-- Hebrew: the tsade, which ICU writes tz, is z in the consonant skeleton
-- (WEIZMAN, HERZOG; YITZHAK); another letter there still differs
-- ====================================================================
SELECT * FROM hits('עזר ויצמן');                 -- ezer weizman
SELECT * FROM hits('Ezer Weizman');
SELECT * FROM hits('עזר ויטמן');                 -- tet, not tsade: not WEIZMAN

-- ====================================================================
-- Hebrew (session 15): a bet at a word's end is v (רגב REGEV, not
-- ICU's rgb); kana (session 15): おお is a long o whatever follows
-- (おおえ OE, not ooe)
-- ====================================================================
SELECT * FROM hits('מירי רגב');                   -- REGEV, Miri
SELECT * FROM hits('Miri Regev');
SELECT e->'tokens' AS tokens
  FROM fintech.sanctions_entities s, fintech.explain_match('מירי רגב', s.id) AS e
 WHERE s.list = 'XL' AND s.source_uid = '47';
SELECT * FROM hits('おおえ けんざぶろう');         -- OE, Kenzaburo
SELECT * FROM hits('Kenzaburo Oe');

-- ====================================================================
-- Thai (session 17): of two consonants ending a word after a short
-- vowel, a second ง ม น or ล is a final Thai says (an unwritten o over the
-- first), not a silent letter: อุดม udom (was ut), อนุพง anuphong; a
-- second of other letters stays silent (ยุทธ yut).  XL3 / XO3: lists of
-- their own, loaded last.
-- ====================================================================
-- And ร after ส ศ ษ ซ opening a word is silent (ศรี si, was sari), which
-- the Thai key meets with the Sanskrit-based SRI: an initial sr is s there;
-- ร after ิ ี ุ ู inside a word opens a syllable, not closing one as n
-- (สุรชัย surachai, was sunchai: the Sanskrit compounds' linking a);
-- ะ and ำ end their syllable, the next consonant opens the next one
-- (เกาะพงัน kophangan, was kopngan); a t closing a syllable before ย
-- and its vowel opens one of a too, the Pali double consonant (วิทยา
-- witthaya: wit, then tha); a word's final ติ after า or ั is t, its i
-- silent (สมบัติ sombat, was sombati); อ before ย whose syllable has mai
-- ek is silent (อยู่สุข yusuk, was aiusuk; not อยุธยา); ภ, a Sanskrit
-- letter, forms no cluster with ร (ภราดา pharada, was phrada).
SELECT fintech.load_sanctions_ofac(sdn(ARRAY['UDOM', 'SRISUK', 'SURACHAI', 'KO PHANGAN', 'WITTHAYA',
                                             'SOMBAT', 'YUSUK', 'PHARADA']), list => 'XL3') AS latin;
SELECT fintech.load_sanctions_ofac(sdn(ARRAY['อุดม', 'ศรีสุข', 'สุรชัย', 'เกาะพงัน', 'วิทยา',
                                             'สมบัติ', 'อยู่สุข', 'ภราดา']), list => 'XO3') AS original;
SELECT * FROM hits('อุดม');
SELECT * FROM hits('Udom');
SELECT * FROM hits('ศรีสุข');
SELECT * FROM hits('สุรชัย');
SELECT * FROM hits('Ko Phangan');
SELECT v.q, e->'tokens' AS tokens
  FROM (VALUES ('อุดม', '1'), ('ศรีสุข', '2'), ('สุรชัย', '3'), ('เกาะพงัน', '4'), ('วิทยา', '5'),
               ('สมบัติ', '6'), ('อยู่สุข', '7'), ('ภราดา', '8')) AS v(q, uid),
       fintech.sanctions_entities s, fintech.explain_match(v.q, s.id) AS e
 WHERE s.list = 'XL3' AND s.source_uid = v.uid;

-- ====================================================================
-- Korean key (session 17): an initial wu or woo is the vowel u alone, the
-- w a spelling's (우 wu, WOO; 욱 uk, WOOK), not 워 wo.  XL4 / XO4.
-- ====================================================================
SELECT fintech.load_sanctions_ofac(sdn(ARRAY['LEE, Jae-wook']), list => 'XL4') AS latin;
SELECT fintech.load_sanctions_ofac(sdn(ARRAY['이재욱']), list => 'XO4') AS original;
SELECT * FROM hits('Lee Jae-wook');
SELECT e->'tokens' AS tokens
  FROM fintech.sanctions_entities s, fintech.explain_match('Lee Jae-wook', s.id) AS e
 WHERE s.list = 'XO4' AND s.source_uid = '1';

-- ====================================================================
-- Hebrew key (session 18): a Latin query's consonant skeleton against that
-- of a name listed in Hebrew letters by their Hebrew keys, less 0.05: bet
-- after a vowel is v (זבולון zbwlwn, ZEVULUN: the skeleton leaves v out),
-- het and kaf after a vowel ch or kh (יוחנן ywhnn, YOCHANAN: the skeleton
-- writes ch sh); in the Hebrew skeleton kh is two letters, kaf and he
-- (כהן, not CHEN); an s before a final y is left out, the sh of a final
-- chi whose h the skeleton drops (AVICHAI sy, אביחי by).  XL5 / XO5.
-- ====================================================================
SELECT fintech.load_sanctions_ofac(sdn(ARRAY['PLESNER, Yochanan', 'HAMMER, Zevulun', 'COHEN, Geula',
                                             'MANDELBLIT, Avichai']),
                                   list => 'XL5') AS latin;
SELECT fintech.load_sanctions_ofac(sdn(ARRAY['יוחנן פלסנר', 'זבולון המר', 'גאולה כהן', 'אביחי מנדלבליט']),
                                   list => 'XO5') AS original;
SELECT * FROM hits('Yochanan Plesner');
SELECT * FROM hits('Zevulun Hammer');
SELECT * FROM hits('Geula Chen', 0.8);
SELECT * FROM hits('Avichai Mandelblit');
SELECT v.q, e->'tokens' AS tokens
  FROM (VALUES ('Yochanan Plesner', '1'), ('Zevulun Hammer', '2'), ('Avichai Mandelblit', '4')) AS v(q, uid),
       fintech.sanctions_entities s, fintech.explain_match(v.q, s.id) AS e
 WHERE s.list = 'XO5' AND s.source_uid = v.uid;

-- ====================================================================
-- Session 19: in a name written in Arabic or Hebrew letters a word without
-- a vowel is a name at the end too, not a generation or a legal form
-- (עמית סער, amyt sr: SAAR, not Sr.; אמנון סדן, sdn: SADAN, not Sdn.).
-- XL6 / XO6.
-- ====================================================================
SELECT fintech.load_sanctions_ofac(sdn(ARRAY['SAAR, Amit', 'SADAN, Amnon']), list => 'XL6') AS latin;
SELECT fintech.load_sanctions_ofac(sdn(ARRAY['עמית סער', 'אמנון סדן']), list => 'XO6') AS original;
SELECT * FROM hits('Amit Saar');
SELECT * FROM hits('אמנון סדן');

-- ====================================================================
-- Session 19: a Latin skeleton against one of a name in Arabic letters,
-- either way, also reads the Latin gh as qaf, less 0.05 (Persian says qaf
-- as ghayn: پرویز قدسی, kdsy, GHODSI); not a Latin k as ghayn (غنی پارسا,
-- GHANI PARSA, is not KANI, Parsa).  XL7 / XO7.
-- ====================================================================
SELECT fintech.load_sanctions_ofac(sdn(ARRAY['GHODSI, Parviz', 'KANI, Parsa']), list => 'XL7') AS latin;
SELECT fintech.load_sanctions_ofac(sdn(ARRAY['پرویز قدسی', 'غنی پارسا']), list => 'XO7') AS original;
SELECT * FROM hits('Parviz Ghodsi');
SELECT * FROM hits('پرویز قدسی');
SELECT * FROM hits('Kani Parsa');
SELECT e->'tokens' AS tokens
  FROM fintech.sanctions_entities s, fintech.explain_match('Parviz Ghodsi', s.id) AS e
 WHERE s.list = 'XO7' AND s.source_uid = '1';

-- ====================================================================
-- Session 19: a query in Hebrew letters meets a Latin skeleton by what its
-- letters may be read as, less 0.10: het and kaf as ch (נחום nhm, NACHUM
-- nshm), pe as f (אפרים prm, EFRAIM frm); a Latin kh is k and h, not het
-- (חנה אדלר is not KHAN, Dilawar).  XL8.
-- ====================================================================
SELECT fintech.load_sanctions_ofac(sdn(ARRAY['TZIPORI, Nachum', 'SHELAH, Efraim', 'KHAN, Dilawar']),
                                   list => 'XL8') AS latin;
SELECT * FROM hits('נחום ציפורי');
SELECT * FROM hits('אפרים שלח');
SELECT * FROM hits('חנה אדלר', 0.8);
SELECT v.q, e->'tokens' AS tokens
  FROM (VALUES ('נחום ציפורי', '1'), ('אפרים שלח', '2')) AS v(q, uid),
       fintech.sanctions_entities s, fintech.explain_match(v.q, s.id) AS e
 WHERE s.list = 'XL8' AND s.source_uid = v.uid;

-- ====================================================================
-- Session 20: unpointed Hebrew writes shin and sin alike (ש, the skeleton's
-- sh), and the Latin spellings write sin s, as they write the German and
-- Yiddish st that Hebrew writes שט as said: a Latin skeleton meets the
-- Hebrew one with each sh read s too (שמחוני shmhny, SIMCHONI smshny; פלדשטיין
-- pldshtn, FELDSTEIN fldstn), either way.  A query in Hebrew letters that
-- reads so loses no known word's 5 % where the letters' similarity is
-- higher than the reading's (ברנשטיין brnshtn, BERNSTEIN brnstn: the Hebrew
-- skeleton is a listed word here, XO9's).  XL9 / XO9.
-- ====================================================================
SELECT fintech.load_sanctions_ofac(sdn(ARRAY['FELDSTEIN, Yael', 'SIMCHONI, Orly', 'BERNSTEIN, Orly']),
                                   list => 'XL9') AS latin;
SELECT fintech.load_sanctions_ofac(sdn(ARRAY['יעל פלדשטיין', 'אורלי שמחוני', 'אורלי ברנשטיין']),
                                   list => 'XO9') AS original;
SELECT * FROM hits('Yael Feldstein');
SELECT * FROM hits('Orly Simchoni');
SELECT * FROM hits('יעל פלדשטיין');
SELECT * FROM hits('אורלי שמחוני');
SELECT * FROM hits('אורלי ברנשטיין');
SELECT v.q, e->'tokens' AS tokens
  FROM (VALUES ('Yael Feldstein', 'XO9', '1'), ('יעל פלדשטיין', 'XL9', '1'),
               ('אורלי ברנשטיין', 'XL9', '3')) AS v(q, list, uid),
       fintech.sanctions_entities s, fintech.explain_match(v.q, s.id) AS e
 WHERE s.list = v.list AND s.source_uid = v.uid;

-- ====================================================================
-- Session 20: the Arabic article written joined before a word of two
-- letters is a token of its own too (ناصر الصف, nsr al sf: AL-SAFF, Nasser,
-- either way; before, alsf met nothing), not that of Allah (الله, which the
-- compounds of Allah read: MATIULLAH above).  XL10 / XO10.
-- ====================================================================
SELECT fintech.load_sanctions_ofac(sdn(ARRAY['AL-SAFF, Nasser']), list => 'XL10') AS latin;
SELECT fintech.load_sanctions_ofac(sdn(ARRAY['ناصر الصف']), list => 'XO10') AS original;
SELECT * FROM hits('Nasser al-Saff');
SELECT * FROM hits('ناصر الصف');

-- ====================================================================
-- Session 21: a bet after a word's first alef is v (the alef writes a
-- vowel): אבנר AVNER, אבשלום AVSHALOM, meeting the Latin skeletons nr and
-- shlm (b was left in: bnr, bshlm), either way; not in a word left with
-- no other consonant (אבי, AVI: אבי כהן would be khn alone, which fits
-- KAHANE) or a het alone (אביחי, XO5 above, would lose AVICHAI).
-- XL11 / XO11.
-- ====================================================================
SELECT fintech.load_sanctions_ofac(sdn(ARRAY['AVNER, Tamir', 'KATZ, Avshalom', 'KAHANE']),
                                   list => 'XL11') AS latin;
SELECT fintech.load_sanctions_ofac(sdn(ARRAY['תמיר אבנר', 'אבשלום כץ']), list => 'XO11') AS original;
SELECT * FROM hits('תמיר אבנר');
SELECT * FROM hits('אבשלום כץ');
SELECT * FROM hits('Tamir Avner');
SELECT * FROM hits('Avshalom Katz');
SELECT * FROM hits('אבי כהן');

-- ====================================================================
-- Session 21: a Latin s may be zayin: German and Yiddish names spell the
-- voiced s with an s, which Hebrew writes zayin, the skeleton's d
-- (גלזר gldr against GLASER glsr; מייזלס mdls, MEISELS msls, whose last s
-- is a samekh), either way.  XL13 / XO13.
-- ====================================================================
SELECT fintech.load_sanctions_ofac(sdn(ARRAY['GLASER, Ruth', 'MEISELS, Dan', 'KAISER, Noam']),
                                   list => 'XL13') AS latin;
SELECT fintech.load_sanctions_ofac(sdn(ARRAY['רות גלזר', 'דן מייזלס', 'נועם קייזר']),
                                   list => 'XO13') AS original;
SELECT * FROM hits('רות גלזר');
SELECT * FROM hits('Ruth Glaser');
SELECT * FROM hits('Dan Meisels');
SELECT * FROM hits('Noam Kaiser');

-- ====================================================================
-- Session 21: Thai พร at a word's end is phon after a short vowel too
-- (ชุติพร chutiphon, CHUTIPORN; was chutip: the ร after a consonant closing
-- a short syllable is silent in ประวิตร prawit, สมุทร samut), either way.
-- XL14 / XO14.
-- ====================================================================
SELECT fintech.load_sanctions_ofac(sdn(ARRAY['THONGDEE, Chutiporn']), list => 'XL14') AS latin;
SELECT fintech.load_sanctions_ofac(sdn(ARRAY['ชุติพร ทองดี']), list => 'XO14') AS original;
SELECT * FROM hits('Chutiporn Thongdee');
SELECT * FROM hits('ชุติพร ทองดี');

-- ====================================================================
-- Session 21: Thai ห between a consonant's ร and ม is silent (พรหม phrom,
-- the Sanskrit brahma of many names: พรหมมา phromma, PROMMA; พรหมพันธุ์
-- was phramaphan).  XO15.
-- ====================================================================
SELECT fintech.load_sanctions_ofac(sdn(ARRAY['สมใจ พรหมมา']), list => 'XO15') AS original;
SELECT * FROM hits('Somjai Promma');

-- ====================================================================
-- Session 22: Thai ร after ส ศ ษ ซ opening a syllable is silent after a
-- preposed vowel too, before a consonant or the ิ of เ-ิ (เศรษฐพล
-- setthaphon, was sensathaphon; เสริมศักดิ์ soemsak, was saroemsak).
-- XL16 / XO16.
-- ====================================================================
SELECT fintech.load_sanctions_ofac(sdn(ARRAY['JAIDEE, Settaphon', 'BOONMA, Sermsak']),
                                   list => 'XL16') AS latin;
SELECT fintech.load_sanctions_ofac(sdn(ARRAY['เศรษฐพล ใจดี', 'เสริมศักดิ์ บุญมา']),
                                   list => 'XO16') AS original;
SELECT * FROM hits('Settaphon Jaidee');
SELECT * FROM hits('Sermsak Boonma');
SELECT * FROM hits('เศรษฐพล ใจดี');
SELECT * FROM hits('เสริมศักดิ์ บุญมา');

-- ====================================================================
-- Session 22: a query in Thai letters of several words makes a name a
-- candidate with a third of an item's trigrams shared, not half: the RTGS
-- reading shares fewer with the names' own spellings (fumifat /
-- BHUMIPAT, siwatna / SRIWATTANA), and each word alone found the name.
-- XL17.
-- ====================================================================
SELECT fintech.load_sanctions_ofac(sdn(ARRAY['SRIWATTANA, Bhumipat']), list => 'XL17') AS latin;
SELECT * FROM hits('ภูมิพัฒน์ ศรีวัฒนา');

-- ====================================================================
-- Session 22: a Hebrew word of four letters or more ending in yod and he
-- ends in -ya, as its Latin spellings write it (גדליה GEDALYA,
-- נחמיה NECHEMYA): ICU's yh, folded i, left the skeleton a final y (jdly
-- against jdl), either way.  XL18 / XO18.
-- ====================================================================
SELECT fintech.load_sanctions_ofac(sdn(ARRAY['GEDALYA, Eitan', 'NECHEMYA, Sivan']),
                                   list => 'XL18') AS latin;
SELECT fintech.load_sanctions_ofac(sdn(ARRAY['איתן גדליה', 'סיון נחמיה']), list => 'XO18') AS original;
SELECT * FROM hits('Eitan Gedalya');
SELECT * FROM hits('Sivan Nechemya');
SELECT * FROM hits('איתן גדליה');

-- ====================================================================
-- Session 22: a ghayn may be a Latin g, which the skeleton writes j: the
-- French spellings of Maghreb and Tuareg names write ghayn g (لغروني
-- lghrny, LAGROUNI ljrny), either way; a Latin j does not meet kaf
-- (DJAMEL is not كمال).  XL19 / XO19.
-- ====================================================================
SELECT fintech.load_sanctions_ofac(sdn(ARRAY['LAGROUNI, Amine']), list => 'XL19') AS latin;
SELECT fintech.load_sanctions_ofac(sdn(ARRAY['أمين لغروني', 'أمين كمال']), list => 'XO19') AS original;
SELECT * FROM hits('Amine Lagrouni');
SELECT * FROM hits('أمين لغروني');
SELECT * FROM hits('Amine Djamel');

-- ====================================================================
-- Session 22: Thai ง with no vowel of its own closes a syllable: a
-- consonant before it and another consonant opens one of o that the ง
-- closes (กิตติวงศ์ชัย kittiwongchai, was kittiongachai: 0.912, now 0.985),
-- either way.
-- XL20 / XO20.
-- ====================================================================
SELECT fintech.load_sanctions_ofac(sdn(ARRAY['KITTIWONGCHAI, Boonma']), list => 'XL20') AS latin;
SELECT fintech.load_sanctions_ofac(sdn(ARRAY['กิตติวงศ์ชัย บุญมา']), list => 'XO20') AS original;
SELECT * FROM hits('Boonma Kittiwongchai');
SELECT * FROM hits('กิตติวงศ์ชัย บุญมา');

-- ====================================================================
-- Session 22: consonant skeletons two consonants apart are two names, not
-- two spellings of one: a near miss between them costs ten times the
-- knee's loss (خضير khdr, KHUDAIR, is not KHALID khld: one consonant other
-- and one moved); one consonant apart is left alone (نعمانى nmn, whose
-- alef maksura writes no y, against NOMANI nmny).  Nor do skeletons one
-- liquid or nasal apart (l, r, m, n; but m for n, which assimilate: jnblt,
-- JUMBLATT jmblt), as token pairs or compared whole: حكير hkr is not HAKIM
-- hkm (nbl hkr and nblhkm were 0.93 similar whole).  A short skeleton
-- compared whole (its parts split where the scripts split them) meets no
-- listed one of as many consonants but one other: حطيب htb is not HASIB
-- hsb (nblhtb and nblhsb are 0.93 similar).  XL21.
-- ====================================================================
SELECT fintech.load_sanctions_ofac(sdn(ARRAY['KHALID, Nabil', 'NOMANI, Nabil', 'HAKIM, Nabil', 'NABIL HASIB']),
                                   list => 'XL21') AS latin;
SELECT * FROM hits('نبيل خضير', 0.8);
SELECT * FROM hits('نبيل نعمانى');
SELECT * FROM hits('نبيل حكير', 0.8);
SELECT * FROM hits('نبيل حطيب', 0.8);
SELECT v.q, round((e->>'score')::numeric, 3) AS score, e->'tokens' AS tokens
  FROM (VALUES ('نبيل خضير', '1'), ('نبيل نعمانى', '2'), ('نبيل حكير', '3'),
               ('نبيل حطيب', '4')) AS v(q, uid),
       fintech.sanctions_entities s, fintech.explain_match(v.q, s.id) AS e
 WHERE s.list = 'XL21' AND s.source_uid = v.uid;

-- ====================================================================
-- Session 23: a name met by one pair of words only, a near miss that no
-- typing error makes of the listed word (two keyboard slips or fewer, a
-- vowel for another), pays the knee's cost (ten times, as between names
-- of several parts), which a name of one pair did not: the word is
-- another name (DORAMIX, 0.886 similar to DORAVEX, was 0.886, now
-- 0.714: v and m are far apart on the keyboard, i is no x); a slip
-- (DORAVEC, c beside x) keeps its score.  And a query written in a script that
-- writes its vowels (Cyrillic here) is not read by consonant skeletons:
-- Фарида Замлук, farida zamluk, met فريد زملوق by frd dmlk at 0.970; the
-- same name in Latin letters still does.  (Зумлак, Zumlak until session
-- 24: its a is not زملوق's waw, name_vowels.c.)  XL22 / XO22.
-- ====================================================================
SELECT fintech.load_sanctions_ofac(sdn(ARRAY['DORAVEX']), list => 'XL22') AS latin;
SELECT fintech.load_sanctions_ofac(sdn(ARRAY['فريد زملوق']), list => 'XO22') AS original;
SELECT * FROM hits('Doramix SA', 0.5);
SELECT * FROM hits('Doravec');
SELECT * FROM hits('Фарида Замлук', 0.7);
SELECT * FROM hits('Farida Zamluk');
SELECT round((e->>'score')::numeric, 3) AS score, e->'tokens' AS tokens
  FROM fintech.sanctions_entities s, fintech.explain_match('Doramix SA', s.id) AS e
 WHERE s.list = 'XL22' AND s.source_uid = '1';

-- ====================================================================
-- Session 23: a Hebrew sh may be shin and a het after it, whose two h the
-- skeleton writes once (שחר shr), which the Latin spellings write sh and
-- ch (SHACHAR shshr): a query in Hebrew letters reads it so.  XL25.
-- ====================================================================
SELECT fintech.load_sanctions_ofac(sdn(ARRAY['SHACHAR, Liron']), list => 'XL25') AS latin;
SELECT * FROM hits('לירון שחר');

-- ====================================================================
-- Session 23: a consonant skeleton that is a title's letters (mr of
-- OMAR, عمر; ms of MUSA, موسى) is a name's part in the skeleton pass of a
-- name whose every part is one: such a name found no candidate there.
-- Either way; the title alone finds nothing, nor does a name with a part
-- of one consonant (موسى عواد, ms d: AWAD is d).  XL26 / XO26.
-- ====================================================================
SELECT fintech.load_sanctions_ofac(sdn(ARRAY['MUSA, Omar', 'AWAD, Musa']), list => 'XL26') AS latin;
SELECT fintech.load_sanctions_ofac(sdn(ARRAY['عمر موسى']), list => 'XO26') AS original;
SELECT * FROM hits('عمر موسى');
SELECT * FROM hits('Omar Musa');
SELECT * FROM hits('Mr', 0.5);
SELECT * FROM hits('موسى عواد');

-- ====================================================================
-- Session 23: a word ending in i is not Allah: the skeleton joined a word
-- of an initial vowel whose consonant is l alone, with an ll, to the word
-- before it (the compounds of Allah: MATIULLAH mtl), and SAMIR ALLAWI
-- was smrl; ALLAWI (علاوي) is ly.  Either way.  XL27 / XO27.
-- ====================================================================
SELECT fintech.load_sanctions_ofac(sdn(ARRAY['SAMIR ALLAWI']), list => 'XL27') AS latin;
SELECT fintech.load_sanctions_ofac(sdn(ARRAY['سمير علاوي']), list => 'XO27') AS original;
SELECT * FROM hits('سمير علاوي');
SELECT * FROM hits('Samir Allawi');

-- ====================================================================
-- Session 23: Thai ด and บ form no cluster with ร or ล: before one with
-- no vowel of its own and another consonant they open a syllable of o
-- that the ร or ล closes (อุดร u-don, was ut-ra; อุบล u-bon, was up-la).
-- UDONSAK, Somsri and UBONWAN, Thongchai find สมศรี อุดรศักดิ์ and ธงชัย
-- อุบลวรรณ, and the other way.  XL29 / XO29.
-- ====================================================================
SELECT fintech.load_sanctions_ofac(sdn(ARRAY['UDONSAK, Somsri', 'UBONWAN, Thongchai']), list => 'XL29') AS latin;
SELECT fintech.load_sanctions_ofac(sdn(ARRAY['สมศรี อุดรศักดิ์', 'ธงชัย อุบลวรรณ']), list => 'XO29') AS original;
SELECT q, h.* FROM unnest(ARRAY['Somsri Udonsak', 'Thongchai Ubonwan', 'สมศรี อุดรศักดิ์', 'ธงชัย อุบลวรรณ']) AS q
  LEFT JOIN LATERAL hits(q) AS h ON h.list IN ('XL29', 'XO29') ORDER BY q, h.score DESC, h.source_uid;

-- ====================================================================
-- Session 24: a Latin c left in the consonant skeleton (not s before e
-- or i, not of ch) is k or s against the skeleton of a name in Arabic
-- letters, which writes no c: CADDOUR cdr meets قدور kdr, CASSEM csm
-- meets قاسم ksm (CASSEM both ways; MOSTEFA CADDOUR from the Arabic
-- letters: its Latin query finds its own name in the plain pass).  XZ1.
-- ====================================================================
SELECT fintech.load_sanctions_ofac(sdn(ARRAY['MOSTEFA CADDOUR', 'CASSEM MARZOUKI']), list => 'XZ1L') AS latin;
SELECT fintech.load_sanctions_ofac(sdn(ARRAY['مصطفى قدور', 'قاسم مرزوقي']), list => 'XZ1O') AS original;
SELECT q, h.* FROM unnest(ARRAY['Mostefa Caddour', 'Cassem Marzouki', 'مصطفى قدور', 'قاسم مرزوقي']) AS q
  LEFT JOIN LATERAL hits(q) AS h ON h.list IN ('XZ1L', 'XZ1O') ORDER BY q, h.score DESC, h.source_uid;

-- ====================================================================
-- Session 24: the article joined to a Latin word: the skeleton of a name
-- in Arabic letters leaves the article out (المصري msry, العربي rby),
-- the Egyptian and Maghreb spellings join it (ELMASRI lmsry, ELARABI
-- lrby).  A Latin skeleton that is the Arabic one after an l meets it
-- (3 letters or more), less 0.05.  Either way.  XZ2.
-- ====================================================================
SELECT fintech.load_sanctions_ofac(sdn(ARRAY['SAMI ELMASRI', 'ADEL ELARABI']), list => 'XZ2L') AS latin;
SELECT fintech.load_sanctions_ofac(sdn(ARRAY['سامي المصري', 'عادل العربي']), list => 'XZ2O') AS original;
SELECT q, h.* FROM unnest(ARRAY['Sami Elmasri', 'Adel Elarabi', 'سامي المصري', 'عادل العربي']) AS q
  LEFT JOIN LATERAL hits(q) AS h ON h.list IN ('XZ2L', 'XZ2O') ORDER BY q, h.score DESC, h.source_uid;

-- ====================================================================
-- Session 24: the frames of the Thai keys: a Thai name spelt letter by
-- letter after the Sanskrit values, each consonant with its inherent a
-- (SUNDARAKUL), against its RTGS reading (สุนทรกุล sunthonkun), which
-- writes the vowels as said and a closing ร or ล n: their consonants
-- with r and l as n (sntnkn) are equal, 0.90 (4 consonants or more).
-- Either way.  XZ3.
-- ====================================================================
SELECT fintech.load_sanctions_ofac(sdn(ARRAY['SUNDARAKUL, Somchai']), list => 'XZ3L') AS latin;
SELECT fintech.load_sanctions_ofac(sdn(ARRAY['สมชาย สุนทรกุล']), list => 'XZ3O') AS original;
SELECT q, h.* FROM unnest(ARRAY['Somchai Sundarakul', 'สมชาย สุนทรกุล']) AS q
  LEFT JOIN LATERAL hits(q) AS h ON h.list IN ('XZ3L', 'XZ3O') ORDER BY q, h.score DESC, h.source_uid;
-- Session 24: Arabic and Hebrew write their long vowels (alef; waw and
-- vav, u, o or the consonant w, v; yeh and yod, i, e or the consonant y),
-- which the consonant skeleton drops: two parts of equal skeletons are
-- still two names when the Latin one writes another vowel where such a
-- letter stands, or none at a word's start, where waw and yeh are
-- consonants.  نبيل يشكر (Yashkur, yshkr) is not ASHKAR, Nabil (shkr
-- both); نبيل أشقر (Ashqar) is.  תמיר מאור (Maor, m'wr) is not OMAR,
-- Tamir; תמיר עומר (Omer) is.  The other way, Qassar Mansour is not كوثر
-- منصور (Kawthar, kwthr: ksr both), Kawthar Mansour is; a vowel the
-- Latin spelling leaves out inside a word is a loose spelling (Farid
-- Kabsi finds فريد الكبيسي).  XX1 / XX2.
-- ====================================================================
SELECT fintech.load_sanctions_ofac(sdn(ARRAY['ASHKAR, Nabil', 'OMAR, Tamir']), list => 'XX1') AS latin;
SELECT fintech.load_sanctions_ofac(sdn(ARRAY['كوثر منصور', 'فريد الكبيسي']), list => 'XX2') AS original;
SELECT q, h.* FROM unnest(ARRAY['نبيل يشكر', 'نبيل أشقر', 'תמיר מאור', 'תמיר עומר',
                                'Qassar Mansour', 'Kawthar Mansour', 'Farid Kabsi']) AS q
  LEFT JOIN LATERAL hits(q, 0.8) AS h ON h.list IN ('XX1', 'XX2') ORDER BY q, h.score DESC, h.source_uid;

-- ====================================================================
-- Session 24: Hebrew tells apart two pairs of letters the skeleton writes
-- alike: dalet (d) and zayin or tsade (z, tz), which it writes d for the
-- Arabic letters said d or z, and kaf or qof and he (kh, two letters),
-- which a Latin kh written together is not (one letter, het or kaf said
-- kh).  אורי אדם (Uri Adam, dm) is not AZAM, Uri; אורי עזאם (Azzam) is.
-- אורי כהן (Uri Cohen, khn) is not KHAN, Uri; it is KOHEN, Uri.  XX3.
-- ====================================================================
SELECT fintech.load_sanctions_ofac(sdn(ARRAY['AZAM, Uri', 'KHAN, Uri', 'KOHEN, Uri']), list => 'XX3') AS latin;
SELECT q, h.* FROM unnest(ARRAY['אורי אדם', 'אורי עזאם', 'אורי כהן']) AS q
  LEFT JOIN LATERAL hits(q, 0.8) AS h ON h.list = 'XX3' ORDER BY q, h.score DESC, h.source_uid;

-- ====================================================================
-- Session 24: a title written in Arabic letters (الآنسة Miss, الأستاذ the
-- professor, الدكتور, دکتر doctor, آقای Mr) pairs with no listed part, as
-- ICU writes it (astad, 0.87 similar to OSTAD) or as its skeleton, which
-- is a name's (الآنسة, ns, met YUNUS).  The title stays a part of the
-- query (a part left over); the names themselves are still found.  XX4.
-- ====================================================================
SELECT fintech.load_sanctions_ofac(sdn(ARRAY['YUNUS, Rami', 'OSTAD, Rami']), list => 'XX4') AS latin;
SELECT q, h.* FROM unnest(ARRAY['الآنسة رامي', 'الأستاذ رامي', 'يونس رامي', 'Rami Ostad']) AS q
  LEFT JOIN LATERAL hits(q, 0.8) AS h ON h.list = 'XX4' ORDER BY q, h.score DESC, h.source_uid;

\c :original_db
DROP DATABASE fintech_screening_scripts;
