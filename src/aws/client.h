#ifndef AG_AWS_CLIENT_H
#define AG_AWS_CLIENT_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aws/xml.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/kv.h"

/*
 * The AWS client: configuration, credential chain, HTTP transport with
 * standard-mode retries, SigV4 signing and Query/XML handling for RDS, EC2
 * and STS. Only ag_aws_config_from_env() reads the environment; everything
 * else takes explicit values, so tests can build configurations by hand.
 */

/* Query-protocol services (RDS, EC2, STS, IAM, CloudWatch) reply in XML; the JSON 1.1
 * services (KMS, Application Auto Scaling) take and return JSON
 * (ag_aws_json_call). */
enum ag_aws_service {
	AG_AWS_RDS = 0,
	AG_AWS_EC2 = 1,
	AG_AWS_STS = 2,
	AG_AWS_IAM = 3,        /* global: iam.amazonaws.com, signed for us-east-1 */
	AG_AWS_CLOUDWATCH = 4, /* monitoring.<region>.amazonaws.com */
	AG_AWS_KMS = 5,
	AG_AWS_AAS = 6, /* Application Auto Scaling */
	AG_AWS_N_SERVICES
};

struct ag_aws_config {
	char *region;
	char *region_source;    /* e.g. "AWS_REGION", "profile 'x' (/path/config)" */
	char *profile;          /* AWS_PROFILE, else "default" */
	char *credentials_file; /* AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials */
	char *config_file;      /* AWS_CONFIG_FILE, else ~/.aws/config */

	/* Endpoints: per service, then the shared one, else https://<svc>.<region>.amazonaws.com.
	 */
	char *endpoint[AG_AWS_N_SERVICES]; /* AWS_ENDPOINT_URL_RDS / _EC2 / _STS / _IAM /
	                                      _CLOUDWATCH / _KMS / _APPLICATION_AUTO_SCALING */
	char *endpoint_all;                /* AWS_ENDPOINT_URL */

	/* Credential sources (environment values; NULL when unset). */
	char *access_key_id; /* AWS_ACCESS_KEY_ID */
	char *secret_access_key;
	char *session_token;
	char *role_arn;                  /* AWS_ROLE_ARN */
	char *web_identity_token_file;   /* AWS_WEB_IDENTITY_TOKEN_FILE */
	char *role_session_name;         /* AWS_ROLE_SESSION_NAME */
	char *container_relative_uri;    /* AWS_CONTAINER_CREDENTIALS_RELATIVE_URI */
	char *container_full_uri;        /* AWS_CONTAINER_CREDENTIALS_FULL_URI */
	char *container_auth_token;      /* AWS_CONTAINER_AUTHORIZATION_TOKEN */
	char *container_auth_token_file; /* AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE */
	bool imds_disabled;              /* AWS_EC2_METADATA_DISABLED=true */
	char *imds_endpoint; /* AWS_EC2_METADATA_SERVICE_ENDPOINT, else http://169.254.169.254 */
	char *ca_bundle;     /* AWS_CA_BUNDLE */
	char *sso_cache_dir; /* ~/.aws/sso/cache: tokens `aws sso login` wrote */
	char *sso_endpoint;  /* AWS_ENDPOINT_URL_SSO (tests, private deployments; https or
	                        loopback), else https://portal.sso.<sso_region>.amazonaws.com */
	char *sso_oidc_endpoint; /* AWS_ENDPOINT_URL_SSO_OIDC (same rules), else
	                            https://oidc.<sso_region>.amazonaws.com */
	long process_timeout_ms; /* credential_process run time limit, default 5 min */

	/* Transport. */
	int max_attempts;   /* AWS_MAX_ATTEMPTS, default 3 */
	long retry_base_ms; /* AG_AWS_RETRY_BASE_MS, default 1000: delay = rand * min(max, base *
	                       2^i) */
	long retry_max_ms;  /* default 20000 */
	long connect_timeout_ms; /* AG_AWS_CONNECT_TIMEOUT_MS, default 5000 */
	long timeout_ms;         /* AG_AWS_TIMEOUT_MS, default 60000 */
	long imds_timeout_ms;    /* default 1000 (IMDS and container endpoints) */
	size_t max_response;     /* bytes, default 16 MiB */
	size_t max_list_bytes;   /* all pages of one Describe together, default 256 MiB
	                            (AG_AWS_MAX_LIST_BYTES) */
	long refresh_margin_ms;  /* refresh expiring credentials this early, default 5 min */
};

