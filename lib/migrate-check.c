/* Live migration's checks; see migrate-check.h. */
#include "migrate-check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xlcfg-edit.h"

#define FAIL(...) (snprintf(err, TARN_ERRLEN, __VA_ARGS__), -1)

static int has_role(const char *roles, const char *role)
{
	size_t n = strlen(role);
	for (const char *r = roles; *r; r += strcspn(r, ","), r += *r == ',')
		if (strncmp(r, role, n) == 0 && (r[n] == ',' || r[n] == '\0'))
			return 1;
	return 0;
}

int tarn_migrate_check_member(const char *target, const char *source_id, const struct tarn_member *m, int up,
			      tarn_err err)
{
	if (!m)
		return FAIL("no member %.64s in the pool (pool.members lists them by id and address)", target);
	if (strcmp(m->id, source_id) == 0)
		return FAIL("the guest already runs on member %.64s", target);
	if (!has_role(m->roles, "vm-server"))
		return FAIL("member %.40s is not a VM server (roles: %.40s)", target, m->roles);
	if (!up)
		return FAIL("member %.64s is down (no recent heartbeat)", target);
	return 0;
}

int tarn_migrate_check_memory(const char *target, const struct tarn_pool_facts *f, long mib, int64_t now,
			      int stale_s, tarn_err err)
{
	if (!f->xen)
		return FAIL("member %.64s does not run Xen", target);
	if (now - f->at > stale_s)
		return FAIL("member %.64s has not published its free memory for %lld s", target,
			    (long long)(now - f->at));
	if (f->memory_free_mib < mib)
		return FAIL("member %.64s has %lld MiB free and the guest needs %ld MiB", target, f->memory_free_mib,
			    mib);
	return 0;
}

/* Capability words "w0:w1:..." in hex into w[8]; how many were read. */
static int words(const char *s, unsigned long w[8])
{
	int n = 0;
	while (*s && n < 8) {
		char *end;
		w[n++] = strtoul(s, &end, 16);
		if (end == s)
			return 0;
		s = *end == ':' ? end + 1 : end;
	}
	return n;
}

int tarn_migrate_check_cpu(const char *target, const struct tarn_pool_facts *src, const struct tarn_pool_facts *dst,
			   tarn_err err)
{
	char sv[64] = "", dv[64] = "";
	long sf = -1, sm = -1, df = -1, dm = -1;
	if (sscanf(src->cpu, "%63s %ld %ld", sv, &sf, &sm) != 3)
		return FAIL("this host's CPU is not known yet (its facts are read every few seconds)");
	if (sscanf(dst->cpu, "%63s %ld %ld", dv, &df, &dm) != 3)
		return FAIL("member %.64s has published no CPU", target);
	if (strcmp(sv, dv))
		return FAIL("member %.40s has a %.16s CPU and this host a %.16s one: a guest cannot move "
			    "between them", target, dv, sv);
	if (sf == df && sm == dm)
		return 0;
	unsigned long s[8], d[8];
	int ns = words(src->hw_cap, s), nd = words(dst->hw_cap, d);
	if (ns == 0 || ns != nd)
		return FAIL("member %.64s has another CPU (family %ld model %ld, here %ld %ld) and their features are "
			    "not known", target, df, dm, sf, sm);
	for (int i = 0; i < ns; i++)
		if (s[i] & ~d[i])
			return FAIL("member %.30s's CPU (family %ld model %ld) lacks features of this "
				    "host's (%ld %ld, word %d: %08lx)", target, df, dm, sf, sm, i, s[i] & ~d[i]);
	return 0;
}

int tarn_migrate_check_disks(const char *root, const char *xlcfg, const char *(*kind)(void *ctx, const char *repo),
			     void *ctx, tarn_err err)
{
	struct tarn_xlcfg_disk *d = calloc(TARN_MAX_DISKS, sizeof *d);
	tarn_err why = "";
	int n = d ? tarn_xlcfg_disks(xlcfg, d, TARN_MAX_DISKS, why) : -1, rc = 0;
	size_t k = strlen(root);
	if (n < 0)
		rc = FAIL("the guest's disks: %.120s", d ? why : "out of memory");
	for (int i = 0; i < n && rc == 0; i++) {
		const char *p = d[i].path, *repo = p + k + 1;
		char name[65];
		size_t len = strcspn(repo, "/");
		if (!p[0]) /* an empty CD drive */
			continue;
		if (strncmp(p, root, k) || p[k] != '/' || len == 0 || len >= sizeof name || repo[len] != '/') {
			rc = FAIL("disk %.20s (%.80s) is in no repository: the target cannot reach it", d[i].vdev, p);
			break;
		}
		snprintf(name, sizeof name, "%.*s", (int)len, repo);
		const char *kd = kind(ctx, name);
		if (!kd)
			rc = FAIL("disk %.20s is in repository %.64s, which this host does not know", d[i].vdev, name);
		else if (!strcmp(kd, TARN_MIGRATE_POOL_UNMOUNTED))
			rc = FAIL("disk %.12s is in pool repository %.64s, which the target has not mounted (repo.list "
				  "says why)", d[i].vdev, name);
		else if (strcmp(kd, "nfs") && strcmp(kd, TARN_MIGRATE_POOL_REPO))
			rc = FAIL("disk %.12s is in %.6s repository %.30s, which other hosts cannot reach: only "
				  "shared (NFS) disks move live", d[i].vdev, kd, name);
	}
	free(d);
	return rc;
}
