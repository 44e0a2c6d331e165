/*
 * domain_core.c - domain name normalisation (IDNA A-labels, RFC 1035/5890)
 *
 * No PostgreSQL here: see domain_core.h.  Every buffer is on the stack and
 * bounded by the label and name limits, so hostile input costs at most one
 * pass over it.
 *
 * This is IDNA2008's shape without its full tables: labels are lower-cased
 * (ASCII, plus the simple case pairs of Latin, Greek, Cyrillic and
 * Armenian), checked against a list of refused code points that
 * approximates IDNA2008's DISALLOWED property (spaces, punctuation,
 * symbols, emoji, private-use and format characters), and encoded with
 * Punycode.  Contextual rules (CONTEXTJ/CONTEXTO) and the Bidi rule are
 * not implemented; their characters (ZWJ, ZWNJ, middle dot) are refused.
 */
#include "domain_core.h"

#include <string.h>

#define PUNY_BASE 36
#define PUNY_TMIN 1
#define PUNY_TMAX 26
#define PUNY_SKEW 38
#define PUNY_DAMP 700
#define PUNY_INITIAL_BIAS 72
#define PUNY_INITIAL_N 0x80
#define CP_MAX 0x10FFFF
#define ACE_PREFIX "xn--"
#define ACE_LEN 4
/* No valid name is longer than this in any form: UTF-8 takes <= 4 bytes per code point */
#define INPUT_MAX (4 * IDM_DOMAIN_MAX + 4)

static const char *const messages[] = {
	[IDM_DOMAIN_OK] = "",
	[IDM_DOMAIN_EMPTY] = "The domain is empty.",
	[IDM_DOMAIN_TOO_LONG] = "The domain is longer than 253 bytes.",
	[IDM_DOMAIN_EMPTY_LABEL] = "The domain has an empty label.",
	[IDM_DOMAIN_LABEL_TOO_LONG] = "A domain label is longer than 63 bytes.",
	[IDM_DOMAIN_BAD_CHAR] = "The domain has a character other than letters, digits, hyphens and dots.",
	[IDM_DOMAIN_BAD_CODEPOINT] = "The domain has a character not allowed in internationalised domain names (a space, punctuation, symbol, emoji, or a private-use or format character).",
	[IDM_DOMAIN_BAD_UTF8] = "The domain is not valid UTF-8.",
	[IDM_DOMAIN_HYPHEN_EDGE] = "A domain label starts or ends with a hyphen.",
	[IDM_DOMAIN_HYPHEN_34] = "A domain label has hyphens as its third and fourth characters but does not start with \"xn--\".",
	[IDM_DOMAIN_BAD_ALABEL] = "A label starting with \"xn--\" is not the Punycode form of a valid internationalised label.",
	[IDM_DOMAIN_ONE_LABEL] = "The domain has no dot.",
	[IDM_DOMAIN_NUMERIC_TLD] = "The top-level domain is all digits.",
};

/* Inclusive ranges of refused non-ASCII code points, in ascending order. */
static const uint32_t refused[][2] = {
	{0x0080, 0x00BF},			/* C1 controls, Latin-1 punctuation and symbols */
	{0x00D7, 0x00D7}, {0x00F7, 0x00F7},	/* multiplication, division signs */
	{0x0130, 0x0130},			/* capital I with dot: lower case is two code points */
	{0x2000, 0x27FF},			/* spaces, ZWJ/ZWNJ, punctuation, symbols, arrows */
	{0x2900, 0x2BFF},			/* arrows, mathematical and miscellaneous symbols */
	{0x3000, 0x3004},			/* ideographic space, comma, full stop, ditto */
	{0x3008, 0x3020},			/* CJK brackets and marks */
	{0xD800, 0xF8FF},			/* surrogates, private use */
	{0xFDD0, 0xFDEF},			/* noncharacters */
	{0xFE00, 0xFE1F},			/* variation selectors, vertical forms */
	{0xFE30, 0xFE6F},			/* CJK compatibility and small forms */
	{0xFEFF, 0xFEFF},			/* byte order mark */
	{0xFF00, 0xFFEF},			/* halfwidth and fullwidth forms */
	{0xFFF0, 0xFFFF},			/* specials */
	{0x1F000, 0x1FAFF},			/* emoji, pictographs, game symbols */
	{0xE0000, 0xE0FFF},			/* tags, variation selectors supplement */
	{0xF0000, CP_MAX},			/* supplementary private use */
};

