/*
 * A C++17 program built against the installed library with pkg-config
 * only. It wraps the C API the way a C++ user would: handles in
 * std::unique_ptr with the library's free functions, owned strings copied
 * into std::string and released with prov_free(), status codes thrown as
 * exceptions carrying prov_error_last(), and C callbacks that reach C++
 * callables through userdata without letting an exception cross into C.
 *
 * It runs from a scratch directory with PROVISIONING_PLUGIN_PATH naming the
 * installed plugins, so the local provider keeps its state there.
 */
#include <provisioning/provisioning.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace prov {

/* prov_error_last() of the thread that saw the failure, as an exception. */
class error : public std::runtime_error {
public:
	explicit error(int status)
		: std::runtime_error(message_of(status)), code(status),
		  category(prov_error_last()->category), key(prov_error_last()->key),
		  provider(prov_error_last()->provider)
	{
	}

	int code;
	int category;
	std::string key;
	std::string provider;

private:
	static std::string message_of(int status)
	{
		const prov_error *e = prov_error_last();
		return e->code == status && e->message[0] ? e->message : prov_strerror(status);
	}
};

inline void check(int status)
{
	if (status < 0)
		throw error(status);
}

/* A handle freed by its library function when it goes out of scope. */
template <typename T, void (*Free)(T *)>
struct deleter {
	void operator()(T *p) const { Free(p); }
};
template <typename T, void (*Free)(T *)>
using handle = std::unique_ptr<T, deleter<T, Free>>;

using resolver_ptr = handle<prov_config_resolver, prov_config_resolver_free>;
using config_ptr = handle<prov_config, prov_config_free>;
using dag_ptr = handle<prov_dag, prov_dag_free>;
using bus_ptr = handle<prov_bus, prov_bus_free>;
using subscriber_ptr = handle<prov_bus_subscriber, prov_bus_unsubscribe>;
using registry_ptr = handle<prov_registry, prov_registry_free>;

/* An owned string: copied, then released with prov_free(). */
inline std::string take(char *owned)
{
	std::unique_ptr<char, void (*)(void *)> guard(owned, prov_free);
	return owned ? std::string(owned) : std::string();
}

/* C++ callables as DAG tasks. The graph keeps pointers to the functions, so
 * they live in the graph wrapper until it is destroyed. */
class dag {
public:
	using task = std::function<void(prov_dag_context *)>;

	dag()
	{
		prov_dag *d = nullptr;
		check(prov_dag_new(&d));
		graph_.reset(d);
	}

	void add(const std::string &id, task fn)
	{
		tasks_.push_back(std::make_unique<task>(std::move(fn)));
		check(prov_dag_add_node(graph_.get(), id.c_str(), trampoline, tasks_.back().get()));
	}

	void depend(const std::string &node, const std::string &on)
	{
		check(prov_dag_add_dependency(graph_.get(), node.c_str(), on.c_str(), PROV_DAG_HARD));
	}

	void run(unsigned parallelism)
	{
		prov_dag_run_options opt = PROV_DAG_RUN_OPTIONS_INIT;
		opt.parallelism = parallelism;
		check(prov_dag_run(graph_.get(), &opt));
	}

	prov_dag *get() const { return graph_.get(); }

private:
	/* No exception may unwind through the library's frames. */
	static int trampoline(prov_dag_context *ctx, void *userdata)
	{
		try {
			(*static_cast<task *>(userdata))(ctx);
			return PROV_OK;
		} catch (const std::exception &e) {
			return prov_dag_context_fail(ctx, PROV_ERROR, e.what());
		} catch (...) {
			return prov_dag_context_fail(ctx, PROV_ERROR, "unknown C++ exception");
		}
	}

	std::vector<std::unique_ptr<task>> tasks_;
	dag_ptr graph_;
};

} // namespace prov

static prov::config_ptr resolve_config()
{
	static const char project[] = "providers:\n  local:\n    zone: de-fra1\n    count: 2\n";
	prov_config_resolver *r = nullptr;
	prov_config *c = nullptr;

	prov::check(prov_config_resolver_new(&r));
	prov::resolver_ptr resolver(r);
	prov::check(prov_config_resolver_add_string(r, PROV_CONFIG_LAYER_PROJECT, "project.yaml",
						    project, sizeof(project) - 1,
						    PROV_FORMAT_YAML));
	prov::check(prov_config_resolver_add_override(r, "providers.local.zone=nl-ams1"));
	prov::check(prov_config_resolve(r, &c));
	return prov::config_ptr(c);
}

