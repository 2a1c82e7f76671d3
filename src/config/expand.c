/*
 * Expanders: resolving references in trees outside a config (a workflow
 * operation's params) against a resolved config, with the environment the
 * resolver read and a fixed {{now}}, from any number of threads.
 */
#include "config/private.h"
#include "core/clock.h"
#include "core/mem.h"

#include <stdlib.h>

struct prov_config_expander {
	struct prov_environment env;
	prov_value *root;
	int64_t now_ms;
};

int prov_config_expander_new(prov_config_expander **out, const prov_config_resolver *r,
			     const prov_config *c)
{
	prov_config_expander *x = prov_calloc(1, sizeof(*x));

	*out = NULL;
	if (!x)
		return PROV_ENOMEM;
	if (r && prov_environment_copy(&x->env, (const char *const *)r->env.vars) != PROV_OK) {
		free(x);
		return PROV_ENOMEM;
	}
	x->root = prov_value_ref(c->root);
	x->now_ms = prov_clock_realtime_ms();
	*out = x;
	return PROV_OK;
}

void prov_config_expander_free(prov_config_expander *x)
{
	if (!x)
		return;
	prov_environment_release(&x->env);
	prov_value_unref(x->root);
	free(x);
}

int prov_config_expand(prov_value **out, const prov_config_expander *x, const prov_value *v,
		       prov_config_reference_fn extra, void *userdata)
{
	struct prov_interp_options opts = { &x->env, x->now_ms, true, extra, userdata };

	return prov_config_interpolate_detached(x->root, &opts, v, out);
}
