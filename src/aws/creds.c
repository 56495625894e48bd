/*
 * The credential chain, in the AWS SDK order: environment, shared
 * profile (role_arn assumed through STS, IAM Identity Center, static keys,
 * credential_process), web identity,
 * container endpoint, EC2 instance metadata (IMDSv2). A source that is
 * configured but fails stops the chain with its error; a source that is
 * not configured is noted and skipped, and when none gives credentials
 * the error lists them all.
 */
#include "aws/client.h"
#include "aws/internal.h"
#include "aws/sts.h"
#include "core/buf.h"
#include "core/mem.h"
#include "sys/fs.h"
#include "sys/proc.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <curl/curl.h>
#include <jansson.h>
#include <openssl/evp.h>

#include "core/compat.h"

static void
tried(struct ag_buf *b, const char *fmt, const char *a, const char *bb)
{
	if (b->len)
		ag_buf_adds(b, "; ");
	ag_buf_addf(b, fmt, a ? a : "", bb ? bb : "");
}

static char *
session_name(struct ag_aws_client *c)
{
	const struct ag_aws_config *cfg = ag_aws_client_config(c);
	const struct ag_clock *clk = ag_aws_client_clock(c);

	if (cfg->role_session_name)
		return ag_xstrdup(cfg->role_session_name);
	return ag_xasprintf("aurora-gitops-%lld", (long long)(clk->now_ms(clk->ctx) / 1000));
}

/* Reads a whole small file, trimming trailing whitespace. */
static int
read_small(char **out, const char *path, const char *what, struct ag_error *err)
{
	struct ag_buf b = AG_BUF_INIT(64 * 1024);
	int ret;

	*out = NULL;
	if ((ret = ag_fs_read(&b, path, err)) != 0) {
		ag_error_prefix(err, "%s", what);
		return ret;
	}
	while (b.len &&
	       (b.ptr[b.len - 1] == '\n' || b.ptr[b.len - 1] == '\r' || b.ptr[b.len - 1] == ' '))
		b.ptr[--b.len] = '\0';
	*out = ag_xstrndup(b.ptr, b.len);
	ag_buf_wipe(&b);
	ag_buf_release(&b);
	return AG_OK;
}

/* Profile data merged from both files: credentials file keys win. */
struct profile {
	struct ag_kvlist kv;
	int found;
	char *where; /* the file the keys came from, for messages */
};

static int
load_profile(
    struct profile *p, const struct ag_aws_config *cfg, const char *name, struct ag_error *err)
{
	struct ag_kvlist ckv = AG_KVLIST_INIT;
	char *section;
	int found = 0, ret;
	size_t i;

	memset(p, 0, sizeof(*p));
	if (cfg->credentials_file) {
		ret = ag_aws_ini_section(&p->kv, &found, cfg->credentials_file, name, err);
		if (ret != 0 && ret != AG_ENOTFOUND)
			return ret;
		if (found) {
			p->found = 1;
			p->where = ag_xstrdup(cfg->credentials_file);
		}
	}
	if (cfg->config_file) {
		section = strcmp(name, "default") == 0 ? ag_xstrdup("default")
		                                       : ag_xasprintf("profile %s", name);
		found = 0;
		ret = ag_aws_ini_section(&ckv, &found, cfg->config_file, section, err);
		free(section);
		if (ret != 0 && ret != AG_ENOTFOUND) {
			ag_kvlist_release(&ckv);
			return ret;
		}
		if (found) {
			for (i = 0; i < ckv.n; i++)
				if (!ag_kvlist_get(&p->kv, ckv.v[i].key))
					ag_kvlist_add(&p->kv, ckv.v[i].key, ckv.v[i].value);
			if (!p->found)
				p->where = ag_xstrdup(cfg->config_file);
			p->found = 1;
		}
		ag_kvlist_release(&ckv);
	}
	ag_error_clear(err);
	return AG_OK;
}

static void
release_profile(struct profile *p)
{
	size_t i;

	for (i = 0; i < p->kv.n; i++)
		explicit_bzero(p->kv.v[i].value, strlen(p->kv.v[i].value));
	ag_kvlist_release(&p->kv);
	free(p->where);
}

static const char *
pget(const struct profile *p, const char *key)
{
	const char *v = ag_kvlist_get(&p->kv, key);

	return v && *v ? v : NULL;
}

static int sso_creds(struct ag_aws_client *c, const struct profile *p, const char *name,
    struct ag_aws_creds *out, struct ag_error *err);
static int process_creds(struct ag_aws_client *c, const struct profile *p, const char *name,
    struct ag_aws_creds *out, struct ag_error *err);

