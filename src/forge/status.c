/*
 * What GitHub and GitLab commit statuses have in common: one POST of a
 * small JSON object. They differ in the URL, the state names and the key
 * of the context ("context" on GitHub, "name" on GitLab).
 */
#include <stdio.h>
#include <stdlib.h>

#include <jansson.h>

#include "core/error.h"
#include "core/mem.h"
#include "forge/forge.h"
#include "forge/internal.h"

#include "core/compat.h"

/* Both forges cut descriptions at 140 characters; cut them here first so a
 * long description is not a refused call. */
#define DESCRIPTION_MAX 140

int
ag_forge_post_status(
    struct ag_forge *f, const struct ag_forge_status *s, char *url, struct ag_error *err)
{
	struct ag_forge_reply r;
	json_t *o = json_object();
	char desc[DESCRIPTION_MAX + 1], *json, *what;
	int rc;

	snprintf(desc, sizeof(desc), "%s", s->description != NULL ? s->description : "");
	json_object_set_new(o, "state", json_string(s->state));
	json_object_set_new(o, s->context_key, json_string(s->context));
	json_object_set_new(o, "description", json_string(desc));
	if (s->target_url != NULL)
		json_object_set_new(o, "target_url", json_string(s->target_url));
	json = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	ag_forge_reply_init(&r);
	what = ag_xasprintf(
	    "set the commit status '%s' on %s in '%s'", s->context, s->sha, f->project);
	rc = ag_forge_call(f, "POST", url, json, &r, what, err);
	if (rc == 0 && r.status != 201 && r.status != 200)
		rc = ag_forge_reply_error(f, &r, what, s->permission, err);
	free(json);
	free(what);
	free(url);
	ag_forge_reply_release(&r);
	return rc;
}
