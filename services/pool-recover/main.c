/* tarn-pool-recover: brings a pool back after it lost a majority of its
 * voters for good (two of three hosts dead), on a surviving member whose
 * agent is stopped. It rewrites the pool node's Raft configuration to the
 * surviving members (dqlite_node_recover: a new configuration entry
 * appended to this node's log), so that they alone vote and the pool takes
 * writes again once the agent starts.
 *
 *   tarn-pool-recover [--dir DIR] [--yes] [MEMBER...]
 *   tarn-pool-recover [--dir DIR] [--yes] --take RECOVERED
 *
 * DIR is the pool node's data (/var/lib/tarn/pool/node). MEMBER names
 * another survivor to keep, by pool address (looked up in DIR/cluster,
 * the pool's nodes as this member last saw them) or as ID@ADDRESS; with
 * none, this member goes on alone. Without --yes it only says what it
 * would do. Run it once, on the survivor with the newest data; each other
 * survivor then takes that host's Raft data (--take, a copy of its DIR),
 * keeping its own identity (README: "Recovering a pool that lost its
 * majority"). Exit: 0 done (or the plan shown), 1 refused or
 * failed, 2 usage. */
#include <arpa/inet.h>
#include <dirent.h>
#include <dqlite.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"

#define MAX_NODES 64

/* Never destroyed: libdqlite 1.11 leaks what a node that never started set
 * up when it is destroyed; held here, it is simply there at exit. */
static dqlite_node *node;

struct node {
	uint64_t id;
	char address[256];
	char role[16];
};

static void read_line(const char *dir, const char *name, char *buf, size_t n)
{
	char path[4200];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "re");
	buf[0] = '\0';
	if (f && !fgets(buf, (int)n, f))
		buf[0] = '\0';
	if (f)
		fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
}

/* DIR/cluster: "ID ADDRESS ROLE" lines (services/tarnd/pool-node.h). */
static unsigned read_cluster(const char *dir, struct node *nodes)
{
	char path[4200], line[400];
	unsigned n = 0;
	snprintf(path, sizeof path, "%s/cluster", dir);
	FILE *f = fopen(path, "re");
	while (f && n < MAX_NODES && fgets(line, sizeof line, f))
		if (sscanf(line, "%" SCNu64 " %255s %15s", &nodes[n].id, nodes[n].address, nodes[n].role) == 3)
			n++;
	if (f)
		fclose(f);
	return n;
}

/* The agent holds the pool address while it runs (its TLS listener). */
static int address_free(const char *address)
{
	char host[INET_ADDRSTRLEN];
	const char *colon = strrchr(address, ':');
	struct sockaddr_in a = {.sin_family = AF_INET};
	if (!colon || (size_t)(colon - address) >= sizeof host)
		return -1;
	snprintf(host, sizeof host, "%.*s", (int)(colon - address), address);
	a.sin_port = htons((uint16_t)atoi(colon + 1));
	if (inet_pton(AF_INET, host, &a.sin_addr) != 1)
		return -1;
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int rc = fd >= 0 && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == 0 &&
			 bind(fd, (struct sockaddr *)&a, sizeof a) == 0 ? 0 : errno == EADDRINUSE ? 1 : -1;
	if (fd >= 0)
		close(fd);
	return rc;
}

/* A survivor named on the command line: ID@ADDRESS, or an address the
 * cluster file knows. */
static int survivor(const char *arg, const struct node *known, unsigned nknown, struct node *out)
{
	const char *at = strchr(arg, '@');
	memset(out, 0, sizeof *out);
	if (at) {
		char *end;
		out->id = strtoull(arg, &end, 10);
		snprintf(out->address, sizeof out->address, "%s", at + 1);
		return end == at && out->id > 0 ? 0 : -1;
	}
	for (unsigned i = 0; i < nknown; i++)
		if (strcmp(known[i].address, arg) == 0)
			return *out = known[i], 0;
	return -1;
}

/* What dqlite wrote (as root) goes to the agent's user, who owns dir. */
static int give_back(const char *dir)
{
	struct stat sb;
	DIR *d = opendir(dir);
	int rc = d && stat(dir, &sb) == 0 ? 0 : -1;
	for (struct dirent *e; rc == 0 && (e = readdir(d));) {
		char path[4400];
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		if (e->d_name[0] != '.' && lchown(path, sb.st_uid, sb.st_gid) != 0)
			rc = -1;
	}
	if (d)
		closedir(d);
	return rc;
}

