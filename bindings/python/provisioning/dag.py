"""Dependency graphs whose nodes are Python callables, and their executor.

    dag = Dag()
    dag.add_node("db", create_db)
    dag.add_node("web", create_web, retry=Retry(max_attempts=3, initial_delay_ms=100))
    dag.add_dependency("web", "db")
    report = dag.run(parallelism=2)
    report["web"].state          # State.COMPLETED

A task is called as task(context) once per attempt, on one of the run's
threads (the calling thread or a worker the library started; ctypes takes the
GIL for it). It succeeds by returning and fails by raising: a
ProvisioningError keeps its code, any other exception fails the node with
PROV_ERROR and its text, and the exception itself is kept in the report.
KeyboardInterrupt or SystemExit inside a task (or a callback) cancels the run
and is raised again from run() once every thread stopped.

run() releases the GIL while the library schedules, so tasks that wait
(I/O, sleep, child processes) overlap; tasks that compute in Python take
turns on the GIL as in any threaded Python program.
"""

import collections
import collections.abc
import ctypes
import dataclasses
import enum
import threading
from ctypes import byref, c_size_t, c_void_p

from . import _native
from ._native import Handle, decode, encode, handles, lib, take_string
from .errors import ProvisioningError, Status, check, error_for


class Dependency(enum.IntEnum):
    HARD = 0      # a failed or skipped dependency skips the node
    SOFT = 1      # ordering only
    OPTIONAL = 2  # ordering only, and only when the other node exists


class State(enum.IntEnum):
    PENDING = 0
    RUNNING = 1
    COMPLETED = 2
    FAILED = 3
    SKIPPED = 4
    CANCELLED = 5


class Backoff(enum.IntEnum):
    NONE = 0
    LINEAR = 1
    EXPONENTIAL = 2


class FailurePolicy(enum.IntEnum):
    DEFAULT = 0   # the run's policy
    FAIL = 1      # nothing new starts; running nodes finish
    CONTINUE = 2  # only the node's hard dependents are skipped


@dataclasses.dataclass
class Retry:
    """A retry policy: attempts in all, and the delay between them."""
    max_attempts: int = 1
    backoff: Backoff = Backoff.NONE
    initial_delay_ms: int = 0
    max_delay_ms: int = 0
    jitter: bool = False

    def _struct(self):
        return _native.init_struct(
            _native.DagRetryPolicy, max_attempts=self.max_attempts, backoff=int(self.backoff),
            initial_delay_ms=self.initial_delay_ms, max_delay_ms=self.max_delay_ms,
            jitter=1 if self.jitter else 0)


NodeEvent = collections.namedtuple(
    "NodeEvent", "node_id index attempt state error_code error_message retry_delay_ms")
"""What on_start, on_retry and on_finish receive: a snapshot of the node."""

NodeReport = collections.namedtuple(
    "NodeReport", "node_id state attempts duration_ns error_code error_message exception")
"""A node after a run; `exception` is the Python exception its task raised last."""


