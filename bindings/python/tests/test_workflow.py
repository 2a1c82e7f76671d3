"""Workflows through the binding: load, validate, plan, run with events,
cancel, resume, rollback, and the checkpoints they leave."""

import os
import threading
import unittest

import provisioning
from provisioning import Status
from provisioning.workflow import Runner, Workflow

from support import scratch_dir, write_file

CHAIN = """\
workflow_id: {id}
name: chain
retry: {{ max_attempts: 1 }}
configuration:
  providers:
    local: {{ fail_on: [{fail}] }}
operations:
  - id: db
    provider: local
    action: create_server
    params: {{ hostname: db-1 }}
  - id: web
    provider: local
    action: create_server
    params: {{ hostname: web-1, tags: {{ db: "{{{{ops.db.output.ip_address}}}}" }} }}
    on_failure: {on_failure}
  - id: dns
    provider: local
    action: create_server
    params: {{ hostname: dns-1 }}
    depends_on: [web]
"""


def chain(workflow_id, fail="nobody", on_failure="fail"):
    text = CHAIN.format(id=workflow_id, fail=fail, on_failure=on_failure)
    return Workflow.parse(text, "yaml", workflow_id + ".yaml")


class Environment:
    """A base directory with its own provider state and checkpoints."""

    def __init__(self, testcase, base=None, config=None):
        self.base = base or scratch_dir(testcase)
        self.resolver = provisioning.Resolver().set_base_dir(self.base)
        if config:
            self.resolver.add_string(config, "yaml", provisioning.Layer.EXPLICIT, "test.yaml")
        # Plugins read paths.base (the local provider keeps its state there).
        self.registry = provisioning.Registry(config=self.resolver.resolve())
        self.store = provisioning.CheckpointStore(os.path.join(self.base, "checkpoints"))
        self.runner = Runner(self.registry, self.store, resolver=self.resolver)
        testcase.addCleanup(self.close)

    def close(self):
        self.runner.close()
        self.registry.close()
        self.store.close()


class DefinitionTests(unittest.TestCase):
    def test_a_definition_names_its_operations(self):
        workflow = chain("wf-names")
        self.assertEqual((workflow.id, workflow.name), ("wf-names", "chain"))
        self.assertEqual(workflow.operations, ["db", "web", "dns"])
        self.assertEqual(len(workflow.sha256), 64)

    def test_files_load_by_extension(self):
        path = write_file(scratch_dir(self), "wf.json",
                          '{"operations": [{"id": "a", "provider": "local",'
                          ' "action": "list_servers"}]}')
        workflow = Workflow.load(path)
        self.assertEqual(workflow.operations, ["a"])
        self.assertTrue(workflow.id.startswith("wf-"))

    def test_the_normalised_definition_has_the_defaults(self):
        definition = chain("wf-defaults").to_dict()
        self.assertEqual(definition["parallel_limit"], 4)
        self.assertEqual(definition["operations"][2]["depends_on"][0]["op"], "web")

    def test_references_imply_dependencies_in_the_graph(self):
        self.assertIn('"db" -> "web"', chain("wf-graph").graph("dot"))
        self.assertIn("flowchart", chain("wf-graph").graph("mermaid"))

    def test_the_plan_gives_levels(self):
        plan = chain("wf-plan").plan()
        self.assertEqual([[op["op"] for op in level] for level in plan["levels"]],
                         [["db"], ["web"], ["dns"]])

    def test_every_problem_is_listed_with_its_line(self):
        workflow = Workflow.parse("operations:\n"
                                  "  - id: a\n"
                                  "    provider: local\n"
                                  "    depends_on: [nowhere]\n"
                                  "  - id: a\n"
                                  "    provider: local\n"
                                  "    action: list_servers\n", "yaml", "bad.yaml")
        with self.assertRaises(provisioning.ProvisioningError) as cm:
            workflow.validate()
        problems = cm.exception.problems
        self.assertEqual(cm.exception.code, Status.ECONFIG)
        self.assertGreaterEqual(len(problems), 3)
        self.assertTrue(all(p.startswith("bad.yaml:") for p in problems), problems)
        self.assertIn("%d problems" % len(problems), cm.exception.message)

    def test_a_runner_checks_providers_too(self):
        env = Environment(self)
        workflow = Workflow.parse("operations:\n  - id: a\n    provider: nowhere\n"
                                  "    action: list_servers\n", "yaml", "p.yaml")
        workflow.validate()
        with self.assertRaises(provisioning.ProvisioningError) as cm:
            workflow.validate(env.runner)
        self.assertIn("nowhere", cm.exception.problems[0])

    def test_an_unreadable_definition_names_file_and_line(self):
        with self.assertRaises(provisioning.DocumentError) as cm:
            Workflow.parse("operations: [\n", "yaml", "broken.yaml")
        self.assertEqual(cm.exception.file, "broken.yaml")


