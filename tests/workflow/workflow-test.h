/*
 * Helpers of the workflow tests: a runner over a scratch directory (the
 * scripted test provider as instance "cloud", the shipped local provider,
 * a directory store, a bus whose events a test reads back), definitions
 * from YAML text, and reading result documents.
 */
#ifndef PROV_WORKFLOW_TEST_H
#define PROV_WORKFLOW_TEST_H

#include "test-util.h"

#include <provisioning/provisioning.h>

#include <json-c/json.h>
#include <pthread.h>
#include <stdatomic.h>

struct wf_fixture {
	char *dir;
	char *refuse_dir;                   /* cloud refuses deleting hostnames named here */
	prov_config_resolver *resolver;
	prov_registry *registry;
	prov_checkpoint_store *store;
	prov_bus *bus;
	prov_bus_subscriber *events;
	prov_workflow_runner *runner;
};

/* A fixture with parallel limit `parallel` (0: the definitions'). */
void fixture_open(struct wf_fixture *f, unsigned int parallel);
void fixture_close(struct wf_fixture *f);
/* The path of a built test plugin ("scripted" -> .../scripted.so); free(). */
char *workflow_plugin_path(const char *dir, const char *name);

/* A definition from YAML, loading asserted. */
prov_workflow *load_yaml(const char *yaml);
/* Run YAML in f, asserting the return code; the result document (put it). */
json_object *run_yaml(struct wf_fixture *f, const char *yaml, int expected);
json_object *resume_id(struct wf_fixture *f, const char *id, int expected);
json_object *rollback_id(struct wf_fixture *f, const char *id, int expected);

/* A member by dotted path ("result.data.operations.db.status"), or NULL. */
json_object *doc_get(json_object *doc, const char *path);
const char *doc_string(json_object *doc, const char *path);

/* The events published since the last call, one "Type op" per line ("Type"
 * alone when the event names no operation). */
char *event_trace(struct wf_fixture *f);
/*
 * Act when an event shows up: once an event of `type` whose JSON contains
 * `needle` is published, cancel the runner (path NULL) or remove the file
 * at path. Subscribed before trigger_start() returns, so no event is missed.
 */
struct wf_trigger {
	struct wf_fixture *f;
	const char *type;
	const char *needle;
	char *path;
	prov_bus_subscriber *sub;
	pthread_t thread;
	atomic_bool stop;
	atomic_bool fired;
};
void trigger_start(struct wf_trigger *t, struct wf_fixture *f, const char *type,
		   const char *needle, const char *path);
/* Stop waiting and join; returns whether it fired. */
bool trigger_join(struct wf_trigger *t);
/* Create an empty file dir/name, or remove it. */
void touch(const char *dir, const char *name, bool present);

/* Make cloud refuse (or no longer refuse) deleting the server of hostname. */
void refuse_delete(struct wf_fixture *f, const char *hostname, bool refuse);
/* The scripted provider's server with this hostname from list_servers, or NULL. */
json_object *cloud_server(struct wf_fixture *f, const char *hostname);

#define ck_assert_contains(haystack, needle) \
	ck_assert_msg(strstr((haystack), (needle)) != NULL, "'%s' does not contain '%s'", \
		      (haystack), (needle))

#endif
