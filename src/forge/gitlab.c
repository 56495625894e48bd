/*
 * GitLab REST: the sticky merge-request note (found by its marker, updated
 * with PUT) and commit statuses.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

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
	struct ag_forge_reply r;
	char *id = NULL, *url = NULL, *what = NULL, *json = NULL;
	json_t *j = NULL;
	int rc;

	ag_forge_reply_init(&r);
	if ((rc = find_note(f, &id, number, marker, err)) < 0)
		goto out;
	json = ag_forge_body_json(body);
	if (id != NULL) {
		*created = false;
		what = ag_xasprintf(
		    "update note %s on merge request !%ld of '%s'", id, number, f->project);
		url = ag_xasprintf("%s/projects/%s/merge_requests/%ld/notes/%s", f->api_url,
		    f->project_seg, number, id);
		rc = ag_forge_call(f, "PUT", url, json, &r, what, err);
	} else {
		*created = true;
		what = ag_xasprintf("add a note to merge request !%ld of '%s'", number, f->project);
		url = ag_xasprintf(
		    "%s/projects/%s/merge_requests/%ld/notes", f->api_url, f->project_seg, number);
		rc = ag_forge_call(f, "POST", url, json, &r, what, err);
	}
	if (rc < 0)
		goto out;
	if (r.status != 200 && r.status != 201) {
		rc = ag_forge_reply_error(f, &r, what, PERM_NOTES, err);
		goto out;
	}
	if (*created) {
		j = json_loadb(r.body.ptr, r.body.len, 0, NULL);
		if (json_is_integer(json_object_get(j, "id")))
			id = ag_xasprintf(
			    "%lld", (long long)json_integer_value(json_object_get(j, "id")));
	}
	if (id_out != NULL) {
		*id_out = id;
		id = NULL;
	}
out:
	json_decref(j);
	free(id);
	free(url);
	free(what);
	free(json);
	ag_forge_reply_release(&r);
	return rc;
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
ag_gitlab_set_status(struct ag_forge *f, const char *sha, enum ag_forge_state state,
    const char *context, const char *description, const char *target_url, struct ag_error *err)
{
	struct ag_forge_status s = {
	    .sha = sha,
	    .state = state_name(state),
	    .context_key = "name",
	    .context = context,
	    .description = description,
	    .target_url = target_url,
	    .permission = PERM_STATUS,
	};
	char *url = ag_xasprintf("%s/projects/%s/statuses/%s", f->api_url, f->project_seg, sha);
	int rc;

	s.url = url;
	rc = ag_forge_post_status(f, &s, err);
	free(url);
	return rc;
}
