#include "agent/exec.h"
#include "aws/client.h"
#include "aws/iam.h"
#include "aws/kms.h"
#include "aws/rds.h"
#include "aws/xml.h"
#include "core/log.h"
#include "core/mem.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/compat.h"

const char *
ag_exec_status_name(enum ag_exec_status s)
{
	switch (s) {
	case AG_EXEC_NOT_RUN:
		return "not-run";
	case AG_EXEC_APPLIED:
		return "applied";
	case AG_EXEC_PENDING:
		return "pending-until-window";
	case AG_EXEC_FAILED:
		return "failed";
	case AG_EXEC_SKIPPED:
		return "skipped";
	case AG_EXEC_IN_PROGRESS:
		return "in-progress";
	case AG_EXEC_STOPPED:
		return "stopped";
	}
	return "?";
}

void
ag_exec_result_init(struct ag_exec_result *r)
{
	memset(r, 0, sizeof(*r));
}

void
ag_exec_result_release(struct ag_exec_result *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->n; i++) {
		free(r->v[i].id);
		free(r->v[i].failed_action);
		free(r->v[i].error);
		ag_strlist_release(&r->v[i].pending);
		ag_strlist_release(&r->v[i].request_ids);
	}
	free(r->v);
	ag_exec_result_init(r);
}

const struct ag_exec_cluster *
ag_exec_result_find(const struct ag_exec_result *r, const char *id)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (strcmp(r->v[i].id, id) == 0)
			return &r->v[i];
	return NULL;
}

/*
 * The monitoring roles ensured in one executor run (one sync, one daemon
 * cycle), by role name, shared by every cluster of that run: a fleet of
 * 1,000 clusters that need the role costs one IAM check, not 2,000 calls,
 * which IAM throttles. Never kept across runs: the role can be deleted
 * out of band between them. A failure that would repeat as is (permission,
 * a role that is not the agent's) is kept, so later clusters report it
 * without asking again; a transient one is not, so the next cluster asks
 * again. No cluster ever goes on without a role.
 */
struct role_entry {
	char *name;
	char *arn;        /* NULL: ensuring it failed terminally, error says why */
	char *request_id; /* of the IAM call that ensured it, "" when none */
	bool made;        /* this run created it: RDS may not see it yet */
	int rc;
	char *error;
};

struct role_run {
	struct role_entry *v;
	size_t n;
	size_t cap;
};

static void
role_run_release(struct role_run *rr)
{
	size_t i;

	for (i = 0; i < rr->n; i++) {
		free(rr->v[i].name);
		free(rr->v[i].arn);
		free(rr->v[i].request_id);
		free(rr->v[i].error);
	}
	free(rr->v);
	memset(rr, 0, sizeof(*rr));
}

static const struct role_entry *
role_run_find(const struct role_run *rr, const char *name)
{
	size_t i;

	for (i = 0; i < rr->n; i++)
		if (strcmp(rr->v[i].name, name) == 0)
			return &rr->v[i];
	return NULL;
}

static struct role_entry *
role_run_add(struct role_run *rr, const char *name)
{
	struct role_entry *e;

	AG_GROW(rr->v, rr->cap, rr->n + 1);
	e = &rr->v[rr->n++];
	memset(e, 0, sizeof(*e));
	e->name = ag_xstrdup(name);
	return e;
}

/* Security group ids and KMS key ids created (or found) so far in this
 * run, by cluster id; the ARNs of the monitoring roles this cluster made
 * or found, by role name. */
struct sgmap {
	struct ag_kvlist ids;
	struct ag_kvlist roles;
	bool role_made; /* a monitoring role this cluster uses was created in this run */
	struct ag_kvlist kms;
	struct role_run *run; /* the whole run's, shared by every cluster */
	bool known_terminal;  /* the failure is a role failure kept from earlier */
};

#define ROLE_WAIT_TRIES 6
#define ROLE_WAIT_MS 10000

/* An instance call refused because RDS cannot use a monitoring role made
 * moments ago in this run (IAM propagation). */
static bool
role_not_ready(struct ag_aws_client *aws, const struct sgmap *sg, const struct ag_action *a)
{
	const struct ag_aws_error_info *ei = ag_aws_client_last_error(aws);

	return sg->role_made &&
	       (a->kind == AG_ACT_CREATE_INSTANCE || a->kind == AG_ACT_MODIFY_INSTANCE) &&
	       ei != NULL && ei->code != NULL && strcmp(ei->code, "InvalidParameterValue") == 0 &&
	       ei->message != NULL && strstr(ei->message, "ENHANCED_MONITORING") != NULL;
}

