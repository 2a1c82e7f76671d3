"""What the binding tests share: scratch directories and the build's paths."""

import os
import shutil
import tempfile


def scratch_dir(testcase):
    """A private directory removed when the test ends."""
    path = tempfile.mkdtemp(prefix="prov-py-")
    testcase.addCleanup(shutil.rmtree, path, ignore_errors=True)
    return path


def write_file(directory, name, text):
    path = os.path.join(directory, name)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


def test_plugin_dir():
    """The directory of the test suite's fake plugins (bad ABI, ...)."""
    return os.environ.get("PROV_TEST_PLUGIN_DIR")
