"""The shared library, its function prototypes and the structs the API shares.

Only this module knows C types. Everything the library exports is declared
here once, with argtypes and restype, and bound the first time it is used, so
a binding newer than the library still imports and names the missing
function when it is called.

Handles are passed as c_void_p. Strings go in as UTF-8 bytes; borrowed
strings come back as c_char_p (copied into Python at once); owned strings come
back as c_void_p so their address can be handed to prov_free().

The library is loaded with CDLL, which releases the GIL around every call:
blocking calls (a DAG run, a bus receive, a workflow run) let other Python
threads run, and the library's worker threads may call back into Python.
"""

import ctypes
import ctypes.util
import os
import threading
from ctypes import (CFUNCTYPE, POINTER, Structure, c_char_p, c_double, c_int,
                    c_int64, c_longlong, c_size_t, c_uint, c_uint64,
                    c_ulonglong, c_void_p)

SONAME = "libprovisioning.so.0"
ABI_MAJOR = 0


def _open_library():
    """The library named by PROVISIONING_LIBRARY, else the system loader's."""
    path = os.environ.get("PROVISIONING_LIBRARY")
    candidates = [path] if path else [SONAME, ctypes.util.find_library("provisioning")]
    errors = []
    for name in candidates:
        if not name:
            continue
        try:
            return ctypes.CDLL(name)
        except OSError as e:
            errors.append(str(e))
    raise ImportError("libprovisioning not found (set PROVISIONING_LIBRARY to its path): "
                      + "; ".join(errors or ["no candidate"]))


# ---------------------------------------------------------------- structs

class Error(Structure):
    _fields_ = [
        ("size", c_uint),
        ("code", c_int),
        ("category", c_int),
        ("message", c_char_p),
        ("file", c_char_p),
        ("line", c_int),
        ("key", c_char_p),
        ("provider", c_char_p),
        ("workflow_id", c_char_p),
        ("operation_id", c_char_p),
        ("resource_type", c_char_p),
        ("resource_id", c_char_p),
    ]


class VersionInfo(Structure):
    _fields_ = [
        ("age", c_int),
        ("major", c_int),
        ("minor", c_int),
        ("patch", c_int),
        ("version", c_char_p),
        ("plugin_abi", c_uint),
        ("plugin_abi_oldest", c_uint),
        ("pluginsdir", c_char_p),
        ("features", c_int),
    ]


class ConfigDiscoveryOptions(Structure):
    _fields_ = [
        ("size", c_uint),
        ("cwd", c_char_p),
        ("workspace_dir", c_char_p),
        ("env_name", c_char_p),
        ("defaults_dir", c_char_p),
        ("system_dir", c_char_p),
        ("user_dir", c_char_p),
        ("environment", POINTER(c_char_p)),
    ]


class DagRetryPolicy(Structure):
    _fields_ = [
        ("size", c_uint),
        ("max_attempts", c_uint),
        ("backoff", c_int),
        ("initial_delay_ms", c_longlong),
        ("max_delay_ms", c_longlong),
        ("jitter", c_int),
    ]


class DagNodeOptions(Structure):
    _fields_ = [
        ("size", c_uint),
        ("retry", POINTER(DagRetryPolicy)),
        ("timeout_ms", c_longlong),
        ("on_failure", c_int),
    ]


DAG_TASK = CFUNCTYPE(c_int, c_void_p, c_void_p)
DAG_EVENT = CFUNCTYPE(None, c_void_p, c_void_p)


class DagRunOptions(Structure):
    _fields_ = [
        ("size", c_uint),
        ("parallelism", c_uint),
        ("on_failure", c_int),
        ("retry", POINTER(DagRetryPolicy)),
        ("timeout_ms", c_longlong),
        ("clock", c_void_p),
        ("on_start", DAG_EVENT),
        ("on_retry", DAG_EVENT),
        ("on_finish", DAG_EVENT),
        ("userdata", c_void_p),
        ("jitter_seed", c_ulonglong),
    ]


class BusOptions(Structure):
    _fields_ = [
        ("size", c_uint),
        ("capacity", c_size_t),
        ("flags", c_uint),
    ]


class BusSubscribeOptions(Structure):
    _fields_ = [
        ("size", c_uint),
        ("types", POINTER(c_char_p)),
    ]