/* Copies params, replacing placeholders. The copy may hold the password:
 * ag_kvlist_wipe() it. */
static int
resolve_params(struct ag_kvlist *out, const struct ag_action *a, const char *cluster,
    const struct sgmap *sg, const struct ag_exec_opts *opts, struct ag_error *err)
{
	const char *v, *id;
	size_t i, n;

	for (i = 0; i < a->params.n; i++) {
		v = a->params.v[i].value;
		if (strcmp(v, AG_PLACEHOLDER_PASSWORD) == 0) {
			v = opts->secret ? opts->secret(opts->secret_ctx, cluster) : NULL;
			if (v == NULL)
				return ag_error_set(err, AG_EINVAL,
				    "cluster '%s': %s needs the master password, but it is not "
				    "available",
				    cluster, a->action);
		} else if (strncmp(v, "{{sg:", 5) == 0 && (n = strlen(v)) > 7 &&
		           strcmp(v + n - 2, "}}") == 0) {
			char *name = ag_xstrndup(v + 5, n - 7);

			id = ag_kvlist_get(&sg->ids, name);
			free(name);
			if (id == NULL)
				return ag_error_set(err, AG_EINVAL,
				    "cluster '%s': %s refers to a security group that was not "
				    "created",
				    cluster, a->action);
			v = id;
		} else if (strncmp(v, "{{role:", 7) == 0 && (n = strlen(v)) > 9 &&
		           strcmp(v + n - 2, "}}") == 0) {
			char *name = ag_xstrndup(v + 7, n - 9);

			id = ag_kvlist_get(&sg->roles, name);
			free(name);
			if (id == NULL)
				return ag_error_set(err, AG_EINVAL,
				    "cluster '%s': %s refers to a monitoring role that was not "
				    "made or found",
				    cluster, a->action);
			v = id;
		}
		ag_kvlist_add(out, a->params.v[i].key, v);
	}
	return 0;
}

/* AWS error codes that mean "the thing this create makes is already there":
 * a re-run after an interruption converges instead of failing. */
static int
already_exists(const char *code)
{
	static const char *const codes[] = {
	    "DBSubnetGroupAlreadyExists",
	    "DBSubnetGroupAlreadyExistsFault",
	    "DBParameterGroupAlreadyExists",
	    "InvalidGroup.Duplicate",
	    "InvalidPermission.Duplicate",
	    "GlobalClusterAlreadyExistsFault",
	    NULL,
	};
	size_t i;

	for (i = 0; code && codes[i]; i++)
		if (strcmp(code, codes[i]) == 0)
			return 1;
	return 0;
}

static int
lookup_sg(struct ag_aws_client *aws, const struct ag_action *a, char **out, struct ag_error *err)
{
	struct ag_kvlist p = AG_KVLIST_INIT;
	struct ag_aws_response resp = {0};
	const char *name = ag_kvlist_get(&a->params, "GroupName");
	const char *vpc = ag_kvlist_get(&a->params, "VpcId");
	const struct ag_xml_node *n;
	int rc;

	ag_kvlist_add(&p, "Filter.1.Name", "group-name");
	ag_kvlist_add(&p, "Filter.1.Value.1", name ? name : "");
	if (vpc && *vpc) {
		ag_kvlist_add(&p, "Filter.2.Name", "vpc-id");
		ag_kvlist_add(&p, "Filter.2.Value.1", vpc);
	}
	rc = ag_ec2_call(aws, "DescribeSecurityGroups", &p, &resp, err);
	if (rc == 0) {
		n = ag_xml_find(resp.root, "groupId");
		if (n == NULL || n->text[0] == '\0')
			rc = ag_error_set(err, AG_ENOTFOUND,
			    "security group '%s' exists but was not found", name ? name : "");
		else
			*out = ag_xstrdup(n->text);
	}
	ag_aws_response_release(&resp);
	ag_kvlist_release(&p);
	return rc;
}

/* The values of the numbered members prefix.1, prefix.2, ... of params,
 * sorted. */
static void
members_of(struct ag_strlist *out, const struct ag_kvlist *params, const char *prefix)
{
	size_t i, n = strlen(prefix);

	for (i = 0; i < params->n; i++)
		if (strncmp(params->v[i].key, prefix, n) == 0)
			ag_strlist_add(out, params->v[i].value);
	ag_strlist_sort(out);
}

