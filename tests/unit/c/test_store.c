/* lib/store: schema, validated writes, all-or-nothing changes, generation
 * numbers, and durability when the writer is killed mid-stream. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "store.h"

static char dir[] = "/tmp/tarn-store-test.XXXXXX";
static char path[64];

static void writer(int fd)
{
	tarn_err err;
	tarn_store *st = tarn_store_open(path, err);
	for (int i = 1; st; i++) {
		char name[32];
		snprintf(name, sizeof name, "stream-%d", i);
		if (tarn_store_set(st, "hostname", name, err))
			_exit(2);
		if (write(fd, &i, sizeof i) != sizeof i) /* i is committed */
			_exit(3);
	}
	_exit(1);
}

/* The agent and the console open a brand-new store at the same moment on a
 * first boot: every opener must get a store, none a half-migration error. */
static void first_open_race(void)
{
	char fresh[96];
	snprintf(fresh, sizeof fresh, "%s/race.db", dir);
	enum { N = 6 };
	pid_t pids[N];
	for (int i = 0; i < N; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			tarn_err e;
			tarn_store *s = tarn_store_open(fresh, e);
			if (!s)
				fprintf(stderr, "opener %d: %s\n", i, e);
			_exit(s ? 0 : 1);
		}
	}
	int ok = 0;
	for (int i = 0; i < N; i++) {
		int status = 0;
		if (pids[i] > 0 && waitpid(pids[i], &status, 0) == pids[i] && WIFEXITED(status) &&
		    WEXITSTATUS(status) == 0)
			ok++;
	}
	CHECK("store: six processes opening a new store at once all get it", ok == N);
}

static void kill_mid_stream(void)
{
	int p[2];
	if (pipe(p))
		return;
	pid_t pid = fork();
	if (pid == 0) {
		close(p[0]);
		writer(p[1]);
	}
	close(p[1]);
	int last = 0, i;
	while (last < 200 && read(p[0], &i, sizeof i) == sizeof i)
		last = i;
	kill(pid, SIGKILL);
	while (read(p[0], &i, sizeof i) == sizeof i) /* reported before it died */
		last = i;
	close(p[0]);
	waitpid(pid, NULL, 0);

	tarn_err err;
	tarn_store *st = tarn_store_open(path, err);
	CHECK("store: kill -9: the store opens after the writer is killed", st != NULL);
	if (!st)
		return;
	char v[64] = "";
	tarn_store_get(st, "hostname", v, sizeof v);
	int got = atoi(v + strlen("stream-"));
	CHECK("store: kill -9: no committed change is lost", got >= last && last >= 200);
	CHECK("store: kill -9: the store accepts writes again", tarn_store_set(st, "hostname", "after", err) == 0);
	tarn_store_close(st);
}

static uid_t owner(const char *file)
{
	struct stat sb;
	return stat(file, &sb) == 0 ? sb.st_uid : (uid_t)-1;
}

/* The agent's engine and the console run as root; the API process as an
 * unprivileged user. Whatever root creates in the store's directory must
 * belong to that directory's owner from the first moment, or an
 * unprivileged process opening at the same time is stuck read-only. */
