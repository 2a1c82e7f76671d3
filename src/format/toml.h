/*
 * TOML 1.0: the library's own reader and printer over the value tree.
 *
 * The reader keeps a line for every key and every value (see core/value.h),
 * the four kinds of date and time apart, and integers exact as int64. It
 * refuses everything TOML 1.0 refuses, including invalid UTF-8, control
 * characters, a carriage return outside CRLF, and tables redefined against
 * the rules for headers, dotted keys and inline tables.
 *
 * Choices where the specification leaves room:
 * - A newline inside a multi-line string is stored as LF, written CRLF or not.
 * - Datetimes are stored as RFC 3339 text with "T" and "Z" upper case and
 *   the fraction of a second kept as written.
 * - A float too large for a double (1e400) is an error, like an integer that
 *   does not fit in int64.
 * - Nesting counts containers on the way from the root to a value, the root
 *   included; an array of tables counts twice (the array and its element).
 *   More than PROV_DOCUMENT_MAX_DEPTH is an error.
 * - A table defined implicitly ([a.b] before [a]) keeps the line of its first
 *   mention.
 *
 * Both functions may be called from any number of threads at once.
 */
#ifndef PROV_FORMAT_TOML_H
#define PROV_FORMAT_TOML_H

#include "core/strbuf.h"
#include "core/value.h"

#include <stddef.h>

/*
 * Parse TOML 1.0 text (len bytes, not necessarily NUL-terminated; a leading
 * byte order mark is skipped) into a new table. Every node refers to src,
 * which names the document in errors ("<string>" when src is NULL).
 *
 * On error *out is NULL and the return is PROV_EPARSE (PROV_ERANGE for a
 * number out of range, PROV_ENOMEM), recorded with the message
 * "FILE:LINE: what is wrong".
 */
int prov_toml_parse(const char *text, size_t len, prov_source *src, prov_value **out);

/*
 * Append table as TOML 1.0 text that prov_toml_parse reads back equal
 * (prov_value_equal). Keys that are simple members of a table come before its
 * sub-tables; a non-empty array whose items are all tables is written as an
 * array of tables, any other array inline.
 *
 * TOML has no null. A null anywhere in the tree is an error
 * (PROV_EUNSUPPORTED, naming the key path such as "servers[2].ip"): leaving it
 * out would print a document that says something else than the tree (a key
 * silently missing, the items of an array shifted). Strings and keys that are
 * not valid UTF-8, datetimes whose text is not a TOML datetime of their kind,
 * and trees nested deeper than PROV_DOCUMENT_MAX_DEPTH are errors as well
 * (PROV_EINVAL). On error out is left as it was.
 */
int prov_toml_print(prov_strbuf *out, const prov_value *table);

#endif
