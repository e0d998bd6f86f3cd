/* The guest runtime's pure parts: CPU lists and pins (lib/cpulist), xl.cfg
 * to a libxl domain configuration (lib/guest-config), and the reconciler's
 * decision (services/tarnd/guest-decide) driven scan by scan, as the engine
 * drives it with what libxl reports. */
#include <libxl_utils.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cpulist.h"
#include "guest-config.h"
#include "guest-decide.h"
#include "xlcfg.h"

static const char *list(const char *text, int ncpus, char *buf, size_t len)
{
	libxl_bitmap b;
	tarn_err err = "";
	libxl_bitmap_init(&b);
	if (tarn_cpulist_parse(text, ncpus, &b, err))
		snprintf(buf, len, "error: %s", err);
	else
		tarn_cpulist_format(&b, ncpus, buf, len);
	libxl_bitmap_dispose(&b);
	return buf;
}

static void cpulists(void)
{
	char b[200], pins[200];
	CHECK("cpulist: ranges and exclusions", strcmp(list("0-3,^2", 8, b, sizeof b), "0-1,3") == 0);
	CHECK("cpulist: every CPU is all", strcmp(list("0,1", 2, b, sizeof b), "all") == 0);
	CHECK("cpulist: all", strcmp(list("all", 4, b, sizeof b), "all") == 0);
	CHECK("cpulist: a CPU the host lacks is named",
	      strcmp(list("1-2", 2, b, sizeof b), "error: CPU 2 does not exist (there are 2)") == 0);
	CHECK("cpulist: NUMA nodes are refused", strstr(list("node:0", 4, b, sizeof b), "NUMA node lists"));
	CHECK("cpulist: junk is refused", strstr(list("1x", 4, b, sizeof b), "1x is not a CPU"));
	CHECK("cpulist: an empty list is refused", strstr(list("", 4, b, sizeof b), "empty"));
	CHECK("cpulist: a list that leaves nothing is refused", strstr(list("1,^1", 4, b, sizeof b), "leaves no CPU"));
	CHECK("pins: set into empty", tarn_pins_set("", 1, "0-1", pins, sizeof pins) == 0 && !strcmp(pins, "1:0-1"));
	CHECK("pins: kept in vCPU order", tarn_pins_set("1:0-1", 0, "1", b, sizeof b) == 0 && !strcmp(b, "0:1 1:0-1"));
	CHECK("pins: replaced", tarn_pins_set("0:1 1:0-1", 1, "all", pins, sizeof pins) == 0 &&
				     !strcmp(pins, "0:1 1:all"));
	CHECK("pins: read back", tarn_pins_get(pins, 1, b, sizeof b) && !strcmp(b, "all") &&
				     tarn_pins_get(pins, 0, b, sizeof b) && !strcmp(b, "1") &&
				     !tarn_pins_get(pins, 2, b, sizeof b));
	CHECK("pins: too long for the buffer", tarn_pins_set("0:1", 1, "2", b, 4) == -1);
}

#define UUID "0f8fad5b-d9cb-469f-a165-70867728950e"
#define TINY "name = \"tiny\"\ntype = \"pv\"\nkernel = \"/k/vmlinuz\"\nramdisk = \"/k/initrd.gz\"\n" \
	     "extra = \"console=hvc0\"\nroot = \"/dev/xvda\"\nmemory = 128\nvcpus = 2\non_crash = \"preserve\"\n"

static int config(const char *text, libxl_domain_config *dc, tarn_err err)
{
	libxl_domain_config_init(dc);
	return tarn_guest_config(text, UUID, 4, dc, err);
}

static int refused(const char *text, const char *says)
{
	libxl_domain_config dc;
	tarn_err err = "";
	int ok = config(text, &dc, err) == -1 && strstr(err, says);
	if (!ok)
		printf("# got: %s\n", err);
	libxl_domain_config_dispose(&dc);
	return ok;
}

