/*
 * The store handle: checks what callers pass, turns documents into JSON
 * text, and hands the work to a backend through its interface struct. The
 * directory store is one such backend; users add their own the same way.
 */
#include "checkpoint/dirstore.h"
#include "checkpoint/etcd.h"
#include "checkpoint/internal.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/mem.h"

#include <stdlib.h>
#include <string.h>

struct prov_checkpoint_token {
	char *workflow_id;
	char *text;
};

struct prov_checkpoint_store {
	prov_checkpoint_store_interface iface;
	void *backend;
};

int prov_checkpoint_token_new(prov_checkpoint_token **out, const char *workflow_id,
			      const char *text)
{
	prov_checkpoint_token *token;
	int rc = prov_workflow_id_validate(workflow_id);

	*out = NULL;
	if (rc != PROV_OK)
		return rc;
	token = prov_calloc(1, sizeof(*token));
	if (!token)
		return PROV_ENOMEM;
	token->workflow_id = prov_strdup(workflow_id);
	token->text = prov_strdup(text ? text : "");
	if (!token->workflow_id || !token->text) {
		prov_checkpoint_token_free(token);
		return PROV_ENOMEM;
	}
	*out = token;
	return PROV_OK;
}

void prov_checkpoint_token_free(prov_checkpoint_token *token)
{
	if (!token)
		return;
	free(token->workflow_id);
	free(token->text);
	free(token);
}

const char *prov_checkpoint_token_workflow_id(const prov_checkpoint_token *token)
{
	return token->workflow_id;
}

const char *prov_checkpoint_token_text(const prov_checkpoint_token *token)
{
	return token->text;
}

/* ------------------------------------------------------------------ */

static bool interface_complete(const prov_checkpoint_store_interface *iface)
{
	return iface->acquire && iface->release && iface->save && iface->record && iface->load &&
	       iface->list && iface->remove;
}

int prov_checkpoint_store_new(prov_checkpoint_store **out,
			      const prov_checkpoint_store_interface *iface, void *backend)
{
	prov_checkpoint_store *store;
	size_t n;

	*out = NULL;
	if (!iface || iface->size < sizeof(unsigned int))
		return prov_err_set(PROV_EINVAL, PROV_ERRCAT_INVALID_ARGUMENT,
				    "a checkpoint store needs an interface");
	store = prov_calloc(1, sizeof(*store));
	if (!store)
		return PROV_ENOMEM;
	n = iface->size < sizeof(store->iface) ? iface->size : sizeof(store->iface);
	memcpy(&store->iface, iface, n);
	if (!interface_complete(&store->iface)) {
		free(store);
		return prov_err_set(PROV_EINVAL, PROV_ERRCAT_INVALID_ARGUMENT,
				    "a checkpoint store interface needs acquire, release, save, "
				    "record, load, list and remove");
	}
	store->backend = backend;
	*out = store;
	return PROV_OK;
}

static int open_kind(prov_checkpoint_store **out, const char *kind, const char *dir,
		     const prov_checkpoint_etcd_options *etcd)
{
	if (strcmp(kind, "dir") == 0) {
		if (!dir || !*dir)
			return prov_err_set(PROV_EINVAL, PROV_ERRCAT_CONFIGURATION,
					    "the dir checkpoint store needs a directory "
					    "(checkpoint.dir)");
		return prov_dirstore_open(out, prov_fileio_system(), dir, 0);
	}
	if (strcmp(kind, "etcd") == 0) {
#ifdef PROV_HAVE_ETCD
		return prov_etcdstore_open(out, etcd);
#else
		(void)etcd;
		return prov_err_set(PROV_EUNSUPPORTED, PROV_ERRCAT_CONFIGURATION,
				    "etcd store not compiled in (libprovisioning was built "
				    "without libcurl; checkpoint.store = \"etcd\")");
#endif
	}
	prov_err_set(PROV_EINVAL, PROV_ERRCAT_CONFIGURATION,
		     "unknown checkpoint store \"%s\" (expected dir or etcd)", kind);
	prov_err_context(PROV_ERR_KEY, "checkpoint.store");
	return PROV_EINVAL;
}

