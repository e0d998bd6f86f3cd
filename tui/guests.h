/* The Guests screen's parts: the list (screen-guests.c), creating a guest
 * (guest-create.c), editing one (guest-edit.c) and opening its text
 * console (guest-console.c). All of it is asked of the agent (agent.h). */
#ifndef TARN_TUI_GUESTS_H
#define TARN_TUI_GUESTS_H
#include "agent.h"

#define GUESTS_TITLE "Guests"
#define GUEST_ACT_TIMEOUT 15 /* seconds: what the agent gets to answer a change */

/* A guest as guest.list shows it. */
struct guest {
	char name[72], desired[16], actual[16], type[8], host[64];
	char pins[256];     /* "VCPU:CPULIST ..." as the agent keeps them; "" when none */
	char affinity[256]; /* what Xen has, as the engine reported it */
	char error[256];
	int memory, vcpus;
	int ha;             /* restarted on another VM server when its host dies */
};

/* c on the list: asks how (an xl.cfg file, a kernel and ramdisk, a
 * template in a repository's seed_pool), then that form. */
void guest_create(struct tui *t);
/* e: memory, vCPUs and vCPU pins of g, each through the agent. */
void guest_edit(struct tui *t, const struct guest *g);
/* o: the guest's text console (xl console), the console's screen handed
 * over until Ctrl-]; says so instead when the guest is not running. */
void guest_console(struct tui *t, const struct guest *g);

/* Field checks the create and edit forms share: memory in MiB, a number
 * of vCPUs. */
const char *guest_check_memory(const struct tui_form *f, const char *v, tarn_err err);
const char *guest_check_vcpus(const struct tui_form *f, const char *v, tarn_err err);
/* What a call that did not go through means, into err for a form. */
void guest_call_err(enum tarn_call_result rc, const char *why, tarn_err err);

#endif
