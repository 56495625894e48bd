#include "loopback.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
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

static void *
serve(void *arg)
{
	struct ag_lb_server *s = arg;
	char scratch[AG_LB_REQ_MAX];

	for (;;) {
		int c = accept(s->fd, NULL, NULL);

		if (c < 0)
			break;
		s->conn = c;
		/* Several requests may come over one kept-alive connection. */
		for (;;) {
			int i = s->served + s->unscripted;
			char *req = i < AG_LB_MAX_SCRIPT ? s->requests[i] : scratch;
			const struct ag_lb_canned *k;
			struct ag_lb_canned late = {500, UNSCRIPTED, NULL};
			char *out;
			int olen;

			if (read_request(c, req, AG_LB_REQ_MAX) < 0)
				break;
			if (s->served < s->n_script) {
				k = &s->script[s->served];
				s->served++;
			} else {
				k = &late;
				s->unscripted++;
			}
			olen = asprintf(&out,
			    "HTTP/1.1 %d X\r\nContent-Type: text/xml\r\nContent-Length: %zu\r\n"
			    "%s%s%s\r\n%s",
			    k->status, strlen(k->body), k->request_id ? "x-amzn-RequestId: " : "",
			    k->request_id ? k->request_id : "", k->request_id ? "\r\n" : "",
			    k->body);
			if (olen < 0)
				break;
			if (write(c, out, (size_t)olen) != olen) {
				free(out);
				break;
			}
			free(out);
		}
		s->conn = -1;
		close(c);
	}
	return NULL;
}

void
ag_lb_init(struct ag_lb_server *s)
{
	memset(s, 0, sizeof(*s));
	s->fd = -1;
	s->conn = -1;
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
	if (s->fd < 0)
		return;
	shutdown(s->fd, SHUT_RDWR);
	if (s->conn >= 0)
		shutdown(s->conn, SHUT_RDWR);
	close(s->fd);
	s->fd = -1;
	pthread_join(s->th, NULL);
}

void
ag_lb_release(struct ag_lb_server *s)
{
	ag_lb_stop(s);
	free(s->requests);
	s->requests = NULL;
}

void
ag_lb_url(const struct ag_lb_server *s, char *buf, size_t n)
{
	snprintf(buf, n, "http://127.0.0.1:%d", s->port);
}

const char *
ag_lb_action(const struct ag_lb_server *s, int i, char *buf, size_t n)
{
	const char *p, *body;
	size_t k = 0;

	buf[0] = '\0';
	if (i < 0 || i >= AG_LB_MAX_SCRIPT || s->requests == NULL)
		return buf;
	body = strstr(s->requests[i], "\r\n\r\n");
	if (body == NULL)
		return buf;
	p = strstr(body, "Action=");
	if (p == NULL)
		return buf;
	for (p += 7; *p && *p != '&' && k + 1 < n; p++)
		buf[k++] = *p;
	buf[k] = '\0';
	return buf;
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
