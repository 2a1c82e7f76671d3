"""Config through the binding: layers, typed get, origins, dumps, schemas."""

import threading
import unittest

import provisioning
from provisioning import Format, Layer, Status, ValueType

from support import scratch_dir, write_file

PROJECT = """\
servers:
  count: 3
  names: [web, db]
providers:
  local:
    zone: de-fra1
    ratio: 0.5
    enabled: true
    api_token: hunter2
created: 2026-11-25T12:00:00Z
"""


def project_config(*overrides, **environment):
    resolver = provisioning.Resolver()
    resolver.add_string(PROJECT, Format.YAML, Layer.PROJECT, "provisioning.yaml")
    if environment:
        resolver.add_environment(environment)
    for assignment in overrides:
        resolver.add_override(assignment)
    return resolver.resolve()


class LayerTests(unittest.TestCase):
    def test_higher_layers_win_whatever_the_order_added(self):
        resolver = provisioning.Resolver()
        resolver.add_override("providers.local.zone=runtime-1")
        resolver.add_string("providers: {local: {zone: explicit-1}}", "yaml",
                            Layer.EXPLICIT, "explicit.yaml")
        resolver.add_string(PROJECT, Format.YAML, Layer.PROJECT, "provisioning.yaml")
        config = resolver.resolve()
        self.assertEqual(config.get("providers.local.zone"), "runtime-1")
        self.assertEqual(config.get("providers.local.ratio"), 0.5)

    def test_tables_merge_and_arrays_replace(self):
        resolver = provisioning.Resolver()
        resolver.add_string(PROJECT, Format.YAML, Layer.PROJECT, "provisioning.yaml")
        resolver.add_string('[servers]\nnames = ["api"]\n', "toml", Layer.EXPLICIT, "x.toml")
        config = resolver.resolve()
        self.assertEqual(config.get("servers"), {"count": 3, "names": ["api"]})

    def test_environment_variables_take_the_type_of_lower_layers(self):
        config = project_config(PROVISIONING_SERVERS__COUNT="7")
        self.assertEqual(config.get("servers.count"), 7)
        self.assertEqual(config.origin("servers.count").file, "PROVISIONING_SERVERS__COUNT")

    def test_files_are_read_by_extension(self):
        directory = scratch_dir(self)
        path = write_file(directory, "extra.toml", "[servers]\ncount = 9\n")
        resolver = provisioning.Resolver()
        resolver.add_file(path)
        config = resolver.resolve()
        self.assertEqual(config.get("servers.count"), 9)
        self.assertEqual(config.origin("servers.count"), (
            "explicit", path, 2))

    def test_discovery_reads_only_the_places_given(self):
        directory = scratch_dir(self)
        write_file(directory, "provisioning.toml", 'name = "project"\ncount = 1\n')
        resolver = provisioning.Resolver()
        resolver.discover(cwd=directory, defaults_dir="", system_dir="", user_dir="",
                          environment={"PROVISIONING_COUNT": "ignored",
                                       "PROVISIONING_SERVERS__COUNT": "4"})
        config = resolver.resolve()
        self.assertEqual(config.origin("name").layer, "project")
        self.assertEqual(config.get("count"), 1)
        self.assertEqual(config.get("servers.count"), "4")
        self.assertEqual(config.get("paths.base"), directory)

    def test_interpolation_errors_name_the_file_and_line(self):
        resolver = provisioning.Resolver()
        resolver.add_string("a: 1\nb: '{{nowhere.key}}'\n", "yaml", Layer.PROJECT, "p.yaml")
        with self.assertRaises(provisioning.ConfigurationError) as cm:
            resolver.resolve()
        self.assertEqual(cm.exception.code, Status.ECONFIG)
        self.assertIn("p.yaml:2", cm.exception.message)


