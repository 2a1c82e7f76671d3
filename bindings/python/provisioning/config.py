"""Layered configuration: a Resolver collects layers, resolve() gives a Config.

    resolver = Resolver()
    resolver.add_string("providers: {local: {zone: de-fra1}}", Format.YAML,
                        layer=Layer.PROJECT, name="provisioning.yaml")
    resolver.add_override("providers.local.zone=nl-ams1")
    config = resolver.resolve()
    config.get("providers.local.zone")        # 'nl-ams1'
    config.origin("providers.local.zone")     # Origin(layer='runtime', file='override', line=0)

A Config is immutable and may be read from any number of threads at once.
Strings it returns are copies; it owns nothing the caller must release
besides itself (close(), `with`, or garbage collection).
"""

import collections
import enum
import json
from ctypes import byref, c_char_p, c_double, c_int, c_int64, c_size_t, c_void_p

from . import _native
from ._native import Handle, decode, encode, encode_path, lib, take_string
from .errors import ProvisioningError, Status, check, error_for


class Layer(enum.IntEnum):
    """Layer kinds, lowest precedence first (prov_config_layer)."""
    BUILTIN = 0
    DEFAULTS = 1
    SYSTEM = 2
    USER = 3
    PROJECT = 4
    WORKSPACE = 5
    ENV_FILE = 6
    EXPLICIT = 7
    ENV_VARS = 8
    WORKFLOW = 9
    RUNTIME = 10


class Format(enum.IntEnum):
    """Document formats (prov_format)."""
    AUTO = 0
    TOML = 1
    YAML = 2
    JSON = 3


class ValueType(enum.IntEnum):
    """The type of a config value (prov_config_type)."""
    NULL = 0
    BOOL = 1
    INT = 2
    DOUBLE = 3
    STRING = 4
    DATETIME = 5
    ARRAY = 6
    TABLE = 7


Origin = collections.namedtuple("Origin", "layer file line")
"""Where a value was set: the layer's name, the file (or "<builtin>", a
variable's name, "override") and the 1-based line (0 when there is none)."""

_DUMP_SECRETS = 1
_VALIDATE_TEXT = 1
_MISSING = object()


def _environment_strings(environment):
    """A mapping or an iterable of "NAME=VALUE" strings as a C string array."""
    if environment is None:
        return None
    if hasattr(environment, "items"):
        environment = ["%s=%s" % item for item in environment.items()]
    return _native.StringArray(environment)


def _format(value):
    return Format[value.upper()] if isinstance(value, str) else Format(value)


class Schema(Handle):
    """A validation schema (docs/CONFIG.md), immutable once loaded."""

    _free = "prov_config_schema_free"

    @classmethod
    def load(cls, path):
        """A schema file, TOML, YAML or JSON by its extension."""
        return cls(_native.new_handle(lib.prov_config_schema_load, encode_path(path)))

    @classmethod
    def parse(cls, text, format, name="<schema>"):
        """A schema from text in a Format (or "toml", "yaml", "json")."""
        data = encode(text)
        return cls(_native.new_handle(lib.prov_config_schema_parse, encode(name), data,
                                      len(data), _format(format)))


class Resolver(Handle):
    """Collects layers; resolve() merges them into a Config.

    Layers are ordered by their kind, not by the order they were added;
    within a kind, later additions win. A resolver is used by one thread at a
    time and may be resolved again after more layers were added.
    """

    _free = "prov_config_resolver_free"

    def __init__(self):
        super().__init__(_native.new_handle(lib.prov_config_resolver_new))
        self._schema = None

    def discover(self, cwd=None, workspace_dir=None, env_name=None, defaults_dir=None,
                 system_dir=None, user_dir=None, environment=None):
        """Add the standard layers (defaults file, system, user, project,
        workspace, environment files and PROVISIONING_A__B variables).
        A None location is the standard one; "" skips it. `environment` (a
        mapping, or "NAME=VALUE" strings) replaces the process environment."""
        env = _environment_strings(environment)
        opts = _native.init_struct(
            _native.ConfigDiscoveryOptions,
            cwd=encode_path(cwd), workspace_dir=encode_path(workspace_dir),
            env_name=encode(env_name), defaults_dir=encode_path(defaults_dir),
            system_dir=encode_path(system_dir), user_dir=encode_path(user_dir),
            environment=_native.array_pointer(env))
        check(lib.prov_config_resolver_discover(self._check_open(), byref(opts)))
        return self

    def set_base_dir(self, path):
        """The directory paths.base defaults to."""
        check(lib.prov_config_resolver_set_base_dir(self._check_open(), encode_path(path)))
        return self

    def add_file(self, path, layer=Layer.EXPLICIT):
        """Read a file (format by extension) as a layer of a kind."""
        check(lib.prov_config_resolver_add_layer_file(self._check_open(), int(layer),
                                                      encode_path(path)))
        return self

    def add_string(self, text, format, layer=Layer.RUNTIME, name="<string>"):
        """Text in a Format as a layer; `name` stands for the file in origins."""
        data = encode(text)
        check(lib.prov_config_resolver_add_string(self._check_open(), int(layer),
                                                  encode(name), data, len(data),
                                                  _format(format)))
        return self

    def add_environment(self, environment=None):
        """PROVISIONING_A__B variables as a layer (None: the process environment)."""
        env = _environment_strings(environment)
        check(lib.prov_config_resolver_add_environment(self._check_open(),
                                                       _native.array_pointer(env)))
        return self

    def add_override(self, assignment):
        """A runtime "key.path=value" override (--set)."""
        check(lib.prov_config_resolver_add_override(self._check_open(), encode(assignment)))
        return self

    def set_schema(self, schema):
        """Type variables and overrides by this Schema and validate against it
        by default (None forgets it). The resolver keeps a reference."""
        check(lib.prov_config_resolver_set_schema(self._check_open(), schema))
        self._schema = schema
        return self

    def resolve(self):
        """Merge, type and interpolate the layers into a new Config."""
        out = c_void_p()
        check(lib.prov_config_resolve(self._check_open(), byref(out)))
        return Config(out.value)


