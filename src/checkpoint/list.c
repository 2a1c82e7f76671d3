/* Lists of stored checkpoints: filled by a backend, then sorted and paged here. */
#include "checkpoint/internal.h"
#include "core/err.h"
#include "core/mem.h"

#include <stdlib.h>
#include <string.h>

struct list_entry {
	char *id;
	long long step;
	char *timestamp;
	char *error;     /* NULL when readable */
};

struct prov_checkpoint_list {
	struct list_entry *items;
	size_t len;
	size_t cap;
	char *next;      /* the cursor of the next page, or NULL */
};

int prov_checkpoint_list_new(prov_checkpoint_list **out)
{
	*out = prov_calloc(1, sizeof(**out));
	return *out ? PROV_OK : PROV_ENOMEM;
}

static void entry_release(struct list_entry *e)
{
	free(e->id);
	free(e->timestamp);
	free(e->error);
}

void prov_checkpoint_list_free(prov_checkpoint_list *list)
{
	if (!list)
		return;
	for (size_t i = 0; i < list->len; i++)
		entry_release(&list->items[i]);
	free(list->items);
	free(list->next);
	free(list);
}

int prov_checkpoint_list_add(prov_checkpoint_list *list, const char *workflow_id, long long step,
			     const char *timestamp, const char *error)
{
	struct list_entry e = { NULL, step, NULL, NULL };

	if (!list || !workflow_id)
		return prov_err_set(PROV_EINVAL, PROV_ERRCAT_INVALID_ARGUMENT,
				    "prov_checkpoint_list_add needs a list and a workflow id");
	if (list->len == list->cap) {
		size_t cap = list->cap ? list->cap * 2 : 16;

		if (prov_grow(&list->items, cap, sizeof(*list->items)) != PROV_OK)
			return PROV_ENOMEM;
		list->cap = cap;
	}
	e.id = prov_strdup(workflow_id);
	e.timestamp = prov_strdup(timestamp ? timestamp : "");
	e.error = error ? prov_strdup(error) : NULL;
	if (!e.id || !e.timestamp || (error && !e.error)) {
		entry_release(&e);
		return PROV_ENOMEM;
	}
	list->items[list->len++] = e;
	return PROV_OK;
}

static int by_id(const void *a, const void *b)
{
	return strcmp(((const struct list_entry *)a)->id, ((const struct list_entry *)b)->id);
}

bool prov_checkpoint_list_wants(const char *workflow_id,
				const prov_checkpoint_list_options *options)
{
	if (options->prefix &&
	    strncmp(workflow_id, options->prefix, strlen(options->prefix)) != 0)
		return false;
	return !options->after || strcmp(workflow_id, options->after) > 0;
}

/* Sort by id, drop duplicates and unwanted ids, and cut the page at the limit. */
int prov_checkpoint_list_finish(prov_checkpoint_list *list,
				const prov_checkpoint_list_options *options)
{
	size_t kept = 0;

	if (list->len > 1)
		qsort(list->items, list->len, sizeof(*list->items), by_id);
	for (size_t i = 0; i < list->len; i++) {
		struct list_entry *e = &list->items[i];

		if ((kept > 0 && strcmp(list->items[kept - 1].id, e->id) == 0) ||
		    !prov_checkpoint_list_wants(e->id, options))
			entry_release(e);
		else
			list->items[kept++] = *e;
	}
	list->len = kept;
	if (!options->limit || kept <= options->limit)
		return PROV_OK;
	list->next = prov_strdup(list->items[options->limit - 1].id);
	if (!list->next)
		return PROV_ENOMEM;
	while (list->len > options->limit)
		entry_release(&list->items[--list->len]);
	return PROV_OK;
}

size_t prov_checkpoint_list_count(const prov_checkpoint_list *list)
{
	return list->len;
}

const char *prov_checkpoint_list_id_at(const prov_checkpoint_list *list, size_t index)
{
	return index < list->len ? list->items[index].id : NULL;
}

long long prov_checkpoint_list_step_at(const prov_checkpoint_list *list, size_t index)
{
	return index < list->len ? list->items[index].step : 0;
}

const char *prov_checkpoint_list_timestamp_at(const prov_checkpoint_list *list, size_t index)
{
	return index < list->len ? list->items[index].timestamp : NULL;
}

const char *prov_checkpoint_list_error_at(const prov_checkpoint_list *list, size_t index)
{
	return index < list->len ? list->items[index].error : NULL;
}

const char *prov_checkpoint_list_next(const prov_checkpoint_list *list)
{
	return list->next;
}