/*
 * "Already exists" is success only when the existing object is the one
 * the action would have made: a subnet group with the same subnets, a
 * cluster parameter group of the same family. (A security group is looked
 * up by name in its VPC; an ingress rule is authorized one per call, so its
 * Duplicate names exactly that rule.)
 */
static int
check_existing(struct ag_aws_client *aws, const struct ag_action *a, struct ag_error *err)
{
	struct ag_strlist want = AG_STRLIST_INIT, have = AG_STRLIST_INIT;
	const char *name;
	size_t i, n = 0;
	bool same = true;
	int rc = 0;

	if (a->kind == AG_ACT_CREATE_SUBNET_GROUP) {
		struct ag_rds_subnet_group *v = NULL;

		name = ag_kvlist_get(&a->params, "DBSubnetGroupName");
		rc = ag_rds_describe_db_subnet_groups(aws, name, NULL, &v, &n, err);
		if (rc == 0 && n == 1) {
			members_of(&want, &a->params, "SubnetIds.SubnetIdentifier.");
			ag_strlist_copy(&have, &v[0].subnet_ids);
			ag_strlist_sort(&have);
			same = want.n == have.n;
			for (i = 0; same && i < want.n; i++)
				same = strcmp(want.v[i], have.v[i]) == 0;
			if (!same)
				rc = ag_error_set(err, AG_ECONFLICT,
				    "subnet group '%s' already exists with other subnets; the next "
				    "run corrects them with ModifyDBSubnetGroup",
				    name ? name : "");
		}
		ag_rds_subnet_groups_free(v, n);
	} else if (a->kind == AG_ACT_CREATE_PARAM_GROUP) {
		struct ag_rds_cluster_param_group *v = NULL;
		const char *fam = ag_kvlist_get(&a->params, "DBParameterGroupFamily");

		name = ag_kvlist_get(&a->params, "DBClusterParameterGroupName");
		rc = ag_rds_describe_db_cluster_parameter_groups(aws, name, NULL, &v, &n, err);
		if (rc == 0 && n == 1 && fam != NULL && v[0].family != NULL &&
		    strcmp(fam, v[0].family) != 0)
			rc = ag_error_set(err, AG_ECONFLICT,
			    "cluster parameter group '%s' already exists in family %s, not %s",
			    name ? name : "", v[0].family, fam);
		ag_rds_cluster_param_groups_free(v, n);
	} else if (a->kind == AG_ACT_CREATE_GLOBAL_CLUSTER) {
		struct ag_rds_global_cluster *v = NULL;
		const char *eng = ag_kvlist_get(&a->params, "Engine");
		const char *src = ag_kvlist_get(&a->params, "SourceDBClusterIdentifier");

		name = ag_kvlist_get(&a->params, "GlobalClusterIdentifier");
		rc = ag_rds_describe_global_clusters(aws, &v, &n, err);
		for (i = 0; rc == 0 && i < n; i++) {
			if (v[i].id == NULL || name == NULL || strcasecmp(v[i].id, name) != 0)
				continue;
			if (src != NULL && !ag_strlist_contains(&v[i].members, src))
				rc = ag_error_set(err, AG_ECONFLICT,
				    "global database '%s' already exists without this cluster; an "
				    "existing cluster cannot join it",
				    name);
			else if (eng != NULL && v[i].engine != NULL &&
			         strcmp(eng, v[i].engine) != 0)
				rc = ag_error_set(err, AG_ECONFLICT,
				    "global database '%s' already exists with engine %s, not %s",
				    name, v[i].engine, eng);
		}
		ag_rds_global_clusters_free(v, n);
	}
	ag_strlist_release(&want);
	ag_strlist_release(&have);
	return rc;
}

static enum ag_aws_service
service_of(const struct ag_action *a)
{
	if (strcmp(a->api, "ec2") == 0)
		return AG_AWS_EC2;
	if (strcmp(a->api, "iam") == 0)
		return AG_AWS_IAM;
	if (strcmp(a->api, "monitoring") == 0)
		return AG_AWS_CLOUDWATCH;
	return AG_AWS_RDS;
}