BUS_CALLBACK = CFUNCTYPE(None, c_int, c_void_p, c_uint64, c_void_p)
LOG_HANDLER = CFUNCTYPE(None, c_int, c_char_p, c_char_p, c_void_p)
PLUGIN_LOG = CFUNCTYPE(None, c_int, c_char_p, c_char_p, c_void_p)
PLUGIN_PUBLISH = CFUNCTYPE(c_int, c_char_p, c_char_p, c_void_p)
PLUGIN_CONFIG_GET = CFUNCTYPE(c_int, c_void_p, c_size_t, POINTER(c_size_t), c_char_p, c_void_p)
CALL_CANCELLED = CFUNCTYPE(c_int, c_void_p)


class PluginOptions(Structure):
    _fields_ = [
        ("size", c_uint),
        ("paths", POINTER(c_char_p)),
        ("ignore_environment", c_int),
        ("ignore_default_dir", c_int),
        ("allow_writable", c_int),
        ("log", PLUGIN_LOG),
        ("publish", PLUGIN_PUBLISH),
        ("config_get", PLUGIN_CONFIG_GET),
        ("userdata", c_void_p),
    ]


class CallOptions(Structure):
    _fields_ = [
        ("size", c_uint),
        ("workflow_id", c_char_p),
        ("operation_id", c_char_p),
        ("timeout_ms", c_longlong),
        ("cancelled", CALL_CANCELLED),
        ("userdata", c_void_p),
    ]


class ExtensionOptions(Structure):
    _fields_ = [
        ("size", c_uint),
        ("base_dir", c_char_p),
        ("paths", POINTER(c_char_p)),
        ("mode", c_char_p),
        ("allowed", POINTER(c_char_p)),
        ("blocked", POINTER(c_char_p)),
    ]


class CheckpointEtcdOptions(Structure):
    _fields_ = [
        ("size", c_uint),
        ("endpoints", POINTER(c_char_p)),
        ("prefix", c_char_p),
        ("lease_ttl_s", c_int),
        ("connect_timeout_ms", c_int),
        ("request_timeout_ms", c_int),
        ("retry_timeout_ms", c_int),
        ("ca_file", c_char_p),
        ("cert_file", c_char_p),
        ("key_file", c_char_p),
        ("user", c_char_p),
        ("password", c_char_p),
    ]


class CheckpointStoreOptions(Structure):
    _fields_ = [
        ("size", c_uint),
        ("store", c_char_p),
        ("dir", c_char_p),
        ("etcd", POINTER(CheckpointEtcdOptions)),
    ]


class CheckpointListOptions(Structure):
    _fields_ = [
        ("size", c_uint),
        ("prefix", c_char_p),
        ("after", c_char_p),
        ("limit", c_size_t),
    ]


class WorkflowOptions(Structure):
    _fields_ = [
        ("size", c_uint),
        ("registry", c_void_p),
        ("resolver", c_void_p),
        ("store", c_void_p),
        ("bus", c_void_p),
        ("parallel_limit", c_uint),
        ("wait_ms", c_longlong),
    ]


def init_struct(cls, **fields):
    """A struct with its leading size set, as the PROV_*_INIT macros do."""
    s = cls(**fields)
    s.size = ctypes.sizeof(cls)
    return s


# ---------------------------------------------------------------- prototypes

_H = c_void_p            # any opaque handle
_S = c_char_p            # a string in, or a borrowed string out
_OUT_H = POINTER(c_void_p)
_OUT_OWNED = POINTER(c_void_p)   # char ** receiving memory for prov_free()
_OUT_S = POINTER(c_char_p)

