#include "aws/query.h"
#include "core/mem.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "core/compat.h"

void
ag_aws_query_escape(struct ag_buf *out, const char *s)
{
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~')
			ag_buf_addc(out, (char)c);
		else
			ag_buf_addf(out, "%%%02X", c);
	}
}

void
ag_aws_query_encode(struct ag_buf *out, const struct ag_kvlist *params)
{
	size_t i;

	for (i = 0; params && i < params->n; i++) {
		if (i)
			ag_buf_addc(out, '&');
		ag_aws_query_escape(out, params->v[i].key);
		ag_buf_addc(out, '=');
		ag_aws_query_escape(out, params->v[i].value);
	}
}

void
ag_aws_query_add_list(
    struct ag_kvlist *params, const char *outer, const char *inner, const struct ag_strlist *items)
{
	size_t i;

	if (!items || items->n == 0) {
		ag_kvlist_add(params, outer, "");
		return;
	}
	for (i = 0; i < items->n; i++) {
		char *k = ag_xasprintf("%s.%s.%zu", outer, inner, i + 1);

		ag_kvlist_add(params, k, items->v[i]);
		free(k);
	}
}

void
ag_aws_query_add_tags(struct ag_kvlist *params, const char *prefix, const struct ag_kvlist *tags)
{
	size_t i;

	for (i = 0; tags && i < tags->n; i++) {
		char *k = ag_xasprintf("%s.%zu.Key", prefix, i + 1);
		char *v = ag_xasprintf("%s.%zu.Value", prefix, i + 1);

		ag_kvlist_add(params, k, tags->v[i].key);
		ag_kvlist_add(params, v, tags->v[i].value ? tags->v[i].value : "");
		free(k);
		free(v);
	}
}

static void
add_filters(struct ag_kvlist *params, const struct ag_kvlist *filters, const char *fprefix,
    const char *vpart)
{
	struct ag_strlist names = AG_STRLIST_INIT;
	size_t i, j, m;

	for (i = 0; filters && i < filters->n; i++)
		if (!ag_strlist_contains(&names, filters->v[i].key))
			ag_strlist_add(&names, filters->v[i].key);
	for (i = 0; i < names.n; i++) {
		char *k = ag_xasprintf("%s.%zu.Name", fprefix, i + 1);

		ag_kvlist_add(params, k, names.v[i]);
		free(k);
		for (j = 0, m = 0; j < filters->n; j++) {
			if (strcmp(filters->v[j].key, names.v[i]) != 0)
				continue;
			k = ag_xasprintf("%s.%zu.%s.%zu", fprefix, i + 1, vpart, ++m);
			ag_kvlist_add(params, k, filters->v[j].value);
			free(k);
		}
	}
	ag_strlist_release(&names);
}

void
ag_aws_query_add_filters(struct ag_kvlist *params, const struct ag_kvlist *filters)
{
	add_filters(params, filters, "Filters.Filter", "Values.Value");
}

void
ag_aws_query_add_ec2_filters(struct ag_kvlist *params, const struct ag_kvlist *filters)
{
	add_filters(params, filters, "Filter", "Value");
}

void
ag_aws_query_add_parameters(
    struct ag_kvlist *params, const struct ag_aws_param_setting *settings, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char *k = ag_xasprintf("Parameters.Parameter.%zu.ParameterName", i + 1);

		ag_kvlist_add(params, k, settings[i].name);
		free(k);
		if (settings[i].value) {
			k = ag_xasprintf("Parameters.Parameter.%zu.ParameterValue", i + 1);
			ag_kvlist_add(params, k, settings[i].value);
			free(k);
		}
		if (settings[i].apply_method) {
			k = ag_xasprintf("Parameters.Parameter.%zu.ApplyMethod", i + 1);
			ag_kvlist_add(params, k, settings[i].apply_method);
			free(k);
		}
	}
}