static void use_config()
{
	prov::config_ptr config = resolve_config();
	const char *zone = nullptr, *layer = nullptr;
	int64_t count = 0;

	prov::check(prov_config_get_string(config.get(), "providers.local.zone", &zone));
	prov::check(prov_config_get_int64(config.get(), "providers.local.count", &count));
	prov::check(prov_config_get_origin(config.get(), "providers.local.zone", &layer, nullptr,
					   nullptr));
	if (std::string(zone) != "nl-ams1" || count != 2 || std::string(layer) != "runtime")
		throw std::runtime_error("config: unexpected values");
	try {
		prov::check(prov_config_get_int64(config.get(), "providers.local.zone", &count));
		throw std::runtime_error("config: a string read as an integer");
	} catch (const prov::error &e) {
		if (e.code != PROV_ETYPE || e.key != "providers.local.zone")
			throw std::runtime_error("config: wrong error: " + std::string(e.what()));
	}
}

static void use_dag()
{
	prov::dag graph;
	std::atomic<int> ran{0};

	graph.add("a", [&](prov_dag_context *) { ran++; });
	graph.add("b", [&](prov_dag_context *) { ran++; });
	graph.add("c", [](prov_dag_context *) { throw std::runtime_error("c refuses"); });
	graph.depend("b", "a");
	graph.depend("c", "a");
	try {
		graph.run(2);
		throw std::runtime_error("dag: a failing node did not fail the run");
	} catch (const prov::error &e) {
		if (e.code != PROV_EWORKFLOW)
			throw;
	}
	size_t c = 0;
	char *dot = nullptr;
	prov::check(prov_dag_find_node(&c, graph.get(), "c"));
	if (ran != 2 || std::strcmp(prov_dag_node_error_message(graph.get(), c), "c refuses") != 0)
		throw std::runtime_error("dag: unexpected report");
	prov::check(prov_dag_to_dot(&dot, graph.get()));
	if (prov::take(dot).find("\"a\" -> \"b\"") == std::string::npos)
		throw std::runtime_error("dag: DOT lacks an edge");
}

static void use_bus()
{
	prov_bus *b = nullptr;
	prov_bus_subscriber *s = nullptr;
	const prov_event *event = nullptr;

	prov::check(prov_bus_new(&b, nullptr));
	prov::bus_ptr bus(b);
	prov::check(prov_bus_subscribe(&s, b, nullptr));
	prov::subscriber_ptr subscriber(s);
	prov::check(prov_bus_publish_workflow_started(nullptr, b, "wf-1", "consumer"));
	prov::check(prov_bus_receive(&event, nullptr, s, 0));
	if (std::string(prov_event_type(event)) != "WorkflowStarted" || prov_event_seq(event) != 1)
		throw std::runtime_error("bus: unexpected event");
}

static void use_provider()
{
	prov_registry *r = nullptr;
	char *doc = nullptr;

	prov::check(prov_registry_new(&r, nullptr));
	prov::registry_ptr registry(r);
	prov::check(prov_registry_add_provider(r, "local", "{\"state_dir\":\"state\"}"));
	prov::check(prov_provider_create_server(&doc, r, "local", "{\"hostname\":\"cxx-1\"}",
						nullptr));
	if (prov::take(doc).find("\"hostname\":\"cxx-1\"") == std::string::npos)
		throw std::runtime_error("provider: the record lacks the hostname");
	int status = prov_provider_call(&doc, r, "nowhere", "list_servers", nullptr, nullptr);
	std::string failed = prov::take(doc);
	if (status != PROV_ENOTFOUND || failed.find("\"status\":\"error\"") == std::string::npos)
		throw std::runtime_error("provider: an unknown instance answered");
}

int main()
{
	try {
		use_config();
		use_dag();
		use_bus();
		use_provider();
	} catch (const std::exception &e) {
		std::fprintf(stderr, "C++ consumer: %s\n", e.what());
		return 1;
	}
	std::printf("C++17 consumer used config, dag, bus and the local provider of "
		    "libprovisioning %s\n", prov_version()->version);
	return 0;
}
