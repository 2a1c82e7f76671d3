#include "workflow-test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *workflow_plugin_path(const char *dir, const char *name)
{
	size_t len = strlen(dir) + strlen(name) + 5;
	char *path = malloc(len);

	ck_assert_ptr_nonnull(path);
	snprintf(path, len, "%s/%s.so", dir, name);
	return path;
}

static void load_plugin(prov_registry *reg, const char *dir, const char *name)
{
	char *path = workflow_plugin_path(dir, name);
	int rc = prov_registry_load_file(reg, path);

	ck_assert_msg(rc == PROV_OK, "loading %s: %s", path, prov_error_last()->message);
	free(path);
}

static void make_registry(struct wf_fixture *f)
{
	prov_plugin_options opt = PROV_PLUGIN_OPTIONS_INIT;
	char config[1024];

	opt.ignore_environment = 1;
	opt.ignore_default_dir = 1;
	ck_assert_int_eq(prov_registry_new(&f->registry, &opt), PROV_OK);
	load_plugin(f->registry, WORKFLOW_TEST_PLUGIN_DIR, "scripted");
	load_plugin(f->registry, SHIPPED_PLUGIN_DIR, "local");
	load_plugin(f->registry, SHIPPED_PLUGIN_DIR, "exec");
	load_plugin(f->registry, GREETER_PLUGIN_DIR, "greeter");
	ck_assert_int_eq(prov_registry_add_extension(f->registry, "greeter", NULL, NULL), PROV_OK);
	snprintf(config, sizeof(config), "{\"plugin\":\"scripted\",\"refuse_deletes\":\"%s\"}",
		 f->refuse_dir);
	ck_assert_int_eq(prov_registry_add_provider(f->registry, "cloud", config), PROV_OK);
}

static void make_resolver(struct wf_fixture *f)
{
	const char *env[] = { "ZONE_FROM_ENV=env-zone-1", NULL };
	char layer[1024];

	snprintf(layer, sizeof(layer),
		 "{\"providers\":{\"local\":{\"state_dir\":\"%s/local\",\"zones\":[\"z1\",\"z2\"]}},"
		 "\"site\":{\"zone\":\"z2\",\"size\":3}}", f->dir);
	ck_assert_int_eq(prov_config_resolver_new(&f->resolver), PROV_OK);
	ck_assert_int_eq(prov_config_resolver_add_environment(f->resolver, env), PROV_OK);
	ck_assert_int_eq(prov_config_resolver_add_string(f->resolver, PROV_CONFIG_LAYER_PROJECT,
							 "project.json", layer, strlen(layer),
							 PROV_FORMAT_JSON), PROV_OK);
}

void fixture_open(struct wf_fixture *f, unsigned int parallel)
{
	prov_checkpoint_store_options store = PROV_CHECKPOINT_STORE_OPTIONS_INIT;
	prov_workflow_options opt = PROV_WORKFLOW_OPTIONS_INIT;
	prov_bus_options bus = PROV_BUS_OPTIONS_INIT;
	char *store_dir;

	memset(f, 0, sizeof(*f));
	f->dir = test_tmpdir();
	f->refuse_dir = test_path(f->dir, "refuse-deletes");
	ck_assert_int_eq(mkdir(f->refuse_dir, 0700), 0);
	make_registry(f);
	make_resolver(f);
	store_dir = test_path(f->dir, "checkpoints");
	store.dir = store_dir;
	ck_assert_int_eq(prov_checkpoint_store_open(&f->store, &store), PROV_OK);
	free(store_dir);
	bus.capacity = 65536;
	ck_assert_int_eq(prov_bus_new(&f->bus, &bus), PROV_OK);
	ck_assert_int_eq(prov_bus_subscribe(&f->events, f->bus, NULL), PROV_OK);
	opt.registry = f->registry;
	opt.resolver = f->resolver;
	opt.store = f->store;
	opt.bus = f->bus;
	opt.parallel_limit = parallel;
	ck_assert_int_eq(prov_workflow_runner_new(&f->runner, &opt), PROV_OK);
}

void fixture_close(struct wf_fixture *f)
{
	prov_workflow_runner_free(f->runner);
	prov_bus_unsubscribe(f->events);
	prov_bus_free(f->bus);
	prov_checkpoint_store_close(f->store);
	prov_registry_free(f->registry);
	prov_config_resolver_free(f->resolver);
	test_rmtree(f->dir);
	free(f->refuse_dir);
	free(f->dir);
}

prov_workflow *load_yaml(const char *yaml)
{
	prov_workflow *wf = NULL;
	int rc = prov_workflow_load_string(&wf, "wf.yaml", yaml, strlen(yaml), PROV_FORMAT_YAML);

	ck_assert_msg(rc == PROV_OK, "load failed: %s", prov_error_last()->message);
	return wf;
}

