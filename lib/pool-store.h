/* The pool store: state shared by every member of a server pool (the pool,
 * its members and their roles, guest definitions with desired power state
 * and placement), in dqlite, replicated by Raft. A standalone host is a
 * one-member pool: one code path.
 *
 * Writes are validated first and made in one transaction. Calls are
 * serialised on one connection to the leader, which is re-found after a
 * failure (a new leader, a restarted node). Results:
 *   0                 done
 *   TARN_POOL_REFUSED the request was refused (err says why: invalid,
 *                     missing, a duplicate); nothing changed
 *   TARN_POOL_DOWN    the pool could not be reached or failed (err says
 *                     how); try again */
#ifndef TARN_POOL_STORE_H
#define TARN_POOL_STORE_H
#include <stdint.h>

#include "validate.h"

enum { TARN_POOL_REFUSED = -1, TARN_POOL_DOWN = -2 };

typedef struct tarn_pool tarn_pool;

/* This member's node: its dqlite address and Raft id. Nothing is
 * connected until the first call. */
tarn_pool *tarn_pool_open(const char *address, uint64_t node_id);
void tarn_pool_close(tarn_pool *p);
/* The node's new Raft id (after a join or a leave): the connection is
 * made again. */
void tarn_pool_set_node(tarn_pool *p, uint64_t node_id);
/* This member's agent ("host:port"), recorded with its heartbeat. */
void tarn_pool_set_agent(tarn_pool *p, const char *agent);
/* This host's memory free for guests (MiB; -1 unknown), recorded with its
 * heartbeat: where an evacuated guest may go. */
void tarn_pool_set_free_mib(tarn_pool *p, int64_t mib);
/* Drops the connection: the next call finds the leader again (after a
 * leadership transfer). */
void tarn_pool_reconnect(tarn_pool *p);
const char *tarn_pool_address(const tarn_pool *p);
int tarn_pool_schema_version(tarn_pool *p, tarn_err err);

struct tarn_pool_info {
	char name[65];
	char uuid[37];
	int64_t created;   /* unix time */
	char leader[256];  /* the leader's dqlite address: the pool master */
	int is_master;     /* this member leads */
	char vip[48];      /* the pool's virtual IP, "ADDRESS/PREFIX"; "" for none */
};
/* Creates the pool with this member in every role; refused if one exists.
 * password (NULL or "" for none yet) is what a host must give to join. */
int tarn_pool_create(tarn_pool *p, const char *name, const char *password, tarn_err err);
int tarn_pool_set_password(tarn_pool *p, const char *password, tarn_err err);
/* The virtual IP ("IPv4/PREFIX", or "" for none) the master holds on its
 * management interface and gives up when it stops leading. */
int tarn_pool_set_vip(tarn_pool *p, const char *vip, tarn_err err);
/* 0 when password is the pool's; TARN_POOL_REFUSED when wrong, or when the
 * pool has none (err says which). */
/* Sets this member's roles: a comma-separated subset of utility and
 * vm-server (the master is whoever leads, never chosen). */
int tarn_pool_set_roles(tarn_pool *p, const char *roles, tarn_err err);
int tarn_pool_check_password(tarn_pool *p, const char *password, tarn_err err);
/* TARN_POOL_REFUSED when no pool has been created yet. */
int tarn_pool_info(tarn_pool *p, struct tarn_pool_info *info, tarn_err err);

struct tarn_member {
	const char *id;      /* the node's Raft id, in decimal */
	const char *address; /* its pool (dqlite) address */
	const char *roles;   /* a comma-separated subset of master, utility, vm-server;
			      * master is never stored: it is whoever leads */
	const char *agent;   /* its agent, "host:port" */
	int64_t seen;        /* its last heartbeat, unix time */
	int master;          /* it leads */
	int maintenance;     /* no new guests; its running ones are moved away */
	int64_t free_mib;    /* memory free for guests with its last heartbeat, -1 unknown */
	const char *evacuation; /* how moving its guests away goes: "" (not asked), "done",
				 * "moving N guest(s)", or what cannot move and why */
};
/* Whether a comma-separated role list holds role. */
int tarn_pool_has_role(const char *roles, const char *role);
typedef int (*tarn_member_fn)(void *ctx, const struct tarn_member *m);
int tarn_pool_each_member(tarn_pool *p, tarn_member_fn fn, void *ctx, tarn_err err);
/* Records this member's heartbeat (and its agent's address). */
int tarn_pool_heartbeat(tarn_pool *p, tarn_err err);
/* Adds or replaces a member's row (m->roles stored as given), or deletes it.
 * A second member's arrival first places the unplaced guests on the one
 * member there was (which ran them). */
int tarn_pool_member_put(tarn_pool *p, const struct tarn_member *m, tarn_err err);
int tarn_pool_member_delete(tarn_pool *p, const char *id, tarn_err err);

/* Runs fn with the store's live connection to the leader, under its lock
 * (pool-cluster.c): fn returns 0 or a TARN_POOL_* result. When fn fails
 * because its peer no longer leads, fn runs once more on a connection to
 * the new leader: fn must be safe to run again after a failed statement
 * (conditional writes, or a transaction of its own). */
struct tarn_dqlite;
typedef int (*tarn_leader_fn)(void *ctx, struct tarn_dqlite *c, tarn_err err);
int tarn_pool_with_leader(tarn_pool *p, tarn_leader_fn fn, void *ctx, tarn_err err);
/* One statement on fn's connection, tried again for about a second while
 * another member's transaction holds the database (SQLITE_BUSY): 0, or
 * TARN_POOL_REFUSED for a constraint (err holds the server's words), else
 * TARN_POOL_DOWN. */
