/*
 * Manifest rules: the value checks the loader applies to single fields and
 * the rules that involve several fields, run once a document is read.
 */
#include "core/error.h"
#include "core/alarms.h"
#include "core/insights.h"
#include "core/manifest_int.h"
#include "core/mem.h"
#include "core/plan.h"
#include "core/tagchars.h"

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

/* ---- AWS naming rules ---------------------------------------------- */

/*
 * Decodes one UTF-8 sequence at s into *cp; returns its length, or 0 when
 * it is not well-formed (overlong, surrogate, above U+10FFFF, cut short).
 */
static size_t
utf8_next(const unsigned char *s, uint32_t *cp)
{
	uint32_t c = s[0], min;
	size_t n, i;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if ((c & 0xE0) == 0xC0) {
		n = 2, c &= 0x1F, min = 0x80;
	} else if ((c & 0xF0) == 0xE0) {
		n = 3, c &= 0x0F, min = 0x800;
	} else if ((c & 0xF8) == 0xF0) {
		n = 4, c &= 0x07, min = 0x10000;
	} else {
		return 0;
	}
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	*cp = c;
	return n;
}

static bool
tag_char_ok(uint32_t c)
{
	if (c < 0x80)
		return is_alpha((char)c) || is_digit((char)c) || c == ' ' || c == '_' || c == '.' ||
		       c == ':' || c == '/' || c == '=' || c == '+' || c == '-' || c == '@';
	return ag_tagchar_unicode_ok(c);
}

static bool
has_prefix_ci(const char *s, const char *prefix)
{
	size_t i;

	for (i = 0; prefix[i]; i++)
		if (to_lower(s[i]) != prefix[i])
			return false;
	return true;
}

/* Length, prefix and character rules shared by tag keys and values. */
static const char *
tag_text(const char *s, size_t min, size_t max, const char *short_why, const char *long_why)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t chars = 0, n;
	uint32_t cp;

	if (has_prefix_ci(s, "aws:") || has_prefix_ci(s, "rds:"))
		return "must not start with 'aws:' or 'rds:' (reserved for AWS)";
	while (*p) {
		if ((n = utf8_next(p, &cp)) == 0)
			return "is not valid UTF-8";
		if (!tag_char_ok(cp))
			return "may contain only Unicode letters, digits, white space and "
			       "_ . : / = + - @";
		p += n;
		chars++;
	}
	if (chars < min)
		return short_why;
	if (chars > max)
		return long_why;
	return NULL;
}

const char *
ag_mcheck_tag_key(const char *s)
{
	return tag_text(s, 1, 128, "must not be empty", "must be at most 128 characters long");
}

const char *
ag_mcheck_tag_value(const char *s)
{
	return tag_text(s, 0, 256, NULL, "must be at most 256 characters long");
}

const char *
ag_mcheck_password(const char *s)
{
	size_t n = strlen(s), i;

	if (n < 8)
		return "is shorter than 8 characters";
	if (n > 41)
		return "is longer than 41 characters";
	for (i = 0; i < n; i++) {
		if (s[i] == '/' || s[i] == '"' || s[i] == '@')
			return "contains '/', '\"' or '@'";
		if (s[i] == ' ')
			return "contains a space";
		if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7E)
			return "contains a character that is not printable ASCII";
	}
	return NULL;
}

/*
 * Words the engines reserve (lower case): RDS's own accounts and roles and
 * the SQL keywords that cannot name a user or database without quoting.
 */
static const char *const rds_reserved[] = {"rdsadmin", "rdsrepladmin", "rdsproxyadmin",
    "rds_superuser", "rds_replication", "rds_password", "rds_iam", "rdstopmgr", NULL};
static const char *const postgres_reserved[] = {"all", "analyse", "analyze", "and", "any", "array",
    "as", "asc", "asymmetric", "both", "case", "cast", "check", "collate", "column", "constraint",
    "create", "current_catalog", "current_date", "current_role", "current_time",
    "current_timestamp", "current_user", "default", "deferrable", "desc", "distinct", "do", "else",
    "end", "except", "false", "fetch", "for", "foreign", "from", "grant", "group", "having", "in",
    "initially", "intersect", "into", "lateral", "leading", "limit", "localtime", "localtimestamp",
    "none", "not", "null", "offset", "on", "only", "or", "order", "placing", "primary", "public",
    "references", "returning", "select", "session_user", "some", "symmetric", "system_user",
    "table", "then", "to", "trailing", "true", "union", "unique", "user", "using", "variadic",
    "when", "where", "window", "with", NULL};
