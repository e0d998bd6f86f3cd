/* xl.cfg to libxl_domain_config; see guest-config.h. */
#include "guest-config.h"

#include <errno.h>
#include <libxl_utils.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpulist.h"
#include "xlcfg.h"

#define FAIL(...) (snprintf(err, TARN_ERRLEN, __VA_ARGS__), -1)

/* xl keys that change how a PV or PVH guest runs and that Tarn does not
 * apply yet: refused rather than silently dropped. */
static const char *const unsupported[] = {
	"bootloader", "bootloader_args", "cap", "channel", "cpu_weight", "cpuid", "cpus_soft", "device_model",
	"device_model_args", "device_model_override", "device_model_version", "device_tree", "driver_domain",
	"dtdev", "e820_host", "extratime", "init_seclabel", "iomem", "ioports", "irqs", "latency",
	"max_event_channels", "max_grant_frames", "max_grant_version", "max_maptrack_frames", "msr_relaxed",
	"nomigrate", "on_soft_reset", "p9", "pci", "period", "pool", "pvcalls", "pvshim", "pvshim_cmdline",
	"pvshim_extra", "pvshim_path", "seclabel", "slice", "tee", "tsc_mode", "usbctrl", "usbdev", "vdispl",
	"vfb", "vif2", "vkb", "vmtrace_buf_kb", "vnuma", "vsnd", "vtpm", "vuart",
};

static int present(const XLU_Config *c, const char *key)
{
	const char *v;
	return xlu_cfg_get_string(c, key, &v, 1) != ESRCH;
}

static char *dup_string(const XLU_Config *c, const char *key)
{
	const char *v;
	return xlu_cfg_get_string(c, key, &v, 1) == 0 ? strdup(v) : NULL;
}

/* cmdline, or "root=ROOT EXTRA", as xl builds it. */
static char *command_line(const XLU_Config *c)
{
	const char *cmdline, *root = NULL, *extra = NULL;
	if (xlu_cfg_get_string(c, "cmdline", &cmdline, 1) == 0)
		return strdup(cmdline);
	xlu_cfg_get_string(c, "root", &root, 1);
	xlu_cfg_get_string(c, "extra", &extra, 1);
	char *s = NULL;
	if (root && asprintf(&s, "root=%s%s%s", root, extra ? " " : "", extra ? extra : "") < 0)
		s = NULL;
	return root ? s : extra ? strdup(extra) : NULL;
}

static int action(const XLU_Config *c, const char *key, libxl_action_on_shutdown dflt,
		  libxl_action_on_shutdown *out, tarn_err err)
{
	static const struct {
		const char *name;
		libxl_action_on_shutdown a;
	} names[] = {{"destroy", LIBXL_ACTION_ON_SHUTDOWN_DESTROY}, {"restart", LIBXL_ACTION_ON_SHUTDOWN_RESTART},
		     {"preserve", LIBXL_ACTION_ON_SHUTDOWN_PRESERVE}};
	const char *v;
	*out = dflt;
	if (xlu_cfg_get_string(c, key, &v, 1) != 0)
		return 0;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(v, names[i].name) == 0)
			return *out = names[i].a, 0;
	return FAIL("xl.cfg: %s = %.40s: Tarn does destroy, restart or preserve", key, v);
}

/* "all" vCPUs' hard affinity arrays, each allocated for ncpus. */
static int affinity_array(libxl_domain_build_info *b, int n, int ncpus, tarn_err err)
{
	if (b->num_vcpu_hard_affinity)
		return 0;
	if (!(b->vcpu_hard_affinity = calloc((size_t)n, sizeof *b->vcpu_hard_affinity)))
		return FAIL("out of memory");
	for (int i = 0; i < n; i++) {
		libxl_bitmap_init(&b->vcpu_hard_affinity[i]);
		if (tarn_bitmap_alloc(&b->vcpu_hard_affinity[i], ncpus))
			return FAIL("out of memory");
		b->num_vcpu_hard_affinity = i + 1;
		for (int cpu = 0; cpu < ncpus; cpu++)
			libxl_bitmap_set(&b->vcpu_hard_affinity[i], cpu);
	}
	return 0;
}

/* One vCPU's list into its place in the array. */
static int pin_one(libxl_domain_build_info *b, int vcpu, int ncpus, const char *list, tarn_err err)
{
	libxl_bitmap m;
	libxl_bitmap_init(&m);
	tarn_err why;
	if (tarn_cpulist_parse(list, ncpus, &m, why)) {
		libxl_bitmap_dispose(&m);
		return FAIL("cpus for vCPU %d: %.130s", vcpu, why);
	}
	libxl_bitmap_dispose(&b->vcpu_hard_affinity[vcpu]);
	b->vcpu_hard_affinity[vcpu] = m;
	return 0;
}

