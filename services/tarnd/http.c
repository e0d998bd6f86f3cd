/* XML-RPC over HTTPS; see http.h. xmlrpc-c parses, dispatches and
 * serialises; libmicrohttpd does HTTP and TLS. */
#include "http.h"

#include <arpa/inet.h>
#include <gnutls/crypto.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <syslog.h>
#include <time.h>
#include <xmlrpc-c/base.h>

#include "auth.h"
#include "cmd.h"
#include "registry.h"

/* Which daemon a request came through: TLS over the network, or the local
 * socket where SO_PEERCRED tells who is calling. */
struct listener {
	struct tarn_http *h;
	int local;
};

struct tarn_http {
	struct tarn_http_config cfg;
	struct MHD_Daemon *daemon, *local;
	struct listener tls_listener, local_listener;
	pthread_mutex_t lock; /* guards throttle and the verified-credential cache */
	struct tarn_throttle throttle;
	/* yescrypt costs tens of milliseconds by design; a client that sends
	 * the same correct password on every call is checked against a digest
	 * of the last verified one instead, while the stored hash is unchanged. */
	char verified_hash[256];
	unsigned char verified_digest[32];
};

struct request {
	char *body;
	size_t len;
	int too_big;
	struct tarn_caller who;
};

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + t.tv_nsec / 1e9;
}

static void client_name(struct MHD_Connection *c, char *buf, size_t len)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;
	snprintf(buf, len, "?");
	if (sa && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, buf, (socklen_t)len);
	else if (sa && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, buf, (socklen_t)len);
}

/* The local caller's uid, or -1 when it cannot be told. */
static long peer_uid(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	struct ucred cred;
	socklen_t len = sizeof cred;
	if (!ci || getsockopt(ci->connect_fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 || len != sizeof cred)
		return -1;
	return (long)cred.uid;
}

/* 1: authenticated; 0: refused. The pool (another member) gives the pool
 * password, which the pool store checks: -1, with why, when it cannot. */
static int check_password(struct tarn_http *h, const char *user, const char *pass, struct tarn_caller *who,
			  tarn_err why)
{
	char hash[256];
	unsigned char digest[32];
	if (user && pass && strcmp(user, TARN_POOL_USER) == 0 && h->cfg.pool_login) {
		int ok = h->cfg.pool_login(h->cfg.pool_ctx, pass, why);
		who->pool = ok > 0;
		return ok;
	}
	if (!user || !pass || strcmp(user, TARN_API_USER) != 0)
		return 0;
	if (tarn_store_get(h->cfg.store, "agent_password", hash, sizeof hash) != 0)
		return 0; /* no password set yet: nobody gets in over the network */
	if (gnutls_hash_fast(GNUTLS_DIG_SHA256, pass, strlen(pass), digest) != 0)
		return 0;
	pthread_mutex_lock(&h->lock);
	int cached = strcmp(hash, h->verified_hash) == 0 &&
		     tarn_ct_equal(digest, h->verified_digest, sizeof digest);
	pthread_mutex_unlock(&h->lock);
	if (cached)
		return 1;
	if (!tarn_auth_verify(pass, hash))
		return 0;
	pthread_mutex_lock(&h->lock);
	snprintf(h->verified_hash, sizeof h->verified_hash, "%s", hash);
	memcpy(h->verified_digest, digest, sizeof digest);
	pthread_mutex_unlock(&h->lock);
	return 1;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *type,
			     const char *data, size_t len)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)data, MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", type);
	enum MHD_Result ok = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ok;
}

static enum MHD_Result reply_fault(struct MHD_Connection *c, int code, const char *msg)
{
	xmlrpc_env env, fault;
	xmlrpc_env_init(&env);
	xmlrpc_env_init(&fault);
	xmlrpc_env_set_fault(&fault, code, msg);
	xmlrpc_mem_block *out = xmlrpc_mem_block_new(&env, 0);
	enum MHD_Result ok = MHD_NO;
	if (!env.fault_occurred) {
		xmlrpc_serialize_fault(&env, out, &fault);
		if (!env.fault_occurred)
			ok = reply(c, MHD_HTTP_OK, "text/xml", xmlrpc_mem_block_contents(out),
				   xmlrpc_mem_block_size(out));
		xmlrpc_mem_block_free(out);
	}
	xmlrpc_env_clean(&fault);
	xmlrpc_env_clean(&env);
	return ok;
}

