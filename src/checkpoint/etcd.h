/*
 * The etcd checkpoint store: checkpoints, operation records and ownership
 * kept in an etcd v3 cluster through its JSON gateway, so that several
 * hosts share workflows. docs/DISTRIBUTED.md describes its keys and
 * guarantees.
 */
#ifndef PROV_CHECKPOINT_ETCD_H
#define PROV_CHECKPOINT_ETCD_H

#include <provisioning/checkpoint.h>

/*
 * Open the store with `options` (NULL: defaults), checked here; it connects
 * at its first call. Only in builds with libcurl (PROV_HAVE_ETCD).
 */
int prov_etcdstore_open(prov_checkpoint_store **out, const prov_checkpoint_etcd_options *options);

#endif
