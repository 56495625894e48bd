/* aurora-gitops keygen: create a key pair for sealed secrets. */
#include "cli/cli.h"
#include "cli/opts.h"
#include "secrets/secrets.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/compat.h"

static const char keygen_help[] =
    "usage: aurora-gitops keygen --out keys/NAME\n"
    "\n"
    "Creates an X25519 key pair for sealed secrets. NAME is the key id\n"
    "([a-z0-9][a-z0-9._-]{0,62}); a trailing .pub or .key is ignored.\n"
    "  keys/NAME.pub  the public key: commit it; 'seal' needs only this file\n"
    "  keys/NAME.key  the secret key, mode 0600: never commit it; give it to the\n"
    "                 agent (--key-file/--key-dir) and keep an offline backup\n"
    "Existing files are never overwritten.\n";

int
cmd_keygen(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"out", required_argument, NULL, 'o'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct ag_error err = AG_ERROR_INIT;
	struct ag_pubkey pub;
	char *pubp = NULL, *keyp = NULL;
	const char *out = NULL;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 'h':
			fputs(keygen_help, stdout);
			return AG_EXIT_OK;
		default:
			return ag_cli_opt_error("keygen", c, argv, opts);
		}
	}
	if (optind < argc)
		return ag_cli_usage("keygen", "unexpected argument '%s'", argv[optind]);
	if (out == NULL)
		return ag_cli_usage("keygen", "--out keys/NAME is required");
	if (ag_keygen(&pub, &pubp, &keyp, out, time(NULL), &err) < 0) {
		ag_error_prefix(&err, "keygen");
		return ag_cli_fail(&err);
	}
	printf("created key '%s'\n"
	       "  public key: %s (commit this file; seal with: aurora-gitops seal --key %s "
	       "--cluster ID --field spec.password)\n"
	       "  secret key: %s (mode 0600)\n"
	       "do NOT commit %s: give it to the agent (--key-file or --key-dir) and keep an "
	       "offline backup; without it sealed values cannot be opened\n",
	    pub.key_id, pubp, pubp, keyp, keyp);
	free(pubp);
	free(keyp);
	return AG_EXIT_OK;
}
