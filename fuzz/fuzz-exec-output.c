/*
 * The exec provider's reading of a program's stdout: whatever a program
 * prints, the reader returns a verdict and a bounded, printable message.
 */
#include "exec-output.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	exec_reply reply;
	int rc = exec_output_parse(&reply, (const char *)data, size);

	if (rc != 0 && (reply.success || reply.data || strlen(reply.message) == 0))
		__builtin_trap();
	for (const char *c = reply.message; *c; c++)
		if ((unsigned char)*c < 0x20)
			__builtin_trap();
	exec_reply_release(&reply);
	return 0;
}
