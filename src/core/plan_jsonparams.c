/* Parameters of JSON 1.1 actions: each value is the JSON text of one
 * top-level member, so the plan, its digest and its reports stay flat
 * key/value lists whatever the protocol. */
#include "core/plan_int.h"

#include <jansson.h>
#include <stdlib.h>

#include "core/compat.h"

void
ag_plan_json_value(struct ag_action *a, const char *key, struct json_t *j)
{
	char *t = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);

	ag_kvlist_add(&a->params, key, t != NULL ? t : "null");
	free(t);
	json_decref(j);
}

void
ag_plan_json_str(struct ag_action *a, const char *key, const char *value)
{
	ag_plan_json_value(a, key, json_string(value != NULL ? value : ""));
}

void
ag_plan_json_int(struct ag_action *a, const char *key, long value)
{
	ag_plan_json_value(a, key, json_integer(value));
}

void
ag_plan_json_num(struct ag_action *a, const char *key, double value)
{
	ag_plan_json_value(a, key, json_real(value));
}

void
ag_plan_json_bool(struct ag_action *a, const char *key, bool value)
{
	ag_plan_json_value(a, key, json_boolean(value));
}
