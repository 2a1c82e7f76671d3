"""Python bindings for libprovisioning, over ctypes.

The library is found through PROVISIONING_LIBRARY (a path) or the system
loader (libprovisioning.so.0). See docs/BINDINGS.md.
"""

from .errors import (AbiError, BusClosedError, Category, CheckpointError,
                     ConfigurationError, DocumentError, InputOutputError,
                     InternalError, InvalidArgumentError, LaggedError,
                     OperatingSystemError, OutOfMemoryError, ProviderError,
                     ProvisioningError, ResourceError, Status, WorkflowError,
                     category_name, strerror)
from .log import FEATURE_ETCD, LogLevel, forward_to_logging, set_log_handler, version
from .config import (Config, Format, Layer, Origin, Resolver, Schema, ValueType,
                     is_secret_key, layer_name)
from .dag import (Backoff, Dag, Dependency, FailurePolicy, NodeEvent, NodeReport,
                  Report, Retry, State, TaskContext)
from .bus import Bus, CallbackSubscription, Event, Subscription
from .providers import Registry
from .checkpoints import CheckpointStore, CheckpointSummary
from .workflow import Result, Runner, Workflow

__all__ = [
    "FEATURE_ETCD", "AbiError", "Backoff", "Bus", "BusClosedError", "CallbackSubscription", "Category",
    "CheckpointError", "CheckpointStore", "CheckpointSummary", "Config", "ConfigurationError",
    "Dag", "Dependency", "DocumentError", "Event", "FailurePolicy", "Format",
    "InputOutputError", "InternalError", "InvalidArgumentError", "LaggedError", "Layer",
    "LogLevel", "NodeEvent", "NodeReport", "OperatingSystemError", "Origin",
    "OutOfMemoryError", "ProviderError", "ProvisioningError", "Registry", "Report", "Resolver",
    "ResourceError", "Result", "Retry", "Runner", "Schema", "State", "Status", "Subscription",
    "TaskContext", "ValueType", "Workflow", "WorkflowError", "category_name",
    "forward_to_logging", "is_secret_key", "layer_name", "set_log_handler", "strerror",
    "version",
]
