"""The event bus: a bounded broadcast channel of JSON events.

    bus = Bus(capacity=256)
    sub = bus.subscribe(types=["OperationCompleted"])
    bus.publish("OperationCompleted", {"workflow_id": "wf-1", "op": "db"})
    bus.close()                          # subscribers drain, then stop
    for event in sub:
        print(event.seq, event.type, event["op"])

Publishing never waits for a subscriber. A subscriber that fell more than
the capacity behind loses the oldest events: iteration counts them in
`missed` and goes on (receive() raises LaggedError instead).

A callback subscription (bus.subscribe(callback)) has a dispatch thread of its
own, started by the library; ctypes takes the GIL to call the callback there.
"""

import atexit
import ctypes
import json
import math
import threading
import time
import weakref
from ctypes import byref, c_size_t, c_uint64, c_void_p

from . import _native
from ._native import Handle, decode, encode, handles, lib
from .errors import (BusClosedError, LaggedError, Status, check)

TRUSTED_PAYLOADS = 0x1
DEFAULT_CAPACITY = 1024

# A blocking receive waits in slices this long, so the waiting thread comes
# back to Python often enough for signal handlers (Ctrl-C) to run.
_WAIT_SLICE_MS = 200


class Event:
    """A received event, copied out of the bus: type, seq, timestamp, the
    JSON text, and its members through `data` or indexing."""

    __slots__ = ("type", "seq", "timestamp", "json", "_data")

    def __init__(self, type, seq, timestamp, text):
        self.type = type
        self.seq = seq
        self.timestamp = timestamp
        self.json = text
        self._data = None

    @classmethod
    def _copy(cls, event):
        length = c_size_t()
        address = lib.prov_event_json(event, byref(length))
        text = ctypes.string_at(address, length.value).decode("utf-8", "replace")
        return cls(decode(lib.prov_event_type(event)), lib.prov_event_seq(event),
                   decode(lib.prov_event_timestamp(event)), text)

    @property
    def data(self):
        """The whole event as a dict (parsed on first use)."""
        if self._data is None:
            self._data = json.loads(self.json)
        return self._data

    def __getitem__(self, member):
        return self.data[member]

    def get(self, member, default=None):
        return self.data.get(member, default)

    def __repr__(self):
        return "Event(%d, %r)" % (self.seq, self.type)


def _subscribe_options(types):
    array = _native.string_array(types)
    opts = _native.init_struct(_native.BusSubscribeOptions,
                               types=_native.array_pointer(array))
    return opts, array


class Bus(Handle):
    """A broadcast bus. publish() may be called from any number of threads.

    close() closes the bus and releases this handle: publishing stops, and
    subscribers receive what remains, then stop. Subscriptions keep their
    Bus object alive, so dropping it does not close the bus under them.
    """

    _free = "prov_bus_free"

    def __init__(self, capacity=0, trusted_payloads=False):
        opts = _native.init_struct(_native.BusOptions, capacity=capacity,
                                   flags=TRUSTED_PAYLOADS if trusted_payloads else 0)
        super().__init__(_native.new_handle(lib.prov_bus_new, byref(opts)))

    @property
    def capacity(self):
        return lib.prov_bus_capacity(self._check_open())

    def publish(self, type, payload=None):
        """Publish an event of `type` with the members of `payload` (a dict,
        or JSON object text); returns its sequence number."""
        if payload is not None and not isinstance(payload, (str, bytes)):
            payload = json.dumps(payload, separators=(",", ":"))
        seq = c_uint64()
        check(lib.prov_bus_publish(byref(seq), self._check_open(), encode(type),
                                   encode(payload)))
        return seq.value

    def subscribe(self, callback=None, types=None, on_lag=None, on_close=None):
        """Receive the events published from now on (of `types` only, when
        given). Without a callback, returns a Subscription to receive from or
        iterate. With one, returns a CallbackSubscription that calls
        callback(event) on its dispatch thread, on_lag(missed) when events
        were lost, and on_close() once the closed bus is drained."""
        if callback is None:
            return Subscription(self, types)
        return CallbackSubscription(self, types, callback, on_lag, on_close)