struct tarn_dq_value;
int tarn_pool_exec(struct tarn_dqlite *c, const char *sql, const struct tarn_dq_value *v, unsigned n, int64_t *changes,
		   tarn_err err);
/* The same, with the row id of an INSERT's last row. */
int tarn_pool_exec_id(struct tarn_dqlite *c, const char *sql, const struct tarn_dq_value *v, unsigned n,
		      int64_t *last_id, int64_t *changes, tarn_err err);

struct tarn_guest {
	const char *uuid;
	const char *name;
	const char *xlcfg;    /* the guest's xl.cfg, as given */
	const char *desired;  /* running, stopped, paused or suspended (saved to a file) */
	const char *host;     /* placement: a member's id, or "" (unplaced: run only in a pool of one) */
	int ha;               /* restarted elsewhere if its host dies */
	/* Written by the API (desired state): */
	int64_t gen;          /* bumped by every change of what is wanted */
	const char *drift;    /* restore or leave: what a change made outside Tarn gets */
	const char *request;  /* "", reboot or destroy: done once, then cleared */
	int stop_timeout;     /* seconds a clean shutdown gets before a destroy */
	const char *pins;     /* live vCPU pins, "VCPU:CPULIST ..." (cpulist.h) */
	/* Written by the engine of the guest's host (actual state): */
	const char *actual;   /* unknown until reported; running, paused, stopped,
			       * stopping, starting, shutdown, crashed, dying */
	const char *error;    /* why actual could not be made desired, or "" */
	int64_t error_gen;    /* the gen the error is about */
	const char *affinity; /* each vCPU's hard affinity as Xen has it: "0:1 1:all" */
	int domid;            /* -1 when it has no domain */
};
/* Records a new guest (its xl.cfg already parsed and checked by the caller).
 * With no host given it is placed on this member when it is a VM server
 * (else on the first VM server that is up, else left unplaced). A guest
 * given a desired state running or paused while unplaced is placed the
 * same way first, refused when the pool has members but none can run it. */
int tarn_pool_guest_define(tarn_pool *p, const struct tarn_guest *g, tarn_err err);
/* Calls fn for each guest in name order, or only for the one named (name
 * not NULL: TARN_POOL_REFUSED if there is none), until fn returns non-zero
 * (which is returned). fn's strings live until it returns; it must not
 * call the pool store. */
typedef int (*tarn_guest_fn)(void *ctx, const struct tarn_guest *g);
int tarn_pool_guests(tarn_pool *p, const char *name, tarn_guest_fn fn, void *ctx, tarn_err err);
/* A new desired power state; clears a pending request. A stop gives a
 * clean shutdown TARN_STOP_TIMEOUT seconds (tarn_pool_guest_stop: timeout
 * seconds, 0 destroys at once) before the domain is destroyed. */
#define TARN_STOP_TIMEOUT 60
int tarn_pool_guest_set_state(tarn_pool *p, const char *name, const char *desired, tarn_err err);
int tarn_pool_guest_stop(tarn_pool *p, const char *name, int timeout, tarn_err err);
/* A one-shot request: "reboot" (refused for a guest meant to be stopped)
 * or "destroy" (at once; the guest is then meant to be stopped). */
int tarn_pool_guest_request(tarn_pool *p, const char *name, const char *request, tarn_err err);
/* What a change made outside Tarn (xl by hand) gets: "restore" puts the
 * desired state back, "leave" makes what was done the desired state. */
int tarn_pool_guest_set_drift(tarn_pool *p, const char *name, const char *policy, tarn_err err);
/* Pins vCPU vcpu to cpulist ("all" unpins); refused beyond the guest's vCPUs. */
int tarn_pool_guest_pin(tarn_pool *p, const char *name, int vcpu, const char *cpulist, tarn_err err);
/* Whether the guest is restarted on another member when its host dies. */
int tarn_pool_guest_set_ha(tarn_pool *p, const char *name, int ha, tarn_err err);
/* A new memory (MiB) or vcpus count ("memory" or "vcpus") in the guest's
 * xl.cfg, which is rewritten (the rest kept as written) with a new
 * generation: the engine applies it live where Xen allows. Refused beyond
 * the config's maxmem or maxvcpus, or when the rewrite would change more. */
int tarn_pool_guest_set_number(tarn_pool *p, const char *name, const char *key, long value, tarn_err err);
/* Moves a stopped guest's placement to member (its id or pool address),
 * refused for a guest meant to run or still running ("stop it first; live
 * migration is not there yet"; what a member since ejected last reported
 * does not count) and for a member that is unknown, down, or not a VM
 * server. */
int tarn_pool_guest_place(tarn_pool *p, const char *name, const char *member, tarn_err err);
/* Refused unless the guest is meant to be stopped and has no domain left. */
int tarn_pool_guest_undefine(tarn_pool *p, const char *name, tarn_err err);

/* The engine's side. What it saw of a guest (actual, error, error_gen,
 * affinity, domid of g, by g->uuid). */
int tarn_pool_guest_report(tarn_pool *p, const struct tarn_guest *g, tarn_err err);
/* Makes desired what the engine found (drift left, a guest that powered
 * itself off), unless the guest changed since generation gen: then 1. */
int tarn_pool_guest_adopt(tarn_pool *p, const char *uuid, int64_t gen, const char *desired, tarn_err err);
/* Clears a request done, unless the guest changed since gen. */
int tarn_pool_guest_request_done(tarn_pool *p, const char *uuid, int64_t gen, tarn_err err);

/* A new random (version 4) UUID. */
void tarn_pool_new_uuid(char out[37]);
/* Desired power states a guest may be given. */
const char *tarn_check_power_state(const char *s, tarn_err err);

#endif
