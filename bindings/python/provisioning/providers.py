"""Provider and extension plugins, through the library's plugin host API.

    with Registry() as registry:               # loads PROVISIONING_PLUGIN_PATH, ...
        registry.add_provider("local", {"state_dir": "/tmp/state"})
        server = registry.create_server("local", {"hostname": "web-1"})
        registry.list_servers("local")         # [{"id": "srv-1", ...}]

Every call returns the data exchange document (call()) or its result data
(the server helpers). A provider failure raises ProviderError whose
`document` is the whole document, with the provider's own error code.

A registry may be used from any number of threads. The services offered to
plugins (log, publish, config) are Python callables that plugins call on the
thread that called them, or on threads of their own; ctypes takes the GIL.
"""

import ctypes
import json
from ctypes import byref, c_void_p

from . import _native
from ._native import Handle, encode, encode_path, handles, lib, take_string
from .errors import ProviderError, ProvisioningError, Status, check, error_for


def _json_text(value):
    """A dict (or JSON text, or None) as JSON text for the library."""
    if value is None or isinstance(value, (str, bytes)):
        return value
    return json.dumps(value, separators=(",", ":"))


class _Services:
    """What the plugin host services call: the Python callables and config."""

    def __init__(self, log, publish, config):
        self.log = log
        self.publish = publish
        self.config = config

    def config_json(self, key):
        """The JSON text of a config key, or None when it is not set."""
        if self.config is None:
            return None
        if callable(self.config):
            value = self.config(key)
            return None if value is None else json.dumps(value)
        try:
            return self.config.json(key)
        except ProvisioningError as e:
            if e.code == Status.ENOTFOUND:
                return None
            raise


@_native.PLUGIN_LOG
def _log_trampoline(level, instance, message, userdata):
    services = handles.get(userdata)
    if services is not None and services.log is not None:
        try:
            services.log(level, _native.decode(instance), _native.decode(message))
        except Exception:
            pass


@_native.PLUGIN_PUBLISH
def _publish_trampoline(instance, event_json, userdata):
    services = handles.get(userdata)
    if services is None or services.publish is None:
        return 0
    try:
        event = json.loads(_native.decode(event_json))
        publish = services.publish
        if hasattr(publish, "publish"):
            publish.publish(event.pop("type"), event)
        else:
            publish(_native.decode(instance), event)
        return 0
    except ProvisioningError as e:
        return int(e.code)
    except Exception:
        return int(Status.ERROR)


@_native.PLUGIN_CONFIG_GET
def _config_trampoline(buf, size, needed, key, userdata):
    services = handles.get(userdata)
    try:
        text = services.config_json(_native.decode(key)) if services else None
    except Exception:
        return int(Status.ERROR)
    if text is None:
        return int(Status.ENOTFOUND)
    data = text.encode("utf-8")
    if needed:
        needed[0] = len(data)
    if len(data) >= size:
        return int(Status.ERANGE)
    ctypes.memmove(buf, data + b"\0", len(data) + 1)
    return 0


@_native.CALL_CANCELLED
def _cancelled_trampoline(userdata):
    cancelled = handles.get(userdata)
    if cancelled is None:
        return 0
    try:
        return 1 if (cancelled.is_set() if hasattr(cancelled, "is_set") else cancelled()) else 0
    except Exception:
        return 1


