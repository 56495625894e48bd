/*
 * The forge transport: one libcurl handle, TLS verification on, no
 * redirects (a redirect could carry the token elsewhere), bounded replies,
 * retries for rate limits, 5xx and network failures through the clock.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <jansson.h>

#include "core/buf.h"
#include "core/error.h"
#include "core/kv.h"
#include "core/log.h"
#include "core/mem.h"
#include "forge/forge.h"
#include "forge/internal.h"

#include "core/compat.h"

void
ag_forge_reply_init(struct ag_forge_reply *r)
{
	r->status = 0;
	ag_buf_init(&r->body, AG_FORGE_BODY_MAX);
	ag_kvlist_init(&r->headers);
}

void
ag_forge_reply_release(struct ag_forge_reply *r)
{
	ag_buf_release(&r->body);
	ag_kvlist_release(&r->headers);
}

struct xfer {
	struct ag_forge_reply *r;
	bool too_big;
};

static size_t
on_body(char *p, size_t sz, size_t n, void *ud)
{
	struct xfer *x = ud;

	if (ag_buf_add(&x->r->body, p, sz * n) != 0) {
		x->too_big = true;
		return 0;
	}
	return sz * n;
}

/* Keeps the headers the retry and pagination rules read. */
static size_t
on_header(char *p, size_t sz, size_t n, void *ud)
{
	static const char *const keep[] = {"retry-after", "x-ratelimit-remaining",
	    "x-ratelimit-reset", "ratelimit-reset", "link", "x-next-page"};
	struct xfer *x = ud;
	size_t len = sz * n, i, nl, vl;
	const char *v;
	char *name, *val;

	if (len > 5 && strncmp(p, "HTTP/", 5) == 0) {
		/* a new response (after 100 Continue): forget the old headers */
		ag_kvlist_release(&x->r->headers);
		ag_kvlist_init(&x->r->headers);
		return len;
	}
	for (i = 0; i < sizeof(keep) / sizeof(keep[0]); i++) {
		nl = strlen(keep[i]);
		if (len <= nl || strncasecmp(p, keep[i], nl) != 0 || p[nl] != ':')
			continue;
		v = p + nl + 1;
		vl = len - nl - 1;
		while (vl > 0 && (*v == ' ' || *v == '\t')) {
			v++;
			vl--;
		}
		while (vl > 0 && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == ' '))
			vl--;
		if (vl > 8192)
			break;
		name = ag_xstrdup(keep[i]);
		val = ag_xstrndup(v, vl);
		ag_kvlist_set(&x->r->headers, name, val);
		free(name);
		free(val);
		break;
	}
	return len;
}

static struct curl_slist *
auth_headers(const struct ag_forge *f, bool json)
{
	struct curl_slist *hl = NULL;
	char *line;

	switch (f->token_kind) {
	case AG_FORGE_TOKEN_BEARER:
		line = ag_xasprintf("Authorization: Bearer %s", f->token);
		break;
	case AG_FORGE_TOKEN_PRIVATE:
		line = ag_xasprintf("PRIVATE-TOKEN: %s", f->token);
		break;
	case AG_FORGE_TOKEN_JOB:
	default:
		line = ag_xasprintf("JOB-TOKEN: %s", f->token);
		break;
	}
	hl = curl_slist_append(hl, line);
	explicit_bzero(line, strlen(line));
	free(line);
	if (f->kind == AG_FORGE_GITHUB) {
		hl = curl_slist_append(hl, "Accept: application/vnd.github+json");
		hl = curl_slist_append(hl, "X-GitHub-Api-Version: 2022-11-28");
	} else {
		hl = curl_slist_append(hl, "Accept: application/json");
	}
	if (json)
		hl = curl_slist_append(hl, "Content-Type: application/json");
	hl = curl_slist_append(hl, "Expect:");
	return hl;
}

