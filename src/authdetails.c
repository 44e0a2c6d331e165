/*
 * authdetails.c - which authorization details each connector type requires
 *
 * The spec's connected_accountsAuthorizationDetails holds either
 * "oauth_token" (access_token, refresh_token, scopes, domain) or
 * "static_auth": {"details": {...}} whose fields depend on the connector
 * type.  This file decides, over JSON text, whether details fit a type.
 *
 * It is deliberately free of PostgreSQL: json-c only, no palloc, no
 * ereport, bounded work, so a libFuzzer harness links it alone.  Messages
 * name fields, never values: a token typed into the wrong field must not
 * come back in an error.
 */
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "authdetails.h"

#define MAX_DEPTH 8				/* deeper input is refused, not recursed */
#define SHOWN_KEY_MAX 64		/* bytes of an unexpected key put in a message */

typedef enum
{
	FIELD_STRING,				/* non-empty string */
	FIELD_SCOPES				/* array of non-empty strings */
} FieldKind;

typedef struct
{
	const char *name;
	int			required;
	FieldKind	kind;
} Field;

typedef struct
{
	const char *type;			/* connector_type label */
	int			oauth;			/* details under oauth_token (else static_auth) */
	const Field *fields;		/* NULL: any string fields (CUSTOM) */
	const char *shape;			/* what the caller should send */
} TypeRule;

static const Field oauth_fields[] = {
	{"access_token", 1, FIELD_STRING},
	{"refresh_token", 0, FIELD_STRING},
	{"scopes", 0, FIELD_SCOPES},
	{"domain", 0, FIELD_STRING},
	{NULL, 0, FIELD_STRING}
};
static const Field api_key_fields[] = {
	{"api_key", 1, FIELD_STRING},
	{"api_secret", 0, FIELD_STRING},
	{"domain", 0, FIELD_STRING},
	{NULL, 0, FIELD_STRING}
};
static const Field basic_fields[] = {
	{"username", 1, FIELD_STRING},
	{"password", 1, FIELD_STRING},
	{"domain", 0, FIELD_STRING},
	{NULL, 0, FIELD_STRING}
};
static const Field bearer_fields[] = {
	{"token", 1, FIELD_STRING},
	{"domain", 0, FIELD_STRING},
	{NULL, 0, FIELD_STRING}
};

static const TypeRule rules[] = {
	{"OAUTH", 1, oauth_fields,
	"OAUTH takes {\"oauth_token\": {\"access_token\": ..., optional \"refresh_token\", \"scopes\" (array of strings), \"domain\"}}."},
	{"API_KEY", 0, api_key_fields,
	"API_KEY takes {\"static_auth\": {\"details\": {\"api_key\": ..., optional \"api_secret\", \"domain\"}}}."},
	{"BASIC_AUTH", 0, basic_fields,
	"BASIC_AUTH takes {\"static_auth\": {\"details\": {\"username\": ..., \"password\": ..., optional \"domain\"}}}."},
	{"BASIC", 0, basic_fields,
	"BASIC takes {\"static_auth\": {\"details\": {\"username\": ..., \"password\": ..., optional \"domain\"}}}."},
	{"BEARER_TOKEN", 0, bearer_fields,
	"BEARER_TOKEN takes {\"static_auth\": {\"details\": {\"token\": ..., optional \"domain\"}}}."},
	{"CUSTOM", 0, NULL,
	"CUSTOM takes {\"static_auth\": {\"details\": {...}}} with at least one field, every value a non-empty string."},
};

/* The rule of a type label, or NULL. */
static const TypeRule *
RuleFor(const char *type)
{
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		if (strcmp(rules[i].type, type) == 0)
			return &rules[i];
	return NULL;
}

const char *
IdmAuthDetailsShape(const char *type)
{
	const TypeRule *rule = RuleFor(type);

	return rule ? rule->shape : "";
}

