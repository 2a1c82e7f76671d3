"""Status codes become exceptions chosen by category, with the library's
message and context."""

import os
import unittest

import provisioning
from provisioning import _native, errors
from provisioning.errors import Category, Status

from support import scratch_dir, test_plugin_dir, write_file


class StatusTests(unittest.TestCase):
    def test_status_values_match_the_library_names(self):
        for status in Status:
            self.assertNotEqual(provisioning.strerror(status), "unknown error", status)
        self.assertEqual(provisioning.strerror(Status.ENOTFOUND), "not found")

    def test_category_names_come_from_the_library(self):
        self.assertEqual(provisioning.category_name(Category.CONFIGURATION), "configuration")

    def test_every_category_has_its_own_exception_class(self):
        classes = {errors.CATEGORY_CLASSES[c] for c in Category if c != Category.NONE}
        self.assertEqual(len(classes), len(Category) - 1)
        for cls in classes:
            self.assertTrue(issubclass(cls, provisioning.ProvisioningError))


class MappingTests(unittest.TestCase):
    def test_category_picks_the_class_and_code_is_kept(self):
        e = errors.make_error("bad", Status.ENOTFOUND, Category.PROVIDER, provider="aws")
        self.assertIsInstance(e, provisioning.ProviderError)
        self.assertEqual(e.code, Status.ENOTFOUND)
        self.assertEqual(e.provider, "aws")
        self.assertEqual(str(e), "bad")

    def test_without_a_category_the_code_implies_one(self):
        self.assertIsInstance(errors.make_error("", Status.EPARSE), provisioning.DocumentError)
        self.assertIsInstance(errors.make_error("", Status.EINVAL), ValueError)
        self.assertIsInstance(errors.make_error("", Status.ENOMEM), MemoryError)
        self.assertIsInstance(errors.make_error("", Status.EIO), OSError)

    def test_an_empty_message_becomes_the_code_name(self):
        self.assertEqual(str(errors.make_error("", Status.ETIMEOUT)), "timed out")

    def test_codes_newer_than_the_binding_stay_integers(self):
        e = errors.make_error("future", -999, 99)
        self.assertEqual((e.code, e.category), (-999, 99))
        self.assertIs(type(e), provisioning.ProvisioningError)

    def test_a_status_without_a_recorded_error_still_raises_its_code(self):
        provisioning._native.lib.prov_error_clear()
        with self.assertRaises(provisioning.ProvisioningError) as cm:
            errors.check(Status.EBUSY)
        self.assertEqual(cm.exception.code, Status.EBUSY)

    def test_success_is_returned_not_raised(self):
        self.assertEqual(errors.check(0), 0)
        self.assertEqual(errors.check(3), 3)

    def test_fields_past_the_size_the_library_filled_are_not_read(self):
        err = _native.Error(code=-4, category=5, message=b"m", key=b"a.b", provider=b"x")
        err.size = _native.Error.provider.offset
        filled = errors._filled_fields(err)
        self.assertIn("key", filled)
        self.assertNotIn("provider", filled)


class LibraryErrorTests(unittest.TestCase):
    def test_a_parse_error_names_file_and_line(self):
        path = write_file(scratch_dir(self), "broken.yaml", "a: 1\nb: [1, 2\n")
        resolver = provisioning.Resolver()
        with self.assertRaises(provisioning.DocumentError) as cm:
            resolver.add_file(path)
        e = cm.exception
        self.assertEqual(e.code, Status.EPARSE)
        self.assertEqual(e.file, path)
        self.assertGreater(e.line, 0)
        self.assertIn("broken.yaml", e.message)

    def test_a_wrong_type_names_the_key_and_its_origin(self):
        resolver = provisioning.Resolver()
        resolver.add_string("db:\n  host: x\n", "yaml", provisioning.Layer.PROJECT, "p.yaml")
        config = resolver.resolve()
        with self.assertRaises(provisioning.ConfigurationError) as cm:
            config.get_int("db.host")
        self.assertEqual(cm.exception.code, Status.ETYPE)
        self.assertEqual(cm.exception.key, "db.host")
        self.assertIn("p.yaml:2", cm.exception.message)

    def test_bad_arguments_are_value_errors(self):
        with self.assertRaises(ValueError) as cm:
            provisioning.Dag().add_node("")
        self.assertEqual(cm.exception.code, Status.EINVAL)

    @unittest.skipUnless(test_plugin_dir(), "needs the test plugins")
    def test_a_plugin_of_another_abi_is_an_abi_error(self):
        registry = provisioning.Registry(ignore_environment=True, ignore_default_dir=True)
        self.addCleanup(registry.close)
        with self.assertRaises(provisioning.AbiError) as cm:
            registry.load_file(os.path.join(test_plugin_dir(), "bad-abi2.so"))
        self.assertEqual(cm.exception.code, Status.EABI)
        self.assertIn("bad-abi2.so", cm.exception.message)

    def test_the_error_is_the_calling_threads_own(self):
        import threading
        seen = []

        def fail_elsewhere():
            try:
                provisioning.Dag().add_dependency("x", "y")
            except provisioning.ProvisioningError as e:
                seen.append(e.code)
        provisioning._native.lib.prov_error_clear()
        thread = threading.Thread(target=fail_elsewhere)
        thread.start()
        thread.join()
        self.assertEqual(seen, [Status.ENOTFOUND])
        self.assertEqual(errors.last_error().code, Status.OK)


class OwnershipTests(unittest.TestCase):
    def test_owned_strings_are_copied_then_freed(self):
        freed = []
        real = provisioning._native.lib.prov_free

        def counting_free(address):
            freed.append(address)
            real(address)
        provisioning._native.lib.prov_free = counting_free
        self.addCleanup(setattr, provisioning._native.lib, "prov_free", real)
        dag = provisioning.Dag().add_node("a")
        self.assertIn('"a"', dag.to_dot())
        self.assertEqual(len(freed), 1)

    def test_a_closed_handle_refuses_to_be_used(self):
        dag = provisioning.Dag()
        dag.close()
        dag.close()
        with self.assertRaises(ValueError):
            dag.add_node("a")


if __name__ == "__main__":
    unittest.main()
