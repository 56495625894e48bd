#include "core/runconf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "core/mem.h"

#include "core/compat.h"

#define DAY_MS (24L * 3600 * 1000)

void
ag_runconf_init(struct ag_runconf *rc)
{
	memset(rc, 0, sizeof(*rc));
	rc->interval_ms = 30000;
	rc->drift_interval_ms = 300000;
	rc->debounce_ms = 100;
	rc->mode = AG_MODE_UNSET;
	rc->max_deletes = -1;
	snprintf(rc->notes_ref, sizeof(rc->notes_ref), "refs/notes/aurora-gitops");
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

static int
set_key(struct ag_runconf *rc, const char *key, const char *val, const char *file, size_t line,
    struct ag_error *err)
{
	char *end;
	long n;

	if (strcmp(key, "interval") == 0 || strcmp(key, "driftInterval") == 0 ||
	    strcmp(key, "debounce") == 0) {
		long *dst = key[0] == 'i'                    ? &rc->interval_ms
		            : key[0] == 'd' && key[1] == 'r' ? &rc->drift_interval_ms
		                                             : &rc->debounce_ms;
		if (ag_runconf_parse_duration(dst, val) != 0)
			return ag_error_set(err, AG_EINVAL,
			    "%s:%zu: %s: bad duration '%s' (e.g. 500ms, 30s, 5m; at most 24h)",
			    file, line, key, val);
	} else if (strcmp(key, "mode") == 0) {
		if (strcmp(val, "observe") == 0)
			rc->mode = AG_MODE_OBSERVE;
		else if (strcmp(val, "plan") == 0)
			rc->mode = AG_MODE_PLAN;
		else if (strcmp(val, "apply") == 0)
			rc->mode = AG_MODE_APPLY;
		else
			return ag_error_set(err, AG_EINVAL,
			    "%s:%zu: mode: '%s' is not observe, plan or apply", file, line, val);
	} else if (strcmp(key, "maxDeletes") == 0) {
		errno = 0;
		n = strtol(val, &end, 10);
		if (errno != 0 || end == val || *end != '\0' || n < 0 || n > 10000)
			return ag_error_set(err, AG_EINVAL,
			    "%s:%zu: maxDeletes: '%s' is not a count from 0 to 10000", file, line,
			    val);
		rc->max_deletes = n;
	} else if (strcmp(key, "notesRef") == 0) {
		if (strncmp(val, "refs/notes/", 11) != 0 || strlen(val) >= sizeof(rc->notes_ref) ||
		    strstr(val, "..") != NULL || strpbrk(val, " ~^:?*[\\") != NULL)
			return ag_error_set(err, AG_EINVAL,
			    "%s:%zu: notesRef: '%s' is not a ref under refs/notes/", file, line,
			    val);
		snprintf(rc->notes_ref, sizeof(rc->notes_ref), "%s", val);
	} else {
		return ag_error_set(err, AG_EINVAL,
		    "%s:%zu: unknown key '%s' (known: interval, driftInterval, debounce, mode, "
		    "maxDeletes, notesRef)",
		    file, line, key);
	}
	return 0;
}

int
ag_runconf_parse(
    struct ag_runconf *rc, const char *buf, size_t len, const char *filename, struct ag_error *err)
{
	struct ag_runconf next = *rc;
	yaml_parser_t p;
	yaml_event_t ev;
	char *key = NULL;
	int depth = 0, rc_ = 0, done = 0, started = 0;
	size_t line;

	if (!yaml_parser_initialize(&p))
		return ag_error_set(err, AG_ERROR, "%s: cannot start the YAML parser", filename);
	yaml_parser_set_input_string(&p, (const unsigned char *)buf, len);
	while (!done && rc_ == 0) {
		if (!yaml_parser_parse(&p, &ev)) {
			rc_ = ag_error_set(err, AG_EINVAL, "%s:%zu: %s", filename,
			    p.problem_mark.line + 1, p.problem ? p.problem : "invalid YAML");
			break;
		}
		line = ev.start_mark.line + 1;
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (started)
				rc_ = ag_error_set(err, AG_EINVAL,
				    "%s:%zu: only one YAML document is allowed", filename, line);
			started = 1;
			break;
		case YAML_MAPPING_START_EVENT:
			if (depth++ != 0)
				rc_ = ag_error_set(err, AG_EINVAL,
				    "%s:%zu: %s: expected a plain value, got a mapping", filename,
				    line, key ? key : "?");
			break;
		case YAML_MAPPING_END_EVENT:
			depth--;
			break;
		case YAML_SEQUENCE_START_EVENT:
		case YAML_ALIAS_EVENT:
			rc_ = ag_error_set(
			    err, AG_EINVAL, "%s:%zu: expected 'key: value' lines", filename, line);
			break;
		case YAML_SCALAR_EVENT:
			if (depth != 1) {
				rc_ = ag_error_set(err, AG_EINVAL,
				    "%s:%zu: expected a mapping of settings", filename, line);
			} else if (key == NULL) {
				key = ag_xstrdup((const char *)ev.data.scalar.value);
			} else {
				rc_ = set_key(&next, key, (const char *)ev.data.scalar.value,
				    filename, line, err);
				free(key);
				key = NULL;
			}
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	free(key);
	if (rc_ == 0)
		*rc = next;
	return rc_;
}
