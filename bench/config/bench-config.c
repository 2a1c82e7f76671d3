/*
 * Config resolution against the raw parsers.
 *
 * Four layers of 10,000 keys each -- TOML, YAML and two JSON; 100 tables of
 * 100 keys: strings, integers, floats, booleans; one string in ten
 * interpolates paths.base or another key -- are written to files, then timed
 * two ways:
 *   resolve: a resolver reads every file with the project's readers, merges
 *            the layers and interpolates;
 *   raw:     json-c parses each JSON file, libyaml loads the YAML file into
 *            its document tree, and (C having no other TOML parser to compare
 *            with) json-c parses the TOML layer's data written as JSON.
 * The target is resolve <= 2x raw. Each figure is the best of several runs.
 */
#include "config/config.h"
#include "format/format.h"
#include "core/clock.h"
#include "core/file.h"
#include "core/strbuf.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yaml.h>

#define TABLES 100
#define KEYS_PER_TABLE 100
#define RUNS 7

enum layer_format { JSON, YAML, TOML };

struct layer {
	enum layer_format format;
	int kind;              /* a prov_config_layer */
	char path[512];
	char raw_path[512];    /* what the raw parse reads: the same data, as JSON for TOML */
	size_t bytes;
};

/* The value of key k of table t in layer l, as it is written in either format. */
static void put_value(prov_strbuf *out, int l, int t, int k)
{
	switch ((t + k + l) % 5) {
	case 0:
		prov_strbuf_printf(out, "%d", t * 1000 + k + l);
		break;
	case 1:
		prov_strbuf_printf(out, "%d.5", k + l);
		break;
	case 2:
		prov_strbuf_puts(out, (k + l) % 2 ? "true" : "false");
		break;
	default:
		if (k % 10 == 3)
			prov_strbuf_printf(out, "\"{{paths.base}}/t%d/k%d\"", t, k);
		else if (k % 10 == 4)
			prov_strbuf_printf(out, "\"{{t%d.k%d}}-ref\"", t, (k + 2) % KEYS_PER_TABLE);
		else
			prov_strbuf_printf(out, "\"value-%d-%d-%d\"", l, t, k);
	}
}

static void write_json(prov_strbuf *out, int l, int tables)
{
	prov_strbuf_puts(out, "{\n");
	for (int t = 0; t < tables; t++) {
		prov_strbuf_printf(out, "  \"t%d\": {\n", t);
		for (int k = 0; k < KEYS_PER_TABLE; k++) {
			prov_strbuf_printf(out, "    \"k%d\": ", k);
			put_value(out, l, t, k);
			prov_strbuf_puts(out, k + 1 < KEYS_PER_TABLE ? ",\n" : "\n");
		}
		prov_strbuf_puts(out, t + 1 < tables ? "  },\n" : "  }\n");
	}
	prov_strbuf_puts(out, "}\n");
}

static void write_yaml(prov_strbuf *out, int l, int tables)
{
	for (int t = 0; t < tables; t++) {
		prov_strbuf_printf(out, "t%d:\n", t);
		for (int k = 0; k < KEYS_PER_TABLE; k++) {
			prov_strbuf_printf(out, "  k%d: ", k);
			put_value(out, l, t, k);
			prov_strbuf_putc(out, '\n');
		}
	}
}

static void write_toml(prov_strbuf *out, int l, int tables)
{
	for (int t = 0; t < tables; t++) {
		prov_strbuf_printf(out, "%s[t%d]\n", t ? "\n" : "", t);
		for (int k = 0; k < KEYS_PER_TABLE; k++) {
			prov_strbuf_printf(out, "k%d = ", k);
			put_value(out, l, t, k);
			prov_strbuf_putc(out, '\n');
		}
	}
}

static int write_file(const char *path, void (*write)(prov_strbuf *, int, int), int index,
		      size_t *bytes)
{
	prov_strbuf text = PROV_STRBUF_INIT;
	int rc;

	write(&text, index, TABLES);
	if (bytes)
		*bytes = text.len;
	rc = prov_file_write_atomic(path, text.data, text.len);
	prov_strbuf_release(&text);
	return rc;
}

static int write_layer(const char *dir, int index, struct layer *layer)
{
	static const char *const extensions[] = { "json", "yaml", "toml" };
	static void (*const writers[])(prov_strbuf *, int, int) = { write_json, write_yaml, write_toml };
	int rc;

	snprintf(layer->path, sizeof(layer->path), "%s/layer%d.%s", dir, index,
		 extensions[layer->format]);
	snprintf(layer->raw_path, sizeof(layer->raw_path), "%s/layer%d.raw.json", dir, index);
	rc = write_file(layer->path, writers[layer->format], index, &layer->bytes);
	if (rc == PROV_OK && layer->format == TOML)
		rc = write_file(layer->raw_path, write_json, index, NULL);
	else if (rc == PROV_OK)
		strcpy(layer->raw_path, layer->path);
	return rc;
}

static double seconds_since(int64_t start_ns)
{
	return (double)(prov_clock_monotonic_ns() - start_ns) / 1e9;
}

static int resolve_once(const struct layer *layers, size_t count, const char *dir, double *secs)
{
	int64_t start = prov_clock_monotonic_ns();
	prov_config_resolver *r = NULL;
	prov_config *c = NULL;
	int rc = prov_config_resolver_new(&r);

	if (rc == PROV_OK)
		rc = prov_config_resolver_set_base_dir(r, dir);
	for (size_t i = 0; rc == PROV_OK && i < count; i++)
		rc = prov_config_resolver_add_layer_file(r, layers[i].kind, layers[i].path);
	if (rc == PROV_OK)
		rc = prov_config_resolve(r, &c);
	*secs = seconds_since(start);
	if (rc)
		fprintf(stderr, "resolve failed: %s\n", prov_error_last()->message);
	prov_config_free(c);
	prov_config_resolver_free(r);
	return rc;
}

