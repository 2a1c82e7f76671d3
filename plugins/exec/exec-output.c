/*
 * Validation of a program's data exchange document. Anything unexpected is
 * "malformed output", reported with the reason and the first bytes of what
 * was printed, so a broken script can be fixed from the error alone.
 */
#include "exec-output.h"

#include <stdio.h>
#include <string.h>

/* Deep enough for any sane result, shallow enough to bound json-c's recursion. */
#define EXEC_MAX_DEPTH 64

/* At most `limit` bytes of data as one line: control characters become spaces. */
static void one_line(char *out, size_t size, const char *data, size_t len, size_t limit)
{
	size_t n = len < limit ? len : limit, j = 0;

	for (size_t i = 0; i < n && j + 1 < size; i++) {
		unsigned char c = (unsigned char)data[i];

		out[j++] = c < 0x20 || c == 0x7f ? ' ' : (char)c;
	}
	out[j] = '\0';
}

static int malformed(exec_reply *reply, const char *why, const char *data, size_t len)
{
	char begins[EXEC_QUOTE_BYTES + 1];

	one_line(begins, sizeof(begins), data, len, EXEC_QUOTE_BYTES);
	snprintf(reply->message, sizeof(reply->message),
		 "malformed output (%s); it begins: %s", why, len ? begins : "(nothing)");
	return -1;
}

static json_object *parse_document(const char *data, size_t len, const char **why)
{
	json_tokener *tok = json_tokener_new_ex(EXEC_MAX_DEPTH);
	json_object *doc;
	size_t used;

	if (!tok) {
		*why = "out of memory";
		return NULL;
	}
	doc = json_tokener_parse_ex(tok, data, (int)len);
	used = json_tokener_get_parse_end(tok);
	if (!doc || json_tokener_get_error(tok) != json_tokener_success) {
		*why = "not JSON";
		json_object_put(doc);
		doc = NULL;
	} else {
		for (; used < len; used++)
			if (!strchr(" \t\r\n", data[used])) {
				*why = "text after the document";
				json_object_put(doc);
				doc = NULL;
				break;
			}
	}
	json_tokener_free(tok);
	return doc;
}

static const char *member_string(json_object *obj, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static int read_error(exec_reply *reply, json_object *doc, const char *status)
{
	json_object *err, *details;
	const char *code, *message;

	if (!json_object_object_get_ex(doc, "error", &err) ||
	    !json_object_is_type(err, json_type_object))
		return -2;
	code = member_string(err, "code");
	message = member_string(err, "message");
	if (!code)
		code = strcmp(status, "cancelled") == 0 ? "CANCELLED" : "ERROR";
	one_line(reply->code, sizeof(reply->code), code, strlen(code), sizeof(reply->code) - 1);
	if (!message)
		message = "the program reported an error without a message";
	one_line(reply->message, sizeof(reply->message), message, strlen(message),
		 sizeof(reply->message) - 1);
	if (json_object_object_get_ex(err, "details", &details) &&
	    json_object_is_type(details, json_type_object))
		reply->details = json_object_get(details);
	return 0;
}

static int read_document(exec_reply *reply, json_object *doc, const char *data, size_t len)
{
	json_object *v, *result;
	const char *status;

	if (!json_object_is_type(doc, json_type_object))
		return malformed(reply, "not a JSON object", data, len);
	if (json_object_object_get_ex(doc, "format_version", &v) &&
	    (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) != 1))
		return malformed(reply, json_object_is_type(v, json_type_int) &&
				 json_object_get_int64(v) > 1
				 ? "format_version is newer than 1, the version read here"
				 : "format_version is not 1", data, len);
	status = member_string(doc, "status");
	if (!status)
		return malformed(reply, "no status", data, len);
	if (strcmp(status, "success") == 0) {
		reply->success = true;
		if (json_object_object_get_ex(doc, "result", &result) &&
		    json_object_is_type(result, json_type_object) &&
		    json_object_object_get_ex(result, "data", &v))
			reply->data = json_object_get(v);
		return 0;
	}
	if (strcmp(status, "error") && strcmp(status, "partial") && strcmp(status, "cancelled"))
		return malformed(reply, "unknown status", data, len);
	if (read_error(reply, doc, status) != 0)
		return malformed(reply, "a failure without an error object", data, len);
	return 0;
}

int exec_output_parse(exec_reply *reply, const char *data, size_t len)
{
	const char *why = "not JSON";
	json_object *doc;
	int rc;

	memset(reply, 0, sizeof(*reply));
	if (len > (size_t)0x7fffffff)
		return malformed(reply, "too large", data, len);
	doc = parse_document(data, len, &why);
	if (!doc)
		return malformed(reply, why, data, len);
	rc = read_document(reply, doc, data, len);
	json_object_put(doc);
	return rc;
}

void exec_reply_release(exec_reply *reply)
{
	json_object_put(reply->data);
	json_object_put(reply->details);
	reply->data = NULL;
	reply->details = NULL;
}
