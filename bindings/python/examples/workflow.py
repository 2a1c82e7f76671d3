#!/usr/bin/env python3
"""Run a workflow from Python with live progress; Ctrl-C cancels, run it again to resume.

    PROVISIONING_PLUGIN_PATH=build/plugins \\
    PROVISIONING_LIBRARY=build/src/libprovisioning.so \\
    PYTHONPATH=bindings/python python3 bindings/python/examples/workflow.py [FILE [BASE_DIR]]

FILE is a workflow definition (default: a small one on the local provider);
BASE_DIR holds the provider's state and the checkpoints (default: a
temporary directory, removed at the end).
"""

import os
import sys
import tempfile

import provisioning
from provisioning.workflow import Runner, Workflow

DEFINITION = """\
workflow_id: python-example
name: python example
operations:
  - id: network
    provider: local
    action: list_zones
  - id: db
    provider: local
    action: create_server
    params: { hostname: db-1, plan: 2xCPU-4GB }
    depends_on: [network]
  - id: web
    provider: local
    action: create_server
    params: { hostname: web-1, tags: { db: "{{ops.db.output.ip_address}}" } }
"""


def show(event):
    if event.type.startswith("Operation"):
        print("  %-18s %s" % (event.type, event["op"]))
    elif event.type.startswith(("Workflow", "Rollback")):
        print("%s %s" % (event.type, event["workflow_id"]))


def run(workflow, base_dir):
    resolver = provisioning.Resolver().set_base_dir(base_dir)
    store_dir = os.path.join(base_dir, ".provisioning", "checkpoints")
    with provisioning.Registry(config=resolver.resolve()) as registry, \
            provisioning.CheckpointStore(store_dir) as store:
        runner = Runner(registry, store, resolver=resolver)
        try:
            result = runner.run(workflow, on_event=show)
        except provisioning.WorkflowError as e:
            print("workflow ended %s: %s" % (e.result.status if e.result else "early", e))
            return 1
        except KeyboardInterrupt:
            print("cancelled; run the same command again to resume %s" % workflow.id)
            return 130
        finally:
            runner.close()
        for op_id, op in result.data["operations"].items():
            output = op.get("output")
            address = output.get("ip_address", "") if isinstance(output, dict) else ""
            print("%-8s %-10s %s" % (op_id, op["status"], address))
        return 0


def main():
    if len(sys.argv) > 1:
        workflow = Workflow.load(sys.argv[1])
    else:
        workflow = Workflow.parse(DEFINITION, "yaml", "example.yaml")
    workflow.validate()
    levels = workflow.plan()["levels"]
    print("plan: " + " | ".join(", ".join(op["op"] for op in level) for level in levels))
    if len(sys.argv) > 2:
        return run(workflow, sys.argv[2])
    with tempfile.TemporaryDirectory(prefix="workflow-") as base_dir:
        return run(workflow, base_dir)


if __name__ == "__main__":
    sys.exit(main())
