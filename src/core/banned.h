#ifndef AG_CORE_BANNED_H
#define AG_CORE_BANNED_H

/*
 * Calls that are unbounded or not thread-safe. Including this header after
 * the system headers turns any use into a compile error.
 */
#define AG_BANNED(func) sorry_##func##_is_banned

#undef strcpy
#define strcpy AG_BANNED(strcpy)
#undef strcat
#define strcat AG_BANNED(strcat)
#undef sprintf
#define sprintf AG_BANNED(sprintf)
#undef vsprintf
#define vsprintf AG_BANNED(vsprintf)
#undef strtok
#define strtok AG_BANNED(strtok)
#undef gmtime
#define gmtime AG_BANNED(gmtime)
#undef localtime
#define localtime AG_BANNED(localtime)
#undef atoi
#define atoi AG_BANNED(atoi)
#undef atol
#define atol AG_BANNED(atol)
#undef strncpy
#define strncpy AG_BANNED(strncpy)
#undef strncat
#define strncat AG_BANNED(strncat)

#endif
