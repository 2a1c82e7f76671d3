"""Where the library's log messages go, and the library's version.

The library never prints: its messages (and plugins' through the default
services) go to one process-wide handler, called from whatever thread the
library works on. set_log_handler() installs a Python callable there;
forward_to_logging() sends everything to the standard logging module.
"""

import atexit
import collections
import enum
import logging
import threading

from . import _native
from ._native import decode, lib
from .errors import check


class LogLevel(enum.IntEnum):
    ERROR = 0
    WARNING = 1
    INFO = 2
    DEBUG = 3


_PYTHON_LEVELS = {
    LogLevel.ERROR: logging.ERROR,
    LogLevel.WARNING: logging.WARNING,
    LogLevel.INFO: logging.INFO,
    LogLevel.DEBUG: logging.DEBUG,
}

_handler_lock = threading.Lock()
_handler = None


@_native.LOG_HANDLER
def _log_trampoline(level, component, message, userdata):
    handler = _handler
    if handler is None:
        return
    try:
        handler(level, decode(component), decode(message))
    except Exception:
        pass


def set_log_handler(handler, max_level=LogLevel.INFO):
    """Send library messages up to max_level to handler(level, component,
    message); None removes the handler. The handler must be thread-safe."""
    global _handler
    with _handler_lock:
        _handler = handler
        if handler is None:
            check(lib.prov_log_set_handler(_native.LOG_HANDLER(), 0, None))
        else:
            check(lib.prov_log_set_handler(_log_trampoline, int(max_level), None))


def forward_to_logging(logger=None, max_level=LogLevel.INFO):
    """Send library messages to a logging.Logger ("provisioning" by default),
    under a child logger per component ("provisioning.config")."""
    logger = logger or logging.getLogger("provisioning")

    def handler(level, component, message):
        logger.getChild(component).log(_PYTHON_LEVELS.get(level, logging.INFO), "%s", message)
    set_log_handler(handler, max_level)


@atexit.register
def _remove_handler():
    """No library thread may call into an interpreter that is going away."""
    if _handler is not None:
        set_log_handler(None)


FEATURE_ETCD = 1 << 0
"""VersionInfo.features bit: the etcd checkpoint store is compiled in."""

VersionInfo = collections.namedtuple(
    "VersionInfo", "version major minor patch plugin_abi plugin_abi_oldest pluginsdir features")


def version():
    """The loaded library's version (which may be newer than this binding)."""
    v = lib.prov_version().contents
    return VersionInfo(decode(v.version), v.major, v.minor, v.patch,
                       (v.plugin_abi >> 16, v.plugin_abi & 0xffff),
                       (v.plugin_abi_oldest >> 16, v.plugin_abi_oldest & 0xffff),
                       decode(v.pluginsdir), v.features)
