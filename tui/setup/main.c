/* tarn-setup: what the first-boot wizard (rootfs/.../usr/lib/tarn/firstboot,
 * a dialog script) needs from Tarn's C side, so the shell validates and
 * writes nothing itself:
 *
 *   tarn-setup has-password [--store PATH]   exit 0 when a console password is set
 *   tarn-setup hash                          a password on stdin -> its hash on stdout
 *   tarn-setup check hostname NAME | dns "LIST" | static ADDRESS/PREFIX [GATEWAY]
 *   tarn-setup apply [--store PATH]          KEY=VALUE lines on stdin, one transaction
 *
 * Checks write into a scratch in-memory node store through the very
 * functions the console and the agent use, so what passes here is what the
 * store takes. A refusal prints the store's message on stderr and exits 1;
 * 2 is a usage error. apply's keys: console_password and agent_password
 * (hashes, from hash), hostname, dns, mode (dhcp or static), address,
 * gateway; the management bridge (xenbr0) gets the addressing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "nettrial.h"
#include "store.h"

#define DEFAULT_STORE "/var/lib/tarn/db/node.db"

static int usage(void)
{
	fprintf(stderr, "usage: tarn-setup has-password [--store PATH] | hash | check hostname NAME | check dns LIST |\n"
			"                  check static ADDRESS/PREFIX [GATEWAY] | apply [--store PATH]\n");
	return 2;
}

static int refuse(const char *msg)
{
	fprintf(stderr, "%s\n", msg);
	return 1;
}

/* One line of stdin without its newline; 0, or -1 at its end. */
static int read_line(char *buf, size_t len)
{
	if (!fgets(buf, (int)len, stdin))
		return -1;
	buf[strcspn(buf, "\r\n")] = '\0';
	return 0;
}

static void set_static(struct tarn_iface *f, const char *address, const char *gateway)
{
	memset(f, 0, sizeof *f);
	snprintf(f->name, sizeof f->name, "%s", TARN_MGMT_DEFAULT);
	snprintf(f->mode, sizeof f->mode, "%s", address ? "static" : "dhcp");
	snprintf(f->ipv4, sizeof f->ipv4, "%.63s", address ? address : "");
	snprintf(f->gateway4, sizeof f->gateway4, "%.63s", gateway ? gateway : "");
}

static int check(int argc, char **argv)
{
	tarn_err err = "";
	struct tarn_iface f;
	if (argc < 2)
		return usage();
	tarn_store *st = tarn_store_open(":memory:", err);
	if (!st)
		return refuse(err);
	int rc;
	if (strcmp(argv[0], "static") == 0 && argc <= 3) {
		set_static(&f, argv[1], argc == 3 && argv[2][0] ? argv[2] : NULL);
		if (strlen(argv[1]) >= sizeof f.ipv4 || (argc == 3 && strlen(argv[2]) >= sizeof f.gateway4))
			rc = (snprintf(err, TARN_ERRLEN, "too long to be an address"), -1);
		else
			rc = tarn_store_set_iface(st, &f, err);
	} else if ((strcmp(argv[0], "hostname") == 0 || strcmp(argv[0], "dns") == 0) && argc == 2) {
		rc = tarn_store_set(st, argv[0], argv[1], err);
	} else {
		tarn_store_close(st);
		return usage();
	}
	tarn_store_close(st);
	return rc ? refuse(err) : 0;
}

static int hash(void)
{
	char pass[TARN_PASSWORD_MAX * 4 + 8], out[256];
	tarn_err err = "";
	if (read_line(pass, sizeof pass))
		pass[0] = '\0';
	int rc = tarn_auth_hash(pass, out, sizeof out, err);
	memset(pass, 0, sizeof pass);
	if (rc)
		return refuse(err);
	printf("%s\n", out);
	return 0;
}

static int has_password(const char *path)
{
	char hash_[256] = "";
	tarn_err err;
	FILE *f = fopen(path, "r");
	if (!f)
		return 1; /* no store yet: nothing is set */
	fclose(f);
	tarn_store *st = tarn_store_open(path, err);
	int set = st && tarn_store_get(st, "console_password", hash_, sizeof hash_) == 0 && hash_[0];
	tarn_store_close(st);
	return set ? 0 : 1;
}

static int apply(const char *path)
{
	char line[1024], mode[16] = "dhcp", address[64] = "", gateway[64] = "";
	tarn_err err = "";
	tarn_store *st = tarn_store_open_making_dir(path, err);
	if (!st || tarn_store_begin(st, err)) {
		tarn_store_close(st);
		return refuse(err);
	}
	int rc = 0;
	while (rc == 0 && read_line(line, sizeof line) == 0) {
		char *eq = strchr(line, '=');
		if (!eq) {
			rc = (snprintf(err, TARN_ERRLEN, "not KEY=VALUE: %.60s", line), -1);
			break;
		}
		*eq = '\0';
		const char *k = line, *v = eq + 1;
		if (strcmp(k, "mode") == 0)
			snprintf(mode, sizeof mode, "%.15s", v);
		else if (strcmp(k, "address") == 0)
			snprintf(address, sizeof address, "%.63s", v);
		else if (strcmp(k, "gateway") == 0)
			snprintf(gateway, sizeof gateway, "%.63s", v);
		else if (*v || strcmp(k, "dns"))
			rc = tarn_store_set(st, k, v, err); /* an empty DNS list stays unset */
	}
	struct tarn_iface f;
	if (rc == 0 && strcmp(mode, "static") && strcmp(mode, "dhcp"))
		rc = (snprintf(err, TARN_ERRLEN, "mode %.16s is not dhcp or static", mode), -1);
	if (rc == 0) {
		int stat = strcmp(mode, "static") == 0;
		set_static(&f, stat ? address : NULL, stat && gateway[0] ? gateway : NULL);
		rc = tarn_store_set_iface(st, &f, err);
	}
	if (rc == 0)
		rc = tarn_store_commit(st, err);
	else
		tarn_store_rollback(st);
	tarn_store_close(st);
	return rc ? refuse(err) : 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage();
	const char *store = DEFAULT_STORE;
	if (argc == 4 && strcmp(argv[2], "--store") == 0)
		store = argv[3];
	else if ((strcmp(argv[1], "apply") == 0 || strcmp(argv[1], "has-password") == 0) && argc != 2)
		return usage();
	if (strcmp(argv[1], "has-password") == 0)
		return has_password(store);
	if (strcmp(argv[1], "apply") == 0)
		return apply(store);
	if (strcmp(argv[1], "hash") == 0 && argc == 2)
		return hash();
	if (strcmp(argv[1], "check") == 0)
		return check(argc - 2, argv + 2);
	return usage();
}
