/*
 * The child-process helper behind <provisioning/process.h>.
 *
 * One thread drives each run with poll(): it feeds stdin, drains stdout and
 * stderr (discarding past the cap so the child never blocks on a full pipe),
 * watches the child through a pidfd, and enforces the deadline by signalling
 * the child's whole process group.
 */
#include <provisioning/process.h>

#include "core/clock.h"
#include "core/err.h"
#include "core/mem.h"
#include "core/strbuf.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define DEFAULT_OUTPUT_LIMIT (16u << 20)
#define DEFAULT_KILL_GRACE_MS 2000
#define CANCEL_POLL_MS 50
/* After the child exits, descendants may still hold its pipes open. */
#define DRAIN_AFTER_EXIT_MS 200

struct capture {
	prov_strbuf buf;
	size_t limit;
	bool truncated;
	int fd;
};

struct prov_process_result {
	int exit_code;
	int signal;
	bool timed_out;
	long long duration_ms;
	struct capture out;
	struct capture err;
};

struct run {
	prov_process_options opt;
	pid_t pid;
	int pidfd;
	int stdin_fd;
	size_t stdin_done;
	bool exited;
	int wait_status;
	bool stopping;        /* deadline or cancellation reached: group signalled */
	int stop_code;        /* PROV_ETIMEOUT or PROV_ECANCELLED */
	int64_t start_ns;
	int64_t deadline_ns;  /* 0: none */
	int64_t kill_ns;      /* when SIGKILL follows SIGTERM */
	int64_t exited_ns;
	prov_process_result *result;
};

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static int64_t ms_to_ns(long long ms)
{
	return (int64_t)ms * 1000000;
}

static int copy_options(prov_process_options *dst, const prov_process_options *src)
{
	size_t n;

	memset(dst, 0, sizeof(*dst));
	if (!src || src->size < offsetof(prov_process_options, timeout_ms))
		return prov_err_set(PROV_EINVAL, PROV_ERRCAT_INVALID_ARGUMENT,
				    "process options missing or too small (use PROV_PROCESS_OPTIONS_INIT)");
	/* An older caller passes a smaller struct: its missing fields stay zero. */
	n = src->size < sizeof(*dst) ? src->size : sizeof(*dst);
	memcpy(dst, src, n);
	if (!dst->argv || !dst->argv[0] || !dst->argv[0][0])
		return prov_err_set(PROV_EINVAL, PROV_ERRCAT_INVALID_ARGUMENT,
				    "process options: argv must name a program");
	if (dst->kill_grace_ms <= 0)
		dst->kill_grace_ms = DEFAULT_KILL_GRACE_MS;
	if (dst->output_limit == 0)
		dst->output_limit = DEFAULT_OUTPUT_LIMIT;
	return PROV_OK;
}

/* Signals the host may ignore, which the child would otherwise inherit ignored. */
static void reset_signals(posix_spawnattr_t *attr)
{
	static const int defaults[] = { SIGPIPE, SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGCHLD,
					SIGUSR1, SIGUSR2, SIGALRM, SIGTSTP, SIGTTIN, SIGTTOU };
	sigset_t set;

	sigemptyset(&set);
	posix_spawnattr_setsigmask(attr, &set);
	for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++)
		sigaddset(&set, defaults[i]);
	posix_spawnattr_setsigdefault(attr, &set);
	posix_spawnattr_setpgroup(attr, 0);
	posix_spawnattr_setflags(attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
					       POSIX_SPAWN_SETSIGDEF);
}

static int plan_descriptors(posix_spawn_file_actions_t *fa, int in_fd, int out_fd,
			    int err_fd, const char *cwd)
{
	int rc = posix_spawn_file_actions_adddup2(fa, in_fd, 0);

	if (!rc)
		rc = posix_spawn_file_actions_adddup2(fa, out_fd, 1);
	if (!rc)
		rc = posix_spawn_file_actions_adddup2(fa, err_fd, 2);
#ifdef PROV_HAVE_SPAWN_CLOSEFROM
	/* Descriptors the host opened without O_CLOEXEC do not leak either. */
	if (!rc)
		rc = posix_spawn_file_actions_addclosefrom_np(fa, 3);
#endif
	if (!rc && cwd)
		rc = posix_spawn_file_actions_addchdir_np(fa, cwd);
	return rc;
}

/* PATH from the child's environment when one is given, else the host's. */
static const char *search_path(const prov_process_options *opt)
{
	if (opt->envp) {
		for (const char *const *e = opt->envp; *e; e++)
			if (strncmp(*e, "PATH=", 5) == 0)
				return *e + 5;
		return "/usr/local/bin:/usr/bin:/bin";
	}
	return getenv("PATH") ? getenv("PATH") : "/usr/local/bin:/usr/bin:/bin";
}