static const char *const mysql_reserved[] = {"accessible", "add", "all", "alter", "analyze", "and",
    "as", "asc", "before", "between", "both", "by", "call", "cascade", "case", "change", "check",
    "collate", "column", "condition", "constraint", "continue", "convert", "create", "cross",
    "cube", "current_date", "current_role", "current_time", "current_timestamp", "current_user",
    "cursor", "database", "databases", "declare", "default", "delete", "desc", "describe",
    "distinct", "div", "drop", "each", "else", "elseif", "exists", "exit", "explain", "false",
    "fetch", "for", "force", "foreign", "from", "function", "grant", "group", "grouping", "groups",
    "having", "if", "ignore", "in", "index", "inner", "insert", "interval", "into", "is", "join",
    "key", "keys", "kill", "leading", "leave", "left", "like", "limit", "lines", "load", "lock",
    "loop", "match", "mod", "natural", "not", "null", "of", "on", "option", "or", "order", "out",
    "outer", "over", "primary", "procedure", "range", "read", "references", "regexp", "release",
    "rename", "repeat", "replace", "require", "restrict", "return", "revoke", "right", "rlike",
    "row", "rows", "schema", "schemas", "select", "set", "show", "signal", "sql", "system", "table",
    "then", "to", "trailing", "trigger", "true", "union", "unique", "unlock", "update", "usage",
    "use", "using", "values", "when", "where", "while", "window", "with", "write", "xor", NULL};

static bool
in_words(const char *const *words, const char *lower)
{
	size_t i;

	for (i = 0; words[i]; i++)
		if (strcmp(words[i], lower) == 0)
			return true;
	return false;
}

/* A word reserved by engine (case-insensitive), or NULL. */
static const char *
reserved_word(const char *engine, const char *s)
{
	char lower[72];
	size_t i;

	for (i = 0; s[i] && i + 1 < sizeof(lower); i++)
		lower[i] = to_lower(s[i]);
	lower[i] = '\0';
	if (in_words(rds_reserved, lower))
		return "is reserved by RDS";
	if (engine == NULL)
		return NULL;
	if (strcmp(engine, "aurora-postgresql") == 0) {
		if (strncmp(lower, "pg_", 3) == 0)
			return "starts with 'pg_', which PostgreSQL reserves";
		if (in_words(postgres_reserved, lower))
			return "is a word PostgreSQL reserves";
	} else if (strcmp(engine, "aurora-mysql") == 0 && in_words(mysql_reserved, lower)) {
		return "is a word MySQL reserves";
	}
	return NULL;
}

/* 1..max characters, a letter first, then letters, digits or '_'. */
static const char *
sql_name(const char *s, size_t max, const char *long_why)
{
	size_t n = strlen(s), i;

	if (n == 0)
		return "must not be empty";
	if (n > max)
		return long_why;
	if (!is_alpha(s[0]))
		return "must start with a letter";
	for (i = 1; i < n; i++)
		if (!is_alpha(s[i]) && !is_digit(s[i]) && s[i] != '_')
			return "may contain only letters, digits and underscores";
	return NULL;
}

const char *
ag_mcheck_username(const char *engine, const char *s)
{
	const char *why = sql_name(s, 16, "must be at most 16 characters long");

	return why != NULL ? why : reserved_word(engine, s);
}

const char *
ag_mcheck_database_name(const char *engine, const char *s)
{
	bool pg = engine != NULL && strcmp(engine, "aurora-postgresql") == 0;
	const char *why = pg ? sql_name(s, 63, "must be at most 63 characters long")
	                     : sql_name(s, 64, "must be at most 64 characters long");

	return why != NULL ? why : reserved_word(engine, s);
}