/* Pending fields AWS reports on the cluster a modify returned. */
static void
note_pending(struct ag_exec_cluster *r, const struct ag_aws_response *resp)
{
	const struct ag_xml_node *n = ag_xml_find(resp->root, "DBCluster");
	struct ag_db_cluster c;

	if (n == NULL)
		return;
	memset(&c, 0, sizeof(c));
	c.pending.backup_retention_period = -1;
	c.pending.iam_auth = -1;
	ag_rds_decode_cluster(&c, n);
	if (c.pending.engine_version)
		ag_strlist_add(&r->pending, "engineVersion");
	if (c.pending.backup_retention_period >= 0)
		ag_strlist_add(&r->pending, "backupRetentionPeriod");
	if (c.pending.master_user_password)
		ag_strlist_add(&r->pending, "password");
	if (c.pending.iam_auth >= 0)
		ag_strlist_add(&r->pending, "iamDatabaseAuthenticationEnabled");
	if (c.pending.storage_type)
		ag_strlist_add(&r->pending, "storageType");
	if (c.pending.enable_log_types.n + c.pending.disable_log_types.n > 0)
		ag_strlist_add(&r->pending, "enabledCloudwatchLogsExports");
	ag_db_cluster_release(&c);
}

static void
relay_progress(void *ctx, const char *kind, const char *id, const char *status, const char *goal,
    int64_t elapsed_ms)
{
	const struct ag_exec_opts *opts = ctx;
	struct ag_wait_progress p = {kind, id, status, goal, elapsed_ms};

	opts->progress(opts->progress_ctx, &p);
}

static int
wait_for(struct ag_aws_client *aws, const struct ag_action *a, const struct ag_exec_opts *opts,
    struct ag_error *err)
{
	struct ag_rds_waiter w = {0};

	w.id = a->target;
	w.poll_ms = opts->poll_interval_ms;
	w.timeout_ms = opts->wait_timeout_ms;
	if (opts->progress) {
		w.progress = relay_progress;
		w.ctx = (void *)opts;
	}
	switch (a->wait) {
	case AG_WAIT_NONE:
		return 0;
	case AG_WAIT_CLUSTER_AVAILABLE:
		break;
	case AG_WAIT_INSTANCE_AVAILABLE:
		w.instance = true;
		break;
	case AG_WAIT_INSTANCE_DELETED:
		w.instance = true;
		w.want_deleted = true;
		break;
	case AG_WAIT_CLUSTER_DELETED:
		w.want_deleted = true;
		break;
	}
	return ag_rds_wait(aws, &w, err);
}

/*
 * Whether a failure would repeat as is. Transient: throttling and other
 * retryable AWS codes, HTTP 5xx, transport failures and timeouts; the next
 * cycle retries them. Terminal: everything else (validation, permission,
 * invalid state, a resource that went to a state that will not lead to
 * the goal).
 */
static bool
terminal_failure(struct ag_aws_client *aws, int rc)
{
	static const char *const transient_codes[] = {"Throttling", "ThrottlingException",
	    "ThrottledException", "RequestThrottledException", "TooManyRequestsException",
	    "RequestLimitExceeded", "RequestThrottled", "SlowDown", "EC2ThrottledException",
	    "ServiceUnavailable", "InternalFailure", "InternalError", "RequestTimeout",
	    "RequestTimeoutException", "PriorRequestNotComplete", "IDPCommunicationError", NULL};
	const struct ag_aws_error_info *ei = ag_aws_client_last_error(aws);
	size_t i;

	if (rc == AG_ENET || rc == AG_ETIMEOUT)
		return false;
	if (rc != AG_EAWS || ei == NULL)
		return true;
	if (ei->http_status >= 500)
		return false;
	for (i = 0; ei->code && transient_codes[i]; i++)
		if (strcmp(ei->code, transient_codes[i]) == 0)
			return false;
	return true;
}

/* Does the resource a create makes exist now? */
static int
created_exists(
    struct ag_aws_client *aws, const struct ag_action *a, bool *exists, struct ag_error *err)
{
	struct ag_observed o;
	int rc;

	ag_observed_init(&o);
	if (a->kind == AG_ACT_CREATE_INSTANCE)
		rc = ag_rds_describe_db_instances(aws, a->target, NULL, &o, err);
	else
		rc = ag_rds_describe_db_clusters(aws, a->target, NULL, &o, err);
	if (rc == AG_ENOTFOUND) {
		ag_error_clear(err);
		rc = 0;
	}
	*exists = rc == 0 && (a->kind == AG_ACT_CREATE_INSTANCE ? o.n_instances : o.n_clusters) > 0;
	ag_observed_release(&o);
	return rc;
}

/*
 * A create is not idempotent: when its reply is lost (a timeout, a dropped
 * connection, a 5xx) AWS may have processed it anyway, and a blind retry
 * would fail with "already exists". So one attempt at a time, and before
 * each retry a describe: if the resource is there, the create went
 * through.
 */
