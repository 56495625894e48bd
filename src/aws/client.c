/*
 * The client: libcurl transport (one easy handle, kept alive), SigV4
 * signing, Query encoding, standard-mode retries with jittered
 * exponential backoff, error decoding, request ids and counters.
 */
#include "aws/batch.h"
#include "aws/client.h"
#include "aws/internal.h"
#include "aws/query.h"
#include "aws/sigv4.h"
#include "core/bug.h"
#include "core/escape.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/redact.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <curl/curl.h>
#include <jansson.h>

#include "core/compat.h"

/* Query API versions; NULL for the JSON 1.1 services. */
static const char *const api_versions[AG_AWS_N_SERVICES] = {
    "2014-10-31", "2016-11-15", "2011-06-15", "2010-05-08", "2010-08-01", NULL, NULL};
/* X-Amz-Target prefixes of the JSON 1.1 services. */
static const char *const json_targets[AG_AWS_N_SERVICES] = {
    NULL, NULL, NULL, NULL, NULL, "TrentService", "AnyScaleFrontendService"};

struct ag_aws_client {
	struct ag_aws_config cfg;
	char *endpoint[AG_AWS_N_SERVICES];
	const struct ag_clock *clock;
	const struct ag_rand *rnd;
	const volatile sig_atomic_t *stop;
	CURL *curl;
	char curl_err[CURL_ERROR_SIZE];
	struct ag_aws_creds creds;
	int have_creds;
	int creds_fixed;
	int resolving;
	char fixed_date[17];
	struct ag_aws_error_info last_error;
	struct ag_strlist request_ids;
	struct ag_aws_counter *counters;
	size_t n_counters;
	size_t cap_counters;
	struct ag_redactor redact; /* secrets kept out of every message */
	unsigned long creds_gen;   /* bumped whenever creds change */
	/* A parent's easy handles for its lanes, kept (with their open
	 * connections) from one concurrent read to the next. */
	CURL *lane_curl[AG_AWS_MAX_IN_FLIGHT];
	pthread_mutex_t lock; /* a parent's: held by a lane while it uses the parent */
	bool lock_ready;
	/* A lane (ag_aws_lane_new): parent is the client it reads for. Its
	 * curl handle is lent by the parent; credentials come from the parent
	 * under the parent's lock. */
	struct ag_aws_client *parent;
	struct ag_xml_reader *xml; /* made at the first XML reply */
};

static char *
dup_secret(const char *s)
{
	return ag_xstrdup(s);
}

