/*
 * The forge handle: checks the configuration once, then dispatches to the
 * GitHub or GitLab calls.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "core/error.h"
#include "core/mem.h"
#include "forge/forge.h"
#include "forge/internal.h"

#include "core/compat.h"

static bool
name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '_' || c == '-';
}

/* GitHub: exactly OWNER/REPO. GitLab: a numeric id or a path of one or
 * more '/'-separated names. No empty, "." or ".." segment. */
static bool
project_ok(enum ag_forge_kind kind, const char *p)
{
	size_t segs = 0, len = 0;
	const char *s = p, *seg = p;

	if (p == NULL || *p == '\0' || strlen(p) > 255)
		return false;
	for (;; s++) {
		if (*s == '/' || *s == '\0') {
			len = (size_t)(s - seg);
			if (len == 0 || (len == 1 && seg[0] == '.') ||
			    (len == 2 && seg[0] == '.' && seg[1] == '.'))
				return false;
			segs++;
			if (*s == '\0')
				break;
			seg = s + 1;
		} else if (!name_char(*s)) {
			return false;
		}
	}
	return kind == AG_FORGE_GITHUB ? segs == 2 : segs >= 1;
}

int
ag_forge_new(struct ag_forge **out, const struct ag_forge_config *cfg, struct ag_error *err)
{
	struct ag_forge *f;
	size_t n;
	int rc;

	*out = NULL;
	if ((rc = ag_forge_check_url(cfg->api_url, err)) < 0)
		return rc;
	if (!project_ok(cfg->kind, cfg->project))
		return ag_error_set(err, AG_EINVAL,
		    cfg->kind == AG_FORGE_GITHUB
		        ? "GitHub repository '%s' is not OWNER/REPO"
		        : "GitLab project '%s' is not a project id or GROUP/PROJECT path",
		    cfg->project != NULL ? cfg->project : "");
	if (cfg->token == NULL || *cfg->token == '\0')
		return ag_error_set(err, AG_EINVAL, "no API token");
	if (strpbrk(cfg->token, "\r\n") != NULL)
		return ag_error_set(err, AG_EINVAL, "the API token contains a line break");
	if (cfg->clock == NULL || cfg->rand == NULL)
		return ag_error_set(err, AG_EINVAL, "forge needs a clock and a random source");
	f = ag_xcalloc(1, sizeof(*f));
	f->kind = cfg->kind;
	f->api_url = ag_xstrdup(cfg->api_url);
	n = strlen(f->api_url);
	while (n > 0 && f->api_url[n - 1] == '/')
		f->api_url[--n] = '\0';
	f->project = ag_xstrdup(cfg->project);
	f->project_seg = ag_forge_escape_segment(cfg->project);
	f->token = ag_xstrdup(cfg->token);
	f->token_kind = cfg->kind == AG_FORGE_GITHUB ? AG_FORGE_TOKEN_BEARER : cfg->token_kind;
	if (f->kind == AG_FORGE_GITLAB && f->token_kind == AG_FORGE_TOKEN_BEARER)
		f->token_kind = AG_FORGE_TOKEN_PRIVATE;
	f->ca_bundle = ag_xstrdup(cfg->ca_bundle);
	f->clock = cfg->clock;
	f->rand = cfg->rand;
	f->max_attempts = cfg->max_attempts > 0 ? cfg->max_attempts : 5;
	f->max_wait_ms = cfg->max_wait_ms > 0 ? cfg->max_wait_ms : 120000;
	f->base_wait_ms = cfg->base_wait_ms > 0 ? cfg->base_wait_ms : 1000;
	f->curl = curl_easy_init();
	if (f->curl == NULL) {
		ag_forge_free(f);
		return ag_error_set(err, AG_ERROR, "cannot start libcurl");
	}
	*out = f;
	return 0;
}

void
ag_forge_free(struct ag_forge *f)
{
	if (f == NULL)
		return;
	if (f->curl != NULL)
		curl_easy_cleanup(f->curl);
	if (f->token != NULL) {
		explicit_bzero(f->token, strlen(f->token));
		free(f->token);
	}
	free(f->api_url);
	free(f->project);
	free(f->project_seg);
	free(f->ca_bundle);
	free(f);
}

int
ag_forge_upsert_comment(struct ag_forge *f, bool *created, char **id, long number,
    const char *marker, const char *body, struct ag_error *err)
{
	if (id != NULL)
		*id = NULL;
	if (number <= 0)
		return ag_error_set(
		    err, AG_EINVAL, "pull request number %ld is not positive", number);
	if (marker == NULL || *marker == '\0' || strstr(body, marker) == NULL)
		return ag_error_set(err, AG_EINVAL,
		    "the comment does not contain its marker; it could not be found again to "
		    "update");
	if (f->kind == AG_FORGE_GITHUB)
		return ag_github_upsert_comment(f, created, id, number, marker, body, err);
	return ag_gitlab_upsert_comment(f, created, id, number, marker, body, err);
}

static bool
sha_ok(const char *s)
{
	size_t n = 0;

	for (; s != NULL && s[n]; n++)
		if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f')))
			return false;
	return n == 40 || n == 64;
}

int
ag_forge_set_status(struct ag_forge *f, const char *sha, enum ag_forge_state state,
    const char *context, const char *description, const char *target_url, struct ag_error *err)
{
	struct ag_forge_status s = {0};

	if (!sha_ok(sha))
		return ag_error_set(err, AG_EINVAL,
		    "commit '%s' is not a full lower-case hex commit id", sha != NULL ? sha : "");
	if (target_url != NULL && ag_forge_check_url(target_url, NULL) < 0 &&
	    strncmp(target_url, "https://", 8) != 0)
		return ag_error_set(err, AG_EINVAL, "target URL '%s' must be https", target_url);
	s.sha = sha;
	s.context = context;
	s.description = description;
	s.target_url = target_url;
	if (f->kind == AG_FORGE_GITHUB)
		return ag_github_set_status(f, &s, state, err);
	return ag_gitlab_set_status(f, &s, state, err);
}