bool
ag_mcheck_windows_overlap(const char *backup, const char *maintenance)
{
	const int week = 7 * 1440;
	int b1, b2, m1, m2, blen, mlen, d, start;

	if (ag_mcheck_backup_window(backup) != NULL ||
	    ag_mcheck_maintenance_window(maintenance) != NULL)
		return false; /* reported on their own */
	/* both were checked above; a time that still does not read is no
	 * overlap rather than garbage arithmetic */
	if (clock_time(backup, &b1) != NULL || clock_time(backup + 6, &b2) != NULL ||
	    clock_time(maintenance + 4, &m1) != NULL || clock_time(maintenance + 14, &m2) != NULL)
		return false;
	m1 += weekday(maintenance) * 1440;
	m2 += weekday(maintenance + 10) * 1440;
	blen = (b2 - b1 + 1440) % 1440;
	mlen = (m2 - m1 + week) % week;
	/* the backup window recurs every day; compare each day's copy with
	 * the maintenance window on a circular week */
	for (d = 0; d < 7; d++) {
		start = d * 1440 + b1;
		if ((start - m1 + week) % week < mlen || (m1 - start + week) % week < blen)
			return true;
	}
	return false;
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

/* CreateDBCluster EnableCloudwatchLogsExports, per Aurora engine. */
static const char *const mysql_logs[] = {
    "audit", "error", "general", "slowquery", "instance", "iam-db-auth-error", NULL};
static const char *const postgres_logs[] = {"postgresql", "instance", "iam-db-auth-error", NULL};
/* Every log type some engine knows ("upgrade" is RDS for PostgreSQL's). */
static const char *const all_logs[] = {"audit", "error", "general", "slowquery", "instance",
    "iam-db-auth-error", "postgresql", "upgrade", NULL};

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
		return ag_manifest_field_pos(m, f);
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
	char valid[128] = "", shown[128];
	size_t i, j;

	if (ok == NULL)
		return;
	for (i = 0; i < logs->n; i++) {
		if (in_words(ok, logs->v[i]) || !in_words(all_logs, logs->v[i]))
			continue; /* valid, or unknown and already reported */
		/* the list of valid types is made for the first message */
		if (valid[0] == '\0')
			for (j = 0; ok[j]; j++)
				snprintf(valid + strlen(valid), sizeof(valid) - strlen(valid),
				    "%s%s", j ? ", " : "", ok[j]);
		ag_mload_error(l, fpos(m, AG_F_ENABLED_CLOUDWATCH_LOGS_EXPORTS),
		    "spec.enabledCloudwatchLogsExports",
		    "spec.enabledCloudwatchLogsExports: log type '%s' does not exist for %s "
		    "(valid: %s)",
		    ag_mload_show(shown, sizeof(shown), logs->v[i]), m->spec.engine, valid);
	}
}

/* The rules AWS documents for single values whose meaning depends on the
 * engine or on how the agent uses them. */