/*
 * Find the program before spawning, so a missing one is a clear error on
 * every platform (posix_spawn cannot always report a failed exec).
 */
static int resolve_program(const prov_process_options *opt, char **resolved)
{
	const char *program = opt->argv[0];
	const char *dirs = search_path(opt);
	prov_strbuf candidate = PROV_STRBUF_INIT;

	if (strchr(program, '/')) {
		if (access(program, X_OK) != 0)
			return prov_err_set(PROV_EPROCESS, PROV_ERRCAT_SYSTEM, "cannot run %s: %s",
					    program, strerror(errno));
		*resolved = prov_strdup(program);
		return *resolved ? PROV_OK : PROV_ENOMEM;
	}
	while (*dirs) {
		size_t len = strcspn(dirs, ":");

		prov_strbuf_reset(&candidate);
		prov_strbuf_append(&candidate, len ? dirs : ".", len ? len : 1);
		prov_strbuf_putc(&candidate, '/');
		prov_strbuf_puts(&candidate, program);
		if (prov_strbuf_status(&candidate) != PROV_OK)
			break;
		if (access(candidate.data, X_OK) == 0) {
			*resolved = prov_strbuf_detach(&candidate, NULL);
			return *resolved ? PROV_OK : PROV_ENOMEM;
		}
		dirs += len + (dirs[len] == ':');
	}
	if (prov_strbuf_status(&candidate) != PROV_OK)
		return PROV_ENOMEM;
	prov_strbuf_release(&candidate);
	return prov_err_set(PROV_EPROCESS, PROV_ERRCAT_SYSTEM,
			    "cannot run %s: not found in PATH", program);
}

static int spawn_child(struct run *run, int child_in, int child_out, int child_err)
{
	char *const *argv = (char *const *)run->opt.argv;
	char *const *envp = run->opt.envp ? (char *const *)run->opt.envp : environ;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	char *program = NULL;
	int rc = resolve_program(&run->opt, &program);

	if (rc)
		return rc;
	if (posix_spawn_file_actions_init(&fa) != 0) {
		free(program);
		return prov_err_nomem();
	}
	if (posix_spawnattr_init(&attr) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		free(program);
		return prov_err_nomem();
	}
	reset_signals(&attr);
	rc = plan_descriptors(&fa, child_in, child_out, child_err, run->opt.cwd);
	if (!rc)
		rc = posix_spawn(&run->pid, program, &fa, &attr, argv, envp);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	free(program);
	if (rc)
		return prov_err_set(PROV_EPROCESS, PROV_ERRCAT_SYSTEM, "cannot run %s: %s",
				    run->opt.argv[0], strerror(rc));
	return PROV_OK;
}

static int open_pidfd(pid_t pid)
{
#ifdef SYS_pidfd_open
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);

	if (fd >= 0)
		fcntl(fd, F_SETFD, FD_CLOEXEC);
	return fd;
#else
	(void)pid;
	return -1;
#endif
}

static void set_nonblocking(int fd)
{
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

/* Create the pipes, start the child, keep the parent's ends. */
static int start(struct run *run)
{
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, err[2] = { -1, -1 };
	int rc = PROV_OK;

	if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC)) {
		rc = prov_err_errno(errno, "cannot run %s: pipe", run->opt.argv[0]);
		goto out;
	}
	rc = spawn_child(run, in[0], out[1], err[1]);
	if (rc)
		goto out;
	run->stdin_fd = in[1];
	run->result->out.fd = out[0];
	run->result->err.fd = err[0];
	in[1] = out[0] = err[0] = -1;
	set_nonblocking(run->stdin_fd);
	set_nonblocking(run->result->out.fd);
	set_nonblocking(run->result->err.fd);
	run->pidfd = open_pidfd(run->pid);
	if (run->opt.stdin_len == 0)
		close_fd(&run->stdin_fd);
out:
	for (int i = 0; i < 2; i++) {
		close_fd(&in[i]);
		close_fd(&out[i]);
		close_fd(&err[i]);
	}
	return rc;
}

/*
 * Write to the child's stdin without letting a closed pipe raise SIGPIPE in
 * the host: block SIGPIPE in this thread, and swallow the one the write
 * raised (unless one was already pending for another reason).
 */
