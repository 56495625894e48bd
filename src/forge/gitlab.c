/*
 * GitLab REST: the sticky merge-request note (found by its marker, updated
 * with PUT) and commit statuses.
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

#define PERM_NOTES                                                                                 \
	"'api' scope with at least the Reporter role on the project (a CI_JOB_TOKEN cannot "       \
	"write merge-request notes: use a project access token in GITLAB_TOKEN)"
#define PERM_STATUS "'api' scope with at least the Developer role on the project"
#define PERM_READ "'read_api' scope"

/* The sticky comment's id, or NULL when there is none yet. */
static int
find_note(struct ag_forge *f, char **id, long number, const char *marker, struct ag_error *err)
{
	char *url = ag_xasprintf("%s/projects/%s/merge_requests/%ld/notes?per_page=100&sort=asc",
	    f->api_url, f->project_seg, number);
	char *what =
	    ag_xasprintf("list the notes of merge request !%ld of '%s'", number, f->project);
	int rc;

	rc = ag_forge_find_marked(f, id, url, what, PERM_READ, marker, true, err);
	free(url);
	free(what);
	return rc;
}

int
ag_gitlab_upsert_comment(struct ag_forge *f, bool *created, char **id_out, long number,
    const char *marker, const char *body, struct ag_error *err)
{
	char *id = NULL, *url, *what;
	int rc;

	if ((rc = find_note(f, &id, number, marker, err)) < 0)
		return rc;
	*created = id == NULL;
	if (id != NULL) {
		what = ag_xasprintf(
		    "update note %s on merge request !%ld of '%s'", id, number, f->project);
		url = ag_xasprintf("%s/projects/%s/merge_requests/%ld/notes/%s", f->api_url,
		    f->project_seg, number, id);
	} else {
		what = ag_xasprintf("add a note to merge request !%ld of '%s'", number, f->project);
		url = ag_xasprintf(
		    "%s/projects/%s/merge_requests/%ld/notes", f->api_url, f->project_seg, number);
	}
	return ag_forge_send_comment(f, id_out, id, "PUT", url, what, PERM_NOTES, body, err);
}

static const char *
state_name(enum ag_forge_state s)
{
	switch (s) {
	case AG_FORGE_FAILURE:
	case AG_FORGE_ERROR:
		return "failed";
	case AG_FORGE_PENDING:
		return "running";
	case AG_FORGE_SUCCESS:
		break;
	}
	return "success";
}

int
ag_gitlab_set_status(
    struct ag_forge *f, struct ag_forge_status *s, enum ag_forge_state state, struct ag_error *err)
{
	s->state = state_name(state);
	s->context_key = "name";
	s->permission = PERM_STATUS;
	return ag_forge_post_status(f, s,
	    ag_xasprintf("%s/projects/%s/statuses/%s", f->api_url, f->project_seg, s->sha), err);
}
