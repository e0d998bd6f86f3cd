/* lib/repo: repositories in the node store, strictly validated, with the
 * field at fault named; import sources and pools. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "repo.h"

static int refused(tarn_store *st, struct tarn_repo r, const char *want)
{
	tarn_err err = "";
	int rc = tarn_repo_add(st, &r, err);
	if (rc == 0 || !strstr(err, want))
		printf("    got %d: %s\n", rc, err);
	return rc == -1 && strstr(err, want) != NULL;
}

static int count(void *ctx, const struct tarn_repo *r)
{
	(void)r;
	++*(int *)ctx;
	return 0;
}

int main(void)
{
	char dir[] = "/tmp/tarn-repo-test.XXXXXX", path[64], cmd[96];
	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof path, "%s/node.db", dir);
	tarn_err err = "";
	tarn_store *st = tarn_store_open(path, err);
	if (!st)
		return 1;

	int64_t g = tarn_store_generation(st);
	struct tarn_repo r = {.name = "local1", .kind = "local", .source = "/dev/sdb1", .format = 1};
	CHECK("repo: a local repository is stored", tarn_repo_add(st, &r, err) == 0);
	CHECK("repo: adding one is a change of desired state", tarn_store_generation(st) > g);
	CHECK("repo: it gets a uuid", tarn_check_uuid(r.uuid, err) == NULL);
	struct tarn_repo got;
	CHECK("repo: it reads back, ext4 by default",
	      tarn_repo_get(st, "local1", &got) == 0 && strcmp(got.fstype, "ext4") == 0 && got.format == 1 &&
		      strcmp(got.uuid, r.uuid) == 0 && strcmp(got.source, "/dev/sdb1") == 0);
	CHECK("repo: a second one of the same name is refused",
	      refused(st, (struct tarn_repo){.name = "local1", .kind = "local", .source = "/dev/sdc"},
		      "already a repository local1"));
	CHECK("repo: a device another repository uses is refused",
	      refused(st, (struct tarn_repo){.name = "again", .kind = "local", .source = "/dev/sdb1"},
		      "source: /dev/sdb1 is already repository local1"));
	struct tarn_repo dup = {.name = "dup", .kind = "local", .source = "/dev/sdc"};
	strcpy(dup.uuid, r.uuid);
	CHECK("repo: a uuid already here is refused", refused(st, dup, "uuid: repository"));

	struct tarn_repo iscsi = {.name = "san", .kind = "iscsi", .source = "192.0.2.20:3260",
				  .target = "iqn.2003-01.com.example:repo1", .lun = 3, .fstype = "xfs"};
	CHECK("repo: an iSCSI repository is stored", tarn_repo_add(st, &iscsi, err) == 0);
	CHECK("repo: its portal, target and LUN read back apart",
	      tarn_repo_get(st, "san", &got) == 0 && strcmp(got.source, "192.0.2.20:3260") == 0 &&
		      strcmp(got.target, "iqn.2003-01.com.example:repo1") == 0 && got.lun == 3);
	struct tarn_repo nfs = {.name = "nfs1", .kind = "nfs", .source = "[2001:db8::5]:/export/repo",
				.options = "vers=4.1,noatime"};
	CHECK("repo: an NFS repository (IPv6 server) is stored", tarn_repo_add(st, &nfs, err) == 0 &&
						tarn_repo_get(st, "nfs1", &got) == 0 && strcmp(got.fstype, "nfs") == 0);

	CHECK("repo: a bad name is named", refused(st, (struct tarn_repo){.name = "-x", .kind = "local", .source = "/dev/sdb"}, "name: "));
	CHECK("repo: an unknown kind is named", refused(st, (struct tarn_repo){.name = "x", .kind = "ceph", .source = "/dev/sdb"}, "kind: ceph"));
	CHECK("repo: a relative device is refused", refused(st, (struct tarn_repo){.name = "x", .kind = "local", .source = "sdb"}, "source: sdb is not an absolute path"));
	CHECK("repo: an unknown file system is refused", refused(st, (struct tarn_repo){.name = "x", .kind = "local", .source = "/dev/sdb", .fstype = "btrfs"}, "fstype: btrfs"));
	CHECK("repo: NFS needs server:/export", refused(st, (struct tarn_repo){.name = "x", .kind = "nfs", .source = "server/export"}, "source: server/export is not server:/export"));
	CHECK("repo: NFS with a bad server is refused", refused(st, (struct tarn_repo){.name = "x", .kind = "nfs", .source = "bad_host!:/e"}, "source: "));
	CHECK("repo: NFS is never formatted here", refused(st, (struct tarn_repo){.name = "x", .kind = "nfs", .source = "s:/e", .format = 1}, "format: "));
	CHECK("repo: an iSCSI port out of range is named", refused(st, (struct tarn_repo){.name = "x", .kind = "iscsi", .source = "192.0.2.1:70000", .target = "iqn.2003-01.com.example:a"}, "1-65535"));
	CHECK("repo: a bad IQN is named", refused(st, (struct tarn_repo){.name = "x", .kind = "iscsi", .source = "192.0.2.1", .target = "iqn.nope"}, "target: iqn.nope"));
	CHECK("repo: a bad LUN is named", refused(st, (struct tarn_repo){.name = "x", .kind = "iscsi", .source = "192.0.2.1", .target = "eui.0123456789abcdef", .lun = -1}, "lun: -1"));
	CHECK("repo: a target on a local repository is refused", refused(st, (struct tarn_repo){.name = "x", .kind = "local", .source = "/dev/sdb", .target = "iqn.2003-01.com.example:a"}, "target: only"));
	CHECK("repo: mount options with a space are refused", refused(st, (struct tarn_repo){.name = "x", .kind = "local", .source = "/dev/sdb", .options = "ro exec"}, "options: "));

	int n = 0;
	tarn_repo_each(st, count, &n);
	CHECK("repo: refusals stored nothing", n == 3);
	CHECK("repo: a uuid can be taken from a re-attached file system",
	      tarn_repo_set_uuid(st, "local1", "0f8fad5b-d9cb-469f-a165-70867728950e", err) == 0 &&
		      tarn_repo_get(st, "local1", &got) == 0 && strcmp(got.uuid, "0f8fad5b-d9cb-469f-a165-70867728950e") == 0);
	CHECK("repo: removing one that is not there is named", tarn_repo_remove(st, "nosuch", err) == -1 &&
								      strstr(err, "no repository nosuch"));
	CHECK("repo: a repository is removed", tarn_repo_remove(st, "local1", err) == 0 &&
						     tarn_repo_get(st, "local1", &got) == -1);

	CHECK("repo: an NFS export alone", tarn_check_nfs_export("192.0.2.5:/export/repo", err) == NULL);
	CHECK("repo: an NFS export with a wrong address names it", tarn_check_nfs_export("192.0.2.300:/x", err) &&
	      strstr(err, "300 is not 0-255"));
	CHECK("repo: an IPv6 portal in brackets", tarn_check_portal("[2001:db8::20]:3260", err) == NULL);
	CHECK("repo: a bare IPv6 portal is refused", tarn_check_portal("2001:db8::20", err) && strstr(err, "brackets"));
	CHECK("repo: an IQN alone", tarn_check_iqn("iqn.2003-01.org.example:repo1", err) == NULL);
	uint64_t bytes;
	CHECK("repo: disks of 20G", tarn_check_disk_size("20G", &bytes, err) == NULL && bytes == 20ULL << 30);
	CHECK("repo: a disk under 1M is refused", tarn_check_disk_size("100K", &bytes, err) && strstr(err, "at least 1M"));
	CHECK("repo: 1001 disks are refused", tarn_check_disk_count(1001, err) && strstr(err, "1-1000"));
	CHECK("repo: a disk prefix of 49 characters is refused",
	      tarn_check_disk_prefix("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", err) && strstr(err, "48"));
	char name[80];
	CHECK("repo: a path is a source", tarn_check_source("/srv/iso/debian.iso", err) == NULL);
	CHECK("repo: a URL is a source", tarn_check_source("https://example.com/a.iso?x=1", err) == NULL);
	CHECK("repo: ftp is not a source", tarn_check_source("ftp://example.com/a.iso", err) && strstr(err, "source: "));
	CHECK("repo: a URL with a space is refused", tarn_check_source("http://e.com/a b.iso", err) != NULL);
	CHECK("repo: the file name is the URL's last component without its query",
	      tarn_source_file_name("http://e.com/dl/debian-12.iso?token=1", name, sizeof name, err) == NULL &&
		      strcmp(name, "debian-12.iso") == 0);
	CHECK("repo: a URL ending in / has no file name",
	      tarn_source_file_name("http://e.com/dl/", name, sizeof name, err) && strstr(err, "file name"));
	CHECK("repo: ISOs go to iso_pool or seed_pool", tarn_check_pool("seed_pool", 0, err) == NULL &&
							       tarn_check_pool("running_pool", 0, err) != NULL);
	CHECK("repo: disks go to running_pool or sharedDisk", tarn_check_pool("sharedDisk", 1, err) == NULL &&
								     tarn_check_pool("iso_pool", 1, err) &&
								     strstr(err, "pool: iso_pool"));

	tarn_store_close(st);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	CHECK_EXIT();
}