const char *
IdmDomainMessage(IdmDomainStatus status)
{
	if ((size_t) status >= sizeof(messages) / sizeof(messages[0]))
		return "The domain is not valid.";
	return messages[status];
}

static bool
Refused(uint32_t c)
{
	if ((c & 0xFFFE) == 0xFFFE)
		return true;			/* noncharacter of any plane */
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
	{
		if (c < refused[i][0])
			return false;
		if (c <= refused[i][1])
			return true;
	}
	return false;
}

/* Within [lo, hi], does c have the parity whose next code point is its lower case? */
static bool
PairUpper(uint32_t c, uint32_t lo, uint32_t hi)
{
	return c >= lo && c <= hi && ((c - lo) % 2) == 0;
}

/* Simple lower-case mapping for ASCII and the common cased scripts. */
static uint32_t
Lower(uint32_t c)
{
	if (c >= 'A' && c <= 'Z')
		return c + 0x20;
	if (c < 0xC0)
		return c;
	if (c <= 0xDE && c != 0xD7)
		return c + 0x20;		/* Latin-1 */
	if (PairUpper(c, 0x100, 0x12F) || PairUpper(c, 0x132, 0x137) ||
		PairUpper(c, 0x139, 0x148) || PairUpper(c, 0x14A, 0x177) ||
		PairUpper(c, 0x179, 0x17E))
		return c + 1;			/* Latin Extended-A */
	if (c == 0x178)
		return 0xFF;
	if (c == 0x386)
		return 0x3AC;
	if (c >= 0x388 && c <= 0x38A)
		return c + 0x25;
	if (c == 0x38C)
		return 0x3CC;
	if (c == 0x38E || c == 0x38F)
		return c + 0x3F;
	if ((c >= 0x391 && c <= 0x3A1) || (c >= 0x3A3 && c <= 0x3AB))
		return c + 0x20;		/* Greek */
	if (((c >= 0x1F08 && c <= 0x1F6F) || (c >= 0x1F88 && c <= 0x1FAF)) && (c & 0xF) >= 8)
		return c - 8;			/* Greek Extended (polytonic) */
	if (c >= 0x400 && c <= 0x40F)
		return c + 0x50;
	if (c >= 0x410 && c <= 0x42F)
		return c + 0x20;		/* Cyrillic */
	if (c == 0x4C0)
		return 0x4CF;
	if (PairUpper(c, 0x460, 0x481) || PairUpper(c, 0x48A, 0x4BF) ||
		PairUpper(c, 0x4C1, 0x4CE) || PairUpper(c, 0x4D0, 0x52F))
		return c + 1;
	if (c >= 0x531 && c <= 0x556)
		return c + 0x30;		/* Armenian */
	if (PairUpper(c, 0x1E00, 0x1E95) || PairUpper(c, 0x1EA0, 0x1EFF))
		return c + 1;			/* Latin Extended Additional (Vietnamese) */
	if (c == 0x1E9E)
		return 0xDF;			/* capital sharp s */
	return c;
}

static bool
IsLdh(uint32_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

/* U+002E and the dots IDNA treats as label separators */
static bool
IsDot(uint32_t c)
{
	return c == '.' || c == 0x3002 || c == 0xFF0E || c == 0xFF61;
}

/* Decodes one UTF-8 sequence; returns its length, 0 if malformed. */
static size_t
Utf8Decode(const unsigned char *s, size_t len, uint32_t *cp)
{
	uint32_t	c;
	size_t		n;

	if (s[0] < 0x80)
	{
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xC2 && s[0] <= 0xDF)
	{
		n = 2;
		c = s[0] & 0x1F;
	}
	else if ((s[0] & 0xF0) == 0xE0)
	{
		n = 3;
		c = s[0] & 0x0F;
	}
	else if (s[0] >= 0xF0 && s[0] <= 0xF4)
	{
		n = 4;
		c = s[0] & 0x07;
	}
	else
		return 0;
	if (n > len)
		return 0;
	for (size_t i = 1; i < n; i++)
	{
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3F);
	}
	if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > CP_MAX)) ||
		(c >= 0xD800 && c <= 0xDFFF))
		return 0;
	*cp = c;
	return n;
}