static void guest_config(void)
{
	libxl_domain_config dc;
	tarn_err err = "";
	char b[64];
	int rc = config(TINY "cpus = \"1-3\"\nvif = [ 'bridge=xenbr0,mac=00:16:3e:01:02:03', '' ]\n"
			     "disk = [ 'file:/srv/tiny.img,xvda,w' ]\n", &dc, err);
	CHECK("guest config: the tiny PV guest converts", rc == 0);
	if (rc)
		printf("# %s\n", err);
	libxl_uuid u;
	libxl_uuid_from_string(&u, UUID);
	CHECK("guest config: name, type, uuid", rc == 0 && !strcmp(dc.c_info.name, "tiny") &&
						    dc.c_info.type == LIBXL_DOMAIN_TYPE_PV &&
						    libxl_uuid_compare(&dc.c_info.uuid, &u) == 0);
	CHECK("guest config: kernel, ramdisk, and root before extra as xl builds them",
	      rc == 0 && !strcmp(dc.b_info.kernel, "/k/vmlinuz") && !strcmp(dc.b_info.ramdisk, "/k/initrd.gz") &&
	      !strcmp(dc.b_info.cmdline, "root=/dev/xvda console=hvc0"));
	CHECK("guest config: memory and vCPUs", rc == 0 && dc.b_info.target_memkb == 128 * 1024 &&
						    dc.b_info.max_memkb == 128 * 1024 && dc.b_info.max_vcpus == 2 &&
						    libxl_bitmap_count_set(&dc.b_info.avail_vcpus) == 2);
	CHECK("guest config: cpus = \"1-3\" pins every vCPU",
	      rc == 0 && dc.b_info.num_vcpu_hard_affinity == 2 &&
	      (tarn_cpulist_format(&dc.b_info.vcpu_hard_affinity[1], 4, b, sizeof b), !strcmp(b, "1-3")));
	CHECK("guest config: on_crash preserve, the others xl's defaults",
	      rc == 0 && dc.on_crash == LIBXL_ACTION_ON_SHUTDOWN_PRESERVE &&
	      dc.on_reboot == LIBXL_ACTION_ON_SHUTDOWN_RESTART && dc.on_poweroff == LIBXL_ACTION_ON_SHUTDOWN_DESTROY);
	CHECK("guest config: vifs with bridge and mac, an empty one as xl's default",
	      rc == 0 && dc.num_nics == 2 && !strcmp(dc.nics[0].bridge, "xenbr0") && dc.nics[0].mac[5] == 3 &&
	      dc.nics[1].devid == 1 && dc.nics[1].bridge == NULL);
	CHECK("guest config: the disk", rc == 0 && dc.num_disks == 1 && !strcmp(dc.disks[0].vdev, "xvda") &&
					    !strcmp(dc.disks[0].pdev_path, "/srv/tiny.img"));
	rc = rc ? rc : tarn_guest_config_pin(&dc, 4, "1:0", err);
	CHECK("guest config: a live pin overrides the config's cpus for its vCPU",
	      rc == 0 && (tarn_cpulist_format(&dc.b_info.vcpu_hard_affinity[1], 4, b, sizeof b), !strcmp(b, "0")) &&
	      (tarn_cpulist_format(&dc.b_info.vcpu_hard_affinity[0], 4, b, sizeof b), !strcmp(b, "1-3")));
	libxl_domain_config_dispose(&dc);
	rc = config(TINY, &dc, err) || tarn_guest_config_pin(&dc, 4, "0:2", err);
	CHECK("guest config: a pin without cpus in the config leaves the other vCPUs on every CPU",
	      rc == 0 && dc.b_info.num_vcpu_hard_affinity == 2 &&
	      (tarn_cpulist_format(&dc.b_info.vcpu_hard_affinity[0], 4, b, sizeof b), !strcmp(b, "2")) &&
	      (tarn_cpulist_format(&dc.b_info.vcpu_hard_affinity[1], 4, b, sizeof b), !strcmp(b, "all")));
	libxl_domain_config_dispose(&dc);
	rc = config(TINY "cpus = [ \"0\", \"1\" ]\ncmdline = \"quiet\"\nmaxmem = 256\n", &dc, err);
	CHECK("guest config: one list per vCPU; cmdline wins; maxmem",
	      rc == 0 && (tarn_cpulist_format(&dc.b_info.vcpu_hard_affinity[1], 4, b, sizeof b), !strcmp(b, "1")) &&
	      !strcmp(dc.b_info.cmdline, "quiet") && dc.b_info.max_memkb == 256 * 1024);
	libxl_domain_config_dispose(&dc);
	CHECK("guest config: a key Tarn does not apply is named", refused(TINY "vfb = [ 'vnc=1' ]\n", "vfb is not supported"));
	rc = config(TINY "guest_os_type = 'linux'\n", &dc, err);
	CHECK("guest config: keys xl does not know are ignored, as xl does", rc == 0);
	libxl_domain_config_dispose(&dc);
	CHECK("guest config: an HVM boot order xl would not take", refused("name='w'\ntype='hvm'\nmemory=64\nboot='x'\n",
									       "boot = x: the devices are"));
	CHECK("guest config: a PV guest without a kernel is pointed at pvgrub2",
	      refused("name='w'\nmemory=64\ndisk=['/d.img,,xvda']\n", "kernel = \"" TARN_PVGRUB "\" boots"));
	CHECK("guest config: a bootloader is refused", refused("name='w'\nmemory=64\nbootloader='pygrub'\n", "bootloader is not supported"));
	CHECK("guest config: an on_crash Tarn does not do", refused(TINY "on_crash='coredump-destroy'\n", "Tarn does destroy, restart or preserve"));
	CHECK("guest config: a CPU the host lacks", refused(TINY "cpus='5'\n", "CPU 5 does not exist"));
	CHECK("guest config: maxmem below memory", refused(TINY "maxmem=64\n", "maxmem (64) is below memory (128)"));
	CHECK("guest config: a bad mac", refused(TINY "vif=['mac=00:16']\n", "mac=00:16 is not six hex bytes"));
	CHECK("guest config: a vif option Tarn does not do", refused(TINY "vif=['model=e1000']\n", "model is not supported"));
	CHECK("guest config: a bad disk", refused(TINY "disk=['bogus=1,,,,']\n", "unknown parameter"));
}