PROTOTYPES = {
    # common, error, version, log
    "prov_free": (None, [c_void_p]),
    "prov_error_last": (POINTER(Error), []),
    "prov_error_clear": (None, []),
    "prov_strerror": (_S, [c_int]),
    "prov_error_category_name": (_S, [c_int]),
    "prov_version": (POINTER(VersionInfo), []),
    "prov_log_set_handler": (c_int, [LOG_HANDLER, c_int, c_void_p]),
    "prov_log_level_name": (_S, [c_int]),
    # config
    "prov_config_resolver_new": (c_int, [_OUT_H]),
    "prov_config_resolver_free": (None, [_H]),
    "prov_config_resolver_discover": (c_int, [_H, POINTER(ConfigDiscoveryOptions)]),
    "prov_config_resolver_set_base_dir": (c_int, [_H, _S]),
    "prov_config_resolver_add_file": (c_int, [_H, _S]),
    "prov_config_resolver_add_layer_file": (c_int, [_H, c_int, _S]),
    "prov_config_resolver_add_string": (c_int, [_H, c_int, _S, _S, c_size_t, c_int]),
    "prov_config_resolver_add_environment": (c_int, [_H, POINTER(c_char_p)]),
    "prov_config_resolver_add_override": (c_int, [_H, _S]),
    "prov_config_resolver_set_schema": (c_int, [_H, _H]),
    "prov_config_resolve": (c_int, [_H, _OUT_H]),
    "prov_config_free": (None, [_H]),
    "prov_config_get_string": (c_int, [_H, _S, _OUT_S]),
    "prov_config_get_int64": (c_int, [_H, _S, POINTER(c_int64)]),
    "prov_config_get_double": (c_int, [_H, _S, POINTER(c_double)]),
    "prov_config_get_bool": (c_int, [_H, _S, POINTER(c_int)]),
    "prov_config_get_type": (c_int, [_H, _S, POINTER(c_int)]),
    "prov_config_get_json": (c_int, [_H, _S, _OUT_OWNED]),
    "prov_config_get_array_length": (c_int, [_H, _S, POINTER(c_size_t)]),
    "prov_config_get_key_count": (c_int, [_H, _S, POINTER(c_size_t)]),
    "prov_config_get_key_at": (c_int, [_H, _S, c_size_t, _OUT_S]),
    "prov_config_get_origin": (c_int, [_H, _S, _OUT_S, _OUT_S, POINTER(c_int)]),
    "prov_config_dump": (c_int, [_H, _S, c_int, c_uint, _OUT_OWNED]),
    "prov_config_is_secret_key": (c_int, [_S]),
    "prov_config_layer_name": (_S, [c_int]),
    "prov_config_schema_load": (c_int, [_OUT_H, _S]),
    "prov_config_schema_parse": (c_int, [_OUT_H, _S, _S, c_size_t, c_int]),
    "prov_config_schema_free": (None, [_H]),
    "prov_config_validate": (c_int, [_H, _H, c_uint, _OUT_OWNED]),
    # dag
    "prov_dag_new": (c_int, [_OUT_H]),
    "prov_dag_free": (None, [_H]),
    "prov_dag_add_node": (c_int, [_H, _S, DAG_TASK, c_void_p]),
    "prov_dag_set_node_options": (c_int, [_H, _S, POINTER(DagNodeOptions)]),
    "prov_dag_add_dependency": (c_int, [_H, _S, _S, c_int]),
    "prov_dag_mark_completed": (c_int, [_H, _S]),
    "prov_dag_node_count": (c_size_t, [_H]),
    "prov_dag_node_id": (_S, [_H, c_size_t]),
    "prov_dag_find_node": (c_int, [POINTER(c_size_t), _H, _S]),
    "prov_dag_validate": (c_int, [_H]),
    "prov_dag_topological_order": (c_int, [POINTER(c_size_t), _H]),
    "prov_dag_levels": (c_int, [POINTER(c_size_t), POINTER(c_size_t), _H]),
    "prov_dag_to_dot": (c_int, [_OUT_OWNED, _H]),
    "prov_dag_run": (c_int, [_H, POINTER(DagRunOptions)]),
    "prov_dag_cancel": (None, [_H]),
    "prov_dag_node_state": (c_int, [_H, c_size_t]),
    "prov_dag_node_attempts": (c_uint, [_H, c_size_t]),
    "prov_dag_node_duration_ns": (c_longlong, [_H, c_size_t]),
    "prov_dag_node_error_code": (c_int, [_H, c_size_t]),
    "prov_dag_node_error_message": (_S, [_H, c_size_t]),
    "prov_dag_state_name": (_S, [c_int]),
    "prov_dag_context_node_id": (_S, [_H]),
    "prov_dag_context_node_index": (c_size_t, [_H]),
    "prov_dag_context_node_userdata": (c_void_p, [_H]),
    "prov_dag_context_attempt": (c_uint, [_H]),
    "prov_dag_context_deadline_ns": (c_longlong, [_H]),
    "prov_dag_context_now_ns": (c_longlong, [_H]),
    "prov_dag_context_cancelled": (c_int, [_H]),
    "prov_dag_context_fail": (c_int, [_H, c_int, _S]),
    "prov_dag_context_set_retryable": (None, [_H, c_int]),
    "prov_dag_context_state": (c_int, [_H]),
    "prov_dag_context_error_code": (c_int, [_H]),
    "prov_dag_context_error_message": (_S, [_H]),
    "prov_dag_context_retry_delay_ms": (c_longlong, [_H]),
    # bus
    "prov_bus_new": (c_int, [_OUT_H, POINTER(BusOptions)]),
    "prov_bus_capacity": (c_size_t, [_H]),
    "prov_bus_close": (None, [_H]),
    "prov_bus_free": (None, [_H]),
    "prov_bus_publish": (c_int, [POINTER(c_uint64), _H, _S, _S]),
    "prov_bus_subscribe": (c_int, [_OUT_H, _H, POINTER(BusSubscribeOptions)]),
    "prov_bus_subscribe_callback": (c_int, [_OUT_H, _H, POINTER(BusSubscribeOptions),
                                            BUS_CALLBACK, c_void_p]),
    "prov_bus_receive": (c_int, [_OUT_H, POINTER(c_uint64), _H, c_longlong]),
    "prov_bus_unsubscribe": (None, [_H]),
    "prov_event_type": (_S, [_H]),
    "prov_event_seq": (c_uint64, [_H]),
    "prov_event_timestamp": (_S, [_H]),
    "prov_event_json": (c_void_p, [_H, POINTER(c_size_t)]),
    # plugin host
    "prov_registry_new": (c_int, [_OUT_H, POINTER(PluginOptions)]),
    "prov_registry_free": (None, [_H]),
    "prov_registry_load_file": (c_int, [_H, _S]),
    "prov_registry_plugins_json": (c_int, [_OUT_OWNED, _H]),
    "prov_registry_add_provider": (c_int, [_H, _S, _S]),
    "prov_registry_add_extension": (c_int, [_H, _S, _S, _S]),
    "prov_registry_load_extensions": (c_int, [_H, POINTER(ExtensionOptions)]),
    "prov_registry_extensions_json": (c_int, [_OUT_OWNED, _H]),
    "prov_provider_call": (c_int, [_OUT_OWNED, _H, _S, _S, _S, POINTER(CallOptions)]),
    "prov_extension_run_task": (c_int, [_OUT_OWNED, _H, _S, _S, _S, POINTER(CallOptions)]),
    # checkpoint stores
    "prov_checkpoint_store_open": (c_int, [_OUT_H, POINTER(CheckpointStoreOptions)]),
    "prov_checkpoint_store_close": (None, [_H]),
    "prov_checkpoint_store_load": (c_int, [_OUT_H, _H, _S]),
    "prov_checkpoint_store_list": (c_int, [_OUT_H, _H, POINTER(CheckpointListOptions)]),
    "prov_checkpoint_to_json": (c_int, [_OUT_OWNED, _H]),
    "prov_checkpoint_free": (None, [_H]),
    "prov_checkpoint_list_count": (c_size_t, [_H]),
    "prov_checkpoint_list_id_at": (_S, [_H, c_size_t]),
    "prov_checkpoint_list_step_at": (c_longlong, [_H, c_size_t]),
    "prov_checkpoint_list_timestamp_at": (_S, [_H, c_size_t]),
    "prov_checkpoint_list_error_at": (_S, [_H, c_size_t]),
    "prov_checkpoint_list_free": (None, [_H]),
    # workflow
    "prov_workflow_load_file": (c_int, [_OUT_H, _S]),
    "prov_workflow_load_string": (c_int, [_OUT_H, _S, _S, c_size_t, c_int]),
    "prov_workflow_free": (None, [_H]),
    "prov_workflow_id": (_S, [_H]),
    "prov_workflow_name": (_S, [_H]),
    "prov_workflow_sha256": (_S, [_H]),
    "prov_workflow_operation_count": (c_size_t, [_H]),
    "prov_workflow_operation_id": (_S, [_H, c_size_t]),
    "prov_workflow_to_json": (c_int, [_OUT_OWNED, _H]),
    "prov_workflow_graph": (c_int, [_OUT_OWNED, _H, _S]),
    "prov_workflow_runner_new": (c_int, [_OUT_H, POINTER(WorkflowOptions)]),
    "prov_workflow_runner_free": (None, [_H]),
    "prov_workflow_validate": (c_int, [_OUT_OWNED, _H, _H]),
    "prov_workflow_plan": (c_int, [_OUT_OWNED, _H, _H]),
    "prov_workflow_run": (c_int, [_OUT_OWNED, _H, _H]),
    "prov_workflow_resume": (c_int, [_OUT_OWNED, _H, _S]),
    "prov_workflow_rollback": (c_int, [_OUT_OWNED, _H, _S]),
    "prov_workflow_cancel": (None, [_H]),
}


