/*
 * domain_core.h - domain name normalisation, free of PostgreSQL
 *
 * Pure C (no palloc, no ereport, no globals): the caller gives the output
 * buffer and gets a status code whose message is a static string.  That
 * keeps it linkable into a libFuzzer harness outside the server.  Unicode
 * normalisation (NFC) is the caller's job; domain.c does it with
 * PostgreSQL's unicode_normalize before calling in here.
 */
#ifndef PG_IDM_DOMAIN_CORE_H
#define PG_IDM_DOMAIN_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IDM_DOMAIN_MAX 253		/* RFC 1035, without the trailing dot */
#define IDM_LABEL_MAX 63
#define IDM_DOMAIN_BUFSIZE (IDM_DOMAIN_MAX + 1)

typedef enum IdmDomainStatus
{
	IDM_DOMAIN_OK = 0,
	IDM_DOMAIN_EMPTY,
	IDM_DOMAIN_TOO_LONG,
	IDM_DOMAIN_EMPTY_LABEL,
	IDM_DOMAIN_LABEL_TOO_LONG,
	IDM_DOMAIN_BAD_CHAR,
	IDM_DOMAIN_BAD_CODEPOINT,
	IDM_DOMAIN_BAD_UTF8,
	IDM_DOMAIN_HYPHEN_EDGE,
	IDM_DOMAIN_HYPHEN_34,
	IDM_DOMAIN_BAD_ALABEL,
	IDM_DOMAIN_ONE_LABEL,
	IDM_DOMAIN_NUMERIC_TLD
} IdmDomainStatus;

/* Flags of IdmDomainNormalize */
#define IDM_DOMAIN_TRAILING_DOT 0x01	/* accept (and drop) one final dot */

/*
 * Normalises the UTF-8 domain in[0..len) into out (IDM_DOMAIN_BUFSIZE
 * bytes, NUL-terminated, *outlen bytes): lower case, dots (also U+3002,
 * U+FF0E, U+FF61) as label separators, non-ASCII labels as Punycode
 * A-labels ("xn--"), RFC 1035/5890 label rules.  On failure out holds
 * nothing useful and the status says why.
 */
extern IdmDomainStatus IdmDomainNormalize(const char *in, size_t len, int flags,
										  char *out, size_t *outlen);

/* A sentence saying what a status means ("" for IDM_DOMAIN_OK) */
extern const char *IdmDomainMessage(IdmDomainStatus status);

/*
 * RFC 3492 Punycode of n code points into out (at most outsize bytes, no
 * NUL written).  Returns false on overflow or when out is too small.
 */
extern bool IdmPunycodeEncode(const uint32_t *cp, size_t n, char *out,
							  size_t outsize, size_t *outlen);

/*
 * Decodes RFC 3492 Punycode (lower or upper case digits) into at most
 * cpmax code points.  Returns false on invalid input or overflow.
 */
extern bool IdmPunycodeDecode(const char *in, size_t len, uint32_t *cp,
							  size_t cpmax, size_t *n);

#endif
