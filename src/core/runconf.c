#include "core/runconf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "core/plan.h"

#include "core/compat.h"

#define DAY_MS (24L * 3600 * 1000)

void
ag_runconf_init(struct ag_runconf *rc)
{
	memset(rc, 0, sizeof(*rc));
	rc->mode = AG_MODE_UNSET;
	rc->max_deletes = -1;
	rc->forbid_weakening = -1;
}

void
ag_runconf_defaults(struct ag_runconf *rc)
{
	ag_runconf_init(rc);
	rc->interval_ms = 30000;
	rc->drift_interval_ms = 300000;
	rc->debounce_ms = 100;
	rc->mode = AG_MODE_APPLY;
	rc->max_deletes = AG_PLAN_MAX_DELETES_DEFAULT;
	rc->forbid_weakening = 0;
	snprintf(rc->notes_ref, sizeof(rc->notes_ref), "refs/notes/aurora-gitops");
}

void
ag_runconf_overlay(struct ag_runconf *dst, const struct ag_runconf *src)
{
	if (src->interval_ms > 0)
		dst->interval_ms = src->interval_ms;
	if (src->drift_interval_ms > 0)
		dst->drift_interval_ms = src->drift_interval_ms;
	if (src->debounce_ms > 0)
		dst->debounce_ms = src->debounce_ms;
	if (src->mode != AG_MODE_UNSET)
		dst->mode = src->mode;
	if (src->max_deletes >= 0)
		dst->max_deletes = src->max_deletes;
	if (src->forbid_weakening >= 0)
		dst->forbid_weakening = src->forbid_weakening;
	if (src->notes_ref[0] != '\0')
		snprintf(dst->notes_ref, sizeof(dst->notes_ref), "%s", src->notes_ref);
}

int
ag_runconf_equal(const struct ag_runconf *a, const struct ag_runconf *b)
{
	return a->interval_ms == b->interval_ms && a->drift_interval_ms == b->drift_interval_ms &&
	       a->debounce_ms == b->debounce_ms && a->mode == b->mode &&
	       a->max_deletes == b->max_deletes && a->forbid_weakening == b->forbid_weakening &&
	       strcmp(a->notes_ref, b->notes_ref) == 0;
}

int
ag_runconf_parse_duration(long *out_ms, const char *s)
{
	char *end;
	long v, mul;

	if (s == NULL || *s < '0' || *s > '9')
		return AG_EINVAL;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0)
		return AG_EINVAL;
	if (*end == '\0' || strcmp(end, "s") == 0)
		mul = 1000;
	else if (strcmp(end, "ms") == 0)
		mul = 1;
	else if (strcmp(end, "m") == 0)
		mul = 60000;
	else if (strcmp(end, "h") == 0)
		mul = 3600000;
	else
		return AG_EINVAL;
	if (v <= 0 || v > DAY_MS / mul)
		return AG_EINVAL;
	*out_ms = v * mul;
	return 0;
}

/* Where a value stands, for messages: "file:line:col". */
struct pos {
	const char *file;
	size_t line, col;
};

#define POS_FMT "%s:%zu:%zu: "
#define POS_ARGS(p) (p)->file, (p)->line, (p)->col

static const char *const keys[] = {
    "interval", "driftInterval", "debounce", "mode", "maxDeletes", "forbidWeakening", "notesRef"};

static int
set_duration(
    long *dst, const char *key, const char *val, const struct pos *at, struct ag_error *err)
{
	if (ag_runconf_parse_duration(dst, val) != 0)
		return ag_error_set(err, AG_EINVAL,
		    POS_FMT "%s: bad duration '%s' (e.g. 500ms, 30s, 5m; at most 24h)",
		    POS_ARGS(at), key, val);
	return 0;
}

static int
set_key(struct ag_runconf *rc, int k, const char *val, const struct pos *at, struct ag_error *err)
{
	char *end;
	long n;

	switch (k) {
	case 0:
		return set_duration(&rc->interval_ms, keys[k], val, at, err);
	case 1:
		return set_duration(&rc->drift_interval_ms, keys[k], val, at, err);
	case 2:
		return set_duration(&rc->debounce_ms, keys[k], val, at, err);
	case 3:
		if (strcmp(val, "observe") == 0)
			rc->mode = AG_MODE_OBSERVE;
		else if (strcmp(val, "plan") == 0)
			rc->mode = AG_MODE_PLAN;
		else if (strcmp(val, "apply") == 0)
			rc->mode = AG_MODE_APPLY;
		else
			return ag_error_set(err, AG_EINVAL,
			    POS_FMT "mode: '%s' is not observe, plan or apply", POS_ARGS(at), val);
		return 0;
	case 4:
		errno = 0;
		n = strtol(val, &end, 10);
		if (errno != 0 || end == val || *end != '\0' || n < 0 || n > 10000 ||
		    val[0] < '0' || val[0] > '9')
			return ag_error_set(err, AG_EINVAL,
			    POS_FMT "maxDeletes: '%s' is not a count from 0 to 10000", POS_ARGS(at),
			    val);
		rc->max_deletes = n;
		return 0;
	case 5:
		if (strcmp(val, "true") == 0)
			rc->forbid_weakening = 1;
		else if (strcmp(val, "false") == 0)
			rc->forbid_weakening = 0;
		else
			return ag_error_set(err, AG_EINVAL,
			    POS_FMT "forbidWeakening: '%s' is not true or false", POS_ARGS(at),
			    val);
		return 0;
	default:
		if (strncmp(val, "refs/notes/", 11) != 0 || val[11] == '\0' ||
		    strlen(val) >= sizeof(rc->notes_ref) || strstr(val, "..") != NULL ||
		    strstr(val, "//") != NULL || strpbrk(val, " ~^:?*[\\") != NULL ||
		    val[strlen(val) - 1] == '/')
			return ag_error_set(err, AG_EINVAL,
			    POS_FMT "notesRef: '%s' is not a ref under refs/notes/", POS_ARGS(at),
			    val);
		snprintf(rc->notes_ref, sizeof(rc->notes_ref), "%s", val);
		return 0;
	}
}

