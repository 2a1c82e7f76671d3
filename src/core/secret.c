#include "core/secret.h"

#include <string.h>

bool prov_key_is_secret(const char *path)
{
	static const char *const words[] = { "password", "token", "secret", "private_key", "api_key" };
	const char *last;

	if (!path)
		return false;
	last = strrchr(path, '.');
	last = last ? last + 1 : path;
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcasestr(last, words[i]))
			return true;
	return false;
}
