/* Validation of everything a user types or an API caller sends.
 *
 * Each check returns NULL when the value is acceptable, or a short message
 * saying what is wrong, fit to show next to the field ("300 is not 0-255").
 * Messages are written into a caller-supplied buffer so they can name the
 * offending part; the returned pointer is either NULL or that buffer. */
#ifndef TARN_VALIDATE_H
#define TARN_VALIDATE_H
#include <stddef.h>
#include <stdint.h>

#define TARN_ERRLEN 320
typedef char tarn_err[TARN_ERRLEN];

const char *tarn_check_ipv4(const char *s, tarn_err err);
const char *tarn_check_ipv6(const char *s, tarn_err err);
const char *tarn_check_ip(const char *s, tarn_err err);
/* "address/prefix" of either family, e.g. 192.0.2.10/24 or 2001:db8::1/64 */
const char *tarn_check_cidr(const char *s, tarn_err err);
/* A gateway must be a plain address inside the interface's network. */
const char *tarn_check_gateway(const char *gw, const char *cidr, tarn_err err);
/* RFC 1123 host name: labels of 1-63 letters, digits and '-', 253 at most. */
const char *tarn_check_hostname(const char *s, tarn_err err);
/* An address (IPv4, or IPv6 without brackets) or a host name; dotted
 * numbers are always taken as an IPv4 address. */
const char *tarn_check_host(const char *s, tarn_err err);
/* A server named at the start of s: a host name, an IPv4 address (dotted
 * numbers are always taken as one), or an IPv6 address in brackets; a ':'
 * or '/' ends it, and *rest is what follows. */
const char *tarn_check_server(const char *s, const char **rest, tarn_err err);
/* A server with an optional port: host, host:port, [IPv6]:port, or a bare
 * IPv6 address. */
const char *tarn_check_host_port(const char *s, tarn_err err);
const char *tarn_check_vlan_id(long id, tarn_err err);
const char *tarn_check_mtu(long mtu, tarn_err err);
/* Linux bonding modes by name: balance-rr, active-backup, balance-xor,
 * broadcast, 802.3ad, balance-tlb, balance-alb. tarn_bond_modes lists them,
 * the most used first, ending with NULL (the console offers them in order). */
extern const char *const tarn_bond_modes[];
const char *tarn_check_bond_mode(const char *s, tarn_err err);
/* Object names (guests, repositories, bridges' labels): 1-64 characters of
 * letters, digits, '.', '_' and '-', not starting with '.' or '-'. */
const char *tarn_check_name(const char *s, tarn_err err);
/* Interface names as the kernel takes them: 1-15 characters, no '/', no
 * whitespace, not "." or "..". */
const char *tarn_check_ifname(const char *s, tarn_err err);
const char *tarn_check_uuid(const char *s, tarn_err err);
/* Absolute path without "..", empty components' tricks or control characters. */
const char *tarn_check_path(const char *s, tarn_err err);
/* Sizes with binary units: 512, 10K, 512M, 20G, 2T (also KiB/MiB/GiB/TiB). */
const char *tarn_parse_size(const char *s, uint64_t *bytes, tarn_err err);

#endif