/* cpus = "LIST" (every vCPU) or cpus = ["LIST0", "LIST1", ...] (one each). */
static int cpus(const XLU_Config *c, libxl_domain_build_info *b, int ncpus, tarn_err err)
{
	XLU_ConfigList *list;
	const char *one;
	int n = 0;
	if (xlu_cfg_get_list(c, "cpus", &list, &n, 1) == 0) {
		if (affinity_array(b, b->max_vcpus, ncpus, err))
			return -1;
		for (int i = 0; i < n && i < b->max_vcpus; i++)
			if (pin_one(b, i, ncpus, xlu_cfg_get_listitem(list, i), err))
				return -1;
		libxl_defbool_set(&b->numa_placement, false);
	} else if (xlu_cfg_get_string(c, "cpus", &one, 1) == 0) {
		if (affinity_array(b, b->max_vcpus, ncpus, err))
			return -1;
		for (int i = 0; i < b->max_vcpus; i++)
			if (pin_one(b, i, ncpus, one, err))
				return -1;
	}
	return 0;
}

static int disks(struct tarn_xlu *x, libxl_domain_config *dc, tarn_err err)
{
	XLU_ConfigList *list;
	int n = 0;
	if (xlu_cfg_get_list(x->c, "disk", &list, &n, 0) != 0)
		return 0;
	if (!(dc->disks = calloc((size_t)n, sizeof *dc->disks)))
		return FAIL("out of memory");
	for (int i = 0; i < n; i++) {
		const char *spec = xlu_cfg_get_listitem(list, i);
		libxl_device_disk_init(&dc->disks[i]);
		dc->num_disks = i + 1;
		if (!spec || xlu_disk_parse(x->c, 1, &spec, &dc->disks[i]))
			return tarn_xlu_said(x, err, "xl.cfg: disk: a specification xl cannot read");
	}
	return 0;
}

static int mac(const char *s, libxl_mac m)
{
	unsigned b[6];
	char end;
	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &end) != 6)
		return -1;
	for (int i = 0; i < 6; i++)
		m[i] = (uint8_t)b[i];
	return 0;
}

/* One "key=value,..." vif specification. */
static int nic(struct tarn_xlu *x, const char *spec, libxl_device_nic *n, tarn_err err)
{
	char *copy = strdup(spec), *save = NULL;
	if (!copy)
		return FAIL("out of memory");
	int rc = 0;
	for (char *tok = strtok_r(copy, ",", &save); tok && rc == 0; tok = strtok_r(NULL, ",", &save)) {
		while (*tok == ' ' || *tok == '\t')
			tok++;
		char *eq = strchr(tok, '='), **field = NULL;
		if (!*tok)
			continue;
		if (!eq) {
			rc = FAIL("xl.cfg: vif: %.40s is not key=value", tok);
			break;
		}
		*eq++ = '\0';
		if (strcmp(tok, "bridge") == 0)
			field = &n->bridge;
		else if (strcmp(tok, "vifname") == 0)
			field = &n->ifname;
		else if (strcmp(tok, "ip") == 0)
			field = &n->ip;
		else if (strcmp(tok, "script") == 0)
			field = &n->script;
		else if (strcmp(tok, "mac") == 0 && mac(eq, n->mac))
			rc = FAIL("xl.cfg: vif: mac=%.40s is not six hex bytes like 00:16:3e:01:02:03", eq);
		else if (strcmp(tok, "rate") == 0 && xlu_vif_parse_rate(x->c, eq, n))
			rc = tarn_xlu_said(x, err, "xl.cfg: vif: a rate xl cannot read");
		else if (strcmp(tok, "mac") && strcmp(tok, "rate"))
			rc = FAIL("xl.cfg: vif: %.40s is not supported by Tarn (bridge, mac, vifname, ip, script, rate)",
				  tok);
		if (field) {
			free(*field);
			if (!(*field = strdup(eq)))
				rc = FAIL("out of memory");
		}
	}
	free(copy);
	return rc;
}

static int nics(struct tarn_xlu *x, libxl_domain_config *dc, tarn_err err)
{
	XLU_ConfigList *list;
	int n = 0;
	if (xlu_cfg_get_list(x->c, "vif", &list, &n, 0) != 0)
		return 0;
	if (!(dc->nics = calloc((size_t)n, sizeof *dc->nics)))
		return FAIL("out of memory");
	for (int i = 0; i < n; i++) {
		libxl_device_nic_init(&dc->nics[i]);
		dc->num_nics = i + 1;
		dc->nics[i].devid = i;
		const char *spec = xlu_cfg_get_listitem(list, i);
		if (nic(x, spec ? spec : "", &dc->nics[i], err))
			return -1;
	}
	return 0;
}

