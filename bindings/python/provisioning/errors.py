"""Status codes, error categories and the exceptions they become.

Every failing call raises a subclass of ProvisioningError chosen by the
error's category (what the failure is about), carrying what
prov_error_last() said: the code, the one-line message and the context
(file, line, key, provider, workflow, operation, resource).

    ProvisioningError
        InvalidArgumentError (also ValueError)
        OutOfMemoryError (also MemoryError)
        InputOutputError (also OSError)
        OperatingSystemError       processes, threads, clocks
        ConfigurationError
        ProviderError
        WorkflowError
        ResourceError
        AbiError                   plugin loading and negotiation
        CheckpointError
        DocumentError              malformed JSON, TOML or YAML
        InternalError
        LaggedError, BusClosedError    a bus subscriber's receive (not failures)

Catch the category you can handle, or ProvisioningError for all; `code`
(a Status) tells failures of one category apart.
"""

import enum
import threading

from . import _native
from ._native import lib


class Status(enum.IntEnum):
    """The library's status codes (PROV_OK and the PROV_E* codes)."""
    OK = 0
    ERROR = -1
    ENOMEM = -2
    EINVAL = -3
    ENOTFOUND = -4
    ETYPE = -5
    EPARSE = -6
    ECONFIG = -7
    EIO = -8
    EEXISTS = -9
    ECYCLE = -10
    ETIMEOUT = -11
    ECANCELLED = -12
    EPROVIDER = -13
    EABI = -14
    EPLUGIN = -15
    ECONFLICT = -16
    EBUSY = -17
    ESTALE = -18
    EVERSION = -19
    ELAGGED = -20
    ECLOSED = -21
    EAGAIN = -22
    EUNSUPPORTED = -23
    EWORKFLOW = -24
    ERANGE = -25
    EPROCESS = -26
    EPARTIAL = -27
    EPERM = -28
    ESTORE = -29


class Category(enum.IntEnum):
    """What a failure is about (prov_error_category)."""
    NONE = 0
    INVALID_ARGUMENT = 1
    MEMORY = 2
    IO = 3
    SYSTEM = 4
    CONFIGURATION = 5
    PROVIDER = 6
    WORKFLOW = 7
    RESOURCE = 8
    ABI = 9
    CHECKPOINT = 10
    DOCUMENT = 11
    INTERNAL = 12


class ProvisioningError(Exception):
    """A failure reported by libprovisioning.

    Attributes: code (Status, or the raw int for a code newer than this
    binding), category (Category or int), message, and the context fields
    file, line, key, provider, workflow_id, operation_id, resource_type,
    resource_id (None when unknown; line 0 when unknown).
    """

    def __init__(self, message, code=Status.ERROR, category=Category.NONE, **context):
        super().__init__(message)
        self.message = message
        self.code = _as_enum(Status, code)
        self.category = _as_enum(Category, category)
        self.file = context.get("file")
        self.line = context.get("line", 0)
        self.key = context.get("key")
        self.provider = context.get("provider")
        self.workflow_id = context.get("workflow_id")
        self.operation_id = context.get("operation_id")
        self.resource_type = context.get("resource_type")
        self.resource_id = context.get("resource_id")
        # Which thread raised it from the library: a DAG task that lets it
        # propagate hands the library's own record back (see dag.py).
        self._thread = threading.get_ident()
        self._from_library = False

    @property
    def status_name(self):
        """The library's name for the code ("not found")."""
        return _native.decode(lib.prov_strerror(int(self.code)))

    def __str__(self):
        return self.message


class InvalidArgumentError(ProvisioningError, ValueError):
    pass


class OutOfMemoryError(ProvisioningError, MemoryError):
    pass


class InputOutputError(ProvisioningError, OSError):
    pass


class OperatingSystemError(ProvisioningError):
    pass


class ConfigurationError(ProvisioningError):
    pass


class ProviderError(ProvisioningError):
    """A provider failed. `document` holds the data exchange document of the
    call when there is one (a dict), with the provider's own error code."""
    document = None


class WorkflowError(ProvisioningError):
    """A workflow or a DAG run did not complete. `report` (set by Dag.run and
    the workflow API) holds what ran."""
    report = None
    result = None


class ResourceError(ProvisioningError):
    pass


class AbiError(ProvisioningError):
    pass


class CheckpointError(ProvisioningError):
    pass


class DocumentError(ProvisioningError):
    pass


class InternalError(ProvisioningError):
    pass


