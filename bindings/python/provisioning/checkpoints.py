"""Checkpoint stores: where workflow runs keep their progress.

    store = CheckpointStore("/srv/app/.provisioning/checkpoints")
    for summary in store.list():
        print(summary.workflow_id, summary.step)
    store.load("wf-123")["completed_operations"]

A store may be used from any number of threads at once. Workflow runners
borrow it (workflow.Runner); writing checkpoints is theirs.
"""

import collections
import json
from ctypes import byref, c_void_p, pointer

from . import _native
from ._native import Handle, decode, encode, encode_path, lib, take_string
from .errors import check

CheckpointSummary = collections.namedtuple(
    "CheckpointSummary", "workflow_id step timestamp error")
"""A stored checkpoint: its id, completed operations, last write (RFC 3339)
and, for one that cannot be read, why (else None)."""


def _etcd_options(settings):
    """The C struct for the `etcd` argument (the names of checkpoint.etcd.*),
    and what must stay alive while it is in use."""
    settings = dict(settings)
    known = {name for name, _ in _native.CheckpointEtcdOptions._fields_} - {"size"}
    unknown = set(settings) - known
    if unknown:
        raise TypeError("unknown etcd setting: " + ", ".join(sorted(unknown)))
    endpoints = _native.string_array(settings.pop("endpoints", None))
    fields = {k: (v if isinstance(v, int) else encode(v)) for k, v in settings.items()}
    opts = _native.init_struct(_native.CheckpointEtcdOptions,
                               endpoints=_native.array_pointer(endpoints), **fields)
    return opts, endpoints


class CheckpointStore(Handle):
    """A checkpoint store: `kind` "dir" (the default) keeps checkpoints in
    `directory`, created at the first write; `kind` "etcd" keeps them in an
    etcd cluster, set by `etcd`, a dict with the keys of checkpoint.etcd.*:

        CheckpointStore(kind="etcd", etcd={"endpoints": ["http://10.0.0.1:2379"],
                                           "lease_ttl_s": 10})

    The etcd store connects at its first call."""

    _free = "prov_checkpoint_store_close"

    def __init__(self, directory=None, kind="dir", etcd=None):
        # `alive` holds the endpoint strings until the store has copied them.
        etcd_opts, alive = _etcd_options(etcd) if etcd is not None else (None, None)
        opts = _native.init_struct(_native.CheckpointStoreOptions, store=encode(kind),
                                   dir=encode_path(directory),
                                   etcd=pointer(etcd_opts) if etcd_opts is not None else None)
        super().__init__(_native.new_handle(lib.prov_checkpoint_store_open, byref(opts)))

    def load(self, workflow_id):
        """The workflow's checkpoint, records folded in, as a dict
        (ENOTFOUND when it has none)."""
        checkpoint = c_void_p()
        check(lib.prov_checkpoint_store_load(byref(checkpoint), self._check_open(),
                                             encode(workflow_id)))
        try:
            out = c_void_p()
            check(lib.prov_checkpoint_to_json(byref(out), checkpoint))
            return json.loads(take_string(out.value))
        finally:
            lib.prov_checkpoint_free(checkpoint)

    def list(self, prefix=None):
        """Summaries of the stored checkpoints, sorted by workflow id."""
        opts = _native.init_struct(_native.CheckpointListOptions, prefix=encode(prefix))
        listing = c_void_p()
        check(lib.prov_checkpoint_store_list(byref(listing), self._check_open(), byref(opts)))
        try:
            return [CheckpointSummary(
                decode(lib.prov_checkpoint_list_id_at(listing, i)),
                lib.prov_checkpoint_list_step_at(listing, i),
                decode(lib.prov_checkpoint_list_timestamp_at(listing, i)),
                decode(lib.prov_checkpoint_list_error_at(listing, i)))
                for i in range(lib.prov_checkpoint_list_count(listing))]
        finally:
            lib.prov_checkpoint_list_free(listing)