int prov_checkpoint_store_open(prov_checkpoint_store **out,
			       const prov_checkpoint_store_options *options)
{
	prov_checkpoint_store_options opt;
	size_t n;

	*out = NULL;
	if (!options || options->size < sizeof(unsigned int))
		return prov_err_set(PROV_EINVAL, PROV_ERRCAT_INVALID_ARGUMENT,
				    "prov_checkpoint_store_open needs options");
	memset(&opt, 0, sizeof(opt));
	n = options->size < sizeof(opt) ? options->size : sizeof(opt);
	memcpy(&opt, options, n);
	return open_kind(out, opt.store && *opt.store ? opt.store : "dir", opt.dir, opt.etcd);
}

void prov_checkpoint_store_close(prov_checkpoint_store *store)
{
	if (!store)
		return;
	if (store->iface.close)
		store->iface.close(store->backend);
	free(store);
}

/*
 * After a backend call: make sure a failure carries a message (a backend
 * written outside the library may only return the code) and names the
 * workflow.
 */
static int finish(int rc, const char *what, const char *workflow_id)
{
	if (rc == PROV_OK)
		return rc;
	if (prov_err_code() != rc)
		prov_err_set(rc, PROV_ERRCAT_CHECKPOINT, "checkpoint store: %s of workflow %s failed: %s",
			     what, workflow_id, prov_strerror(rc));
	prov_err_context(PROV_ERR_WORKFLOW, workflow_id);
	return rc;
}

static int need(const void *store, const void *token, const char *call)
{
	if (store && token)
		return PROV_OK;
	return prov_err_set(PROV_EINVAL, PROV_ERRCAT_INVALID_ARGUMENT,
			    "%s needs a store and a token", call);
}

/* The pause before the next try of a waiting acquire: from 50 ms, doubling up to 1 s. */
#define WAIT_FIRST_MS 50
#define WAIT_MAX_MS 1000
#define WAIT_SLICE_MS 100

enum pause_end { PAUSED, WAITED_OUT, CANCELLED };

/* Sleep until the next try, in slices so a cancel is seen quickly (deadline -1: none). */
static enum pause_end pause_before_retry(const prov_checkpoint_acquire_options *opt,
					 int64_t deadline_ms, int64_t pause_ms)
{
	int64_t until = prov_clock_monotonic_ns() / 1000000 + pause_ms;

	if (deadline_ms >= 0 && until > deadline_ms)
		until = deadline_ms;
	for (;;) {
		int64_t now = prov_clock_monotonic_ns() / 1000000;

		if (opt->cancelled && opt->cancelled(opt->userdata))
			return CANCELLED;
		if (deadline_ms >= 0 && now >= deadline_ms)
			return WAITED_OUT;
		if (now >= until)
			return PAUSED;
		prov_clock_sleep_ms(until - now < WAIT_SLICE_MS ? until - now : WAIT_SLICE_MS);
	}
}

/* Try to acquire until it works, the wait ends, or an error other than EBUSY. */
static int acquire_waiting(prov_checkpoint_token **out, prov_checkpoint_store *store,
			   const char *workflow_id, const prov_checkpoint_acquire_options *opt)
{
	int64_t deadline_ms = opt->wait_ms < 0 ? -1
				: prov_clock_monotonic_ns() / 1000000 + opt->wait_ms;
	int64_t pause_ms = WAIT_FIRST_MS;
	enum pause_end end;
	int rc;

	for (;;) {
		rc = store->iface.acquire(out, store->backend, workflow_id);
		if (rc != PROV_EBUSY || opt->wait_ms == 0)
			return rc;
		if ((end = pause_before_retry(opt, deadline_ms, pause_ms)) != PAUSED)
			break;
		pause_ms = pause_ms * 2 > WAIT_MAX_MS ? WAIT_MAX_MS : pause_ms * 2;
	}
	if (end == CANCELLED)
		return prov_err_set(PROV_ECANCELLED, PROV_ERRCAT_CHECKPOINT,
				    "waiting for workflow %s was cancelled", workflow_id);
	prov_err_prefix("after waiting %lld ms: ", opt->wait_ms);
	return PROV_EBUSY;
}