static void
free_secret(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

void
ag_aws_creds_release(struct ag_aws_creds *c)
{
	if (!c)
		return;
	free(c->access_key_id);
	free_secret(c->secret_access_key);
	free_secret(c->session_token);
	free(c->source);
	memset(c, 0, sizeof(*c));
}

void
ag_aws_creds_copy(struct ag_aws_creds *dst, const struct ag_aws_creds *src)
{
	dst->access_key_id = ag_xstrdup(src->access_key_id);
	dst->secret_access_key = dup_secret(src->secret_access_key);
	dst->session_token = dup_secret(src->session_token);
	dst->expires_ms = src->expires_ms;
	dst->source = ag_xstrdup(src->source);
}

void
ag_aws_mask_key_id(char *out, size_t outlen, const char *id)
{
	size_t n = id ? strlen(id) : 0;

	if (n >= 12)
		snprintf(out, outlen, "%.4s****%s", id, id + n - 4);
	else
		snprintf(out, outlen, "****");
}

void
ag_aws_error_info_release(struct ag_aws_error_info *e)
{
	if (!e)
		return;
	free(e->code);
	free(e->message);
	free(e->request_id);
	memset(e, 0, sizeof(*e));
}

void
ag_aws_response_release(struct ag_aws_response *r)
{
	if (!r)
		return;
	free(r->request_id);
	ag_xml_free(r->root);
	memset(r, 0, sizeof(*r));
}

int
ag_aws_parse_error(struct ag_aws_error_info *out, const char *body, size_t len)
{
	struct ag_xml_node *root = NULL;
	const struct ag_xml_node *e;
	int ret = AG_EINVAL;

	memset(out, 0, sizeof(*out));
	if (ag_xml_parse(&root, body, len, "error reply", NULL) != 0)
		return AG_EINVAL;
	e = strcmp(root->name, "Error") == 0 ? root : ag_xml_find(root, "Error");
	if (e && ag_xml_text(e, "Code")) {
		out->code = ag_xml_dup(e, "Code");
		out->message = ag_xml_dup(e, "Message");
		out->request_id = ag_xml_dup(root, "RequestId");
		if (!out->request_id)
			out->request_id = ag_xml_dup(root, "RequestID");
		ret = AG_OK;
	}
	ag_xml_free(root);
	return ret;
}

static char *
cfg_dup(const char *s)
{
	return ag_xstrdup(s);
}

static void
config_copy(struct ag_aws_config *d, const struct ag_aws_config *s)
{
	int i;

	*d = *s;
	d->region = cfg_dup(s->region);
	d->region_source = cfg_dup(s->region_source);
	d->profile = cfg_dup(s->profile ? s->profile : "default");
	d->credentials_file = cfg_dup(s->credentials_file);
	d->config_file = cfg_dup(s->config_file);
	for (i = 0; i < AG_AWS_N_SERVICES; i++)
		d->endpoint[i] = cfg_dup(s->endpoint[i]);
	d->endpoint_all = cfg_dup(s->endpoint_all);
	d->access_key_id = cfg_dup(s->access_key_id);
	d->secret_access_key = cfg_dup(s->secret_access_key);
	d->session_token = cfg_dup(s->session_token);
	d->role_arn = cfg_dup(s->role_arn);
	d->web_identity_token_file = cfg_dup(s->web_identity_token_file);
	d->role_session_name = cfg_dup(s->role_session_name);
	d->container_relative_uri = cfg_dup(s->container_relative_uri);
	d->container_full_uri = cfg_dup(s->container_full_uri);
	d->container_auth_token = cfg_dup(s->container_auth_token);
	d->container_auth_token_file = cfg_dup(s->container_auth_token_file);
	d->imds_endpoint = cfg_dup(s->imds_endpoint);
	d->ca_bundle = cfg_dup(s->ca_bundle);
	d->sso_cache_dir = cfg_dup(s->sso_cache_dir);
	d->sso_endpoint = cfg_dup(s->sso_endpoint);
	d->sso_oidc_endpoint = cfg_dup(s->sso_oidc_endpoint);
}

/* What a client owns besides its handles (shared by clients and lanes). */
static void
release_state(struct ag_aws_client *c)
{
	size_t i;

	for (i = 0; i < AG_AWS_N_SERVICES; i++)
		free(c->endpoint[i]);
	ag_aws_config_release(&c->cfg);
	ag_aws_creds_release(&c->creds);
	ag_aws_error_info_release(&c->last_error);
	ag_strlist_release(&c->request_ids);
	for (i = 0; i < c->n_counters; i++)
		free(c->counters[i].action);
	free(c->counters);
	ag_redactor_release(&c->redact);
	ag_xml_reader_free(c->xml);
	c->xml = NULL;
}

int
ag_aws_client_new(struct ag_aws_client **out, const struct ag_aws_config *cfg,
    const struct ag_clock *clock, const struct ag_rand *rnd, struct ag_error *err)
{
	struct ag_aws_client *c;
	int i;

	*out = NULL;
	if (!cfg || !clock || !rnd)
		AG_BUG("ag_aws_client_new: NULL argument");
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return ag_error_set(err, AG_ERROR, "cannot initialize libcurl");
	c = ag_xcalloc(1, sizeof(*c));
	config_copy(&c->cfg, cfg);
	if (c->cfg.max_attempts < 1)
		c->cfg.max_attempts = 1;
	for (i = 0; i < AG_AWS_N_SERVICES; i++)
		c->endpoint[i] = ag_aws_config_endpoint(&c->cfg, (enum ag_aws_service)i);
	if (!c->endpoint[AG_AWS_STS])
		c->endpoint[AG_AWS_STS] = ag_xstrdup("https://sts.amazonaws.com");
	/* IAM is global: one endpoint whatever the region */
	if (!(c->cfg.endpoint[AG_AWS_IAM] && c->cfg.endpoint[AG_AWS_IAM][0]) &&
	    !(c->cfg.endpoint_all && c->cfg.endpoint_all[0])) {
		free(c->endpoint[AG_AWS_IAM]);
		c->endpoint[AG_AWS_IAM] = ag_xstrdup("https://iam.amazonaws.com");
	}
	c->clock = clock;
	c->rnd = rnd;
	if (pthread_mutex_init(&c->lock, NULL) != 0) {
		ag_aws_client_free(c);
		return ag_error_set(err, AG_ERROR, "cannot create the AWS client's lock");
	}
	c->lock_ready = true;
	c->curl = curl_easy_init();
	if (!c->curl) {
		ag_aws_client_free(c);
		return ag_error_set(err, AG_ERROR, "cannot create a libcurl handle");
	}
	*out = c;
	return AG_OK;
}

void
ag_aws_client_free(struct ag_aws_client *c)
{
	size_t i;

	if (!c)
		return;
	if (c->parent)
		AG_BUG("ag_aws_client_free: a lane is released with ag_aws_lane_merge");
	if (c->curl)
		curl_easy_cleanup(c->curl);
	for (i = 0; i < AG_AWS_MAX_IN_FLIGHT; i++)
		if (c->lane_curl[i])
			curl_easy_cleanup(c->lane_curl[i]);
	if (c->lock_ready)
		pthread_mutex_destroy(&c->lock);
	curl_global_cleanup();
	release_state(c);
	free(c);
}

void
ag_aws_client_add_secret(struct ag_aws_client *c, const char *secret)
{
	ag_redactor_add(&c->redact, secret);
}

const struct ag_redactor *
ag_aws_client_redactor(const struct ag_aws_client *c)
{
	return &c->redact;
}

const struct ag_aws_config *
ag_aws_client_config(const struct ag_aws_client *c)
{
	return &c->cfg;
}

void
ag_aws_client_set_stop(struct ag_aws_client *c, const volatile sig_atomic_t *stop)
{
	c->stop = stop;
}

int
ag_aws_client_set_max_attempts(struct ag_aws_client *c, int n)
{
	int old = c->cfg.max_attempts;

	c->cfg.max_attempts = n < 1 ? 1 : n;
	return old;
}

bool
ag_aws_client_stopping(const struct ag_aws_client *c)
{
	return c->stop != NULL && *c->stop != 0;
}

const struct ag_clock *
ag_aws_client_clock(const struct ag_aws_client *c)
{
	return c->clock;
}

void
ag_aws_client_set_credentials(struct ag_aws_client *c, const struct ag_aws_creds *creds)
{
	ag_aws_creds_release(&c->creds);
	ag_aws_creds_copy(&c->creds, creds);
	if (!c->creds.source)
		c->creds.source = ag_xstrdup("explicit credentials");
	c->have_creds = 1;
	c->creds_fixed = 1;
	c->creds_gen++;
}

void
ag_aws_client_set_fixed_date(struct ag_aws_client *c, const char *amz_date)
{
	if (amz_date)
		snprintf(c->fixed_date, sizeof(c->fixed_date), "%s", amz_date);
	else
		c->fixed_date[0] = '\0';
}

/* A lane's credentials are its parent's, resolved or refreshed by the
 * parent under the parent's lock (one refresh for all lanes), copied when
 * they changed. */
static int
lane_credentials(struct ag_aws_client *c, const struct ag_aws_creds **out, struct ag_error *err)
{
	const struct ag_aws_creds *pc = NULL;
	int ret;

	pthread_mutex_lock(&c->parent->lock);
	ret = ag_aws_client_credentials(c->parent, &pc, err);
	if (ret == 0 && pc == NULL)
		ret = ag_error_set(err, AG_ERROR, "no AWS credentials were resolved");
	if (ret == 0 && pc != NULL && (!c->have_creds || c->creds_gen != c->parent->creds_gen)) {
		ag_aws_creds_release(&c->creds);
		ag_aws_creds_copy(&c->creds, pc);
		c->creds_gen = c->parent->creds_gen;
		c->have_creds = 1;
	}
	pthread_mutex_unlock(&c->parent->lock);
	if (ret == 0)
		*out = &c->creds;
	return ret;
}

/* AWS said the credentials c signed with have expired: the next call
 * resolves them again (a lane tells its parent, unless another lane
 * already had them refreshed). */
static void
creds_expired(struct ag_aws_client *c)
{
	if (c->parent != NULL) {
		pthread_mutex_lock(&c->parent->lock);
		if (c->parent->creds_gen == c->creds_gen && !c->parent->creds_fixed)
			c->parent->have_creds = 0;
		pthread_mutex_unlock(&c->parent->lock);
	}
	c->have_creds = 0;
}

int
ag_aws_client_credentials(
    struct ag_aws_client *c, const struct ag_aws_creds **out, struct ag_error *err)
{
	struct ag_aws_creds fresh;
	int64_t now;
	int ret;

	*out = NULL;
	if (c->parent != NULL)
		return lane_credentials(c, out, err);
	now = c->clock->now_ms(c->clock->ctx);
	if (c->have_creds && (c->creds_fixed || c->creds.expires_ms == 0 ||
	                         now + c->cfg.refresh_margin_ms < c->creds.expires_ms)) {
		*out = &c->creds;
		return AG_OK;
	}
	if (c->resolving)
		return ag_error_set(err, AG_ERROR, "credential resolution is already in progress");
	memset(&fresh, 0, sizeof(fresh));
	c->resolving = 1;
	ret = ag_aws_creds_resolve(c, &fresh, err);
	c->resolving = 0;
	if (ret == AG_ENOTFOUND) {
		/* Never let a missing file or role read as "resource not found". */
		ret = AG_EINVAL;
		if (err)
			err->code = ret;
	}
	if (ret != 0) {
		/* Keep using still-valid credentials when a refresh fails. */
		if (c->have_creds && now < c->creds.expires_ms) {
			ag_log_warn("refreshing AWS credentials failed, using the current ones "
			            "until they expire: %s",
			    err ? err->msg : "");
			ag_error_clear(err);
			*out = &c->creds;
			return AG_OK;
		}
		return ret;
	}
	ag_aws_creds_release(&c->creds);
	c->creds = fresh;
	c->have_creds = 1;
	c->creds_gen++;
	if (c->creds.expires_ms)
		ag_log_debug("AWS credentials from %s, valid until %lld ms", c->creds.source,
		    (long long)c->creds.expires_ms);
	*out = &c->creds;
	return AG_OK;
}

const struct ag_aws_error_info *
ag_aws_client_last_error(const struct ag_aws_client *c)
{
	return &c->last_error;
}

const struct ag_strlist *
ag_aws_client_request_ids(const struct ag_aws_client *c)
{
	return &c->request_ids;
}

void
ag_aws_client_clear_request_ids(struct ag_aws_client *c)
{
	ag_strlist_release(&c->request_ids);
}

/* Keeps the most recent AG_AWS_MAX_REQUEST_IDS ids (a daemon never clears them). */
static void
keep_request_id(struct ag_aws_client *c, const char *id)
{
	if (c->request_ids.n >= AG_AWS_MAX_REQUEST_IDS) {
		size_t drop = c->request_ids.n / 2, i;

		for (i = 0; i < drop; i++)
			free(c->request_ids.v[i]);
		memmove(c->request_ids.v, c->request_ids.v + drop,
		    (c->request_ids.n - drop) * sizeof(c->request_ids.v[0]));
		c->request_ids.n -= drop;
	}
	ag_strlist_add(&c->request_ids, id);
}

/* The counter of "svc:Action", made on first use. */
static struct ag_aws_counter *
counter_key(struct ag_aws_client *c, const char *key)
{
	size_t i;

	for (i = 0; i < c->n_counters; i++)
		if (strcmp(c->counters[i].action, key) == 0)
			return &c->counters[i];
	AG_GROW(c->counters, c->cap_counters, c->n_counters + 1);
	c->counters[c->n_counters].action = ag_xstrdup(key);
	c->counters[c->n_counters].requests = 0;
	c->counters[c->n_counters].errors = 0;
	return &c->counters[c->n_counters++];
}

static struct ag_aws_counter *
counter(struct ag_aws_client *c, enum ag_aws_service svc, const char *action)
{
	char *key = ag_xasprintf("%s:%s", ag_aws_service_name(svc), action);
	struct ag_aws_counter *k = counter_key(c, key);

	free(key);
	return k;
}

unsigned long
ag_aws_client_request_count(const struct ag_aws_client *c, const char *action)
{
	unsigned long n = 0;
	size_t i;

	for (i = 0; i < c->n_counters; i++) {
		const char *k = c->counters[i].action, *colon = strchr(k, ':');

		if (!action || strcmp(k, action) == 0 || (colon && strcmp(colon + 1, action) == 0))
			n += c->counters[i].requests;
	}
	return n;
}

const struct ag_aws_counter *
ag_aws_client_counters(const struct ag_aws_client *c, size_t *n)
{
	*n = c->n_counters;
	return c->counters;
}

void
ag_aws_client_reset_counters(struct ag_aws_client *c)
{
	size_t i;

	for (i = 0; i < c->n_counters; i++)
		free(c->counters[i].action);
	free(c->counters);
	c->counters = NULL;
	c->n_counters = c->cap_counters = 0;
}

/* Lanes ------------------------------------------------------------- */

struct ag_aws_client *
ag_aws_lane_new(struct ag_aws_client *c)
{
	struct ag_aws_client *l = ag_xcalloc(1, sizeof(*l));
	size_t i;

	if (c->parent != NULL)
		AG_BUG("ag_aws_lane_new: a lane of a lane");
	config_copy(&l->cfg, &c->cfg);
	for (i = 0; i < AG_AWS_N_SERVICES; i++)
		l->endpoint[i] = ag_xstrdup(c->endpoint[i]);
	l->clock = c->clock;
	l->rnd = c->rnd;
	l->stop = c->stop;
	memcpy(l->fixed_date, c->fixed_date, sizeof(l->fixed_date));
	for (i = 0; i < c->redact.n; i++)
		ag_redactor_add(&l->redact, c->redact.v[i]);
	l->parent = c;
	return l;
}

void *
ag_aws_lane_handle(struct ag_aws_client *c, int i)
{
	if (i < 0 || i >= AG_AWS_MAX_IN_FLIGHT || c->parent != NULL)
		AG_BUG("ag_aws_lane_handle: no such handle");
	if (c->lane_curl[i] == NULL)
		c->lane_curl[i] = curl_easy_init();
	return c->lane_curl[i];
}

void
ag_aws_lane_set_handle(struct ag_aws_client *lane, void *handle)
{
	lane->curl = handle;
}

void
ag_aws_lane_merge(struct ag_aws_client *lane, bool take_error)
{
	struct ag_aws_client *c = lane->parent;
	size_t i;

	for (i = 0; i < lane->n_counters; i++) {
		struct ag_aws_counter *k = counter_key(c, lane->counters[i].action);

		k->requests += lane->counters[i].requests;
		k->errors += lane->counters[i].errors;
	}
	for (i = 0; i < lane->request_ids.n; i++)
		keep_request_id(c, lane->request_ids.v[i]);
	for (i = 0; i < lane->redact.n; i++)
		ag_redactor_add(&c->redact, lane->redact.v[i]);
	if (take_error) {
		ag_aws_error_info_release(&c->last_error);
		c->last_error = lane->last_error;
		memset(&lane->last_error, 0, sizeof(lane->last_error));
	}
	lane->parent = NULL;
	lane->curl = NULL; /* the parent's */
	release_state(lane);
	free(lane);
}

void
ag_aws_client_clear_last_error(struct ag_aws_client *c)
{
	ag_aws_error_info_release(&c->last_error);
}

/* HTTP ---------------------------------------------------------------- */

struct http_ctx {
	struct ag_buf *body;
	CURL *curl;
	int sized; /* room for the announced length was made */
	int too_big;
	char request_id[160];
};

static size_t
on_body(char *p, size_t sz, size_t n, void *ud)
{
	struct http_ctx *h = ud;
	curl_off_t announced = -1;

	/* room for the whole body the server announced, when the bound allows
	 * it: a describe page (some 300 KB) is then not copied through a dozen
	 * reallocs. A wrong length costs nothing more: the bound still holds. */
	if (!h->sized) {
		h->sized = 1;
		if (curl_easy_getinfo(h->curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &announced) ==
		        CURLE_OK &&
		    announced > 0 && (uint64_t)announced <= h->body->max - h->body->len)
			(void)ag_buf_reserve(h->body, (size_t)announced);
	}
	if (ag_buf_add(h->body, p, sz * n) != 0) {
		h->too_big = 1;
		return 0;
	}
	return sz * n;
}

static size_t
on_header(char *p, size_t sz, size_t n, void *ud)
{
	struct http_ctx *h = ud;
	size_t len = sz * n, i;
	static const char *const names[] = {"x-amzn-requestid:", "x-amz-request-id:"};

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		size_t nl = strlen(names[i]);

		if (len > nl && strncasecmp(p, names[i], nl) == 0) {
			const char *v = p + nl;
			size_t vl = len - nl;

			while (vl && (*v == ' ' || *v == '\t')) {
				v++;
				vl--;
			}
			while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == ' '))
				vl--;
			if (vl >= sizeof(h->request_id))
				vl = sizeof(h->request_id) - 1;
			memcpy(h->request_id, v, vl);
			h->request_id[vl] = '\0';
			for (vl = 0; h->request_id[vl]; vl++) /* printed in messages */
				if ((unsigned char)h->request_id[vl] < 0x20 ||
				    (unsigned char)h->request_id[vl] >= 0x7f)
					h->request_id[vl] = '?';
		}
	}
	return len;
}

