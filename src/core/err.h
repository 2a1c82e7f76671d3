/*
 * Internal side of the error model: how library code records a failure in the
 * calling thread's prov_error (see <provisioning/error.h>).
 *
 * Every setter returns the code it recorded, so a failure path reads
 *     return prov_err_set(PROV_EINVAL, PROV_ERRCAT_INVALID_ARGUMENT, "...");
 * Messages are bounded and made single-line; no input can overflow them.
 */
#ifndef PROV_CORE_ERR_H
#define PROV_CORE_ERR_H

#include <provisioning/error.h>
#include <stdarg.h>

#if defined(__GNUC__)
#define PROV_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define PROV_PRINTF(fmt, args)
#endif

/* Context fields of prov_error, for prov_err_context(). */
typedef enum prov_err_field {
	PROV_ERR_FILE,
	PROV_ERR_KEY,
	PROV_ERR_PROVIDER,
	PROV_ERR_WORKFLOW,
	PROV_ERR_OPERATION,
	PROV_ERR_RESOURCE_TYPE,
	PROV_ERR_RESOURCE_ID,
} prov_err_field;

/* Record a new error; clears every context field of the previous one. */
int prov_err_set(int code, int category, const char *fmt, ...) PROV_PRINTF(3, 4);
int prov_err_setv(int code, int category, const char *fmt, va_list ap) PROV_PRINTF(3, 0);

/*
 * Record a new error about a place in a file. The message becomes
 * "FILE:LINE: MESSAGE" (or "FILE: MESSAGE" when line is 0) and the file and
 * line fields are filled.
 */
int prov_err_at(int code, int category, const char *file, int line,
		const char *fmt, ...) PROV_PRINTF(5, 6);

/* Record an out-of-memory error. */
int prov_err_nomem(void);

/*
 * Record a failed system call: "MESSAGE: strerror(errnum)". The code is
 * PROV_ENOMEM for ENOMEM, PROV_ENOTFOUND for ENOENT, PROV_EPERM for EACCES and
 * EPERM, PROV_EIO otherwise.
 */
int prov_err_errno(int errnum, const char *fmt, ...) PROV_PRINTF(2, 3);

/* Fill a context field of the current error (NULL clears it). */
void prov_err_context(prov_err_field field, const char *value);
void prov_err_line(int line);

/* Put "PREFIX" in front of the current message, e.g. to name an operation. */
void prov_err_prefix(const char *fmt, ...) PROV_PRINTF(1, 2);

/* The current error's code, PROV_OK when none. */
int prov_err_code(void);

/*
 * A heap copy of the calling thread's error, so a worker thread can hand its
 * failure to another thread. NULL when out of memory.
 */
typedef struct prov_err_saved prov_err_saved;
prov_err_saved *prov_err_save(void);
/* Make a saved error the calling thread's current error; returns its code. */
int prov_err_restore(const prov_err_saved *saved);
const char *prov_err_saved_message(const prov_err_saved *saved);
int prov_err_saved_code(const prov_err_saved *saved);
void prov_err_saved_free(prov_err_saved *saved);

/* Copy at most size-1 bytes of src into dst, never splitting a UTF-8
 * sequence, marking a cut with "..." and turning control characters
 * (newlines included) into spaces. dst is always terminated. */
void prov_copy_bounded(char *dst, size_t size, const char *src);

#endif