static void root_creates_as_owner(void)
{
	if (geteuid() != 0) {
		printf("SKIP store: root creates the store as its directory's owner: not root\n");
		return;
	}
	char d[] = "/tmp/tarn-store-own.XXXXXX", db[64], f[80], cmd[96];
	const uid_t nobody = 65534;
	if (!mkdtemp(d) || chown(d, nobody, nobody) != 0)
		return;
	snprintf(db, sizeof db, "%s/node.db", d);
	tarn_err err;
	tarn_store *st = tarn_store_open(db, err);
	char wal[80], shm[80];
	snprintf(wal, sizeof wal, "%s-wal", db);
	snprintf(shm, sizeof shm, "%s-shm", db);
	CHECK("store: root creates the store, its WAL and shared memory as the directory's owner",
	      st && owner(db) == nobody && owner(wal) == nobody && owner(shm) == nobody);
	snprintf(f, sizeof f, "%s.root", d);
	FILE *fp = fopen(f, "w");
	CHECK("store: root's own file access is restored after the open", fp && owner(f) == 0);
	if (fp)
		fclose(fp);
	unlink(f);
	pid_t pid = fork();
	if (pid == 0) {
		tarn_store *mine = NULL;
		if (setgid(nobody) == 0 && setuid(nobody) == 0)
			mine = tarn_store_open(db, err);
		_exit(mine && tarn_store_set(mine, "hostname", "from-nobody", err) == 0 ? 0 : 1);
	}
	int status = -1;
	waitpid(pid, &status, 0);
	CHECK("store: the unprivileged user writes while root has the store open",
	      WIFEXITED(status) && WEXITSTATUS(status) == 0);
	tarn_store_close(st);
	snprintf(cmd, sizeof cmd, "rm -rf %s", d);
	if (system(cmd) != 0)
		printf("FAIL store: cannot remove %s\n", d);
}

/* Back to a new host's settings in one go; the passwords stay. */
static void reset_to_defaults(tarn_store *st)
{
	tarn_err err = "";
	char v[128] = "", hash[] = "$y$j9T$abcdefghijklmnop$0123456789012345678901234567890123456789012";
	struct tarn_iface f = {0};
	if (!st)
		return;
	tarn_store_set(st, "console_password", hash, err);
	tarn_store_set(st, "dns", "192.0.2.53", err);
	tarn_store_set_iface(st, &(struct tarn_iface){.name = "eth3", .mode = "none"}, err);
	int64_t g = tarn_store_generation(st);
	tarn_store_begin(st, err);
	tarn_store_set(st, "hostname", "not-kept", err);
	tarn_store_reset(st, err);
	tarn_store_rollback(st);
	tarn_store_get(st, "hostname", v, sizeof v);
	CHECK("store: reset: rolled back with its transaction, it changed nothing",
	      strcmp(v, "both") == 0 && tarn_store_generation(st) == g);
	CHECK("store: reset to defaults", tarn_store_reset(st, err) == 0);
	CHECK("store: reset: the host name, DNS and management interface are gone",
	      tarn_store_get(st, "hostname", v, sizeof v) == -1 && tarn_store_get(st, "dns", v, sizeof v) == -1 &&
	      tarn_store_get(st, "mgmt_interface", v, sizeof v) == -1);
	CHECK("store: reset: the console password is kept",
	      tarn_store_get(st, "console_password", v, sizeof v) == 0 && strcmp(v, hash) == 0);
	CHECK("store: reset: interfaces' addressing is gone, xenbr0 is by DHCP",
	      tarn_store_get_iface(st, "eth3", &f) == -1 && tarn_store_get_iface(st, "xenbr0", &f) == 0 &&
	      strcmp(f.mode, "dhcp") == 0 && !f.ipv4[0]);
	CHECK("store: reset: the agent notices (the generation moves)", tarn_store_generation(st) > g);
}