static int says(int rc, const char *err, const char *what)
{
	if (rc != -1 || !strstr(err, what))
		printf("# got %d: %s\n", rc, err);
	return rc == -1 && strstr(err, what);
}

/* The boot sources: pvgrub2 from the guest's disk, HVM from an ISO. */
static void boot_sources(void)
{
	libxl_domain_config dc;
	tarn_err err = "";
	int rc = config("name = 'grub'\nmemory = 256\nkernel = '" TARN_PVGRUB "'\n"
			"disk = [ 'file:/r/running_pool/grub/disk.img,xvda,w' ]\n", &dc, err);
	CHECK("boot: a PV guest booting its own kernel through pvgrub2: PV, GRUB as its kernel, no ramdisk",
	      rc == 0 && dc.c_info.type == LIBXL_DOMAIN_TYPE_PV && !strcmp(dc.b_info.kernel, TARN_PVGRUB) &&
		      dc.b_info.ramdisk == NULL && dc.num_disks == 1);
	libxl_domain_config_dispose(&dc);
	rc = config("name = 'inst'\ntype = 'hvm'\nmemory = 512\nvcpus = 2\nboot = 'dc'\nserial = 'pty'\nvnc = 0\n"
		    "disk = [ 'file:/r/running_pool/inst/disk.img,hda,w',\n"
		    "         'file:/r/iso_pool/debian.iso,hdc:cdrom,r' ]\n", &dc, err);
	if (rc)
		printf("# %s\n", err);
	CHECK("boot: an HVM guest: type, memory, vCPUs, no kernel", rc == 0 && dc.c_info.type == LIBXL_DOMAIN_TYPE_HVM &&
		      dc.b_info.type == LIBXL_DOMAIN_TYPE_HVM && dc.b_info.target_memkb == 512 * 1024 &&
		      dc.b_info.max_vcpus == 2 && dc.b_info.kernel == NULL);
	CHECK("boot: HVM boot order, serial and VNC as xl reads them",
	      rc == 0 && !strcmp(dc.b_info.u.hvm.boot, "dc") && !strcmp(dc.b_info.u.hvm.serial, "pty") &&
		      !libxl_defbool_is_default(dc.b_info.u.hvm.vnc.enable) &&
		      !libxl_defbool_val(dc.b_info.u.hvm.vnc.enable));
	CHECK("boot: the ISO from iso_pool is a read-only CD drive",
	      rc == 0 && dc.num_disks == 2 && dc.disks[1].is_cdrom && !dc.disks[1].readwrite &&
		      !strcmp(dc.disks[1].pdev_path, "/r/iso_pool/debian.iso") && !strcmp(dc.disks[1].vdev, "hdc"));
	CHECK("boot: serial = pty is logged to the console log: a pty chardev labelled serial0 with a logfile",
	      rc == 0 && tarn_guest_config_serial_log(&dc, "/var/log/xen/console/guest-inst.log", err) == 0 &&
		      !strcmp(dc.b_info.u.hvm.serial, "chardev:serial0") && dc.b_info.extra_hvm &&
		      !strcmp(dc.b_info.extra_hvm[0], "-chardev") &&
		      !strcmp(dc.b_info.extra_hvm[1],
			      "pty,id=serial0,logfile=/var/log/xen/console/guest-inst.log,logappend=on") &&
		      dc.b_info.extra_hvm[2] == NULL);
	libxl_domain_config_dispose(&dc);
	rc = config("name = 'con'\ntype = 'hvm'\nmemory = 64\nserial = 'file:/tmp/con.txt'\nnographic = 1\n"
		    "vga = 'none'\n", &dc, err);
	CHECK("boot: HVM nographic and vga = none as xl reads them",
	      rc == 0 && libxl_defbool_val(dc.b_info.u.hvm.nographic) &&
		      dc.b_info.u.hvm.vga.kind == LIBXL_VGA_INTERFACE_TYPE_NONE);
	CHECK("boot: a serial other than pty is left as the xl.cfg says, with no chardev added",
	      rc == 0 && tarn_guest_config_serial_log(&dc, "/l/guest-con.log", err) == 0 &&
		      !strcmp(dc.b_info.u.hvm.serial, "file:/tmp/con.txt") && dc.b_info.extra_hvm == NULL);
	libxl_domain_config_dispose(&dc);
	rc = config("name = 'com'\ntype = 'hvm'\nmemory = 64\nserial = 'pty'\n", &dc, err);
	CHECK("boot: a console log path with a comma is refused (QEMU would split it), the serial left as it was",
	      rc == 0 && says(tarn_guest_config_serial_log(&dc, "/a,b/guest-com.log", err), err, "comma") &&
		      !strcmp(dc.b_info.u.hvm.serial, "pty"));
	libxl_domain_config_dispose(&dc);
	CHECK("boot: an HVM graphics card Tarn does not have is refused, naming the ones it has",
	      refused("name='v'\ntype='hvm'\nmemory=64\nvga='qxl'\n", "cirrus, stdvga or none"));
	CHECK("boot: HVM on a host without AMD-V/VT-x is refused with what to do",
	      says(tarn_guest_type_runs("hvm", TARN_HVM_NONE, 1, err), err,
		   "this host has no hardware virtualization (AMD-V/VT-x): HVM guests cannot run here; use a PV guest"));
	CHECK("boot: HVM and PVH where the CPU has AMD-V/VT-x but no nested paging are refused, naming NPT/EPT",
	      says(tarn_guest_type_runs("hvm", TARN_HVM_NO_PAGING, 1, err), err, "not the nested paging (AMD NPT, "
										 "Intel EPT)") &&
		      says(tarn_guest_type_runs("pvh", TARN_HVM_NO_PAGING, 0, err), err, "PVH guests cannot run"));
	CHECK("boot: HVM without QEMU's device model is refused, naming it",
	      says(tarn_guest_type_runs("hvm", TARN_HVM_YES, 0, err), err, "qemu-system-xen"));
	CHECK("boot: HVM with both runs; PV needs neither; PVH needs AMD-V/VT-x only",
	      tarn_guest_type_runs("hvm", TARN_HVM_YES, 1, err) == 0 &&
		      tarn_guest_type_runs("pv", TARN_HVM_NONE, 0, err) == 0 &&
		      tarn_guest_type_runs("pvh", TARN_HVM_YES, 0, err) == 0 &&
		      says(tarn_guest_type_runs("pvh", TARN_HVM_NONE, 1, err), err, "PVH guests cannot run here"));
	CHECK("boot: what libxl's physinfo says, as the host.hvm fact: AMD-V/VT-x and HAP or shadow paging",
	      tarn_hvm_of(0, 1, 1) == TARN_HVM_NONE && tarn_hvm_of(1, 0, 0) == TARN_HVM_NO_PAGING &&
		      tarn_hvm_of(1, 1, 0) == TARN_HVM_YES && tarn_hvm_of(1, 0, 1) == TARN_HVM_YES &&
		      tarn_hvm_named("yes") == TARN_HVM_YES && tarn_hvm_named("no-paging") == TARN_HVM_NO_PAGING &&
		      tarn_hvm_named("no") == TARN_HVM_NONE && tarn_hvm_named("") == TARN_HVM_NONE &&
		      !strcmp(tarn_hvm_names[TARN_HVM_NO_PAGING], "no-paging"));
}

