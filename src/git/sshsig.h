#ifndef AG_GIT_SSHSIG_H
#define AG_GIT_SSHSIG_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/*
 * SSH signatures as git writes them with gpg.format=ssh (OpenSSH
 * PROTOCOL.sshsig), verified against an allowed-signers list (git's
 * gpg.ssh.allowedSignersFile format). Only ed25519 keys are accepted;
 * verification uses libsodium. Pure functions over buffers.
 */

/* One usable line of an allowed-signers file. */
struct ag_allowed_signer {
	char *principals;      /* as written, e.g. "alice@example.com,bob@x" */
	unsigned char key[32]; /* ed25519 public key */
	int git_namespace_ok;  /* no namespaces= option, or it lists "git" */
	int64_t valid_after;   /* seconds since the epoch; INT64_MIN = none */
	int64_t valid_before;  /* INT64_MAX = none */
	unsigned line;
};

struct ag_allowed_signers {
	struct ag_allowed_signer *v;
	size_t n;
};

/*
 * Parses an allowed-signers file. Blank lines and '#' comments are
 * skipped; lines with key types other than ssh-ed25519 are skipped (they
 * can never match an accepted signature). A malformed line, or an option
 * this parser does not understand (cert-authority included), is an error
 * naming file:line: ignoring a restriction would widen who may sign.
 */
int ag_allowed_signers_parse(struct ag_allowed_signers *out, const char *text, size_t len,
    const char *file, struct ag_error *err);
void ag_allowed_signers_release(struct ag_allowed_signers *s);

/*
 * Verifies an armored SSH signature ("-----BEGIN SSH SIGNATURE-----" ...)
 * over msg for namespace ns. On success returns 0 and, when principal is not
 * NULL, a copy of the matching principals field (caller frees). The signer
 * must be in signers with a validity window that contains when (seconds
 * since the epoch). Any mismatch is AG_ECRYPTO (bad signature, wrong
 * namespace, malformed blob) or AG_EDENIED (good signature by a key that is
 * not allowed) with err saying which.
 */
int ag_sshsig_verify(char **principal, const char *armored, size_t armored_len, const void *msg,
    size_t msg_len, const char *ns, const struct ag_allowed_signers *signers, int64_t when,
    struct ag_error *err);

#endif
