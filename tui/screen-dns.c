/* DNS and NTP servers. */
#include <stdio.h>
#include <string.h>

#include "tui.h"

#define DNS_MAX 3
#define NTP_MAX 8

static const char *check_dns(const struct tui_form *f, const char *v, tarn_err err)
{
	(void)f;
	return *v ? tarn_check_ip(v, err) : NULL;
}

/* Space-separated host names or addresses. */
static const char *check_ntp(const struct tui_form *f, const char *v, tarn_err err)
{
	char copy[256], *save = NULL;
	int n = 0;
	(void)f;
	snprintf(copy, sizeof copy, "%s", v);
	for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		tarn_err ignore;
		if (++n > NTP_MAX)
			return snprintf(err, TARN_ERRLEN, "at most %d NTP servers", NTP_MAX), err;
		if (tarn_check_ip(w, ignore) && tarn_check_hostname(w, ignore))
			return snprintf(err, TARN_ERRLEN, "%.40s is neither an address nor a host name", w), err;
	}
	return NULL;
}

/* Joins the non-empty words of the fields from..to with single spaces. */
static void join(const struct tui_form *f, int from, int to, char *out, size_t n)
{
	char copy[256], *save = NULL;
	size_t used = 0;
	out[0] = '\0';
	for (int i = from; i <= to; i++) {
		snprintf(copy, sizeof copy, "%s", f->f[i].value);
		for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save))
			used += (size_t)snprintf(out + used, n - used, "%s%s", used ? " " : "", w);
	}
}

static int save(struct tui *t, struct tui_form *f, tarn_err err)
{
	char dns[512], ntp[512];
	join(f, 0, DNS_MAX - 1, dns, sizeof dns);
	join(f, DNS_MAX, DNS_MAX, ntp, sizeof ntp);
	if (tarn_store_begin(t->st, err))
		return -1;
	int rc = tarn_store_set(t->st, "dns", dns, err) || tarn_store_set(t->st, "ntp", ntp, err);
	return tui_txn_end(t->st, rc, err);
}

void screen_dns(struct tui *t)
{
	if (!tui_store(t))
		return;
	struct tui_field fields[DNS_MAX + 1] = {
		{.label = "DNS server 1", .check = check_dns, .hint = "an IPv4 or IPv6 address, like 192.0.2.53"},
		{.label = "DNS server 2", .check = check_dns, .hint = "optional"},
		{.label = "DNS server 3", .check = check_dns, .hint = "optional"},
		{.label = "NTP servers", .check = check_ntp,
		 .hint = "names or addresses separated by spaces, like pool.ntp.org"},
	};
	char dns[512] = "", *save_ptr = NULL;
	int i = 0;
	tarn_store_get(t->st, "dns", dns, sizeof dns);
	for (char *w = strtok_r(dns, " ", &save_ptr); w && i < DNS_MAX; w = strtok_r(NULL, " ", &save_ptr))
		snprintf(fields[i++].value, sizeof fields[0].value, "%s", w);
	tarn_store_get(t->st, "ntp", fields[DNS_MAX].value, sizeof fields[DNS_MAX].value);
	struct tui_form f = {.title = "DNS and NTP servers", .f = fields, .n = DNS_MAX + 1, .save = save,
			     .needs_auth = 1, .intro = "Empty fields are left out."};
	if (tui_form_run(t, &f))
		tui_message(t, "Saved", "The DNS and NTP servers are saved; the agent applies them.", 0);
}
