/*
 * Problems of a definition, collected rather than stopping at the first, so
 * one validation names every one with its file:line.
 */
#include "workflow/internal.h"

#include "core/err.h"
#include "core/mem.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void add(struct wf_problems *p, const char *file, unsigned int line, const char *message)
{
	struct wf_problem *item;

	if (prov_grow(&p->items, p->count + 1, sizeof(*p->items)))
		return;
	item = &p->items[p->count];
	item->file = prov_strdup(file);
	item->message = prov_strdup(message);
	item->line = line;
	if (!item->file || !item->message) {
		free(item->file);
		free(item->message);
		return;
	}
	p->count++;
}

void wf_problem(struct wf_problems *p, const prov_value *where, const char *fmt, ...)
{
	char message[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	add(p, where ? prov_value_file(where) : "", where ? prov_value_line(where) : 0, message);
}

/* The message without the "FILE:LINE: " the error already carries. */
static const char *strip_place(const prov_error *e)
{
	char place[1024];
	size_t len;

	if (!e->file[0])
		return e->message;
	len = (size_t)snprintf(place, sizeof(place), e->line ? "%s:%d: " : "%s: ", e->file,
			       e->line);
	return strncmp(e->message, place, len) == 0 ? e->message + len : e->message;
}

void wf_problem_from_error(struct wf_problems *p, const prov_value *where, const char *prefix)
{
	const prov_error *e = prov_error_last();
	char message[1024];

	snprintf(message, sizeof(message), "%s%s", prefix ? prefix : "", strip_place(e));
	if (e->file[0])
		add(p, e->file, e->line > 0 ? (unsigned int)e->line : 0, message);
	else
		add(p, where ? prov_value_file(where) : "", where ? prov_value_line(where) : 0,
		    message);
}

void wf_problems_append(struct wf_problems *to, const struct wf_problems *from)
{
	for (size_t i = 0; i < from->count; i++)
		add(to, from->items[i].file, from->items[i].line, from->items[i].message);
}

void wf_problems_release(struct wf_problems *p)
{
	for (size_t i = 0; i < p->count; i++) {
		free(p->items[i].file);
		free(p->items[i].message);
	}
	free(p->items);
	p->items = NULL;
	p->count = 0;
}

static void print_problem(prov_strbuf *b, const struct wf_problem *item)
{
	if (item->file[0] && item->line)
		prov_strbuf_printf(b, "%s:%u: ", item->file, item->line);
	else if (item->file[0])
		prov_strbuf_printf(b, "%s: ", item->file);
	prov_strbuf_puts(b, item->message);
}

int wf_problems_report(const struct wf_problems *p, const char *what, char **report)
{
	prov_strbuf b = PROV_STRBUF_INIT;
	int rc = PROV_OK;

	for (size_t i = 0; i < p->count; i++) {
		print_problem(&b, &p->items[i]);
		prov_strbuf_putc(&b, '\n');
	}
	if (report && !(*report = prov_strbuf_detach(&b, NULL)))
		return PROV_ENOMEM;
	prov_strbuf_release(&b);
	if (p->count == 0)
		return PROV_OK;
	print_problem(&b, &p->items[0]);
	if (p->count == 1)
		rc = prov_err_set(PROV_ECONFIG, PROV_ERRCAT_WORKFLOW, "%s", prov_strbuf_cstr(&b));
	else
		rc = prov_err_set(PROV_ECONFIG, PROV_ERRCAT_WORKFLOW, "%s has %zu problems; the first: %s",
				  what, p->count, prov_strbuf_cstr(&b));
	if (p->items[0].file[0])
		prov_err_context(PROV_ERR_FILE, p->items[0].file);
	if (p->items[0].line)
		prov_err_line((int)p->items[0].line);
	prov_strbuf_release(&b);
	return rc;
}