class TaskContext:
    """What a task sees of its node. Valid only during the task's call."""

    def __init__(self, address):
        self._address = address

    def _ctx(self):
        if self._address is None:
            raise ValueError("a task context is valid only during its task's call")
        return self._address

    @property
    def node_id(self):
        return decode(lib.prov_dag_context_node_id(self._ctx()))

    @property
    def index(self):
        return lib.prov_dag_context_node_index(self._ctx())

    @property
    def attempt(self):
        """The attempt, from 1."""
        return lib.prov_dag_context_attempt(self._ctx())

    @property
    def deadline_ns(self):
        """The attempt's deadline on the run's clock; 0 when none."""
        return lib.prov_dag_context_deadline_ns(self._ctx())

    def now_ns(self):
        """The run's clock now (monotonic nanoseconds)."""
        return lib.prov_dag_context_now_ns(self._ctx())

    def remaining_ms(self):
        """Milliseconds left before the deadline; None without one."""
        deadline = self.deadline_ns
        if not deadline:
            return None
        return max(0, (deadline - self.now_ns()) // 1000000)

    @property
    def cancelled(self):
        """True once the run is cancelled: stop early and raise."""
        return bool(lib.prov_dag_context_cancelled(self._ctx()))

    def set_retryable(self, retryable):
        """With False, a failure of this attempt is final whatever the policy."""
        lib.prov_dag_context_set_retryable(self._ctx(), 1 if retryable else 0)


class _RunState:
    """What the trampolines of one graph share: its address and the first
    interruption or callback failure of the current run."""

    def __init__(self):
        self.address = None
        self.lock = threading.Lock()
        self.interrupt = None
        self.callback_error = None
        self.exceptions = {}

    def reset(self):
        self.interrupt = None
        self.callback_error = None
        self.exceptions = {}

    def stop(self, exc, interrupt):
        """Keep the first exception that must stop the run, and cancel it."""
        with self.lock:
            if interrupt and self.interrupt is None:
                self.interrupt = exc
            elif not interrupt and self.callback_error is None:
                self.callback_error = exc
        lib.prov_dag_cancel(self.address)


class _Node:
    def __init__(self, task, run_state):
        self.task = task
        self.run_state = run_state


class _RunCallbacks:
    def __init__(self, run_state, on_start, on_retry, on_finish):
        self.run_state = run_state
        self.on_start = on_start
        self.on_retry = on_retry
        self.on_finish = on_finish


def _library_recorded(exc):
    """Whether exc is this thread's last error, raised by the library and
    left as it was: the node then keeps the whole record, context included."""
    if exc._thread != threading.get_ident() or not getattr(exc, "_from_library", False):
        return False
    last = lib.prov_error_last().contents
    return last.code == int(exc.code) and decode(last.message) == exc.message


def _fail_task(ctx, node, exc):
    node.run_state.exceptions[lib.prov_dag_context_node_index(ctx)] = exc
    if isinstance(exc, ProvisioningError):
        if _library_recorded(exc):
            return int(exc.code)
        code = int(exc.code) if int(exc.code) < 0 else int(Status.ERROR)
        return lib.prov_dag_context_fail(ctx, code, encode(exc.message))
    return lib.prov_dag_context_fail(ctx, int(Status.ERROR),
                                     encode("%s: %s" % (type(exc).__name__, exc)))


@_native.DAG_TASK
def _task_trampoline(ctx, userdata):
    node = handles.get(userdata)
    if node is None or node.task is None:
        return 0
    context = TaskContext(ctx)
    try:
        node.task(context)
        return 0
    except Exception as exc:
        return _fail_task(ctx, node, exc)
    except BaseException as exc:
        node.run_state.stop(exc, interrupt=True)
        return lib.prov_dag_context_fail(ctx, int(Status.ECANCELLED), b"interrupted")
    finally:
        context._address = None


def _node_event(ctx):
    return NodeEvent(
        decode(lib.prov_dag_context_node_id(ctx)), lib.prov_dag_context_node_index(ctx),
        lib.prov_dag_context_attempt(ctx), State(lib.prov_dag_context_state(ctx)),
        lib.prov_dag_context_error_code(ctx), decode(lib.prov_dag_context_error_message(ctx)),
        lib.prov_dag_context_retry_delay_ms(ctx))


def _event_trampoline(which):
    @_native.DAG_EVENT
    def trampoline(ctx, userdata):
        callbacks = handles.get(userdata)
        callback = callbacks and getattr(callbacks, which)
        if not callback:
            return
        try:
            callback(_node_event(ctx))
        except Exception as exc:
            callbacks.run_state.stop(exc, interrupt=False)
        except BaseException as exc:
            callbacks.run_state.stop(exc, interrupt=True)
    return trampoline


# Module-level, so the library's function pointers stay valid for the life
# of the process; what they serve is found through the userdata key.
_ON_START = _event_trampoline("on_start")
_ON_RETRY = _event_trampoline("on_retry")
_ON_FINISH = _event_trampoline("on_finish")


class Report(collections.abc.Mapping):
    """The outcome of a run: node id to NodeReport, in insertion order, and
    the run's status (Status.OK when every node completed)."""

    def __init__(self, status, nodes):
        self.status = status
        self._nodes = collections.OrderedDict((n.node_id, n) for n in nodes)

    @property
    def ok(self):
        return self.status == Status.OK

    def states(self):
        """Node id to State."""
        return {node_id: n.state for node_id, n in self._nodes.items()}

    def __getitem__(self, node_id):
        return self._nodes[node_id]

    def __iter__(self):
        return iter(self._nodes)

    def __len__(self):
        return len(self._nodes)

    def __repr__(self):
        return "Report(%s, %r)" % (self.status.name, self.states())


class Dag(Handle):
    """A dependency graph of Python callables.

    Used by one thread at a time, except cancel(), which any thread may call
    at any time (a task or callback included).
    """

    _free = "prov_dag_free"

    def __init__(self):
        super().__init__(_native.new_handle(lib.prov_dag_new))
        self._run_state = _RunState()
        self._run_state.address = self._as_parameter_.value
        self._keys = []
        self._running = False

    def close(self):
        if self._running:
            raise RuntimeError("a Dag cannot be closed while it runs")
        super().close()
        for key in getattr(self, "_keys", ()):
            handles.discard(key)
        self._keys = []

    def add_node(self, node_id, task=None, retry=None, timeout_ms=0,
                 on_failure=FailurePolicy.DEFAULT):
        """Add a node whose work is task(context) (None completes at once).
        retry (a Retry), timeout_ms (per attempt; < 0: none) and on_failure
        override the run's defaults for this node."""
        handle = self._check_open()
        key = handles.add(_Node(task, self._run_state))
        status = lib.prov_dag_add_node(handle, encode(node_id), _task_trampoline, key)
        if status < 0:
            handles.discard(key)
            check(status)
        self._keys.append(key)
        if retry is not None or timeout_ms or on_failure != FailurePolicy.DEFAULT:
            policy = retry._struct() if retry is not None else None
            opts = _native.init_struct(_native.DagNodeOptions, timeout_ms=timeout_ms,
                                       on_failure=int(on_failure))
            if policy is not None:
                opts.retry = ctypes.pointer(policy)
            check(lib.prov_dag_set_node_options(handle, encode(node_id), byref(opts)))
        return self

    def add_dependency(self, node_id, depends_on, type=Dependency.HARD):
        """`node_id` starts only after `depends_on` finished."""
        check(lib.prov_dag_add_dependency(self._check_open(), encode(node_id),
                                          encode(depends_on), int(type)))
        return self

    def mark_completed(self, node_id):
        """Treat a node as done (resumed work): runs skip its task."""
        check(lib.prov_dag_mark_completed(self._check_open(), encode(node_id)))
        return self

    def __len__(self):
        return lib.prov_dag_node_count(self._check_open())

    def ids(self):
        """Node ids in the order they were added."""
        handle = self._check_open()
        return [decode(lib.prov_dag_node_id(handle, i)) for i in range(len(self))]

    def index(self, node_id):
        """The index of a node (ENOTFOUND when there is none)."""
        out = c_size_t()
        check(lib.prov_dag_find_node(byref(out), self._check_open(), encode(node_id)))
        return out.value

    def validate(self):
        """Raise (code ECYCLE, naming the cycle) when the graph has a cycle."""
        check(lib.prov_dag_validate(self._check_open()))

    def topological_order(self):
        """Node ids, each after all its dependencies; deterministic."""
        order = (c_size_t * len(self))()
        check(lib.prov_dag_topological_order(order, self._check_open()))
        ids = self.ids()
        return [ids[i] for i in order]

    def levels(self):
        """Execution levels: a list of lists of ids, level 0 first."""
        level_of = (c_size_t * len(self))()
        count = c_size_t()
        check(lib.prov_dag_levels(level_of, byref(count), self._check_open()))
        levels = [[] for _ in range(count.value)]
        for node_id, level in zip(self.ids(), level_of):
            levels[level].append(node_id)
        return levels

    def to_dot(self):
        """The graph in Graphviz DOT, nodes coloured by the last run's states."""
        out = c_void_p()
        check(lib.prov_dag_to_dot(byref(out), self._check_open()))
        return take_string(out.value)

    def cancel(self):
        """Cancel the run in progress (or the next one). Any thread."""
        lib.prov_dag_cancel(self._check_open())

    def run(self, parallelism=1, on_failure=FailurePolicy.FAIL, retry=None, timeout_ms=0,
            on_start=None, on_retry=None, on_finish=None, jitter_seed=0):
        """Run every node not marked completed on up to `parallelism` threads
        (0: one per CPU) and return the Report.

        on_start, on_retry and on_finish receive a NodeEvent, on the run's
        threads. When not every node completed, the run's error is raised
        (WorkflowError with code EWORKFLOW, EPARTIAL or ECANCELLED; or the
        graph's error before anything ran) with the Report as its `report`.
        An exception raised by a callback cancels the run and is raised
        instead.
        """
        handle = self._check_open()
        policy = retry._struct() if retry is not None else None
        callbacks = _RunCallbacks(self._run_state, on_start, on_retry, on_finish)
        key = handles.add(callbacks)
        opts = _native.init_struct(
            _native.DagRunOptions, parallelism=parallelism, on_failure=int(on_failure),
            timeout_ms=timeout_ms, userdata=key, jitter_seed=jitter_seed)
        if policy is not None:
            opts.retry = ctypes.pointer(policy)
        opts.on_start = _ON_START if on_start else _native.DAG_EVENT()
        opts.on_retry = _ON_RETRY if on_retry else _native.DAG_EVENT()
        opts.on_finish = _ON_FINISH if on_finish else _native.DAG_EVENT()
        self._run_state.reset()
        self._running = True
        try:
            status = lib.prov_dag_run(handle, byref(opts))
        finally:
            self._running = False
            handles.discard(key)
        return self._finish_run(status)

    def _finish_run(self, status):
        error = error_for(status) if status < 0 else None
        report = self.report(status)
        state = self._run_state
        if state.interrupt is not None:
            raise state.interrupt
        if state.callback_error is not None:
            raise state.callback_error
        if error is not None:
            error.report = report
            raise error
        return report

    def report(self, status=Status.OK):
        """Every node's state after the last run (pending before any)."""
        handle = self._check_open()
        nodes = []
        for index, node_id in enumerate(self.ids()):
            nodes.append(NodeReport(
                node_id, State(lib.prov_dag_node_state(handle, index)),
                lib.prov_dag_node_attempts(handle, index),
                lib.prov_dag_node_duration_ns(handle, index),
                lib.prov_dag_node_error_code(handle, index),
                decode(lib.prov_dag_node_error_message(handle, index)),
                self._run_state.exceptions.get(index)))
        try:
            status = Status(status)
        except ValueError:
            pass
        return Report(status, nodes)