static enum MHD_Result refuse_auth(struct MHD_Connection *c, const char *msg)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(msg), (void *)msg, MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	enum MHD_Result ok = MHD_queue_basic_auth_fail_response(c, "Tarn", r);
	MHD_destroy_response(r);
	return ok;
}

/* Throttling and the password: 1 when the caller is in; 0 when refused,
 * with the refusal queued and its result in *answer. */
static int login(struct tarn_http *h, struct MHD_Connection *c, const char *client, struct tarn_caller *who,
		 enum MHD_Result *answer)
{
	double retry = 0, t = now_s();
	pthread_mutex_lock(&h->lock);
	int allowed = tarn_throttle_allowed(&h->throttle, client, t, &retry);
	pthread_mutex_unlock(&h->lock);
	if (!allowed) {
		char msg[96];
		snprintf(msg, sizeof msg, "too many failed logins: retry in %.0f s\n", retry + 0.5);
		*answer = reply(c, MHD_HTTP_TOO_MANY_REQUESTS, "text/plain", msg, strlen(msg));
		return 0;
	}
	char *pass = NULL;
	char *user = MHD_basic_auth_get_username_password(c, &pass);
	tarn_err why = "";
	int ok = check_password(h, user, pass, who, why), tried = user != NULL;
	if (pass)
		memset(pass, 0, strlen(pass));
	MHD_free(user);
	MHD_free(pass);
	if (ok < 0) { /* not a wrong password: the pool could not say */
		*answer = reply_fault(c, TARN_FAULT_UNAVAILABLE, why);
		return 0;
	}
	pthread_mutex_lock(&h->lock);
	if (ok)
		tarn_throttle_succeeded(&h->throttle, client);
	else if (tried)
		tarn_throttle_failed(&h->throttle, client, t);
	pthread_mutex_unlock(&h->lock);
	if (!ok) {
		if (tried)
			syslog(LOG_WARNING, "failed API login from %s", client);
		*answer = refuse_auth(c, "authentication required\n");
	}
	return ok;
}

static enum MHD_Result first_call(const struct listener *l, struct MHD_Connection *c, const char *url,
				  const char *method, void **con_cls)
{
	static const char not_found[] = "XML-RPC is served at /RPC2 with POST\n";
	if (strcmp(url, "/RPC2") != 0 && strcmp(url, "/") != 0)
		return reply(c, MHD_HTTP_NOT_FOUND, "text/plain", not_found, sizeof not_found - 1);
	if (strcmp(method, "POST") != 0)
		return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain", not_found, sizeof not_found - 1);

	char client[INET6_ADDRSTRLEN];
	long uid = l->local ? peer_uid(c) : -1;
	if (l->local)
		snprintf(client, sizeof client, "local uid %ld", uid);
	else
		client_name(c, client, sizeof client);
	enum MHD_Result answer = MHD_NO;
	struct tarn_caller who = {0};
	/* root on this host (the console) is trusted on the local socket */
	if (!(l->local && uid == 0) && !login(l->h, c, client, &who, &answer))
		return answer;
	struct request *rq = calloc(1, sizeof *rq);
	if (!rq)
		return MHD_NO;
	rq->who = who;
	*con_cls = rq;
	return MHD_YES;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
			      const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
	(void)version;
	const struct listener *l = cls;
	struct tarn_http *h = l->h;
	struct request *rq = *con_cls;
	if (!rq)
		return first_call(l, c, url, method, con_cls);
	if (*upload_size) {
		if (!rq->too_big && rq->len + *upload_size > h->cfg.max_request) {
			rq->too_big = 1;
			free(rq->body);
			rq->body = NULL;
		}
		if (!rq->too_big) {
			char *b = realloc(rq->body, rq->len + *upload_size);
			if (!b)
				return MHD_NO;
			memcpy(b + rq->len, upload, *upload_size);
			rq->body = b;
			rq->len += *upload_size;
		}
		*upload_size = 0;
		return MHD_YES;
	}
	if (rq->too_big) {
		char msg[80];
		snprintf(msg, sizeof msg, "request larger than %zu bytes", h->cfg.max_request);
		return reply_fault(c, TARN_FAULT_TOO_BIG, msg);
	}
	if (rq->len == 0)
		return reply_fault(c, TARN_FAULT_PARSE, "empty request: expected an XML-RPC methodCall");
	xmlrpc_env env;
	xmlrpc_env_init(&env);
	xmlrpc_mem_block *out = NULL;
	tarn_registry_process_as(&env, h->cfg.registry, rq->body, rq->len, &rq->who, &out);
	enum MHD_Result r;
	if (env.fault_occurred)
		r = reply_fault(c, env.fault_code ? env.fault_code : TARN_FAULT_INTERNAL, env.fault_string);
	else
		r = reply(c, MHD_HTTP_OK, "text/xml", xmlrpc_mem_block_contents(out), xmlrpc_mem_block_size(out));
	if (out)
		xmlrpc_mem_block_free(out);
	xmlrpc_env_clean(&env);
	return r;
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode t)
{
	(void)cls, (void)c, (void)t;
	struct request *rq = *con_cls;
	if (rq) {
		free(rq->body);
		free(rq);
	}
	*con_cls = NULL;
}