class LaggedError(ProvisioningError):
    """A bus subscriber fell behind; `missed` events were lost."""

    def __init__(self, missed):
        super().__init__("subscriber lagged: %d events missed" % missed, Status.ELAGGED)
        self.missed = missed


class BusClosedError(ProvisioningError):
    """The bus is closed and this subscriber received everything that remained."""

    def __init__(self):
        super().__init__("the bus is closed", Status.ECLOSED)


CATEGORY_CLASSES = {
    Category.INVALID_ARGUMENT: InvalidArgumentError,
    Category.MEMORY: OutOfMemoryError,
    Category.IO: InputOutputError,
    Category.SYSTEM: OperatingSystemError,
    Category.CONFIGURATION: ConfigurationError,
    Category.PROVIDER: ProviderError,
    Category.WORKFLOW: WorkflowError,
    Category.RESOURCE: ResourceError,
    Category.ABI: AbiError,
    Category.CHECKPOINT: CheckpointError,
    Category.DOCUMENT: DocumentError,
    Category.INTERNAL: InternalError,
}

# The category a code implies when the library recorded none for it.
CODE_CATEGORIES = {
    Status.ENOMEM: Category.MEMORY,
    Status.EINVAL: Category.INVALID_ARGUMENT,
    Status.ERANGE: Category.INVALID_ARGUMENT,
    Status.EIO: Category.IO,
    Status.EPARSE: Category.DOCUMENT,
    Status.EVERSION: Category.DOCUMENT,
    Status.ECONFIG: Category.CONFIGURATION,
    Status.ECYCLE: Category.CONFIGURATION,
    Status.EPROVIDER: Category.PROVIDER,
    Status.EABI: Category.ABI,
    Status.EPLUGIN: Category.ABI,
    Status.EWORKFLOW: Category.WORKFLOW,
    Status.EPARTIAL: Category.WORKFLOW,
    Status.ECANCELLED: Category.WORKFLOW,
    Status.ETIMEOUT: Category.WORKFLOW,
    Status.ECONFLICT: Category.WORKFLOW,
    Status.EBUSY: Category.WORKFLOW,
    Status.ESTALE: Category.CHECKPOINT,
    Status.ESTORE: Category.CHECKPOINT,
    Status.EPROCESS: Category.SYSTEM,
}

_CONTEXT_FIELDS = ("file", "line", "key", "provider", "workflow_id", "operation_id",
                   "resource_type", "resource_id")


def _as_enum(enum_type, value):
    try:
        return enum_type(value)
    except ValueError:
        return int(value)


def _filled_fields(err):
    """The fields of prov_error the library that filled it has (its size)."""
    filled = {}
    for name, _ in _native.Error._fields_:
        field = getattr(_native.Error, name)
        if field.offset + field.size <= err.size:
            filled[name] = getattr(err, name)
    return filled


def last_error():
    """The calling thread's prov_error_last() as an exception (not raised).
    Its code is OK when no error was recorded."""
    filled = _filled_fields(lib.prov_error_last().contents)
    code = filled.get("code", Status.OK)
    category = filled.get("category", Category.NONE)
    context = {}
    for name in _CONTEXT_FIELDS:
        value = filled.get(name)
        if isinstance(value, bytes):
            value = _native.decode(value) or None
        if value:
            context[name] = value
    err = make_error(_native.decode(filled.get("message")) or "", code, category, **context)
    err._from_library = True
    return err


def make_error(message, code, category=Category.NONE, **context):
    """The exception for a code and category (the category picks the class)."""
    code = _as_enum(Status, code)
    if category == Category.NONE:
        category = CODE_CATEGORIES.get(code, Category.NONE)
    category = _as_enum(Category, category)
    if not message:
        message = _native.decode(lib.prov_strerror(int(code)))
    cls = CATEGORY_CLASSES.get(category, ProvisioningError)
    return cls(message, code, category, **context)


def error_for(status):
    """The exception for a failed call's status, from the thread's last error.

    The last error describes this failure when its code is the status
    returned; otherwise (a library that returned without recording) the
    exception says only what the code means.
    """
    err = last_error()
    if err.code == status:
        return err
    return make_error("", status)


def check(status):
    """Raise the exception for a negative status; return it otherwise."""
    if status < 0:
        raise error_for(status)
    return status


def strerror(code):
    """The library's English name of a status code."""
    return _native.decode(lib.prov_strerror(int(code)))


def category_name(category):
    """The library's name of an error category ("configuration")."""
    return _native.decode(lib.prov_error_category_name(int(category)))
