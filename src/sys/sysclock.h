#ifndef AG_SYS_SYSCLOCK_H
#define AG_SYS_SYSCLOCK_H

#include "core/clock.h"

/* The real clock and random source (libsodium's CSPRNG). Static storage:
 * the returned pointers are valid for the life of the program. */
const struct ag_clock *ag_sysclock(void);
const struct ag_rand *ag_sysrand(void);

#endif