static ssize_t write_without_sigpipe(int fd, const void *data, size_t len)
{
	sigset_t pipe_only, old, pending;
	bool was_pending;
	ssize_t n;
	int saved;

	sigemptyset(&pipe_only);
	sigaddset(&pipe_only, SIGPIPE);
	sigpending(&pending);
	was_pending = sigismember(&pending, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_only, &old);
	n = write(fd, data, len);
	saved = errno;
	if (n < 0 && saved == EPIPE && !was_pending) {
		const struct timespec zero = { 0, 0 };
		while (sigtimedwait(&pipe_only, NULL, &zero) < 0 && errno == EINTR)
			;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	errno = saved;
	return n;
}

static void feed_stdin(struct run *run)
{
	size_t left = run->opt.stdin_len - run->stdin_done;
	ssize_t n = write_without_sigpipe(run->stdin_fd, run->opt.stdin_data + run->stdin_done, left);

	if (n > 0)
		run->stdin_done += (size_t)n;
	/* A child that stops reading early (EPIPE) is its own business. */
	if ((n < 0 && errno != EAGAIN && errno != EINTR) || run->stdin_done == run->opt.stdin_len)
		close_fd(&run->stdin_fd);
}

static void drain(struct capture *cap)
{
	char chunk[16384];

	for (;;) {
		ssize_t n = read(cap->fd, chunk, sizeof(chunk));
		size_t keep;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			close_fd(&cap->fd);
			return;
		}
		keep = cap->buf.len < cap->limit ? cap->limit - cap->buf.len : 0;
		if ((size_t)n > keep)
			cap->truncated = true;
		prov_strbuf_append(&cap->buf, chunk, (size_t)n < keep ? (size_t)n : keep);
	}
}

static void reap(struct run *run)
{
	pid_t r;

	if (run->exited)
		return;
	do
		r = waitpid(run->pid, &run->wait_status, WNOHANG);
	while (r < 0 && errno == EINTR);
	/* ECHILD: someone else reaped our child; its status is lost. */
	if (r == run->pid || (r < 0 && errno == ECHILD)) {
		if (r < 0)
			run->wait_status = 0xff00;
		run->exited = true;
		run->exited_ns = prov_clock_monotonic_ns();
		close_fd(&run->pidfd);
	}
}

static bool cancel_requested(const struct run *run)
{
	return run->opt.cancelled && run->opt.cancelled(run->opt.userdata);
}

/* Deadline, cancellation and the SIGTERM-then-SIGKILL escalation. */
static void enforce_limits(struct run *run, int64_t now)
{
	if (!run->stopping) {
		if (run->exited)
			return;
		bool late = run->deadline_ns && now >= run->deadline_ns;
		if (!late && !cancel_requested(run))
			return;
		run->stopping = true;
		run->stop_code = late ? PROV_ETIMEOUT : PROV_ECANCELLED;
		run->kill_ns = now + ms_to_ns(run->opt.kill_grace_ms);
		kill(-run->pid, SIGTERM);
		return;
	}
	if (run->kill_ns && now >= run->kill_ns) {
		kill(-run->pid, SIGKILL);
		run->kill_ns = 0;
	}
}

static int64_t next_wakeup_ms(const struct run *run, int64_t now)
{
	int64_t next = -1;
	int64_t candidates[3] = {
		run->stopping ? run->kill_ns : run->deadline_ns,
		run->exited ? run->exited_ns + ms_to_ns(DRAIN_AFTER_EXIT_MS) : 0,
		(run->opt.cancelled && !run->stopping) || (run->pidfd < 0 && !run->exited)
			? now + ms_to_ns(CANCEL_POLL_MS) : 0,
	};

	for (int i = 0; i < 3; i++) {
		if (!candidates[i])
			continue;
		int64_t ms = candidates[i] > now ? (candidates[i] - now + 999999) / 1000000 : 0;
		if (next < 0 || ms < next)
			next = ms;
	}
	return next;
}

static bool finished(const struct run *run, int64_t now)
{
	bool pipes_open = run->result->out.fd >= 0 || run->result->err.fd >= 0;

	if (!run->exited)
		return false;
	return !pipes_open || now >= run->exited_ns + ms_to_ns(DRAIN_AFTER_EXIT_MS);
}

static void wait_for_events(struct run *run)
{
	struct pollfd fds[4];
	int n = 0;
	int64_t now = prov_clock_monotonic_ns();

	if (run->stdin_fd >= 0)
		fds[n++] = (struct pollfd){ .fd = run->stdin_fd, .events = POLLOUT };
	if (run->result->out.fd >= 0)
		fds[n++] = (struct pollfd){ .fd = run->result->out.fd, .events = POLLIN };
	if (run->result->err.fd >= 0)
		fds[n++] = (struct pollfd){ .fd = run->result->err.fd, .events = POLLIN };
	if (run->pidfd >= 0)
		fds[n++] = (struct pollfd){ .fd = run->pidfd, .events = POLLIN };
	int64_t wait_ms = next_wakeup_ms(run, now);
	if (poll(fds, (nfds_t)n, wait_ms > 60000 ? 60000 : (int)wait_ms) < 0 && errno != EINTR)
		prov_clock_sleep_ms(1);
}

