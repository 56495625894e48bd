#ifndef AG_CORE_VERSION_H
#define AG_CORE_VERSION_H

#include <stdbool.h>

/*
 * Engine version comparison. Versions are split at '.', '_' and '-' into
 * segments; numeric segments compare as numbers, others as strings
 * ("8.0.mysql_aurora.3.05.2" < "8.0.mysql_aurora.3.10.0"). A version with
 * fewer segments that matches every segment of a longer one is a prefix of
 * it: desired "15" matches live "15.4".
 */

/* <0, 0, >0 like strcmp, comparing segment by segment. Missing segments
 * sort first ("15" < "15.4"). */
int ag_version_cmp(const char *a, const char *b);

/* True when every segment of prefix equals the same segment of v. */
bool ag_version_is_prefix(const char *prefix, const char *v);

/* The major version: "15" for "15.4", "8.0" for "8.0.mysql_aurora.3.05.2"
 * (MySQL majors have two segments), "5.7" for "5.7.mysql_aurora.2.11.2".
 * Writes into out (size n); returns false when v is empty. */
bool ag_version_major(char *out, unsigned long n, const char *engine, const char *v);

enum ag_version_verdict {
	AG_VERSION_EQUAL = 0,     /* no drift */
	AG_VERSION_LIVE_NEWER,    /* note only: "live is newer, update the manifest" */
	AG_VERSION_AUTO_MINOR,    /* same major, auto minor upgrade on, live newer: no drift */
	AG_VERSION_UPGRADE_MINOR, /* desired newer, same major: ModifyDBCluster, outage */
	AG_VERSION_UPGRADE_MAJOR, /* desired newer major: needs allowMajorVersionUpgrade */
};

/* Compares desired with live for engine; auto_minor is the effective
 * autoMinorVersionUpgrade. */
enum ag_version_verdict ag_version_compare(
    const char *engine, const char *desired, const char *live, bool auto_minor);

#endif
