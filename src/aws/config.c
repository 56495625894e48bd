/*
 * Configuration: the AWS SDK environment variables and the shared config
 * files. This is the only place in ag_aws that reads the environment.
 */
#include "aws/client.h"
#include "aws/internal.h"
#include "core/mem.h"
#include "sys/fs.h"

#include <ctype.h>
#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/compat.h"

static const char *const svc_names[AG_AWS_N_SERVICES] = {
    "rds", "ec2", "sts", "iam", "monitoring", "kms", "application-autoscaling"};

const char *
ag_aws_service_name(enum ag_aws_service svc)
{
	return svc < AG_AWS_N_SERVICES ? svc_names[svc] : "?";
}

void
ag_aws_config_init(struct ag_aws_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->max_attempts = 3;
	cfg->retry_base_ms = 1000;
	cfg->retry_max_ms = 20000;
	cfg->connect_timeout_ms = 5000;
	cfg->timeout_ms = 60000;
	cfg->imds_timeout_ms = 1000;
	cfg->max_response = 16 * 1024 * 1024;
	cfg->max_list_bytes = (size_t)256 * 1024 * 1024;
	cfg->refresh_margin_ms = 5 * 60 * 1000;
	cfg->process_timeout_ms = 5 * 60 * 1000;
}

void
ag_aws_config_release(struct ag_aws_config *cfg)
{
	int i;

	if (!cfg)
		return;
	free(cfg->region);
	free(cfg->region_source);
	free(cfg->profile);
	free(cfg->credentials_file);
	free(cfg->config_file);
	for (i = 0; i < AG_AWS_N_SERVICES; i++)
		free(cfg->endpoint[i]);
	free(cfg->endpoint_all);
	free(cfg->access_key_id);
	if (cfg->secret_access_key) {
		explicit_bzero(cfg->secret_access_key, strlen(cfg->secret_access_key));
		free(cfg->secret_access_key);
	}
	if (cfg->session_token) {
		explicit_bzero(cfg->session_token, strlen(cfg->session_token));
		free(cfg->session_token);
	}
	free(cfg->role_arn);
	free(cfg->web_identity_token_file);
	free(cfg->role_session_name);
	free(cfg->container_relative_uri);
	free(cfg->container_full_uri);
	if (cfg->container_auth_token) {
		explicit_bzero(cfg->container_auth_token, strlen(cfg->container_auth_token));
		free(cfg->container_auth_token);
	}
	free(cfg->container_auth_token_file);
	free(cfg->imds_endpoint);
	free(cfg->ca_bundle);
	free(cfg->sso_cache_dir);
	free(cfg->sso_endpoint);
	free(cfg->sso_oidc_endpoint);
	memset(cfg, 0, sizeof(*cfg));
}

char *
ag_aws_config_endpoint(const struct ag_aws_config *cfg, enum ag_aws_service svc)
{
	if (svc >= AG_AWS_N_SERVICES)
		return NULL;
	if (cfg->endpoint[svc] && cfg->endpoint[svc][0])
		return ag_xstrdup(cfg->endpoint[svc]);
	if (cfg->endpoint_all && cfg->endpoint_all[0])
		return ag_xstrdup(cfg->endpoint_all);
	if (!cfg->region)
		return NULL;
	return ag_xasprintf("https://%s.%s.amazonaws.com", svc_names[svc], cfg->region);
}

static char *
env_dup(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? ag_xstrdup(v) : NULL;
}

