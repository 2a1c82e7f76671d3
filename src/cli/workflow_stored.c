/*
 * provisioning workflow status ID | list | cancel ID: what the store holds
 * about workflows, and asking the process that runs one to cancel it.
 */
#include "cli/workflow.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* A workflow as its checkpoint tells it. */
struct stored {
	prov_checkpoint *checkpoint;
	json_object *definition;
	json_object *summary;        /* the last run's, or NULL while unfinished */
};

static json_object *state_member(const prov_checkpoint *cp, const char *key)
{
	char *json = NULL;
	json_object *v;

	if (prov_checkpoint_get_state(&json, cp, key) != PROV_OK)
		return NULL;
	v = json_tokener_parse(json);
	prov_free(json);
	return v;
}

static const char *member(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : NULL;
}

static int load_stored(struct stored *s, prov_checkpoint_store *store, const char *id)
{
	memset(s, 0, sizeof(*s));
	if (prov_checkpoint_store_load(&s->checkpoint, store, id) != PROV_OK)
		return PROV_ENOTFOUND;
	s->definition = state_member(s->checkpoint, "definition");
	s->summary = state_member(s->checkpoint, "result");
	if (!member(s->summary, "status")) {
		json_object_put(s->summary);
		s->summary = NULL;
	}
	return PROV_OK;
}

static void release_stored(struct stored *s)
{
	prov_checkpoint_free(s->checkpoint);
	json_object_put(s->definition);
	json_object_put(s->summary);
}

static const char *status_of(const struct stored *s)
{
	return s->summary ? member(s->summary, "status") : "unfinished";
}

static size_t operation_count(const struct stored *s)
{
	json_object *ops;

	return json_object_object_get_ex(s->definition, "operations", &ops)
	       ? json_object_array_length(ops) : 0;
}

static int open_store(const struct cli_globals *g, prov_config **config,
		      prov_checkpoint_store **store)
{
	int rc = cli_load_config(g, config);

	if (rc == CLI_EXIT_OK && (rc = cli_store_open(*config, store)) != CLI_EXIT_OK) {
		prov_config_free(*config);
		*config = NULL;
	}
	return rc;
}

static void print_operations(const struct stored *s)
{
	json_object *ops;

	if (!json_object_object_get_ex(s->definition, "operations", &ops))
		return;
	for (size_t i = 0; i < json_object_array_length(ops); i++) {
		const char *id = member(json_object_array_get_idx(ops, i), "id");
		const char *status = prov_checkpoint_operation_status(s->checkpoint, id);
		prov_operation_record *rec = NULL;
		char *error = NULL;
		json_object *e = NULL;

		if (status && prov_checkpoint_get_operation(&rec, s->checkpoint, id) == PROV_OK &&
		    prov_operation_record_get_error(&error, rec) == PROV_OK)
			e = json_tokener_parse(error);
		printf("  %-20s %-10s %s\n", id, status ? status : "pending",
		       member(e, "message") ? member(e, "message") : "");
		json_object_put(e);
		prov_free(error);
		prov_operation_record_free(rec);
	}
}

static void print_status(const struct stored *s, const char *id)
{
	prov_rollback_stack *stack = NULL;
	const char *status = status_of(s);
	json_object *rolled;

	printf("workflow %s (%s)\n", id, member(s->definition, "name"));
	printf("status:   %s%s\n", status,
	       json_object_object_get_ex(s->summary, "rolled_back", &rolled) &&
	       json_object_get_boolean(rolled) ? ", rolled back"
	       : s->summary ? "" : " (running, or stopped: workflow resume continues it)");
	printf("step:     %lld of %zu operations completed\n",
	       prov_checkpoint_step(s->checkpoint), operation_count(s));
	printf("updated:  %s\n", prov_checkpoint_timestamp(s->checkpoint));
	print_operations(s);
	if (prov_checkpoint_get_rollback_stack(&stack, s->checkpoint) == PROV_OK &&
	    prov_rollback_stack_count(stack) > 0)
		printf("rollback: %zu action%s recorded\n", prov_rollback_stack_count(stack),
		       prov_rollback_stack_count(stack) == 1 ? "" : "s");
	prov_rollback_stack_free(stack);
}

