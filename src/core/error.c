#include "core/error.h"

#include <stdio.h>
#include <string.h>

#include "core/compat.h"

void
ag_error_clear(struct ag_error *err)
{
	if (err == NULL)
		return;
	err->code = 0;
	err->msg[0] = '\0';
}

int
ag_error_vset(struct ag_error *err, int code, const char *fmt, va_list ap)
{
	if (err == NULL)
		return code;
	err->code = code;
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	return code;
}

int
ag_error_set(struct ag_error *err, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ag_error_vset(err, code, fmt, ap);
	va_end(ap);
	return code;
}

void
ag_error_prefix(struct ag_error *err, const char *fmt, ...)
{
	char head[AG_ERROR_MSG_MAX], old[AG_ERROR_MSG_MAX];
	va_list ap;

	if (err == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(head, sizeof(head), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	/* Truncation is fine: the cause is kept as far as it fits. */
	{
		size_t n = strlen(head), m = strlen(old);

		if (n > sizeof(err->msg) - 1)
			n = sizeof(err->msg) - 1;
		memcpy(err->msg, head, n);
		if (n + 2 < sizeof(err->msg)) {
			memcpy(err->msg + n, ": ", 2);
			n += 2;
		}
		if (m > sizeof(err->msg) - 1 - n)
			m = sizeof(err->msg) - 1 - n;
		memcpy(err->msg + n, old, m);
		err->msg[n + m] = '\0';
	}
}

const char *
ag_error_name(int code)
{
	switch (code) {
	case AG_OK:
		return "ok";
	case AG_EINVAL:
		return "invalid input";
	case AG_ENOTFOUND:
		return "not found";
	case AG_ETOOBIG:
		return "too big";
	case AG_EIO:
		return "i/o error";
	case AG_EAWS:
		return "aws error";
	case AG_ENET:
		return "network error";
	case AG_ETIMEOUT:
		return "timed out";
	case AG_ECONFLICT:
		return "conflict";
	case AG_EDENIED:
		return "refused";
	case AG_EBLOCKED:
		return "blocked";
	case AG_ECRYPTO:
		return "crypto error";
	case AG_EGIT:
		return "git error";
	case AG_EUSAGE:
		return "usage error";
	case AG_ESTOPPED:
		return "stopped";
	default:
		return "error";
	}
}