static int
profile_creds(struct ag_aws_client *c, const char *name, int depth, struct ag_aws_creds *out,
    int *configured, struct ag_error *err)
{
	const struct ag_aws_config *cfg = ag_aws_client_config(c);
	struct profile p;
	int ret;

	*configured = 0;
	if ((ret = load_profile(&p, cfg, name, err)) != 0)
		return ret;
	if (!p.found)
		goto out;
	if (pget(&p, "role_arn")) {
		struct ag_aws_creds src;
		const char *sp = pget(&p, "source_profile");
		const char *cs = pget(&p, "credential_source");
		const char *wif = pget(&p, "web_identity_token_file");
		char *sess = pget(&p, "role_session_name")
		                 ? ag_xstrdup(pget(&p, "role_session_name"))
		                 : session_name(c);
		int sub = 0;

		*configured = 1;
		memset(&src, 0, sizeof(src));
		if (depth > 4) {
			ret = ag_error_set(err, AG_EINVAL,
			    "profile '%s' (%s): source_profile chain is too long", name, p.where);
		} else if (wif) {
			char *tok = NULL;

			ret = read_small(&tok, wif, "web identity token file", err);
			if (ret == 0)
				ret = ag_sts_assume_role_with_web_identity(
				    c, pget(&p, "role_arn"), sess, tok, out, err);
			free(tok);
		} else if (sp) {
			if (strcmp(sp, name) == 0) {
				/* A profile may hold its own static keys as the source. */
				if (!pget(&p, "aws_access_key_id") ||
				    !pget(&p, "aws_secret_access_key"))
					ret = ag_error_set(err, AG_EINVAL,
					    "profile '%s' (%s): source_profile names itself but it "
					    "has no aws_access_key_id/aws_secret_access_key",
					    name, p.where);
				else {
					src.access_key_id =
					    ag_xstrdup(pget(&p, "aws_access_key_id"));
					src.secret_access_key =
					    ag_xstrdup(pget(&p, "aws_secret_access_key"));
					src.session_token =
					    ag_xstrdup(pget(&p, "aws_session_token"));
					src.source =
					    ag_xasprintf("profile '%s' (%s)", name, p.where);
					ret = AG_OK;
				}
			} else {
				ret = profile_creds(c, sp, depth + 1, &src, &sub, err);
				if (ret == 0 && !sub)
					ret = ag_error_set(err, AG_EINVAL,
					    "profile '%s' (%s): source_profile '%s' has no "
					    "credentials",
					    name, p.where, sp);
			}
			if (ret == 0)
				ret = ag_sts_assume_role(c, &src, pget(&p, "role_arn"), sess,
				    pget(&p, "external_id"), out, err);
		} else if (cs && strcmp(cs, "Environment") == 0) {
			if (!cfg->access_key_id || !cfg->secret_access_key) {
				ret = ag_error_set(err, AG_EINVAL,
				    "profile '%s' (%s): credential_source Environment but "
				    "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY are not set",
				    name, p.where);
			} else {
				src.access_key_id = ag_xstrdup(cfg->access_key_id);
				src.secret_access_key = ag_xstrdup(cfg->secret_access_key);
				src.session_token = ag_xstrdup(cfg->session_token);
				src.source = ag_xstrdup("environment");
				ret = ag_sts_assume_role(c, &src, pget(&p, "role_arn"), sess,
				    pget(&p, "external_id"), out, err);
			}
		} else {
			ret = ag_error_set(err, AG_EINVAL,
			    "profile '%s' (%s): role_arn needs source_profile, credential_source = "
			    "Environment or web_identity_token_file",
			    name, p.where);
		}
		ag_aws_creds_release(&src);
		free(sess);
		if (ret != 0) {
			ag_error_prefix(err, "assuming role for profile '%s'", name);
			goto out;
		}
		out->source =
		    ag_xasprintf("profile '%s' (%s, role %s)", name, p.where, pget(&p, "role_arn"));
		goto out;
	}
	if (pget(&p, "sso_session") || pget(&p, "sso_start_url") || pget(&p, "sso_account_id")) {
		*configured = 1;
		ret = sso_creds(c, &p, name, out, err);
		goto out;
	}
	if (pget(&p, "aws_access_key_id") || pget(&p, "aws_secret_access_key")) {
		*configured = 1;
		if (!pget(&p, "aws_access_key_id") || !pget(&p, "aws_secret_access_key")) {
			ret = ag_error_set(err, AG_EINVAL,
			    "profile '%s' (%s): aws_access_key_id and aws_secret_access_key must "
			    "both be set",
			    name, p.where);
			goto out;
		}
		out->access_key_id = ag_xstrdup(pget(&p, "aws_access_key_id"));
		out->secret_access_key = ag_xstrdup(pget(&p, "aws_secret_access_key"));
		out->session_token = ag_xstrdup(pget(&p, "aws_session_token"));
		out->source = ag_xasprintf("profile '%s' (%s)", name, p.where);
		goto out;
	}
	if (pget(&p, "credential_process")) {
		*configured = 1;
		ret = process_creds(c, &p, name, out, err);
	}
out:
	release_profile(&p);
	return ret;
}