int main(void)
{
	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof path, "%s/node.db", dir);
	tarn_err err = "";

	tarn_store *st = tarn_store_open(path, err);
	CHECK("store: open creates the store", st != NULL);
	if (!st)
		return 1;
	CHECK("store: schema is migrated to the current version", tarn_store_schema_version(st) >= 1);

	int64_t g0 = tarn_store_generation(st);
	CHECK("store: set a valid host name", tarn_store_set(st, "hostname", "tarn-01", err) == 0);
	int64_t g1 = tarn_store_generation(st);
	CHECK("store: a change bumps the generation", g1 == g0 + 1);
	CHECK("store: setting the same value again changes nothing",
	      tarn_store_set(st, "hostname", "tarn-01", err) == 0 && tarn_store_generation(st) == g1);

	char v[64] = "";
	CHECK("store: an empty host name is refused", tarn_store_set(st, "hostname", "", err) == -1 &&
					       strstr(err, "required"));
	tarn_store_get(st, "hostname", v, sizeof v);
	CHECK("store: a refused change leaves the value and generation alone",
	      strcmp(v, "tarn-01") == 0 && tarn_store_generation(st) == g1);
	CHECK("store: an unknown setting is refused", tarn_store_set(st, "colour", "red", err) == -1 &&
						strstr(err, "unknown setting"));
	CHECK("store: dns takes a list of addresses", tarn_store_set(st, "dns", "192.0.2.53 2001:db8::53", err) == 0);
	CHECK("store: dns refuses a bad address, naming it",
	      tarn_store_set(st, "dns", "192.0.2.53 300.1.1.1", err) == -1 && strstr(err, "300 is not 0-255"));
	CHECK("store: ntp takes host names and addresses", tarn_store_set(st, "ntp", "pool.ntp.example 192.0.2.1", err) == 0);

	struct tarn_iface f = {.name = "xenbr0", .mode = "static", .ipv4 = "192.0.2.10/24",
			       .gateway4 = "192.0.2.1", .mtu = 1500};
	CHECK("store: a static interface is stored", tarn_store_set_iface(st, &f, err) == 0);
	struct tarn_iface bad = f, got = {0};
	strcpy(bad.ipv4, "300.1.1.1/24");
	CHECK("store: a static address 300.1.1.1 is refused", tarn_store_set_iface(st, &bad, err) == -1 &&
						       strstr(err, "300 is not 0-255"));
	bad = f;
	strcpy(bad.gateway4, "198.51.100.1");
	CHECK("store: a gateway outside the network is refused", tarn_store_set_iface(st, &bad, err) == -1);
	bad = f;
	strcpy(bad.mode, "auto");
	CHECK("store: an unknown mode is refused", tarn_store_set_iface(st, &bad, err) == -1);
	CHECK("store: the stored interface is unchanged by refused writes",
	      tarn_store_get_iface(st, "xenbr0", &got) == 0 && strcmp(got.ipv4, "192.0.2.10/24") == 0 &&
	      strcmp(got.gateway4, "192.0.2.1") == 0 && got.mtu == 1500);

	/* all or nothing */
	int64_t g2 = tarn_store_generation(st);
	tarn_store_begin(st, err);
	tarn_store_set(st, "hostname", "half-done", err);
	strcpy(bad.mode, "static");
	strcpy(bad.ipv4, "10.0.0.1/40");
	if (tarn_store_set_iface(st, &bad, err) != 0)
		tarn_store_rollback(st);
	else
		tarn_store_commit(st, err);
	tarn_store_get(st, "hostname", v, sizeof v);
	CHECK("store: a change set with one bad part lands not at all",
	      strcmp(v, "tarn-01") == 0 && tarn_store_generation(st) == g2);
	tarn_store_begin(st, err);
	tarn_store_set(st, "hostname", "both", err);
	tarn_store_set(st, "mgmt_interface", "xenbr0", err);
	CHECK("store: a good change set commits", tarn_store_commit(st, err) == 0 &&
					   tarn_store_generation(st) == g2 + 2);
	tarn_store_close(st);

	/* another process sees the change */
	st = tarn_store_open(path, err);
	tarn_store_get(st, "hostname", v, sizeof v);
	CHECK("store: settings persist across a reopen", st && strcmp(v, "both") == 0);
	reset_to_defaults(st);
	tarn_store_close(st);

	kill_mid_stream();
	root_creates_as_owner();
	first_open_race();

	/* a store from a newer Tarn is left alone */
	char cmd[160];
	snprintf(cmd, sizeof cmd, "sqlite3 %s 'PRAGMA user_version = 999'", path);
	if (system(cmd) == 0) {
		st = tarn_store_open(path, err);
		CHECK("store: a store with a newer schema is refused, not damaged",
		      st == NULL && strstr(err, "newer than this Tarn"));
		tarn_store_close(st);
	}
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	CHECK_EXIT();
}
