/*
 * Semantic versions (semver 2.0) and the ranges extension manifests state:
 * comparators joined by commas or spaces (all must hold), alternatives
 * joined by "||":  ">=0.1.0, <1.0.0",  "^0.1",  "~0.1.2",  "1.2",  "*".
 *   ^X.Y.Z  up to the next change of the first non-zero part
 *   ~X.Y.Z  up to the next minor (~X: the next major)
 *   X.Y     any patch of X.Y (a partial version is a range)
 * Build metadata (+...) is ignored; pre-releases order before their release.
 */
#ifndef PROV_PLUGIN_SEMVER_H
#define PROV_PLUGIN_SEMVER_H

#include <stdbool.h>
#include <stdint.h>

typedef struct prov_semver {
	uint64_t major;
	uint64_t minor;
	uint64_t patch;
	char prerelease[64];            /* "" for a release */
} prov_semver;

/* Parse a full version "1.2.3[-pre][+build]"; PROV_EINVAL naming the text. */
int prov_semver_parse(prov_semver *out, const char *text);

/* <0, 0 or >0 as a orders before, with or after b. */
int prov_semver_compare(const prov_semver *a, const prov_semver *b);

/* Whether version lies in range; PROV_EINVAL (naming the range) when malformed. */
int prov_semver_satisfies(bool *satisfied, const char *range, const prov_semver *version);

#endif
