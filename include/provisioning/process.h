/*
 * libprovisioning: running a child process safely.
 *
 * The program runs from an argv array, never through a shell, in a process
 * group of its own; at the deadline the whole group gets SIGTERM and, after a
 * grace period, SIGKILL. Standard input is fed from memory, standard output
 * and error are captured up to a size cap. Descriptors the library opens are
 * close-on-exec, the child starts with every other descriptor above 2 closed,
 * and a child that closes its stdin early never raises SIGPIPE in the host.
 */
#ifndef PROVISIONING_PROCESS_H
#define PROVISIONING_PROCESS_H

#include <provisioning/common.h>

PROV_BEGIN_DECLS

/** Options of prov_process_run(). Start from PROV_PROCESS_OPTIONS_INIT. */
typedef struct prov_process_options {
	unsigned int size;            /**< sizeof(prov_process_options) */
	const char *const *argv;      /**< NULL-terminated; argv[0] is looked up in PATH without a '/' */
	const char *const *envp;      /**< NULL-terminated environment, or NULL to inherit */
	const char *cwd;              /**< working directory, or NULL to inherit */
	const char *stdin_data;       /**< bytes written to the child's stdin, then closed */
	size_t stdin_len;
	long long timeout_ms;         /**< <= 0: no deadline */
	long long kill_grace_ms;      /**< SIGTERM to SIGKILL; <= 0 means 2000 */
	size_t output_limit;          /**< cap per stream in bytes; 0 means 16 MiB */
	/** Polled about every 50 ms; non-zero ends the run like a timeout. May be NULL. */
	int (*cancelled)(void *userdata);
	void *userdata;
} prov_process_options;

#define PROV_PROCESS_OPTIONS_INIT { sizeof(prov_process_options), NULL, NULL, NULL, NULL, 0, 0, 0, 0, NULL, NULL }

/** The outcome of a run: an opaque handle, read with the getters below. */
typedef struct prov_process_result prov_process_result;

/**
 * Run a program to completion.
 *
 * Returns PROV_OK when the program ran and exited (with any status: check
 * prov_process_result_exit_code()), PROV_ETIMEOUT when it was killed at the
 * deadline, PROV_ECANCELLED when the cancel check fired, PROV_EPROCESS when it
 * could not be started (the message names argv[0] and the reason), PROV_EINVAL
 * or PROV_ENOMEM. On PROV_OK, PROV_ETIMEOUT and PROV_ECANCELLED, `*out`
 * receives a result the caller frees with prov_process_result_free(); on other
 * errors `*out` is NULL.
 *
 * Thread safety: any number of threads may run processes at once.
 */
PROV_API int prov_process_run(prov_process_result **out,
			      const prov_process_options *options);

/** The exit status, or -1 when the process was killed by a signal. */
PROV_API int prov_process_result_exit_code(const prov_process_result *result);

/** The signal that ended the process, or 0. */
PROV_API int prov_process_result_signal(const prov_process_result *result);

/** Non-zero when the run hit its deadline and the group was killed. */
PROV_API int prov_process_result_timed_out(const prov_process_result *result);

/**
 * Captured standard output, NUL-terminated (the data may hold NULs of its
 * own; `len` tells the real length and may be NULL). Borrowed from the
 * result. `truncated` (may be NULL) is set non-zero when the cap cut it.
 */
PROV_API const char *prov_process_result_stdout(const prov_process_result *result,
						size_t *len, int *truncated);

/** Captured standard error, as prov_process_result_stdout(). */
PROV_API const char *prov_process_result_stderr(const prov_process_result *result,
						size_t *len, int *truncated);

/** Wall time of the run in milliseconds. */
PROV_API long long prov_process_result_duration_ms(const prov_process_result *result);

/** Release a result. NULL is a no-op. */
PROV_API void prov_process_result_free(prov_process_result *result);

PROV_END_DECLS

#endif