static int
find_key(const char *key)
{
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcmp(key, keys[i]) == 0)
			return (int)i;
	return -1;
}

int
ag_runconf_parse(
    struct ag_runconf *rc, const char *buf, size_t len, const char *filename, struct ag_error *err)
{
	struct ag_runconf next = *rc;
	yaml_parser_t p;
	yaml_event_t ev;
	struct pos at = {filename, 0, 0};
	unsigned seen = 0;
	int depth = 0, rc_ = 0, done = 0, started = 0, k = -1;

	if (!yaml_parser_initialize(&p))
		return ag_error_set(err, AG_ERROR, "%s: cannot start the YAML parser", filename);
	yaml_parser_set_input_string(&p, (const unsigned char *)buf, len);
	while (!done && rc_ == 0) {
		if (!yaml_parser_parse(&p, &ev)) {
			at.line = p.problem_mark.line + 1;
			at.col = p.problem_mark.column + 1;
			rc_ = ag_error_set(err, AG_EINVAL, POS_FMT "%s", POS_ARGS(&at),
			    p.problem ? p.problem : "invalid YAML");
			break;
		}
		at.line = ev.start_mark.line + 1;
		at.col = ev.start_mark.column + 1;
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (started)
				rc_ = ag_error_set(err, AG_EINVAL,
				    POS_FMT "only one YAML document is allowed", POS_ARGS(&at));
			started = 1;
			break;
		case YAML_MAPPING_START_EVENT:
			if (depth++ != 0)
				rc_ = ag_error_set(err, AG_EINVAL,
				    POS_FMT "%s: expected a plain value, got a mapping",
				    POS_ARGS(&at), k >= 0 ? keys[k] : "?");
			break;
		case YAML_MAPPING_END_EVENT:
			depth--;
			break;
		case YAML_SEQUENCE_START_EVENT:
		case YAML_ALIAS_EVENT:
			rc_ = ag_error_set(
			    err, AG_EINVAL, POS_FMT "expected 'key: value' lines", POS_ARGS(&at));
			break;
		case YAML_SCALAR_EVENT: {
			const char *v = (const char *)ev.data.scalar.value;

			if (depth != 1) {
				rc_ = ag_error_set(err, AG_EINVAL,
				    POS_FMT "expected a mapping of settings", POS_ARGS(&at));
			} else if (k < 0) {
				k = find_key(v);
				if (k < 0)
					rc_ = ag_error_set(err, AG_EINVAL,
					    POS_FMT
					    "unknown key '%s' (known: interval, driftInterval, "
					    "debounce, mode, maxDeletes, forbidWeakening, "
					    "notesRef)",
					    POS_ARGS(&at), v);
				else if (seen & (1u << k))
					rc_ = ag_error_set(err, AG_EINVAL,
					    POS_FMT "'%s' is given twice", POS_ARGS(&at), v);
				seen |= 1u << (k < 0 ? 0 : k);
			} else {
				rc_ = set_key(&next, k, v, &at, err);
				k = -1;
			}
			break;
		}
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	if (rc_ == 0)
		*rc = next;
	return rc_;
}

bool
ag_runconf_is_repo_file(const char *name)
{
	return strcmp(name, AG_RUNCONF_REPO_FILE) == 0 ||
	       strcmp(name, AG_RUNCONF_REPO_FILE_YML) == 0;
}

int
ag_runconf_repo_file(
    const char **which, bool have_yaml, bool have_yml, const char *where, struct ag_error *err)
{
	*which = have_yaml ? AG_RUNCONF_REPO_FILE : have_yml ? AG_RUNCONF_REPO_FILE_YML : NULL;
	if (have_yaml && have_yml) {
		*which = NULL;
		return ag_error_set(err, AG_EINVAL,
		    "'%s%s' and '%s%s': two settings files; the repository has one, under either "
		    "name: remove one of them",
		    where, AG_RUNCONF_REPO_FILE, where, AG_RUNCONF_REPO_FILE_YML);
	}
	return 0;
}