static void
aws_rules(struct ag_mload *l)
{
	struct ag_manifest *m = l->m;
	struct ag_cluster_spec *c = &m->spec;
	char shown[128];
	const char *why;

	if (c->port > 0 && c->port < 1150)
		ag_mload_error(l, fpos(m, AG_F_PORT), "spec.port",
		    "spec.port: %d is out of range (AWS: valid values 1150-65535; 0 or absent "
		    "means "
		    "the engine default)",
		    c->port);
	if (c->password != NULL && !ag_manifest_is_sealed(c->password) &&
	    (why = ag_mcheck_password(c->password)) != NULL)
		ag_mload_error(l, fpos(m, AG_F_PASSWORD), "spec.password",
		    "spec.password: the password %s (AWS: 8 to 41 printable ASCII characters, "
		    "not '/', '\"', '@' or a space)",
		    why);
	if (ag_manifest_has(m, AG_F_USERNAME) && c->username != NULL &&
	    (why = ag_mcheck_username(c->engine, c->username)) != NULL)
		ag_mload_error(l, fpos(m, AG_F_USERNAME), "spec.username",
		    "spec.username: invalid master username '%s': %s (AWS: 1 to 16 letters or "
		    "numbers, the first a letter, not a word the engine reserves)",
		    ag_mload_show(shown, sizeof(shown), c->username), why);
	if (c->database_name != NULL && c->database_name[0] != '\0' &&
	    (why = ag_mcheck_database_name(c->engine, c->database_name)) != NULL)
		ag_mload_error(l, fpos(m, AG_F_DATABASE_NAME), "spec.databaseName",
		    "spec.databaseName: invalid database name '%s': %s (AWS: %s)",
		    ag_mload_show(shown, sizeof(shown), c->database_name), why,
		    c->engine != NULL && strcmp(c->engine, "aurora-postgresql") == 0
		        ? "1 to 63 letters, digits or underscores, the first a letter"
		        : "1 to 64 letters, digits or underscores, the first a letter");
	if (c->db_cluster_parameter_group_name != NULL &&
	    c->db_cluster_parameter_group_name[0] != '\0') {
		const char *g = c->db_cluster_parameter_group_name;
		bool aws_default = strncmp(g, "default.", 8) == 0;

		why = NULL;
		if (aws_default && c->n_parameters > 0)
			why = "AWS's default groups cannot be modified; name a group of your own "
			      "for spec.parameters";
		else if (!aws_default)
			why = ag_mcheck_rds_identifier(g, 255);
		if (why != NULL)
			ag_mload_error(l, fpos(m, AG_F_DB_CLUSTER_PARAMETER_GROUP_NAME),
			    "spec.dbClusterParameterGroupName",
			    "spec.dbClusterParameterGroupName: invalid parameter group name '%s': "
			    "%s "
			    "(AWS: 1 to 255 letters, digits or hyphens, the first a letter, no two "
			    "consecutive hyphens, no trailing hyphen)",
			    ag_mload_show(shown, sizeof(shown), g), why);
	}
	if (c->preferred_backup_window != NULL && c->preferred_maintenance_window != NULL &&
	    ag_mcheck_windows_overlap(c->preferred_backup_window, c->preferred_maintenance_window))
		ag_mload_error(l, fpos(m, AG_F_PREFERRED_BACKUP_WINDOW),
		    "spec.preferredBackupWindow",
		    "spec.preferredBackupWindow: '%s' overlaps spec.preferredMaintenanceWindow "
		    "'%s' "
		    "(AWS: the backup window must not conflict with the preferred maintenance "
		    "window)",
		    c->preferred_backup_window, c->preferred_maintenance_window);
	if (m->cluster_id == NULL)
		return;
	if (c->subnet_ids.n > 0 &&
	    (c->db_subnet_group_name == NULL || c->db_subnet_group_name[0] == '\0') &&
	    strcmp(m->cluster_id, "default") == 0)
		ag_mload_error(l, fpos(m, AG_F_SUBNET_IDS), "spec.subnetIds",
		    "spec.subnetIds: the DB subnet group made for them would be named 'default', "
		    "which AWS reserves (AWS: a DB subnet group name must not be default); rename "
		    "the "
		    "cluster or set spec.dbSubnetGroupName");
	if ((c->security_group_ids.n > 0 || c->allowed_cidr_blocks.n > 0) &&
	    strncmp(m->cluster_id, "sg-", 3) == 0)
		ag_mload_error(l, m->id_pos, "metadata.name",
		    "cluster identifier '%s': the security group made for spec.allowedCidrBlocks "
		    "and "
		    "spec.securityGroupIds takes the cluster's name, and AWS refuses security "
		    "group "
		    "names that start with 'sg-' (AWS: can't start with sg-)",
		    m->cluster_id);
}

/* A Serverless v1 capacity AWS accepts for the engine. */
static bool
v1_capacity_ok(bool mysql, int acu, const char **valid)
{
	static const int my[] = {1, 2, 4, 8, 16, 32, 64, 128, 256};
	static const int pg[] = {2, 4, 8, 16, 32, 64, 192, 384};
	const int *v = mysql ? my : pg;
	size_t i, n = mysql ? sizeof(my) / sizeof(my[0]) : sizeof(pg) / sizeof(pg[0]);

	*valid = mysql ? "1, 2, 4, 8, 16, 32, 64, 128, 256" : "2, 4, 8, 16, 32, 64, 192, 384";
	for (i = 0; i < n; i++)
		if (v[i] == acu)
			return true;
	return false;
}

