/*
 * How fast prov_toml_parse reads a config-shaped document of about 10 MB,
 * next to json-c (json_tokener_parse into json-c objects) on the same data
 * written as JSON. Target: at least 80 MB/s for TOML.
 *
 * The document: many [service] tables with string, integer, float and bool
 * keys, arrays, an inline table, a sub-table and an array of tables each.
 * Each figure is the best of several runs; building the input and freeing the
 * trees are not timed. Allocation is a large part of the cost of either
 * parser, so both are measured twice: each run in a fresh process (memory
 * new from the kernel, as when a program reads its config at start) and in
 * a warm heap that reuses memory freed by the previous run.
 */
#include "core/strbuf.h"
#include "core/value.h"
#include "format/toml.h"

#include <json-c/json.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TARGET_BYTES (10u * 1024 * 1024)
#define RUNS 7
#define TARGET_MB_PER_S 80.0

struct documents {
	prov_strbuf toml;
	prov_strbuf json;
};

static void add_service_toml(prov_strbuf *b, unsigned i)
{
	prov_strbuf_printf(b,
		"[service_%u]\n"
		"name = \"service-%u\"\n"
		"description = \"Handles requests for tenant %u in the primary region\"\n"
		"port = %u\n"
		"enabled = %s\n"
		"weight = %u.%u\n"
		"replicas = %u\n"
		"tags = [\"web\", \"tier-%u\", \"zone-%c\"]\n"
		"limits = { cpu = %u, memory = \"%uGi\" }\n"
		"\n"
		"[service_%u.health]\n"
		"path = \"/healthz\"\n"
		"interval_ms = %u\n"
		"timeout = %u.5\n"
		"\n"
		"[[service_%u.backends]]\n"
		"host = \"10.%u.%u.%u\"\n"
		"port = %u\n"
		"\n",
		i, i, i, 8000 + i % 1000, i % 3 ? "true" : "false", i % 10, i % 7,
		1 + i % 5, i % 4, 'a' + (char)(i % 3), 1 + i % 8, 1 + i % 16,
		i, 1000 + i % 9000, i % 30,
		i, i % 256, (i / 256) % 256, i % 200, 9000 + i % 100);
}

static void add_service_json(prov_strbuf *b, unsigned i)
{
	prov_strbuf_printf(b,
		"%s\"service_%u\": {"
		"\"name\": \"service-%u\", "
		"\"description\": \"Handles requests for tenant %u in the primary region\", "
		"\"port\": %u, \"enabled\": %s, \"weight\": %u.%u, \"replicas\": %u, "
		"\"tags\": [\"web\", \"tier-%u\", \"zone-%c\"], "
		"\"limits\": {\"cpu\": %u, \"memory\": \"%uGi\"}, "
		"\"health\": {\"path\": \"/healthz\", \"interval_ms\": %u, \"timeout\": %u.5}, "
		"\"backends\": [{\"host\": \"10.%u.%u.%u\", \"port\": %u}]}\n",
		i ? ", " : "", i, i, i, 8000 + i % 1000, i % 3 ? "true" : "false", i % 10, i % 7,
		1 + i % 5, i % 4, 'a' + (char)(i % 3), 1 + i % 8, 1 + i % 16,
		1000 + i % 9000, i % 30,
		i % 256, (i / 256) % 256, i % 200, 9000 + i % 100);
}