/* Hand on_lost to a backend that can lose ownerships; a lost one is given back. */
static int watch(prov_checkpoint_store *store, prov_checkpoint_token *token,
		 const prov_checkpoint_acquire_options *opt)
{
	int rc;

	if (!opt->on_lost || !store->iface.watch)
		return PROV_OK;
	rc = store->iface.watch(store->backend, token, opt->on_lost, opt->userdata);
	if (rc == PROV_ESTALE)
		prov_err_set(PROV_ESTALE, PROV_ERRCAT_CHECKPOINT,
			     "the ownership of workflow %s was lost as it was acquired",
			     token->workflow_id);
	return rc;
}

int prov_checkpoint_store_acquire_with(prov_checkpoint_token **out, prov_checkpoint_store *store,
				       const char *workflow_id,
				       const prov_checkpoint_acquire_options *options)
{
	prov_checkpoint_acquire_options opt = PROV_CHECKPOINT_ACQUIRE_OPTIONS_INIT;
	int rc;

	*out = NULL;
	if ((rc = need(store, store, "prov_checkpoint_store_acquire_with")) != PROV_OK ||
	    (rc = prov_workflow_id_validate(workflow_id)) != PROV_OK)
		return rc;
	if (options)
		memcpy(&opt, options, options->size < sizeof(opt) ? options->size : sizeof(opt));
	rc = acquire_waiting(out, store, workflow_id, &opt);
	if (rc == PROV_OK && (!*out || strcmp((*out)->workflow_id, workflow_id) != 0))
		rc = prov_err_set(PROV_ESTORE, PROV_ERRCAT_CHECKPOINT,
				  "checkpoint store returned no token for workflow %s", workflow_id);
	else if (rc == PROV_OK && (rc = watch(store, *out, &opt)) != PROV_OK)
		store->iface.release(store->backend, *out);
	if (rc != PROV_OK) {
		prov_checkpoint_token_free(*out);
		*out = NULL;
	}
	return finish(rc, "acquire", workflow_id);
}

int prov_checkpoint_store_acquire(prov_checkpoint_token **out, prov_checkpoint_store *store,
				  const char *workflow_id)
{
	return prov_checkpoint_store_acquire_with(out, store, workflow_id, NULL);
}

int prov_checkpoint_store_check(prov_checkpoint_store *store, const prov_checkpoint_token *token)
{
	int rc = need(store, token, "prov_checkpoint_store_check");

	if (rc != PROV_OK)
		return rc;
	if (!store->iface.check)
		return prov_err_set(PROV_EUNSUPPORTED, PROV_ERRCAT_CHECKPOINT,
				    "this checkpoint store cannot tell whether workflow %s is "
				    "still owned", token->workflow_id);
	return finish(store->iface.check(store->backend, token), "check", token->workflow_id);
}

int prov_checkpoint_store_release(prov_checkpoint_store *store,
				  const prov_checkpoint_token *token)
{
	int rc = need(store, token, "prov_checkpoint_store_release");

	if (rc != PROV_OK)
		return rc;
	return finish(store->iface.release(store->backend, token), "release", token->workflow_id);
}