static void
scaling_v1_rules(struct ag_mload *l, bool mysql)
{
	struct ag_manifest *m = l->m;
	const struct ag_scaling_v1 *s = ag_spec_scaling_v1(&m->spec);
	const char *valid;
	bool v1 = m->spec.engine_mode != NULL && strcmp(m->spec.engine_mode, "serverless") == 0;

	if (!s->has)
		return;
	if (!v1) {
		ag_mload_error(l, fpos(m, AG_F_SCALING_CONFIGURATION), "spec.scalingConfiguration",
		    "spec.scalingConfiguration is for Serverless v1 (engineMode: serverless) only "
		    "(AWS: \"The scaling properties of the DB cluster. You can only modify scaling "
		    "properties for DB clusters in serverless DB engine mode\"); for Serverless v2 "
		    "use serverlessV2Scaling");
		return;
	}
	if (m->spec.engine == NULL)
		return;
	if (s->min_capacity > 0 && !v1_capacity_ok(mysql, s->min_capacity, &valid))
		ag_mload_error(l, fpos(m, AG_F_SCALING_CONFIGURATION),
		    "spec.scalingConfiguration.minCapacity",
		    "spec.scalingConfiguration.minCapacity: %d is not a capacity of %s (AWS: "
		    "valid capacity values are %s)",
		    s->min_capacity, m->spec.engine, valid);
	if (s->max_capacity > 0 && !v1_capacity_ok(mysql, s->max_capacity, &valid))
		ag_mload_error(l, fpos(m, AG_F_SCALING_CONFIGURATION),
		    "spec.scalingConfiguration.maxCapacity",
		    "spec.scalingConfiguration.maxCapacity: %d is not a capacity of %s (AWS: "
		    "valid capacity values are %s)",
		    s->max_capacity, m->spec.engine, valid);
	if (s->min_capacity > 0 && s->max_capacity > 0 && s->min_capacity > s->max_capacity)
		ag_mload_error(l, fpos(m, AG_F_SCALING_CONFIGURATION),
		    "spec.scalingConfiguration.minCapacity",
		    "spec.scalingConfiguration: minCapacity %d is above maxCapacity %d (AWS: "
		    "\"The minimum capacity must be less than or equal to the maximum capacity\")",
		    s->min_capacity, s->max_capacity);
	if (s->seconds_until_auto_pause > 0 && s->auto_pause == 0)
		ag_mload_error(l, fpos(m, AG_F_SCALING_CONFIGURATION),
		    "spec.scalingConfiguration.secondsUntilAutoPause",
		    "spec.scalingConfiguration.secondsUntilAutoPause is set but autoPause is "
		    "false: "
		    "the cluster never pauses");
}

/* Cluster features AWS offers for one engine or one engine mode only. */
static void
feature_rules(struct ag_mload *l)
{
	struct ag_manifest *m = l->m;
	struct ag_cluster_spec *c = &m->spec;
	bool mysql = c->engine != NULL && strcmp(c->engine, "aurora-mysql") == 0;

	scaling_v1_rules(l, mysql);
	if (c->global_cluster_identifier != NULL) {
		const char *other = NULL;

		if (m->global_detach)
			other =
			    "the annotation aurora-gitops/global-cluster: detach (remove the field "
			    "to detach the cluster)";
		else if (c->replication_source_identifier != NULL &&
		         c->replication_source_identifier[0] != '\0')
			other = "spec.replicationSourceIdentifier (a cluster replicates from one "
			        "source)";
		else if (c->snapshot_identifier != NULL && c->snapshot_identifier[0] != '\0')
			other =
			    "spec.snapshotIdentifier (RestoreDBClusterFromSnapshot cannot join a "
			    "global database)";
		else if (c->engine_mode != NULL && strcmp(c->engine_mode, "serverless") == 0)
			other = "engineMode: serverless (AWS: global databases are for provisioned "
			        "clusters)";
		if (other != NULL)
			ag_mload_error(l, fpos(m, AG_F_GLOBAL_CLUSTER_IDENTIFIER),
			    "spec.globalClusterIdentifier",
			    "spec.globalClusterIdentifier cannot be used together with %s", other);
	}
	if (c->has_serverless_v2 && c->engine_mode != NULL &&
	    strcmp(c->engine_mode, "serverless") == 0)
		ag_mload_error(l, fpos(m, AG_F_SERVERLESS_V2_SCALING), "spec.serverlessV2Scaling",
		    "spec.serverlessV2Scaling is for provisioned clusters with db.serverless "
		    "instances, not engineMode: serverless (Serverless v1); use "
		    "scalingConfiguration");

	if (ag_manifest_has(m, AG_F_BACKTRACK_WINDOW) && c->engine != NULL && !mysql)
		ag_mload_error(l, fpos(m, AG_F_BACKTRACK_WINDOW), "spec.backtrackWindow",
		    "spec.backtrackWindow: backtracking is for aurora-mysql only, not %s (AWS: "
		    "\"Valid for Cluster Type: Aurora MySQL DB clusters only\")",
		    c->engine);
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
	aws_rules(l);
	feature_rules(l);
	if (c->manage_master_user_password && c->password != NULL)
		ag_mload_error(l, fpos(m, AG_F_PASSWORD), "spec.password",
		    "spec.password must be empty when spec.manageMasterUserPassword is true "
		    "(RDS then keeps the password in Secrets Manager)");
	if (ag_manifest_sealed_problem(c->password) != NULL)
		ag_mload_error(l, fpos(m, AG_F_PASSWORD), "spec.password",
		    "spec.password looks like a sealed value but is not a valid one: %s; it is "
		    "never used as a password",
		    ag_manifest_sealed_problem(c->password));
	if (c->subnet_ids.n < 2 && c->db_subnet_group_name == NULL)
		ag_mload_error(l, fpos(m, AG_F_SUBNET_IDS), "spec.subnetIds",
		    "spec.subnetIds needs at least 2 subnets, or set spec.dbSubnetGroupName");
	if (c->engine_mode && strcmp(c->engine_mode, "serverless") == 0 &&
	    c->n_instances + (size_t)(l->inst_count_form ? l->inst_count : 0) > 0)
		ag_mload_error(l, fpos(m, AG_F_INSTANCES), "spec.instances",
		    "spec.instances: a serverless (v1) cluster has no instances; use "
		    "serverlessV2Scaling with engineMode provisioned for db.serverless instances");
}

