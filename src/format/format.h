/*
 * Document formats: readers from TOML, YAML and JSON text into the value
 * tree, with a line for every node, and printers back to text.
 *
 * Every reader refuses documents nested deeper than PROV_DOCUMENT_MAX_DEPTH
 * and reports malformed input as PROV_EPARSE with "FILE:LINE: message",
 * FILE being the source's name. Readers and printers keep no state: any
 * thread may call them.
 */
#ifndef PROV_FORMAT_FORMAT_H
#define PROV_FORMAT_FORMAT_H

#include <provisioning/format.h>

#include "core/strbuf.h"
#include "core/value.h"

/* Files larger than this are refused before they are read. */
#define PROV_FORMAT_MAX_FILE_SIZE (64u * 1024u * 1024u)

/* Format from a path's extension (.toml, .yaml, .yml, .json); PROV_EINVAL naming the path otherwise. */
int prov_format_from_path(const char *path, prov_format *out);

/* The extension's name of a format ("toml", "yaml", "json"); "auto" for PROV_FORMAT_AUTO. */
const char *prov_format_name(prov_format format);

/* Parse text in a format into a new tree whose nodes carry src and their lines. */
int prov_format_parse(prov_format format, const char *text, size_t len, prov_source *src,
		      prov_value **out);

/*
 * Read and parse a file (size-limited; a directory is a clear error naming it). format may be
 * PROV_FORMAT_AUTO. The source is named by the path and tagged with layer (may be NULL).
 */
int prov_format_load_file(const char *path, prov_format format, const char *layer,
			  prov_value **out);

/* Print a tree in a format. */
int prov_format_print(prov_strbuf *out, prov_format format, const prov_value *v);

/* strtod in the C locale, whatever locale the host program set. */
double prov_format_strtod(const char *text, char **end);

/* The readers and the YAML printer behind the functions above. */
int prov_json_read(const char *text, size_t len, prov_source *src, prov_value **out);
int prov_yaml_read(const char *text, size_t len, prov_source *src, prov_value **out);
int prov_yaml_print(prov_strbuf *out, const prov_value *v);

#endif
