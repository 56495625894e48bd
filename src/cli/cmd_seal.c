/* aurora-gitops seal: seal a secret read from standard input. */
#include "cli/cli.h"
#include "cli/opts.h"
#include "secrets/secrets.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <sodium.h>

#include "core/compat.h"

static const char seal_help[] =
    "usage: aurora-gitops seal --key keys/NAME.pub --cluster ID [--field spec.password]\n"
    "\n"
    "Reads the secret from standard input (one trailing newline is dropped; at most\n"
    "4096 bytes) and prints AGSEALED:v1:<key_id>:<data>, bound to the cluster and\n"
    "field: paste it as the field's value. Needs only the public key. The secret is\n"
    "never taken from the command line. --field defaults to spec.password, the only\n"
    "secret field.\n";

/* Reads the secret into secure memory. From a terminal: one line, echo off. */
static int
read_secret(
    char **out, size_t *outlen, const char *cluster, const char *field, struct ag_error *err)
{
	const size_t cap = AG_SECRET_MAX + 3; /* room to notice "too long" */
	struct termios old, quiet;
	int tty = isatty(STDIN_FILENO), restore = 0, rc = 0;
	char *buf;
	size_t len = 0;
	ssize_t r;

	buf = sodium_malloc(cap);
	if (buf == NULL) {
		fprintf(stderr, "aurora-gitops: fatal: out of secure memory\n");
		abort();
	}
	if (tty) {
		fprintf(
		    stderr, "secret for cluster '%s' field '%s' (input hidden): ", cluster, field);
		fflush(stderr);
		if (tcgetattr(STDIN_FILENO, &old) == 0) {
			quiet = old;
			quiet.c_lflag &= ~(tcflag_t)ECHO;
			quiet.c_lflag |= ECHONL;
			restore = tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
		}
	}
	while (len < cap) {
		r = read(STDIN_FILENO, buf + len, tty ? 1 : cap - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = ag_error_set(
			    err, AG_EIO, "cannot read standard input: %s", strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		len += (size_t)r;
		if (tty && buf[len - 1] == '\n')
			break;
	}
	if (len > 0 && buf[len - 1] == '\n') {
		len--;
		if (len > 0 && buf[len - 1] == '\r')
			len--;
	}
	if (len > AG_SECRET_MAX) {
		rc = ag_error_set(err, AG_ETOOBIG,
		    "the secret on standard input is longer than %d bytes; nothing sealed",
		    AG_SECRET_MAX);
		goto out;
	}
	if (len == 0) {
		rc = ag_error_set(
		    err, AG_EINVAL, "the secret on standard input is empty; nothing sealed");
		goto out;
	}
	*out = buf;
	*outlen = len;
	buf = NULL;
out:
	if (restore)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
	sodium_free(buf);
	return rc;
}

int
cmd_seal(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"key", required_argument, NULL, 'k'},
	    {"cluster", required_argument, NULL, 'c'},
	    {"field", required_argument, NULL, 'f'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct ag_error err = AG_ERROR_INIT;
	char cluster[AG_CLUSTER_ID_MAX + 1];
	const char *keypath = NULL, *cluster_arg = NULL, *field = "spec.password";
	struct ag_pubkey pub;
	char *secret = NULL, *sealed = NULL;
	size_t len = 0;
	int c, rc;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":k:c:f:h", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
			keypath = optarg;
			break;
		case 'c':
			cluster_arg = optarg;
			break;
		case 'f':
			field = optarg;
			break;
		case 'h':
			fputs(seal_help, stdout);
			return AG_EXIT_OK;
		default:
			/* names the option only, never what follows '=' (a secret?) */
			return ag_cli_opt_error("seal", c, argv, opts);
		}
	}
	if (optind < argc)
		return ag_cli_usage("seal",
		    "unexpected argument (not shown): the secret is read from standard input, "
		    "never from the command line");
	if (keypath == NULL)
		return ag_cli_usage("seal", "--key keys/NAME.pub is required");
	if (cluster_arg == NULL)
		return ag_cli_usage("seal", "--cluster ID is required");
	if (ag_cluster_id_normalize(cluster, cluster_arg, &err) < 0 ||
	    ag_sealed_field_check(field, &err) < 0)
		return ag_cli_usage("seal", "%s", err.msg);
	if (ag_pubkey_load(&pub, keypath, &err) < 0)
		return ag_cli_fail(&err);
	if (read_secret(&secret, &len, cluster, field, &err) < 0)
		return ag_cli_fail(&err);
	rc = ag_sealed_seal(&sealed, pub.pk, pub.key_id, cluster, field, secret, len, &err);
	sodium_free(secret);
	if (rc < 0)
		return ag_cli_fail(&err);
	printf("%s\n", sealed);
	free(sealed);
	return AG_EXIT_OK;
}
