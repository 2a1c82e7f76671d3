"""Workflows: load a definition, plan it, run it, resume it, roll it back.

    workflow = Workflow.load("webapp.yaml")
    workflow.validate()                      # raises with every problem listed
    print(workflow.plan()["levels"])

    with Registry() as registry, CheckpointStore(".provisioning/checkpoints") as store:
        runner = Runner(registry, store, resolver=resolver)
        result = runner.run(workflow, on_event=lambda e: print(e.type, e.get("op")))
        result.status                        # "success"
        runner.resume(workflow.id)           # after a crash, a cancel or a failure

A run executes on a thread of its own (plus the library's workers) while
the calling thread waits, delivers the run's events to `on_event` in order
and stays responsive to Ctrl-C: a KeyboardInterrupt (or an exception raised
by `on_event`) cancels the run, which saves its checkpoint, and is raised
once the run has stopped. Resume it later by its id.
"""

import collections.abc
import json
import threading
from ctypes import byref, c_void_p

from . import _native
from ._native import Handle, decode, encode, encode_path, lib, take_string
from .bus import Bus
from .config import Format
from .errors import LaggedError, check, error_for

# How often the waiting thread comes back to Python (for Ctrl-C).
_WAIT_SLICE = 0.2


def _format(value):
    return Format[value.upper()] if isinstance(value, str) else Format(value)


def _problems(report, status):
    """Raise the validation error of `status` with its report's lines."""
    error = error_for(status)
    error.problems = [line for line in (report or "").splitlines() if line]
    raise error


class Result(collections.abc.Mapping):
    """A data exchange result document (a read-only mapping) with shortcuts.

    `status` is "success", "error", "partial" or "cancelled"; `data` the
    result's data; `error` the error object or None; `missed_events` how many
    events `on_event` lost because it fell behind the bus.
    """

    def __init__(self, document, missed_events=0):
        self.document = document
        self.missed_events = missed_events

    @property
    def status(self):
        return self.document.get("status")

    @property
    def ok(self):
        return self.status == "success"

    @property
    def data(self):
        return (self.document.get("result") or {}).get("data")

    @property
    def error(self):
        return self.document.get("error")

    def __getitem__(self, key):
        return self.document[key]

    def __iter__(self):
        return iter(self.document)

    def __len__(self):
        return len(self.document)

    def __repr__(self):
        return "Result(%r)" % (self.status,)


class Workflow(Handle):
    """A loaded workflow definition: immutable, readable from any thread.

    A document that reads is loaded even when its content has problems;
    validate() reports them all, and runs refuse it.
    """

    _free = "prov_workflow_free"

    @classmethod
    def load(cls, path):
        """A definition file (.toml, .yaml, .yml or .json)."""
        return cls(_native.new_handle(lib.prov_workflow_load_file, encode_path(path)))

    @classmethod
    def parse(cls, text, format, name="<workflow>"):
        """A definition from text in a Format (or "toml", "yaml", "json")."""
        data = encode(text)
        return cls(_native.new_handle(lib.prov_workflow_load_string, encode(name), data,
                                      len(data), _format(format)))

    @property
    def id(self):
        """The workflow id, declared or generated."""
        return decode(lib.prov_workflow_id(self._check_open()))

    @property
    def name(self):
        return decode(lib.prov_workflow_name(self._check_open()))

    @property
    def sha256(self):
        """The hash of the normalised definition, as checkpoints store it."""
        return decode(lib.prov_workflow_sha256(self._check_open()))

    @property
    def operations(self):
        """Operation ids in definition order."""
        handle = self._check_open()
        return [decode(lib.prov_workflow_operation_id(handle, i))
                for i in range(lib.prov_workflow_operation_count(handle))]

    def to_dict(self):
        """The normalised definition (defaults filled in, references as written)."""
        out = c_void_p()
        check(lib.prov_workflow_to_json(byref(out), self._check_open()))
        return json.loads(take_string(out.value))

    def graph(self, format="dot"):
        """The operations and their dependencies as "dot" or "mermaid" text."""
        out = c_void_p()
        check(lib.prov_workflow_graph(byref(out), self._check_open(), encode(format)))
        return take_string(out.value)

    def validate(self, runner=None):
        """Raise the definition's error whose `problems` lists every problem
        ("FILE:LINE: message"); with a Runner, providers, actions and config
        references are checked too."""
        report = c_void_p()
        status = lib.prov_workflow_validate(byref(report), runner and runner._check_open(),
                                            self._check_open())
        text = take_string(report.value)
        if status < 0:
            _problems(text, status)

    def plan(self, runner=None):
        """What a run would call, level by level, as a dict; calls nothing."""
        out = c_void_p()
        check(lib.prov_workflow_plan(byref(out), runner and runner._check_open(),
                                     self._check_open()))
        return json.loads(take_string(out.value))