struct tarn_http *tarn_http_start(const struct tarn_http_config *cfg, tarn_err err)
{
	struct tarn_http *h = calloc(1, sizeof *h);
	if (!h)
		return snprintf(err, TARN_ERRLEN, "out of memory"), NULL;
	h->cfg = *cfg;
	pthread_mutex_init(&h->lock, NULL);

	struct sockaddr_in6 a6 = {.sin6_family = AF_INET6, .sin6_port = htons(cfg->port), .sin6_addr = in6addr_any};
	struct sockaddr_in a4 = {.sin_family = AF_INET, .sin_port = htons(cfg->port)};
	const struct sockaddr *sa = (const struct sockaddr *)&a6;
	unsigned flags = MHD_USE_TLS | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_DUAL_STACK;
	if (cfg->address && inet_pton(AF_INET, cfg->address, &a4.sin_addr) == 1) {
		sa = (const struct sockaddr *)&a4;
		flags &= ~(unsigned)MHD_USE_DUAL_STACK;
	} else if (cfg->address && inet_pton(AF_INET6, cfg->address, &a6.sin6_addr) != 1) {
		snprintf(err, TARN_ERRLEN, "%s is not an address to listen on", cfg->address);
		free(h);
		return NULL;
	}
	h->tls_listener = (struct listener){h, 0};
	h->local_listener = (struct listener){h, 1};
	h->daemon = MHD_start_daemon(flags, cfg->port, NULL, NULL, handle, &h->tls_listener,
				     MHD_OPTION_SOCK_ADDR, sa,
				     MHD_OPTION_HTTPS_MEM_KEY, cfg->key_pem,
				     MHD_OPTION_HTTPS_MEM_CERT, cfg->cert_pem,
				     MHD_OPTION_THREAD_POOL_SIZE, cfg->threads ? cfg->threads : 4u,
				     MHD_OPTION_CONNECTION_LIMIT, 256u,
				     MHD_OPTION_PER_IP_CONNECTION_LIMIT, 64u,
				     MHD_OPTION_CONNECTION_TIMEOUT, 30u,
				     MHD_OPTION_NOTIFY_COMPLETED, completed, h,
				     MHD_OPTION_END);
	if (!h->daemon) {
		snprintf(err, TARN_ERRLEN, "cannot serve HTTPS on port %u (in use, or bad TLS key?)", cfg->port);
		pthread_mutex_destroy(&h->lock);
		free(h);
		return NULL;
	}
	if (cfg->local_fd >= 0) {
		/* plain HTTP: the socket's permissions and SO_PEERCRED guard it */
		h->local = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL, 0, NULL, NULL, handle,
					    &h->local_listener,
					    MHD_OPTION_LISTEN_SOCKET, cfg->local_fd,
					    MHD_OPTION_THREAD_POOL_SIZE, 2u,
					    MHD_OPTION_CONNECTION_LIMIT, 64u,
					    MHD_OPTION_CONNECTION_TIMEOUT, 30u,
					    MHD_OPTION_NOTIFY_COMPLETED, completed, h,
					    MHD_OPTION_END);
		if (!h->local) {
			snprintf(err, TARN_ERRLEN, "cannot serve the API on the local socket");
			tarn_http_stop(h);
			return NULL;
		}
	}
	return h;
}

void tarn_http_stop(struct tarn_http *h)
{
	if (!h)
		return;
	if (h->local)
		MHD_stop_daemon(h->local);
	MHD_stop_daemon(h->daemon);
	pthread_mutex_destroy(&h->lock);
	free(h);
}