static char *
trim(char *s)
{
	char *e;

	while (*s && isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

int
ag_aws_ini_section(
    struct ag_kvlist *out, int *found, const char *path, const char *section, struct ag_error *err)
{
	struct ag_buf b = AG_BUF_INIT(4 * 1024 * 1024);
	char *line, *next;
	int in = 0, ret;

	*found = 0;
	ret = ag_fs_read(&b, path, err);
	if (ret != 0) {
		if (ret == AG_ENOTFOUND)
			ag_error_clear(err);
		goto out;
	}
	for (line = b.ptr; line && *line; line = next) {
		char *p, *eq;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (*line == ' ' || *line == '\t')
			continue; /* nested sub-section values */
		p = trim(line);
		if (*p == '#' || *p == ';' || *p == '\0')
			continue;
		if (*p == '[') {
			char *e = strchr(p, ']');

			if (!e)
				continue;
			*e = '\0';
			in = strcmp(trim(p + 1), section) == 0;
			if (in)
				*found = 1;
			continue;
		}
		if (!in || (eq = strchr(p, '=')) == NULL)
			continue;
		*eq = '\0';
		ag_kvlist_set(out, trim(p), trim(eq + 1));
	}
	ret = AG_OK;
out:
	ag_buf_wipe(&b);
	ag_buf_release(&b);
	return ret;
}

static long
env_long(const char *name, long def, long min, long max, struct ag_error *err, int *bad)
{
	const char *v = getenv(name);
	char *end;
	long n;

	if (!v || !*v)
		return def;
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || *end || n < min || n > max) {
		*bad = ag_error_set(err, AG_EINVAL,
		    "environment variable %s: '%s' is not a number from %ld to %ld", name, v, min,
		    max);
		return def;
	}
	return n;
}

int
ag_aws_config_from_env(struct ag_aws_config *cfg, struct ag_error *err)
{
	const char *home = getenv("HOME");
	const char *v;
	int bad = 0;

	ag_aws_config_init(cfg);
	cfg->profile = env_dup("AWS_PROFILE");
	if (!cfg->profile)
		cfg->profile = ag_xstrdup("default");
	cfg->credentials_file = env_dup("AWS_SHARED_CREDENTIALS_FILE");
	if (!cfg->credentials_file)
		cfg->credentials_file = ag_xasprintf("%s/.aws/credentials", home ? home : "");
	cfg->config_file = env_dup("AWS_CONFIG_FILE");
	if (!cfg->config_file)
		cfg->config_file = ag_xasprintf("%s/.aws/config", home ? home : "");

	cfg->endpoint[AG_AWS_RDS] = env_dup("AWS_ENDPOINT_URL_RDS");
	cfg->endpoint[AG_AWS_EC2] = env_dup("AWS_ENDPOINT_URL_EC2");
	cfg->endpoint[AG_AWS_STS] = env_dup("AWS_ENDPOINT_URL_STS");
	cfg->endpoint[AG_AWS_IAM] = env_dup("AWS_ENDPOINT_URL_IAM");
	cfg->endpoint[AG_AWS_CLOUDWATCH] = env_dup("AWS_ENDPOINT_URL_CLOUDWATCH");
	cfg->endpoint[AG_AWS_KMS] = env_dup("AWS_ENDPOINT_URL_KMS");
	cfg->endpoint[AG_AWS_AAS] = env_dup("AWS_ENDPOINT_URL_APPLICATION_AUTO_SCALING");
	cfg->endpoint_all = env_dup("AWS_ENDPOINT_URL");

	cfg->access_key_id = env_dup("AWS_ACCESS_KEY_ID");
	cfg->secret_access_key = env_dup("AWS_SECRET_ACCESS_KEY");
	cfg->session_token = env_dup("AWS_SESSION_TOKEN");
	cfg->role_arn = env_dup("AWS_ROLE_ARN");
	cfg->web_identity_token_file = env_dup("AWS_WEB_IDENTITY_TOKEN_FILE");
	cfg->role_session_name = env_dup("AWS_ROLE_SESSION_NAME");
	cfg->container_relative_uri = env_dup("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
	cfg->container_full_uri = env_dup("AWS_CONTAINER_CREDENTIALS_FULL_URI");
	cfg->container_auth_token = env_dup("AWS_CONTAINER_AUTHORIZATION_TOKEN");
	cfg->container_auth_token_file = env_dup("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
	v = getenv("AWS_EC2_METADATA_DISABLED");
	cfg->imds_disabled = v && strcasecmp(v, "true") == 0;
	cfg->imds_endpoint = env_dup("AWS_EC2_METADATA_SERVICE_ENDPOINT");
	cfg->ca_bundle = env_dup("AWS_CA_BUNDLE");
	cfg->sso_cache_dir = ag_xasprintf("%s/.aws/sso/cache", home ? home : "");
	cfg->sso_endpoint = env_dup("AWS_ENDPOINT_URL_SSO");
	cfg->sso_oidc_endpoint = env_dup("AWS_ENDPOINT_URL_SSO_OIDC");

	cfg->max_attempts = (int)env_long("AWS_MAX_ATTEMPTS", 3, 1, 100, err, &bad);
	cfg->retry_base_ms =
	    env_long("AG_AWS_RETRY_BASE_MS", cfg->retry_base_ms, 0, 60000, err, &bad);
	cfg->connect_timeout_ms =
	    env_long("AG_AWS_CONNECT_TIMEOUT_MS", cfg->connect_timeout_ms, 1, 600000, err, &bad);
	cfg->timeout_ms = env_long("AG_AWS_TIMEOUT_MS", cfg->timeout_ms, 1, 3600000, err, &bad);
	cfg->max_list_bytes = (size_t)env_long(
	    "AG_AWS_MAX_LIST_BYTES", (long)cfg->max_list_bytes, 4096, 2147483647L, err, &bad);
	if (bad)
		return bad;

	if ((cfg->region = env_dup("AWS_REGION")) != NULL) {
		cfg->region_source = ag_xstrdup("AWS_REGION");
	} else if ((cfg->region = env_dup("AWS_DEFAULT_REGION")) != NULL) {
		cfg->region_source = ag_xstrdup("AWS_DEFAULT_REGION");
	} else {
		struct ag_kvlist kv = AG_KVLIST_INIT;
		char *section = strcmp(cfg->profile, "default") == 0
		                    ? ag_xstrdup("default")
		                    : ag_xasprintf("profile %s", cfg->profile);
		int found = 0, r;

		r = ag_aws_ini_section(&kv, &found, cfg->config_file, section, err);
		if (r == AG_OK && ag_kvlist_get(&kv, "region") && *ag_kvlist_get(&kv, "region")) {
			cfg->region = ag_xstrdup(ag_kvlist_get(&kv, "region"));
			cfg->region_source =
			    ag_xasprintf("profile '%s' (%s)", cfg->profile, cfg->config_file);
		}
		ag_kvlist_release(&kv);
		free(section);
		if (r != AG_OK && r != AG_ENOTFOUND)
			return r;
		ag_error_clear(err);
	}
	return AG_OK;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

/* n decimal digits at s as a number; -1 when one of them is not a digit. */
static int
fixed_digits(const char *s, int n)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

int
ag_aws_parse_time(const char *s, int64_t *out_ms)
{
	int y, mo, d, h, mi, se, off = 0;
	int64_t ms = 0;
	const char *p;

	/* exactly YYYY-MM-DDTHH:MM:SS: no signs, spaces or short fields */
	if (!s || strnlen(s, 19) < 19 || s[4] != '-' || s[7] != '-' ||
	    (s[10] != 'T' && s[10] != 't') || s[13] != ':' || s[16] != ':')
		return AG_EINVAL;
	y = fixed_digits(s, 4);
	mo = fixed_digits(s + 5, 2);
	d = fixed_digits(s + 8, 2);
	h = fixed_digits(s + 11, 2);
	mi = fixed_digits(s + 14, 2);
	se = fixed_digits(s + 17, 2);
	if (y < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || se < 0)
		return AG_EINVAL;
	p = s + 19;
	if (*p == '.') {
		int digits = 0;

		for (p++; isdigit((unsigned char)*p); p++, digits++)
			if (digits < 3)
				ms = ms * 10 + (*p - '0');
		while (digits > 0 && digits < 3) {
			ms *= 10;
			digits++;
		}
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		/* an offset from UTC: +HH:MM or +HHMM */
		int sign = *p == '-' ? -1 : 1;

		if (!isdigit((unsigned char)p[1]) || !isdigit((unsigned char)p[2]))
			return AG_EINVAL;
		off = ((p[1] - '0') * 10 + (p[2] - '0')) * 60;
		p += 3;
		if (*p == ':')
			p++;
		if (!isdigit((unsigned char)p[0]) || !isdigit((unsigned char)p[1]))
			return AG_EINVAL;
		off = sign * (off + (p[0] - '0') * 10 + (p[1] - '0'));
		p += 2;
	}
	if (*p != '\0')
		return AG_EINVAL;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
		return AG_EINVAL;
	*out_ms = ((days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400) + h * 3600 + mi * 60 +
	              se - (int64_t)off * 60) *
	              1000 +
	          ms;
	return AG_OK;
}