static json_object *parse_result(char *result, int rc, int expected)
{
	json_object *doc;

	ck_assert_msg(rc == expected, "expected %d, got %d: %s", expected, rc,
		      prov_error_last()->message);
	ck_assert_ptr_nonnull(result);
	doc = json_tokener_parse(result);
	ck_assert_msg(doc != NULL, "not JSON: %s", result);
	prov_free(result);
	return doc;
}

json_object *run_yaml(struct wf_fixture *f, const char *yaml, int expected)
{
	prov_workflow *wf = load_yaml(yaml);
	char *result = NULL;
	int rc = prov_workflow_run(&result, f->runner, wf);

	prov_workflow_free(wf);
	return parse_result(result, rc, expected);
}

json_object *resume_id(struct wf_fixture *f, const char *id, int expected)
{
	char *result = NULL;
	int rc = prov_workflow_resume(&result, f->runner, id);

	return parse_result(result, rc, expected);
}

json_object *rollback_id(struct wf_fixture *f, const char *id, int expected)
{
	char *result = NULL;
	int rc = prov_workflow_rollback(&result, f->runner, id);

	return parse_result(result, rc, expected);
}

json_object *doc_get(json_object *doc, const char *path)
{
	char key[256];
	json_object *v = doc;

	while (v && *path) {
		const char *dot = strchr(path, '.');

		snprintf(key, sizeof(key), "%.*s", dot ? (int)(dot - path) : (int)strlen(path), path);
		if (json_object_is_type(v, json_type_array))
			v = json_object_array_get_idx(v, (size_t)atoi(key));
		else if (!json_object_object_get_ex(v, key, &v))
			return NULL;
		path = dot ? dot + 1 : "";
	}
	return v;
}

const char *doc_string(json_object *doc, const char *path)
{
	json_object *v = doc_get(doc, path);

	return v ? json_object_get_string(v) : NULL;
}

char *event_trace(struct wf_fixture *f)
{
	size_t size = 1 << 20, len = 0;
	char *trace = calloc(1, size);
	const prov_event *event;

	ck_assert_ptr_nonnull(trace);
	while (prov_bus_receive(&event, NULL, f->events, 0) == PROV_OK) {
		json_object *e = json_tokener_parse(prov_event_json(event, NULL));
		const char *op = doc_string(e, "op");

		len += (size_t)snprintf(trace + len, size - len, "%s%s%s\n", prov_event_type(event),
					op ? " " : "", op ? op : "");
		json_object_put(e);
		ck_assert_uint_lt(len, size);
	}
	return trace;
}

void refuse_delete(struct wf_fixture *f, const char *hostname, bool refuse)
{
	touch(f->refuse_dir, hostname, refuse);
}

json_object *cloud_server(struct wf_fixture *f, const char *hostname)
{
	char *doc = NULL;
	json_object *d, *list, *found = NULL;

	ck_assert_int_eq(prov_provider_list_servers(&doc, f->registry, "cloud", NULL), PROV_OK);
	d = json_tokener_parse(doc);
	prov_free(doc);
	list = doc_get(d, "result.data");
	for (size_t i = 0; list && i < json_object_array_length(list); i++) {
		json_object *s = json_object_array_get_idx(list, i);

		if (strcmp(doc_string(s, "hostname"), hostname) == 0)
			found = json_object_get(s);
	}
	json_object_put(d);
	return found;
}

static void *trigger_main(void *arg)
{
	struct wf_trigger *t = arg;
	const prov_event *event;

	while (!atomic_load(&t->stop)) {
		if (prov_bus_receive(&event, NULL, t->sub, 50) != PROV_OK)
			continue;
		if (!strstr(prov_event_json(event, NULL), t->needle))
			continue;
		if (t->path)
			ck_assert_int_eq(unlink(t->path), 0);
		else
			prov_workflow_cancel(t->f->runner);
		atomic_store(&t->fired, true);
		break;
	}
	return NULL;
}

void trigger_start(struct wf_trigger *t, struct wf_fixture *f, const char *type,
		   const char *needle, const char *path)
{
	const char *types[] = { type, NULL };
	prov_bus_subscribe_options opt = PROV_BUS_SUBSCRIBE_OPTIONS_INIT;

	memset(t, 0, sizeof(*t));
	t->f = f;
	t->type = type;
	t->needle = needle;
	t->path = path ? strdup(path) : NULL;
	atomic_init(&t->stop, false);
	atomic_init(&t->fired, false);
	opt.types = types;
	ck_assert_int_eq(prov_bus_subscribe(&t->sub, f->bus, &opt), PROV_OK);
	ck_assert_int_eq(pthread_create(&t->thread, NULL, trigger_main, t), 0);
}

bool trigger_join(struct wf_trigger *t)
{
	atomic_store(&t->stop, true);
	pthread_join(t->thread, NULL);
	prov_bus_unsubscribe(t->sub);
	free(t->path);
	return atomic_load(&t->fired);
}

void touch(const char *dir, const char *name, bool present)
{
	char *path = test_path(dir, name);

	if (present)
		test_write_file(path, "");
	else
		ck_assert_int_eq(unlink(path), 0);
	free(path);
}
