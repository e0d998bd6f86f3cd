/* lib/xlcfg-edit: settings replaced in place with comments kept, disks
 * found and moved, and the result still read by libxlutil as meant. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "xlcfg-edit.h"
#include "xlcfg.h"

static const char cfg[] = "# a template\n"
			  "name = \"tiny\"  # its name\n"
			  "memory = 128; vcpus = 2\nkernel = \"/boot/vmlinuz\"\n"
			  "disk = [ 'file:disk.img,xvda,w',\n"
			  "         # the data disk\n"
			  "         'format=raw, vdev=xvdb, access=rw, target=data/b.img',\n"
			  "         '/isos/x.iso,,hdc:cdrom,r' ]\n"
			  "extra = \"a;b # not a comment\"\n";

int main(void)
{
	tarn_err err = "";
	struct tarn_xlcfg_disk d[TARN_MAX_DISKS];
	int n = tarn_xlcfg_disks(cfg, d, TARN_MAX_DISKS, err);
	CHECK("xlcfg-edit: three disks are found", n == 3);
	CHECK("xlcfg-edit: a positional path", n == 3 && strcmp(d[0].path, "disk.img") == 0 &&
	      strcmp(d[0].vdev, "xvda") == 0 && !d[0].readonly && !d[0].cdrom);
	CHECK("xlcfg-edit: a target= path", n == 3 && strcmp(d[1].path, "data/b.img") == 0 && !d[1].readonly);
	CHECK("xlcfg-edit: a CD-ROM, read-only", n == 3 && d[2].cdrom && d[2].readonly);

	char a[1200], b[1200];
	CHECK("xlcfg-edit: a positional path moves",
	      tarn_xlcfg_disk_move(&d[0], "/r/running_pool/web/disk.img", a, sizeof a, err) == 0 &&
		      strcmp(a, "file:/r/running_pool/web/disk.img,xvda,w") == 0);
	CHECK("xlcfg-edit: a target= path moves",
	      tarn_xlcfg_disk_move(&d[1], "/r/b.img", b, sizeof b, err) == 0 &&
		      strcmp(b, "format=raw, vdev=xvdb, access=rw, target=/r/b.img") == 0);
	CHECK("xlcfg-edit: a path with a comma is refused",
	      tarn_xlcfg_disk_move(&d[0], "/r/a,b.img", b, sizeof b, err) == -1 && strstr(err, "comma"));

	char *specs[] = {a, b, d[2].spec};
	char *moved = tarn_xlcfg_set_disks(cfg, specs, 3, err);
	char *named = moved ? tarn_xlcfg_set(moved, "name", "'web'", err) : NULL;
	char *uuid = named ? tarn_xlcfg_set(named, "uuid", "'5b2c1e4e-1111-4222-8333-444455556666'", err) : NULL;
	CHECK("xlcfg-edit: the edits are made", uuid != NULL);
	struct tarn_xlcfg_disk e[TARN_MAX_DISKS];
	struct tarn_xlcfg c;
	CHECK("xlcfg-edit: libxlutil reads the result", uuid && tarn_xlcfg_parse(uuid, &c, err) == 0);
	CHECK("xlcfg-edit: with the new name and uuid", uuid && strcmp(c.name, "web") == 0 &&
	      strcmp(c.uuid, "5b2c1e4e-1111-4222-8333-444455556666") == 0 && c.vcpus == 2 && c.memory == 128);
	CHECK("xlcfg-edit: and the moved disks",
	      uuid && tarn_xlcfg_disks(uuid, e, TARN_MAX_DISKS, err) == 3 &&
		      strcmp(e[0].path, "/r/running_pool/web/disk.img") == 0 && strcmp(e[1].path, "/r/b.img") == 0 &&
		      strcmp(e[2].path, "/isos/x.iso") == 0);
	CHECK("xlcfg-edit: the comments and the string holding ';' and '#' are kept",
	      uuid && strstr(uuid, "# a template\n") && strstr(uuid, "# its name") &&
		      strstr(uuid, "extra = \"a;b # not a comment\""));
	CHECK("xlcfg-edit: the old disk list is gone", uuid && !strstr(uuid, "the data disk"));
	CHECK("xlcfg-edit: a missing setting is added at the end",
	      uuid && strstr(uuid, "\nuuid = '5b2c1e4e-1111-4222-8333-444455556666'\n"));
	free(moved);
	free(named);
	free(uuid);

	char *twice = tarn_xlcfg_set("name='a'\ndisk=['x,xvda,w']\ndisk += ['y,xvdb,w']\n", "disk", "[ 'z,xvda,w' ]", err);
	CHECK("xlcfg-edit: 'key +=' settings of the key go", twice && strcmp(twice, "name='a'\ndisk = [ 'z,xvda,w' ]\n\n") == 0);
	free(twice);
	char q[64];
	CHECK("xlcfg-edit: quote", tarn_xlcfg_quote("web-1", q, sizeof q, err) == 0 && strcmp(q, "'web-1'") == 0);
	CHECK("xlcfg-edit: a quote cannot be quoted", tarn_xlcfg_quote("it's", q, sizeof q, err) == -1);
	CHECK("xlcfg-edit: text it cannot scan is an error", tarn_xlcfg_set("name = 'a\n", "name", "'b'", err) == NULL);
	CHECK_EXIT();
}