static int
parse_json_creds(
    struct ag_aws_creds *out, const struct ag_buf *body, const char *what, struct ag_error *err)
{
	json_error_t je;
	json_t *j = json_loadb(body->ptr, body->len, 0, &je);
	const char *ak, *sk, *tok, *exp;
	int ret = AG_OK;

	memset(out, 0, sizeof(*out));
	if (!j || !json_is_object(j)) {
		ret = ag_error_set(err, AG_EINVAL, "%s: reply is not a JSON object", what);
		goto out;
	}
	ak = json_string_value(json_object_get(j, "AccessKeyId"));
	sk = json_string_value(json_object_get(j, "SecretAccessKey"));
	tok = json_string_value(json_object_get(j, "Token"));
	exp = json_string_value(json_object_get(j, "Expiration"));
	if (!ak || !sk) {
		const char *code = json_string_value(json_object_get(j, "Code"));

		ret =
		    ag_error_set(err, AG_EINVAL, "%s: reply has no AccessKeyId/SecretAccessKey%s%s",
		        what, code ? "; Code " : "", code ? code : "");
		goto out;
	}
	out->access_key_id = ag_xstrdup(ak);
	out->secret_access_key = ag_xstrdup(sk);
	out->session_token = ag_xstrdup(tok);
	if (exp && ag_aws_parse_time(exp, &out->expires_ms) != 0) {
		ag_aws_creds_release(out);
		ret = ag_error_set(err, AG_EINVAL, "%s: invalid Expiration '%s'", what, exp);
	}
out:
	json_decref(j);
	return ret;
}

/*
 * As the AWS SDKs do: a full URI must be https, or http to a loopback
 * address or the ECS/EKS credential endpoints.
 */
