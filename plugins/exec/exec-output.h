/*
 * Reading what an exec provider program printed: one data exchange document
 * on stdout. Kept apart from the plugin so the fuzzer can drive it.
 */
#ifndef PROV_PLUGIN_EXEC_OUTPUT_H
#define PROV_PLUGIN_EXEC_OUTPUT_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

/* How much of a malformed output a message quotes. */
#define EXEC_QUOTE_BYTES 200

typedef struct exec_reply {
	bool success;              /* status "success" */
	json_object *data;         /* result.data when success (owned, may be NULL) */
	char code[64];             /* error.code otherwise */
	char message[768];         /* error.message, or why the output is malformed */
	json_object *details;      /* error.details (owned, may be NULL) */
} exec_reply;

/*
 * Parse `len` bytes of output. Returns 0 for a well-formed document (see
 * reply->success) and -1 for malformed output, with reply->message saying
 * why and quoting its first EXEC_QUOTE_BYTES bytes. Release the reply with
 * exec_reply_release() in both cases.
 */
int exec_output_parse(exec_reply *reply, const char *data, size_t len);
void exec_reply_release(exec_reply *reply);

#endif
