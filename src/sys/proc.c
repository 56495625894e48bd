/*
 * Child processes without a shell: the command-line splitter and a bounded,
 * timed run that captures standard output (credential_process).
 */
#include "sys/proc.h"

#include "core/mem.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/compat.h"

extern char **environ;

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

void
ag_proc_argv_free(char **argv)
{
	size_t i;

	if (argv == NULL)
		return;
	for (i = 0; argv[i]; i++)
		free(argv[i]);
	free(argv);
}

int
ag_proc_split(char ***argv, size_t *argc, const char *cmd, struct ag_error *err)
{
	size_t n = 0, cap = 4, len = strlen(cmd);
	char **v = ag_xcalloc(cap + 1, sizeof(*v));
	char *word = ag_xmalloc(len + 1);
	const char *p = cmd;
	int ret = AG_OK;

	*argv = NULL;
	*argc = 0;
	for (;;) {
		size_t w = 0;
		int have = 0;

		while (is_space(*p))
			p++;
		if (*p == '\0')
			break;
		while (*p && !is_space(*p)) {
			have = 1;
			if (*p == '\'') {
				const char *e = strchr(p + 1, '\'');

				if (e == NULL) {
					ret = ag_error_set(err, AG_EINVAL,
					    "command '%s': no closing quotation (')", cmd);
					goto out;
				}
				memcpy(word + w, p + 1, (size_t)(e - p - 1));
				w += (size_t)(e - p - 1);
				p = e + 1;
			} else if (*p == '"') {
				for (p++; *p && *p != '"'; p++) {
					if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
						p++;
					word[w++] = *p;
				}
				if (*p != '"') {
					ret = ag_error_set(err, AG_EINVAL,
					    "command '%s': no closing quotation (\")", cmd);
					goto out;
				}
				p++;
			} else if (*p == '\\') {
				if (p[1] == '\0') {
					ret = ag_error_set(err, AG_EINVAL,
					    "command '%s': no character after the final backslash",
					    cmd);
					goto out;
				}
				word[w++] = p[1];
				p += 2;
			} else {
				word[w++] = *p++;
			}
		}
		if (!have)
			continue;
		if (n == cap) {
			cap *= 2;
			v = ag_xrealloc(v, (cap + 1) * sizeof(*v));
		}
		v[n++] = ag_xstrndup(word, w);
		v[n] = NULL;
	}
	if (n == 0) {
		ret = ag_error_set(err, AG_EINVAL, "command is empty");
		goto out;
	}
	*argv = v;
	*argc = n;
	v = NULL;
out:
	free(word);
	ag_proc_argv_free(v);
	return ret;
}

static long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
ag_proc_run(
    struct ag_buf *out, int *status, char *const argv[], long timeout_ms, struct ag_error *err)
{
	posix_spawn_file_actions_t fa;
	int fds[2], ws = 0, rc, ret = AG_OK;
	long deadline = now_ms() + timeout_ms;
	char chunk[4096];
	pid_t pid;

	*status = -1;
	if (pipe2(fds, O_CLOEXEC) != 0)
		return ag_error_set(
		    err, AG_EIO, "running '%s': pipe: %s", argv[0], strerror(errno));
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
	rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(fds[1]);
	if (rc != 0) {
		close(fds[0]);
		return ag_error_set(err, rc == ENOENT || rc == EACCES ? AG_ENOTFOUND : AG_EIO,
		    "cannot run '%s': %s", argv[0], strerror(rc));
	}
	for (;;) {
		struct pollfd pfd = {fds[0], POLLIN, 0};
		long left = deadline - now_ms();
		ssize_t got;

		if (left <= 0) {
			ret = ag_error_set(err, AG_ETIMEOUT, "'%s' did not finish within %ld s",
			    argv[0], timeout_ms / 1000);
			break;
		}
		rc = poll(&pfd, 1, (int)(left > 1000 ? 1000 : left));
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0) {
			ret = ag_error_set(
			    err, AG_EIO, "reading from '%s': %s", argv[0], strerror(errno));
			break;
		}
		if (rc == 0)
			continue;
		got = read(fds[0], chunk, sizeof(chunk));
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			ret = ag_error_set(
			    err, AG_EIO, "reading from '%s': %s", argv[0], strerror(errno));
			break;
		}
		if (got == 0)
			break;
		if (ag_buf_add(out, chunk, (size_t)got) != 0) {
			ret = ag_error_set(err, AG_ETOOBIG,
			    "'%s' wrote more than %zu bytes to its standard output", argv[0],
			    out->max);
			break;
		}
	}
	explicit_bzero(chunk, sizeof(chunk));
	close(fds[0]);
	if (ret != 0)
		kill(pid, SIGKILL);
	while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(ws))
		*status = WEXITSTATUS(ws);
	else if (WIFSIGNALED(ws))
		*status = 128 + WTERMSIG(ws);
	return ret;
}