class Registry(Handle):
    """Loaded plugins and the provider and extension instances made from them.

    paths: plugin directories after PROVISIONING_PLUGIN_PATH and before the
    installed pluginsdir. log(level, instance, message) receives plugins' log
    lines (None: the library's log handler); publish receives their events
    (a Bus, or a callable(instance, event_dict)); config (a Config, or a
    callable(key) returning a Python value or None) answers their config
    lookups.
    """

    _free = "prov_registry_free"

    def __init__(self, paths=None, ignore_environment=False, ignore_default_dir=False,
                 allow_writable=False, log=None, publish=None, config=None):
        self._services = _Services(log, publish, config)
        self._key = handles.add(self._services)
        self._paths = _native.string_array([encode_path(p) for p in paths]
                                           if paths is not None else None)
        opts = _native.init_struct(
            _native.PluginOptions, paths=_native.array_pointer(self._paths),
            ignore_environment=int(bool(ignore_environment)),
            ignore_default_dir=int(bool(ignore_default_dir)),
            allow_writable=int(bool(allow_writable)), userdata=self._key)
        opts.log = _log_trampoline if log else _native.PLUGIN_LOG()
        opts.publish = _publish_trampoline if publish else _native.PLUGIN_PUBLISH()
        opts.config_get = _config_trampoline if config is not None else _native.PLUGIN_CONFIG_GET()
        try:
            address = _native.new_handle(lib.prov_registry_new, byref(opts))
        except BaseException:
            handles.discard(self._key)
            raise
        super().__init__(address)

    def close(self):
        """Finish every instance and release the registry."""
        super().close()
        key = getattr(self, "_key", None)
        if key is not None:
            handles.discard(key)

    def plugins(self):
        """The loaded plugins and the files that failed:
        {"plugins": [{name, kind, version, ...}], "failed": [{file, reason}]}."""
        out = c_void_p()
        check(lib.prov_registry_plugins_json(byref(out), self._check_open()))
        return json.loads(take_string(out.value))

    def load_file(self, path):
        """Load one plugin file outside the search path."""
        check(lib.prov_registry_load_file(self._check_open(), encode_path(path)))

    def add_provider(self, name, config=None):
        """Make a provider instance from its config section (a dict); the
        section's "plugin" names the plugin and defaults to `name`."""
        check(lib.prov_registry_add_provider(self._check_open(), encode(name),
                                             encode(_json_text(config))))

    def add_extension(self, name, plugin=None, config=None):
        """Make and activate an extension instance served by `plugin`."""
        check(lib.prov_registry_add_extension(self._check_open(), encode(name),
                                              encode(plugin), encode(_json_text(config))))

    def load_extensions(self, base_dir=None, paths=None, mode=None, allowed=None,
                        blocked=None):
        """Discover extension manifests and load those that may load."""
        arrays = [_native.string_array(a) for a in (paths, allowed, blocked)]
        opts = _native.init_struct(
            _native.ExtensionOptions, base_dir=encode_path(base_dir), mode=encode(mode),
            paths=_native.array_pointer(arrays[0]), allowed=_native.array_pointer(arrays[1]),
            blocked=_native.array_pointer(arrays[2]))
        check(lib.prov_registry_load_extensions(self._check_open(), byref(opts)))

    def extensions(self):
        """Every extension found, loaded or not, with its reason."""
        out = c_void_p()
        check(lib.prov_registry_extensions_json(byref(out), self._check_open()))
        return json.loads(take_string(out.value))

    def call(self, provider, action, params=None, workflow_id=None, operation_id=None,
             timeout_ms=0, cancelled=None):
        """Call a provider action; returns the data exchange document (a dict).
        `cancelled` (a threading.Event or a callable) is polled by the plugin."""
        return self._call(lib.prov_provider_call, provider, action, params, workflow_id,
                          operation_id, timeout_ms, cancelled)

    def run_task(self, extension, task, params=None, workflow_id=None, operation_id=None,
                 timeout_ms=0, cancelled=None):
        """Run an extension's task; returns the data exchange document."""
        return self._call(lib.prov_extension_run_task, extension, task, params, workflow_id,
                          operation_id, timeout_ms, cancelled)

    def _call(self, function, instance, action, params, workflow_id, operation_id,
              timeout_ms, cancelled):
        handle = self._check_open()
        key = handles.add(cancelled) if cancelled is not None else None
        opts = _native.init_struct(
            _native.CallOptions, workflow_id=encode(workflow_id),
            operation_id=encode(operation_id), timeout_ms=timeout_ms, userdata=key)
        opts.cancelled = (_cancelled_trampoline if cancelled is not None
                          else _native.CALL_CANCELLED())
        out = c_void_p()
        try:
            status = function(byref(out), handle, encode(instance), encode(action),
                              encode(_json_text(params)), byref(opts))
        finally:
            if key is not None:
                handles.discard(key)
        error = error_for(status) if status < 0 else None
        text = take_string(out.value)
        document = json.loads(text) if text else None
        if error is not None:
            if isinstance(error, ProviderError):
                error.document = document
            raise error
        return document

    def _data(self, provider, action, params, options):
        return self.call(provider, action, params, **options)["result"]["data"]

    def list_servers(self, provider, **options):
        """The provider's server records (a list of dicts)."""
        return self._data(provider, "list_servers", None, options)

    def get_server(self, provider, server_id, **options):
        """One server record."""
        return self._data(provider, "get_server", {"id": server_id}, options)

    def create_server(self, provider, spec, **options):
        """Create a server from its spec (idempotent by hostname); its record."""
        return self._data(provider, "create_server", spec, options)

    def delete_server(self, provider, server_id, **options):
        """Delete a server; its record, with status deleted."""
        return self._data(provider, "delete_server", {"id": server_id}, options)
