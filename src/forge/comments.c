/*
 * What GitHub and GitLab comments have in common: a JSON body and the
 * search for the sticky comment by its marker, page by page.
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

char *
ag_forge_body_json(const char *body)
{
	json_t *o = json_object();
	char *s;

	json_object_set_new(o, "body", json_string(body));
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return s;
}

int
ag_forge_find_marked(struct ag_forge *f, char **id, const char *first_url, const char *what,
    const char *permission, const char *marker, bool skip_system, struct ag_error *err)
{
	struct ag_forge_reply r;
	char *url, *next;
	int rc = 0, pages = 0;

	*id = NULL;
	ag_forge_reply_init(&r);
	url = ag_xstrdup(first_url);
	while (url != NULL && *id == NULL) {
		json_t *j, *c;
		size_t i;

		if (++pages > AG_FORGE_PAGES_MAX) {
			rc = ag_error_set(err, AG_ETOOBIG, "cannot %s: more than %d pages", what,
			    AG_FORGE_PAGES_MAX);
			goto out;
		}
		if ((rc = ag_forge_call(f, "GET", url, NULL, &r, what, err)) < 0)
			goto out;
		if (r.status != 200) {
			rc = ag_forge_reply_error(f, &r, what, permission, err);
			goto out;
		}
		j = json_loadb(r.body.ptr, r.body.len, 0, NULL);
		if (!json_is_array(j)) {
			json_decref(j);
			rc = ag_error_set(
			    err, AG_EINVAL, "cannot %s: the reply is not a JSON array", what);
			goto out;
		}
		json_array_foreach(j, i, c)
		{
			const char *b = json_string_value(json_object_get(c, "body"));
			json_t *jid = json_object_get(c, "id");

			if (skip_system && json_is_true(json_object_get(c, "system")))
				continue;
			if (b == NULL || strstr(b, marker) == NULL || !json_is_integer(jid))
				continue;
			*id = ag_xasprintf("%lld", (long long)json_integer_value(jid));
			break;
		}
		json_decref(j);
		free(url);
		url = NULL;
		next = ag_forge_link_next(ag_kvlist_get(&r.headers, "link"));
		if (next != NULL && *id == NULL)
			url = next;
		else
			free(next);
	}
out:
	free(url);
	ag_forge_reply_release(&r);
	return rc;
}

int
ag_forge_send_comment(struct ag_forge *f, char **id_out, char *id, const char *update_method,
    char *url, char *what, const char *permission, const char *body, struct ag_error *err)
{
	struct ag_forge_reply r;
	char *json = ag_forge_body_json(body);
	json_t *j = NULL;
	int rc;

	ag_forge_reply_init(&r);
	if ((rc = ag_forge_call(f, id != NULL ? update_method : "POST", url, json, &r, what, err)) <
	    0)
		goto out;
	if (r.status != 200 && r.status != 201) {
		rc = ag_forge_reply_error(f, &r, what, permission, err);
		goto out;
	}
	if (id == NULL) {
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
	free(json);
	free(id);
	free(url);
	free(what);
	ag_forge_reply_release(&r);
	return rc;
}