/* Memory and vCPU changes: the host's limits, the xl.cfg rewritten. */
static void resources(void)
{
	tarn_err err = "";
	CHECK("limits: a guest within the host fits", tarn_guest_fits(512, 2, 3900, 4, err) == 0);
	CHECK("limits: memory beyond the host, said with both figures",
	      says(tarn_guest_fits(99999, 1, 3900, 4, err), err, "memory 99999 MiB is more than this host's 3900 MiB"));
	CHECK("limits: memory below the minimum", says(tarn_guest_fits(16, 1, 3900, 4, err), err, "below the 32 MiB"));
	CHECK("limits: more vCPUs than CPUs", says(tarn_guest_fits(64, 5, 3900, 4, err), err, "5 vCPUs are more than this host's 4 CPUs"));
	CHECK("limits: no vCPUs", says(tarn_guest_fits(64, 0, 3900, 4, err), err, "at least 1 vCPU"));
	CHECK("limits: a host not read yet is not checked; vcpus -1 not checked",
	      tarn_guest_fits(99999, -1, 0, 0, err) == 0);
	char *out = NULL;
	int rc = tarn_xlcfg_set_number("name = 'a'\n  memory=64 # small\nvcpus = 1\n", "memory", 256, &out, err);
	CHECK("xl.cfg rewrite: the memory line replaced, the rest kept",
	      rc == 0 && !strcmp(out, "name = 'a'\nmemory = 256\nvcpus = 1\n"));
	free(out);
	rc = tarn_xlcfg_set_number("name = 'a'\nmemory = 64\n", "vcpus", 2, &out, err);
	CHECK("xl.cfg rewrite: a key not there is added", rc == 0 && !strcmp(out, "name = 'a'\nmemory = 64\nvcpus = 2\n"));
	free(out);
	rc = tarn_xlcfg_set_number("name = 'a'\nmaxmemory = 9\nmemory = 64; vcpus = 2\n", "memory", 9, &out, err);
	CHECK("xl.cfg rewrite: a line that sets more is refused; a longer key is not matched",
	      says(rc, err, "on a line with other settings") && out == NULL);
}

