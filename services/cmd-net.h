/* What the net.* API files share (cmd-net.c holds the method table;
 * cmd-net-dev.c bridges, VLANs and bonds; cmd-net-links.c the system's
 * interfaces). */
#ifndef TARN_CMD_NET_H
#define TARN_CMD_NET_H
#include "cmd.h"

/* Sets fault -500 with msg; returns NULL. */
xmlrpc_value *tarn_net_refuse(xmlrpc_env *env, const char *msg);
/* Copies an optional string member into out (left alone when absent);
 * -1 with a fault when it is not a string or too long. */
int tarn_net_member(xmlrpc_env *env, xmlrpc_value *s, const char *key, char *out, size_t len);
/* The same for an optional int member. */
int tarn_net_member_long(xmlrpc_env *env, xmlrpc_value *s, const char *key, long *out);

/* Makes one change (write) in a transaction, on trial when it touches the
 * management path through names (space-separated devices) or confirm
 * seconds > 0 (nettrial.h). Answers {trial: seconds to confirm in, 0 when
 * it needs no confirmation}, or a fault saying what was refused. */
xmlrpc_value *tarn_net_change(xmlrpc_env *env, tarn_store *st, const char *names, long confirm,
			      int (*write)(tarn_store *st, void *arg, tarn_err err), void *arg);

#define TARN_NET_METHOD(fn) xmlrpc_value *fn(xmlrpc_env *env, xmlrpc_value *p, void *agent, void *call)
TARN_NET_METHOD(tarn_net_list_bridges);
TARN_NET_METHOD(tarn_net_set_bridge);
TARN_NET_METHOD(tarn_net_delete_bridge);
TARN_NET_METHOD(tarn_net_list_vlans);
TARN_NET_METHOD(tarn_net_set_vlan);
TARN_NET_METHOD(tarn_net_delete_vlan);
TARN_NET_METHOD(tarn_net_list_bonds);
TARN_NET_METHOD(tarn_net_set_bond);
TARN_NET_METHOD(tarn_net_delete_bond);
TARN_NET_METHOD(tarn_net_interfaces);

#endif
