"""The ctypes declarations of public structs match the C compiler's layout."""

import ctypes
import json
import os
import subprocess
import unittest

from provisioning import _native

DECLARED = {
    "prov_error": _native.Error,
    "prov_version_info": _native.VersionInfo,
    "prov_config_discovery_options": _native.ConfigDiscoveryOptions,
    "prov_dag_retry_policy": _native.DagRetryPolicy,
    "prov_dag_node_options": _native.DagNodeOptions,
    "prov_dag_run_options": _native.DagRunOptions,
    "prov_bus_options": _native.BusOptions,
    "prov_bus_subscribe_options": _native.BusSubscribeOptions,
    "prov_plugin_options": _native.PluginOptions,
    "prov_call_options": _native.CallOptions,
    "prov_extension_options": _native.ExtensionOptions,
    "prov_checkpoint_etcd_options": _native.CheckpointEtcdOptions,
    "prov_checkpoint_store_options": _native.CheckpointStoreOptions,
    "prov_checkpoint_list_options": _native.CheckpointListOptions,
    "prov_workflow_options": _native.WorkflowOptions,
}


@unittest.skipUnless(os.environ.get("PROV_LAYOUT_PROBE"), "needs the layout probe")
class LayoutTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # The probe carries its own sanitizer runtime, if any; the one
        # preloaded for the interpreter would clash with it.
        env = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD"}
        output = subprocess.run([os.environ["PROV_LAYOUT_PROBE"]], check=True, env=env,
                                capture_output=True, text=True).stdout
        cls.layouts = json.loads(output)

    def test_every_declared_struct_is_probed(self):
        self.assertEqual(set(self.layouts), set(DECLARED))

    def test_sizes_match(self):
        for name, cls in DECLARED.items():
            with self.subTest(name):
                self.assertEqual(ctypes.sizeof(cls), self.layouts[name]["size"])

    def test_members_and_offsets_match(self):
        for name, cls in DECLARED.items():
            with self.subTest(name):
                offsets = {field: getattr(cls, field).offset for field, _ in cls._fields_}
                self.assertEqual(offsets, self.layouts[name]["members"])

    def test_every_function_the_binding_declares_is_exported(self):
        missing = [name for name in _native.PROTOTYPES if not _native.lib.has(name)]
        self.assertEqual(missing, [])


if __name__ == "__main__":
    unittest.main()
