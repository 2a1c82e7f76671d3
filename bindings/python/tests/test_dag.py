"""DAGs of Python callables: order, runs on library threads, failures,
cancellation, callbacks and the report."""

import gc
import threading
import unittest

import provisioning
from provisioning import Dag, Dependency, FailurePolicy, Retry, State, Status
from provisioning._native import handles

WAIT = 10  # seconds; a barrier that waits this long means the test failed


def chain(*ids, task=None):
    dag = Dag()
    for node_id in ids:
        dag.add_node(node_id, task)
    for before, after in zip(ids, ids[1:]):
        dag.add_dependency(after, before)
    return dag


class GraphTests(unittest.TestCase):
    def test_order_and_levels(self):
        dag = Dag()
        for node_id in ("web", "db", "net"):
            dag.add_node(node_id)
        dag.add_dependency("web", "db")
        dag.add_dependency("db", "net", Dependency.SOFT)
        self.assertEqual(dag.topological_order(), ["net", "db", "web"])
        self.assertEqual(dag.levels(), [["net"], ["db"], ["web"]])
        self.assertEqual(len(dag), 3)
        self.assertEqual(dag.index("net"), 2)

    def test_a_cycle_is_named(self):
        dag = chain("a", "b", "c")
        dag.add_dependency("a", "c")
        with self.assertRaises(provisioning.ProvisioningError) as cm:
            dag.validate()
        self.assertEqual(cm.exception.code, Status.ECYCLE)
        self.assertIn("a -> c -> b -> a", cm.exception.message)

    def test_a_duplicate_id_is_refused(self):
        dag = Dag().add_node("a")
        with self.assertRaises(provisioning.ProvisioningError) as cm:
            dag.add_node("a")
        self.assertEqual(cm.exception.code, Status.EEXISTS)

    def test_dot_shows_the_states_of_the_last_run(self):
        dag = chain("a", "b")
        dag.run()
        self.assertIn('"a" -> "b"', dag.to_dot())


class RunTests(unittest.TestCase):
    def test_tasks_run_in_dependency_order_and_complete(self):
        ran = []
        dag = chain("a", "b", "c", task=lambda ctx: ran.append(ctx.node_id))
        report = dag.run(parallelism=2)
        self.assertEqual(ran, ["a", "b", "c"])
        self.assertTrue(report.ok)
        self.assertEqual(set(report.states().values()), {State.COMPLETED})
        self.assertEqual(report["b"].attempts, 1)

    def test_independent_tasks_run_at_once_on_library_threads(self):
        barrier = threading.Barrier(2, timeout=WAIT)
        threads = set()

        def meet(ctx):
            threads.add(threading.get_ident())
            barrier.wait()
        dag = Dag().add_node("x", meet).add_node("y", meet)
        dag.run(parallelism=2)
        self.assertEqual(len(threads), 2)

    def test_the_context_tells_the_attempt_and_deadline(self):
        seen = []

        def task(ctx):
            seen.append((ctx.node_id, ctx.attempt, ctx.deadline_ns > ctx.now_ns(),
                         ctx.remaining_ms() is not None, ctx.cancelled))
        Dag().add_node("a", task, timeout_ms=60000).run()
        self.assertEqual(seen, [("a", 1, True, True, False)])

    def test_a_context_is_invalid_after_its_call(self):
        kept = []
        Dag().add_node("a", kept.append).run()
        with self.assertRaises(ValueError):
            kept[0].attempt

    def test_marked_nodes_are_not_run(self):
        ran = []
        dag = chain("a", "b", task=lambda ctx: ran.append(ctx.node_id))
        dag.mark_completed("a")
        dag.run()
        self.assertEqual(ran, ["b"])

    def test_callbacks_stay_alive_without_other_references(self):
        counter = []
        dag = Dag()
        for i in range(20):
            dag.add_node("n%d" % i, (lambda i: lambda ctx: counter.append(i))(i))
        gc.collect()
        dag.run(parallelism=2, on_start=lambda e: gc.collect())
        self.assertEqual(sorted(counter), list(range(20)))

    def test_closing_a_graph_releases_its_callbacks(self):
        before = len(handles)
        dag = chain("a", "b", task=lambda ctx: None)
        dag.run()
        self.assertEqual(len(handles), before + 2)
        dag.close()
        self.assertEqual(len(handles), before)


