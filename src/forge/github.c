/*
 * GitHub REST: the sticky pull-request comment (an issue comment, found by
 * its marker, updated with PATCH) and commit statuses.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/mem.h"
#include "forge/forge.h"
#include "forge/internal.h"

#include "core/compat.h"

#define PERM_COMMENTS "'pull-requests: write' (or 'issues: write')"
#define PERM_STATUS "'statuses: write'"

/* The sticky comment's id, or NULL when there is none yet. */
static int
find_comment(struct ag_forge *f, char **id, long number, const char *marker, struct ag_error *err)
{
	char *url = ag_xasprintf(
	    "%s/repos/%s/issues/%ld/comments?per_page=100", f->api_url, f->project, number);
	char *what =
	    ag_xasprintf("list the comments of pull request #%ld of '%s'", number, f->project);
	int rc;

	rc = ag_forge_find_marked(f, id, url, what, "'pull-requests: read'", marker, false, err);
	free(url);
	free(what);
	return rc;
}

int
ag_github_upsert_comment(struct ag_forge *f, bool *created, char **id_out, long number,
    const char *marker, const char *body, struct ag_error *err)
{
	char *id = NULL, *url, *what;
	int rc;

	if ((rc = find_comment(f, &id, number, marker, err)) < 0)
		return rc;
	*created = id == NULL;
	if (id != NULL) {
		what = ag_xasprintf(
		    "update comment %s on pull request #%ld of '%s'", id, number, f->project);
		url = ag_xasprintf("%s/repos/%s/issues/comments/%s", f->api_url, f->project, id);
	} else {
		what = ag_xasprintf("comment on pull request #%ld of '%s'", number, f->project);
		url =
		    ag_xasprintf("%s/repos/%s/issues/%ld/comments", f->api_url, f->project, number);
	}
	return ag_forge_send_comment(f, id_out, id, "PATCH", url, what, PERM_COMMENTS, body, err);
}

static const char *
state_name(enum ag_forge_state s)
{
	switch (s) {
	case AG_FORGE_FAILURE:
		return "failure";
	case AG_FORGE_ERROR:
		return "error";
	case AG_FORGE_PENDING:
		return "pending";
	case AG_FORGE_SUCCESS:
		break;
	}
	return "success";
}

int
ag_github_set_status(
    struct ag_forge *f, struct ag_forge_status *s, enum ag_forge_state state, struct ag_error *err)
{
	s->state = state_name(state);
	s->context_key = "context";
	s->permission = PERM_STATUS;
	return ag_forge_post_status(
	    f, s, ag_xasprintf("%s/repos/%s/statuses/%s", f->api_url, f->project, s->sha), err);
}