/* Copies a key for a message: printable ASCII only, bounded. */
static void
ShowKey(const char *key, char *out, size_t outlen)
{
	size_t		n = 0;
	size_t		i;

	for (i = 0; key[i] && n + 4 < outlen && i < SHOWN_KEY_MAX; i++)
	{
		unsigned char c = (unsigned char) key[i];

		out[n++] = (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') ? (char) c : '?';
	}
	if (key[i])
		out[n++] = '.', out[n++] = '.', out[n++] = '.';
	out[n] = '\0';
}

/* Writes "unexpected field <path>.<key>" and returns 0. */
static int
Unexpected(const char *path, const char *key, char *msg, size_t msglen)
{
	char		shown[SHOWN_KEY_MAX + 8];

	ShowKey(key, shown, sizeof(shown));
	snprintf(msg, msglen, "unexpected field %s.%s", path, shown);
	return 0;
}

/* A non-empty, bounded string value; path names it in the message. */
static int
CheckString(json_object *v, const char *path, char *msg, size_t msglen)
{
	int			len;

	if (!json_object_is_type(v, json_type_string))
	{
		snprintf(msg, msglen, "%s must be a string", path);
		return 0;
	}
	len = json_object_get_string_len(v);
	if (len == 0)
	{
		snprintf(msg, msglen, "%s must not be empty", path);
		return 0;
	}
	if (len > IDM_AUTH_VALUE_MAXLEN)
	{
		snprintf(msg, msglen, "%s is longer than %d bytes", path, IDM_AUTH_VALUE_MAXLEN);
		return 0;
	}
	return 1;
}

/* scopes: an array of non-empty strings. */
static int
CheckScopes(json_object *v, const char *path, char *msg, size_t msglen)
{
	size_t		n;

	if (!json_object_is_type(v, json_type_array))
	{
		snprintf(msg, msglen, "%s must be an array of strings", path);
		return 0;
	}
	n = json_object_array_length(v);
	if (n > IDM_AUTH_MAX_SCOPES)
	{
		snprintf(msg, msglen, "%s has more than %d entries", path, IDM_AUTH_MAX_SCOPES);
		return 0;
	}
	for (size_t i = 0; i < n; i++)
	{
		char		elem[96];

		snprintf(elem, sizeof(elem), "%s[%zu]", path, i);
		if (!CheckString(json_object_array_get_idx(v, i), elem, msg, msglen))
			return 0;
	}
	return 1;
}

/* Checks an object of credential fields against a field list (NULL: CUSTOM). */
static int
CheckFields(json_object *obj, const TypeRule *rule, const char *path,
			char *msg, size_t msglen)
{
	char		fpath[96];

	if (!json_object_is_type(obj, json_type_object))
	{
		snprintf(msg, msglen, "%s must be an object", path);
		return 0;
	}
	{
		json_object_object_foreach(obj, key, val)
		{
			const Field *f = NULL;

			for (const Field *p = rule->fields; p && p->name; p++)
				if (strcmp(p->name, key) == 0)
					f = p;
			if (rule->fields && f == NULL)
				return Unexpected(path, key, msg, msglen);
			if (f == NULL)
			{
				/* CUSTOM: any field name, string values; name not echoed */
				snprintf(fpath, sizeof(fpath), "every value of %s", path);
				if (*key == '\0')
				{
					snprintf(msg, msglen, "%s has an empty field name", path);
					return 0;
				}
			}
			else
				snprintf(fpath, sizeof(fpath), "%s.%s", path, f->name);
			if (f && f->kind == FIELD_SCOPES ? !CheckScopes(val, fpath, msg, msglen)
				: !CheckString(val, fpath, msg, msglen))
				return 0;
		}
	}
	for (const Field *p = rule->fields; p && p->name; p++)
		if (p->required && !json_object_object_get_ex(obj, p->name, NULL))
		{
			snprintf(msg, msglen, "%s.%s is required for %s", path, p->name, rule->type);
			return 0;
		}
	if (rule->fields == NULL && json_object_object_length(obj) == 0)
	{
		snprintf(msg, msglen, "%s must have at least one field for %s", path, rule->type);
		return 0;
	}
	return 1;
}

/* static_auth must be {"details": {...}} and nothing else. */
static int
CheckStaticAuth(json_object *sa, const TypeRule *rule, char *msg, size_t msglen)
{
	const char *path = "authorization_details.static_auth";
	json_object *details = NULL;

	if (!json_object_is_type(sa, json_type_object))
	{
		snprintf(msg, msglen, "%s must be an object", path);
		return 0;
	}
	{
		json_object_object_foreach(sa, key, val)
		{
			(void) val;
			if (strcmp(key, "details") != 0)
				return Unexpected(path, key, msg, msglen);
		}
	}
	if (!json_object_object_get_ex(sa, "details", &details))
	{
		snprintf(msg, msglen, "%s.details is required for %s", path, rule->type);
		return 0;
	}
	return CheckFields(details, rule, "authorization_details.static_auth.details",
					   msg, msglen);
}

/* The top level: exactly the one container the type uses. */
static int
CheckRoot(json_object *root, const TypeRule *rule, char *msg, size_t msglen)
{
	const char *want = rule->oauth ? "oauth_token" : "static_auth";
	const char *other = rule->oauth ? "static_auth" : "oauth_token";
	json_object *inner = NULL;

	if (!json_object_is_type(root, json_type_object))
	{
		snprintf(msg, msglen, "authorization_details must be a JSON object");
		return 0;
	}
	{
		json_object_object_foreach(root, key, val)
		{
			(void) val;
			if (strcmp(key, "oauth_token") != 0 && strcmp(key, "static_auth") != 0)
				return Unexpected("authorization_details", key, msg, msglen);
		}
	}
	if (json_object_object_get_ex(root, other, NULL))
	{
		snprintf(msg, msglen, "authorization_details.%s is not allowed for %s",
				 other, rule->type);
		return 0;
	}
	if (!json_object_object_get_ex(root, want, &inner))
	{
		snprintf(msg, msglen, "authorization_details.%s is required for %s",
				 want, rule->type);
		return 0;
	}
	if (rule->oauth)
		return CheckFields(inner, rule, "authorization_details.oauth_token", msg, msglen);
	return CheckStaticAuth(inner, rule, msg, msglen);
}

int
IdmAuthDetailsCheck(const char *type, const char *json, size_t len,
					char *msg, size_t msglen)
{
	const TypeRule *rule = RuleFor(type);
	struct json_tokener *tok;
	json_object *root;
	size_t		end;
	int			ok;

	if (rule == NULL)
	{
		snprintf(msg, msglen, "unknown connector type");
		return 0;
	}
	if (len > IDM_AUTH_DETAILS_MAXLEN)
	{
		snprintf(msg, msglen, "authorization_details is longer than %d bytes",
				 IDM_AUTH_DETAILS_MAXLEN);
		return 0;
	}
	if (memchr(json, '\0', len) != NULL || (tok = json_tokener_new_ex(MAX_DEPTH)) == NULL)
	{
		snprintf(msg, msglen, "authorization_details is not valid JSON");
		return 0;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	root = json_tokener_parse_ex(tok, json, (int) len);
	end = json_tokener_get_parse_end(tok);
	while (end < len && strchr(" \t\r\n", json[end]) != NULL)
		end++;
	if (root == NULL || json_tokener_get_error(tok) != json_tokener_success || end != len)
	{
		snprintf(msg, msglen, "authorization_details is not valid JSON");
		ok = 0;
	}
	else
		ok = CheckRoot(root, rule, msg, msglen);
	json_object_put(root);
	json_tokener_free(tok);
	return ok;
}
