/*
 * libFuzzer harness for the authorization-details core (authdetails.c,
 * json-c): the first input byte picks the connector type, the rest is the
 * JSON text.  No crash, leak or undefined behaviour; the verdict is
 * deterministic; a refusal's message is bounded printable ASCII; and it
 * never depends on what a string value holds (a token typed into the wrong
 * field must not come back in an error): blanking every string value to
 * 'x's of the same length gives the same verdict and the same message.
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "authdetails.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const types[] = {
	"OAUTH", "API_KEY", "BASIC_AUTH", "BASIC", "BEARER_TOKEN", "CUSTOM", "NO_SUCH_TYPE"
};

/* Replaces every string in v (values, not keys) by 'x's of the same length. */
static void
BlankValues(json_object *v)
{
	if (json_object_is_type(v, json_type_string))
	{
		int			n = json_object_get_string_len(v);
		char	   *x = malloc(n + 1);

		memset(x, 'x', n);
		json_object_set_string_len(v, x, n);
		free(x);
	}
	else if (json_object_is_type(v, json_type_array))
	{
		for (size_t i = 0; i < json_object_array_length(v); i++)
			BlankValues(json_object_array_get_idx(v, i));
	}
	else if (json_object_is_type(v, json_type_object))
	{
		json_object_object_foreach(v, key, val)
		{
			(void) key;
			BlankValues(val);
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *type;
	const char *json;
	size_t		len;
	char		msg[IDM_AUTH_MSG_LEN];
	char		again[IDM_AUTH_MSG_LEN];
	int			ok;
	struct json_tokener *tok;
	json_object *root;

	if (size == 0)
		return 0;
	type = types[data[0] % (sizeof(types) / sizeof(types[0]))];
	json = (const char *) data + 1;
	len = size - 1;
	memset(msg, 0x7f, sizeof(msg));
	ok = IdmAuthDetailsCheck(type, json, len, msg, sizeof(msg));
	assert(ok == 0 || ok == 1);
	assert(ok == IdmAuthDetailsCheck(type, json, len, again, sizeof(again)));
	if (ok)
		assert(strcmp(type, "NO_SUCH_TYPE") != 0 && len > 0);
	else
	{
		size_t		n = strnlen(msg, sizeof(msg));

		assert(n > 0 && n < sizeof(msg) && strcmp(msg, again) == 0);
		for (size_t i = 0; i < n; i++)
			assert(msg[i] >= 0x20 && msg[i] < 0x7f);
	}

	/*
	 * the same document with its values blanked: same verdict, same message
	 * (objects and arrays only: json-c needs input past a bare top-level
	 * number to end it, so "5" alone reads as incomplete)
	 */
	if (len > 60000 || memchr(json, '\0', len) != NULL)
		return 0;
	tok = json_tokener_new_ex(8);
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	root = json_tokener_parse_ex(tok, json, (int) len);
	if (root != NULL && json_tokener_get_error(tok) == json_tokener_success &&
		(json_object_is_type(root, json_type_object) || json_object_is_type(root, json_type_array)))
	{
		const char *blanked;

		BlankValues(root);
		blanked = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN |
												 JSON_C_TO_STRING_NOSLASHESCAPE);
		assert(ok == IdmAuthDetailsCheck(type, blanked, strlen(blanked), again, sizeof(again)));
		assert(ok || strcmp(msg, again) == 0);
	}
	json_object_put(root);
	json_tokener_free(tok);
	return 0;
}