class Runner(Handle):
    """Runs workflows over a Registry and a CheckpointStore.

    `resolver` (a config Resolver) gives the layers below each definition's
    `configuration:`; `bus` receives the runs' events (a Bus of the runner's
    own when None). The runner keeps its registry, store, resolver and bus
    alive; none of them may be closed before it. One call at a time, except
    cancel(), which any thread may call at any time.
    """

    _free = "prov_workflow_runner_free"

    def __init__(self, registry, store, resolver=None, bus=None, parallel_limit=0,
                 wait_ms=0):
        self.bus = bus if bus is not None else Bus()
        self._borrowed = (registry, store, resolver, self.bus)
        opts = _native.init_struct(
            _native.WorkflowOptions, registry=registry._check_open().value,
            resolver=resolver._check_open().value if resolver is not None else None,
            store=store._check_open().value, bus=self.bus._check_open().value,
            parallel_limit=parallel_limit, wait_ms=wait_ms)
        super().__init__(_native.new_handle(lib.prov_workflow_runner_new, byref(opts)))
        self._running = False

    def close(self):
        if getattr(self, "_running", False):
            raise RuntimeError("a Runner cannot be closed while it runs")
        super().close()

    def run(self, workflow, on_event=None):
        """Run a definition under its id (continuing an unfinished run of the
        same definition). Returns the Result when it succeeded; otherwise
        raises the run's error (WorkflowError: EWORKFLOW, EPARTIAL,
        ECANCELLED; or what stopped it before it began) with the Result, when
        the run began, as its `result`."""
        return self._call(lib.prov_workflow_run, workflow._check_open(), on_event)

    def resume(self, workflow_id, on_event=None):
        """Continue a workflow from its checkpoint, by id alone."""
        return self._call(lib.prov_workflow_resume, encode(workflow_id), on_event)

    def rollback(self, workflow_id, on_event=None):
        """Run what is left on a workflow's rollback stack, newest first."""
        return self._call(lib.prov_workflow_rollback, encode(workflow_id), on_event)

    def cancel(self):
        """Cancel the call in progress (or the next one). Any thread."""
        lib.prov_workflow_cancel(self._check_open())

    def _call(self, function, subject, on_event):
        handle = self._check_open()
        if self._running:
            raise RuntimeError("a Runner makes one call at a time")
        events = self.bus.subscribe() if on_event is not None else None
        outcome = {}

        def call():
            out = c_void_p()
            status = function(byref(out), handle, subject)
            # On this thread, before anything else: the error is per thread.
            outcome["error"] = error_for(status) if status < 0 else None
            outcome["text"] = take_string(out.value)

        worker = threading.Thread(target=call, name="provisioning-workflow", daemon=True)
        self._running = True
        try:
            worker.start()
            missed = self._deliver(worker, events, on_event)
        except BaseException:
            # A cancel with no call in progress would cancel the next call.
            if "text" not in outcome:
                lib.prov_workflow_cancel(handle)
            worker.join()
            raise
        finally:
            self._running = False
            if events is not None:
                events.close()
        text = outcome.get("text")
        result = Result(json.loads(text), missed) if text else None
        if outcome.get("error") is not None:
            outcome["error"].result = result
            raise outcome["error"]
        return result

    @staticmethod
    def _deliver(worker, events, on_event):
        """Wait for the call, handing its events to on_event as they come;
        then the rest, all published before the call returned."""
        missed = 0
        while worker.is_alive():
            if events is None:
                worker.join(_WAIT_SLICE)
                continue
            try:
                event = events.receive(timeout=_WAIT_SLICE)
            except LaggedError as lag:
                missed += lag.missed
                continue
            if event is not None:
                on_event(event)
        worker.join()
        while events is not None:
            try:
                event = events.receive(timeout=0)
            except LaggedError as lag:
                missed += lag.missed
                continue
            if event is None:
                break
            on_event(event)
        return missed
