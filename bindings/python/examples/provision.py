#!/usr/bin/env python3
"""Provision two servers with the local provider, from Python.

Resolves a configuration, builds a dependency graph whose tasks call the
provider (the web server gets the database's address), broadcasts progress
on an event bus, and prints what happened.

    PROVISIONING_PLUGIN_PATH=build/plugins \\
    PROVISIONING_LIBRARY=build/src/libprovisioning.so \\
    PYTHONPATH=bindings/python python3 bindings/python/examples/provision.py [STATE_DIR]

STATE_DIR holds the provider's records (default: a temporary directory,
removed at the end).
"""

import sys
import tempfile

import provisioning


def resolve_config(state_dir):
    resolver = provisioning.Resolver()
    resolver.add_string(
        "providers:\n"
        "  local:\n"
        "    zone: de-fra1\n"
        "    zones: [de-fra1, nl-ams1]\n"
        "    state_dir: '%s'\n" % state_dir,
        provisioning.Format.YAML, provisioning.Layer.PROJECT, "example.yaml")
    return resolver.resolve()


def build_graph(registry, bus, outputs):
    """db, then web; each task creates a server, web's spec reads db's output."""
    def create(hostname, spec):
        def task(ctx):
            bus.publish("OperationStarted", {"op": ctx.node_id, "attempt": ctx.attempt})
            server = registry.create_server("local", dict(spec(), hostname=hostname),
                                            operation_id=ctx.node_id)
            outputs[ctx.node_id] = server
            bus.publish("ResourceCreated", {"provider": "local", "resource_type": "server",
                                            "resource_id": server["id"]})
        return task

    dag = provisioning.Dag()
    dag.add_node("db", create("db-1", lambda: {"plan": "2xCPU-4GB"}))
    dag.add_node("web", create("web-1", lambda: {"tags": {"db_ip": outputs["db"]["ip_address"]}}))
    dag.add_dependency("web", "db")
    return dag


def main():
    if len(sys.argv) > 1:
        return provision(sys.argv[1])
    with tempfile.TemporaryDirectory(prefix="provision-") as state_dir:
        return provision(state_dir)


def provision(state_dir):
    print("libprovisioning", provisioning.version().version)
    config = resolve_config(state_dir)
    zone = config.get("providers.local.zone")
    print("zone %s (set at %s:%d)" % (zone, *config.origin("providers.local.zone")[1:]))

    bus = provisioning.Bus()
    printer = bus.subscribe(
        lambda event: sys.stdout.write("  event %d %s\n" % (event.seq, event.type)))
    outputs = {}
    with provisioning.Registry(config=config) as registry:
        registry.add_provider("local", config.get("providers.local"))
        dag = build_graph(registry, bus, outputs)
        try:
            report = dag.run(parallelism=2)
        except provisioning.WorkflowError as e:
            print("failed:", e)
            report = e.report
        for node_id, node in report.items():
            print("%-4s %-9s %s" % (node_id, node.state.name.lower(),
                                    outputs.get(node_id, {}).get("ip_address", "")))
        servers = registry.list_servers("local")
    bus.close()
    printer.drained.wait(10)
    printer.close()
    print("%d servers recorded" % len(servers))
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