/* RFC 3492 section 6.1 */
static uint32_t
Adapt(uint32_t delta, uint32_t numpoints, bool first)
{
	uint32_t	k = 0;

	delta = first ? delta / PUNY_DAMP : delta / 2;
	delta += delta / numpoints;
	while (delta > ((PUNY_BASE - PUNY_TMIN) * PUNY_TMAX) / 2)
	{
		delta /= PUNY_BASE - PUNY_TMIN;
		k += PUNY_BASE;
	}
	return k + (PUNY_BASE - PUNY_TMIN + 1) * delta / (delta + PUNY_SKEW);
}

static uint32_t
Threshold(uint32_t k, uint32_t bias)
{
	if (k <= bias)
		return PUNY_TMIN;
	if (k >= bias + PUNY_TMAX)
		return PUNY_TMAX;
	return k - bias;
}

static char
EncodeDigit(uint32_t d)
{
	return d < 26 ? (char) ('a' + d) : (char) ('0' + d - 26);
}

static int
DecodeDigit(char c)
{
	if (c >= 'a' && c <= 'z')
		return c - 'a';
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= '0' && c <= '9')
		return c - '0' + 26;
	return -1;
}

/* Appends the variable-length integer q (RFC 3492 section 6.3's inner loop). */
static bool
EncodeDelta(uint32_t q, uint32_t bias, char *out, size_t outsize, size_t *o)
{
	for (uint32_t k = PUNY_BASE;; k += PUNY_BASE)
	{
		uint32_t	t = Threshold(k, bias);

		if (q < t)
			break;
		if (*o >= outsize)
			return false;
		out[(*o)++] = EncodeDigit(t + (q - t) % (PUNY_BASE - t));
		q = (q - t) / (PUNY_BASE - t);
	}
	if (*o >= outsize)
		return false;
	out[(*o)++] = EncodeDigit(q);
	return true;
}

bool
IdmPunycodeEncode(const uint32_t *cp, size_t n, char *out, size_t outsize,
				  size_t *outlen)
{
	size_t		o = 0;
	uint32_t	h,
				b,
				next = PUNY_INITIAL_N,
				delta = 0,
				bias = PUNY_INITIAL_BIAS;

	if (n > 0xFFFF)
		return false;
	for (size_t i = 0; i < n; i++)
		if (cp[i] < 0x80)
		{
			if (o >= outsize)
				return false;
			out[o++] = (char) cp[i];
		}
	h = b = (uint32_t) o;
	if (b > 0)
	{
		if (o >= outsize)
			return false;
		out[o++] = '-';
	}
	while (h < n)
	{
		uint32_t	m = UINT32_MAX;

		for (size_t i = 0; i < n; i++)
			if (cp[i] >= next && cp[i] < m)
				m = cp[i];
		if ((m - next) > (UINT32_MAX - delta) / (h + 1))
			return false;
		delta += (m - next) * (h + 1);
		next = m;
		for (size_t i = 0; i < n; i++)
		{
			if (cp[i] < next && ++delta == 0)
				return false;
			if (cp[i] != next)
				continue;
			if (!EncodeDelta(delta, bias, out, outsize, &o))
				return false;
			bias = Adapt(delta, h + 1, h == b);
			delta = 0;
			h++;
		}
		if (delta == UINT32_MAX || next == UINT32_MAX)
			return false;
		delta++;
		next++;
	}
	*outlen = o;
	return true;
}