static int
http_do(struct ag_aws_client *c, const char *method, const char *url,
    const struct ag_kvlist *headers, const char *body, size_t body_len, long timeout_ms,
    int *status, struct ag_buf *resp, char *request_id, size_t request_id_len, struct ag_error *err)
{
	struct curl_slist *hl = NULL;
	struct http_ctx h;
	CURLcode rc;
	long code = 0;
	size_t i;
	int ret = AG_OK;

	*status = 0;
	memset(&h, 0, sizeof(h));
	h.body = resp;
	h.curl = c->curl;
	ag_buf_reset(resp);
	curl_easy_reset(c->curl); /* keeps the connection cache */
	c->curl_err[0] = '\0';
	curl_easy_setopt(c->curl, CURLOPT_ERRORBUFFER, c->curl_err);
	curl_easy_setopt(c->curl, CURLOPT_URL, url);
	curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c->curl, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c->curl, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c->curl, CURLOPT_SSL_VERIFYHOST, 2L);
	if (c->cfg.ca_bundle)
		curl_easy_setopt(c->curl, CURLOPT_CAINFO, c->cfg.ca_bundle);
	curl_easy_setopt(c->curl, CURLOPT_CONNECTTIMEOUT_MS,
	    timeout_ms > 0 && timeout_ms < c->cfg.connect_timeout_ms ? timeout_ms
	                                                             : c->cfg.connect_timeout_ms);
	curl_easy_setopt(
	    c->curl, CURLOPT_TIMEOUT_MS, timeout_ms > 0 ? timeout_ms : c->cfg.timeout_ms);
	curl_easy_setopt(c->curl, CURLOPT_USERAGENT, "aurora-gitops/" AG_VERSION);
	curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, &h);
	curl_easy_setopt(c->curl, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c->curl, CURLOPT_HEADERDATA, &h);
	if (strcmp(method, "GET") == 0) {
		curl_easy_setopt(c->curl, CURLOPT_HTTPGET, 1L);
	} else {
		curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
		curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, body ? body : "");
		if (strcmp(method, "POST") != 0)
			curl_easy_setopt(c->curl, CURLOPT_CUSTOMREQUEST, method);
	}
	for (i = 0; headers && i < headers->n; i++) {
		char *line = ag_xasprintf("%s: %s", headers->v[i].key, headers->v[i].value);

		hl = curl_slist_append(hl, line);
		explicit_bzero(line, strlen(line));
		free(line);
	}
	hl = curl_slist_append(hl, "Expect:");
	curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, hl);

	rc = curl_easy_perform(c->curl);
	if (rc != CURLE_OK) {
		if (h.too_big)
			ret = ag_error_set(err, AG_ETOOBIG,
			    "reply from %s is larger than %zu bytes", url, resp->max);
		else
			ret = ag_error_set(err, AG_ENET, "%s %s: %s", method, url,
			    c->curl_err[0] ? c->curl_err : curl_easy_strerror(rc));
		goto out;
	}
	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &code);
	*status = (int)code;
	if (request_id)
		snprintf(request_id, request_id_len, "%s", h.request_id);