struct run {
	struct tarn_guest_want w;
	struct tarn_guest_memory m;
	struct tarn_guest_plan p;
	time_t now;
};

static enum tarn_act scan(struct run *r, enum tarn_dom dom, enum tarn_why why)
{
	struct tarn_guest_seen s = {dom, why};
	tarn_guest_decide(&r->w, &s, &r->m, r->now, &r->p);
	r->now += 2;
	return r->p.act;
}

static void decisions(void)
{
	struct run r = {.w = {.desired = TARN_RUNNING, .stop_timeout = 60, .gen = 1}, .now = 1000};
	CHECK("decide: meant to run, no domain: create", scan(&r, TARN_DOM_ABSENT, 0) == TARN_ACT_CREATE &&
							     !strcmp(r.p.actual, "stopped") && !r.p.drift);
	CHECK("decide: running as meant: nothing", scan(&r, TARN_DOM_RUNNING, 0) == TARN_ACT_NONE &&
						       !strcmp(r.p.actual, "running") && r.m.settled);
	CHECK("decide: xl destroy by hand is drift, restored", scan(&r, TARN_DOM_ABSENT, 0) == TARN_ACT_CREATE &&
								   r.p.drift && strstr(r.p.why, "destroyed outside"));
	scan(&r, TARN_DOM_RUNNING, 0);
	CHECK("decide: a pause not made here is not drift at once (xl destroy pauses first)",
	      scan(&r, TARN_DOM_PAUSED, 0) == TARN_ACT_NONE && !r.p.drift && !strcmp(r.p.actual, "paused"));
	CHECK("decide: ... nor while it lasts less than the grace",
	      scan(&r, TARN_DOM_PAUSED, 0) == TARN_ACT_NONE && !r.p.drift);
	CHECK("decide: an xl destroy that paused it first: dying, wait",
	      scan(&r, TARN_DOM_DYING, 0) == TARN_ACT_NONE && !r.p.drift && !strcmp(r.p.actual, "dying"));
	CHECK("decide: ... then gone: drift, destroyed outside, restored",
	      scan(&r, TARN_DOM_ABSENT, 0) == TARN_ACT_CREATE && r.p.drift && strstr(r.p.why, "destroyed outside"));
	scan(&r, TARN_DOM_RUNNING, 0);
	enum tarn_act a = TARN_ACT_NONE;
	int scans = 0;
	for (; scans < 10 && a == TARN_ACT_NONE; scans++)
		a = scan(&r, TARN_DOM_PAUSED, 0);
	CHECK("decide: xl pause by hand is drift once it lasts the grace, unpaused",
	      a == TARN_ACT_UNPAUSE && r.p.drift && strstr(r.p.why, "paused outside") &&
	      scans == TARN_PAUSE_GRACE / 2 + 1);
	scan(&r, TARN_DOM_RUNNING, 0);
	CHECK("decide: a later pause waits the whole grace again", scan(&r, TARN_DOM_PAUSED, 0) == TARN_ACT_NONE);
	scan(&r, TARN_DOM_RUNNING, 0);
	r.w.leave_drift = 1;
	CHECK("decide: with the leave policy, drift becomes what is desired",
	      scan(&r, TARN_DOM_ABSENT, 0) == TARN_ACT_NONE && r.p.drift && r.p.adopt && r.p.adopt_state == TARN_STOPPED);
	r.w.desired = TARN_STOPPED, r.w.gen++;
	CHECK("decide: after the adoption, stopped is settled", scan(&r, TARN_DOM_ABSENT, 0) == TARN_ACT_NONE &&
								    !r.p.drift && r.m.settled);
	CHECK("decide: xl create by hand with leave: now meant to run",
	      scan(&r, TARN_DOM_RUNNING, 0) == TARN_ACT_NONE && r.p.drift && r.p.adopt_state == TARN_RUNNING);
	r.w.leave_drift = 0;
	r.w.gen++; /* the adoption failed: someone changed the guest meanwhile (still meant to be stopped) */
	CHECK("decide: a change of what is desired is not drift: stop cleanly",
	      scan(&r, TARN_DOM_RUNNING, 0) == TARN_ACT_SHUTDOWN && !r.p.drift && !strcmp(r.p.actual, "stopping"));
	CHECK("decide: waits for the shutdown", scan(&r, TARN_DOM_RUNNING, 0) == TARN_ACT_NONE &&
						    !strcmp(r.p.actual, "stopping"));
	r.now += 60;
	CHECK("decide: destroys after the timeout", scan(&r, TARN_DOM_RUNNING, 0) == TARN_ACT_DESTROY &&
							strstr(r.p.why, "did not shut down"));
	CHECK("decide: dying: wait", scan(&r, TARN_DOM_DYING, 0) == TARN_ACT_NONE && !strcmp(r.p.actual, "dying"));
	CHECK("decide: gone: stopped, settled", scan(&r, TARN_DOM_ABSENT, 0) == TARN_ACT_NONE && r.m.settled &&
						    r.m.stop_deadline == 0);
	r.w.desired = TARN_RUNNING, r.w.gen++;
	scan(&r, TARN_DOM_ABSENT, 0);
	CHECK("decide: a domain shut down as part of a stop is destroyed",
	      (r.w.desired = TARN_STOPPED, r.w.gen++, scan(&r, TARN_DOM_SHUTDOWN, TARN_WHY_POWEROFF)) == TARN_ACT_DESTROY &&
	      !r.p.adopt);
	r.w.stop_timeout = 0;
	CHECK("decide: a stop with no timeout destroys at once", scan(&r, TARN_DOM_RUNNING, 0) == TARN_ACT_DESTROY);

	struct run c = {.w = {.desired = TARN_RUNNING, .gen = 5, .on_crash = TARN_ON_DESTROY,
			      .on_reboot = TARN_ON_RESTART}, .now = 50};
	scan(&c, TARN_DOM_RUNNING, 0);
	CHECK("decide: a crash with on_crash=destroy destroys, and it stays stopped",
	      scan(&c, TARN_DOM_SHUTDOWN, TARN_WHY_CRASH) == TARN_ACT_DESTROY && c.p.adopt &&
	      c.p.adopt_state == TARN_STOPPED && !c.p.drift && !strcmp(c.p.actual, "crashed"));
	CHECK("decide: a guest that powered itself off stays off (on_poweroff=destroy)",
	      scan(&c, TARN_DOM_SHUTDOWN, TARN_WHY_POWEROFF) == TARN_ACT_DESTROY && c.p.adopt && strstr(c.p.why, "powered off"));
	CHECK("decide: a reboot from inside restarts it (on_reboot=restart)",
	      scan(&c, TARN_DOM_SHUTDOWN, TARN_WHY_REBOOT) == TARN_ACT_RESTART && !c.p.adopt);
	CHECK("decide: after the restart's destroy it is created again", scan(&c, TARN_DOM_ABSENT, 0) == TARN_ACT_CREATE &&
									 !c.p.drift);
	c.w.on_crash = TARN_ON_PRESERVE;
	CHECK("decide: on_crash=preserve keeps the crashed domain",
	      scan(&c, TARN_DOM_SHUTDOWN, TARN_WHY_CRASH) == TARN_ACT_NONE && !strcmp(c.p.actual, "crashed") && !c.m.settled);
	c.w.on_crash = TARN_ON_RESTART;
	CHECK("decide: on_crash=restart", scan(&c, TARN_DOM_SHUTDOWN, TARN_WHY_CRASH) == TARN_ACT_RESTART);
	CHECK("decide: a suspended domain is left as it is", scan(&c, TARN_DOM_SHUTDOWN, TARN_WHY_SUSPEND) == TARN_ACT_NONE);

	c.w.request = TARN_REQ_REBOOT, c.w.gen++;
	CHECK("decide: a reboot request reboots a running guest, once",
	      scan(&c, TARN_DOM_RUNNING, 0) == TARN_ACT_REBOOT && c.p.request_done);
	CHECK("decide: a reboot request for a paused guest restarts it", scan(&c, TARN_DOM_PAUSED, 0) == TARN_ACT_RESTART);
	c.w.request = TARN_REQ_DESTROY, c.w.desired = TARN_STOPPED, c.w.gen++;
	CHECK("decide: a destroy request destroys", scan(&c, TARN_DOM_RUNNING, 0) == TARN_ACT_DESTROY && c.p.request_done);
	CHECK("decide: a destroy request with nothing left is done", scan(&c, TARN_DOM_ABSENT, 0) == TARN_ACT_NONE &&
									 c.p.request_done);
	c.w.request = TARN_REQ_NONE, c.w.desired = TARN_PAUSED, c.w.gen++;
	CHECK("decide: meant to be paused and running: pause", scan(&c, TARN_DOM_RUNNING, 0) == TARN_ACT_PAUSE);
	CHECK("decide: paused as meant", scan(&c, TARN_DOM_PAUSED, 0) == TARN_ACT_NONE && c.m.settled);
	CHECK("decide: unpaused by hand is drift", scan(&c, TARN_DOM_RUNNING, 0) == TARN_ACT_PAUSE && c.p.drift &&
						       strstr(c.p.why, "unpaused outside"));

	struct run f = {.w = {.desired = TARN_RUNNING, .gen = 1}, .now = 100};
	scan(&f, TARN_DOM_ABSENT, 0);
	tarn_guest_start_failed(&f.m, f.now);
	CHECK("decide: after a failed start, it waits", scan(&f, TARN_DOM_ABSENT, 0) == TARN_ACT_NONE);
	f.now += 5;
	CHECK("decide: then tries again", scan(&f, TARN_DOM_ABSENT, 0) == TARN_ACT_CREATE);
	for (int i = 0; i < 10; i++)
		tarn_guest_start_failed(&f.m, f.now);
	CHECK("decide: the back-off stops at five minutes", f.m.retry_at == f.now + 300);
	f.w.gen++;
	CHECK("decide: asked again, it tries at once", scan(&f, TARN_DOM_ABSENT, 0) == TARN_ACT_CREATE);
}