bool
IdmPunycodeDecode(const char *in, size_t len, uint32_t *cp, size_t cpmax,
				  size_t *n)
{
	size_t		b = 0,
				out = 0,
				pos;
	uint32_t	next = PUNY_INITIAL_N,
				i = 0,
				bias = PUNY_INITIAL_BIAS;

	for (size_t j = 0; j < len; j++)
		if (in[j] == '-')
			b = j;
	for (size_t j = 0; j < b; j++)
	{
		if ((unsigned char) in[j] >= 0x80 || out >= cpmax)
			return false;
		cp[out++] = (unsigned char) in[j];
	}
	for (pos = b > 0 ? b + 1 : 0; pos < len;)
	{
		uint32_t	oldi = i,
					w = 1;

		for (uint32_t k = PUNY_BASE;; k += PUNY_BASE)
		{
			int			digit;
			uint32_t	t;

			if (pos >= len || (digit = DecodeDigit(in[pos++])) < 0)
				return false;
			if ((uint32_t) digit > (UINT32_MAX - i) / w)
				return false;
			i += (uint32_t) digit * w;
			t = Threshold(k, bias);
			if ((uint32_t) digit < t)
				break;
			if (w > UINT32_MAX / (PUNY_BASE - t))
				return false;
			w *= PUNY_BASE - t;
		}
		bias = Adapt(i - oldi, (uint32_t) out + 1, oldi == 0);
		if (i / (out + 1) > UINT32_MAX - next)
			return false;
		next += i / (out + 1);
		i %= (out + 1);
		if (next > CP_MAX || (next >= 0xD800 && next <= 0xDFFF) || out >= cpmax)
			return false;
		memmove(cp + i + 1, cp + i, (out - i) * sizeof(uint32_t));
		cp[i++] = next;
		out++;
	}
	*n = out;
	return true;
}

/* Hyphen rules of RFC 5891 4.2.3.1 and RFC 1035, on code points */
static IdmDomainStatus
HyphenProblem(const uint32_t *cp, size_t n, bool ace_allowed)
{
	if (cp[0] == '-' || cp[n - 1] == '-')
		return IDM_DOMAIN_HYPHEN_EDGE;
	if (n >= 4 && cp[2] == '-' && cp[3] == '-' &&
		!(ace_allowed && cp[0] == 'x' && cp[1] == 'n'))
		return IDM_DOMAIN_HYPHEN_34;
	return IDM_DOMAIN_OK;
}

/*
 * Checks an ASCII label's "xn--" form: it must decode to a lower-case
 * label with a non-ASCII code point, pass the U-label rules, and be the
 * very encoding of that label (no alternative spellings of one name).
 */
static IdmDomainStatus
CheckALabel(const char *ace, size_t n)
{
	uint32_t	dec[IDM_LABEL_MAX];
	char		again[IDM_LABEL_MAX];
	size_t		ndec,
				nagain;
	bool		nonascii = false;

	if (n == 0 || !IdmPunycodeDecode(ace, n, dec, IDM_LABEL_MAX, &ndec) || ndec == 0)
		return IDM_DOMAIN_BAD_ALABEL;
	for (size_t i = 0; i < ndec; i++)
	{
		if (dec[i] >= 0x80)
			nonascii = true;
		if (Lower(dec[i]) != dec[i] || (dec[i] < 0x80 && !IsLdh(dec[i])) ||
			(dec[i] >= 0x80 && (Refused(dec[i]) || IsDot(dec[i]))))
			return IDM_DOMAIN_BAD_ALABEL;
	}
	if (!nonascii || HyphenProblem(dec, ndec, false) != IDM_DOMAIN_OK)
		return IDM_DOMAIN_BAD_ALABEL;
	if (!IdmPunycodeEncode(dec, ndec, again, sizeof(again), &nagain) ||
		nagain != n || memcmp(again, ace, n) != 0)
		return IDM_DOMAIN_BAD_ALABEL;
	return IDM_DOMAIN_OK;
}

/* Writes one label's ASCII form into buf (IDM_LABEL_MAX bytes). */
static IdmDomainStatus
LabelToAscii(const uint32_t *cp, size_t n, bool ascii, char *buf, size_t *blen)
{
	IdmDomainStatus st;

	if (n > IDM_LABEL_MAX)
		return IDM_DOMAIN_LABEL_TOO_LONG;
	if ((st = HyphenProblem(cp, n, ascii)) != IDM_DOMAIN_OK)
		return st;
	if (!ascii)
	{
		memcpy(buf, ACE_PREFIX, ACE_LEN);
		if (!IdmPunycodeEncode(cp, n, buf + ACE_LEN, IDM_LABEL_MAX - ACE_LEN, blen))
			return IDM_DOMAIN_LABEL_TOO_LONG;
		*blen += ACE_LEN;
		return IDM_DOMAIN_OK;
	}
	for (size_t i = 0; i < n; i++)
		buf[i] = (char) cp[i];
	*blen = n;
	if (n >= ACE_LEN && memcmp(buf, ACE_PREFIX, ACE_LEN) == 0)
		return CheckALabel(buf + ACE_LEN, n - ACE_LEN);
	return IDM_DOMAIN_OK;
}