out:
	curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(hl);
	return ret;
}

int
ag_aws_http(struct ag_aws_client *c, const char *method, const char *url,
    const struct ag_kvlist *headers, const char *body, size_t body_len, long timeout_ms,
    int *status, struct ag_buf *resp_body, struct ag_error *err)
{
	return http_do(
	    c, method, url, headers, body, body_len, timeout_ms, status, resp_body, NULL, 0, err);
}

/* Calls --------------------------------------------------------------- */

static const char *const retry_codes[] = {"Throttling", "ThrottlingException", "ThrottledException",
    "RequestThrottledException", "TooManyRequestsException",
    "ProvisionedThroughputExceededException", "TransactionInProgressException",
    "RequestLimitExceeded", "BandwidthLimitExceeded", "LimitExceededException", "RequestThrottled",
    "SlowDown", "PriorRequestNotComplete", "RequestTimeout", "RequestTimeoutException",
    "EC2ThrottledException", NULL};

static const char *const denied_codes[] = {"AccessDenied", "AccessDeniedException",
    "UnauthorizedOperation", "SignatureDoesNotMatch", "InvalidClientTokenId",
    "MissingAuthenticationToken", "IncompleteSignature", "ExpiredToken", "ExpiredTokenException",
    "UnrecognizedClientException", "AuthFailure", "OptInRequired", NULL};

