/*
 * Manifest rules: the value checks the loader applies to single fields and
 * the rules that involve several fields, run once a document is read.
 */
#include "core/error.h"
#include "core/manifest_int.h"
#include "core/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/compat.h"

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool
is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static char
to_lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c + ('a' - 'A')) : c;
}

/* n digits at s as a number, or -1. */
static int
digits(const char *s, int n)
{
	int i, x = 0;

	for (i = 0; i < n; i++) {
		if (!is_digit(s[i]))
			return -1;
		x = x * 10 + (s[i] - '0');
	}
	return x;
}

const char *
ag_mcheck_rds_identifier(const char *s, size_t maxlen)
{
	size_t n = strlen(s), i;

	if (n == 0)
		return "must not be empty";
	if (n > maxlen)
		return maxlen <= 63 ? "must be at most 63 characters long"
		                    : "must be at most 255 characters long";
	if (!is_alpha(s[0]))
		return "must start with a letter";
	for (i = 0; i < n; i++) {
		if (!is_alpha(s[i]) && !is_digit(s[i]) && s[i] != '-')
			return "may contain only letters, digits and hyphens";
		if (s[i] == '-' && s[i + 1] == '-')
			return "must not contain two consecutive hyphens";
	}
	if (s[n - 1] == '-')
		return "must not end with a hyphen";
	return NULL;
}

/* "HH:MM" at s as minutes of the day, or a reason. */
static const char *
clock_time(const char *s, int *minutes)
{
	int h = digits(s, 2), m = digits(s + 3, 2);

	if (h < 0 || s[2] != ':' || m < 0)
		return "wrong format";
	if (h > 23)
		return "hours must be 00..23";
	if (m > 59)
		return "minutes must be 00..59";
	*minutes = h * 60 + m;
	return NULL;
}

static int
weekday(const char *s)
{
	static const char days[] = "montuewedthufrisatsun";
	char d[3];
	int i;

	for (i = 0; i < 3; i++)
		d[i] = to_lower(s[i]);
	for (i = 0; i < 7; i++)
		if (memcmp(days + 3 * i, d, 3) == 0)
			return i;
	return -1;
}

const char *
ag_mcheck_maintenance_window(const char *s)
{
	const char *why;
	int d1, d2, t1, t2, len;

	if (strlen(s) != 19 || s[3] != ':' || s[9] != '-' || s[13] != ':')
		return "wrong format";
	d1 = weekday(s);
	d2 = weekday(s + 10);
	if (d1 < 0 || d2 < 0)
		return "days must be mon, tue, wed, thu, fri, sat or sun";
	if ((why = clock_time(s + 4, &t1)) != NULL || (why = clock_time(s + 14, &t2)) != NULL)
		return why;
	len = ((d2 * 1440 + t2) - (d1 * 1440 + t1) + 7 * 1440) % (7 * 1440);
	if (len < 30)
		return "the window must be at least 30 minutes long";
	return NULL;
}

const char *
ag_mcheck_backup_window(const char *s)
{
	const char *why;
	int t1, t2;

	if (strlen(s) != 11 || s[5] != '-')
		return "wrong format";
	if ((why = clock_time(s, &t1)) != NULL || (why = clock_time(s + 6, &t2)) != NULL)
		return why;
	if ((t2 - t1 + 1440) % 1440 < 30)
		return "the window must be at least 30 minutes long";
	return NULL;
}

const char *
ag_mcheck_cidr(const char *s)
{
	int part, n, x;

	for (part = 0; part < 4; part++) {
		for (n = 0, x = 0; is_digit(*s) && n < 4; s++, n++)
			x = x * 10 + (*s - '0');
		if (n == 0 || n > 3)
			return "expected a.b.c.d/n";
		if (x > 255)
			return "each address part must be 0..255";
		if (*s != (part < 3 ? '.' : '/'))
			return "expected a.b.c.d/n";
		s++;
	}
	for (n = 0, x = 0; is_digit(*s) && n < 3; s++, n++)
		x = x * 10 + (*s - '0');
	if (n == 0 || *s != '\0')
		return "expected a.b.c.d/n";
	if (x > 32)
		return "the prefix length must be 0..32";
	return NULL;
}

const char *
ag_mcheck_instance_class(const char *s)
{
	size_t i;

	if (strncmp(s, "db.", 3) != 0 || s[3] == '\0')
		return "must start with 'db.' (e.g. db.r6g.large or db.serverless)";
	for (i = 3; s[i]; i++)
		if (!is_alpha(s[i]) && !is_digit(s[i]) && s[i] != '.' && s[i] != '-')
			return "may contain only letters, digits, dots and hyphens";
	return NULL;
}

static int
days_in_month(int y, int m)
{
	static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return d[m - 1];
}