class RunTests(unittest.TestCase):
    def test_a_run_delivers_its_events_in_order_on_the_calling_thread(self):
        env = Environment(self)
        events, threads = [], set()

        def on_event(event):
            events.append(event)
            threads.add(threading.get_ident())
        result = env.runner.run(chain("wf-events"), on_event=on_event)
        self.assertTrue(result.ok)
        self.assertEqual(events[0].type, "WorkflowStarted")
        self.assertEqual(events[-1].type, "WorkflowCompleted")
        self.assertEqual([e["op"] for e in events if e.type == "OperationCompleted"],
                         ["db", "web", "dns"])
        self.assertEqual([e.seq for e in events], sorted(e.seq for e in events))
        self.assertEqual(threads, {threading.get_ident()})
        self.assertEqual(result.missed_events, 0)

    def test_outputs_flow_between_operations(self):
        env = Environment(self)
        result = env.runner.run(chain("wf-outputs"))
        operations = result.data["operations"]
        self.assertEqual(operations["web"]["output"]["tags"]["db"],
                         operations["db"]["output"]["ip_address"])

    def test_the_run_leaves_a_checkpoint(self):
        env = Environment(self)
        env.runner.run(chain("wf-checkpoint"))
        [summary] = env.store.list()
        self.assertEqual((summary.workflow_id, summary.step), ("wf-checkpoint", 3))
        checkpoint = env.store.load("wf-checkpoint")
        self.assertEqual(sorted(checkpoint["completed_operations"]), ["db", "dns", "web"])

    def test_running_a_finished_workflow_again_calls_nothing(self):
        env = Environment(self)
        env.runner.run(chain("wf-again"))
        events = []
        result = env.runner.run(chain("wf-again"), on_event=events.append)
        self.assertTrue(result.ok)
        self.assertNotIn("OperationStarted", [e.type for e in events])

    def test_another_definition_under_the_same_id_conflicts(self):
        env = Environment(self)
        env.runner.run(chain("wf-conflict"))
        with self.assertRaises(provisioning.ProvisioningError) as cm:
            env.runner.run(chain("wf-conflict", on_failure="continue"))
        self.assertEqual(cm.exception.code, Status.ECONFLICT)
        self.assertIsNone(cm.exception.result)

    def test_a_failure_rolls_back_and_raises_with_the_result(self):
        env = Environment(self)
        events = []
        with self.assertRaises(provisioning.WorkflowError) as cm:
            env.runner.run(chain("wf-fails", fail="web-1"), on_event=events.append)
        result = cm.exception.result
        self.assertEqual(cm.exception.code, Status.EWORKFLOW)
        self.assertEqual(result.status, "error")
        self.assertTrue(result.data["rolled_back"])
        self.assertIn("ResourceDeleted", [e.type for e in events])

    def test_a_partial_run_is_rolled_back_on_request(self):
        env = Environment(self)
        with self.assertRaises(provisioning.WorkflowError) as cm:
            env.runner.run(chain("wf-partial", fail="web-1", on_failure="continue"))
        self.assertEqual(cm.exception.code, Status.EPARTIAL)
        self.assertFalse(cm.exception.result.data["rolled_back"])
        result = env.runner.rollback("wf-partial")
        self.assertTrue(result.data["rolled_back"])
        self.assertEqual(len(result.data["undone"]), 1)

    def test_resume_of_an_unknown_id_is_not_found(self):
        env = Environment(self)
        with self.assertRaises(provisioning.ProvisioningError) as cm:
            env.runner.resume("wf-never-ran")
        self.assertEqual(cm.exception.code, Status.ENOTFOUND)