class Config(Handle):
    """A resolved configuration: typed getters, origins, dumps, validation.

    Paths are dotted ("providers.local.zone"); digits index arrays
    ("servers.0.name"); "" is the root.
    """

    _free = "prov_config_free"

    def type(self, path):
        """The ValueType at path (a missing key raises, code ENOTFOUND)."""
        out = c_int()
        check(lib.prov_config_get_type(self._check_open(), encode(path), byref(out)))
        return ValueType(out.value)

    def get(self, path, default=_MISSING):
        """The value at path as a Python value (None, bool, int, float, str,
        list or dict). Without a default, a missing key raises."""
        try:
            kind = self.type(path)
        except ProvisioningError as e:
            if e.code == Status.ENOTFOUND and default is not _MISSING:
                return default
            raise
        if kind in (ValueType.ARRAY, ValueType.TABLE, ValueType.NULL):
            return json.loads(self.json(path))
        return _SCALAR_GETTERS[kind](self, path)

    def __getitem__(self, path):
        try:
            return self.get(path)
        except ProvisioningError as e:
            if e.code == Status.ENOTFOUND:
                raise KeyError(path) from e
            raise

    def __contains__(self, path):
        absent = object()
        return self.get(path, absent) is not absent

    def get_string(self, path):
        """A string (or a datetime's text); ETYPE for other types."""
        out = c_char_p()
        check(lib.prov_config_get_string(self._check_open(), encode(path), byref(out)))
        return decode(out.value)

    def get_int(self, path):
        """An integer; ETYPE for other types, floats included."""
        out = c_int64()
        check(lib.prov_config_get_int64(self._check_open(), encode(path), byref(out)))
        return out.value

    def get_float(self, path):
        """A float or an integer, as float."""
        out = c_double()
        check(lib.prov_config_get_double(self._check_open(), encode(path), byref(out)))
        return out.value

    def get_bool(self, path):
        """A boolean."""
        out = c_int()
        check(lib.prov_config_get_bool(self._check_open(), encode(path), byref(out)))
        return bool(out.value)

    def json(self, path=""):
        """The value at path, any type, as compact JSON text (secrets included)."""
        out = c_void_p()
        check(lib.prov_config_get_json(self._check_open(), encode(path), byref(out)))
        return take_string(out.value)

    def length(self, path):
        """The number of elements of the array at path."""
        out = c_size_t()
        check(lib.prov_config_get_array_length(self._check_open(), encode(path), byref(out)))
        return out.value

    def keys(self, path=""):
        """The keys of the table at path, in table order."""
        handle = self._check_open()
        count = c_size_t()
        check(lib.prov_config_get_key_count(handle, encode(path), byref(count)))
        keys = []
        for index in range(count.value):
            key = c_char_p()
            check(lib.prov_config_get_key_at(handle, encode(path), index, byref(key)))
            keys.append(decode(key.value))
        return keys

    def origin(self, path):
        """Where the value at path was set, as an Origin."""
        layer, file, line = c_char_p(), c_char_p(), c_int()
        check(lib.prov_config_get_origin(self._check_open(), encode(path), byref(layer),
                                         byref(file), byref(line)))
        return Origin(decode(layer.value), decode(file.value), line.value)

    def dump(self, path="", format=Format.TOML, secrets=False):
        """The subtree at path printed in a Format; secrets as "***" unless asked."""
        out = c_void_p()
        check(lib.prov_config_dump(self._check_open(), encode(path), _format(format),
                                   _DUMP_SECRETS if secrets else 0, byref(out)))
        return take_string(out.value)

    def validate(self, schema=None):
        """Check against a Schema (None: the one resolved with). Returns
        nothing when valid; raises ConfigurationError whose `violations`
        lists every violation as a dict (key, message, layer, file, line)."""
        report = c_void_p()
        status = lib.prov_config_validate(self._check_open(), schema, 0, byref(report))
        violations = json.loads(take_string(report.value) or "[]")
        if status < 0:
            error = error_for(status)
            error.violations = violations
            raise error


_SCALAR_GETTERS = {
    ValueType.BOOL: Config.get_bool,
    ValueType.INT: Config.get_int,
    ValueType.DOUBLE: Config.get_float,
    ValueType.STRING: Config.get_string,
    ValueType.DATETIME: Config.get_string,
}


def is_secret_key(path):
    """Whether a key path names a secret (password, token, secret, ...)."""
    return bool(lib.prov_config_is_secret_key(encode(path)))


def layer_name(layer):
    """The library's name of a layer kind ("project")."""
    return decode(lib.prov_config_layer_name(int(layer)))