/* Appends a label (after a dot unless it is the first); notes whether it has a letter. */
static IdmDomainStatus
AppendLabel(const uint32_t *cp, size_t n, bool ascii, char *out, size_t *o,
			bool *alpha)
{
	char		buf[IDM_LABEL_MAX];
	size_t		blen;
	size_t		sep = *o > 0 ? 1 : 0;
	IdmDomainStatus st = LabelToAscii(cp, n, ascii, buf, &blen);

	if (st != IDM_DOMAIN_OK)
		return st;
	if (*o + sep + blen > IDM_DOMAIN_MAX)
		return IDM_DOMAIN_TOO_LONG;
	if (sep)
		out[(*o)++] = '.';
	memcpy(out + *o, buf, blen);
	*o += blen;
	out[*o] = '\0';
	*alpha = false;
	for (size_t i = 0; i < blen; i++)
		if (buf[i] >= 'a' && buf[i] <= 'z')
			*alpha = true;
	return IDM_DOMAIN_OK;
}

/* Length of the name without one trailing ASCII dot, if the flags allow it */
static size_t
WithoutTrailingDot(const unsigned char *s, size_t len, int flags)
{
	return ((flags & IDM_DOMAIN_TRAILING_DOT) && len > 0 && s[len - 1] == '.') ? len - 1 : len;
}

IdmDomainStatus
IdmDomainNormalize(const char *in, size_t len, int flags, char *out, size_t *outlen)
{
	const unsigned char *s = (const unsigned char *) in;
	uint32_t	label[IDM_LABEL_MAX + 1];
	size_t		n = 0,
				o = 0,
				labels = 0,
				pos = 0,
				ascii_len = 0;
	bool		ascii = true,
				alpha = false;
	IdmDomainStatus st;

	out[0] = '\0';
	*outlen = 0;
	while (ascii_len < len && s[ascii_len] < 0x80)
		ascii_len++;
	if (WithoutTrailingDot(s, len, flags) == 0)
		return IDM_DOMAIN_EMPTY;
	/* checked first, as RFC 1035 does: an ASCII name keeps its length */
	if ((ascii_len == len && WithoutTrailingDot(s, len, flags) > IDM_DOMAIN_MAX) ||
		len > INPUT_MAX)
		return IDM_DOMAIN_TOO_LONG;
	for (;;)
	{
		uint32_t	c = 0;
		size_t		step = 0;

		if (pos < len && (step = Utf8Decode(s + pos, len - pos, &c)) == 0)
			return IDM_DOMAIN_BAD_UTF8;
		if (pos == len || IsDot(c))
		{
			if (n == 0)
			{
				/* the end right after a dot: a trailing dot */
				if (pos == len && labels > 0 && (flags & IDM_DOMAIN_TRAILING_DOT))
					break;
				return IDM_DOMAIN_EMPTY_LABEL;
			}
			if ((st = AppendLabel(label, n, ascii, out, &o, &alpha)) != IDM_DOMAIN_OK)
				return st;
			labels++;
			n = 0;
			ascii = true;
			if (pos == len)
				break;
			pos += step;
			continue;
		}
		c = Lower(c);
		if (c < 0x80 && !IsLdh(c))
			return IDM_DOMAIN_BAD_CHAR;
		if (c >= 0x80)
		{
			if (Refused(c))
				return IDM_DOMAIN_BAD_CODEPOINT;
			ascii = false;
		}
		/* stop storing past the limit, but scan on: a bad character still wins */
		if (n <= IDM_LABEL_MAX)
			label[n++] = c;
		pos += step;
	}
	if (labels < 2)
		return IDM_DOMAIN_ONE_LABEL;
	if (!alpha)
		return IDM_DOMAIN_NUMERIC_TLD;
	*outlen = o;
	return IDM_DOMAIN_OK;
}
