#ifndef AG_TEST_LOOPBACK_H
#define AG_TEST_LOOPBACK_H

/*
 * A scripted loopback HTTP server for unit tests: a thread in the test
 * that answers the n-th request with the n-th canned reply, in order, and
 * keeps every request it received (headers and body) so a test can check
 * what was sent. Requests past the end of the script are answered 500, so
 * an unexpected call fails the test instead of hanging it.
 *
 * Connections are served concurrently (a thread each), as a client that
 * reads several streams at once opens several. Their requests then arrive
 * in no fixed order: with match_action set, a request takes the first
 * unserved reply whose root element is <ActionResponse> for its Action or
 * is not some other action's reply (an error, a JSON body), instead of
 * simply the next one. requests[] is in arrival order.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#define AG_LB_MAX_SCRIPT 64
#define AG_LB_REQ_MAX 8192
#define AG_LB_MAX_CONNS 16

struct ag_lb_canned {
	int status;
	const char *body;
	const char *request_id; /* x-amzn-RequestId header, or NULL */
};

struct ag_lb_server {
	int fd;
	int port;
	pthread_t th;
	pthread_mutex_t mu; /* everything below */
	int conns[AG_LB_MAX_CONNS];
	pthread_t conn_th[AG_LB_MAX_CONNS];
	int n_conns;
	struct ag_lb_canned script[AG_LB_MAX_SCRIPT];
	bool used[AG_LB_MAX_SCRIPT];
	int n_script;
	bool match_action;
	int served;     /* requests answered from the script */
	int unscripted; /* requests past the end of the script */
	char (*requests)[AG_LB_REQ_MAX];
};

/* Zeroes s. */
void ag_lb_init(struct ag_lb_server *s);
/* Appends a canned reply. */
void ag_lb_script(struct ag_lb_server *s, int status, const char *body, const char *rid);
/* Listens on 127.0.0.1 (a free port, s->port) and serves in a thread. */
void ag_lb_start(struct ag_lb_server *s);
/* Stops the thread; s->requests stays readable until ag_lb_release(). */
void ag_lb_stop(struct ag_lb_server *s);
void ag_lb_release(struct ag_lb_server *s);
/* "http://127.0.0.1:<port>" into buf. */
void ag_lb_url(const struct ag_lb_server *s, char *buf, size_t n);
/* The Action= of request i into buf ("" when none). */
const char *ag_lb_action(const struct ag_lb_server *s, int i, char *buf, size_t n);
/* Number of requests received so far whose Action is action. */
int ag_lb_count(const struct ag_lb_server *s, const char *action);

#endif