/* Moves what an override of the count form sets onto its instance. */
static void
apply_override(struct ag_instance_spec *in, struct ag_instance_spec *o)
{
	if (o->instance_class != NULL) {
		free(in->instance_class);
		in->instance_class = o->instance_class;
		o->instance_class = NULL;
	}
	if (o->promotion_tier >= 0)
		in->promotion_tier = o->promotion_tier;
	in->availability_zone = o->availability_zone;
	o->availability_zone = NULL;
	if (o->public_pos.line != 0) {
		in->publicly_accessible = o->publicly_accessible;
		in->public_pos = o->public_pos;
	}
	/* the override's blocks (NULL when it writes none) replace the
	 * instance's: moved, not copied */
	ag_pi_spec_free(&in->opt_pi);
	in->opt_pi = o->opt_pi;
	o->opt_pi = NULL;
	ag_monitoring_spec_free(&in->opt_monitoring);
	in->opt_monitoring = o->opt_monitoring;
	o->opt_monitoring = NULL;
	in->pos = o->pos;
}

static void
expand_count(struct ag_mload *l)
{
	struct ag_manifest *m = l->m;
	struct ag_cluster_spec *c = &m->spec;
	const char *cls = l->inst_count_class;
	size_t k;
	long i;

	for (k = 0; k < l->n_inst_overrides; k++)
		if (l->inst_overrides[k].position > l->inst_count)
			ag_mload_error(l, l->inst_overrides[k].spec.pos, "spec.instances.overrides",
			    "spec.instances.overrides.%ld: there is no instance %ld: count is %ld",
			    l->inst_overrides[k].position, l->inst_overrides[k].position,
			    l->inst_count);
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
		for (k = 0; k < l->n_inst_overrides; k++)
			if (l->inst_overrides[k].position == i + 1)
				apply_override(in, &l->inst_overrides[k].spec);
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

			if (in->name == NULL && m->cluster_id != NULL)
				in->name = ag_xasprintf("%s-%zu", m->cluster_id, i + 1);
			if (in->instance_class == NULL && c->has_serverless_v2)
				in->instance_class = ag_xstrdup("db.serverless");
			if (in->instance_class == NULL) {
				snprintf(path, sizeof(path), "spec.instances[%zu]", i);
				ag_mload_error(l, in->pos, path,
				    "%s.instanceClass is required (only Serverless v2 clusters "
				    "default to db.serverless)",
				    path);
			}
		}
	}
	for (i = 0; i < c->n_instances; i++) {
		struct ag_instance_spec *in = &c->instances[i];

		if (in->name == NULL)
			continue;
		for (j = 0; in->name[j]; j++)
			in->name[j] = to_lower(in->name[j]);
		if ((why = ag_mcheck_rds_identifier(in->name, 63)) != NULL) {
			snprintf(path, sizeof(path), "spec.instances[%zu].name", i);
			ag_mload_error(l, in->pos, path, "%s: invalid instance name '%s': %s", path,
			    ag_mload_show(shown, sizeof(shown), in->name), why);
			continue;
		}
		for (j = 0; j < i; j++)
			if (c->instances[j].name && strcmp(c->instances[j].name, in->name) == 0) {
				snprintf(path, sizeof(path), "spec.instances[%zu].name", i);
				ag_mload_error(l, in->pos, path,
				    "%s: instance name '%s' is used twice (first at line %u)", path,
				    in->name, c->instances[j].pos.line);
				break;
			}
	}
}