int prov_checkpoint_store_save(prov_checkpoint_store *store, const prov_checkpoint_token *token,
			       const prov_checkpoint *checkpoint)
{
	char *json = NULL;
	int rc = need(store, token, "prov_checkpoint_store_save");

	if (rc != PROV_OK)
		return rc;
	if (!checkpoint || strcmp(prov_checkpoint_workflow_id(checkpoint), token->workflow_id) != 0)
		return finish(prov_err_set(PROV_EINVAL, PROV_ERRCAT_INVALID_ARGUMENT,
					   "the checkpoint saved must be of workflow %s, the "
					   "token's", token->workflow_id),
			      "save", token->workflow_id);
	rc = prov_checkpoint_to_json(&json, checkpoint);
	if (rc == PROV_OK)
		rc = store->iface.save(store->backend, token, json, strlen(json));
	free(json);
	return finish(rc, "save", token->workflow_id);
}

int prov_checkpoint_store_record(prov_checkpoint_store *store, const prov_checkpoint_token *token,
				 const prov_operation_record *record)
{
	char *json = NULL;
	int rc = need(store, token, "prov_checkpoint_store_record");

	if (rc != PROV_OK)
		return rc;
	if (!record)
		return prov_err_set(PROV_EINVAL, PROV_ERRCAT_INVALID_ARGUMENT,
				    "prov_checkpoint_store_record needs a record");
	rc = prov_operation_record_to_json(&json, record);
	if (rc == PROV_OK)
		rc = store->iface.record(store->backend, token, record->op, json, strlen(json));
	free(json);
	if (rc != PROV_OK)
		prov_err_context(PROV_ERR_OPERATION, record->op);
	return finish(rc, "record", token->workflow_id);
}

int prov_checkpoint_store_load(prov_checkpoint **out, prov_checkpoint_store *store,
			       const char *workflow_id)
{
	int rc;

	*out = NULL;
	if ((rc = need(store, store, "prov_checkpoint_store_load")) != PROV_OK ||
	    (rc = prov_workflow_id_validate(workflow_id)) != PROV_OK)
		return rc;
	rc = store->iface.load(out, store->backend, workflow_id);
	if (rc == PROV_OK &&
	    (!*out || strcmp(prov_checkpoint_workflow_id(*out), workflow_id) != 0)) {
		prov_checkpoint_free(*out);
		*out = NULL;
		rc = prov_err_set(PROV_ESTORE, PROV_ERRCAT_CHECKPOINT,
				  "checkpoint store returned another workflow's checkpoint for %s",
				  workflow_id);
	}
	return finish(rc, "load", workflow_id);
}

int prov_checkpoint_store_delete(prov_checkpoint_store *store, const prov_checkpoint_token *token)
{
	int rc = need(store, token, "prov_checkpoint_store_delete");

	if (rc != PROV_OK)
		return rc;
	return finish(store->iface.remove(store->backend, token), "delete", token->workflow_id);
}

int prov_checkpoint_store_list(prov_checkpoint_list **out, prov_checkpoint_store *store,
			       const prov_checkpoint_list_options *options)
{
	prov_checkpoint_list_options opt = PROV_CHECKPOINT_LIST_OPTIONS_INIT;
	int rc;

	*out = NULL;
	if (!store)
		return prov_err_set(PROV_EINVAL, PROV_ERRCAT_INVALID_ARGUMENT,
				    "prov_checkpoint_store_list needs a store");
	if (options)
		memcpy(&opt, options, options->size < sizeof(opt) ? options->size : sizeof(opt));
	opt.size = sizeof(opt);
	rc = prov_checkpoint_list_new(out);
	if (rc == PROV_OK)
		rc = store->iface.list(*out, store->backend, &opt);
	if (rc == PROV_OK)
		rc = prov_checkpoint_list_finish(*out, &opt);
	if (rc != PROV_OK) {
		prov_checkpoint_list_free(*out);
		*out = NULL;
		if (prov_err_code() != rc)
			prov_err_set(rc, PROV_ERRCAT_CHECKPOINT, "checkpoint store: list failed: %s",
				     prov_strerror(rc));
	}
	return rc;
}
