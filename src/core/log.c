#include "core/log.h"

#include <stdarg.h>
#include <stdio.h>

#include "core/compat.h"

static ag_log_sink_fn sink_fn;
static void *sink_ctx;
static enum ag_log_level threshold = AG_LOG_INFO;

void
ag_log_set_sink(ag_log_sink_fn fn, void *ctx)
{
	sink_fn = fn;
	sink_ctx = ctx;
}

void
ag_log_set_level(enum ag_log_level level)
{
	threshold = level;
}

int
ag_log_enabled(enum ag_log_level level)
{
	return sink_fn != NULL && level >= threshold;
}

void
ag_log(enum ag_log_level level, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	if (!ag_log_enabled(level))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	sink_fn(sink_ctx, level, msg);
}

const char *
ag_log_level_name(enum ag_log_level level)
{
	switch (level) {
	case AG_LOG_DEBUG:
		return "debug";
	case AG_LOG_INFO:
		return "info";
	case AG_LOG_WARN:
		return "warn";
	case AG_LOG_ERROR:
		return "error";
	}
	return "?";
}
