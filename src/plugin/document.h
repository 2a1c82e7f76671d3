/*
 * The data exchange document of a call and the matching prov_error_last():
 * every call ends here, whether the plugin succeeded, failed, overran its
 * deadline, wrote malformed output, or was never called.
 */
#ifndef PROV_PLUGIN_DOCUMENT_H
#define PROV_PLUGIN_DOCUMENT_H

#include "plugin/call.h"
#include "plugin/dispatch.h"

#include <stdbool.h>
#include <stdint.h>

/* What a plugin reported through prov_call.fail (copies). */
typedef struct prov_call_failure {
	bool reported;
	char *code;
	char *message;
	char *details;
} prov_call_failure;

/* Everything the host saw of one call. */
typedef struct prov_call_outcome {
	int returned;                   /* the plugin function's return value */
	bool cancelled;                 /* the caller had cancelled by the end */
	int64_t started_ms;
	int64_t finished_ms;
	int64_t deadline_ms;            /* 0: none */
	const prov_call_failure *failure;
	const char *output;
	size_t output_len;
	bool output_failed;             /* out of memory while collecting output */
} prov_call_outcome;

/* Judge the outcome, fill out and record the error; returns the status. */
int prov_document_finish(prov_call_result *out, const char *instance,
			 const prov_invocation *inv, const prov_call_context *ctx,
			 const char *key, const prov_call_outcome *outcome);

/*
 * The document of a call refused before the plugin ran, for the error
 * already recorded with status `code`; returns code.
 */
int prov_document_refuse(prov_call_result *out, const char *instance, const char *action,
			 const prov_call_context *ctx, int code);

/* How much of a bad output an error message quotes. */
#define PROV_DOCUMENT_QUOTE_BYTES 200

#endif