static int
call_create(struct ag_aws_client *aws, const struct ag_action *a, const struct ag_kvlist *params,
    struct ag_aws_response *resp, bool *adopted, struct ag_error *err)
{
	int old = ag_aws_client_set_max_attempts(aws, 1), attempt, rc;
	const struct ag_aws_config *cfg = ag_aws_client_config(aws);
	const struct ag_clock *clk = ag_aws_client_clock(aws);
	struct ag_error derr = AG_ERROR_INIT;
	bool exists = false;

	*adopted = false;
	for (attempt = 0;; attempt++) {
		ag_error_clear(err);
		rc = ag_aws_call(aws, service_of(a), a->action, params, resp, err);
		if (rc == 0 || terminal_failure(aws, rc) || attempt + 1 >= old ||
		    ag_aws_client_stopping(aws))
			break;
		clk->sleep_ms(clk->ctx,
		    ag_aws_backoff_ms(attempt, cfg->retry_base_ms, cfg->retry_max_ms, 0.5));
		if (created_exists(aws, a, &exists, &derr) < 0)
			break; /* cannot tell: report the create's own failure */
		if (exists) {
			ag_log_info("%s '%s': the reply was lost, but it was created", a->action,
			    a->target);
			ag_error_clear(err);
			*adopted = true;
			rc = 0;
			break;
		}
	}
	ag_aws_client_set_max_attempts(aws, old);
	return rc;
}

static bool
json_action(const struct ag_action *a)
{
	return strcmp(a->api, "kms") == 0 || strcmp(a->api, "application-autoscaling") == 0;
}

/* The request object of a JSON 1.1 action: each parameter is the JSON text
 * of one member; a string "{{kms:<id>}}" becomes the key made earlier. */
static int
json_request(json_t **out, const struct ag_action *a, const char *cluster, const struct sgmap *sg,
    struct ag_error *err)
{
	json_t *req = json_object(), *v;
	const char *s, *id;
	size_t i, n;

	*out = NULL;
	for (i = 0; i < a->params.n; i++) {
		v = json_loads(a->params.v[i].value, JSON_DECODE_ANY, NULL);
		if (v == NULL) {
			json_decref(req);
			return ag_error_set(err, AG_EINVAL,
			    "cluster '%s': %s parameter %s is not JSON", cluster, a->action,
			    a->params.v[i].key);
		}
		s = json_string_value(v);
		if (s != NULL && strncmp(s, "{{kms:", 6) == 0 && (n = strlen(s)) > 8 &&
		    strcmp(s + n - 2, "}}") == 0) {
			char *name = ag_xstrndup(s + 6, n - 8);

			id = ag_kvlist_get(&sg->kms, name);
			free(name);
			if (id == NULL) {
				json_decref(v);
				json_decref(req);
				return ag_error_set(err, AG_EINVAL,
				    "cluster '%s': %s refers to a KMS key that was not created",
				    cluster, a->action);
			}
			json_decref(v);
			v = json_string(id);
		}
		json_object_set_new(req, a->params.v[i].key, v);
	}
	*out = req;
	return 0;
}

/*
 * A JSON 1.1 action (KMS, Application Auto Scaling). CreateKey is never
 * sent when the alias already names a key (a re-run after an interrupted
 * create), and is sent once, not retried: a lost reply may hide a key made
 * anyway. "Already exists" for the alias is success only when it names the
 * key of this run.
 */
static int
run_json_action(struct ag_exec_cluster *r, struct ag_aws_client *aws,
    const struct ag_cluster_plan *cp, const struct ag_action *a, struct sgmap *sg,
    struct ag_error *err)
{
	enum ag_aws_service svc = strcmp(a->api, "kms") == 0 ? AG_AWS_KMS : AG_AWS_AAS;
	json_t *req = NULL, *resp = NULL;
	const struct ag_aws_error_info *ei;
	const char *id;
	char *existing = NULL;
	int rc, old;

