/*
 * The per-thread last error.
 *
 * Each thread owns one fixed-size record, so recording an error never
 * allocates and never fails: out-of-memory errors must be reportable too.
 */
#include "core/err.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MESSAGE_MAX 1024
#define FIELD_MAX 512

enum { FIELD_COUNT = PROV_ERR_RESOURCE_ID + 1 };

struct error_state {
	prov_error public;
	char message[MESSAGE_MAX];
	char fields[FIELD_COUNT][FIELD_MAX];
};

static _Thread_local struct error_state tls_error;

struct prov_err_saved {
	int code;
	int category;
	int line;
	char message[MESSAGE_MAX];
	char fields[FIELD_COUNT][FIELD_MAX];
};

/* Length of the UTF-8 sequence that starts with byte c, 1 for stray bytes. */
static size_t utf8_sequence_length(unsigned char c)
{
	if (c >= 0xf0 && c <= 0xf4)
		return 4;
	if (c >= 0xe0)
		return c <= 0xef ? 3 : 1;
	if (c >= 0xc2)
		return 2;
	return 1;
}

void prov_copy_bounded(char *dst, size_t size, const char *src)
{
	static const char ellipsis[] = "...";
	size_t used = 0, reserve;

	if (size == 0)
		return;
	if (!src)
		src = "";
	/* Room for the "..." marker is kept only when the text will not fit. */
	reserve = strlen(src) < size ? 0 : sizeof(ellipsis) - 1;
	while (*src) {
		unsigned char c = (unsigned char)*src;
		size_t n = utf8_sequence_length(c);

		if (n > 1 && strnlen(src, n) < n)
			n = 1;
		if (used + n + reserve + 1 > size) {
			size_t cut = size - 1 - used < reserve ? size - 1 - used : reserve;
			memcpy(dst + used, ellipsis, cut);
			used += cut;
			break;
		}
		if (n == 1) {
			dst[used++] = (c < 0x20 || c == 0x7f) ? ' ' : (char)c;
		} else {
			memcpy(dst + used, src, n);
			used += n;
		}
		src += n;
	}
	dst[used] = '\0';
}

static void point_fields_at_storage(struct error_state *st)
{
	st->public.size = sizeof(prov_error);
	st->public.message = st->message;
	st->public.file = st->fields[PROV_ERR_FILE];
	st->public.key = st->fields[PROV_ERR_KEY];
	st->public.provider = st->fields[PROV_ERR_PROVIDER];
	st->public.workflow_id = st->fields[PROV_ERR_WORKFLOW];
	st->public.operation_id = st->fields[PROV_ERR_OPERATION];
	st->public.resource_type = st->fields[PROV_ERR_RESOURCE_TYPE];
	st->public.resource_id = st->fields[PROV_ERR_RESOURCE_ID];
}

static struct error_state *state(void)
{
	struct error_state *st = &tls_error;

	if (!st->public.message)
		point_fields_at_storage(st);
	return st;
}

const prov_error *prov_error_last(void)
{
	return &state()->public;
}

void prov_error_clear(void)
{
	struct error_state *st = state();

	st->public.code = PROV_OK;
	st->public.category = PROV_ERRCAT_NONE;
	st->public.line = 0;
	st->message[0] = '\0';
	for (int i = 0; i < FIELD_COUNT; i++)
		st->fields[i][0] = '\0';
}

int prov_err_setv(int code, int category, const char *fmt, va_list ap)
{
	struct error_state *st = state();
	char raw[MESSAGE_MAX * 2];

	prov_error_clear();
	vsnprintf(raw, sizeof(raw), fmt, ap);
	prov_copy_bounded(st->message, sizeof(st->message), raw);
	st->public.code = code;
	st->public.category = category;
	return code;
}

int prov_err_set(int code, int category, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	prov_err_setv(code, category, fmt, ap);
	va_end(ap);
	return code;
}