/* Defaults, no region, no credentials. */
void ag_aws_config_init(struct ag_aws_config *cfg);
void ag_aws_config_release(struct ag_aws_config *cfg);
/* ag_aws_config_init() + the AWS SDK environment variables + the profile's region. */
int ag_aws_config_from_env(struct ag_aws_config *cfg, struct ag_error *err);
/* The endpoint URL for a service (heap string). NULL region and no endpoint: NULL. */
char *ag_aws_config_endpoint(const struct ag_aws_config *cfg, enum ag_aws_service svc);
/* "rds", "ec2", "sts", "iam", "monitoring", "kms", "application-autoscaling": the SigV4
 * signing name. */
const char *ag_aws_service_name(enum ag_aws_service svc);

/* Resolved credentials. */
struct ag_aws_creds {
	char *access_key_id;
	char *secret_access_key;
	char *session_token;
	int64_t expires_ms; /* 0: never */
	char *source;       /* "environment", "profile 'x' (/path/credentials)", ... */
};

void ag_aws_creds_release(struct ag_aws_creds *c);
void ag_aws_creds_copy(struct ag_aws_creds *dst, const struct ag_aws_creds *src);
/* "AKIA****WXYZ" into out (never the secret). */
void ag_aws_mask_key_id(char *out, size_t outlen, const char *access_key_id);

/* The last AWS error reply seen by a client. */
struct ag_aws_error_info {
	int http_status;
	char *code; /* "Throttling", "DBClusterNotFoundFault", ... or NULL */
	char *message;
	char *request_id;
};
void ag_aws_error_info_release(struct ag_aws_error_info *e);

/*
 * Decodes an error reply: //Error/Code, Message and RequestId in the RDS
 * shape (<ErrorResponse><Error>) and the IAM/STS shape
 * (<ErrorResponse><Errors><Error>), plus EC2's <Response><Errors><Error>.
 * Returns AG_EINVAL when the body is not XML or holds no Error/Code.
 */
int ag_aws_parse_error(struct ag_aws_error_info *out, const char *body, size_t len);

/* A successful reply. */
struct ag_aws_response {
	int http_status;
	char *request_id;
	size_t body_len;                  /* bytes of the reply body */
	struct ag_xml_node *root;         /* the whole document */
	const struct ag_xml_node *result; /* <ActionResult>, else root */
};
void ag_aws_response_release(struct ag_aws_response *r);

/* Per-action request counter (every HTTP attempt counts once). */
struct ag_aws_counter {
	char *action; /* "rds:DescribeDBClusters" */
	unsigned long requests;
	unsigned long errors; /* attempts that failed (AWS error or transport) */
};

struct ag_aws_client;

/*
 * New client for cfg (copied). clock and rnd drive retries, backoff,
 * waiters and credential expiry (ag_sysclock()/ag_sysrand() in
 * production). Credentials are resolved on first use.
 */
int ag_aws_client_new(struct ag_aws_client **out, const struct ag_aws_config *cfg,
    const struct ag_clock *clock, const struct ag_rand *rnd, struct ag_error *err);
void ag_aws_client_free(struct ag_aws_client *c);
const struct ag_aws_config *ag_aws_client_config(const struct ag_aws_client *c);
const struct ag_clock *ag_aws_client_clock(const struct ag_aws_client *c);
/*
 * A stop flag (set by a signal handler; NULL: none). Once it is set, the
 * call in flight finishes but no retry is made (the backoff sleep is cut
 * short and the call fails with AG_ESTOPPED) and waiters return
 * AG_ESTOPPED after their current poll.
 */
void ag_aws_client_set_stop(struct ag_aws_client *c, const volatile sig_atomic_t *stop);
/* Sets the attempts per call (at least 1); returns the previous value. A
 * caller that must not repeat a non-idempotent call blindly sets 1 and
 * checks what happened before trying again. */
int ag_aws_client_set_max_attempts(struct ag_aws_client *c, int n);
bool ag_aws_client_stopping(const struct ag_aws_client *c);

/*
 * Resolves (or refreshes) credentials through the chain: environment,
 * profile (credentials/config files, role_arn + source_profile via STS),
 * web identity, container endpoint, EC2 IMDSv2. The result stays owned by
 * the client. On failure the message lists every source tried.
 */
int ag_aws_client_credentials(
    struct ag_aws_client *c, const struct ag_aws_creds **out, struct ag_error *err);
