/* Normalisers of the drift field table (see normalize.h, docs/drift.md). */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/kv.h"
#include "core/mem.h"
#include "core/normalize.h"
#include "core/version.h"

#include "core/compat.h"

const char *
ag_norm_storage_type(const char *s)
{
	if (s == NULL || *s == '\0' || strcmp(s, "aurora") == 0 || strcmp(s, "gp2") == 0)
		return "aurora";
	return s;
}

char *
ag_norm_number(double v)
{
	return ag_xasprintf("%.10g", v);
}

static void
split(struct ag_strlist *out, const char *s)
{
	const char *p = s, *q;

	if (s == NULL || *s == '\0')
		return;
	for (;;) {
		q = strchr(p, ',');
		if (q == NULL) {
			if (*p != '\0') {
				char *t = ag_xstrdup(p);
				ag_strlist_add(out, t);
				free(t);
			}
			return;
		}
		if (q > p) {
			char *t = ag_xstrndup(p, (size_t)(q - p));
			ag_strlist_add(out, t);
			free(t);
		}
		p = q + 1;
	}
}

static bool
set_cmp(const char *a, const char *b, bool subset)
{
	struct ag_strlist la = AG_STRLIST_INIT, lb = AG_STRLIST_INIT;
	bool r = true;
	size_t i;

	split(&la, a);
	split(&lb, b);
	if (subset) {
		for (i = 0; i < la.n && r; i++)
			if (!ag_strlist_contains(&lb, la.v[i]))
				r = false;
	} else {
		r = ag_strlist_set_equal(&la, &lb) != 0;
	}
	ag_strlist_release(&la);
	ag_strlist_release(&lb);
	return r;
}

static bool
parse_num(const char *s, double *v)
{
	char *end;

	if (s == NULL || *s == '\0')
		return false;
	*v = strtod(s, &end);
	return *end == '\0';
}

static bool
num_eq(double a, double b)
{
	return fabs(a - b) < 1e-9;
}

/* Whether a and b are the same text of 1 to 15 decimal digits: the same
 * whole number, exact in a double, so equal as parse_num and num_eq would
 * find it, without strtod (most numbers compared are such, and equal). */
static bool
same_digits(const char *a, const char *b)
{
	size_t i;

	for (i = 0; a[i] >= '0' && a[i] <= '9'; i++)
		if (a[i] != b[i] || i == 15)
			return false;
	return i > 0 && a[i] == '\0' && b[i] == '\0';
}

static bool
parse_serverless(const char *s, double *min, double *max, long *pause)
{
	char *end;

	*pause = 0;
	if (strncmp(s, "min=", 4) != 0)
		return false;
	*min = strtod(s + 4, &end);
	if (strncmp(end, ",max=", 5) != 0)
		return false;
	*max = strtod(end + 5, &end);
	if (strncmp(end, ",pause=", 7) == 0)
		*pause = strtol(end + 7, &end, 10);
	return *end == '\0';
}

/* Every "K=v" member of desired is in live with the same value (numbers
 * in canonical form on both sides). */
static bool
kv_subset(const char *desired, const char *live)
{
	const char *p = desired, *e;
	size_t n, ll = strlen(live);

	while (*p != '\0') {
		const char *q;
		bool found = false;

		e = strchr(p, ',');
		n = e != NULL ? (size_t)(e - p) : strlen(p);
		for (q = live; q != NULL && q < live + ll; q = strchr(q, ',')) {
			if (*q == ',')
				q++;
			if (strncmp(q, p, n) == 0 && (q[n] == ',' || q[n] == '\0')) {
				found = true;
				break;
			}
		}
		if (!found)
			return false;
		p += n;
		if (*p == ',')
			p++;
	}
	return true;
}

static bool
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

