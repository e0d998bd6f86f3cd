/* A guest's xl.cfg as the libxl domain configuration the engine starts it
 * with. libxl does not export xl's parse_config_data, so this does what it
 * does for the keys Tarn runs:
 *   name, type (or builder): pv, pvh or hvm; kernel, ramdisk, cmdline (or
 *   root and extra) for PV and PVH, where the kernel may be pvgrub2
 *   (TARN_PVGRUB), which boots the kernel on the guest's own disk; boot,
 *   serial, vnc, vnclisten, nographic, vga for HVM (an ISO is a disk
 *   with devtype=cdrom); memory, maxmem; vcpus, maxvcpus, cpus (a list for
 *   all vCPUs, or one list each); disk (libxlutil's xlu_disk_parse); vif
 *   (bridge, mac, vifname, ip, script, rate); on_poweroff, on_reboot,
 *   on_watchdog, on_crash (destroy, restart or preserve).
 * A key xl knows that would change how a PV guest runs and that Tarn does
 * not apply (vfb, pci, bootloader ...) is refused by name rather than
 * ignored. Keys xl does not know are ignored, as xl does. */
#ifndef TARN_GUEST_CONFIG_H
#define TARN_GUEST_CONFIG_H
#include <libxl.h>

#include "validate.h"
#include "xlcfg.h"
/* Debian's qemu-system-xen: the device model an HVM guest needs */
#define TARN_DEVICE_MODEL "/usr/libexec/xen-qemu-system-i386"

/* Fills dc (libxl_domain_config_init'ed by the caller, who disposes of
 * it whatever the result) from text, with the pool's uuid for the guest
 * and CPU lists checked against the host's ncpus. 0, or -1 with err. */
int tarn_guest_config(const char *text, const char *uuid, int ncpus, libxl_domain_config *dc, tarn_err err);

/* Applies live pins ("VCPU:CPULIST ...", cpulist.h) over the config's
 * cpus: each pinned vCPU gets its list, the others keep theirs (all CPUs
 * when the config gave none). 0, or -1 with err. */
int tarn_guest_config_pin(libxl_domain_config *dc, int ncpus, const char *pins, tarn_err err);

/* An HVM guest's serial = "pty", logged to path too: QEMU's pty chardev
 * labelled serial0 (libxl finds its tty by that label, for xl console)
 * with a logfile, read as the logs xenconsoled keeps of PV consoles are.
 * Any other guest or serial setting is left as it is. 0, or -1 with err. */
int tarn_guest_config_serial_log(libxl_domain_config *dc, const char *path, tarn_err err);

/* The smallest guest Tarn starts (MiB): below it a PV kernel cannot boot. */
#define TARN_GUEST_MIN_MIB 32

/* Whether a guest of memory MiB and vcpus fits a host of host_mib and
 * host_cpus (either 0 or less: not known, not checked); vcpus below 0 is
 * not checked. 0, or -1 with err saying which and by how much. */
int tarn_guest_fits(long memory, long vcpus, long host_mib, long host_cpus, tarn_err err);

/* What a host offers HVM and PVH guests: nothing without AMD-V/VT-x;
 * nothing either when it has them but no nested paging (AMD NPT, Intel
 * EPT: libxl physinfo's cap_hap), as Debian's Xen 4.17 is built without
 * shadow paging; else both. The names are the host.hvm fact's values. */
enum tarn_hvm { TARN_HVM_NONE, TARN_HVM_NO_PAGING, TARN_HVM_YES };
extern const char *const tarn_hvm_names[3]; /* "no", "no-paging", "yes" */
enum tarn_hvm tarn_hvm_of(int cap_hvm, int cap_hap, int cap_shadow);
/* A name back; an unknown one is TARN_HVM_NONE. */
enum tarn_hvm tarn_hvm_named(const char *name);

/* Whether a guest of this type (pv, pvh, hvm) can run on a host offering
 * hvm (HVM and PVH need TARN_HVM_YES) with or without QEMU's device model
 * (HVM needs it). 0, or -1 with err saying why not and what to do. */
int tarn_guest_type_runs(const char *type, enum tarn_hvm hvm, int device_model, tarn_err err);

#endif
