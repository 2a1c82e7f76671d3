/*
 * The extension load decision. Refusals are made in a fixed order (mode,
 * lists, duplicates, compatibility, requirements, cycles) so the reason
 * shown is the most basic one. Requirement checks repeat until nothing
 * changes, since refusing one extension can strand those requiring it.
 */
#include "plugin/extensions.h"

#include "core/err.h"
#include "core/mem.h"
#include "core/strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NOT_ORDERED ((size_t)-1)

int prov_extension_mode_parse(prov_extension_mode *out, const char *text)
{
	if (!text || !text[0] || strcmp(text, "full") == 0)
		*out = PROV_EXTENSION_MODE_FULL;
	else if (strcmp(text, "restricted") == 0)
		*out = PROV_EXTENSION_MODE_RESTRICTED;
	else if (strcmp(text, "disabled") == 0)
		*out = PROV_EXTENSION_MODE_DISABLED;
	else
		return prov_err_set(PROV_EINVAL, PROV_ERRCAT_CONFIGURATION,
				    "extension mode '%s' is not full, restricted or disabled", text);
	return PROV_OK;
}

int prov_extension_refuse(prov_extension_entry *entry, const char *fmt, ...)
{
	char reason[512];
	va_list ap;

	if (entry->reason)
		return PROV_OK;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	entry->reason = prov_strdup(reason);
	return entry->reason ? PROV_OK : PROV_ENOMEM;
}

static bool listed(const char *const *list, const char *name)
{
	for (; list && *list; list++)
		if (strcmp(*list, name) == 0)
			return true;
	return false;
}

static bool candidate(const prov_extension_entry *e)
{
	return e->valid && !e->reason;
}

static prov_extension_entry *find_candidate(prov_extension_entry *entries, size_t count,
					    const char *name)
{
	for (size_t i = 0; i < count; i++)
		if (entries[i].valid && strcmp(entries[i].manifest.name, name) == 0)
			return &entries[i];
	return NULL;
}

/* Mode, lists, duplicates and compatibility: checks of one entry alone. */
static int refuse_by_policy(prov_extension_entry *entries, size_t count,
			    const prov_extension_policy *policy, const prov_semver *package)
{
	int rc = PROV_OK;

	for (size_t i = 0; i < count && rc == PROV_OK; i++) {
		prov_extension_entry *e = &entries[i], *first;
		bool compatible = false;

		if (!candidate(e))
			continue;
		first = find_candidate(entries, count, e->manifest.name);
		if (policy->mode == PROV_EXTENSION_MODE_DISABLED)
			rc = prov_extension_refuse(e, "extensions are disabled (mode disabled)");
		else if (listed(policy->blocked, e->name))
			rc = prov_extension_refuse(e, "blocked by the extensions blocked list");
		else if (policy->mode == PROV_EXTENSION_MODE_RESTRICTED && !listed(policy->allowed, e->name))
			rc = prov_extension_refuse(e, "not on the allowed list (mode restricted)");
		else if (first != e)
			rc = prov_extension_refuse(e, "extension %s is already provided by %s",
						   e->name, first->manifest_path);
		else if (prov_semver_satisfies(&compatible, e->manifest.compatibility, package) != PROV_OK ||
			 !compatible)
			rc = prov_extension_refuse(e, "needs provisioning %s, this is %s",
						   e->manifest.compatibility, policy->package_version);
	}
	return rc;
}

/* The first unmet requirement of e, described into why; false when all are met. */
static bool unmet_requirement(prov_extension_entry *entries, size_t count,
			      const prov_extension_entry *e, char *why, size_t size)
{
	for (size_t r = 0; r < e->manifest.require_count; r++) {
		const prov_requirement *req = &e->manifest.requires[r];
		prov_extension_entry *dep = find_candidate(entries, count, req->name);
		bool matches = false;

		if (!dep)
			snprintf(why, size, "requires %s %s, which was not found", req->name, req->range);
		else if (dep->reason)
			snprintf(why, size, "requires %s, which is not loaded", req->name);
		else if (prov_semver_satisfies(&matches, req->range, &dep->manifest.semver) == PROV_OK &&
			 !matches)
			snprintf(why, size, "requires %s %s, found %s", req->name, req->range,
				 dep->manifest.version);
		else
			continue;
		return true;
	}
	return false;
}

static int refuse_unmet(prov_extension_entry *entries, size_t count)
{
	char why[512];
	bool changed = true;

	while (changed) {
		changed = false;
		for (size_t i = 0; i < count; i++) {
			if (!candidate(&entries[i]) ||
			    !unmet_requirement(entries, count, &entries[i], why, sizeof(why)))
				continue;
			if (prov_extension_refuse(&entries[i], "%s", why) != PROV_OK)
				return PROV_ENOMEM;
			changed = true;
		}
	}
	return PROV_OK;
}

static bool requirements_ordered(prov_extension_entry *entries, size_t count,
				 const prov_extension_entry *e)
{
	for (size_t r = 0; r < e->manifest.require_count; r++) {
		const prov_extension_entry *dep =
			find_candidate(entries, count, e->manifest.requires[r].name);

		if (!dep || dep->order == NOT_ORDERED)
			return false;
	}
	return true;
}

/* Kahn's order: repeatedly place every extension whose requirements are placed. */
static long order_by_requirements(prov_extension_entry *entries, size_t count)
{
	size_t placed = 0;
	bool progress = true;

	for (size_t i = 0; i < count; i++)
		entries[i].order = NOT_ORDERED;
	while (progress) {
		progress = false;
		for (size_t i = 0; i < count; i++) {
			prov_extension_entry *e = &entries[i];

			if (candidate(e) && e->order == NOT_ORDERED &&
			    requirements_ordered(entries, count, e)) {
				e->order = placed++;
				progress = true;
			}
		}
	}
	for (size_t i = 0; i < count; i++)
		if (candidate(&entries[i]) && entries[i].order == NOT_ORDERED &&
		    prov_extension_refuse(&entries[i], "is part of a requires cycle") != PROV_OK)
			return PROV_ENOMEM;
	return (long)placed;
}

long prov_extensions_resolve(prov_extension_entry *entries, size_t count,
			     const prov_extension_policy *policy)
{
	prov_semver package;
	int rc = prov_semver_parse(&package, policy->package_version);

	if (rc == PROV_OK)
		rc = refuse_by_policy(entries, count, policy, &package);
	if (rc == PROV_OK)
		rc = refuse_unmet(entries, count);
	return rc == PROV_OK ? order_by_requirements(entries, count) : rc;
}

void prov_extension_entry_release(prov_extension_entry *entry)
{
	free(entry->manifest_path);
	free(entry->name);
	free(entry->reason);
	prov_manifest_release(&entry->manifest);
	memset(entry, 0, sizeof(*entry));
}
