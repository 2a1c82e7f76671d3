"""Provider plugins through the public plugin API: listing, calls, failures,
and the host services answered by Python."""

import os
import threading
import unittest

import provisioning
from provisioning import Registry, Status
from provisioning.providers import _publish_trampoline
from provisioning._native import handles

from support import scratch_dir, test_plugin_dir

WAIT = 10


def registry_with_local(testcase, **config):
    registry = Registry()
    testcase.addCleanup(registry.close)
    config.setdefault("state_dir", scratch_dir(testcase))
    registry.add_provider("local", config)
    return registry


class ListingTests(unittest.TestCase):
    def test_the_shipped_plugins_are_listed(self):
        with Registry() as registry:
            plugins = {p["name"]: p for p in registry.plugins()["plugins"]}
        self.assertEqual(plugins["local"]["kind"], "provider")
        self.assertIn("exec", plugins)

    def test_without_search_path_nothing_is_loaded(self):
        with Registry(ignore_environment=True, ignore_default_dir=True) as registry:
            self.assertEqual(registry.plugins()["plugins"], [])

    def test_explicit_paths_are_searched(self):
        directory = os.environ["PROVISIONING_PLUGIN_PATH"]
        with Registry(paths=[directory], ignore_environment=True,
                      ignore_default_dir=True) as registry:
            names = [p["name"] for p in registry.plugins()["plugins"]]
        self.assertIn("local", names)


class CallTests(unittest.TestCase):
    def test_servers_are_created_listed_read_and_deleted(self):
        registry = registry_with_local(self)
        server = registry.create_server("local", {"hostname": "web-1", "plan": "2xCPU-4GB"})
        self.assertEqual((server["hostname"], server["provider"]), ("web-1", "local"))
        self.assertEqual(registry.get_server("local", server["id"])["hostname"], "web-1")
        self.assertEqual([s["id"] for s in registry.list_servers("local")], [server["id"]])
        self.assertEqual(registry.delete_server("local", server["id"])["status"], "deleted")

    def test_create_is_idempotent_by_hostname(self):
        registry = registry_with_local(self)
        first = registry.create_server("local", {"hostname": "db-1"})
        again = registry.create_server("local", {"hostname": "db-1"})
        self.assertEqual(first["id"], again["id"])

    def test_call_returns_the_data_exchange_document(self):
        registry = registry_with_local(self)
        document = registry.call("local", "list_zones", workflow_id="wf-1", operation_id="z")
        self.assertEqual(document["status"], "success")
        self.assertEqual(document["context"]["idempotency_key"], "wf-1/z")
        self.assertEqual(document["result"]["data"][0]["name"], "local-1")

    def test_a_provider_failure_carries_the_document(self):
        registry = registry_with_local(self, fail_on=["bad-1"])
        with self.assertRaises(provisioning.ProviderError) as cm:
            registry.create_server("local", {"hostname": "bad-1"})
        e = cm.exception
        self.assertEqual((e.code, e.provider), (Status.EPROVIDER, "local"))
        self.assertEqual(e.document["status"], "error")
        self.assertEqual(e.document["error"]["code"], "INJECTED_FAILURE")

    def test_an_unknown_instance_is_not_found(self):
        with Registry() as registry:
            with self.assertRaises(provisioning.ProvisioningError) as cm:
                registry.list_servers("nowhere")
        self.assertEqual(cm.exception.code, Status.ENOTFOUND)

    def test_an_unknown_action_is_unsupported(self):
        registry = registry_with_local(self)
        with self.assertRaises(provisioning.ProvisioningError) as cm:
            registry.call("local", "teleport_server")
        self.assertEqual(cm.exception.code, Status.EUNSUPPORTED)

    def test_a_call_past_its_deadline_times_out(self):
        registry = registry_with_local(self, latency_ms=200)
        with self.assertRaises(provisioning.ProvisioningError) as cm:
            registry.list_servers("local", timeout_ms=20)
        self.assertEqual(cm.exception.code, Status.ETIMEOUT)

    def test_a_bad_instance_config_is_refused_naming_the_instance(self):
        with Registry() as registry:
            with self.assertRaises(provisioning.ProvisioningError) as cm:
                registry.add_provider("local", {"cidr": "not a network"})
        self.assertEqual(cm.exception.code, Status.EPLUGIN)
        self.assertIn("local", cm.exception.message)

    def test_calls_from_many_python_threads(self):
        registry = registry_with_local(self)
        errors = []

        def create(n):
            try:
                registry.create_server("local", {"hostname": "h-%d" % n})
            except provisioning.ProvisioningError as e:
                errors.append(e)
        threads = [threading.Thread(target=create, args=(n,)) for n in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])
        self.assertEqual(len(registry.list_servers("local")), 8)