int workflow_status(const struct cli_globals *g, const struct workflow_options *o)
{
	prov_config *config = NULL;
	prov_checkpoint_store *store = NULL;
	struct stored s;
	char *json = NULL;
	int rc = open_store(g, &config, &store);

	if (rc != CLI_EXIT_OK)
		return rc;
	if (load_stored(&s, store, o->target) != PROV_OK) {
		rc = cli_report_error(CLI_EXIT_FAILURE);
	} else if (g->json && prov_checkpoint_to_json(&json, s.checkpoint) == PROV_OK) {
		puts(json);
		prov_free(json);
	} else if (!g->json) {
		print_status(&s, o->target);
	}
	release_stored(&s);
	prov_checkpoint_store_close(store);
	prov_config_free(config);
	return rc;
}

static json_object *list_entry(prov_checkpoint_store *store, const prov_checkpoint_list *list,
			       size_t i)
{
	json_object *e = json_object_new_object();
	const char *id = prov_checkpoint_list_id_at(list, i), *error;
	struct stored s;

	json_object_object_add(e, "workflow_id", json_object_new_string(id));
	if ((error = prov_checkpoint_list_error_at(list, i)) ||
	    load_stored(&s, store, id) != PROV_OK) {
		json_object_object_add(e, "error", json_object_new_string(
			error ? error : prov_error_last()->message));
		return e;
	}
	json_object_object_add(e, "name", json_object_new_string(
		member(s.definition, "name") ? member(s.definition, "name") : ""));
	json_object_object_add(e, "status", json_object_new_string(status_of(&s)));
	json_object_object_add(e, "step", json_object_new_int64(prov_checkpoint_step(s.checkpoint)));
	json_object_object_add(e, "operation_count", json_object_new_int64((int64_t)operation_count(&s)));
	json_object_object_add(e, "timestamp", json_object_new_string(
		prov_checkpoint_list_timestamp_at(list, i)));
	json_object_object_add(e, "error", NULL);
	release_stored(&s);
	return e;
}

static void print_list(json_object *entries)
{
	size_t n = json_object_array_length(entries);

	if (n == 0) {
		puts("no workflows");
		return;
	}
	printf("%-32s %-20s %-11s %9s  %s\n", "WORKFLOW", "NAME", "STATUS", "STEP", "UPDATED");
	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(entries, i);
		char step[32];

		if (member(e, "error")) {
			printf("%-32s damaged: %s\n", member(e, "workflow_id"), member(e, "error"));
			continue;
		}
		snprintf(step, sizeof(step), "%s/%s", member(e, "step"), member(e, "operation_count"));
		printf("%-32s %-20s %-11s %9s  %s\n", member(e, "workflow_id"), member(e, "name"),
		       member(e, "status"), step, member(e, "timestamp"));
	}
}

int workflow_list(const struct cli_globals *g)
{
	prov_config *config = NULL;
	prov_checkpoint_store *store = NULL;
	prov_checkpoint_list *list = NULL;
	json_object *doc = json_object_new_object(), *entries = json_object_new_array();
	int rc = open_store(g, &config, &store);

	json_object_object_add(doc, "workflows", entries);
	if (rc == CLI_EXIT_OK && prov_checkpoint_store_list(&list, store, NULL) != PROV_OK)
		rc = cli_report_error(CLI_EXIT_FAILURE);
	for (size_t i = 0; rc == CLI_EXIT_OK && i < prov_checkpoint_list_count(list); i++)
		json_object_array_add(entries, list_entry(store, list, i));
	if (rc == CLI_EXIT_OK && g->json)
		puts(json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN));
	else if (rc == CLI_EXIT_OK)
		print_list(entries);
	json_object_put(doc);
	prov_checkpoint_list_free(list);
	prov_checkpoint_store_close(store);
	prov_config_free(config);
	return rc;
}

char *workflow_cancel_request_path(const prov_config *config, const char *id)
{
	const char *dir = NULL;
	char *path;

	if (prov_config_get_string(config, "workflow.cancel_dir", &dir) != PROV_OK)
		return NULL;
	if (asprintf(&path, "%s/%s", dir, id) < 0)
		return NULL;
	return path;
}

/* mkdir -p of path's directory, private to the user. */
static int make_parent(const char *path)
{
	char *copy = strdup(path);
	int rc = copy ? 0 : -1;

	for (char *p = copy ? copy + 1 : NULL; p && *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(copy, 0700) != 0 && errno != EEXIST)
			rc = -1;
		*p = '/';
	}
	free(copy);
	return rc;
}