class CheckpointStoreTests(unittest.TestCase):
    def test_an_empty_store_lists_nothing(self):
        store = provisioning.CheckpointStore(os.path.join(scratch_dir(self), "none-yet"))
        self.assertEqual(store.list(), [])
        with self.assertRaises(provisioning.ProvisioningError) as cm:
            store.load("wf-absent")
        self.assertEqual(cm.exception.code, Status.ENOTFOUND)

    def test_an_unknown_kind_of_store_is_refused(self):
        with self.assertRaises(provisioning.ConfigurationError) as cm:
            provisioning.CheckpointStore(scratch_dir(self), kind="floppy")
        self.assertEqual(cm.exception.code, Status.EINVAL)
        self.assertIn("floppy", cm.exception.message)

    @unittest.skipUnless(provisioning.version().features & provisioning.FEATURE_ETCD,
                         "the etcd store is not compiled in")
    def test_an_unreachable_etcd_store_names_its_endpoint(self):
        store = provisioning.CheckpointStore(kind="etcd", etcd={
            "endpoints": ["http://127.0.0.1:9"], "connect_timeout_ms": 200,
            "request_timeout_ms": 200, "retry_timeout_ms": 300})
        with self.assertRaises(provisioning.ProvisioningError) as cm:
            store.list()
        self.assertIn("127.0.0.1:9", cm.exception.message)

    def test_etcd_settings_are_checked_by_name(self):
        with self.assertRaises(TypeError) as cm:
            provisioning.CheckpointStore(kind="etcd", etcd={"lease_ttl": 5})
        self.assertIn("lease_ttl", str(cm.exception))
        with self.assertRaises(provisioning.ConfigurationError) as cm:
            provisioning.CheckpointStore(kind="etcd", etcd={"endpoints": ["ftp://x"]})
        self.assertIn("ftp://x", cm.exception.message)

    def test_listing_filters_by_prefix(self):
        env = Environment(self)
        env.runner.run(chain("wf-a"))
        env.runner.run(chain("other-b"))
        self.assertEqual([s.workflow_id for s in env.store.list(prefix="wf-")], ["wf-a"])


class CancelTests(unittest.TestCase):
    SLOW = "providers: {local: {latency_ms: 60000}}"

    def cancelled_run(self, workflow_id, stop):
        """A run on a slow provider, stopped by `stop` at its first operation."""
        env = Environment(self, config=self.SLOW)

        def on_event(event):
            if event.type == "OperationStarted":
                stop(env)
        return env, chain(workflow_id), on_event

    def test_cancel_from_the_event_callback_saves_a_resumable_run(self):
        env, workflow, on_event = self.cancelled_run("wf-cancel", lambda env: env.runner.cancel())
        with self.assertRaises(provisioning.WorkflowError) as cm:
            env.runner.run(workflow, on_event=on_event)
        self.assertEqual(cm.exception.code, Status.ECANCELLED)
        self.assertEqual(cm.exception.result.status, "cancelled")
        resumed = Environment(self, base=env.base).runner.resume("wf-cancel")
        self.assertTrue(resumed.ok)
        self.assertEqual(sorted(resumed.data["operations"]), ["db", "dns", "web"])

    def test_an_exception_in_the_callback_cancels_and_is_raised(self):
        def broken(env):
            raise LookupError("callback broke")
        env, workflow, on_event = self.cancelled_run("wf-broken", broken)
        with self.assertRaises(LookupError):
            env.runner.run(workflow, on_event=on_event)
        self.assertEqual(env.store.load("wf-broken")["completed_operations"], [])

    def test_keyboard_interrupt_cancels_the_run_and_the_runner_stays_usable(self):
        def interrupt(env):
            raise KeyboardInterrupt()
        env, workflow, on_event = self.cancelled_run("wf-interrupt", interrupt)
        with self.assertRaises(KeyboardInterrupt):
            env.runner.run(workflow, on_event=on_event)
        with self.assertRaises(provisioning.ProvisioningError) as cm:
            env.runner.resume("wf-unknown")
        self.assertEqual(cm.exception.code, Status.ENOTFOUND)

    def test_cancel_from_another_thread(self):
        env = Environment(self, config=self.SLOW)
        started = threading.Event()
        canceller = threading.Thread(target=lambda: started.wait(10) and env.runner.cancel())
        canceller.start()

        def on_event(event):
            if event.type == "OperationStarted":
                started.set()
        with self.assertRaises(provisioning.WorkflowError) as cm:
            env.runner.run(chain("wf-thread"), on_event=on_event)
        canceller.join()
        self.assertEqual(cm.exception.code, Status.ECANCELLED)

    def test_a_runner_cannot_be_closed_during_its_call(self):
        env = Environment(self)
        refused = []

        def close(event):
            if not refused:
                try:
                    env.runner.close()
                except RuntimeError as e:
                    refused.append(e)
        env.runner.run(chain("wf-close"), on_event=close)
        self.assertEqual(len(refused), 1)


if __name__ == "__main__":
    unittest.main()