static int build(struct documents *d)
{
	prov_strbuf_puts(&d->toml, "# generated for the TOML benchmark\ntitle = \"fleet\"\n\n");
	prov_strbuf_puts(&d->json, "{\"title\": \"fleet\"");
	for (unsigned i = 0; d->toml.len < TARGET_BYTES; i++) {
		add_service_toml(&d->toml, i);
		add_service_json(&d->json, i + 1);
	}
	prov_strbuf_puts(&d->json, "}\n");
	return prov_strbuf_status(&d->toml) || prov_strbuf_status(&d->json);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

enum reader { TOML, JSON_C };

/* One parse, timed; freeing the result is not. */
static double parse_seconds(enum reader reader, const struct documents *d)
{
	prov_value *tree = NULL;
	json_object *obj = NULL;
	double start = now(), took;
	int rc = reader == TOML ? prov_toml_parse(d->toml.data, d->toml.len, NULL, &tree)
				: !(obj = json_tokener_parse(d->json.data));

	took = now() - start;
	if (rc) {
		fprintf(stderr, "%s parse failed: %s\n", reader == TOML ? "TOML" : "json-c",
			prov_error_last()->message);
		exit(1);
	}
	prov_value_unref(tree);
	json_object_put(obj);
	/* glibc merges freed chunks on the next large allocation: do it now,
	 * untimed, rather than in the next run. */
	free(malloc(64 * 1024));
	return took;
}

/* Each run in a new process: memory comes fresh from the kernel, as for a
 * program that reads its config once at start. */
static double best_fresh_process(enum reader reader, const struct documents *d)
{
	double best = 1e9;

	for (int run = 0; run < RUNS; run++) {
		double took = 1e9;
		int fds[2], status;
		pid_t pid;

		if (pipe(fds) || (pid = fork()) < 0) {
			perror("bench-toml");
			exit(1);
		}
		if (pid == 0) {
			took = parse_seconds(reader, d);
			_exit(write(fds[1], &took, sizeof(took)) == sizeof(took) ? 0 : 1);
		}
		close(fds[1]);
		if (read(fds[0], &took, sizeof(took)) != sizeof(took) ||
		    waitpid(pid, &status, 0) != pid || status != 0)
			exit(1);
		close(fds[0]);
		best = took < best ? took : best;
	}
	return best;
}

/* Runs in this process after an untimed one, with freed memory kept by the
 * allocator, so allocation is as cheap as it gets. */
static double best_warm_heap(enum reader reader, const struct documents *d)
{
	double best = 1e9;

	parse_seconds(reader, d);
	for (int run = 0; run < RUNS; run++) {
		double took = parse_seconds(reader, d);
		best = took < best ? took : best;
	}
	return best;
}

static double rate(const prov_strbuf *doc, double seconds)
{
	return (double)doc->len / 1e6 / seconds;
}

int main(void)
{
	struct documents d = { PROV_STRBUF_INIT, PROV_STRBUF_INIT };
	double toml_fresh, json_fresh, toml_warm, json_warm;

	if (build(&d)) {
		fprintf(stderr, "out of memory building the documents\n");
		return 1;
	}
	toml_fresh = rate(&d.toml, best_fresh_process(TOML, &d));
	json_fresh = rate(&d.json, best_fresh_process(JSON_C, &d));
	mallopt(M_MMAP_THRESHOLD, 256 * 1024 * 1024);
	mallopt(M_TRIM_THRESHOLD, 1024 * 1024 * 1024);
	toml_warm = rate(&d.toml, best_warm_heap(TOML, &d));
	json_warm = rate(&d.json, best_warm_heap(JSON_C, &d));

	printf("TOML document %.1f MB, the same data as JSON %.1f MB; best of %d runs\n",
	       (double)d.toml.len / 1e6, (double)d.json.len / 1e6, RUNS);
	printf("                     fresh process   warm heap\n");
	printf("prov_toml_parse      %7.1f MB/s    %7.1f MB/s\n", toml_fresh, toml_warm);
	printf("json-c (JSON)        %7.1f MB/s    %7.1f MB/s\n", json_fresh, json_warm);
	printf("ratio TOML/json-c    %7.2f         %7.2f\n", toml_fresh / json_fresh,
	       toml_warm / json_warm);
	printf("target >= %.0f MB/s    %-15s %s\n", TARGET_MB_PER_S,
	       toml_fresh >= TARGET_MB_PER_S ? "met" : "NOT met",
	       toml_warm >= TARGET_MB_PER_S ? "met" : "NOT met");
	prov_strbuf_release(&d.toml);
	prov_strbuf_release(&d.json);
	return 0;
}