static int usage(void)
{
	fprintf(stderr, "usage: tarn-pool-recover [--dir DIR] [--yes] [MEMBER...]\n"
			"       tarn-pool-recover [--dir DIR] [--yes] --take RECOVERED\n"
			"  MEMBER: another surviving member to keep: its pool address, or ID@ADDRESS\n"
			"  RECOVERED: a copy of the pool node directory of the survivor recovered first\n");
	return 2;
}

/* What makes a node this host's own, never taken from another. */
static int identity(const char *name)
{
	return !strcmp(name, "node-id") || !strcmp(name, "address") || !strcmp(name, "pool-key") ||
	       !strcmp(name, "joined") || name[0] == '.';
}

static int copy_file(const char *from, const char *to)
{
	FILE *in = fopen(from, "re"), *out = in ? fopen(to, "we") : NULL;
	char buf[65536];
	size_t n;
	int rc = in && out ? 0 : -1;
	while (rc == 0 && (n = fread(buf, 1, sizeof buf, in)) > 0)
		rc = fwrite(buf, 1, n, out) == n ? 0 : -1;
	if (rc == 0 && (ferror(in) || fflush(out) || fsync(fileno(out))))
		rc = -1;
	if (in)
		fclose(in);
	if (out && fclose(out))
		rc = -1;
	return rc;
}

/* Replaces this node's Raft data (everything but its identity) by from's. */
static int take(const char *dir, const char *from)
{
	DIR *d = opendir(dir);
	int rc = d ? 0 : -1;
	for (struct dirent *e; rc == 0 && (e = readdir(d));) {
		char path[4400];
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		if (!identity(e->d_name) && unlink(path) != 0)
			rc = -1;
	}
	if (d)
		closedir(d);
	d = rc == 0 ? opendir(from) : NULL;
	rc = d ? rc : -1;
	for (struct dirent *e; rc == 0 && (e = readdir(d));) {
		char src[4400], dst[4400];
		snprintf(src, sizeof src, "%s/%s", from, e->d_name);
		snprintf(dst, sizeof dst, "%s/%s", dir, e->d_name);
		if (!identity(e->d_name) && e->d_type != DT_DIR)
			rc = copy_file(src, dst);
	}
	if (d)
		closedir(d);
	return rc;
}

/* --take: this survivor joins the pool recovered elsewhere. */
static int take_recovered(const char *dir, const struct node *self, const char *from, int yes)
{
	struct node theirs[MAX_NODES];
	unsigned n = read_cluster(from, theirs);
	char sid[32];
	int listed = 0;
	read_line(from, "node-id", sid, sizeof sid);
	for (unsigned i = 0; i < n; i++)
		listed |= theirs[i].id == self->id && !strcmp(theirs[i].address, self->address);
	if (!sid[0] || strtoull(sid, NULL, 10) == self->id) {
		fprintf(stderr, "tarn-pool-recover: %s is not another member's pool node\n", from);
		return 1;
	}
	if (!listed) {
		fprintf(stderr, "tarn-pool-recover: the pool recovered in %s does not include this host (%" PRIu64
				" at %s): recover it again there, naming this host\n", from, self->id, self->address);
		return 1;
	}
	printf("This host (%" PRIu64 " at %s) takes the Raft data recovered on node %s; its identity stays.\n",
	       self->id, self->address, sid);
	if (!yes) {
		printf("Nothing changed: run again with --yes to do it.\n");
		return 0;
	}
	if (take(dir, from) || give_back(dir)) {
		fprintf(stderr, "tarn-pool-recover: cannot take %s into %s: %s (run it again)\n", from, dir,
			strerror(errno));
		return 1;
	}
	printf("Done. Start the agent (/etc/rc.d/S90-agent start).\n");
	return 0;
}

