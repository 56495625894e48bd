#ifndef AG_CORE_COMPAT_H
#define AG_CORE_COMPAT_H

/*
 * Included last by every .c file of the project. It brings in the system
 * headers that declare the calls banned.h forbids, so that the bans apply
 * to everything after it and cannot be undone by a later system include.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/banned.h"

#endif