	ag_log_info("cluster '%s': %s %s", cp->id, ag_action_kind_name(a->kind), a->action);
	if (a->kind == AG_ACT_KMS_CREATE_KEY) {
		rc = ag_kms_key_of_alias(aws, a->target, &existing, err);
		if (rc == 0) {
			ag_log_info("cluster '%s': key alias '%s' already names key %s, keeping it",
			    cp->id, a->target, existing);
			ag_kvlist_set(&sg->kms, cp->id, existing);
			free(existing);
			return 0;
		}
		if (rc != AG_ENOTFOUND)
			return rc;
		ag_error_clear(err);
		/* an earlier run made the key but not its alias: use that one */
		rc = ag_kms_find_cluster_key(aws, cp->id, &existing, err);
		if (rc == 0) {
			ag_log_info("cluster '%s': key %s made by an earlier run has no alias yet, "
			            "using it",
			    cp->id, existing);
			ag_kvlist_set(&sg->kms, cp->id, existing);
			free(existing);
			return 0;
		}
		if (rc == AG_EDENIED)
			ag_log_warn("cluster '%s': cannot look for a key an earlier run made (%s); "
			            "making a new one",
			    cp->id, err->msg);
		else if (rc != AG_ENOTFOUND)
			return rc;
		ag_error_clear(err);
	}
	if ((rc = json_request(&req, a, cp->id, sg, err)) < 0)
		return rc;
	old = a->kind == AG_ACT_KMS_CREATE_KEY ? ag_aws_client_set_max_attempts(aws, 1) : -1;
	rc = ag_aws_json_call(aws, svc, a->action, req, &resp, err);
	if (old >= 0)
		ag_aws_client_set_max_attempts(aws, old);
	if (rc < 0 && a->kind == AG_ACT_KMS_CREATE_ALIAS) {
		ei = ag_aws_client_last_error(aws);
		if (ei != NULL && ei->code != NULL &&
		    strcmp(ei->code, "AlreadyExistsException") == 0) {
			struct ag_error e2 = AG_ERROR_INIT;
			const char *want = json_string_value(json_object_get(req, "TargetKeyId"));

			if (ag_kms_key_of_alias(aws, a->target, &existing, &e2) == 0 &&
			    want != NULL && strcmp(existing, want) == 0) {
				ag_error_clear(err);
				rc = 0;
			} else {
				rc = ag_error_set(err, AG_ECONFLICT,
				    "KMS alias '%s' already names another key (%s)", a->target,
				    existing != NULL ? existing : "unknown");
			}
			free(existing);
		}
	}
	if (rc == 0 && a->kind == AG_ACT_KMS_CREATE_KEY) {
		id = json_string_value(
		    json_object_get(json_object_get(resp, "KeyMetadata"), "KeyId"));
		if (id == NULL || id[0] == '\0')
			rc = ag_error_set(
			    err, AG_EAWS, "kms CreateKey returned no KeyMetadata.KeyId");
		else
			ag_kvlist_set(&sg->kms, cp->id, id);
	}
	(void)r;
	json_decref(req);
	json_decref(resp);
	return rc;
}

/* The ARN of monitoring role name for this cluster: asked of IAM once per
 * run (sg->run), then taken from there. */
static int
ensure_role(struct ag_exec_cluster *r, struct ag_aws_client *aws, const char *name,
    struct sgmap *sg, struct ag_error *err)
{
	const struct role_entry *known = role_run_find(sg->run, name);

	if (known == NULL) {
		const struct ag_strlist *ids;
		struct role_entry *e;
		char *arn = NULL;
		bool created = false;
		int rc = ag_iam_ensure_monitoring_role(aws, name, &arn, &created, err);

		/* a stop or a transient failure is not kept: the next cluster asks again */
		if (rc < 0 && (rc == AG_ESTOPPED || !terminal_failure(aws, rc)))
			return rc;
		e = role_run_add(sg->run, name);
		if (rc < 0) {
			e->rc = rc;
			e->error = ag_xstrdup(err->msg);
			return rc;
		}
		ids = ag_aws_client_request_ids(aws);
		e->arn = arn;
		e->made = created;
		/* one id per action: the last IAM call's */
		e->request_id = ag_xstrdup(ids->n > 0 ? ids->v[ids->n - 1] : "");
		known = e;
	} else if (known->arn == NULL) {
		/* failed earlier in this run, and would fail the same way */
		sg->known_terminal = true;
		return ag_error_set(err, known->rc, "%s", known->error);
	}
	ag_kvlist_set(&sg->roles, name, known->arn);
	if (known->request_id[0] != '\0')
		ag_strlist_add(&r->request_ids, known->request_id);
	if (known->made)
		sg->role_made = true;
	return 0;
}

static int
run_action(struct ag_exec_cluster *r, struct ag_aws_client *aws, const struct ag_cluster_plan *cp,
    const struct ag_action *a, struct sgmap *sg, const struct ag_exec_opts *opts,
    struct ag_error *err)
{
	struct ag_kvlist params = AG_KVLIST_INIT;
	struct ag_aws_response resp = {0};
	const struct ag_aws_error_info *ei;
	const struct ag_xml_node *n;
	char *sgid = NULL;
	bool adopted = false;
	int rc, tries;