static int
check_url(const char *url, const char *what, int container, struct ag_error *err)
{
	static const char *const allowed[] = {"127.0.0.1", "localhost", "[::1]", "169.254.170.2",
	    "169.254.170.23", "[fd00:ec2::23]", NULL};
	static const char *const loopback[] = {"127.0.0.1", "localhost", "[::1]", NULL};
	const char *const *hosts = container ? allowed : loopback;
	CURLU *h = curl_url();
	char *scheme = NULL, *host = NULL;
	int ret = AG_OK, i;

	if (!h)
		return ag_error_set(err, AG_ERROR, "cannot allocate a URL handle");
	if (curl_url_set(h, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(h, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(h, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
		ret = ag_error_set(err, AG_EINVAL, "%s '%s' is not a URL", what, url);
		goto out;
	}
	if (strcmp(scheme, "https") == 0)
		goto out;
	for (i = 0; hosts[i]; i++)
		if (strcmp(scheme, "http") == 0 && strcmp(host, hosts[i]) == 0)
			goto out;
	ret = ag_error_set(err, AG_EINVAL, "%s '%s' must use https or a loopback%s address", what,
	    url, container ? " or container credential" : "");
out:
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(h);
	return ret;
}

static int
container_creds(struct ag_aws_client *c, struct ag_aws_creds *out, struct ag_error *err)
{
	const struct ag_aws_config *cfg = ag_aws_client_config(c);
	struct ag_kvlist h = AG_KVLIST_INIT;
	struct ag_buf body = AG_BUF_INIT(64 * 1024);
	char *url, *tok = NULL;
	int status = 0, ret;

	url = cfg->container_relative_uri
	          ? ag_xasprintf("http://169.254.170.2%s", cfg->container_relative_uri)
	          : ag_xstrdup(cfg->container_full_uri);
	if (!cfg->container_relative_uri &&
	    (ret = check_url(url, "AWS_CONTAINER_CREDENTIALS_FULL_URI", 1, err)) != 0)
		goto out;
	if (cfg->container_auth_token_file) {
		if ((ret = read_small(&tok, cfg->container_auth_token_file,
		         "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", err)) != 0)
			goto out;
	} else if (cfg->container_auth_token) {
		tok = ag_xstrdup(cfg->container_auth_token);
	}
	if (tok)
		ag_kvlist_add(&h, "Authorization", tok);
	ag_kvlist_add(&h, "Accept", "application/json");
	ret =
	    ag_aws_http(c, "GET", url, &h, NULL, 0, cfg->imds_timeout_ms * 2, &status, &body, err);
	if (ret == 0 && status != 200)
		ret = ag_error_set(err, AG_EAWS, "GET %s: HTTP %d", url, status);
	if (ret == 0)
		ret = parse_json_creds(out, &body, "container credentials", err);
	if (ret != 0) {
		ag_error_prefix(err, "container credentials");
		goto out;
	}
	out->source = ag_xasprintf("container credentials (%s)", url);
out:
	if (tok) {
		explicit_bzero(tok, strlen(tok));
		free(tok);
	}
	ag_kvlist_release(&h);
	ag_buf_wipe(&body);
	ag_buf_release(&body);
	free(url);
	return ret;
}

/* ---- credential_process ------------------------------------------- */

int
ag_aws_process_creds_parse(
    struct ag_aws_creds *out, const char *json, size_t len, const char *what, struct ag_error *err)
{
	json_error_t je;
	json_t *j = json_loadb(json, len, 0, &je), *ver;
	const char *ak, *sk, *tok, *exp;
	int ret = AG_OK;

	memset(out, 0, sizeof(*out));
	if (!j || !json_is_object(j)) {
		ret = ag_error_set(err, AG_EINVAL, "%s: output is not a JSON object", what);
		goto out;
	}
	ver = json_object_get(j, "Version");
	if (!json_is_integer(ver) || json_integer_value(ver) != 1) {
		ret = ag_error_set(err, AG_EINVAL, "%s: output needs \"Version\": 1", what);
		goto out;
	}
	ak = json_string_value(json_object_get(j, "AccessKeyId"));
	sk = json_string_value(json_object_get(j, "SecretAccessKey"));
	tok = json_string_value(json_object_get(j, "SessionToken"));
	exp = json_string_value(json_object_get(j, "Expiration"));
	if (!ak || !*ak || !sk || !*sk) {
		ret = ag_error_set(
		    err, AG_EINVAL, "%s: output has no AccessKeyId or SecretAccessKey", what);
		goto out;
	}
	if (json_object_get(j, "Expiration") &&
	    (!exp || ag_aws_parse_time(exp, &out->expires_ms))) {
		ret = ag_error_set(err, AG_EINVAL, "%s: Expiration is not an RFC 3339 time", what);
		goto out;
	}
	out->access_key_id = ag_xstrdup(ak);
	out->secret_access_key = ag_xstrdup(sk);
	out->session_token = tok && *tok ? ag_xstrdup(tok) : NULL;
out:
	json_decref(j);
	return ret;
}

static int
process_creds(struct ag_aws_client *c, const struct profile *p, const char *name,
    struct ag_aws_creds *out, struct ag_error *err)
{
	const struct ag_aws_config *cfg = ag_aws_client_config(c);
	struct ag_buf b = AG_BUF_INIT(256 * 1024);
	char **argv = NULL, *what = NULL;
	size_t argc = 0;
	int status = 0, ret;

	if ((ret = ag_proc_split(&argv, &argc, pget(p, "credential_process"), err)) != 0)
		goto out;
	what = ag_xasprintf("credential_process '%s'", argv[0]);
	if ((ret = ag_proc_run(&b, &status, argv, cfg->process_timeout_ms, err)) != 0)
		goto out;
	if (status != 0) {
		ret = ag_error_set(err, AG_EDENIED, "%s exited with status %d", what, status);
		goto out;
	}
	if ((ret = ag_aws_process_creds_parse(out, b.ptr, b.len, what, err)) != 0)
		goto out;
	out->source = ag_xasprintf("profile '%s' (%s, credential_process)", name, p->where);
out:
	if (ret != 0)
		ag_error_prefix(err, "profile '%s' (%s)", name, p->where);
	ag_proc_argv_free(argv);
	free(what);
	ag_buf_wipe(&b);
	ag_buf_release(&b);
	return ret;
}

/* ---- IAM Identity Center (SSO) ------------------------------------- */

char *
ag_aws_sso_cache_file(const char *dir, const char *key)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0, i;
	char hex[2 * EVP_MAX_MD_SIZE + 1];

	if (EVP_Digest(key, strlen(key), md, &n, EVP_sha1(), NULL) != 1)
		return NULL;
	for (i = 0; i < n; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	return ag_xasprintf("%s/%s.json", dir, hex);
}

int
ag_aws_sso_creds_parse(
    struct ag_aws_creds *out, const char *json, size_t len, const char *what, struct ag_error *err)
{
	json_error_t je;
	json_t *j = json_loadb(json, len, 0, &je), *rc, *exp;
	const char *ak, *sk, *tok;
	int ret = AG_OK;

	memset(out, 0, sizeof(*out));
	rc = j ? json_object_get(j, "roleCredentials") : NULL;
	if (!json_is_object(rc)) {
		ret = ag_error_set(err, AG_EINVAL, "%s: reply has no roleCredentials object", what);
		goto out;
	}
	ak = json_string_value(json_object_get(rc, "accessKeyId"));
	sk = json_string_value(json_object_get(rc, "secretAccessKey"));
	tok = json_string_value(json_object_get(rc, "sessionToken"));
	exp = json_object_get(rc, "expiration");
	if (!ak || !*ak || !sk || !*sk || !tok || !*tok) {
		ret = ag_error_set(err, AG_EINVAL,
		    "%s: reply lacks accessKeyId, secretAccessKey or sessionToken", what);
		goto out;
	}
	if (!json_is_integer(exp) || json_integer_value(exp) <= 0) {
		ret = ag_error_set(
		    err, AG_EINVAL, "%s: reply has no expiration (milliseconds since 1970)", what);
		goto out;
	}
	out->access_key_id = ag_xstrdup(ak);
	out->secret_access_key = ag_xstrdup(sk);
	out->session_token = ag_xstrdup(tok);
	out->expires_ms = (int64_t)json_integer_value(exp);
out:
	json_decref(j);
	return ret;
}

/* How early a token that can be refreshed is refreshed (as the AWS CLI). */
#define SSO_REFRESH_WINDOW_MS (15 * 60 * 1000)

static int
format_utc(char out[32], int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL || strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return AG_EINVAL;
	return AG_OK;
}

/*
 * Refreshes the token in j (the cache file's object) through SSO OIDC
 * CreateToken with its refreshToken, clientId and clientSecret, as the AWS
 * CLI does for sso_session profiles; on success j holds the new accessToken,
 * expiresAt and refreshToken and is written back to path (0600). A failure
 * to write back is not an error: the new token still serves this run.
 */
static int
sso_refresh(
    struct ag_aws_client *c, json_t *j, const char *path, const char *region, struct ag_error *err)
{
	const struct ag_aws_config *cfg = ag_aws_client_config(c);
	const struct ag_clock *clk = ag_aws_client_clock(c);
	const char *rt = json_string_value(json_object_get(j, "refreshToken"));
	const char *id = json_string_value(json_object_get(j, "clientId"));
	const char *sec = json_string_value(json_object_get(j, "clientSecret"));
	struct ag_kvlist h = AG_KVLIST_INIT;
	struct ag_buf body = AG_BUF_INIT(64 * 1024);
	char *base = NULL, *url = NULL, *req = NULL, *saved = NULL, when[32];
	json_t *in = NULL, *r = NULL, *exp;
	json_error_t je;
	const char *tok, *nrt;
	int status = 0, ret;
	struct ag_error werr = AG_ERROR_INIT;

	if (!rt || !*rt || !id || !*id || !sec || !*sec)
		return ag_error_set(err, AG_EDENIED, "the cached token cannot be refreshed");
	if (cfg->sso_oidc_endpoint) {
		if ((ret = check_url(
		         cfg->sso_oidc_endpoint, "AWS_ENDPOINT_URL_SSO_OIDC", 0, err)) != 0)
			return ret;
		base = ag_xstrdup(cfg->sso_oidc_endpoint);
	} else {
		base = ag_xasprintf("https://oidc.%s.amazonaws.com", region);
	}
	while (*base && base[strlen(base) - 1] == '/')
		base[strlen(base) - 1] = '\0';
	url = ag_xasprintf("%s/token", base);
	in = json_pack("{s:s, s:s, s:s, s:s}", "grantType", "refresh_token", "clientId", id,
	    "clientSecret", sec, "refreshToken", rt);
	req = in ? json_dumps(in, JSON_COMPACT) : NULL;
	if (req == NULL) {
		ret = ag_error_set(err, AG_ERROR, "cannot encode the CreateToken request");
		goto out;
	}
	ag_kvlist_add(&h, "Content-Type", "application/json");
	ret =
	    ag_aws_http(c, "POST", url, &h, req, strlen(req), cfg->timeout_ms, &status, &body, err);
	if (ret != 0)
		goto out;
	r = json_loadb(body.ptr, body.len, 0, &je);
	if (status != 200) {
		const char *code = r ? json_string_value(json_object_get(r, "error")) : NULL;

		ret = ag_error_set(err, AG_EDENIED, "SSO OIDC CreateToken: HTTP %d%s%s", status,
		    code ? " " : "", code ? code : "");
		goto out;
	}
	tok = r ? json_string_value(json_object_get(r, "accessToken")) : NULL;
	exp = r ? json_object_get(r, "expiresIn") : NULL;
	nrt = r ? json_string_value(json_object_get(r, "refreshToken")) : NULL;
	if (!tok || !*tok || !json_is_integer(exp) || json_integer_value(exp) <= 0 ||
	    format_utc(when, clk->now_ms(clk->ctx) + json_integer_value(exp) * 1000) != 0) {
		ret = ag_error_set(
		    err, AG_EAWS, "SSO OIDC CreateToken: reply lacks accessToken or expiresIn");
		goto out;
	}
	json_object_set_new(j, "accessToken", json_string(tok));
	json_object_set_new(j, "expiresAt", json_string(when));
	if (nrt && *nrt)
		json_object_set_new(j, "refreshToken", json_string(nrt));
	saved = json_dumps(j, JSON_INDENT(2));
	if (saved == NULL || ag_fs_write_atomic(path, saved, strlen(saved), 0600, 0, &werr) != 0)
		ag_error_clear(&werr);
out:
	if (req) {
		explicit_bzero(req, strlen(req));
		free(req);
	}
	if (saved) {
		explicit_bzero(saved, strlen(saved));
		free(saved);
	}
	json_decref(in);
	json_decref(r);
	ag_kvlist_release(&h);
	ag_buf_wipe(&body);
	ag_buf_release(&body);
	free(base);
	free(url);
	return ret;
}

/*
 * Reads the token `aws sso login` cached for key. A token of an sso_session
 * (region given) that expires within 15 minutes is refreshed first when the
 * cache holds what that needs. A missing, unreadable or expired token is an
 * error that says how to get a new one.
 */
static int
sso_token(char **token, struct ag_aws_client *c, const char *key, const char *region,
    const char *login, struct ag_error *err)
{
	const struct ag_aws_config *cfg = ag_aws_client_config(c);
	const struct ag_clock *clk = ag_aws_client_clock(c);
	struct ag_buf b = AG_BUF_INIT(1024 * 1024);
	char *path = ag_aws_sso_cache_file(cfg->sso_cache_dir ? cfg->sso_cache_dir : ".", key);
	struct ag_error rerr = AG_ERROR_INIT;
	json_error_t je;
	json_t *j = NULL;
	const char *tok, *exp;
	int64_t exp_ms = 0, now = clk->now_ms(clk->ctx);
	int ret, tried = 0, refreshed = 0;

	*token = NULL;
	if (path == NULL)
		return ag_error_set(err, AG_ERROR, "cannot compute the SSO cache file name");
	if ((ret = ag_fs_read(&b, path, err)) != 0) {
		if (ret == AG_ENOTFOUND) {
			ag_error_clear(err);
			ret = ag_error_set(err, AG_EDENIED,
			    "no IAM Identity Center token in %s: run %s", path, login);
		}
		goto out;
	}
	j = json_loadb(b.ptr, b.len, 0, &je);
	tok = j ? json_string_value(json_object_get(j, "accessToken")) : NULL;
	exp = j ? json_string_value(json_object_get(j, "expiresAt")) : NULL;
	if (!json_is_object(j) || !exp || ag_aws_parse_time(exp, &exp_ms) != 0) {
		ret = ag_error_set(err, AG_EDENIED,
		    "the IAM Identity Center token in %s has no accessToken or expiresAt: run %s",
		    path, login);
		goto out;
	}
	if (region != NULL && now + SSO_REFRESH_WINDOW_MS >= exp_ms &&
	    json_string_value(json_object_get(j, "refreshToken")) != NULL) {
		tried = 1;
		refreshed = sso_refresh(c, j, path, region, &rerr);
		if (refreshed == 0) {
			tok = json_string_value(json_object_get(j, "accessToken"));
			exp = json_string_value(json_object_get(j, "expiresAt"));
			if (!exp || ag_aws_parse_time(exp, &exp_ms) != 0)
				exp_ms = 0;
		}
	}
	if (!tok || !*tok) {
		ret = ag_error_set(err, AG_EDENIED,
		    "the IAM Identity Center token in %s has no accessToken or expiresAt: run %s",
		    path, login);
		goto out;
	}
	if (now >= exp_ms) {
		if (!tried || refreshed == 0)
			ret = ag_error_set(err, AG_EDENIED,
			    "the IAM Identity Center token in %s expired at %s: run %s", path, exp,
			    login);
		else
			ret = ag_error_set(err, AG_EDENIED,
			    "the IAM Identity Center token in %s expired at %s and could not be "
			    "refreshed (%s): run %s",
			    path, exp, rerr.msg, login);
		goto out;
	}
	*token = ag_xstrdup(tok);
out:
	json_decref(j);
	ag_error_clear(&rerr);
	ag_buf_wipe(&b);
	ag_buf_release(&b);
	free(path);
	return ret;
}

static int
sso_creds(struct ag_aws_client *c, const struct profile *p, const char *name,
    struct ag_aws_creds *out, struct ag_error *err)
{
	const struct ag_aws_config *cfg = ag_aws_client_config(c);
	const char *session = pget(p, "sso_session"), *start_url, *region, *key;
	const char *account = pget(p, "sso_account_id"), *role = pget(p, "sso_role_name");
	struct ag_kvlist sect = AG_KVLIST_INIT;
	struct ag_kvlist h = AG_KVLIST_INIT;
	struct ag_buf body = AG_BUF_INIT(64 * 1024);
	char *login = ag_xasprintf("aws sso login --profile %s", name);
	char *base = NULL, *url = NULL, *token = NULL, *ea = NULL, *er = NULL, *what = NULL;
	int found = 0, status = 0, ret = AG_OK;
	CURL *esc = NULL;

	if (session) {
		char *sec = ag_xasprintf("sso-session %s", session);

		ret = ag_aws_ini_section(&sect, &found, cfg->config_file, sec, err);
		free(sec);
		if (ret == AG_ENOTFOUND || (ret == 0 && !found)) {
			ag_error_clear(err);
			ret = ag_error_set(err, AG_EINVAL,
			    "sso_session '%s' has no [sso-session %s] section in %s", session,
			    session, cfg->config_file);
		}
		if (ret != 0)
			goto out;
		start_url = ag_kvlist_get(&sect, "sso_start_url");
		region = ag_kvlist_get(&sect, "sso_region");
		key = session;
	} else {
		start_url = pget(p, "sso_start_url");
		region = pget(p, "sso_region");
		key = start_url;
	}
	if (!start_url || !*start_url || !region || !*region || !account || !role) {
		ret = ag_error_set(err, AG_EINVAL,
		    "IAM Identity Center needs sso_start_url and sso_region (in the profile or "
		    "its [sso-session] section), sso_account_id and sso_role_name; missing: "
		    "%s%s%s%s",
		    !start_url || !*start_url ? "sso_start_url " : "",
		    !region || !*region ? "sso_region " : "", !account ? "sso_account_id " : "",
		    !role ? "sso_role_name" : "");
		goto out;
	}
	if ((ret = sso_token(&token, c, key, session ? region : NULL, login, err)) != 0)
		goto out;
	if (cfg->sso_endpoint) {
		if ((ret = check_url(cfg->sso_endpoint, "AWS_ENDPOINT_URL_SSO", 0, err)) != 0)
			goto out;
		base = ag_xstrdup(cfg->sso_endpoint);
	} else {
		base = ag_xasprintf("https://portal.sso.%s.amazonaws.com", region);
	}
	while (*base && base[strlen(base) - 1] == '/')
		base[strlen(base) - 1] = '\0';
	if ((esc = curl_easy_init()) == NULL || (ea = curl_easy_escape(esc, account, 0)) == NULL ||
	    (er = curl_easy_escape(esc, role, 0)) == NULL) {
		ret = ag_error_set(err, AG_ERROR, "cannot encode the portal URL");
		goto out;
	}
	url = ag_xasprintf("%s/federation/credentials?account_id=%s&role_name=%s", base, ea, er);
	what = ag_xasprintf(
	    "IAM Identity Center GetRoleCredentials (account %s, role %s)", account, role);
	ag_kvlist_add(&h, "x-amz-sso_bearer_token", token);
	ag_kvlist_add(&h, "Accept", "application/json");
	ret = ag_aws_http(c, "GET", url, &h, NULL, 0, cfg->timeout_ms, &status, &body, err);
	if (ret != 0)
		goto out;
	if (status == 401 || status == 403) {
		ret = ag_error_set(err, AG_EDENIED,
		    "%s: the portal refused the token (HTTP %d): run %s", what, status, login);
		goto out;
	}
	if (status != 200) {
		ret = ag_error_set(err, AG_EAWS, "%s: HTTP %d", what, status);
		goto out;
	}
	if ((ret = ag_aws_sso_creds_parse(out, body.ptr, body.len, what, err)) != 0)
		goto out;
	out->source = ag_xasprintf("profile '%s' (%s, IAM Identity Center account %s role %s)",
	    name, p->where, account, role);
out:
	if (ret != 0)
		ag_error_prefix(err, "profile '%s' (%s)", name, p->where);
	if (token) {
		explicit_bzero(token, strlen(token));
		free(token);
	}
	curl_free(ea);
	curl_free(er);
	if (esc)
		curl_easy_cleanup(esc);
	ag_kvlist_release(&sect);
	if (h.n > 0)
		explicit_bzero(h.v[0].value, strlen(h.v[0].value));
	ag_kvlist_release(&h);
	ag_buf_wipe(&body);
	ag_buf_release(&body);
	free(login);
	free(base);
	free(url);
	free(what);
	return ret;
}

static int
imds_creds(struct ag_aws_client *c, struct ag_aws_creds *out, struct ag_error *err)
{
	const struct ag_aws_config *cfg = ag_aws_client_config(c);
	const char *base = cfg->imds_endpoint ? cfg->imds_endpoint : "http://169.254.169.254";
	struct ag_kvlist h = AG_KVLIST_INIT;
	struct ag_buf body = AG_BUF_INIT(64 * 1024);
	char *url = NULL, *token = NULL, *role = NULL, *nl;
	int status = 0, ret;
	size_t bl = strlen(base);

	while (bl && base[bl - 1] == '/')
		bl--;
	url = ag_xasprintf("%.*s/latest/api/token", (int)bl, base);
	ag_kvlist_add(&h, "X-aws-ec2-metadata-token-ttl-seconds", "21600");
	ret = ag_aws_http(c, "PUT", url, &h, "", 0, cfg->imds_timeout_ms, &status, &body, err);
	if (ret == 0 && status != 200)
		ret = ag_error_set(err, AG_EAWS, "PUT %s: HTTP %d", url, status);
	if (ret != 0)
		goto out;
	token = ag_xstrndup(body.ptr, body.len);
	ag_kvlist_release(&h);
	ag_kvlist_add(&h, "X-aws-ec2-metadata-token", token);
	free(url);
	url = ag_xasprintf("%.*s/latest/meta-data/iam/security-credentials/", (int)bl, base);
	ret = ag_aws_http(c, "GET", url, &h, NULL, 0, cfg->imds_timeout_ms, &status, &body, err);
	if (ret == 0 && status != 200)
		ret =
		    ag_error_set(err, AG_EAWS, "GET %s: HTTP %d (no instance role?)", url, status);
	if (ret != 0)
		goto out;
	role = ag_xstrndup(body.ptr, body.len);
	if ((nl = strchr(role, '\n')) != NULL)
		*nl = '\0';
	if (!*role) {
		ret = ag_error_set(err, AG_EAWS, "GET %s: no instance role", url);
		goto out;
	}
	free(url);
	url =
	    ag_xasprintf("%.*s/latest/meta-data/iam/security-credentials/%s", (int)bl, base, role);
	ret = ag_aws_http(c, "GET", url, &h, NULL, 0, cfg->imds_timeout_ms, &status, &body, err);
	if (ret == 0 && status != 200)
		ret = ag_error_set(err, AG_EAWS, "GET %s: HTTP %d", url, status);
	if (ret == 0)
		ret = parse_json_creds(out, &body, "instance metadata", err);
	if (ret != 0)
		goto out;
	out->source = ag_xasprintf("EC2 instance metadata (role %s)", role);
out:
	if (ret != 0)
		ag_error_prefix(err, "EC2 instance metadata");
	if (token) {
		explicit_bzero(token, strlen(token));
		free(token);
	}
	free(role);
	free(url);
	ag_kvlist_release(&h);
	ag_buf_wipe(&body);
	ag_buf_release(&body);
	return ret;
}

int
ag_aws_creds_resolve(struct ag_aws_client *c, struct ag_aws_creds *out, struct ag_error *err)
{
	const struct ag_aws_config *cfg = ag_aws_client_config(c);
	struct ag_buf t = AG_BUF_INIT(4096);
	int configured = 0, ret = AG_OK;

	memset(out, 0, sizeof(*out));

	/* 1. Environment. */
	if (cfg->access_key_id && cfg->secret_access_key) {
		out->access_key_id = ag_xstrdup(cfg->access_key_id);
		out->secret_access_key = ag_xstrdup(cfg->secret_access_key);
		out->session_token = ag_xstrdup(cfg->session_token);
		out->source = ag_xstrdup("environment");
		goto out;
	}
	if (cfg->access_key_id || cfg->secret_access_key)
		tried(&t, "environment (only %s%s is set)",
		    cfg->access_key_id ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY", NULL);
	else
		tried(&t, "environment (AWS_ACCESS_KEY_ID not set)%s%s", NULL, NULL);

	/* 2. Shared profile. */
	if (cfg->profile) {
		ret = profile_creds(c, cfg->profile, 0, out, &configured, err);
		if (ret != 0)
			goto out;
		if (configured)
			goto out;
		{
			char *m = ag_xasprintf("profile '%s' (no credentials in %s or %s)",
			    cfg->profile, cfg->credentials_file ? cfg->credentials_file : "-",
			    cfg->config_file ? cfg->config_file : "-");

			tried(&t, "%s%s", m, NULL);
			free(m);
		}
	}

	/* 3. Web identity. */
	if (cfg->role_arn && cfg->web_identity_token_file) {
		char *tok = NULL, *sess = session_name(c);

		ret = read_small(
		    &tok, cfg->web_identity_token_file, "AWS_WEB_IDENTITY_TOKEN_FILE", err);
		if (ret == 0)
			ret = ag_sts_assume_role_with_web_identity(
			    c, cfg->role_arn, sess, tok, out, err);
		if (tok) {
			explicit_bzero(tok, strlen(tok));
			free(tok);
		}
		free(sess);
		if (ret != 0) {
			ag_error_prefix(err, "web identity (role %s)", cfg->role_arn);
			goto out;
		}
		out->source = ag_xasprintf("web identity (role %s)", cfg->role_arn);
		goto out;
	}
	tried(&t, "web identity (%s%s not set)",
	    cfg->role_arn ? "AWS_WEB_IDENTITY_TOKEN_FILE" : "AWS_ROLE_ARN", NULL);

	/* 4. Container endpoint. */
	if (cfg->container_relative_uri || cfg->container_full_uri) {
		ret = container_creds(c, out, err);
		goto out;
	}
	tried(&t,
	    "container credentials (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI/_FULL_URI not set)%s%s",
	    NULL, NULL);

	/* 5. EC2 instance metadata. */
	if (!cfg->imds_disabled) {
		struct ag_error ierr = AG_ERROR_INIT;

		ret = imds_creds(c, out, &ierr);
		if (ret == 0)
			goto out;
		tried(&t, "%s%s", ierr.msg, NULL);
	} else {
		tried(&t, "EC2 instance metadata (disabled by AWS_EC2_METADATA_DISABLED)%s%s", NULL,
		    NULL);
	}
	ret = ag_error_set(err, AG_EDENIED, "no AWS credentials found; tried: %s", t.ptr);
out:
	if (ret != 0)
		ag_aws_creds_release(out);
	ag_buf_release(&t);
	return ret;
}