class GetTests(unittest.TestCase):
    def setUp(self):
        self.config = project_config()
        self.addCleanup(self.config.close)

    def test_get_returns_python_values_of_each_type(self):
        c = self.config
        self.assertEqual(c.get("servers.count"), 3)
        self.assertEqual(c.get("providers.local.ratio"), 0.5)
        self.assertIs(c.get("providers.local.enabled"), True)
        self.assertEqual(c.get("providers.local.zone"), "de-fra1")
        self.assertEqual(c.get("servers.names"), ["web", "db"])
        self.assertEqual(c.get("servers.names.1"), "db")
        self.assertEqual(c.get("servers")["count"], 3)

    def test_types_are_reported(self):
        self.assertEqual(self.config.type("servers"), ValueType.TABLE)
        self.assertEqual(self.config.type("servers.names"), ValueType.ARRAY)
        self.assertEqual(self.config.type("servers.count"), ValueType.INT)

    def test_typed_getters_refuse_other_types(self):
        with self.assertRaises(provisioning.ProvisioningError) as cm:
            self.config.get_int("providers.local.ratio")
        self.assertEqual(cm.exception.code, Status.ETYPE)
        self.assertEqual(self.config.get_float("servers.count"), 3.0)

    def test_a_missing_key_raises_or_gives_the_default(self):
        with self.assertRaises(provisioning.ProvisioningError) as cm:
            self.config.get("servers.missing")
        self.assertEqual(cm.exception.code, Status.ENOTFOUND)
        self.assertEqual(self.config.get("servers.missing", 42), 42)
        self.assertNotIn("servers.missing", self.config)
        self.assertIn("servers.count", self.config)
        with self.assertRaises(KeyError):
            self.config["servers.missing"]

    def test_keys_and_lengths(self):
        self.assertEqual(self.config.keys("servers"), ["count", "names"])
        self.assertEqual(self.config.length("servers.names"), 2)

    def test_origins_name_layer_file_and_line(self):
        origin = self.config.origin("providers.local.zone")
        self.assertEqual(origin, ("project", "provisioning.yaml", 6))
        self.assertEqual(origin.layer, "project")

    def test_strings_outlive_the_config(self):
        zone = self.config.get_string("providers.local.zone")
        self.config.close()
        self.assertEqual(zone, "de-fra1")

    def test_a_config_is_read_from_many_threads_at_once(self):
        results = []

        def read():
            results.append(all(self.config.get("servers.count") == 3 for _ in range(500)))
        threads = [threading.Thread(target=read) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(results, [True] * 4)


class DumpTests(unittest.TestCase):
    def test_dumps_redact_secrets_unless_asked(self):
        config = project_config()
        self.assertIn('"***"', config.dump("providers", Format.JSON))
        self.assertNotIn("hunter2", config.dump("providers", "toml"))
        self.assertIn("hunter2", config.dump("providers", Format.YAML, secrets=True))

    def test_json_of_any_subtree(self):
        self.assertEqual(project_config().json("servers.names"), '["web","db"]')

    def test_secret_keys_are_recognised(self):
        self.assertTrue(provisioning.is_secret_key("providers.aws.API_KEY"))
        self.assertFalse(provisioning.is_secret_key("providers.aws.region"))
        self.assertEqual(provisioning.layer_name(Layer.WORKSPACE), "workspace")


class SchemaTests(unittest.TestCase):
    SCHEMA = """\
[keys."servers.count"]
type = "integer"
max = 2
[keys."providers.*.zone"]
pattern = "^[a-z]{2}-[a-z]+[0-9]$"
[keys."servers.required_one"]
required = true
"""

    def test_every_violation_is_reported_with_its_origin(self):
        schema = provisioning.Schema.parse(self.SCHEMA, "toml", "schema.toml")
        config = project_config("providers.local.zone=Nowhere")
        with self.assertRaises(provisioning.ConfigurationError) as cm:
            config.validate(schema)
        violations = cm.exception.violations
        self.assertEqual(sorted(v["key"] for v in violations),
                         ["providers.local.zone", "servers.count", "servers.required_one"])
        count = next(v for v in violations if v["key"] == "servers.count")
        self.assertEqual((count["file"], count["line"]), ("provisioning.yaml", 2))
        self.assertIn("3 schema violations", cm.exception.message)

    def test_a_valid_config_passes(self):
        schema = provisioning.Schema.parse('[keys."servers.count"]\ntype = "integer"\n', "toml")
        self.assertIsNone(project_config().validate(schema))

    def test_the_resolvers_schema_types_overrides(self):
        directory = scratch_dir(self)
        path = write_file(directory, "schema.toml", '[keys."servers.label"]\ntype = "string"\n')
        resolver = provisioning.Resolver()
        resolver.set_schema(provisioning.Schema.load(path))
        resolver.add_override("servers.label=123")
        config = resolver.resolve()
        self.assertEqual(config.get("servers.label"), "123")
        config.validate()

    def test_a_malformed_schema_names_its_file(self):
        with self.assertRaises(provisioning.ProvisioningError) as cm:
            provisioning.Schema.parse('[keys."a"]\ntype = "nonsense"\n', "toml", "bad.toml")
        self.assertIn("bad.toml", cm.exception.message)


if __name__ == "__main__":
    unittest.main()