/* An HVM guest's boot order (boot = "dc": CD first), its serial port
 * (serial = "pty": xl console reaches it), VNC (vnc = 0 turns it off;
 * vnclisten), nographic and its graphics card (vga = "cirrus", "stdvga"
 * or "none"), as xl reads them. */
static int hvm_keys(const XLU_Config *c, libxl_domain_build_info *b, tarn_err err)
{
	static const struct {
		const char *name;
		libxl_vga_interface_type kind;
	} cards[] = {{"cirrus", LIBXL_VGA_INTERFACE_TYPE_CIRRUS},
		     {"stdvga", LIBXL_VGA_INTERFACE_TYPE_STD},
		     {"none", LIBXL_VGA_INTERFACE_TYPE_NONE}};
	const char *v;
	long on;
	if (xlu_cfg_get_string(c, "boot", &v, 1) == 0) {
		if (!v[0] || strspn(v, "acdn") != strlen(v))
			return FAIL("xl.cfg: boot = %.20s: the devices are a (floppy), c (disk), d (CD), n (network)", v);
		b->u.hvm.boot = strdup(v);
	}
	b->u.hvm.serial = dup_string(c, "serial");
	if (xlu_cfg_get_long(c, "vnc", &on, 1) == 0)
		libxl_defbool_set(&b->u.hvm.vnc.enable, on != 0);
	b->u.hvm.vnc.listen = dup_string(c, "vnclisten");
	if (xlu_cfg_get_long(c, "nographic", &on, 1) == 0)
		libxl_defbool_set(&b->u.hvm.nographic, on != 0);
	if (xlu_cfg_get_string(c, "vga", &v, 1) == 0) {
		size_t i = 0;
		while (i < sizeof cards / sizeof cards[0] && strcmp(v, cards[i].name))
			i++;
		if (i == sizeof cards / sizeof cards[0])
			return FAIL("xl.cfg: vga = %.20s: Tarn's HVM guests have cirrus, stdvga or none", v);
		b->u.hvm.vga.kind = cards[i].kind;
	}
	return 0;
}

static int build(struct tarn_xlu *x, const struct tarn_xlcfg *s, const char *uuid, int ncpus,
		 libxl_domain_config *dc, tarn_err err)
{
	const XLU_Config *c = x->c;
	for (size_t i = 0; i < sizeof unsupported / sizeof unsupported[0]; i++)
		if (present(c, unsupported[i]))
			return FAIL("xl.cfg: %s is not supported by Tarn yet", unsupported[i]);
	int hvm = strcmp(s->type, "hvm") == 0;
	if (!hvm && !present(c, "kernel"))
		return FAIL("xl.cfg: Tarn starts PV and PVH guests from a kernel (pvgrub2's "
			    TARN_PVGRUB " boots one from the guest's disk)");
	libxl_domain_create_info *ci = &dc->c_info;
	libxl_domain_build_info *b = &dc->b_info;
	ci->type = hvm ? LIBXL_DOMAIN_TYPE_HVM : strcmp(s->type, "pvh") == 0 ? LIBXL_DOMAIN_TYPE_PVH
									      : LIBXL_DOMAIN_TYPE_PV;
	if (!(ci->name = strdup(s->name)))
		return FAIL("out of memory");
	if (libxl_uuid_from_string(&ci->uuid, uuid))
		return FAIL("%.40s is not a UUID", uuid);
	libxl_domain_build_info_init_type(b, ci->type);
	if (hvm && hvm_keys(c, b, err))
		return -1;
	if (!hvm) { /* an HVM guest boots through its firmware */
		b->kernel = dup_string(c, "kernel");
		b->ramdisk = dup_string(c, "ramdisk");
		b->cmdline = command_line(c);
	}
	b->target_memkb = (uint64_t)s->memory * 1024;
	b->max_memkb = (uint64_t)s->maxmem * 1024;
	b->max_vcpus = (int)s->maxvcpus;
	if (tarn_bitmap_alloc(&b->avail_vcpus, b->max_vcpus))
		return FAIL("out of memory");
	for (int i = 0; i < s->vcpus; i++)
		libxl_bitmap_set(&b->avail_vcpus, i);
	if (action(c, "on_poweroff", LIBXL_ACTION_ON_SHUTDOWN_DESTROY, &dc->on_poweroff, err) ||
	    action(c, "on_reboot", LIBXL_ACTION_ON_SHUTDOWN_RESTART, &dc->on_reboot, err) ||
	    action(c, "on_watchdog", LIBXL_ACTION_ON_SHUTDOWN_DESTROY, &dc->on_watchdog, err) ||
	    action(c, "on_crash", LIBXL_ACTION_ON_SHUTDOWN_DESTROY, &dc->on_crash, err))
		return -1;
	return cpus(c, b, ncpus, err) || disks(x, dc, err) || nics(x, dc, err) ? -1 : 0;
}

