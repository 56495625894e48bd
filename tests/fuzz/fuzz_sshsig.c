/*
 * libFuzzer target for commit-signature checking: the allowed-signers
 * parser and the SSHSIG verifier. The first input byte picks the mode:
 *   0  the rest is an allowed-signers file (ag_allowed_signers_parse);
 *   1  the rest is ALLOWED-SIGNERS NUL MESSAGE NUL ARMORED-SIGNATURE: the
 *      signers are parsed and, when they parse, the signature is verified
 *      over the message for namespace "git" at a fixed time.
 * Properties checked: a successful verify names a principal that is one of
 * the parsed signers' principals fields, and every allocation is freed
 * (LeakSanitizer reports leaks as crashes).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "git/sshsig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define WHEN 1700000000 /* 2023-11-14, inside the seeds' validity windows */

static const char *
field(const char **p, const char *end, size_t *n)
{
	const char *s = *p, *z = memchr(s, '\0', (size_t)(end - s));

	*n = (size_t)((z ? z : end) - s);
	*p = z ? z + 1 : end;
	return s;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ag_error err = AG_ERROR_INIT, verr = AG_ERROR_INIT;
	struct ag_allowed_signers s = {0};
	const char *p, *end, *st, *msg, *sig;
	size_t sn, mn, gn, i;
	char *who = NULL;
	int ok;

	if (size < 1)
		return 0;
	p = (const char *)data + 1;
	end = (const char *)data + size;
	if (data[0] == 0) {
		if (ag_allowed_signers_parse(&s, p, (size_t)(end - p), "fuzz", &err) == 0)
			for (i = 0; i < s.n; i++)
				if (s.v[i].principals == NULL || s.v[i].line == 0)
					abort(); /* every signer names who and where */
		ag_allowed_signers_release(&s);
		return 0;
	}
	st = field(&p, end, &sn);
	msg = field(&p, end, &mn);
	sig = p; /* the rest, NULs included */
	gn = (size_t)(end - p);
	if (ag_allowed_signers_parse(&s, st, sn, "fuzz", &err) != 0) {
		ag_allowed_signers_release(&s);
		return 0;
	}
	if (ag_sshsig_verify(&who, sig, gn, msg, mn, "git", &s, WHEN, &verr) == 0) {
		ok = 0;
		if (who == NULL)
			abort(); /* success names the signer */
		for (i = 0; i < s.n; i++)
			if (s.v[i].principals && strcmp(s.v[i].principals, who) == 0 &&
			    s.v[i].git_namespace_ok && s.v[i].valid_after <= WHEN &&
			    WHEN < s.v[i].valid_before)
				ok = 1;
		if (!ok)
			abort(); /* accepted by a key not allowed for git at WHEN */
	} else if (who != NULL) {
		abort(); /* failure leaves no principal behind */
	}
	free(who);
	ag_allowed_signers_release(&s);
	return 0;
}