static int raw_yaml(const char *text, size_t len)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	int ok;

	yaml_parser_initialize(&parser);
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	ok = yaml_parser_load(&parser, &doc);
	if (ok)
		yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	return ok ? 0 : -1;
}

/* The raw parse of every file, reading included, as the resolver reads them. */
static int raw_once(const struct layer *layers, size_t count, double *secs)
{
	int64_t start = prov_clock_monotonic_ns();
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < count; i++) {
		char *text;
		size_t len;

		if (prov_file_read(layers[i].raw_path, 64u << 20, &text, &len))
			return -1;
		if (layers[i].format == YAML) {
			rc = raw_yaml(text, len);
		} else {
			json_object *obj = json_tokener_parse(text);
			rc = obj ? 0 : -1;
			json_object_put(obj);
		}
		free(text);
	}
	*secs = seconds_since(start);
	return rc;
}

/* Best-of-RUNS throughput of one reader over text, in MB/s. */
static double throughput(int (*read)(const char *, size_t), const prov_strbuf *text)
{
	double best = 1e9;

	for (int run = 0; run < RUNS; run++) {
		int64_t start = prov_clock_monotonic_ns();
		if (read(text->data, text->len) != 0)
			return 0;
		if (seconds_since(start) < best)
			best = seconds_since(start);
	}
	return (double)text->len / 1e6 / best;
}

static int read_json_c(const char *text, size_t len)
{
	json_tokener *tok = json_tokener_new();
	json_object *obj = json_tokener_parse_ex(tok, text, (int)len);

	json_tokener_free(tok);
	json_object_put(obj);
	return obj ? 0 : -1;
}

static int read_with(prov_format format, const char *text, size_t len)
{
	prov_source *src = prov_source_new("bench", NULL);
	prov_value *tree = NULL;
	int rc = prov_format_parse(format, text, len, src, &tree);

	prov_value_unref(tree);
	prov_source_unref(src);
	return rc;
}

static int read_json_own(const char *text, size_t len)
{
	return read_with(PROV_FORMAT_JSON, text, len);
}

static int read_yaml_own(const char *text, size_t len)
{
	return read_with(PROV_FORMAT_YAML, text, len);
}

/* The readers alone on a ~10 MB config-shaped document. */
static void bench_readers(void)
{
	prov_strbuf json = PROV_STRBUF_INIT, yaml = PROV_STRBUF_INIT;
	int tables = 4400;

	write_json(&json, 0, tables);
	write_yaml(&yaml, 0, tables);
	printf("readers on %.1f MB of JSON / %.1f MB of YAML (%d keys), best of %d:\n",
	       (double)json.len / 1e6, (double)yaml.len / 1e6, tables * KEYS_PER_TABLE, RUNS);
	printf("  JSON, own reader into the value tree:  %7.1f MB/s\n", throughput(read_json_own, &json));
	printf("  JSON, json-c into its objects:         %7.1f MB/s\n", throughput(read_json_c, &json));
	printf("  YAML, own reader (libyaml events):     %7.1f MB/s\n", throughput(read_yaml_own, &yaml));
	printf("  YAML, libyaml document tree alone:     %7.1f MB/s\n", throughput(raw_yaml, &yaml));
	prov_strbuf_release(&json);
	prov_strbuf_release(&yaml);
}

int main(void)
{
	struct layer layers[] = {
		{ TOML, PROV_CONFIG_LAYER_SYSTEM, "", "", 0 },
		{ YAML, PROV_CONFIG_LAYER_USER, "", "", 0 },
		{ JSON, PROV_CONFIG_LAYER_PROJECT, "", "", 0 },
		{ JSON, PROV_CONFIG_LAYER_EXPLICIT, "", "", 0 },
	};
	size_t count = sizeof(layers) / sizeof(layers[0]), bytes = 0;
	char dir[] = "/tmp/prov-bench-config-XXXXXX";
	double best_resolve = 1e9, best_raw = 1e9;
	int rc = 0;

	if (!mkdtemp(dir))
		return 1;
	for (size_t i = 0; rc == 0 && i < count; i++) {
		rc = write_layer(dir, (int)i, &layers[i]);
		bytes += layers[i].bytes;
	}
	for (int run = 0; rc == 0 && run < RUNS; run++) {
		double resolve_s = 0, raw_s = 0;
		rc = resolve_once(layers, count, dir, &resolve_s) || raw_once(layers, count, &raw_s);
		if (resolve_s < best_resolve)
			best_resolve = resolve_s;
		if (raw_s < best_raw)
			best_raw = raw_s;
	}
	for (size_t i = 0; i < count; i++) {
		unlink(layers[i].path);
		unlink(layers[i].raw_path);
	}
	rmdir(dir);
	if (rc)
		return 1;
	printf("config resolve: %zu layers x %d keys (TOML, YAML, JSON, JSON), %.1f MB, best of %d\n",
	       count, TABLES * KEYS_PER_TABLE, (double)bytes / 1e6, RUNS);
	printf("  resolve (read, parse, merge, interpolate): %8.2f ms\n", best_resolve * 1e3);
	printf("  raw parse (json-c + libyaml document):     %8.2f ms\n", best_raw * 1e3);
	printf("    (the TOML layer's raw figure is json-c on the same data as JSON)\n");
	printf("  ratio %.2fx (target <= 2.00x): %s\n", best_resolve / best_raw,
	       best_resolve <= 2 * best_raw ? "met" : "NOT MET");
	bench_readers();
	return 0;
}