static int
in_list(const char *const *l, const char *s)
{
	for (; s && *l; l++)
		if (strcmp(*l, s) == 0)
			return 1;
	return 0;
}

static int
retryable_status(int s)
{
	return s == 500 || s == 502 || s == 503 || s == 504;
}

struct url_parts {
	char *host; /* Host header value */
	char *path;
};

static int
split_url(struct url_parts *u, const char *url, struct ag_error *err)
{
	CURLU *h = curl_url();
	char *host = NULL, *port = NULL, *scheme = NULL, *path = NULL;
	int ret = AG_OK;

	memset(u, 0, sizeof(*u));
	if (!h)
		return ag_error_set(err, AG_ERROR, "cannot allocate a URL handle");
	if (curl_url_set(h, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(h, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    curl_url_get(h, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK) {
		ret = ag_error_set(err, AG_EINVAL, "invalid AWS endpoint URL '%s'", url);
		goto out;
	}
	if (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0) {
		ret = ag_error_set(
		    err, AG_EINVAL, "AWS endpoint URL '%s' must be http:// or https://", url);
		goto out;
	}
	if (curl_url_get(h, CURLUPART_PORT, &port, 0) != CURLUE_OK)
		port = NULL;
	if (curl_url_get(h, CURLUPART_PATH, &path, 0) != CURLUE_OK)
		path = NULL;
	if (port && !((strcmp(scheme, "http") == 0 && strcmp(port, "80") == 0) ||
	                (strcmp(scheme, "https") == 0 && strcmp(port, "443") == 0)))
		u->host = ag_xasprintf("%s:%s", host, port);
	else
		u->host = ag_xstrdup(host);
	u->path = ag_xstrdup(path && *path ? path : "/");
out:
	curl_free(host);
	curl_free(port);
	curl_free(scheme);
	curl_free(path);
	curl_url_cleanup(h);
	return ret;
}

int64_t
ag_aws_backoff_ms(int attempt, long base_ms, long max_ms, double u)
{
	double cap = (double)base_ms * (double)(1L << (attempt < 30 ? attempt : 30));

	if (attempt < 0)
		return 0;
	if (cap > (double)max_ms)
		cap = (double)max_ms;
	if (u < 0)
		u = 0;
	if (u >= 1)
		u = 0.999999;
	return (int64_t)(u * cap);
}

/* A lane's slices of a backoff sleep: its thread receives no signal, so it
 * looks at the stop flag this often. */
#define LANE_SLEEP_SLICE_MS 100

/* The backoff before a retry, cut short on a lane once the stop flag is
 * set (the client's own thread is woken by the signal itself). */
static void
backoff_sleep(struct ag_aws_client *c, int64_t ms)
{
	if (c->parent == NULL) {
		c->clock->sleep_ms(c->clock->ctx, ms);
		return;
	}
	while (ms > 0 && !ag_aws_client_stopping(c)) {
		int64_t step = ms < LANE_SLEEP_SLICE_MS ? ms : LANE_SLEEP_SLICE_MS;

		c->clock->sleep_ms(c->clock->ctx, step);
		ms -= step;
	}
}

static int
map_code(const char *code)
{
	if (!code)
		return AG_EAWS;
	if (strstr(code, "NotFound") || strcmp(code, "NoSuchEntity") == 0)
		return AG_ENOTFOUND;
	if (in_list(denied_codes, code))
		return AG_EDENIED;
	return AG_EAWS;
}

/* The start of a non-XML body for a message: secrets removed first (the
 * whole body, so none is cut in half), then anything but printable ASCII
 * made a space. */
static void
snippet(char *out, size_t outlen, const struct ag_redactor *rd, const struct ag_buf *b)
{
	char *clean = ag_redact(rd, b->ptr, b->len);
	size_t i, j = 0;

	for (i = 0; clean[i] && j + 1 < outlen && i < 120; i++) {
		unsigned char ch = (unsigned char)clean[i];

		out[j++] = (ch < 0x20 || ch >= 0x7f) ? ' ' : (char)ch;
	}
	out[j] = '\0';
	explicit_bzero(clean, strlen(clean));
	free(clean);
}

/* Text a server sent (error code, message, request id), made safe to print
 * and store: every known secret removed, then control characters and line
 * breaks escaped so it cannot forge log lines or steer a terminal. */
static char *
server_text(const struct ag_redactor *rd, char *s)
{
	char *clean, *esc;

	if (s == NULL)
		return NULL;
	clean = ag_redact(rd, s, strlen(s));
	esc = ag_escape_dup(clean);
	explicit_bzero(clean, strlen(clean));
	free(clean);
	explicit_bzero(s, strlen(s));
	free(s);
	return esc;
}

/* Query parameters that carry a secret value (not flags such as
 * ManageMasterUserPassword=true, whose value must stay readable). */
static int
secret_param(const char *key)
{
	static const char *const names[] = {
	    "MasterUserPassword", "NewMasterUserPassword", "Password", "SecretAccessKey", NULL};
	size_t i;

	for (i = 0; names[i]; i++)
		if (strcmp(key, names[i]) == 0)
			return 1;
	return 0;
}

/*
 * A JSON 1.1 error reply: {"__type": "[namespace#]Code", "message" or
 * "Message": text}. Returns AG_EINVAL when the body holds no __type.
 */
static int
parse_json_error(struct ag_aws_error_info *out, const char *body, size_t len)
{
	json_t *j = json_loadb(body, len, 0, NULL);
	const char *type, *msg, *hash;
	int ret = AG_EINVAL;

	memset(out, 0, sizeof(*out));
	if (j == NULL)
		return AG_EINVAL;
	type = json_string_value(json_object_get(j, "__type"));
	msg = json_string_value(json_object_get(j, "message"));
	if (msg == NULL)
		msg = json_string_value(json_object_get(j, "Message"));
	if (type != NULL && type[0] != '\0') {
		hash = strrchr(type, '#');
		out->code = ag_xstrdup(hash ? hash + 1 : type);
		out->message = ag_xstrdup(msg);
		ret = AG_OK;
	}
	json_decref(j);
	return ret;
}

/* A signed POST of a prepared body with retries. jout NULL: a Query call
 * whose XML reply goes to resp; else a JSON 1.1 call whose reply object
 * goes to *jout. The body is wiped and released. */
static int
call_body(struct ag_aws_client *c, enum ag_aws_service svc, const char *action,
    struct ag_buf *body_in, const struct ag_aws_creds *creds, struct ag_aws_response *resp,
    json_t **jout, struct ag_error *err)
{
	struct ag_buf body = *body_in;
	struct ag_buf reply = AG_BUF_INIT(c->cfg.max_response);
	struct url_parts u;
	struct ag_error aerr = AG_ERROR_INIT;
	const char *svcname = ag_aws_service_name(svc);
	char rid[160], *target = NULL;
	int attempt, ret = AG_OK, status = 0;

	memset(resp, 0, sizeof(*resp));
	memset(&u, 0, sizeof(u));
	if (jout)
		*jout = NULL;
	ag_aws_error_info_release(&c->last_error);
	if (!c->endpoint[svc]) {
		ret = ag_error_set(err, AG_EINVAL,
		    "%s %s: no AWS region configured (set AWS_REGION or AWS_DEFAULT_REGION, a "
		    "'region' "
		    "in the profile, or AWS_ENDPOINT_URL)",
		    svcname, action);
		goto out;
	}
	if ((ret = split_url(&u, c->endpoint[svc], err)) != 0)
		goto out;
	if (jout)
		target = ag_xasprintf("%s.%s", json_targets[svc], action);
	if (creds) {
		ag_redactor_add(&c->redact, creds->secret_access_key);
		ag_redactor_add(&c->redact, creds->session_token);
	}

	for (attempt = 0; attempt < c->cfg.max_attempts; attempt++) {
		struct ag_kvlist hdrs = AG_KVLIST_INIT;
		struct ag_aws_counter *cnt;
		char amz_date[17];
		int retry = 0;

		ag_error_clear(&aerr);
		ag_aws_error_info_release(&c->last_error);
		if (c->fixed_date[0])
			memcpy(amz_date, c->fixed_date, sizeof(amz_date));
		else
			ag_sigv4_amz_date(amz_date, (long long)c->clock->now_ms(c->clock->ctx));
		ag_kvlist_add(&hdrs, "Content-Type",
		    jout ? "application/x-amz-json-1.1"
		         : "application/x-www-form-urlencoded; charset=utf-8");
		ag_kvlist_add(&hdrs, "Host", u.host);
		ag_kvlist_add(&hdrs, "X-Amz-Date", amz_date);
		if (target)
			ag_kvlist_add(&hdrs, "X-Amz-Target", target);
		if (creds) {
			struct ag_sigv4_request sreq = {
			    "POST", u.path, NULL, &hdrs, body.ptr, body.len, 0};
			struct ag_sigv4_creds sc = {
			    creds->access_key_id, creds->secret_access_key, creds->session_token};
			struct ag_sigv4_result sr;

			if (creds->session_token && creds->session_token[0])
				ag_kvlist_add(&hdrs, "X-Amz-Security-Token", creds->session_token);
			ret = ag_sigv4_sign(&sr, &sreq, &sc,
			    c->cfg.region && svc != AG_AWS_IAM ? c->cfg.region : "us-east-1",
			    svcname, amz_date, err);
			if (ret != 0) {
				ag_kvlist_release(&hdrs);
				goto out;
			}
			ag_kvlist_add(&hdrs, "Authorization", sr.authorization);
			ag_sigv4_result_release(&sr);
		}
		cnt = counter(c, svc, action);
		cnt->requests++;
		rid[0] = '\0';
		ret = http_do(c, "POST", c->endpoint[svc], &hdrs, body.ptr, body.len, 0, &status,
		    &reply, rid, sizeof(rid), &aerr);
		ag_kvlist_release(&hdrs);
		if (ret == AG_ETOOBIG) {
			cnt->errors++;
			ag_error_set(err, ret, "%s %s: %s", svcname, action, aerr.msg);
			goto out;
		}
		if (ret != 0) {
			cnt->errors++;
			retry = 1;
			ret = AG_ENET;
		} else if (status >= 200 && status < 300 && jout) {
			json_error_t je;

			if (rid[0])
				keep_request_id(c, rid);
			/* An operation without output members replies with an empty
			 * body (moto: "null"); members a caller needs are checked by
			 * that caller, so this never reads as an empty list. */
			if (reply.len == 0 || (reply.len == 4 && memcmp(reply.ptr, "null", 4) == 0))
				*jout = json_object();
			else
				*jout = json_loadb(reply.ptr, reply.len, 0, &je);
			if (*jout == NULL || !json_is_object(*jout)) {
				cnt->errors++;
				ret = ag_error_set(err, AG_EAWS,
				    "%s %s: HTTP %d with a body that is not a JSON object%s%s",
				    svcname, action, status, *jout ? "" : ": ",
				    *jout ? "" : je.text);
				json_decref(*jout);
				*jout = NULL;
				goto out;
			}
			resp->http_status = status;
			resp->body_len = reply.len;
			resp->request_id = ag_xstrdup(rid[0] ? rid : NULL);
			ret = AG_OK;
			goto out;
		} else if (status >= 200 && status < 300) {
			if (rid[0])
				keep_request_id(c, rid);
			if (c->xml == NULL)
				c->xml = ag_xml_reader_new();
			ret = ag_xml_reader_parse(
			    c->xml, &resp->root, reply.ptr, reply.len, action, &aerr);
			if (ret != 0) {
				cnt->errors++;
				ag_error_set(err, AG_EAWS,
				    "%s %s: HTTP %d with an unreadable body: %s", svcname, action,
				    status, aerr.msg);
				ret = AG_EAWS;
				goto out;
			}
			{
				char *want = ag_xasprintf("%sResponse", action);
				char *rname = ag_xasprintf("%sResult", action);
				int wrong = strcmp(resp->root->name, want) != 0;

				/* A reply for something else (a proxy, another service) must
				 * never read as an empty list. */
				if (wrong)
					ag_error_set(err, AG_EAWS,
					    "%s %s: unexpected reply <%s> from %s (expected <%s>)",
					    svcname, action, resp->root->name, c->endpoint[svc],
					    want);
				else
					resp->result = ag_xml_child(resp->root, rname);
				free(want);
				free(rname);
				if (wrong) {
					cnt->errors++;
					ret = AG_EAWS;
					goto out;
				}
			}
			if (!resp->result)
				resp->result = resp->root;
			resp->http_status = status;
			resp->body_len = reply.len;
			if (!rid[0]) {
				const struct ag_xml_node *rm = ag_xml_find(resp->root, "RequestId");

				if (!rm)
					rm = ag_xml_find(resp->root, "requestId");
				if (rm && rm->text[0])
					keep_request_id(c, rm->text);
				resp->request_id = ag_xstrdup(rm ? rm->text : NULL);
			} else {
				resp->request_id = ag_xstrdup(rid);
			}
			ret = AG_OK;
			goto out;
		} else {
			struct ag_aws_error_info ei;

			cnt->errors++;
			if ((jout ? parse_json_error(&ei, reply.ptr, reply.len)
			          : ag_aws_parse_error(&ei, reply.ptr, reply.len)) == 0) {
				ei.code = server_text(&c->redact, ei.code);
				ei.message = server_text(&c->redact, ei.message);
				ei.request_id = server_text(&c->redact, ei.request_id);
				c->last_error = ei;
				c->last_error.http_status = status;
				if (rid[0] && !c->last_error.request_id)
					c->last_error.request_id = ag_xstrdup(rid);
				ret = map_code(ei.code);
				ag_error_set(&aerr, ret, "%s (HTTP %d%s%s): %s", ei.code, status,
				    c->last_error.request_id ? ", request id " : "",
				    c->last_error.request_id ? c->last_error.request_id : "",
				    ei.message && *ei.message ? ei.message : "(no message)");
				retry = in_list(retry_codes, ei.code) || retryable_status(status);
				if (creds &&
				    (strcmp(ei.code, "ExpiredToken") == 0 ||
				        strcmp(ei.code, "ExpiredTokenException") == 0) &&
				    !c->creds_fixed && creds == &c->creds)
					creds_expired(c); /* next call resolves again */
			} else {
				char snip[128];

				snippet(snip, sizeof(snip), &c->redact, &reply);
				c->last_error.http_status = status;
				if (rid[0])
					c->last_error.request_id = ag_xstrdup(rid);
				ret = AG_EAWS;
				ag_error_set(&aerr, ret, "HTTP %d%s%s with a non-%s body: %s",
				    status, rid[0] ? ", request id " : "", rid[0] ? rid : "",
				    jout ? "JSON error" : "XML", snip[0] ? snip : "(empty)");
				retry = retryable_status(status);
			}
			if (rid[0])
				keep_request_id(c, rid);
		}
		if (!retry || attempt + 1 >= c->cfg.max_attempts)
			break;
		{
			int64_t delay = ag_aws_backoff_ms(attempt, c->cfg.retry_base_ms,
			    c->cfg.retry_max_ms, c->rnd->uniform(c->rnd->ctx));

			if (ag_aws_client_stopping(c))
				break;
			ag_log_debug("%s %s: attempt %d failed (%s), retrying in %lld ms", svcname,
			    action, attempt + 1, aerr.msg, (long long)delay);
			backoff_sleep(c, delay);
			/* a stop during the backoff: no further attempt */
			if (ag_aws_client_stopping(c)) {
				ret = AG_ESTOPPED;
				ag_error_prefix(&aerr, "stopped before retrying");
				break;
			}
		}
	}
	/* Failed: the last error, with the attempts when there were retries. */
	{
		const char *src = creds && creds->source ? creds->source : NULL;
		int tries = attempt < c->cfg.max_attempts ? attempt + 1 : c->cfg.max_attempts;

		if (tries > 1)
			ag_error_set(err, ret, "%s %s failed after %d attempts: %s%s%s%s", svcname,
			    action, tries, aerr.msg, src ? " (credentials from " : "",
			    src ? src : "", src ? ")" : "");
		else
			ag_error_set(err, ret, "%s %s failed: %s%s%s%s", svcname, action, aerr.msg,
			    src ? " (credentials from " : "", src ? src : "", src ? ")" : "");
	}
out:
	if (ret != 0) {
		ag_aws_response_release(resp);
		if (err)
			ag_redact_buf(&c->redact, err->msg, sizeof(err->msg));
	}
	free(u.host);
	free(u.path);
	free(target);
	ag_buf_wipe(&body); /* may hold a master password */
	ag_buf_release(&body);
	memset(body_in, 0, sizeof(*body_in));
	ag_buf_release(&reply);
	return ret;
}

int
ag_aws_call_with(struct ag_aws_client *c, enum ag_aws_service svc, const char *action,
    const struct ag_kvlist *params, const struct ag_aws_creds *creds, struct ag_aws_response *resp,
    struct ag_error *err)
{
	struct ag_buf body = AG_BUF_INIT(8 * 1024 * 1024);
	struct ag_kvlist all = AG_KVLIST_INIT;
	size_t i;

	if (svc >= AG_AWS_N_SERVICES || api_versions[svc] == NULL)
		AG_BUG("ag_aws_call_with: not a Query service");
	ag_kvlist_add(&all, "Action", action);
	ag_kvlist_add(&all, "Version", api_versions[svc]);
	for (i = 0; params && i < params->n; i++) {
		ag_kvlist_add(&all, params->v[i].key, params->v[i].value);
		if (secret_param(params->v[i].key))
			ag_redactor_add(&c->redact, params->v[i].value);
	}
	ag_aws_query_encode(&body, &all);
	ag_kvlist_wipe(&all); /* may hold a master password */
	return call_body(c, svc, action, &body, creds, resp, NULL, err);
}

int
ag_aws_json_call(struct ag_aws_client *c, enum ag_aws_service svc, const char *action,
    const struct json_t *req, struct json_t **out, struct ag_error *err)
{
	struct ag_buf body = AG_BUF_INIT(8 * 1024 * 1024);
	struct ag_aws_response resp;
	const struct ag_aws_creds *creds;
	char *text;
	int ret;

	*out = NULL;
	if (svc >= AG_AWS_N_SERVICES || json_targets[svc] == NULL)
		AG_BUG("ag_aws_json_call: not a JSON service");
	if ((ret = ag_aws_client_credentials(c, &creds, err)) != 0) {
		ag_error_prefix(err, "%s %s", ag_aws_service_name(svc), action);
		return ret;
	}
	text = req ? json_dumps(req, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	if (ag_buf_adds(&body, text ? text : "{}") != 0) {
		free(text);
		ag_buf_release(&body);
		return ag_error_set(
		    err, AG_ETOOBIG, "%s %s: request too large", ag_aws_service_name(svc), action);
	}
	free(text);
	ret = call_body(c, svc, action, &body, creds, &resp, out, err);
	ag_aws_response_release(&resp);
	return ret;
}

int
ag_aws_call(struct ag_aws_client *c, enum ag_aws_service svc, const char *action,
    const struct ag_kvlist *params, struct ag_aws_response *resp, struct ag_error *err)
{
	const struct ag_aws_creds *creds;
	int ret;

	memset(resp, 0, sizeof(*resp));
	if ((ret = ag_aws_client_credentials(c, &creds, err)) != 0) {
		ag_error_prefix(err, "%s %s", ag_aws_service_name(svc), action);
		return ret;
	}
	return ag_aws_call_with(c, svc, action, params, creds, resp, err);
}

int
ag_rds_call(struct ag_aws_client *c, const char *action, const struct ag_kvlist *params,
    struct ag_aws_response *resp, struct ag_error *err)
{
	return ag_aws_call(c, AG_AWS_RDS, action, params, resp, err);
}

int
ag_ec2_call(struct ag_aws_client *c, const char *action, const struct ag_kvlist *params,
    struct ag_aws_response *resp, struct ag_error *err)
{
	return ag_aws_call(c, AG_AWS_EC2, action, params, resp, err);
}

int
ag_sts_call(struct ag_aws_client *c, const char *action, const struct ag_kvlist *params,
    struct ag_aws_response *resp, struct ag_error *err)
{
	return ag_aws_call(c, AG_AWS_STS, action, params, resp, err);
}
