/*
 * provisioning workflow run FILE | resume ID | rollback ID: a runner over
 * the configured plugins, store and a bus the progress display reads, and
 * a watcher thread that turns SIGINT, SIGTERM and `workflow cancel ID`
 * into a cancel.
 *
 * Cancelling from another process: `workflow cancel ID` creates the file
 * workflow.cancel_dir/ID (default .provisioning/cancel under paths.base);
 * the process running ID looks for it ten times a second and cancels, then
 * removes it when the run ends. Signals are blocked in every thread and
 * taken by the watcher with sigtimedwait, so no handler runs inside the
 * library; a second SIGINT stops the process at once.
 */
#include "cli/workflow.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct session {
	struct cli_plugin_host host;
	prov_config_resolver *resolver;
	prov_checkpoint_store *store;
	prov_bus *bus;
	struct progress *progress;
	prov_workflow_runner *runner;
};

struct watcher {
	prov_workflow_runner *runner;
	struct progress *progress;
	char *request;               /* the cancel request file of this workflow */
	sigset_t signals;
	pthread_t thread;
	bool started;
	atomic_bool done;
};

static int open_runner(struct session *s, const struct cli_globals *g,
		       const struct workflow_options *o)
{
	prov_workflow_options opt = PROV_WORKFLOW_OPTIONS_INIT;
	prov_bus_options bus = PROV_BUS_OPTIONS_INIT;

	bus.capacity = 65536;
	if (prov_bus_new(&s->bus, &bus) != PROV_OK)
		return cli_report_error(CLI_EXIT_FAILURE);
	if (!g->json)
		s->progress = progress_start(s->bus, g);
	opt.registry = s->host.registry;
	opt.resolver = s->resolver;
	opt.store = s->store;
	opt.bus = s->bus;
	opt.parallel_limit = o->parallel;
	opt.wait_ms = o->wait_ms;
	if (prov_workflow_runner_new(&s->runner, &opt) != PROV_OK)
		return cli_report_error(CLI_EXIT_FAILURE);
	return CLI_EXIT_OK;
}

static int open_session(struct session *s, const struct cli_globals *g,
			const struct workflow_options *o)
{
	int rc;

	memset(s, 0, sizeof(*s));
	if ((rc = cli_plugin_host_open(&s->host, g)) != CLI_EXIT_OK ||
	    (rc = cli_plugin_host_load_extensions(&s->host)) != CLI_EXIT_OK ||
	    (rc = cli_load_resolver(g, &s->resolver)) != CLI_EXIT_OK ||
	    (rc = cli_store_open(s->host.config, &s->store)) != CLI_EXIT_OK)
		return rc;
	return open_runner(s, g, o);
}

static void close_session(struct session *s)
{
	prov_workflow_runner_free(s->runner);
	if (s->progress)
		progress_finish(s->progress);
	prov_bus_free(s->bus);
	prov_checkpoint_store_close(s->store);
	prov_config_resolver_free(s->resolver);
	cli_plugin_host_close(&s->host);
}

static void *watch(void *arg)
{
	struct watcher *w = arg;
	struct timespec tick = { 0, 100 * 1000000L };
	bool cancelled = false;

	while (!atomic_load(&w->done)) {
		int sig = sigtimedwait(&w->signals, NULL, &tick);

		if (sig > 0 && cancelled)
			_exit(CLI_EXIT_CANCELLED);
		if (sig > 0 || (!cancelled && w->request && access(w->request, F_OK) == 0)) {
			fprintf(stderr, "provisioning: cancelling: running operations finish first%s\n",
				sig > 0 ? " (interrupt again to stop at once)" : "");
			prov_workflow_cancel(w->runner);
			cancelled = true;
		}
		progress_tick(w->progress);
	}
	return NULL;
}

/* Block the signals in this thread (and the ones it creates from now on). */
static void block_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, set, NULL);
}

static void watcher_start(struct watcher *w, const struct session *s, const char *id)
{
	w->runner = s->runner;
	w->progress = s->progress;
	w->request = id ? workflow_cancel_request_path(s->host.config, id) : NULL;
	if (w->request)
		unlink(w->request);
	atomic_init(&w->done, false);
	w->started = pthread_create(&w->thread, NULL, watch, w) == 0;
	if (!w->started)
		fputs("provisioning: warning: no watcher thread: interrupts stop at once\n", stderr);
}

static void watcher_stop(struct watcher *w)
{
	atomic_store(&w->done, true);
	if (w->started)
		pthread_join(w->thread, NULL);
	if (w->request)
		unlink(w->request);
	free(w->request);
}

/* Print the result as the command promises, and the exit code it stands for. */
static int report(const struct cli_globals *g, int rc, char *result)
{
	if (result && g->json)
		puts(result);
	else if (result)
		progress_summary(result, g);
	if (rc != PROV_OK)
		cli_report_error(0);
	prov_free(result);
	return workflow_exit_code(rc);
}

/* Every problem of the file, a line each, before anything runs. */
static bool file_is_valid(prov_workflow_runner *runner, const prov_workflow *wf)
{
	char *problems = NULL;
	int rc = prov_workflow_validate(&problems, runner, wf);

	if (rc == PROV_ECONFIG && problems)
		fputs(problems, stderr);
	else if (rc != PROV_OK)
		cli_report_error(0);
	prov_free(problems);
	return rc == PROV_OK;
}

enum call { CALL_RUN, CALL_RESUME, CALL_ROLLBACK };

static int call_runner(struct session *s, enum call call, const prov_workflow *wf,
		       const char *id, char **result)
{
	switch (call) {
	case CALL_RUN:
		return prov_workflow_run(result, s->runner, wf);
	case CALL_RESUME:
		return prov_workflow_resume(result, s->runner, id);
	default:
		return prov_workflow_rollback(result, s->runner, id);
	}
}

static int execute(const struct cli_globals *g, const struct workflow_options *o, enum call call)
{
	struct watcher w = { 0 };
	struct session s;
	prov_workflow *wf = NULL;
	const char *id = o->target;
	char *result = NULL;
	bool valid;
	int rc;

	block_signals(&w.signals);
	if (call == CALL_RUN && prov_workflow_load_file(&wf, o->target) != PROV_OK)
		return cli_report_error(CLI_EXIT_FAILURE);
	if (call != CALL_RUN && prov_workflow_id_validate(id) != PROV_OK)
		return cli_usage_error("%s", prov_error_last()->message);
	if ((rc = open_session(&s, g, o)) != CLI_EXIT_OK) {
		close_session(&s);
		prov_workflow_free(wf);
		return rc;
	}
	if (wf)
		id = prov_workflow_id(wf);
	watcher_start(&w, &s, id);
	valid = !wf || file_is_valid(s.runner, wf);
	if (valid)
		rc = call_runner(&s, call, wf, id, &result);
	watcher_stop(&w);
	if (s.progress) {
		progress_finish(s.progress);
		s.progress = NULL;
	}
	rc = valid ? report(g, rc, result) : CLI_EXIT_FAILURE;
	close_session(&s);
	prov_workflow_free(wf);
	return rc;
}

int workflow_run(const struct cli_globals *g, const struct workflow_options *o)
{
	return execute(g, o, CALL_RUN);
}

int workflow_resume(const struct cli_globals *g, const struct workflow_options *o)
{
	return execute(g, o, CALL_RESUME);
}

int workflow_rollback(const struct cli_globals *g, const struct workflow_options *o)
{
	return execute(g, o, CALL_ROLLBACK);
}
