/*
 * A program built against the installed library with pkg-config only. It
 * checks that the headers, the shared library and the versions agree.
 */
#include <provisioning/provisioning.h>

#include <stdio.h>
#include <string.h>

int main(void)
{
	const prov_version_info *v = prov_version();
	const char *argv[] = { "echo", "consumer", NULL };
	prov_process_options opt = PROV_PROCESS_OPTIONS_INIT;
	prov_process_result *result = NULL;

	if (v->major != PROV_VERSION_MAJOR || strcmp(v->version, PROV_VERSION_STRING) != 0) {
		fprintf(stderr, "header %s, library %s\n", PROV_VERSION_STRING, v->version);
		return 1;
	}
	if (strcmp(prov_strerror(PROV_ENOTFOUND), "not found") != 0)
		return 1;
	opt.argv = argv;
	if (prov_process_run(&result, &opt) != PROV_OK ||
	    strcmp(prov_process_result_stdout(result, NULL, NULL), "consumer\n") != 0) {
		fprintf(stderr, "process: %s\n", prov_error_last()->message);
		return 1;
	}
	prov_process_result_free(result);
	printf("consumer linked against libprovisioning %s\n", v->version);
	return 0;
}