/* Performance Insights and Enhanced Monitoring against the engine, the
 * instance classes and each other (AWS rules quoted in the messages). */
static void
check_insights(struct ag_mload *l)
{
	struct ag_manifest *m = l->m;
	struct ag_cluster_spec *c = &m->spec;
	char path[96];
	size_t i;

	if (c->engine_mode != NULL && strcmp(c->engine_mode, "serverless") == 0) {
		if (ag_manifest_has(m, AG_F_PERFORMANCE_INSIGHTS))
			ag_mload_error(l, fpos(m, AG_F_PERFORMANCE_INSIGHTS),
			    "spec.performanceInsights",
			    "spec.performanceInsights: a serverless (v1) cluster has no instances "
			    "to "
			    "turn Performance Insights on for");
		if (ag_manifest_has(m, AG_F_MONITORING))
			ag_mload_error(l, fpos(m, AG_F_MONITORING), "spec.monitoring",
			    "spec.monitoring: a serverless (v1) cluster has no instances to "
			    "monitor");
		return;
	}
	for (i = 0; i < c->n_instances; i++) {
		const struct ag_instance_spec *in = &c->instances[i];
		struct ag_insights_want w;
		struct ag_pos pos;

		ag_insights_want(&w, m, in);
		if (w.pi_written && w.pi_enabled &&
		    !ag_insights_pi_supported(c->engine, in->instance_class)) {
			pos = ag_instance_pi(in)->has_enabled ? ag_instance_pi(in)->pos
			                                      : ag_spec_pi(c)->pos;
			snprintf(path, sizeof(path), "spec.instances[%zu].performanceInsights", i);
			ag_mload_error(l, pos, path,
			    "%s: Performance Insights is on, but AWS does not offer it for Aurora "
			    "MySQL on %s (not supported: db.t2, db.t3, db.t4g.micro, "
			    "db.t4g.small); "
			    "choose another class or set performanceInsights.enabled: false",
			    path, in->instance_class);
		}
		if (w.interval > 0 && w.role_arn == NULL && !w.create_role) {
			pos = ag_instance_monitoring(in)->pos.line ? ag_instance_monitoring(in)->pos
			                                           : ag_spec_monitoring(c)->pos;
			snprintf(path, sizeof(path), "spec.instances[%zu].monitoring", i);
			ag_mload_error(l, pos, path,
			    "%s: interval %d needs a role: set roleArn, or createRole: true (AWS: "
			    "if MonitoringInterval is set to a value other than 0, then you must "
			    "supply a MonitoringRoleArn value)",
			    path, w.interval);
		}
	}
}

