/* The agent's API client, used by tarnctl and the console: XML-RPC over
 * HTTPS (xmlrpc-c's curl transport) with basic auth, or over the agent's
 * local Unix socket (plain HTTP through libcurl, which xmlrpc-c's
 * transport cannot dial), where root needs no password. */
#ifndef TARN_CLIENT_H
#define TARN_CLIENT_H
#include <xmlrpc-c/base.h>

#include "validate.h"

struct tarn_client_opts {
	const char *host;      /* default 127.0.0.1 */
	int port;              /* default 8899 */
	const char *user;      /* default "admin" */
	const char *password;
	const char *cafile;    /* the agent's certificate, or a CA; NULL: system CAs */
	int insecure;          /* skip certificate checks (a host not yet trusted) */
	unsigned timeout_s;    /* default 30 */
	const char *socket;    /* the agent's local socket: used instead of host and port */
};

/* Where the agent serves local callers. */
#define TARN_CLIENT_SOCKET "/run/tarn/api.sock"

enum tarn_call_result {
	TARN_CALL_OK = 0,
	TARN_CALL_FAULT = 1,     /* the agent answered with a fault */
	TARN_CALL_UNREACHABLE = 3, /* no connection, TLS failure or refused login */
};

/* pool.join's fault when no fingerprint was given: nothing was done, and
 * the message names the certificate the master presents (SHA256:..,
 * fingerprint.h), for the admin to check and join again with. */
enum { TARN_FAULT_UNCONFIRMED = -32501 };

typedef struct tarn_client tarn_client;
tarn_client *tarn_client_open(const struct tarn_client_opts *o, tarn_err err);
void tarn_client_close(tarn_client *c);
/* params is an XML-RPC array (may be NULL for none). On TARN_CALL_OK,
 * *result is the caller's to xmlrpc_DECREF; on a fault, *fault_code is set
 * and err holds the agent's message. */
enum tarn_call_result tarn_client_call(tarn_client *c, const char *method, xmlrpc_value *params,
				       xmlrpc_value **result, int *fault_code, tarn_err err);

#endif