/* One attempt. Returns 0 with r->status set, or AG_ENET (transient),
 * AG_ETOOBIG or AG_EDENIED (an untrusted certificate). */
static int
attempt(struct ag_forge *f, const char *method, const char *url, const char *json,
    struct ag_forge_reply *r, struct ag_error *err)
{
	struct xfer x = {r, false};
	struct curl_slist *hl;
	CURLcode rc;
	long code = 0;
	int ret = 0;

	ag_buf_reset(&r->body);
	ag_kvlist_release(&r->headers);
	ag_kvlist_init(&r->headers);
	r->status = 0;
	curl_easy_reset(f->curl);
	f->curl_err[0] = '\0';
	curl_easy_setopt(f->curl, CURLOPT_ERRORBUFFER, f->curl_err);
	curl_easy_setopt(f->curl, CURLOPT_URL, url);
	curl_easy_setopt(f->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(f->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(f->curl, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(f->curl, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(f->curl, CURLOPT_SSL_VERIFYHOST, 2L);
	if (f->ca_bundle != NULL)
		curl_easy_setopt(f->curl, CURLOPT_CAINFO, f->ca_bundle);
	curl_easy_setopt(f->curl, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
	curl_easy_setopt(f->curl, CURLOPT_TIMEOUT_MS, 60000L);
	curl_easy_setopt(f->curl, CURLOPT_USERAGENT, "aurora-gitops/" AG_VERSION);
	curl_easy_setopt(f->curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(f->curl, CURLOPT_WRITEDATA, &x);
	curl_easy_setopt(f->curl, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(f->curl, CURLOPT_HEADERDATA, &x);
	if (strcmp(method, "GET") == 0) {
		curl_easy_setopt(f->curl, CURLOPT_HTTPGET, 1L);
	} else {
		curl_easy_setopt(f->curl, CURLOPT_POSTFIELDS, json != NULL ? json : "");
		curl_easy_setopt(f->curl, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)(json != NULL ? strlen(json) : 0));
		if (strcmp(method, "POST") != 0)
			curl_easy_setopt(f->curl, CURLOPT_CUSTOMREQUEST, method);
	}
	hl = auth_headers(f, json != NULL);
	curl_easy_setopt(f->curl, CURLOPT_HTTPHEADER, hl);
	rc = curl_easy_perform(f->curl);
	if (rc != CURLE_OK) {
		if (x.too_big)
			ret = ag_error_set(err, AG_ETOOBIG,
			    "reply of %s %s is larger than %zu bytes", method, url, r->body.max);
		else if (rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE ||
		         rc == CURLE_SSL_CERTPROBLEM)
			/* not transient: never retried */
			ret = ag_error_set(err, AG_EDENIED,
			    "%s %s: the server's TLS certificate is not trusted (%s); pass "
			    "--ca-bundle FILE for a private certificate authority",
			    method, url, f->curl_err[0] ? f->curl_err : curl_easy_strerror(rc));
		else
			ret = ag_error_set(err, AG_ENET, "%s %s: %s", method, url,
			    f->curl_err[0] ? f->curl_err : curl_easy_strerror(rc));
	} else {
		curl_easy_getinfo(f->curl, CURLINFO_RESPONSE_CODE, &code);
		r->status = code;
	}
	curl_easy_setopt(f->curl, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(hl);
	return ret;
}

int
ag_forge_call(struct ag_forge *f, const char *method, const char *url, const char *json,
    struct ag_forge_reply *out, const char *what, struct ag_error *err)
{
	int n, rc = 0;

	if (!ag_forge_same_origin(f->api_url, url))
		return ag_error_set(err, AG_EINVAL,
		    "cannot %s: '%s' is not under the API URL '%s'; the token is not sent there",
		    what, url, f->api_url);
	for (n = 0; n < f->max_attempts; n++) {
		struct ag_error e = AG_ERROR_INIT;
		bool limited = false;
		int64_t wait;

		rc = attempt(f, method, url, json, out, &e);
		if (rc == AG_ETOOBIG || rc == AG_EDENIED) {
			*err = e;
			return rc;
		}
		wait = ag_forge_retry_wait(&limited, rc < 0 ? 0 : out->status, &out->headers, n,
		    f->clock->now_ms(f->clock->ctx) / 1000, f->base_wait_ms,
		    f->rand->uniform(f->rand->ctx));
		if (wait < 0)
			return 0;
		if (n + 1 >= f->max_attempts) {
			if (rc < 0) {
				*err = e;
				ag_error_prefix(err, "cannot %s after %d attempts", what, n + 1);
				return rc;
			}
			if (limited)
				return ag_error_set(err, AG_ETIMEOUT,
				    "cannot %s: still rate limited (HTTP %ld) after %d attempts",
				    what, out->status, n + 1);
			return 0; /* the caller reports the last status */
		}
		if (wait > f->max_wait_ms) {
			return ag_error_set(err, AG_ETIMEOUT,
			    "cannot %s: the API asks to wait %lld s (rate limit), longer than "
			    "the %lld s allowed",
			    what, (long long)(wait / 1000), (long long)(f->max_wait_ms / 1000));
		}
		if (rc < 0)
			ag_log_warn("%s: %s; retrying in %lld ms", what, e.msg, (long long)wait);
		else
			ag_log_warn("%s: HTTP %ld%s; retrying in %lld ms", what, out->status,
			    limited ? " (rate limited)" : "", (long long)wait);
		f->clock->sleep_ms(f->clock->ctx, wait);
	}
	return rc;
}

/* The API's own words, cut and cleaned (it may echo what we sent, never the
 * token: the token is not in any body we send). */
static void
api_message(char *out, size_t n, const struct ag_forge_reply *r)
{
	json_t *j = json_loadb(r->body.ptr, r->body.len, 0, NULL);
	const char *m = NULL;
	size_t i, k = 0;

	out[0] = '\0';
	if (j != NULL) {
		m = json_string_value(json_object_get(j, "message"));
		if (m == NULL)
			m = json_string_value(json_object_get(j, "error"));
	}
	for (i = 0; m != NULL && m[i] && k + 1 < n && i < 300; i++)
		out[k++] = (unsigned char)m[i] < 0x20 ? ' ' : m[i];
	out[k] = '\0';
	json_decref(j);
}

int
ag_forge_reply_error(const struct ag_forge *f, const struct ag_forge_reply *r, const char *what,
    const char *permission, struct ag_error *err)
{
	char msg[320];
	const char *forge = f->kind == AG_FORGE_GITHUB ? "GitHub" : "GitLab";

	api_message(msg, sizeof(msg), r);
	switch (r->status) {
	case 401:
		return ag_error_set(err, AG_EDENIED,
		    "cannot %s: %s refused the token (401 Unauthorized%s%s): check that %s "
		    "holds a valid token",
		    what, forge, msg[0] ? ": " : "", msg,
		    f->kind == AG_FORGE_GITHUB ? "GITHUB_TOKEN" : "GITLAB_TOKEN or CI_JOB_TOKEN");
	case 403:
		return ag_error_set(err, AG_EDENIED,
		    "cannot %s: %s answered 403 Forbidden%s%s: the token lacks the %s permission",
		    what, forge, msg[0] ? ": " : "", msg, permission);
	case 404:
		return ag_error_set(err, AG_ENOTFOUND,
		    "cannot %s: %s answered 404 Not Found%s%s: check the project '%s' and the "
		    "number (a token that cannot see the project gets 404 too; it needs %s)",
		    what, forge, msg[0] ? ": " : "", msg, f->project, permission);
	default:
		return ag_error_set(err, r->status >= 500 ? AG_ENET : AG_ERROR,
		    "cannot %s: %s answered HTTP %ld%s%s", what, forge, r->status,
		    msg[0] ? ": " : "", msg);
	}
}