/* spec.alarms against the cluster (AWS rules quoted in the messages). */
static void
check_alarms(struct ag_mload *l)
{
	struct ag_manifest *m = l->m;
	const struct ag_alarms_spec *a = ag_spec_alarms(&m->spec);
	bool v1 = m->spec.engine_mode != NULL && strcmp(m->spec.engine_mode, "serverless") == 0;
	char path[64];
	size_t k;

	if (!ag_manifest_has(m, AG_F_ALARMS))
		return;
	for (k = 0; k < AG_ALARM__COUNT; k++) {
		const struct ag_alarm_spec *s = &a->kinds[k];
		const char *key = ag_alarm_kind_key((enum ag_alarm_kind)k);
		int period = s->period, evals = s->evaluation_periods;

		if (!s->written || (s->has_enabled && !s->enabled))
			continue;
		snprintf(path, sizeof(path), "spec.alarms.%s", key);
		if (k == AG_ALARM_CAPACITY && v1 && !s->has_threshold)
			ag_mload_error(l, s->pos, path,
			    "%s: a serverless (v1) cluster's alarm is on "
			    "ServerlessDatabaseCapacity, "
			    "in capacity units: give its threshold",
			    path);
		else if (k == AG_ALARM_CAPACITY && !ag_alarm_applies(AG_ALARM_CAPACITY, m))
			ag_mload_error(l, s->pos, path,
			    "%s: the cluster is not serverless (no serverlessV2Scaling, no "
			    "db.serverless instance), so it has no ACU utilization",
			    path);
		else if ((k == AG_ALARM_MEMORY || k == AG_ALARM_LOCAL_STORAGE ||
		             k == AG_ALARM_REPLICA_LAG) &&
		         v1)
			ag_mload_error(l, s->pos, path,
			    "%s: a serverless (v1) cluster has no instances and publishes no %s",
			    path, key);
		if ((k == AG_ALARM_CPU || (k == AG_ALARM_CAPACITY && !v1)) && s->has_threshold &&
		    s->threshold > 100)
			ag_mload_error(l, s->pos, path,
			    "%s.threshold: %g is above 100; the metric is a percentage", path,
			    s->threshold);
		if (period == 0)
			period = k == AG_ALARM_REPLICA_LAG ? 60 : 300;
		if (evals == 0)
			evals = k == AG_ALARM_REPLICA_LAG ? 5 : (k == AG_ALARM_DEADLOCKS ? 1 : 3);
		if ((long)period * evals > 86400)
			ag_mload_error(l, s->pos, path,
			    "%s: period %d s x evaluationPeriods %d is %ld s (AWS: an alarm's "
			    "total "
			    "evaluation period can be no longer than one day, 86,400 seconds)",
			    path, period, evals, (long)period * evals);
	}
}

/*
 * spec.kmsKey: the key the agent makes encrypts the cluster, so the
 * cluster is created with storageEncrypted and KmsKeyId = the alias (AWS
 * takes an alias name there). kmsKeyId names another key: both is an error.
 */
static void
kms_key_rules(struct ag_mload *l)
{
	struct ag_manifest *m = l->m;
	struct ag_cluster_spec *c = &m->spec;
	struct ag_kms_key_spec *k;

	if (!ag_manifest_has(m, AG_F_KMS_KEY))
		return;
	k = ag_kms_key_spec_make(&c->opt_kms_key); /* load_kms_key made it */
	if (ag_manifest_has(m, AG_F_KMS_KEY_ID) && c->kms_key_id != NULL) {
		ag_mload_error(l, ag_manifest_field_pos(m, AG_F_KMS_KEY_ID), "spec.kmsKeyId",
		    "spec.kmsKeyId and spec.kmsKey (line %u) are exclusive: kmsKey makes the "
		    "cluster's key, kmsKeyId names one that exists",
		    k->pos.line);
		return;
	}
	if (ag_manifest_has(m, AG_F_STORAGE_ENCRYPTED) && !c->storage_encrypted) {
		ag_mload_error(l, ag_manifest_field_pos(m, AG_F_STORAGE_ENCRYPTED),
		    "spec.storageEncrypted",
		    "spec.storageEncrypted: false contradicts spec.kmsKey (line %u), which makes "
		    "a key to encrypt the cluster with",
		    k->pos.line);
		return;
	}
	if (k->alias == NULL && m->cluster_id != NULL)
		k->alias = ag_xasprintf("alias/%s", m->cluster_id);
	c->storage_encrypted = true;
	if (!ag_manifest_has(m, AG_F_STORAGE_ENCRYPTED))
		ag_manifest_set_field(m, AG_F_STORAGE_ENCRYPTED, k->pos);
	free(c->kms_key_id);
	c->kms_key_id = k->alias ? ag_xstrdup(k->alias) : NULL;
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
	check_insights(l);
	check_alarms(l);
	kms_key_rules(l);
}
