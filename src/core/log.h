#ifndef AG_CORE_LOG_H
#define AG_CORE_LOG_H

/*
 * Logging interface. Core decides nothing about where logs go: the program
 * installs a sink (text to stderr, JSON lines, a test capture) with
 * ag_log_set_sink(). Messages below the threshold are dropped before they
 * are formatted. Never pass a secret to these functions.
 */
enum ag_log_level {
	AG_LOG_DEBUG = 0,
	AG_LOG_INFO = 1,
	AG_LOG_WARN = 2,
	AG_LOG_ERROR = 3,
};

typedef void (*ag_log_sink_fn)(void *ctx, enum ag_log_level level, const char *msg);

void ag_log_set_sink(ag_log_sink_fn fn, void *ctx);
void ag_log_set_level(enum ag_log_level level);
int ag_log_enabled(enum ag_log_level level);
void ag_log(enum ag_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *ag_log_level_name(enum ag_log_level level);

#define ag_log_debug(...) ag_log(AG_LOG_DEBUG, __VA_ARGS__)
#define ag_log_info(...) ag_log(AG_LOG_INFO, __VA_ARGS__)
#define ag_log_warn(...) ag_log(AG_LOG_WARN, __VA_ARGS__)
#define ag_log_error(...) ag_log(AG_LOG_ERROR, __VA_ARGS__)

#endif