int
ag_mparse_rfc3339(int64_t *out, const char *s)
{
	struct tm tm;
	int y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0;
	time_t t;

	y = digits(s, 4);
	if (y < 1 || s[4] != '-')
		return AG_EINVAL;
	mo = digits(s + 5, 2);
	if (mo < 1 || mo > 12 || s[7] != '-')
		return AG_EINVAL;
	d = digits(s + 8, 2);
	if (d < 1 || d > days_in_month(y, mo))
		return AG_EINVAL;
	if (s[10] != 'T' && s[10] != 't')
		return AG_EINVAL;
	h = digits(s + 11, 2);
	mi = digits(s + 14, 2);
	sec = digits(s + 17, 2);
	if (h < 0 || h > 23 || s[13] != ':' || mi < 0 || mi > 59 || s[16] != ':' || sec < 0 ||
	    sec > 60)
		return AG_EINVAL;
	s += 19;
	if (*s == '.') {
		int n = 0;

		for (s++; is_digit(*s) && n < 9; s++, n++)
			;
		if (n == 0 || is_digit(*s))
			return AG_EINVAL;
	}
	if (*s == 'Z' || *s == 'z') {
		s++;
	} else if (*s == '+' || *s == '-') {
		sign = *s == '-' ? -1 : 1;
		oh = digits(s + 1, 2);
		om = digits(s + 4, 2);
		if (oh < 0 || oh > 23 || s[3] != ':' || om < 0 || om > 59)
			return AG_EINVAL;
		s += 6;
	} else {
		return AG_EINVAL;
	}
	if (*s != '\0')
		return AG_EINVAL;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	t = timegm(&tm);
	*out = (int64_t)t - sign * (int64_t)(oh * 3600 + om * 60);
	return 0;
}

static const char *const mysql_logs[] = {"audit", "error", "general", "slowquery", NULL};
static const char *const postgres_logs[] = {"postgresql", "upgrade", NULL};

bool
ag_mengine_supported(const char *engine)
{
	return ag_mengine_log_types(engine) != NULL;
}

const char *const *
ag_mengine_log_types(const char *engine)
{
	if (engine == NULL)
		return NULL;
	if (strcmp(engine, "aurora-mysql") == 0)
		return mysql_logs;
	if (strcmp(engine, "aurora-postgresql") == 0)
		return postgres_logs;
	return NULL;
}

/* ---- cross-field rules --------------------------------------------- */

static struct ag_pos
fpos(const struct ag_manifest *m, enum ag_field f)
{
	if (ag_manifest_has(m, f))
		return m->field_pos[f];
	return m->spec_pos;
}

static void
derive_cluster_id(struct ag_mload *l)
{
	struct ag_manifest *m = l->m;
	const char *src, *field, *why;
	char shown[128], *id;
	size_t i;

	if (m->id && m->id[0]) {
		src = m->id;
		field = "metadata.id";
		m->id_pos = l->idkey_pos;
	} else if (m->name && m->name[0]) {
		src = m->name;
		field = "metadata.name";
		m->id_pos = l->name_pos;
	} else {
		ag_mload_error(l, l->metadata_pos, "metadata.name",
		    "metadata.name is required: it names the cluster (metadata.id overrides it)");
		return;
	}
	id = ag_xstrdup(src);
	for (i = 0; id[i]; i++)
		id[i] = to_lower(id[i]);
	if ((why = ag_mcheck_rds_identifier(id, 63)) != NULL) {
		ag_mload_error(l, m->id_pos, field, "invalid cluster identifier '%s' from %s: %s",
		    ag_mload_show(shown, sizeof(shown), src), field, why);
		free(id);
		return;
	}
	m->cluster_id = id;
}

static void
check_logs(struct ag_mload *l)
{
	struct ag_manifest *m = l->m;
	const struct ag_strlist *logs = &m->spec.enabled_cloudwatch_logs_exports;
	const char *const *ok = ag_mengine_log_types(m->spec.engine);
	const char *const *other;
	char valid[128] = "", shown[128];
	size_t i, j;
	bool found;

	if (ok == NULL)
		return;
	other = ok == mysql_logs ? postgres_logs : mysql_logs;
	for (j = 0; ok[j]; j++)
		snprintf(valid + strlen(valid), sizeof(valid) - strlen(valid), "%s%s",
		    j ? ", " : "", ok[j]);
	for (i = 0; i < logs->n; i++) {
		found = false;
		for (j = 0; other[j]; j++)
			found |= strcmp(logs->v[i], other[j]) == 0;
		if (!found)
			continue; /* valid, or unknown and already reported */
		ag_mload_error(l, fpos(m, AG_F_ENABLED_CLOUDWATCH_LOGS_EXPORTS),
		    "spec.enabledCloudwatchLogsExports",
		    "spec.enabledCloudwatchLogsExports: log type '%s' does not exist for %s "
		    "(valid: %s)",
		    ag_mload_show(shown, sizeof(shown), logs->v[i]), m->spec.engine, valid);
	}
}

