/*
 * Progress of a workflow run, drawn from its events. A callback
 * subscription receives them on its own thread; the display keeps one
 * entry per operation. On a terminal the lines of finished operations
 * scroll up and the running ones stay in a live region at the bottom,
 * redrawn in place with their elapsed time; when stdout is not a terminal
 * each transition is one plain line, so logs and pipes stay readable.
 */
#include "cli/workflow.h"

#include <json-c/json.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define NAME_WIDTH 20

struct op_entry {
	char *id;
	double started;              /* monotonic seconds */
	bool running;
};

struct progress {
	pthread_mutex_t lock;
	pthread_cond_t drained_cond;
	bool drained;
	prov_bus *bus;
	prov_bus_subscriber *sub;
	bool live;                   /* stdout is a terminal */
	bool color;
	struct op_entry *ops;
	size_t count;
	size_t live_lines;           /* lines of the live region on screen */
};

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct op_entry *entry(struct progress *p, const char *id)
{
	struct op_entry *grown;

	for (size_t i = 0; i < p->count; i++)
		if (strcmp(p->ops[i].id, id) == 0)
			return &p->ops[i];
	grown = realloc(p->ops, (p->count + 1) * sizeof(*p->ops));
	if (!grown)
		return NULL;
	p->ops = grown;
	p->ops[p->count] = (struct op_entry){ strdup(id), now_seconds(), false };
	return p->ops[p->count].id ? &p->ops[p->count++] : NULL;
}

static const char *paint(const struct progress *p, const char *state)
{
	if (!p->color)
		return "";
	if (strcmp(state, "completed") == 0 || strcmp(state, "deleted") == 0)
		return "\033[32m";
	if (strcmp(state, "failed") == 0 || strcmp(state, "rollback failed") == 0)
		return "\033[31m";
	return "\033[33m";
}

static void clear_live(struct progress *p)
{
	for (; p->live_lines > 0; p->live_lines--)
		fputs("\033[1A\033[2K\r", stdout);
}

static void draw_live(struct progress *p)
{
	double now = now_seconds();

	for (size_t i = 0; i < p->count; i++) {
		if (!p->ops[i].running)
			continue;
		printf("  %-*s %srunning%s   %6.1fs\n", NAME_WIDTH, p->ops[i].id,
		       p->color ? "\033[36m" : "", p->color ? "\033[0m" : "",
		       now - p->ops[i].started);
		p->live_lines++;
	}
	fflush(stdout);
}

/* A permanent line: "  NAME  STATE  DURATION  DETAIL". */
static void print_line(struct progress *p, const char *name, const char *state,
		       double seconds, const char *detail)
{
	char duration[32] = "", line[1024];
	size_t len;

	if (seconds >= 0)
		snprintf(duration, sizeof(duration), "%6.2fs", seconds);
	if (p->live)
		clear_live(p);
	snprintf(line, sizeof(line), "  %-*s %s%-10s%s %7s%s%s", NAME_WIDTH, name, paint(p, state),
		 state, p->color ? "\033[0m" : "", duration, detail && *detail ? "  " : "",
		 detail ? detail : "");
	for (len = strlen(line); len > 0 && line[len - 1] == ' '; len--)
		line[len - 1] = '\0';
	puts(line);
	if (p->live)
		draw_live(p);
	else
		fflush(stdout);
}

static const char *member(json_object *event, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(event, key, &v) ? json_object_get_string(v) : NULL;
}

/* The library's words for an operation a cancel stopped end "was cancelled". */
static bool ends_with(const char *text, const char *end)
{
	size_t len = text ? strlen(text) : 0, end_len = strlen(end);

	return len >= end_len && strcmp(text + len - end_len, end) == 0;
}

static void operation_event(struct progress *p, const char *type, json_object *event)
{
	const char *op = member(event, "op");
	struct op_entry *e = op ? entry(p, op) : NULL;
	char detail[512];

	if (!e)
		return;
	if (strcmp(type, "OperationStarted") == 0) {
		if (!e->running)
			e->started = now_seconds();
		e->running = true;
		if (p->live) {
			clear_live(p);
			draw_live(p);
		} else {
			print_line(p, op, "running", -1, NULL);
		}
		return;
	}
	if (strcmp(type, "OperationRetrying") == 0) {
		snprintf(detail, sizeof(detail), "attempt %s in %s ms: %s", member(event, "attempt"),
			 member(event, "delay_ms"), member(event, "error"));
		print_line(p, op, "retrying", -1, detail);
		return;
	}
	e->running = false;
	if (strcmp(type, "OperationCompleted") == 0)
		print_line(p, op, "completed", now_seconds() - e->started, NULL);
	else if (strcmp(type, "OperationFailed") == 0)
		print_line(p, op, ends_with(member(event, "error"), " was cancelled") ? "cancelled"
										    : "failed",
			   now_seconds() - e->started, member(event, "error"));
	else
		print_line(p, op, ends_with(member(event, "reason"), " was cancelled") ? "cancelled"
										      : "skipped",
			   -1, member(event, "reason"));
}