static void supervise(struct run *run)
{
	for (;;) {
		int64_t now = prov_clock_monotonic_ns();

		enforce_limits(run, now);
		if (finished(run, now))
			break;
		wait_for_events(run);
		if (run->stdin_fd >= 0)
			feed_stdin(run);
		if (run->result->out.fd >= 0)
			drain(&run->result->out);
		if (run->result->err.fd >= 0)
			drain(&run->result->err);
		reap(run);
	}
	/* Whatever the group left running after a deadline goes too. */
	if (run->stopping)
		kill(-run->pid, SIGKILL);
}

static void record_exit(struct run *run)
{
	prov_process_result *r = run->result;
	int st = run->wait_status;

	r->timed_out = run->stopping && run->stop_code == PROV_ETIMEOUT;
	r->exit_code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	r->signal = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
	r->duration_ms = (prov_clock_monotonic_ns() - run->start_ns) / 1000000;
}

static int stop_error(const struct run *run)
{
	if (run->stop_code == PROV_ETIMEOUT)
		return prov_err_set(PROV_ETIMEOUT, PROV_ERRCAT_SYSTEM,
				    "%s timed out after %lld ms and was killed",
				    run->opt.argv[0], run->opt.timeout_ms);
	return prov_err_set(PROV_ECANCELLED, PROV_ERRCAT_SYSTEM, "%s was cancelled",
			    run->opt.argv[0]);
}

static prov_process_result *new_result(size_t limit)
{
	prov_process_result *r = prov_calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->out = (struct capture){ .buf = PROV_STRBUF_INIT, .limit = limit, .fd = -1 };
	r->err = (struct capture){ .buf = PROV_STRBUF_INIT, .limit = limit, .fd = -1 };
	return r;
}

int prov_process_run(prov_process_result **out, const prov_process_options *options)
{
	struct run run = { .pidfd = -1, .stdin_fd = -1 };
	int rc;

	if (!out)
		return prov_err_set(PROV_EINVAL, PROV_ERRCAT_INVALID_ARGUMENT, "out is NULL");
	*out = NULL;
	rc = copy_options(&run.opt, options);
	if (rc)
		return rc;
	run.result = new_result(run.opt.output_limit);
	if (!run.result)
		return PROV_ENOMEM;
	run.start_ns = prov_clock_monotonic_ns();
	if (run.opt.timeout_ms > 0)
		run.deadline_ns = run.start_ns + ms_to_ns(run.opt.timeout_ms);
	rc = start(&run);
	if (rc) {
		prov_process_result_free(run.result);
		return rc;
	}
	supervise(&run);
	close_fd(&run.stdin_fd);
	close_fd(&run.pidfd);
	close_fd(&run.result->out.fd);
	close_fd(&run.result->err.fd);
	record_exit(&run);
	if (prov_strbuf_status(&run.result->out.buf) || prov_strbuf_status(&run.result->err.buf)) {
		prov_process_result_free(run.result);
		return prov_err_nomem();
	}
	*out = run.result;
	return run.stopping ? stop_error(&run) : PROV_OK;
}

int prov_process_result_exit_code(const prov_process_result *r)
{
	return r ? r->exit_code : -1;
}

int prov_process_result_signal(const prov_process_result *r)
{
	return r ? r->signal : 0;
}

int prov_process_result_timed_out(const prov_process_result *r)
{
	return r && r->timed_out;
}

static const char *captured(const struct capture *cap, size_t *len, int *truncated)
{
	if (len)
		*len = cap->buf.len;
	if (truncated)
		*truncated = cap->truncated;
	return prov_strbuf_cstr(&cap->buf);
}

const char *prov_process_result_stdout(const prov_process_result *r, size_t *len, int *truncated)
{
	return captured(&r->out, len, truncated);
}

const char *prov_process_result_stderr(const prov_process_result *r, size_t *len, int *truncated)
{
	return captured(&r->err, len, truncated);
}

long long prov_process_result_duration_ms(const prov_process_result *r)
{
	return r ? r->duration_ms : 0;
}

void prov_process_result_free(prov_process_result *r)
{
	if (!r)
		return;
	prov_strbuf_release(&r->out.buf);
	prov_strbuf_release(&r->err.buf);
	free(r);
}
