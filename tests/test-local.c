/*
 * What the shipped local provider created, read from its state directory
 * (one file per server, servers/srv-1.json upwards), for tests that check a
 * run created each server once however it was interrupted.
 */
#include "test-util.h"

#include <json-c/json.h>
#include <unistd.h>

#define MAX_SERVERS 256

void test_assert_servers_created_once(const char *state_dir, int expected)
{
	char *hostnames[MAX_SERVERS];
	int n = 0;

	for (int id = 1; n < MAX_SERVERS; id++) {
		char path[4096];
		json_object *record, *hostname;

		snprintf(path, sizeof(path), "%s/servers/srv-%d.json", state_dir, id);
		if (access(path, F_OK) != 0)
			break;
		record = json_object_from_file(path);
		ck_assert_msg(record != NULL, "%s is not JSON", path);
		ck_assert_msg(json_object_object_get_ex(record, "hostname", &hostname),
			      "%s has no hostname", path);
		hostnames[n] = strdup(json_object_get_string(hostname));
		json_object_put(record);
		for (int i = 0; i < n; i++)
			ck_assert_msg(strcmp(hostnames[i], hostnames[n]) != 0,
				      "%s was created twice", hostnames[n]);
		n++;
	}
	ck_assert_int_eq(n, expected);
	for (int i = 0; i < n; i++)
		free(hostnames[i]);
}
