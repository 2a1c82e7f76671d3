/*
 * The journal reader on arbitrary bytes: it must stop at the first record
 * whose checksum chain breaks, never read outside the image, and hand out
 * only records whose payload lies inside it.
 */
#include "checkpoint/journal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct bounds {
	const char *image;
	size_t size;
};

static int visit(const struct prov_journal_record *record, void *userdata)
{
	const struct bounds *b = userdata;
	prov_checkpoint *cp;

	if (record->payload < b->image || record->payload + record->len > b->image + b->size ||
	    prov_workflow_id_validate(record->workflow_id) != PROV_OK)
		abort();
	if (record->kind == PROV_JOURNAL_SAVE &&
	    prov_checkpoint_from_json(&cp, record->payload, record->len) == PROV_OK)
		prov_checkpoint_free(cp);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *image = malloc(size ? size : 1);
	struct bounds b = { image, size };

	if (!image)
		return 0;
	memcpy(image, data, size);
	prov_journal_walk(image, size, visit, &b);
	free(image);
	return 0;
}
