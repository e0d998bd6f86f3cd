/* lib/validate: what is accepted, what is refused, and what the message says. */
#include <string.h>

#include "check.h"
#include "validate.h"

static tarn_err e;

#define OK(name, call) CHECK(name, (call) == NULL)
#define BAD(name, call, words) CHECK(name, (call) != NULL && strstr(e, words) != NULL)

int main(void)
{
	OK("ipv4: 192.0.2.10", tarn_check_ipv4("192.0.2.10", e));
	BAD("ipv4: 300.1.1.1 names the bad part", tarn_check_ipv4("300.1.1.1", e), "300 is not 0-255");
	BAD("ipv4: three parts refused", tarn_check_ipv4("10.1.1", e), "not an IPv4 address");
	BAD("ipv4: leading zero refused", tarn_check_ipv4("010.1.1.1", e), "not an IPv4");
	BAD("ipv4: trailing text refused", tarn_check_ipv4("10.1.1.1x", e), "not an IPv4");
	BAD("ipv4: empty refused", tarn_check_ipv4("", e), "required");
	BAD("ipv4: NULL refused", tarn_check_ipv4(NULL, e), "required");
	OK("ipv6: 2001:db8::1", tarn_check_ipv6("2001:db8::1", e));
	BAD("ipv6: two :: refused", tarn_check_ipv6("2001::db8::1", e), "not an IPv6");
	OK("ip: either family", tarn_check_ip("fe80::1", e) == NULL ? tarn_check_ip("10.0.0.1", e) : e);

	OK("cidr: 192.0.2.10/24", tarn_check_cidr("192.0.2.10/24", e));
	OK("cidr: 2001:db8::10/64", tarn_check_cidr("2001:db8::10/64", e));
	BAD("cidr: /33 refused for IPv4", tarn_check_cidr("192.0.2.10/33", e), "not 0-32");
	BAD("cidr: /129 refused for IPv6", tarn_check_cidr("2001:db8::1/129", e), "not 0-128");
	BAD("cidr: no prefix refused", tarn_check_cidr("192.0.2.10", e), "needs a prefix");
	BAD("cidr: /24x refused", tarn_check_cidr("192.0.2.10/24x", e), "not 0-32");
	BAD("cidr: bad address named", tarn_check_cidr("300.0.2.10/24", e), "300 is not 0-255");

	OK("gateway: inside the network", tarn_check_gateway("192.0.2.1", "192.0.2.10/24", e));
	BAD("gateway: outside the network", tarn_check_gateway("198.51.100.1", "192.0.2.10/24", e), "outside");
	BAD("gateway: own address", tarn_check_gateway("192.0.2.10", "192.0.2.10/24", e), "own address");
	BAD("gateway: other family", tarn_check_gateway("fe80::1", "192.0.2.10/24", e), "same family");
	OK("gateway: /25 boundary", tarn_check_gateway("192.0.2.126", "192.0.2.10/25", e));
	BAD("gateway: /25 other half", tarn_check_gateway("192.0.2.129", "192.0.2.10/25", e), "outside");

	OK("hostname: tarn-01.example.com", tarn_check_hostname("tarn-01.example.com", e));
	OK("hostname: starts with a digit (RFC 1123)", tarn_check_hostname("1host", e));
	BAD("hostname: empty refused", tarn_check_hostname("", e), "required");
	BAD("hostname: underscore refused", tarn_check_hostname("my_host", e), "'_' is not allowed");
	BAD("hostname: leading '-' refused", tarn_check_hostname("-host", e), "cannot start or end");
	BAD("hostname: double dot refused", tarn_check_hostname("a..b", e), "empty label");
	char label[70];
	memset(label, 'a', 64);
	label[64] = '\0';
	BAD("hostname: 64-character label refused", tarn_check_hostname(label, e), "63");

	OK("vlan: 1", tarn_check_vlan_id(1, e));
	OK("vlan: 4094", tarn_check_vlan_id(4094, e));
	BAD("vlan: 5000 refused", tarn_check_vlan_id(5000, e), "VLAN 5000 is not 1-4094");
	BAD("vlan: 0 refused", tarn_check_vlan_id(0, e), "not 1-4094");
	OK("mtu: 9000", tarn_check_mtu(9000, e));
	BAD("mtu: 100 refused", tarn_check_mtu(100, e), "not 576-9216");
	OK("bond: 802.3ad", tarn_check_bond_mode("802.3ad", e));
	BAD("bond: lacp refused with the list", tarn_check_bond_mode("lacp", e), "active-backup");

	OK("name: web-01.prod", tarn_check_name("web-01.prod", e));
	BAD("name: slash refused", tarn_check_name("a/b", e), "only letters");
	BAD("name: leading dot refused", tarn_check_name(".hidden", e), "cannot start");
	OK("ifname: eth0.100", tarn_check_ifname("eth0.100", e));
	BAD("ifname: 16 characters refused", tarn_check_ifname("abcdefghijklmnop", e), "15");
	OK("uuid: lower case", tarn_check_uuid("0f8fad5b-d9cb-469f-a165-70867728950e", e));
	BAD("uuid: short refused", tarn_check_uuid("0f8fad5b-d9cb", e), "not a UUID");
	OK("path: /var/lib/tarn/repo", tarn_check_path("/var/lib/tarn/repo", e));
	BAD("path: relative refused", tarn_check_path("var/lib", e), "absolute");
	OK("host: a name", tarn_check_host("gateway.example.org", e));
	OK("host: an IPv4 address", tarn_check_host("192.0.2.1", e));
	OK("host: a bare IPv6 address", tarn_check_host("2001:db8::1", e));
	BAD("host: 300.1.1.1 is a wrong address, not a name", tarn_check_host("300.1.1.1", e), "300 is not 0-255");
	BAD("host: a shell character refused", tarn_check_host("evil;reboot", e), "neither an address nor a host name");
	BAD("host: a port is not a host", tarn_check_host("192.0.2.1:80", e), "neither an address nor a host name");
	BAD("host: empty refused", tarn_check_host("", e), "required");
	OK("host:port: a name", tarn_check_host_port("master.example.com", e));
	OK("host:port: a name and a port", tarn_check_host_port("master.example.com:8899", e));
	OK("host:port: IPv4 and a port", tarn_check_host_port("192.0.2.1:8899", e));
	OK("host:port: a bare IPv6 address", tarn_check_host_port("2001:db8::1", e));
	OK("host:port: [IPv6]:port", tarn_check_host_port("[2001:db8::1]:8899", e));
	BAD("host:port: 192.0.2.300 is a wrong address, not a name", tarn_check_host_port("192.0.2.300", e), "300 is not 0-255");
	BAD("host:port: port 0 refused", tarn_check_host_port("192.0.2.1:0", e), "1-65535");
	BAD("host:port: port 70000 refused", tarn_check_host_port("192.0.2.1:70000", e), "1-65535");
	BAD("host:port: a port that is not a number", tarn_check_host_port("host:http", e), "1-65535");
	BAD("host:port: an unclosed bracket", tarn_check_host_port("[2001:db8::1", e), "ends with ']'");
	BAD("host:port: a bad name", tarn_check_host_port("bad_host", e), "neither an address nor a host name");
	BAD("host:port: empty refused", tarn_check_host_port("", e), "required");
	BAD("path: .. refused", tarn_check_path("/var/../etc", e), "'..'");
	BAD("path: newline refused", tarn_check_path("/var/a\nb", e), "control");
	OK("path: a name with dots is fine", tarn_check_path("/srv/..data/x", e));

	uint64_t b = 0;
	CHECK("size: 20G", tarn_parse_size("20G", &b, e) == NULL && b == 20ULL << 30);
	CHECK("size: 512MiB", tarn_parse_size("512MiB", &b, e) == NULL && b == 512ULL << 20);
	CHECK("size: 4096 bytes", tarn_parse_size("4096", &b, e) == NULL && b == 4096);
	BAD("size: 10X refused", tarn_parse_size("10X", &b, e), "unknown unit");
	BAD("size: -1G refused", tarn_parse_size("-1G", &b, e), "not a size");
	BAD("size: overflow refused", tarn_parse_size("99999999999T", &b, e), "too large");
	BAD("size: 1Gx refused", tarn_parse_size("1Gx", &b, e), "unknown unit");
	CHECK_EXIT();
}
