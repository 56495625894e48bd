#include "loopback.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

static const char UNSCRIPTED[] = "<ErrorResponse><Error><Code>InternalFailure</Code>"
                                 "<Message>unscripted request</Message></Error></ErrorResponse>";

/* Reads one request (headers + Content-Length body) into req. */
static int
read_request(int c, char *req, size_t cap)
{
	size_t len = 0;
	ssize_t n;
	char *hdr_end = NULL;
	long clen = 0;

	while (!hdr_end || len < (size_t)(hdr_end - req) + 4 + (size_t)clen) {
		if (len + 1 >= cap)
			return -1;
		n = read(c, req + len, cap - 1 - len);
		if (n <= 0)
			return -1;
		len += (size_t)n;
		req[len] = '\0';
		if (!hdr_end && (hdr_end = strstr(req, "\r\n\r\n")) != NULL) {
			char *cl = strcasestr(req, "\r\nContent-Length:");

			clen = cl && cl < hdr_end ? strtol(cl + 17, NULL, 10) : 0;
		}
	}
	return 0;
}

/* The Action= of a raw request into buf ("" when none). */
static const char *
action_of(const char *req, char *buf, size_t n)
{
	const char *p, *body = strstr(req, "\r\n\r\n");
	size_t k = 0;

	buf[0] = '\0';
	if (body == NULL || (p = strstr(body, "Action=")) == NULL)
		return buf;
	for (p += 7; *p && *p != '&' && k + 1 < n; p++)
		buf[k++] = *p;
	buf[k] = '\0';
	return buf;
}

/* Whether a canned body may answer action: it is not some other action's
 * <XResponse> (an error, a JSON or HTML body may answer any). */