static void rollback_event(struct progress *p, const char *type, json_object *event)
{
	char name[256];

	if (strcmp(type, "RollbackStarted") == 0) {
		print_line(p, "rollback", "started", -1, NULL);
	} else if (strcmp(type, "ResourceDeleted") == 0) {
		snprintf(name, sizeof(name), "%s", member(event, "resource_id"));
		print_line(p, name, "deleted", -1, member(event, "provider"));
	} else if (strcmp(type, "RollbackFailed") == 0) {
		json_object *action;

		snprintf(name, sizeof(name), "%s", "rollback");
		if (json_object_object_get_ex(event, "action", &action) && member(action, "resource_id"))
			snprintf(name, sizeof(name), "%s", member(action, "resource_id"));
		print_line(p, name, "rollback failed", -1, member(event, "error"));
	}
}

static void on_event(int status, const prov_event *event, uint64_t missed, void *userdata)
{
	struct progress *p = userdata;
	const char *type = event ? prov_event_type(event) : "";
	json_object *doc;

	pthread_mutex_lock(&p->lock);
	if (status == PROV_ECLOSED) {
		if (p->live)
			clear_live(p);
		p->drained = true;
		pthread_cond_signal(&p->drained_cond);
	} else if (status == PROV_ELAGGED) {
		printf("  (%llu events not shown)\n", (unsigned long long)missed);
	} else if (strncmp(type, "Operation", 9) == 0 || strncmp(type, "Rollback", 8) == 0 ||
		   strcmp(type, "ResourceDeleted") == 0) {
		doc = json_tokener_parse(prov_event_json(event, NULL));
		if (type[0] == 'O')
			operation_event(p, type, doc);
		else
			rollback_event(p, type, doc);
		json_object_put(doc);
	}
	pthread_mutex_unlock(&p->lock);
}

struct progress *progress_start(prov_bus *bus, const struct cli_globals *g)
{
	struct progress *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->drained_cond, NULL);
	p->bus = bus;
	p->live = isatty(STDOUT_FILENO);
	p->color = g->color;
	if (prov_bus_subscribe_callback(&p->sub, bus, NULL, on_event, p) != PROV_OK) {
		free(p);
		return NULL;
	}
	return p;
}

void progress_tick(struct progress *p)
{
	if (!p || !p->live)
		return;
	pthread_mutex_lock(&p->lock);
	if (!p->drained) {
		clear_live(p);
		draw_live(p);
	}
	pthread_mutex_unlock(&p->lock);
}

void progress_finish(struct progress *p)
{
	if (!p)
		return;
	prov_bus_close(p->bus);
	pthread_mutex_lock(&p->lock);
	while (!p->drained)
		pthread_cond_wait(&p->drained_cond, &p->lock);
	pthread_mutex_unlock(&p->lock);
	prov_bus_unsubscribe(p->sub);
	for (size_t i = 0; i < p->count; i++)
		free(p->ops[i].id);
	free(p->ops);
	pthread_cond_destroy(&p->drained_cond);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

static void count_states(json_object *ops, int counts[5])
{
	static const char *const states[] = { "completed", "failed", "skipped", "cancelled" };

	json_object_object_foreach(ops, id, op) {
		const char *status = member(op, "status");
		size_t k = 0;

		(void)id;
		while (k < 4 && (!status || strcmp(status, states[k]) != 0))
			k++;
		counts[k]++;
	}
}

void progress_summary(const char *result_json, const struct cli_globals *g)
{
	json_object *doc = json_tokener_parse(result_json), *data, *ops, *meta, *v;
	const char *status = member(doc, "status");
	int counts[5] = { 0 };
	double seconds = 0;

	if (!json_object_object_get_ex(doc, "result", &v) ||
	    !json_object_object_get_ex(v, "data", &data) ||
	    !json_object_object_get_ex(data, "operations", &ops)) {
		json_object_put(doc);
		return;
	}
	if (json_object_object_get_ex(v, "metadata", &meta) &&
	    json_object_object_get_ex(meta, "duration_ms", &v))
		seconds = (double)json_object_get_int64(v) / 1000.0;
	count_states(ops, counts);
	printf("workflow %s (%s): %s%s%s in %.2fs: %d completed, %d failed, %d skipped, %d cancelled",
	       member(data, "workflow_id"), member(data, "name"),
	       g->color ? (strcmp(status, "success") == 0 ? "\033[32m" : "\033[31m") : "", status,
	       g->color ? "\033[0m" : "", seconds, counts[0], counts[1], counts[2], counts[3]);
	if (counts[4])
		printf(", %d not started", counts[4]);
	if (json_object_object_get_ex(data, "rolled_back", &v) && json_object_get_boolean(v))
		printf("; rolled back");
	putchar('\n');
	json_object_put(doc);
}