static bool
kms_equal(const char *d, const char *l)
{
	char *suffix;
	bool r;

	if (strcmp(d, l) == 0)
		return true;
	/* An alias cannot be resolved without KMS: not compared. */
	if (strncmp(d, "alias/", 6) == 0 || strstr(d, ":alias/") != NULL)
		return true;
	suffix = ag_xasprintf("/%s", d);
	r = ends_with(l, suffix);
	free(suffix);
	if (!r && strchr(l, '/') == NULL) {
		suffix = ag_xasprintf("/%s", l);
		r = ends_with(d, suffix);
		free(suffix);
	}
	return r;
}

bool
ag_norm_equal(
    enum ag_norm norm, const char *desired, const char *live, const struct ag_norm_ctx *ctx)
{
	double a, b, amin, amax, bmin, bmax;
	long apause, bpause;

	if (desired == NULL || live == NULL)
		return desired == live;
	switch (norm) {
	case AG_NORM_NOT_COMPARED:
	case AG_NORM_WRITE_ONLY:
		return true;
	case AG_NORM_EXACT:
	case AG_NORM_BOOL:
	case AG_NORM_PARAM_GROUP:
		return strcmp(desired, live) == 0;
	case AG_NORM_CASE:
		return strcasecmp(desired, live) == 0;
	case AG_NORM_INT:
	case AG_NORM_PORT:
	case AG_NORM_NUMBER:
		if (same_digits(desired, live))
			return true;
		if (parse_num(desired, &a) && parse_num(live, &b))
			return num_eq(a, b);
		return strcmp(desired, live) == 0;
	case AG_NORM_SET:
		return set_cmp(desired, live, false);
	case AG_NORM_SUBSET:
		return set_cmp(desired, live, true);
	case AG_NORM_STORAGE_TYPE:
		return strcmp(ag_norm_storage_type(desired), ag_norm_storage_type(live)) == 0;
	case AG_NORM_ENGINE_MODE:
		return strcmp(*desired ? desired : "provisioned", *live ? live : "provisioned") ==
		       0;
	case AG_NORM_ENGINE_VERSION:
		switch (ag_version_compare(ctx != NULL ? ctx->engine : NULL, desired, live,
		    ctx != NULL && ctx->auto_minor)) {
		case AG_VERSION_EQUAL:
		case AG_VERSION_AUTO_MINOR:
			return true;
		default:
			return false;
		}
	case AG_NORM_KMS_KEY:
		return kms_equal(desired, live);
	case AG_NORM_SERVERLESS:
		if (!parse_serverless(desired, &amin, &amax, &apause) ||
		    !parse_serverless(live, &bmin, &bmax, &bpause))
			return strcmp(desired, live) == 0;
		if (!num_eq(amin, bmin))
			return false;
		if (apause > 0 && apause != bpause)
			return false;
		return amax == 0 || num_eq(amax, bmax);
	case AG_NORM_KV_SUBSET:
		return kv_subset(desired, live);
	}
	return strcmp(desired, live) == 0;
}

bool
ag_norm_equal_row(const struct ag_field_row *row, const char *desired, const char *live,
    const struct ag_norm_ctx *ctx)
{
	enum ag_norm norm = row->norm;
	char port[AG_FIELDTAB_SCRATCH];

	if (norm == AG_NORM_NOT_COMPARED || norm == AG_NORM_WRITE_ONLY ||
	    !ag_fieldtab_observable(row))
		return true;
	if (desired == NULL) {
		if (norm == AG_NORM_PARAM_GROUP)
			return live == NULL || strncmp(live, "default.", 8) == 0;
		if (row->absent == AG_ABSENT_ANY)
			return true;
		if (norm == AG_NORM_PORT) {
			desired = ag_fieldtab_int_text(
			    port, ag_engine_default_port(ctx != NULL ? ctx->engine : NULL));
		} else {
			desired = row->aws_default != NULL ? row->aws_default : "";
		}
	}
	if (live == NULL) {
		if (row->aws_default == NULL)
			return true; /* not in the reply: cannot compare */
		live = row->aws_default;
	}
	if (norm == AG_NORM_SET && row->emit == AG_EMIT_SG_IDS && ctx != NULL && ctx->module_sg)
		norm = AG_NORM_SUBSET;
	return ag_norm_equal(norm, desired, live, ctx);
}