static int write_request(const char *path)
{
	char pid[32];
	int fd, n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());

	if (make_parent(path) != 0 ||
	    (fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0) {
		fprintf(stderr, "provisioning: cannot write %s: %s\n", path, strerror(errno));
		return CLI_EXIT_FAILURE;
	}
	if (write(fd, pid, (size_t)n) != n)
		fprintf(stderr, "provisioning: warning: %s: %s\n", path, strerror(errno));
	close(fd);
	return CLI_EXIT_OK;
}

/* Whether a process owns the workflow: try to, and give it back at once. */
static int owned_elsewhere(prov_checkpoint_store *store, const char *id, bool *busy)
{
	prov_checkpoint_token *token = NULL;
	int rc = prov_checkpoint_store_acquire(&token, store, id);

	*busy = rc == PROV_EBUSY;
	if (rc == PROV_OK) {
		prov_checkpoint_store_release(store, token);
		prov_checkpoint_token_free(token);
	}
	return rc == PROV_EBUSY ? PROV_OK : rc;
}

/* Ask, then wait until the runner has let go (or o->wait_ms passed). */
static int request_and_wait(prov_checkpoint_store *store, const char *request,
			    const struct workflow_options *o)
{
	struct timespec tick = { 0, 100 * 1000000L };
	long long waited = 0;
	bool busy = true;
	int rc = write_request(request);

	if (rc != CLI_EXIT_OK)
		return rc;
	fprintf(stderr, "provisioning: cancel of %s requested; running operations finish first\n",
		o->target);
	while (busy && (o->wait_ms < 0 || waited < o->wait_ms)) {
		nanosleep(&tick, NULL);
		waited += 100;
		if (owned_elsewhere(store, o->target, &busy) != PROV_OK) {
			rc = cli_report_error(CLI_EXIT_FAILURE);
			break;
		}
	}
	unlink(request);
	if (rc == CLI_EXIT_OK && busy) {
		fprintf(stderr, "provisioning: workflow %s is still running\n", o->target);
		rc = CLI_EXIT_FAILURE;
	}
	return rc;
}

static int cancel_running(prov_checkpoint_store *store, const char *request,
			  const struct workflow_options *o)
{
	struct stored s;
	bool busy = false;
	int rc = owned_elsewhere(store, o->target, &busy);

	if (rc != PROV_OK)
		return cli_report_error(CLI_EXIT_FAILURE);
	if (!busy) {
		fprintf(stderr, "provisioning: workflow %s is not running\n", o->target);
		return CLI_EXIT_FAILURE;
	}
	if ((rc = request_and_wait(store, request, o)) != CLI_EXIT_OK)
		return rc;
	if (load_stored(&s, store, o->target) != PROV_OK)
		return cli_report_error(CLI_EXIT_FAILURE);
	if (strcmp(status_of(&s), "cancelled") == 0) {
		printf("workflow %s cancelled at step %lld; workflow resume %s continues it\n",
		       o->target, prov_checkpoint_step(s.checkpoint), o->target);
	} else {
		printf("workflow %s ended %s before the cancel reached it\n", o->target, status_of(&s));
		rc = CLI_EXIT_FAILURE;
	}
	release_stored(&s);
	return rc;
}

int workflow_cancel(const struct cli_globals *g, const struct workflow_options *o)
{
	prov_config *config = NULL;
	prov_checkpoint_store *store = NULL;
	char *request = NULL;
	struct stored s;
	int rc = open_store(g, &config, &store);

	if (rc != CLI_EXIT_OK)
		return rc;
	if (load_stored(&s, store, o->target) != PROV_OK) {
		rc = cli_report_error(CLI_EXIT_FAILURE);
	} else if (s.summary) {
		fprintf(stderr, "provisioning: workflow %s is not running (it ended %s)\n", o->target,
			status_of(&s));
		rc = CLI_EXIT_FAILURE;
	} else if (!(request = workflow_cancel_request_path(config, o->target))) {
		rc = cli_report_error(CLI_EXIT_FAILURE);
	} else {
		rc = cancel_running(store, request, o);
	}
	release_stored(&s);
	free(request);
	prov_checkpoint_store_close(store);
	prov_config_free(config);
	return rc;
}