/* Uses these credentials instead of the chain (copied). */
void ag_aws_client_set_credentials(struct ag_aws_client *c, const struct ag_aws_creds *creds);
/* Fixed X-Amz-Date for signing ("YYYYMMDDTHHMMSSZ"), NULL = clock. For tests. */
void ag_aws_client_set_fixed_date(struct ag_aws_client *c, const char *amz_date);

/*
 * One Query API call: Action + Version + params, signed, with retries.
 * On success resp holds the parsed reply. AWS errors give AG_EAWS (or
 * AG_ENOTFOUND for *NotFound* codes, AG_EDENIED for authorization codes)
 * with a message naming the action, code, message, HTTP status and the
 * credential source; transport failures give AG_ENET.
 */
int ag_aws_call(struct ag_aws_client *c, enum ag_aws_service svc, const char *action,
    const struct ag_kvlist *params, struct ag_aws_response *resp, struct ag_error *err);
int ag_rds_call(struct ag_aws_client *c, const char *action, const struct ag_kvlist *params,
    struct ag_aws_response *resp, struct ag_error *err);
int ag_ec2_call(struct ag_aws_client *c, const char *action, const struct ag_kvlist *params,
    struct ag_aws_response *resp, struct ag_error *err);
int ag_sts_call(struct ag_aws_client *c, const char *action, const struct ag_kvlist *params,
    struct ag_aws_response *resp, struct ag_error *err);

/*
 * One JSON 1.1 call (KMS, Application Auto Scaling): POST of the JSON
 * object req (not consumed; NULL = {}) with X-Amz-Target
 * "<TrentService|AnyScaleFrontendService>.<action>", signed, with the same
 * retries, counters and error mapping as ag_aws_call(). Error replies
 * ({"__type": "...#Code", "message": ...}) give AG_ENOTFOUND for
 * *NotFound* codes, AG_EDENIED for authorization codes, else AG_EAWS.
 * On success *out is the reply object (caller json_decref()s it); a reply
 * that is not a JSON object is an error, never an empty result.
 */
struct json_t;
int ag_aws_json_call(struct ag_aws_client *c, enum ag_aws_service svc, const char *action,
    const struct json_t *req, struct json_t **out, struct ag_error *err);

/*
 * Secrets kept out of every message the client produces (error text, the
 * last error, debug logs): what is added here, every password parameter
 * (MasterUserPassword, ...) sent so far, and the credentials' secret parts.
 * Server text in messages is also escaped (control characters, line breaks).
 */
struct ag_redactor;
void ag_aws_client_add_secret(struct ag_aws_client *c, const char *secret);
const struct ag_redactor *ag_aws_client_redactor(const struct ag_aws_client *c);

/* The last AWS error reply (code NULL when the last call succeeded or failed in transport). */
const struct ag_aws_error_info *ag_aws_client_last_error(const struct ag_aws_client *c);

/*
 * x-amzn-requestid of every reply (errors included) since the last clear,
 * oldest first (the requests of a concurrent read, aws/batch.h, task after
 * task). Only the most recent AG_AWS_MAX_REQUEST_IDS are kept.
 */
#define AG_AWS_MAX_REQUEST_IDS 4096
const struct ag_strlist *ag_aws_client_request_ids(const struct ag_aws_client *c);
void ag_aws_client_clear_request_ids(struct ag_aws_client *c);

/*
 * Standard-mode backoff before retry attempt+1 (attempt from 0):
 * u * min(max_ms, base_ms * 2^attempt), u uniform in [0, 1).
 */
int64_t ag_aws_backoff_ms(int attempt, long base_ms, long max_ms, double u);

/* Counters: total HTTP requests, or for one action ("rds:DescribeDBClusters" or
 * "DescribeDBClusters"). */
unsigned long ag_aws_client_request_count(const struct ag_aws_client *c, const char *action);
const struct ag_aws_counter *ag_aws_client_counters(const struct ag_aws_client *c, size_t *n);
void ag_aws_client_reset_counters(struct ag_aws_client *c);

/*
 * Raw HTTP on the client's handle (used for the container and IMDS
 * credential endpoints). headers: name -> value. timeout_ms 0 = config.
 * Not signed, not retried; status 0 means a transport failure (err set).
 */
int ag_aws_http(struct ag_aws_client *c, const char *method, const char *url,
    const struct ag_kvlist *headers, const char *body, size_t body_len, long timeout_ms,
    int *status, struct ag_buf *resp_body, struct ag_error *err);

#endif