class _Functions:
    """The library's functions by name, each bound on first use."""

    def __init__(self, cdll):
        self._cdll = cdll

    def __getattr__(self, name):
        restype, argtypes = PROTOTYPES[name]
        try:
            fn = getattr(self._cdll, name)
        except AttributeError:
            raise NotImplementedError(
                "the loaded libprovisioning has no %s (it is older than this binding)" % name
            ) from None
        fn.restype = restype
        fn.argtypes = argtypes
        setattr(self, name, fn)
        return fn

    def has(self, name):
        return hasattr(self._cdll, name)


library = _open_library()
lib = _Functions(library)

_version = lib.prov_version().contents
if _version.major != ABI_MAJOR:
    raise ImportError("libprovisioning %s speaks ABI %d; this binding needs %s"
                      % (_version.version.decode(), _version.major, SONAME))


# ---------------------------------------------------------------- strings

def encode(text):
    """A str (or None) as UTF-8 bytes for a const char * argument."""
    if text is None:
        return None
    if isinstance(text, bytes):
        return text
    return str(text).encode("utf-8")


def encode_path(path):
    """A path-like (or None) as bytes, through the file system encoding."""
    return None if path is None else os.fsencode(path)


def decode(raw):
    """A borrowed C string (bytes or None) as str."""
    return None if raw is None else raw.decode("utf-8", "replace")