static bool
fits(const char *body, const char *action)
{
	const char *p = body;
	size_t n = 0, al = strlen(action);

	while (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')
		p++;
	if (strncmp(p, "<?", 2) == 0 && (p = strstr(p, "?>")) != NULL)
		for (p += 2; *p == ' ' || *p == '\n' || *p == '\r'; p++)
			;
	if (p == NULL || *p != '<')
		return true;
	for (p++; p[n] && p[n] != ' ' && p[n] != '>' && p[n] != '/'; n++)
		;
	if (n < 8 || strncmp(p + n - 8, "Response", 8) != 0 ||
	    (n == 13 && strncmp(p, "ErrorResponse", 13) == 0))
		return true;
	return n == al + 8 && strncmp(p, action, al) == 0;
}

/* The reply for a request that just came in (under s->mu). */
static const struct ag_lb_canned *
pick(struct ag_lb_server *s, const char *req)
{
	char action[128];
	int k;

	action_of(req, action, sizeof(action));
	for (k = 0; k < s->n_script; k++) {
		if (s->used[k])
			continue;
		if (!s->match_action || fits(s->script[k].body, action)) {
			s->used[k] = true;
			s->served++;
			return &s->script[k];
		}
	}
	s->unscripted++;
	return NULL;
}

struct conn_arg {
	struct ag_lb_server *s;
	int fd;
};

/* Several requests may come over one kept-alive connection. */
static void *
serve_conn(void *arg)
{
	struct conn_arg *ca = arg;
	struct ag_lb_server *s = ca->s;
	int c = ca->fd;
	char *req = malloc(AG_LB_REQ_MAX);

	free(ca);
	while (req != NULL && read_request(c, req, AG_LB_REQ_MAX) == 0) {
		const struct ag_lb_canned *k;
		struct ag_lb_canned late = {500, UNSCRIPTED, NULL};
		char *out;
		int i, olen;

		pthread_mutex_lock(&s->mu);
		i = s->served + s->unscripted;
		if (i < AG_LB_MAX_SCRIPT)
			memcpy(s->requests[i], req, AG_LB_REQ_MAX);
		k = pick(s, req);
		pthread_mutex_unlock(&s->mu);
		if (k == NULL)
			k = &late;
		olen = asprintf(&out,
		    "HTTP/1.1 %d X\r\nContent-Type: text/xml\r\nContent-Length: %zu\r\n"
		    "%s%s%s\r\n%s",
		    k->status, strlen(k->body), k->request_id ? "x-amzn-RequestId: " : "",
		    k->request_id ? k->request_id : "", k->request_id ? "\r\n" : "", k->body);
		if (olen < 0)
			break;
		if (write(c, out, (size_t)olen) != olen) {
			free(out);
			break;
		}
		free(out);
	}
	free(req);
	return NULL;
}

static void *
serve(void *arg)
{
	struct ag_lb_server *s = arg;
	int lfd = s->fd; /* set before this thread started, cleared after it ends */

	for (;;) {
		int c = accept(lfd, NULL, NULL);
		struct conn_arg *ca;

		if (c < 0)
			break;
		pthread_mutex_lock(&s->mu);
		if (s->n_conns == AG_LB_MAX_CONNS || (ca = malloc(sizeof(*ca))) == NULL) {
			pthread_mutex_unlock(&s->mu);
			close(c);
			continue;
		}
		ca->s = s;
		ca->fd = c;
		if (pthread_create(&s->conn_th[s->n_conns], NULL, serve_conn, ca) != 0) {
			free(ca);
			close(c);
		} else {
			s->conns[s->n_conns++] = c;
		}
		pthread_mutex_unlock(&s->mu);
	}
	return NULL;
}

void
ag_lb_init(struct ag_lb_server *s)
{
	memset(s, 0, sizeof(*s));
	s->fd = -1;
	pthread_mutex_init(&s->mu, NULL);
}

void
ag_lb_script(struct ag_lb_server *s, int status, const char *body, const char *rid)
{
	assert_true(s->n_script < AG_LB_MAX_SCRIPT);
	s->script[s->n_script].status = status;
	s->script[s->n_script].body = body;
	s->script[s->n_script].request_id = rid;
	s->n_script++;
}

void
ag_lb_start(struct ag_lb_server *s)
{
	struct sockaddr_in a;
	socklen_t al = sizeof(a);

	if (s->requests == NULL)
		s->requests = calloc(AG_LB_MAX_SCRIPT, sizeof(*s->requests));
	assert_non_null(s->requests);
	s->fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(s->fd >= 0);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(s->fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(s->fd, 8), 0);
	getsockname(s->fd, (struct sockaddr *)&a, &al);
	s->port = ntohs(a.sin_port);
	assert_int_equal(pthread_create(&s->th, NULL, serve, s), 0);
}

void
ag_lb_stop(struct ag_lb_server *s)
{
	int i;

	if (s->fd < 0)
		return;
	shutdown(s->fd, SHUT_RDWR);
	pthread_join(s->th, NULL);
	close(s->fd);
	s->fd = -1;
	/* the accept thread is gone: conns no longer changes */
	for (i = 0; i < s->n_conns; i++)
		shutdown(s->conns[i], SHUT_RDWR);
	for (i = 0; i < s->n_conns; i++) {
		pthread_join(s->conn_th[i], NULL);
		close(s->conns[i]);
	}
	s->n_conns = 0;
}

void
ag_lb_release(struct ag_lb_server *s)
{
	ag_lb_stop(s);
	free(s->requests);
	s->requests = NULL;
	pthread_mutex_destroy(&s->mu);
}

void
ag_lb_url(const struct ag_lb_server *s, char *buf, size_t n)
{
	snprintf(buf, n, "http://127.0.0.1:%d", s->port);
}

const char *
ag_lb_action(const struct ag_lb_server *s, int i, char *buf, size_t n)
{
	buf[0] = '\0';
	if (i < 0 || i >= AG_LB_MAX_SCRIPT || s->requests == NULL)
		return buf;
	return action_of(s->requests[i], buf, n);
}

int
ag_lb_count(const struct ag_lb_server *s, const char *action)
{
	char a[128];
	int i, n = 0, total = s->served + s->unscripted;

	for (i = 0; i < total && i < AG_LB_MAX_SCRIPT; i++)
		if (strcmp(ag_lb_action(s, i, a, sizeof(a)), action) == 0)
			n++;
	return n;
}
