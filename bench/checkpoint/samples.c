#include "samples.h"

#include <stdio.h>
#include <stdlib.h>

#define PAD 900

/* A benchmark has nothing sensible to do without its sample: say why and stop. */
static void check(int rc, const char *what)
{
	if (rc != PROV_OK) {
		fprintf(stderr, "bench sample: %s: %s\n", what, prov_error_last()->message);
		exit(1);
	}
}

prov_checkpoint *bench_sample_checkpoint(const char *workflow_id)
{
	char meta[PAD + 64];
	prov_checkpoint *cp;

	snprintf(meta, sizeof(meta), "{\"owner\":\"bench\",\"pad\":\"%0*d\"}", PAD, 0);
	check(prov_checkpoint_new(&cp, workflow_id), "checkpoint");
	check(prov_checkpoint_set_metadata(cp, meta), "metadata");
	check(prov_checkpoint_set_state(cp, "definition_sha256",
					"\"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\""),
	      "state");
	return cp;
}

prov_operation_record *bench_sample_record(int n)
{
	prov_operation_record *record;
	prov_rollback_action *action;
	char op[32], output[160];

	snprintf(op, sizeof(op), "op-%d", n);
	snprintf(output, sizeof(output), "{\"id\":\"srv-%d\",\"hostname\":\"web-%d\",\"status\":"
		 "\"running\",\"ip_address\":\"10.0.%d.%d\"}", n, n, n / 250, n % 250);
	check(prov_operation_record_new(&record, op, "completed"), "record");
	check(prov_operation_record_set_output(record, output), "output");
	check(prov_rollback_action_delete_resource(&action, "local", op), "action");
	check(prov_operation_record_add_rollback(record, action), "rollback");
	prov_rollback_action_free(action);
	return record;
}

void bench_print_load(const char *when)
{
	char line[128] = "?\n";
	FILE *f = fopen("/proc/loadavg", "r");

	if (f) {
		if (!fgets(line, sizeof(line), f))
			snprintf(line, sizeof(line), "?\n");
		fclose(f);
	}
	printf("load average %s: %s", when, line);
}

void bench_print_verdict(double ratio, double target)
{
	if (target > 0)
		printf("   >= %.1fx %s\n", target, ratio >= target ? "met" : "NOT MET");
	else
		printf("   (no target)\n");
}
