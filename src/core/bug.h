#ifndef AG_CORE_BUG_H
#define AG_CORE_BUG_H

/*
 * Programmer errors. AG_BUG() reports file:line and aborts: it is for
 * misuse of an API (a NULL where the contract forbids it), never for bad
 * input, which gets an ag_error.
 */
#define AG_BUG(msg) ag_bug_at(__FILE__, __LINE__, (msg))
#define AG_ASSERT(cond)                                                                            \
	do {                                                                                       \
		if (!(cond))                                                                       \
			ag_bug_at(__FILE__, __LINE__, "assertion failed: " #cond);                 \
	} while (0)

void ag_bug_at(const char *file, int line, const char *msg) __attribute__((noreturn));

#endif