/* Suspend to a file and resume, scan by scan. */
static void suspends(void)
{
	struct run r = {.w = {.desired = TARN_RUNNING, .stop_timeout = 60, .gen = 1}, .now = 1000};
	scan(&r, TARN_DOM_RUNNING, 0);
	r.w.desired = TARN_SUSPENDED, r.w.gen++;
	CHECK("suspend: a running guest meant to be suspended is saved",
	      scan(&r, TARN_DOM_RUNNING, 0) == TARN_ACT_SUSPEND && !r.p.drift);
	CHECK("suspend: saved, no domain: suspended, settled",
	      scan(&r, TARN_DOM_SAVED, 0) == TARN_ACT_NONE && !strcmp(r.p.actual, "suspended") && r.m.settled);
	CHECK("suspend: stays so", scan(&r, TARN_DOM_SAVED, 0) == TARN_ACT_NONE && !r.p.drift);
	r.w.desired = TARN_RUNNING, r.w.gen++;
	CHECK("resume: meant to run again: restored from the saved state, not started anew",
	      scan(&r, TARN_DOM_SAVED, 0) == TARN_ACT_RESTORE);
	r.w.desired = TARN_PAUSED, r.w.gen++;
	CHECK("resume: meant to be paused: restored too (left paused)", scan(&r, TARN_DOM_SAVED, 0) == TARN_ACT_RESTORE);
	tarn_guest_start_failed(&r.m, r.now);
	CHECK("resume: a failed restore waits out the back-off", scan(&r, TARN_DOM_SAVED, 0) == TARN_ACT_NONE);
	r.w.desired = TARN_STOPPED, r.w.gen++;
	CHECK("suspend: a suspended guest meant to be stopped has its saved state discarded",
	      scan(&r, TARN_DOM_SAVED, 0) == TARN_ACT_DISCARD);
	r.w.desired = TARN_SUSPENDED, r.w.gen++;
	CHECK("suspend: a guest with no domain meant to be suspended stays stopped",
	      scan(&r, TARN_DOM_ABSENT, 0) == TARN_ACT_NONE && !strcmp(r.p.actual, "stopped"));
	r.w.request = TARN_REQ_DESTROY;
	CHECK("suspend: a destroy request discards the saved state",
	      scan(&r, TARN_DOM_SAVED, 0) == TARN_ACT_DISCARD && r.p.request_done);
	CHECK("suspend: the power state's name", !strcmp(tarn_power_name(TARN_SUSPENDED), "suspended"));
}

/* Which engine runs a guest: only its host's; an unplaced one only in a pool of one. */
static void placement(void)
{
	CHECK("place: a guest placed on this member runs here", tarn_guest_runs_here("42", "42", 3));
	CHECK("place: a guest placed on another member does not", !tarn_guest_runs_here("7", "42", 3));
	CHECK("place: nor on an engine that has no member id yet", !tarn_guest_runs_here("7", "", 1));
	CHECK("place: an unplaced guest runs in a pool of one", tarn_guest_runs_here("", "1", 1));
	CHECK("place: and on a host in no pool (no member rows)", tarn_guest_runs_here("", "", 0));
	CHECK("place: but nowhere in a pool of several", !tarn_guest_runs_here("", "42", 2) &&
							 !tarn_guest_runs_here(NULL, "42", 4));
	CHECK("place: an id is matched whole, not as a prefix", !tarn_guest_runs_here("4", "42", 2) &&
								   !tarn_guest_runs_here("421", "42", 2));
}

int main(void)
{
	cpulists();
	guest_config();
	resources();
	boot_sources();
	decisions();
	suspends();
	placement();
	CHECK_EXIT();
}