class Subscription(Handle):
    """A pull subscription: receive() or iterate, from one thread at a time.
    close() unsubscribes."""

    _free = "prov_bus_unsubscribe"

    def __init__(self, bus, types):
        opts, _array = _subscribe_options(types)
        super().__init__(_native.new_handle(lib.prov_bus_subscribe, bus._check_open(),
                                            byref(opts)))
        self._bus = bus
        self.missed = 0

    def _receive_once(self, timeout_ms):
        event, missed = c_void_p(), c_uint64()
        status = lib.prov_bus_receive(byref(event), byref(missed), self._check_open(),
                                      timeout_ms)
        if status == Status.OK:
            return Event._copy(event)
        if status in (Status.ETIMEOUT, Status.EAGAIN):
            return None
        if status == Status.ELAGGED:
            self.missed += missed.value
            raise LaggedError(missed.value)
        if status == Status.ECLOSED:
            raise BusClosedError()
        check(status)
        return None

    def receive(self, timeout=None):
        """The next event, waiting up to `timeout` seconds (None: as long as
        it takes; 0: only poll); None when the time passed. Raises LaggedError
        (its `missed` counts the events lost; the next receive returns the
        oldest retained) and BusClosedError once the closed bus is drained."""
        if timeout is not None and timeout <= 0:
            return self._receive_once(0)
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            slice_ms = _WAIT_SLICE_MS
            if deadline is not None:
                left_ms = math.ceil((deadline - time.monotonic()) * 1000)
                if left_ms <= 0:
                    return self._receive_once(0)
                slice_ms = min(slice_ms, left_ms)
            event = self._receive_once(slice_ms)
            if event is not None:
                return event

    def __iter__(self):
        """Every event until the closed bus is drained; lost events are
        counted in `missed`."""
        while True:
            try:
                yield self.receive()
            except LaggedError:
                continue
            except BusClosedError:
                return


@_native.BUS_CALLBACK
def _bus_trampoline(status, event, missed, userdata):
    subscription = handles.get(userdata)
    if subscription is not None:
        subscription._dispatch(status, event, missed)


_live_callbacks = weakref.WeakSet()


class CallbackSubscription(Handle):
    """A subscription whose dispatch thread calls Python for each event.

    close() (from any thread, also inside the callback) unsubscribes: it
    waits for a callback in progress, and none runs afterwards. An exception
    raised by a callback is kept in `exception` and delivery goes on.
    `drained` is a threading.Event set once the closed bus is drained.
    """

    _free = "prov_bus_unsubscribe"

    def __init__(self, bus, types, callback, on_lag, on_close):
        self._bus = bus
        self._callback = callback
        self._on_lag = on_lag
        self._on_close = on_close
        self.missed = 0
        self.exception = None
        self.drained = threading.Event()
        self._key = handles.add(self)
        opts, _array = _subscribe_options(types)
        try:
            address = _native.new_handle(lib.prov_bus_subscribe_callback, bus._check_open(),
                                         byref(opts), _bus_trampoline, self._key)
        except BaseException:
            handles.discard(self._key)
            raise
        super().__init__(address)
        _live_callbacks.add(self)

    def close(self):
        super().close()
        key = getattr(self, "_key", None)
        if key is not None:
            handles.discard(key)

    def _dispatch(self, status, event, missed):
        try:
            if status == Status.OK:
                self._callback(Event._copy(event))
            elif status == Status.ELAGGED:
                self.missed += missed
                if self._on_lag:
                    self._on_lag(missed)
            elif status == Status.ECLOSED:
                self.drained.set()
                if self._on_close:
                    self._on_close()
        except BaseException as exc:
            self.exception = exc


@atexit.register
def _unsubscribe_callbacks():
    """Stop every dispatch thread before the interpreter goes away: a thread
    that called into a finalising interpreter would crash the process."""
    for subscription in list(_live_callbacks):
        subscription.close()
