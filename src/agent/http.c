#include "agent/http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <microhttpd.h>

#include "core/mem.h"

#include "core/compat.h"

#define AG_HTTP_MAX_REPLY (16u << 20)

struct ag_http {
	struct MHD_Daemon *mhd;
	ag_http_handler_fn fn;
	void *ctx;
	size_t max_body;
	char *addr;
};

/* Per-connection request state (MHD's con_cls). */
struct pending {
	struct ag_buf body;
	int too_big;
};

int
ag_http_parse_addr(char **host, unsigned *port, const char *addr, struct ag_error *err)
{
	const char *colon, *h, *hend;
	char *end;
	unsigned long p;

	if (addr == NULL || *addr == '\0')
		return ag_error_set(
		    err, AG_EINVAL, "invalid listen address '': expected HOST:PORT");
	if (addr[0] == '[') {
		hend = strchr(addr, ']');
		if (hend == NULL || hend[1] != ':')
			return ag_error_set(err, AG_EINVAL,
			    "invalid listen address '%s': expected [IPV6]:PORT", addr);
		h = addr + 1;
		colon = hend + 1;
	} else {
		colon = strrchr(addr, ':');
		if (colon == NULL || memchr(addr, ':', (size_t)(colon - addr)) != NULL)
			return ag_error_set(err, AG_EINVAL,
			    "invalid listen address '%s': expected HOST:PORT, e.g. 127.0.0.1:9464",
			    addr);
		h = addr;
		hend = colon;
	}
	errno = 0;
	p = strtoul(colon + 1, &end, 10);
	if (colon[1] == '\0' || *end != '\0' || errno != 0 || p > 65535 || colon[1] == '-' ||
	    colon[1] == '+')
		return ag_error_set(err, AG_EINVAL, "invalid listen address '%s': bad port", addr);
	*host = hend == h ? ag_xstrdup("0.0.0.0") : ag_xstrndup(h, (size_t)(hend - h));
	*port = (unsigned)p;
	return 0;
}

const char *
ag_http_header(const struct ag_http_request *req, const char *name)
{
	return MHD_lookup_connection_value(
	    (struct MHD_Connection *)req->conn, MHD_HEADER_KIND, name);
}

static enum MHD_Result
send_reply(struct MHD_Connection *conn, int status, const char *type, const void *data, size_t len)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(len, (void *)data, MHD_RESPMEM_MUST_COPY);
	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", type);
	MHD_add_response_header(r, "Cache-Control", "no-store");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	ret = MHD_queue_response(conn, (unsigned)status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
    const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	struct ag_http *h = cls;
	struct pending *p = *con_cls;
	struct ag_http_request req;
	struct ag_http_reply rep;
	const char *cl;
	enum MHD_Result ret;

	(void)version;
	if (p == NULL) {
		p = ag_xcalloc(1, sizeof(*p));
		ag_buf_init(&p->body, h->max_body);
		cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
		if (cl != NULL && strtoull(cl, NULL, 10) > h->max_body)
			p->too_big = 1;
		*con_cls = p;
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		if (!p->too_big && ag_buf_add(&p->body, upload_data, *upload_data_size) != 0)
			p->too_big = 1;
		*upload_data_size = 0; /* consumed (or dropped when too big) */
		return MHD_YES;
	}
	if (p->too_big) {
		static const char msg[] = "request body too large\n";
		return send_reply(conn, 413, "text/plain; charset=utf-8", msg, sizeof(msg) - 1);
	}
	memset(&req, 0, sizeof(req));
	req.method = method;
	req.path = url;
	req.body = p->body.ptr;
	req.body_len = p->body.len;
	req.conn = conn;
	memset(&rep, 0, sizeof(rep));
	rep.status = 200;
	rep.content_type = "text/plain; charset=utf-8";
	ag_buf_init(&rep.body, AG_HTTP_MAX_REPLY);
	h->fn(h->ctx, &req, &rep);
	ret = send_reply(conn, rep.status, rep.content_type, rep.body.ptr, rep.body.len);
	ag_buf_release(&rep.body);
	return ret;
}

static void
on_completed(
    void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode toe)
{
	struct pending *p = *con_cls;

	(void)cls;
	(void)conn;
	(void)toe;
	if (p == NULL)
		return;
	ag_buf_release(&p->body);
	free(p);
	*con_cls = NULL;
}

int
ag_http_start(struct ag_http **out, const char *addr, size_t max_body, ag_http_handler_fn fn,
    void *ctx, struct ag_error *err)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	struct ag_http *h = NULL;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL;
	char *host = NULL;
	unsigned port = 0;
	int rc;

	*out = NULL;
	rc = ag_http_parse_addr(&host, &port, addr, err);
	if (rc != 0)
		goto out;
	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
	} else if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		flags |= MHD_USE_IPv6;
	} else {
		rc = ag_error_set(err, AG_EINVAL,
		    "invalid listen address '%s': the host must be a numeric IP address", addr);
		goto out;
	}
	h = ag_xcalloc(1, sizeof(*h));
	h->fn = fn;
	h->ctx = ctx;
	h->max_body = max_body;
	h->addr = ag_xstrdup(addr);
	h->mhd = MHD_start_daemon(flags, (uint16_t)port, NULL, NULL, on_request, h,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss, MHD_OPTION_NOTIFY_COMPLETED, on_completed,
	    NULL, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)10, MHD_OPTION_CONNECTION_LIMIT,
	    (unsigned)64, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024), MHD_OPTION_END);
	if (h->mhd == NULL) {
		rc = ag_error_set(err, AG_EIO, "cannot listen on '%s': %s", addr,
		    errno ? strerror(errno) : "address in use or not available");
		goto out;
	}
	*out = h;
	h = NULL;
out:
	if (h != NULL) {
		free(h->addr);
		free(h);
	}
	free(host);
	return rc;
}

unsigned
ag_http_port(const struct ag_http *h)
{
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(h->mhd, MHD_DAEMON_INFO_BIND_PORT);

	return info ? info->port : 0;
}

void
ag_http_stop(struct ag_http *h)
{
	if (h == NULL)
		return;
	MHD_stop_daemon(h->mhd);
	free(h->addr);
	free(h);
}