	if (json_action(a))
		return run_json_action(r, aws, cp, a, sg, err);
	rc = resolve_params(&params, a, cp->id, sg, opts, err);
	if (rc < 0)
		goto out;
	ag_log_info("cluster '%s': %s %s", cp->id, ag_action_kind_name(a->kind), a->action);
	if (a->kind == AG_ACT_ENSURE_MONITORING_ROLE) {
		rc = ensure_role(r, aws, a->target, sg, err);
		goto out;
	}
	for (tries = 0;; tries++) {
		if (a->kind == AG_ACT_CREATE_CLUSTER || a->kind == AG_ACT_CREATE_INSTANCE ||
		    a->kind == AG_ACT_RESTORE_CLUSTER) {
			rc = call_create(aws, a, &params, &resp, &adopted, err);
			if (rc == 0 && adopted)
				goto wait;
		} else {
			rc = ag_aws_call(aws, service_of(a), a->action, &params, &resp, err);
		}
		if (rc == 0 || !role_not_ready(aws, sg, a) || tries >= ROLE_WAIT_TRIES ||
		    ag_aws_client_stopping(aws))
			break;
		/* IAM is eventually consistent: RDS may not see a role made
		 * seconds ago yet */
		ag_log_info("cluster '%s': %s: the new monitoring role is not visible to RDS yet; "
		            "trying again in %d s",
		    cp->id, a->action, ROLE_WAIT_MS / 1000);
		ag_aws_response_release(&resp);
		ag_aws_client_clock(aws)->sleep_ms(ag_aws_client_clock(aws)->ctx, ROLE_WAIT_MS);
	}
	if (rc < 0) {
		ei = ag_aws_client_last_error(aws);
		if (ei && already_exists(ei->code)) {
			ag_error_clear(err);
			if ((rc = check_existing(aws, a, err)) < 0)
				goto out;
			ag_log_info("cluster '%s': %s: already exists and matches, keeping it",
			    cp->id, a->action);
			if (a->kind == AG_ACT_CREATE_SECURITY_GROUP) {
				rc = lookup_sg(aws, a, &sgid, err);
				if (rc < 0)
					goto out;
				ag_kvlist_set(&sg->ids, cp->id, sgid);
			}
			goto wait;
		}
		goto out;
	}
	if (resp.request_id)
		ag_strlist_add(&r->request_ids, resp.request_id);
	if (a->kind == AG_ACT_CREATE_SECURITY_GROUP) {
		n = ag_xml_find(resp.root, "groupId");
		if (n == NULL || n->text[0] == '\0') {
			rc = ag_error_set(err, AG_EAWS, "CreateSecurityGroup returned no groupId");
			goto out;
		}
		ag_kvlist_set(&sg->ids, cp->id, n->text);
	}
	if (a->kind == AG_ACT_MODIFY_CLUSTER)
		note_pending(r, &resp);
wait:
	if (!opts->no_wait)
		rc = wait_for(aws, a, opts, err);
out:
	free(sgid);
	ag_aws_response_release(&resp);
	ag_kvlist_wipe(&params);
	return rc;
}