class FailureTests(unittest.TestCase):
    def test_an_exception_fails_the_node_and_is_kept(self):
        def boom(ctx):
            raise KeyError("missing")
        dag = chain("a", "b")
        dag.add_node("c", boom)
        dag.add_dependency("b", "c")
        with self.assertRaises(provisioning.WorkflowError) as cm:
            dag.run()
        report = cm.exception.report
        self.assertEqual(cm.exception.code, Status.EWORKFLOW)
        self.assertEqual(report["c"].state, State.FAILED)
        self.assertEqual(report["c"].error_message, "KeyError: 'missing'")
        self.assertIsInstance(report["c"].exception, KeyError)
        self.assertEqual(report["b"].state, State.SKIPPED)

    def test_a_provisioning_error_keeps_its_code(self):
        def quota(ctx):
            raise provisioning.ProviderError("quota exceeded", Status.EPROVIDER)
        with self.assertRaises(provisioning.WorkflowError) as cm:
            Dag().add_node("a", quota).run()
        node = cm.exception.report["a"]
        self.assertEqual((node.error_code, node.error_message), (Status.EPROVIDER, "quota exceeded"))

    def test_a_library_error_raised_in_a_task_keeps_its_whole_record(self):
        resolver = provisioning.Resolver()
        resolver.add_string("a: text\n", "yaml", provisioning.Layer.PROJECT, "p.yaml")
        config = resolver.resolve()
        dag = Dag().add_node("read", lambda ctx: config.get_int("a"))
        with self.assertRaises(provisioning.WorkflowError) as cm:
            dag.run()
        node = cm.exception.report["read"]
        self.assertEqual(node.error_code, Status.ETYPE)
        self.assertIn("p.yaml:1", node.error_message)

    def test_retries_until_success(self):
        attempts = []

        def flaky(ctx):
            attempts.append(ctx.attempt)
            if ctx.attempt < 3:
                raise RuntimeError("not yet")
        retried = []
        report = Dag().add_node("a", flaky, retry=Retry(max_attempts=3)).run(
            on_retry=retried.append)
        self.assertEqual(attempts, [1, 2, 3])
        self.assertEqual(report["a"].attempts, 3)
        self.assertEqual([e.error_message for e in retried], ["RuntimeError: not yet"] * 2)

    def test_a_failure_marked_final_is_not_retried(self):
        def final(ctx):
            ctx.set_retryable(False)
            raise RuntimeError("final")
        with self.assertRaises(provisioning.WorkflowError) as cm:
            Dag().add_node("a", final).run(retry=Retry(max_attempts=5))
        self.assertEqual(cm.exception.report["a"].attempts, 1)

    def test_continue_policy_gives_a_partial_run(self):
        def boom(ctx):
            raise RuntimeError("boom")
        dag = Dag().add_node("bad", boom, on_failure=FailurePolicy.CONTINUE)
        dag.add_node("after", None).add_dependency("after", "bad")
        dag.add_node("other", None)
        with self.assertRaises(provisioning.WorkflowError) as cm:
            dag.run()
        self.assertEqual(cm.exception.code, Status.EPARTIAL)
        self.assertEqual(cm.exception.report.states(), {
            "bad": State.FAILED, "after": State.SKIPPED, "other": State.COMPLETED})


class CancellationTests(unittest.TestCase):
    def test_cancel_from_a_task_stops_the_run(self):
        dag = Dag()
        dag.add_node("a", lambda ctx: dag.cancel())
        dag.add_node("b", None).add_dependency("b", "a")
        with self.assertRaises(provisioning.WorkflowError) as cm:
            dag.run()
        self.assertEqual(cm.exception.code, Status.ECANCELLED)
        self.assertEqual(cm.exception.report["b"].state, State.CANCELLED)

    def test_cancel_from_another_python_thread_while_a_task_waits(self):
        started = threading.Event()

        def wait_for_cancel(ctx):
            started.set()
            for _ in range(WAIT * 100):
                if ctx.cancelled:
                    raise provisioning.WorkflowError("cancelled", Status.ECANCELLED)
                threading.Event().wait(0.01)
        dag = Dag().add_node("a", wait_for_cancel)
        canceller = threading.Thread(target=lambda: started.wait(WAIT) and dag.cancel())
        canceller.start()
        with self.assertRaises(provisioning.WorkflowError) as cm:
            dag.run(parallelism=2)
        canceller.join()
        self.assertEqual(cm.exception.report["a"].state, State.CANCELLED)

    def test_keyboard_interrupt_in_a_task_cancels_and_is_raised_again(self):
        def interrupted(ctx):
            raise KeyboardInterrupt()
        dag = chain("a", "b")
        dag.add_node("c", interrupted)
        dag.add_dependency("a", "c")
        with self.assertRaises(KeyboardInterrupt):
            dag.run()
        self.assertEqual(dag.report()["b"].state, State.CANCELLED)

    def test_an_exception_in_a_callback_cancels_and_is_raised(self):
        def broken(event):
            raise ValueError("callback broke")
        dag = chain("a", "b", "c")
        with self.assertRaises(ValueError):
            dag.run(on_finish=broken)
        self.assertEqual(dag.report()["c"].state, State.CANCELLED)

    def test_a_graph_cannot_be_closed_while_it_runs(self):
        errors = []

        def close_self(ctx):
            try:
                dag.close()
            except RuntimeError as e:
                errors.append(e)
        dag = Dag().add_node("a", close_self)
        dag.run()
        self.assertEqual(len(errors), 1)
        self.assertFalse(dag.closed)


class EventTests(unittest.TestCase):
    def test_start_and_finish_callbacks_see_each_node(self):
        events = []
        lock = threading.Lock()

        def record(event):
            with lock:
                events.append((event.node_id, event.state))
        chain("a", "b").run(parallelism=2, on_start=record, on_finish=record)
        self.assertEqual(events, [("a", State.RUNNING), ("a", State.COMPLETED),
                                  ("b", State.RUNNING), ("b", State.COMPLETED)])


if __name__ == "__main__":
    unittest.main()