int tarn_guest_config(const char *text, const char *uuid, int ncpus, libxl_domain_config *dc, tarn_err err)
{
	struct tarn_xlcfg s;
	struct tarn_xlu x;
	if (tarn_xlcfg_parse(text, &s, err) || tarn_xlu_open(&x, text, err))
		return -1;
	int rc = build(&x, &s, uuid, ncpus, dc, err);
	tarn_xlu_close(&x);
	return rc;
}

int tarn_guest_config_pin(libxl_domain_config *dc, int ncpus, const char *pins, tarn_err err)
{
	libxl_domain_build_info *b = &dc->b_info;
	char list[256];
	for (int v = 0; v < b->max_vcpus; v++) {
		if (!tarn_pins_get(pins, v, list, sizeof list))
			continue;
		if (affinity_array(b, b->max_vcpus, ncpus, err) || pin_one(b, v, ncpus, list, err))
			return -1;
	}
	return 0;
}

int tarn_guest_fits(long memory, long vcpus, long host_mib, long host_cpus, tarn_err err)
{
	if (memory < TARN_GUEST_MIN_MIB)
		return FAIL("memory %ld MiB is below the %d MiB a guest needs at least", memory, TARN_GUEST_MIN_MIB);
	if (host_mib > 0 && memory > host_mib)
		return FAIL("memory %ld MiB is more than this host's %ld MiB", memory, host_mib);
	if (vcpus >= 0 && vcpus < 1)
		return FAIL("a guest has at least 1 vCPU");
	if (vcpus >= 0 && host_cpus > 0 && vcpus > host_cpus)
		return FAIL("%ld vCPUs are more than this host's %ld CPUs", vcpus, host_cpus);
	return 0;
}

const char *const tarn_hvm_names[3] = {"no", "no-paging", "yes"};

enum tarn_hvm tarn_hvm_of(int cap_hvm, int cap_hap, int cap_shadow)
{
	return !cap_hvm ? TARN_HVM_NONE : cap_hap || cap_shadow ? TARN_HVM_YES : TARN_HVM_NO_PAGING;
}

enum tarn_hvm tarn_hvm_named(const char *name)
{
	for (int i = TARN_HVM_YES; i > TARN_HVM_NONE; i--)
		if (strcmp(name, tarn_hvm_names[i]) == 0)
			return (enum tarn_hvm)i;
	return TARN_HVM_NONE;
}

int tarn_guest_type_runs(const char *type, enum tarn_hvm hvm, int device_model, tarn_err err)
{
	const char *kind = strcmp(type, "hvm") ? "PVH" : "HVM";
	if (strcmp(type, "pv") && hvm == TARN_HVM_NONE) /* PVH runs in the CPU's HVM container too */
		return FAIL("this host has no hardware virtualization (AMD-V/VT-x): %s guests cannot run here; "
			    "use a PV guest", kind);
	if (strcmp(type, "pv") && hvm == TARN_HVM_NO_PAGING)
		return FAIL("this host's CPU has AMD-V/VT-x but not the nested paging (AMD NPT, Intel EPT) that "
			    "Tarn's Xen needs: %s guests cannot run here; use a PV guest", kind);
	if (strcmp(type, "hvm") == 0 && !device_model)
		return FAIL("HVM guests need QEMU's device model (qemu-system-xen), which this host does not carry; "
			    "use a PV guest");
	return 0;
}

int tarn_guest_config_serial_log(libxl_domain_config *dc, const char *path, tarn_err err)
{
	libxl_domain_build_info *b = &dc->b_info;
	if (dc->c_info.type != LIBXL_DOMAIN_TYPE_HVM || !b->u.hvm.serial || strcmp(b->u.hvm.serial, "pty"))
		return 0;
	if (strchr(path, ',')) /* QEMU's options are split at commas */
		return FAIL("the console log %.100s has a comma in its path", path);
	int n = 0;
	while (b->extra_hvm && b->extra_hvm[n])
		n++;
	char **args = realloc(b->extra_hvm, (size_t)(n + 3) * sizeof *args);
	if (!args)
		return FAIL("out of memory");
	b->extra_hvm = args;
	args[n] = args[n + 1] = args[n + 2] = NULL;
	char *serial = strdup("chardev:serial0");
	if (!serial || !(args[n] = strdup("-chardev")) ||
	    asprintf(&args[n + 1], "pty,id=serial0,logfile=%s,logappend=on", path) < 0) {
		free(serial);
		free(args[n]);
		args[n] = args[n + 1] = NULL;
		return FAIL("out of memory");
	}
	free(b->u.hvm.serial);
	b->u.hvm.serial = serial;
	return 0;
}