static void
run_cluster(struct ag_exec_result *out, struct ag_exec_cluster *r, struct ag_aws_client *aws,
    const struct ag_cluster_plan *cp, const struct ag_exec_opts *opts, struct role_run *roles)
{
	struct sgmap sg = {AG_KVLIST_INIT, AG_KVLIST_INIT, false, AG_KVLIST_INIT, roles, false};
	struct ag_error err = AG_ERROR_INIT;
	const char *why = NULL;
	size_t i;

	if (opts->repeats && opts->repeats(opts->hook_ctx, cp, &why)) {
		r->status = AG_EXEC_SKIPPED;
		out->skipped++;
		r->error =
		    ag_xasprintf("not retried: the same plan failed against the same live "
		                 "state before (%s); change the manifest or the live state, or "
		                 "clear it in the state directory",
		        why ? why : "see failures.json");
		return;
	}
	for (i = 0; i < cp->n_actions; i++) {
		const struct ag_action *a = &cp->actions[i];
		int rc;

		if (a->blocked)
			continue;
		if (ag_aws_client_stopping(aws)) {
			r->status = AG_EXEC_STOPPED;
			if (r->n_sent)
				out->stopped++;
			else
				out->not_started++;
			goto out;
		}
		rc = run_action(r, aws, cp, a, &sg, opts, &err);
		if (rc == AG_ESTOPPED) {
			/* sent, then stopped while waiting: not a failure */
			r->n_sent++;
			out->mutating_calls++;
			r->status = AG_EXEC_STOPPED;
			r->error = ag_xstrdup(err.msg);
			out->stopped++;
			goto out;
		}
		if (rc < 0) {
			r->status = AG_EXEC_FAILED;
			r->failed_action = ag_xstrdup(ag_action_kind_name(a->kind));
			r->error = ag_xstrdup(err.msg);
			r->transient = !sg.known_terminal && !terminal_failure(aws, rc);
			out->failed++;
			if (opts->on_failure)
				opts->on_failure(
				    opts->hook_ctx, cp, r->failed_action, err.msg, !r->transient);
			goto out;
		}
		r->n_sent++;
		out->mutating_calls++;
		if (opts->no_wait && a->wait != AG_WAIT_NONE && i + 1 < cp->n_actions) {
			r->status = AG_EXEC_IN_PROGRESS;
			out->in_progress++;
			goto out;
		}
	}
	r->status = r->pending.n ? AG_EXEC_PENDING : AG_EXEC_APPLIED;
	out->applied++;
	if (opts->on_success)
		opts->on_success(opts->hook_ctx, cp);
out:
	ag_kvlist_release(&sg.ids);
	ag_kvlist_release(&sg.roles);
	ag_kvlist_release(&sg.kms);
}

int
ag_exec_plan(struct ag_exec_result *out, struct ag_aws_client *aws, const struct ag_plan *plan,
    const struct ag_exec_opts *opts, struct ag_error *err)
{
	struct role_run roles = {NULL, 0, 0};
	struct ag_exec_cluster *r;
	size_t i;

	for (i = 0; i < plan->n_clusters; i++) {
		const struct ag_cluster_plan *cp = &plan->clusters[i];

		/* only clusters with something to run get a result: a fleet's
		 * apply that changes a few holds a few */
		if (!cp->execute || cp->n_actions == 0)
			continue;
		AG_GROW(out->v, out->cap, out->n + 1);
		r = &out->v[out->n++];
		memset(r, 0, sizeof(*r));
		r->id = ag_xstrdup(cp->id);
		r->n_actions = cp->n_actions;
		if (ag_aws_client_stopping(aws)) {
			r->status = AG_EXEC_STOPPED;
			out->not_started++;
			continue;
		}
		run_cluster(out, r, aws, cp, opts, &roles);
	}
	role_run_release(&roles);
	if (out->stopped || out->not_started)
		return ag_error_set(err, AG_ESTOPPED,
		    "stopped: %zu cluster%s applied, %zu cut short, %zu not started", out->applied,
		    out->applied == 1 ? "" : "s", out->stopped, out->not_started);
	if (out->failed || out->skipped)
		return ag_error_set(err, AG_ERROR, "%zu cluster%s failed to apply, %zu held back",
		    out->failed, out->failed == 1 ? "" : "s", out->skipped);
	return 0;
}

/* Query parameters of ModifyDBCluster that can change a cluster's
 * outputs (endpoints, port, managed secret). */
static const char *const output_params[] = {"Port", "NewDBClusterIdentifier",
    "ManageMasterUserPassword", "MasterUserSecretKmsKeyId", "RotateMasterUserPassword"};

/* Whether what was sent to the cluster may have changed its outputs: a
 * create, restore, promotion or delete, or a modify of one of those
 * parameters. Tags, instances, parameter groups and the network do not. */
bool
ag_exec_outputs_may_change(const struct ag_cluster_plan *cp, const struct ag_exec_cluster *ec)
{
	size_t i, j, k, sent = 0;

	for (i = 0; i < cp->n_actions && sent < ec->n_sent; i++) {
		const struct ag_action *a = &cp->actions[i];

		if (a->blocked)
			continue;
		sent++;
		switch (a->kind) {
		case AG_ACT_CREATE_CLUSTER:
		case AG_ACT_RESTORE_CLUSTER:
		case AG_ACT_PROMOTE_REPLICA:
		case AG_ACT_DELETE_CLUSTER:
			return true;
		case AG_ACT_MODIFY_CLUSTER:
			for (j = 0; j < a->params.n; j++)
				for (k = 0; k < sizeof(output_params) / sizeof(output_params[0]);
				     k++)
					if (strcmp(a->params.v[j].key, output_params[k]) == 0)
						return true;
			break;
		default:
			break;
		}
	}
	return false;
}
