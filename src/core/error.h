#ifndef AG_CORE_ERROR_H
#define AG_CORE_ERROR_H

#include <stdarg.h>
#include <stddef.h>

/*
 * Error codes. Functions return 0 on success or one of these (negative).
 * A few are "expected" and callers branch on them (AG_ENOTFOUND,
 * AG_ECONFLICT, AG_ETIMEOUT, AG_EBLOCKED); the rest mean "it failed, the
 * text says why".
 */
enum ag_errcode {
	AG_OK = 0,
	AG_ERROR = -1,     /* generic failure */
	AG_EINVAL = -2,    /* bad input: manifest, flag, file content */
	AG_ENOTFOUND = -3, /* the thing asked for does not exist */
	AG_ETOOBIG = -4,   /* a bound was exceeded */
	AG_EIO = -5,       /* operating-system I/O failure */
	AG_EAWS = -6,      /* AWS answered with an error */
	AG_ENET = -7,      /* transport failure (connect, TLS, timeout) */
	AG_ETIMEOUT = -8,  /* a waiter or deadline ran out */
	AG_ECONFLICT = -9, /* someone else changed it first (CAS, lock) */
	AG_EDENIED = -10,  /* refused: permissions, policy, safety rule */
	AG_EBLOCKED = -11, /* a change needs replacement; never executed */
	AG_ECRYPTO = -12,  /* decryption or authentication failed */
	AG_EGIT = -13,     /* libgit2 failure */
	AG_EUSAGE = -14,   /* command-line misuse */
	AG_ESTOPPED = -15, /* stopped on request (SIGINT/SIGTERM) before it finished */
};

#define AG_ERROR_MSG_MAX 1024

/*
 * A caller-owned error. The first failure fills it; callers up the stack may
 * add context in front with ag_error_prefix() but never overwrite it.
 */
struct ag_error {
	int code;
	char msg[AG_ERROR_MSG_MAX];
};

#define AG_ERROR_INIT                                                                              \
	{                                                                                          \
		0,                                                                                 \
		{                                                                                  \
			0                                                                          \
		}                                                                                  \
	}

/* Clears err. */
void ag_error_clear(struct ag_error *err);

/* Sets err to code and the formatted text; returns code so callers can
 * write `return ag_error_set(err, AG_EINVAL, "...")`. err may be NULL. */
int ag_error_set(struct ag_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int ag_error_vset(struct ag_error *err, int code, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

/* Puts "<formatted>: " in front of the existing message. */
void ag_error_prefix(struct ag_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Short name of a code, e.g. "invalid input". */
const char *ag_error_name(int code);

#endif