int prov_err_at(int code, int category, const char *file, int line,
		const char *fmt, ...)
{
	char text[MESSAGE_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (!file || !*file)
		prov_err_set(code, category, "%s", text);
	else if (line > 0)
		prov_err_set(code, category, "%s:%d: %s", file, line, text);
	else
		prov_err_set(code, category, "%s: %s", file, text);
	prov_err_context(PROV_ERR_FILE, file);
	prov_err_line(line > 0 ? line : 0);
	return code;
}

int prov_err_nomem(void)
{
	return prov_err_set(PROV_ENOMEM, PROV_ERRCAT_MEMORY, "out of memory");
}

static int code_for_errno(int errnum)
{
	switch (errnum) {
	case ENOMEM:
		return PROV_ENOMEM;
	case ENOENT:
		return PROV_ENOTFOUND;
	case EACCES:
	case EPERM:
		return PROV_EPERM;
	default:
		return PROV_EIO;
	}
}

int prov_err_errno(int errnum, const char *fmt, ...)
{
	char text[MESSAGE_MAX];
	char reason[128];
	int code = code_for_errno(errnum);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	/* The GNU strerror_r may return a static string instead of filling reason. */
	const char *why = strerror_r(errnum, reason, sizeof(reason));
	return prov_err_set(code, code == PROV_ENOMEM ? PROV_ERRCAT_MEMORY : PROV_ERRCAT_IO,
			    "%s: %s", text, why);
}

void prov_err_context(prov_err_field field, const char *value)
{
	struct error_state *st = state();

	if ((int)field < 0 || (int)field >= FIELD_COUNT)
		return;
	prov_copy_bounded(st->fields[field], sizeof(st->fields[field]), value);
}

void prov_err_line(int line)
{
	state()->public.line = line;
}

void prov_err_prefix(const char *fmt, ...)
{
	struct error_state *st = state();
	char prefix[MESSAGE_MAX];
	char joined[MESSAGE_MAX * 2];
	size_t prefix_len, message_len = strlen(st->message);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	prefix_len = strlen(prefix);
	memcpy(joined, prefix, prefix_len);
	memcpy(joined + prefix_len, st->message, message_len + 1);
	prov_copy_bounded(st->message, sizeof(st->message), joined);
}

int prov_err_code(void)
{
	return state()->public.code;
}

prov_err_saved *prov_err_save(void)
{
	struct error_state *st = state();
	prov_err_saved *saved = malloc(sizeof(*saved));

	if (!saved)
		return NULL;
	saved->code = st->public.code;
	saved->category = st->public.category;
	saved->line = st->public.line;
	memcpy(saved->message, st->message, sizeof(saved->message));
	memcpy(saved->fields, st->fields, sizeof(saved->fields));
	return saved;
}

int prov_err_restore(const prov_err_saved *saved)
{
	struct error_state *st = state();

	if (!saved)
		return prov_err_nomem();
	st->public.code = saved->code;
	st->public.category = saved->category;
	st->public.line = saved->line;
	memcpy(st->message, saved->message, sizeof(st->message));
	memcpy(st->fields, saved->fields, sizeof(st->fields));
	return saved->code;
}

const char *prov_err_saved_message(const prov_err_saved *saved)
{
	return saved ? saved->message : "out of memory";
}

int prov_err_saved_code(const prov_err_saved *saved)
{
	return saved ? saved->code : PROV_ENOMEM;
}

void prov_err_saved_free(prov_err_saved *saved)
{
	free(saved);
}

const char *prov_strerror(int code)
{
	static const char *const names[] = {
		[0] = "success",
		[1] = "error",
		[2] = "out of memory",
		[3] = "invalid argument",
		[4] = "not found",
		[5] = "wrong type",
		[6] = "parse error",
		[7] = "invalid configuration",
		[8] = "input/output error",
		[9] = "already exists",
		[10] = "dependency cycle",
		[11] = "timed out",
		[12] = "cancelled",
		[13] = "provider error",
		[14] = "incompatible plugin ABI",
		[15] = "plugin error",
		[16] = "conflict",
		[17] = "busy: owned by another holder",
		[18] = "stale ownership token",
		[19] = "unsupported document version",
		[20] = "subscriber lagged",
		[21] = "closed",
		[22] = "try again",
		[23] = "not supported",
		[24] = "workflow failed",
		[25] = "out of range",
		[26] = "child process failed",
		[27] = "partially failed",
		[28] = "permission denied",
		[29] = "checkpoint store error",
	};
	size_t index = code <= 0 ? (size_t)(-(long)code) : sizeof(names) / sizeof(names[0]);

	if (index >= sizeof(names) / sizeof(names[0]))
		return "unknown error";
	return names[index];
}

const char *prov_error_category_name(int category)
{
	static const char *const names[] = {
		"none", "invalid argument", "memory", "io", "system",
		"configuration", "provider", "workflow", "resource", "abi",
		"checkpoint", "document", "internal",
	};

	if (category < 0 || (size_t)category >= sizeof(names) / sizeof(names[0]))
		return "unknown";
	return names[category];
}