int main(int argc, char **argv)
{
	const char *dir = "/var/lib/tarn/pool/node", *from = NULL;
	int yes = 0, first = 1;
	for (; first < argc && argv[first][0] == '-'; first++) {
		if (!strcmp(argv[first], "--yes"))
			yes = 1;
		else if (!strcmp(argv[first], "--dir") && first + 1 < argc)
			dir = argv[++first];
		else if (!strcmp(argv[first], "--take") && first + 1 < argc)
			from = argv[++first];
		else
			return usage();
	}
	if (from && first < argc)
		return usage();
	char sid[32], address[256];
	read_line(dir, "node-id", sid, sizeof sid);
	read_line(dir, "address", address, sizeof address);
	struct node known[MAX_NODES], keep[MAX_NODES];
	unsigned nknown = read_cluster(dir, known), nkeep = 1;
	if (!sid[0] || !address[0]) {
		fprintf(stderr, "tarn-pool-recover: %s holds no pool node (no node-id or address)\n", dir);
		return 1;
	}
	keep[0] = (struct node){.id = strtoull(sid, NULL, 10)};
	snprintf(keep[0].address, sizeof keep[0].address, "%s", address);
	int busy = address_free(address);
	if (busy) {
		fprintf(stderr, "tarn-pool-recover: %s\n", busy > 0 ? "the pool address is in use: stop the agent "
				"first (/etc/rc.d/S90-agent stop)" : "this node's address is not IPv4:port");
		return 1;
	}
	if (from)
		return take_recovered(dir, &keep[0], from, yes);
	for (int i = first; i < argc; i++) {
		if (nkeep >= MAX_NODES || survivor(argv[i], known, nknown, &keep[nkeep])) {
			fprintf(stderr, "tarn-pool-recover: %s is not a member this host knows of: give ID@ADDRESS "
					"(ids are in %s/cluster)\n", argv[i], dir);
			return 1;
		}
		for (unsigned j = 0; j < nkeep; j++)
			if (keep[j].id == keep[nkeep].id || !strcmp(keep[j].address, keep[nkeep].address)) {
				fprintf(stderr, "tarn-pool-recover: %s is named twice\n", argv[i]);
				return 1;
			}
		nkeep++;
	}
	printf("The pool's nodes as this member last saw them:\n");
	for (unsigned i = 0; i < nknown; i++)
		printf("  %-20" PRIu64 " %-22s %s\n", known[i].id, known[i].address, known[i].role);
	if (!nknown)
		printf("  (not recorded)\n");
	printf("After the recovery, these alone make the pool, each a voter:\n");
	for (unsigned i = 0; i < nkeep; i++)
		printf("  %-20" PRIu64 " %-22s%s\n", keep[i].id, keep[i].address, i ? "" : " (this host)");
	if (!yes) {
		printf("Nothing changed: run again with --yes to do it.\n");
		return 0;
	}
	dqlite_node_info infos[MAX_NODES];
	for (unsigned i = 0; i < nkeep; i++)
		infos[i] = (dqlite_node_info){.id = keep[i].id, .address = keep[i].address};
	int rc = dqlite_node_create(keep[0].id, address, dir, &node);
	if (rc == 0)
		rc = dqlite_node_recover(node, infos, (int)nkeep);
	if (rc) {
		fprintf(stderr, "tarn-pool-recover: dqlite could not rewrite the configuration in %s: %s\n", dir,
			node ? dqlite_node_errmsg(node) : "cannot open the node");
		return 1;
	}
	/* what the agent checks at start and the next recovery reads */
	char buf[MAX_NODES * 300] = "", path[4200];
	size_t k = 0;
	tarn_err err = "";
	for (unsigned i = 0; i < nkeep; i++)
		k += (size_t)snprintf(buf + k, sizeof buf - k, "%" PRIu64 " %s voter\n", keep[i].id, keep[i].address);
	snprintf(path, sizeof path, "%s/cluster", dir);
	if (tarn_write_file_atomic(path, buf, strlen(buf), 0600, err))
		fprintf(stderr, "tarn-pool-recover: %s\n", err);
	snprintf(path, sizeof path, "%s/nodes", dir);
	snprintf(buf, sizeof buf, "%u\n", nkeep);
	if (tarn_write_file_atomic(path, buf, strlen(buf), 0600, err))
		fprintf(stderr, "tarn-pool-recover: %s\n", err);
	if (give_back(dir)) {
		fprintf(stderr, "tarn-pool-recover: cannot give %s back to its owner: %s\n", dir, strerror(errno));
		return 1;
	}
	printf("Done. Start the agent (/etc/rc.d/S90-agent start).\n");
	if (nkeep > 1)
		printf("On each other survivor, agent stopped: copy this directory there (say to /tmp/recovered) "
		       "and run tarn-pool-recover --take /tmp/recovered --yes; then start its agent.\n");
	for (unsigned i = 0; i < nknown; i++) {
		int kept = 0;
		for (unsigned j = 0; j < nkeep; j++)
			kept |= known[i].id == keep[j].id;
		if (!kept)
			printf("Then: tarnctl pool eject %s   (gone from the pool: its member row goes)\n", known[i].address);
	}
	return 0;
}