static void
spec_rules(struct ag_mload *l)
{
	struct ag_manifest *m = l->m;
	struct ag_cluster_spec *c = &m->spec;

	if (c->username == NULL)
		c->username = ag_xstrdup("master");
	if (c->engine == NULL)
		ag_mload_error(l, fpos(m, AG_F_ENGINE), "spec.engine",
		    "spec.engine is required (aurora-mysql or aurora-postgresql)");
	if (c->engine_version == NULL)
		ag_mload_error(l, fpos(m, AG_F_ENGINE_VERSION), "spec.engineVersion",
		    "spec.engineVersion is required (e.g. \"16.1\" or "
		    "\"8.0.mysql_aurora.3.05.2\")");
	check_logs(l);
	if (c->manage_master_user_password && c->password != NULL)
		ag_mload_error(l, fpos(m, AG_F_PASSWORD), "spec.password",
		    "spec.password must be empty when spec.manageMasterUserPassword is true "
		    "(RDS then keeps the password in Secrets Manager)");
	if (c->subnet_ids.n < 2 && c->db_subnet_group_name == NULL)
		ag_mload_error(l, fpos(m, AG_F_SUBNET_IDS), "spec.subnetIds",
		    "spec.subnetIds needs at least 2 subnets, or set spec.dbSubnetGroupName");
	if (c->engine_mode && strcmp(c->engine_mode, "serverless") == 0 &&
	    c->n_instances + (size_t)(l->inst_count_form ? l->inst_count : 0) > 0)
		ag_mload_error(l, fpos(m, AG_F_INSTANCES), "spec.instances",
		    "spec.instances: a serverless (v1) cluster has no instances; use "
		    "serverlessV2Scaling with engineMode provisioned for db.serverless instances");
}

static void
expand_count(struct ag_mload *l)
{
	struct ag_manifest *m = l->m;
	struct ag_cluster_spec *c = &m->spec;
	const char *cls = l->inst_count_class;
	long i;

	if (l->inst_count == 0 || m->cluster_id == NULL)
		return;
	if (cls == NULL && c->has_serverless_v2)
		cls = "db.serverless";
	if (cls == NULL) {
		ag_mload_error(l, fpos(m, AG_F_INSTANCES), "spec.instances.instanceClass",
		    "spec.instances.instanceClass is required with count, e.g. {count: 2, "
		    "instanceClass: db.r6g.large} (only Serverless v2 clusters default to "
		    "db.serverless)");
		return;
	}
	c->instances = ag_xcalloc((size_t)l->inst_count, sizeof(*c->instances));
	for (i = 0; i < l->inst_count; i++) {
		struct ag_instance_spec *in = &c->instances[i];

		in->name = ag_xasprintf("%s-%ld", m->cluster_id, i + 1);
		in->instance_class = ag_xstrdup(cls);
		in->promotion_tier = (int)i;
		in->pos = fpos(m, AG_F_INSTANCES);
	}
	c->n_instances = (size_t)l->inst_count;
}

static void
check_instances(struct ag_mload *l)
{
	struct ag_manifest *m = l->m;
	struct ag_cluster_spec *c = &m->spec;
	char path[64], shown[128];
	const char *why;
	size_t i, j;

	if (l->inst_count_form) {
		expand_count(l);
	} else {
		for (i = 0; i < c->n_instances; i++) {
			struct ag_instance_spec *in = &c->instances[i];

			snprintf(path, sizeof(path), "spec.instances[%zu]", i);
			if (in->name == NULL && m->cluster_id != NULL)
				in->name = ag_xasprintf("%s-%zu", m->cluster_id, i + 1);
			if (in->instance_class == NULL && c->has_serverless_v2)
				in->instance_class = ag_xstrdup("db.serverless");
			if (in->instance_class == NULL)
				ag_mload_error(l, in->pos, path,
				    "%s.instanceClass is required (only Serverless v2 clusters "
				    "default to db.serverless)",
				    path);
		}
	}
	for (i = 0; i < c->n_instances; i++) {
		struct ag_instance_spec *in = &c->instances[i];

		if (in->name == NULL)
			continue;
		snprintf(path, sizeof(path), "spec.instances[%zu].name", i);
		for (j = 0; in->name[j]; j++)
			in->name[j] = to_lower(in->name[j]);
		if ((why = ag_mcheck_rds_identifier(in->name, 63)) != NULL) {
			ag_mload_error(l, in->pos, path, "%s: invalid instance name '%s': %s", path,
			    ag_mload_show(shown, sizeof(shown), in->name), why);
			continue;
		}
		for (j = 0; j < i; j++)
			if (c->instances[j].name && strcmp(c->instances[j].name, in->name) == 0) {
				ag_mload_error(l, in->pos, path,
				    "%s: instance name '%s' is used twice (first at line %u)", path,
				    in->name, c->instances[j].pos.line);
				break;
			}
	}
}

void
ag_mload_finish(struct ag_mload *l)
{
	if (l->have_metadata)
		derive_cluster_id(l);
	if (!l->have_spec)
		return;
	spec_rules(l);
	check_instances(l);
}
