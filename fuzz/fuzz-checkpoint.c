/*
 * The checkpoint document and operation record readers: whatever they
 * accept must print back to a document they read again unchanged, and fold.
 */
#include <provisioning/checkpoint.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void round_trip(const prov_checkpoint *cp)
{
	prov_checkpoint *back;
	prov_rollback_stack *stack;
	char *first, *second;

	if (prov_checkpoint_to_json(&first, cp) != PROV_OK)
		return;
	if (prov_checkpoint_from_json(&back, first, strlen(first)) != PROV_OK)
		abort();
	if (prov_checkpoint_to_json(&second, back) != PROV_OK || strcmp(first, second) != 0)
		abort();
	if (prov_checkpoint_get_rollback_stack(&stack, back) != PROV_OK)
		abort();
	prov_rollback_stack_free(stack);
	prov_free(first);
	prov_free(second);
	prov_checkpoint_free(back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	prov_checkpoint *cp;
	prov_operation_record *record;

	if (prov_checkpoint_from_json(&cp, text, size) == PROV_OK) {
		round_trip(cp);
		prov_checkpoint_free(cp);
	}
	if (prov_operation_record_from_json(&record, text, size) == PROV_OK) {
		if (prov_checkpoint_new(&cp, "fuzz") != PROV_OK)
			abort();
		if (prov_checkpoint_apply_record(cp, record) == PROV_OK &&
		    prov_checkpoint_apply_record(cp, record) == PROV_OK)
			round_trip(cp);
		prov_checkpoint_free(cp);
		prov_operation_record_free(record);
	}
	return 0;
}
