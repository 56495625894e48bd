#include "git/internal.h"
#include "git/sshsig.h"

#include <stdlib.h>
#include <string.h>

#include "core/compat.h"

int
ag_git_verify_commit(char **principal, struct ag_git_repo *r, const char *hex, const char *allowed,
    size_t len, const char *signers_file, struct ag_error *err)
{
	struct ag_allowed_signers signers = {NULL, 0};
	git_buf sig = GIT_BUF_INIT, data = GIT_BUF_INIT;
	long long when;
	git_oid id;
	int rc;

	*principal = NULL;
	if ((rc = ag_git_oid_parse(&id, hex, err)) < 0)
		return rc;
	if ((rc = ag_allowed_signers_parse(&signers, allowed, len, signers_file, err)) < 0)
		return rc;
	if ((rc = ag_git_commit_time(&when, r, hex, err)) < 0)
		goto out;
	rc = git_commit_extract_signature(&sig, &data, r->repo, &id, "gpgsig");
	if (rc == GIT_ENOTFOUND) {
		rc = ag_error_set(err, AG_ENOTFOUND, "commit %.7s is not signed", hex);
		goto out;
	}
	if (rc < 0) {
		rc = ag_git_fail(err, rc, "cannot read the signature of commit %.7s", hex);
		goto out;
	}
	if (strstr(sig.ptr, "-----BEGIN SSH SIGNATURE-----") == NULL) {
		rc = ag_error_set(err, AG_ECRYPTO,
		    "commit %.7s carries a signature that is not an SSH signature", hex);
		goto out;
	}
	rc = ag_sshsig_verify(
	    principal, sig.ptr, sig.size, data.ptr, data.size, "git", &signers, when, err);
	if (rc < 0)
		ag_error_prefix(err, "commit %.7s", hex);
out:
	git_buf_dispose(&sig);
	git_buf_dispose(&data);
	ag_allowed_signers_release(&signers);
	return rc;
}