@unittest.skipUnless(test_plugin_dir(), "needs the test plugins")
class CancellationTests(unittest.TestCase):
    def setUp(self):
        self.registry = Registry(paths=[test_plugin_dir()], ignore_environment=True,
                                 ignore_default_dir=True)
        self.addCleanup(self.registry.close)
        self.registry.add_provider("fake", {})

    def test_a_python_event_cancels_a_call(self):
        cancel = threading.Event()
        threading.Timer(0.02, cancel.set).start()
        with self.assertRaises(provisioning.ProvisioningError) as cm:
            self.registry.create_server("fake", {"hostname": "patient"}, cancelled=cancel,
                                        timeout_ms=WAIT * 1000)
        self.assertEqual(cm.exception.code, Status.ECANCELLED)

    def test_a_callable_cancels_a_call_and_is_released(self):
        before = len(handles)
        polls = []
        with self.assertRaises(provisioning.ProvisioningError):
            self.registry.create_server("fake", {"hostname": "patient"},
                                        cancelled=lambda: polls.append(1) or len(polls) > 3)
        self.assertGreaterEqual(len(polls), 4)
        self.assertEqual(len(handles), before)


class ServiceTests(unittest.TestCase):
    def test_plugins_read_config_from_a_python_config(self):
        base = scratch_dir(self)
        resolver = provisioning.Resolver()
        resolver.set_base_dir(base)
        with Registry(config=resolver.resolve()) as registry:
            registry.add_provider("local", {})
            server = registry.create_server("local", {"hostname": "web-1"})
        record = os.path.join(base, ".provisioning", "local", "servers", server["id"] + ".json")
        self.assertTrue(os.path.exists(record), record)

    def test_a_callable_answers_config_lookups(self):
        base = scratch_dir(self)
        asked = []

        def config(key):
            asked.append(key)
            return base if key == "paths.base" else None
        with Registry(config=config) as registry:
            registry.add_provider("local", {})
        self.assertIn("paths.base", asked)

    @unittest.skipUnless(test_plugin_dir(), "needs the test plugins")
    def test_plugin_log_lines_reach_python(self):
        lines = []
        with Registry(paths=[test_plugin_dir()], ignore_environment=True,
                      ignore_default_dir=True,
                      log=lambda level, instance, message: lines.append((instance, message))
                      ) as registry:
            with self.assertRaises(provisioning.ProvisioningError):
                registry.add_provider("broken", {"plugin": "bad-init"})
        self.assertIn(("broken", "cannot reach the fake cloud"), lines)

    def test_published_plugin_events_go_to_a_bus(self):
        bus = provisioning.Bus()
        sub = bus.subscribe()
        with Registry(publish=bus) as registry:
            status = _publish_trampoline(b"local", b'{"type":"ResourceCreated","resource_id":"s"}',
                                         registry._key)
        self.assertEqual(status, 0)
        event = sub.receive(0)
        self.assertEqual((event.type, event["resource_id"]), ("ResourceCreated", "s"))


if __name__ == "__main__":
    unittest.main()
