#ifndef AG_AGENT_HTTP_H
#define AG_AGENT_HTTP_H

#include <stddef.h>

#include "core/buf.h"
#include "core/error.h"

/*
 * A small HTTP listener on libmicrohttpd, for /metrics, the status page,
 * health checks and webhooks. Requests are served one at a time on the
 * library's own thread: the handler must lock whatever it shares with the
 * daemon loop. Request bodies are bounded (max_body); a larger one gets 413
 * without the handler being called.
 */
struct ag_http;

struct ag_http_request {
	const char *method; /* "GET", "POST", ... */
	const char *path;   /* "/metrics" (no query string) */
	const char *body;   /* NUL-terminated; "" when none */
	size_t body_len;
	void *conn; /* private */
};

struct ag_http_reply {
	int status;               /* default 200 */
	const char *content_type; /* default "text/plain; charset=utf-8" */
	struct ag_buf body;       /* bounded at 16 MiB */
};

typedef void (*ag_http_handler_fn)(
    void *ctx, const struct ag_http_request *req, struct ag_http_reply *rep);

/*
 * Listens on addr ("127.0.0.1:9464", "[::1]:9464", "0.0.0.0:9464"; port 0
 * picks a free one). Fails with the address quoted when it is malformed or
 * cannot be bound.
 */
int ag_http_start(struct ag_http **out, const char *addr, size_t max_body, ag_http_handler_fn fn,
    void *ctx, struct ag_error *err);
/* Stops listening and waits for the request in progress. NULL-safe. */
void ag_http_stop(struct ag_http *h);
/* The bound port (useful with port 0). */
unsigned ag_http_port(const struct ag_http *h);

/* A request header (case-insensitive name), or NULL. */
const char *ag_http_header(const struct ag_http_request *req, const char *name);

/* Splits "HOST:PORT" / "[V6]:PORT" into host (caller frees) and port. */
int ag_http_parse_addr(char **host, unsigned *port, const char *addr, struct ag_error *err);

#endif