def take_string(address):
    """Copy an owned string out of the library and release it with prov_free()."""
    if not address:
        return None
    try:
        return ctypes.string_at(address).decode("utf-8", "replace")
    finally:
        lib.prov_free(address)


class StringArray:
    """A NULL-terminated const char *const * that keeps its strings alive."""

    def __init__(self, items):
        self._items = [encode(i) for i in items]
        self.array = (c_char_p * (len(self._items) + 1))(*self._items, None)

    def pointer(self):
        return ctypes.cast(self.array, POINTER(c_char_p))


def string_array(items):
    """A StringArray for a list, or None (a NULL pointer) for None."""
    return None if items is None else StringArray(items)


def array_pointer(array):
    return None if array is None else array.pointer()


# ---------------------------------------------------------------- userdata

class HandleTable:
    """Integer keys for Python objects handed to C as `void *userdata`.

    C never holds a pointer to a Python object: it holds a small integer that
    the trampolines look up here. An object stays reachable for as long as its
    key is in the table, so a callback the library may still call cannot be
    collected, and a stale key finds nothing instead of freed memory.
    """

    def __init__(self):
        # Reentrant: dropping an object may run a __del__ that discards
        # another key on the same thread (a garbage collection can start
        # inside any allocation).
        self._lock = threading.RLock()
        self._objects = {}
        self._next = 1

    def add(self, obj):
        with self._lock:
            key = self._next
            self._next += 1
            self._objects[key] = obj
            return key

    def get(self, key):
        with self._lock:
            return self._objects.get(key)

    def discard(self, key):
        with self._lock:
            obj = self._objects.pop(key, None)
        # The last reference may go here, outside the lock.
        del obj

    def __len__(self):
        with self._lock:
            return len(self._objects)


handles = HandleTable()


# ---------------------------------------------------------------- handles

class Handle:
    """An owned library handle, released by close(), `with` or collection.

    Subclasses name their release function in _free. Using a handle after
    close() raises ValueError, like a closed file.
    """

    _free = None

    def __init__(self, address):
        self._as_parameter_ = c_void_p(address)

    @property
    def closed(self):
        return not self._as_parameter_.value

    def _check_open(self):
        if not self._as_parameter_.value:
            raise ValueError("%s is closed" % type(self).__name__)
        return self._as_parameter_

    def close(self):
        """Release the handle; closing twice does nothing."""
        address = getattr(self, "_as_parameter_", None)
        if address is not None and address.value:
            self._as_parameter_ = c_void_p()
            getattr(lib, self._free)(address)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        self.close()


def new_handle(constructor, *args):
    """Call a `prov_X_new(&out, ...)`-style constructor; the address or a raise."""
    from .errors import check
    out = c_void_p()
    check(constructor(ctypes.byref(out), *args))
    return out.value
