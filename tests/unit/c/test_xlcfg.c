/* lib/xlcfg: xl.cfg files as xl reads them, and what is wrong with a bad
 * one named by line or field. */
#include <string.h>

#include "check.h"
#include "xlcfg.h"

static int refused(const char *text, const char *says)
{
	struct tarn_xlcfg g;
	tarn_err err = "";
	int ok = tarn_xlcfg_parse(text, &g, err) == -1 && strstr(err, says);
	if (!ok)
		printf("# got: %s\n", err);
	return ok;
}

int main(void)
{
	struct tarn_xlcfg g;
	tarn_err err = "";
	CHECK("xlcfg: a PV guest as xl takes it",
	      tarn_xlcfg_parse("# a comment\nname = \"web1\"\nmemory = 512\nvcpus = 2\n"
			       "kernel = \"/var/lib/tarn/k/vmlinuz\"\nramdisk = \"/var/lib/tarn/k/initrd\"\n"
			       "extra = \"console=hvc0\"\n"
			       "disk = [ 'phy:/dev/vg0/web1,xvda,w', 'file:/srv/web1-data.img,xvdb,w' ]\n"
			       "vif = [ 'bridge=xenbr0' ]\n", &g, err) == 0);
	CHECK("xlcfg: its fields", strcmp(g.name, "web1") == 0 && g.memory == 512 && g.vcpus == 2 &&
	      strcmp(g.type, "pv") == 0 && g.disks == 2 && g.uuid[0] == '\0');
	CHECK("xlcfg: an HVM guest needs no kernel; its uuid is kept",
	      tarn_xlcfg_parse("name='win'\ntype='hvm'\nmemory=2048\n"
			       "uuid='0f8fad5b-d9cb-469f-a165-70867728950e'\n", &g, err) == 0 &&
	      strcmp(g.type, "hvm") == 0 && g.vcpus == 1 && strcmp(g.uuid, "0f8fad5b-d9cb-469f-a165-70867728950e") == 0);
	CHECK("xlcfg: the older builder='hvm' means type hvm",
	      tarn_xlcfg_parse("name='old'\nbuilder='hvm'\nmemory=256\n", &g, err) == 0 && strcmp(g.type, "hvm") == 0);
	CHECK("xlcfg: a syntax error names its line",
	      refused("name = \"a\"\nmemory = 256 256\n", "xl.cfg:2: config parsing error near `256'"));
	CHECK("xlcfg: an unknown type is named", refused("name='a'\ntype='xen'\nmemory=1\n", "type xen is not pv, pvh or hvm"));
	CHECK("xlcfg: no name", refused("memory=256\nkernel='/k'\n", "name is required"));
	CHECK("xlcfg: a bad name says why", refused("name='a b'\nmemory=256\n", "name: a name has only"));
	CHECK("xlcfg: no memory", refused("name='a'\nkernel='/k'\n", "memory is required"));
	CHECK("xlcfg: memory that is not a number names the line",
	      refused("name='a'\nmemory='lots'\nkernel='/k'\n", "xl.cfg:2: memory must be a whole number from 1 to 16777216"));
	CHECK("xlcfg: zero vCPUs", refused("name='a'\nmemory=1\nvcpus=0\nkernel='/k'\n", "xl.cfg:3: vcpus must be a whole number from 1 to 512"));
	CHECK("xlcfg: a relative kernel path", refused("name='a'\nmemory=1\nkernel='vmlinuz'\n",
						       "kernel: vmlinuz is not an absolute path"));
	CHECK("xlcfg: a PV guest with nothing to boot", refused("name='a'\nmemory=1\n", "needs a kernel (kernel = \"" TARN_PVGRUB));
	CHECK("xlcfg: a bad disk specification is named",
	      refused("name='a'\nmemory=1\nkernel='/k'\ndisk=['bogus=1,,,,']\n", "unknown parameter"));
	CHECK("xlcfg: a bad uuid", refused("name='a'\nmemory=1\nkernel='/k'\nuuid='x'\n", "uuid: x is not a UUID"));
	CHECK("xlcfg: an empty config", refused("", "1 byte to 64 KiB"));
	CHECK("xlcfg: binary junk is refused, not a crash", refused("\x01\x02\xff name = \n[[[", "xl.cfg:1"));
	CHECK_EXIT();
}
