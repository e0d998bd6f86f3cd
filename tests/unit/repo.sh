#!/bin/bash
# Storage repositories for real: tarnd (ASan/UBSan build) runs in a private
# mount namespace, so whatever it mounts is invisible to this machine and
# goes away with it. Loop-mounted ext4 image files stand in for local
# disks; a Python HTTP server on loopback serves imports. TARN_KEEP=DIR
# keeps a copy of the node store for a look afterwards.
T=repo STATE_PREFIX=tarn-repo
. "${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/mountns.sh"
web= slow=
on_exit() {
	[ -n "$web" ] && kill "$web" 2>/dev/null
	[ -n "$slow" ] && kill "$slow" 2>/dev/null
	wait 2>/dev/null
	[ -n "${TARN_KEEP:-}" ] && cp -r "$state/db" "$TARN_KEEP"
}
export TARN_BOOTLIB=$TOP/rootfs/overlay/usr/lib/tarn/bootlib TARN_CMDLINE=/dev/null
mkdir -p "$state/www" "$state/seed"

# mount(8) for NFS is stood in for (this kernel may have no NFS client): it
# records the call and bind-mounts a local directory as the "export"
mkdir -p "$state/export"
real_mount=$(command -v mount)
cat > "$state/bin/mount" <<EOF
#!/bin/bash
if [ "\$1 \$2" = "-t nfs" ]; then
	echo "\$*" >> "$state/nfs-calls"
	src="\${@: -2:1}" dir="$state/export"
	case \$src in *:/pool/*) dir="$state/exports/\${src##*/}"; mkdir -p "\$dir" ;; esac
	exec $real_mount --bind "\$dir" "\${@: -1}"
fi
exec $real_mount "\$@"
EOF
chmod +x "$state/bin/mount"

# the field of a repository in repo.list (--json)
repo_field() {
	ctl --json repo list | python3 -c 'import json,sys; r=[x for x in json.load(sys.stdin) if x["name"]==sys.argv[1]]; print(r[0][sys.argv[2]] if r else "")' "$1" "$2"
}
until_state() { # name, repository, state: wait up to 15 s
	for _ in $(seq 75); do [ "$(repo_field "$2" state)" = "$3" ] && { pass "$1"; return 0; }; sleep 0.2; done
	fail "$1" "state $(repo_field "$2" state): $(repo_field "$2" message)"; return 1
}
partials() { in_ns find "$state/repos/$1" -name '.tarn-partial-*' 2>/dev/null | wc -l; }
task_id() { ctl --json "$@" | tr -dc 0-9; }
task_field() { ctl --json task show "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$2"; }

# the images: a blank "disk", a bigger one to format, one already holding a
# file system with a file in it, and a small one to fill up
truncate -s 32M "$state/blank.img" "$state/old.img"
truncate -s 256M "$state/main.img"
truncate -s 16M "$state/small.img"
echo "precious" > "$state/seed/keep.txt"
mkfs.ext4 -q -d "$state/seed" "$state/old.img"
head -c 5M /dev/urandom > "$state/www/debian.iso"
cp "$state/www/debian.iso" "$state/local.iso"
head -c 40M /dev/zero > "$state/big.iso"

start_agent
[ -n "$agent" ] && kill -0 "$agent" || { fail "the agent starts" "$(tail -5 "$state/tarnd.log")"; exit 1; }

# --- local repositories: format only what is asked and empty
check "a blank device without format is accepted" 0 ctl repo add blank local "$state/blank.img"
until_state "a blank device without format is not formatted: it fails" blank failed
out=$(repo_field blank message); expect "the status says the device holds no file system" "holds no file system .*format"
blkid -p "$state/blank.img" >/dev/null 2>&1 && fail "the blank image is still blank" "$(blkid -p "$state/blank.img")" ||
	pass "the blank image is still blank"
check "repo remove" 0 ctl repo remove blank

truncate -s 32M "$state/data.img"
printf 'SQLite format 3\0' | dd of="$state/data.img" conv=notrunc status=none
check "an image holding unknown data, with format, is accepted" 0 ctl repo add data local "$state/data.img" --format
until_state "unknown data is not formatted" data failed
out=$(repo_field data message); expect "the status says why" "holds data no tool here recognises: not formatting it"
[ "$(head -c 15 "$state/data.img")" = "SQLite format 3" ] && pass "the data is intact" || fail "the data is intact" "$(head -c 16 "$state/data.img" | od -c)"
ctl repo remove data >/dev/null

check "a repository to format is added" 0 ctl repo add main local "$state/main.img" --format
uuid=$out
until_state "an empty device is formatted and mounted when asked" main mounted
fs=$(blkid -p -o value -s TYPE "$state/main.img"; blkid -p -o value -s UUID "$state/main.img")
[ "$fs" = "ext4
$uuid" ] && pass "it holds ext4 whose UUID is the repository's" || fail "it holds ext4 whose UUID is the repository's" "$fs vs $uuid"
missing=
for p in iso_pool seed_pool running_pool sharedDisk publish_pool; do in_ns test -d "$state/repos/main/$p" || missing="$missing $p"; done
[ -z "$missing" ] && pass "the pool directories are made" || fail "the pool directories are made" "missing:$missing"
in_ns grep -qx "uuid=$uuid" "$state/repos/main/.tarn-repository" && pass "the marker holds the repository's uuid" ||
	fail "the marker holds the repository's uuid" "$(in_ns cat "$state/repos/main/.tarn-repository" 2>&1)"
grep -q "$state/repos/main" /proc/self/mountinfo && fail "nothing is mounted outside the namespace" "$(grep tarn-repo /proc/self/mountinfo)" ||
	pass "nothing is mounted outside the namespace"
out=$(repo_field main size); [ "${out:-0}" -gt 200000000 ] && pass "repo.list gives the size" || fail "repo.list gives the size" "$out"
out=$(repo_field main free); [ "${out:-0}" -gt 100000000 ] && pass "repo.list gives the free space" || fail "repo.list gives the free space" "$out"

check "a device with a file system, added with format, is accepted" 0 ctl repo add old local "$state/old.img" --format
until_state "with format, an existing file system is refused, not formatted" old failed
out=$(repo_field old message); expect "the status says why" "already holds ext4: not formatting it"
ctl repo remove old >/dev/null
for _ in $(seq 50); do [ -z "$(repo_field old state)" ] && break; sleep 0.1; done
check "the same device without format is accepted" 0 ctl repo add old local "$state/old.img"
until_state "without format, an existing file system is mounted as it is" old mounted
out=$(in_ns cat "$state/repos/old/keep.txt" 2>&1); expect "the file it held is intact" "^precious$"
check "a device another repository uses is refused" 1 ctl repo add again local "$state/old.img"
expect "the refusal names the repository using it" "source: .* is already repository old"

# --- imports
check "import from a path (--wait)" 0 ctl repo import main "$state/local.iso" --wait
in_ns cmp -s "$state/local.iso" "$state/repos/main/iso_pool/local.iso" && pass "the imported file is whole" ||
	fail "the imported file is whole" "$(in_ns ls -l "$state/repos/main/iso_pool" 2>&1)"
webport=$(free_port)
(cd "$state/www" && exec python3 -m http.server --bind 127.0.0.1 "$webport" >/dev/null 2>&1) &
web=$!
for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/$webport) 2>/dev/null && break; sleep 0.1; done
check "import from an HTTP URL into seed_pool" 0 ctl repo import main "http://127.0.0.1:$webport/debian.iso" --pool seed_pool --wait
in_ns cmp -s "$state/www/debian.iso" "$state/repos/main/seed_pool/debian.iso" && pass "the downloaded file is whole" ||
	fail "the downloaded file is whole" "$(in_ns ls -l "$state/repos/main/seed_pool" 2>&1)"
check "the same file again fails" 1 ctl repo import main "$state/local.iso" --wait
expect "it says the file is already there" "already in repository main"
check "a missing source fails the task" 1 ctl repo import main "$state/nosuch.iso" --wait
expect "it names the missing file" "cannot read .*nosuch.iso: No such file"
check "an HTTP 404 fails the task" 1 ctl repo import main "http://127.0.0.1:$webport/nosuch.iso" --wait
expect "it gives the HTTP error" "404"
[ "$(partials main)" = 0 ] && pass "failed imports leave no partial file" || fail "failed imports leave no partial file" "$(in_ns find "$state/repos/main" -name '.tarn-partial-*')"
in_ns test -e "$state/repos/main/iso_pool/nosuch.iso" && fail "no file of the missing source's name" || pass "no file of the missing source's name"

# system.upgrade: the engine runs tarn-upgrade, which finds names in iso_pool
ln -sf "$TOP/rootfs/overlay/usr/sbin/tarn-upgrade" "$state/bin/tarn-upgrade"
check "system.upgrade of a name no iso_pool holds fails the task" 1 ctl system upgrade nosuch.iso --wait
expect "it gives tarn-upgrade's reason" "no repository's iso_pool holds one"
check "system.upgrade of a file in iso_pool, on a host not installed on a disk, fails the task" 1 \
	ctl system upgrade local.iso --wait
expect "it says the host runs from its ISO" "runs from its ISO or stick, not from an installed disk"
check "system.upgrade refuses an option for a path" 1 ctl system upgrade --help
expect "with what it takes" "a path on the host or a file name in a repository's iso_pool"
check "tarnctl system takes upgrade only" 2 ctl system downgrade x

# a server that sends slowly (with a length) or without a length
slowport=$(free_port)
python3 "$TOP/tests/lib/slow-http.py" "$slowport" &
slow=$!
for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/$slowport) 2>/dev/null && break; sleep 0.1; done

check "a small repository is formatted" 0 ctl repo add small local "$state/small.img" --format
until_state "the small repository is mounted" small mounted
check "a file larger than the free space fails at once" 1 ctl repo import small "$state/big.iso" --wait
expect "it says it will not fit" "big.iso \(40 MiB\) will not fit: repository small has .* free"
check "a download of unknown length that fills the repository fails" 1 ctl repo import small "http://127.0.0.1:$slowport/nolength/fill.iso" --wait
expect "it says the repository is full" "repository small is full"
[ "$(partials small)" = 0 ] && ! in_ns test -e "$state/repos/small/iso_pool/fill.iso" &&
	pass "a full repository keeps no partial file" || fail "a full repository keeps no partial file" "$(in_ns ls -la "$state/repos/small/iso_pool")"
out=$(in_ns df --output=avail -B1M "$state/repos/small" | tail -1); [ "${out// }" -gt 5 ] &&
	pass "the space is given back" || fail "the space is given back" "$out MiB free"

# XFS, where mkfs.xfs and the kernel have it
if command -v mkfs.xfs >/dev/null && grep -qw xfs /proc/filesystems; then
	truncate -s 320M "$state/xfs.img" # mkfs.xfs wants 300 MiB at least
	check "an XFS repository is added" 0 ctl repo add xfs local "$state/xfs.img" --fstype xfs --format
	until_state "an empty device is formatted XFS and mounted" xfs mounted
	[ "$(blkid -p -o value -s TYPE "$state/xfs.img")" = xfs ] && pass "it holds XFS" || fail "it holds XFS" "$(blkid -p "$state/xfs.img")"
	ctl repo remove xfs >/dev/null
	for _ in $(seq 50); do [ -z "$(repo_field xfs state)" ] && break; sleep 0.1; done
	check "the XFS device added as ext4 is accepted" 0 ctl repo add xfs2 local "$state/xfs.img"
	until_state "a file system of another type is refused" xfs2 failed
	out=$(repo_field xfs2 message); expect "the status names both types" "holds xfs, not ext4"
	ctl repo remove xfs2 >/dev/null
else
	echo "SKIP repo: XFS repository: no mkfs.xfs (xfsprogs) or no XFS in this kernel"
fi

# cancel of a running import
id=$(task_id repo import main "http://127.0.0.1:$slowport/slow/cancel.iso")
for _ in $(seq 100); do [ "$(partials main)" = 1 ] && break; sleep 0.1; done
[ "$(task_field "$id" state)" = running ] && pass "a slow import runs" || fail "a slow import runs" "$(ctl task show "$id")"
check "a running import is cancelled" 0 ctl task cancel "$id"
for _ in $(seq 50); do [ "$(task_field "$id" state)" = running ] || break; sleep 0.1; done
[ "$(task_field "$id" state)" = cancelled ] && pass "the task ends cancelled" || fail "the task ends cancelled" "$(ctl task show "$id")"
[ "$(partials main)" = 0 ] && ! in_ns test -e "$state/repos/main/iso_pool/cancel.iso" &&
	pass "a cancelled import leaves no file" || fail "a cancelled import leaves no file" "$(in_ns ls -la "$state/repos/main/iso_pool")"
check "a finished task cannot be cancelled" 1 ctl task cancel "$id"

# --- disks
check "100 disks in one call" 0 ctl disk create --count 100 --size 1M --prefix data main --wait
expect "it names the first and the last" "data-001.img to data-100.img"
check "disk list" 0 ctl --json disk list main
n=$(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(sum(1 for x in d if x["pool"]=="running_pool" and x["size"]==1<<20 and x["allocated"]==0))' "$out")
[ "$n" = 100 ] && pass "100 sparse disks of 1 MiB are there" || fail "100 sparse disks of 1 MiB are there" "$n"
check "disk list prints a table" 0 ctl disk list main
expect "the table has a header and the disks" "^NAME +POOL +SIZE +ALLOCATED" && expect "a disk row" "data-042.img +running_pool +1.0 MiB +0 B"
check "too large a total is refused" 1 ctl disk create --count 100 --size 1G --prefix huge main --wait
expect "the refusal says what is needed and what is free" "100 disks of 1G need 100 GiB; repository main has .* free"
in_ns sh -c "ls -a '$state/repos/main/running_pool' | grep -c huge" >/dev/null && fail "nothing was created for the refusal" ||
	pass "nothing was created for the refusal"
check "disks in sharedDisk" 0 ctl disk create --count 2 --size 2M --prefix shared --shared main --wait
check "names already taken fail the whole task" 1 ctl disk create --count 3 --size 1M --prefix shared --shared main --wait
expect "it says which exists and that nothing was made" "shared-001.img already exists: nothing was made"
out=$(in_ns ls -a "$state/repos/main/sharedDisk"); [ "$(grep -c shared <<<"$out")" = 2 ] && pass "the task made nothing" ||
	fail "the task made nothing" "$out"

# --- kill -9 during a task, then a restart
id=$(task_id repo import main "http://127.0.0.1:$slowport/slow/crash.iso")
for _ in $(seq 100); do [ "$(partials main)" = 1 ] && break; sleep 0.1; done
[ "$(partials main)" = 1 ] && pass "the import being killed has its partial file" || fail "the import being killed has its partial file" "none"
crash_agent
start_agent
out=$(ctl task show "$id" 2>&1); expect "after kill -9 and a restart the task is failed" "state +failed" && expect "it says why" "interrupted"
until_state "the repository is mounted again after the restart" main mounted
for _ in $(seq 50); do [ "$(partials main)" = 0 ] && break; sleep 0.1; done
[ "$(partials main)" = 0 ] && ! in_ns test -e "$state/repos/main/iso_pool/crash.iso" &&
	pass "the killed import left no partial file" || fail "the killed import left no partial file" "$(in_ns ls -la "$state/repos/main/iso_pool")"

# --- removal and re-attach: a file system keeps its identity
check "repo remove main" 0 ctl repo remove main
for _ in $(seq 50); do in_ns test -d "$state/repos/main" || break; sleep 0.2; done
! in_ns test -d "$state/repos/main" && ! in_ns grep -q " $state/repos/main " /proc/self/mountinfo &&
	pass "a removed repository is unmounted and its mount point goes" || fail "a removed repository is unmounted" "$(in_ns grep repos /proc/self/mountinfo)"
check "removing it again is refused" 1 ctl repo remove main
expect "it names the repository" "no repository main"
check "the same device is added under another name" 0 ctl repo add again local "$state/main.img"
[ "$out" != "$uuid" ] && pass "it got a new uuid at first" || fail "it got a new uuid at first" "$out"
until_state "it is mounted" again mounted
for _ in $(seq 25); do [ "$(repo_field again uuid)" = "$uuid" ] && break; sleep 0.2; done
[ "$(repo_field again uuid)" = "$uuid" ] && pass "re-attached, it is recognised by its marker's uuid" ||
	fail "re-attached, it is recognised by its marker's uuid" "$(repo_field again uuid) vs $uuid"
in_ns test -f "$state/repos/again/running_pool/data-100.img" && in_ns test -f "$state/repos/again/iso_pool/local.iso" &&
	pass "its disks and ISOs are there" || fail "its disks and ISOs are there" "$(in_ns ls "$state/repos/again/iso_pool")"

# --- API faults name the field
python3 - "$port" "$state/tls/cert.pem" <<'EOF' || fail "the API fault checks ran to the end" "python exited $?"
import ssl, sys, xmlrpc.client
port, cert = sys.argv[1], sys.argv[2]
ctx = ssl.create_default_context(cafile=cert)
ctx.check_hostname = False
api = xmlrpc.client.ServerProxy(f"https://admin:correct%20horse%20battery@127.0.0.1:{port}/RPC2", context=ctx)
def fault(name, want_code, want_text, call):
    try:
        call()
        print(f"FAIL repo: {name}: no fault")
    except xmlrpc.client.Fault as f:
        ok = f.faultCode == want_code and want_text in f.faultString
        print(f"PASS repo: {name}" if ok else f"FAIL repo: {name}: {f.faultCode} {f.faultString}")
fault("API: a bad name is -500 naming the field", -500, "name: ", lambda: api.repo.add({"name": "../x", "kind": "local", "source": "/dev/sdb"}))
fault("API: a bad kind is -500 naming the field", -500, "kind: ceph", lambda: api.repo.add({"name": "x", "kind": "ceph", "source": "/dev/sdb"}))
fault("API: a bad NFS source is -500", -500, "source: ", lambda: api.repo.add({"name": "x", "kind": "nfs", "source": "nfs-server"}))
fault("API: a bad IQN is -500", -500, "target: ", lambda: api.repo.add({"name": "x", "kind": "iscsi", "source": "192.0.2.1", "target": "bogus"}))
fault("API: a wrongly typed member is -501", -501, "", lambda: api.repo.add({"name": 5, "kind": "local", "source": "/dev/sdb"}))
fault("API: a count of 0 is -500 naming count", -500, "count: 0", lambda: api.disk.create("again", "d", 0, "1G"))
fault("API: a size without unit sense is -500 naming size", -500, "size: ", lambda: api.disk.create("again", "d", 1, "12X"))
fault("API: a size not in sectors is -500", -500, "512-byte", lambda: api.disk.create("again", "d", 1, "1000001"))
fault("API: a bad prefix is -500 naming prefix", -500, "prefix: ", lambda: api.disk.create("again", "../d", 1, "1G"))
fault("API: a bad disk pool is -500 naming pool", -500, "pool: iso_pool", lambda: api.disk.create("again", "d", 1, "1G", "iso_pool"))
fault("API: an unknown repository is -500 naming repo", -500, "repo: there is no repository nope", lambda: api.disk.create("nope", "d", 1, "1G"))
fault("API: an ftp source is -500 naming source", -500, "source: ", lambda: getattr(api.repo, "import")("again", "ftp://x/y.iso"))
fault("API: an import pool for disks is -500 naming pool", -500, "pool: running_pool", lambda: getattr(api.repo, "import")("again", "/srv/a.iso", "running_pool"))
fault("API: a disk list of an unknown repository is -500", -500, "repo: ", lambda: api.disk.list("nope"))
fault("API: an unknown task is -500", -500, "no task", lambda: api.task.get(99999))
EOF

# --- tarnctl
check "tarnctl repo list" 0 ctl repo list
expect "it prints a table" "^NAME +SCOPE +KIND +STATE +SIZE +FREE" && expect "with the mounted repository" "^again +host +local +mounted +2[0-9]{2} MiB"
check "tarnctl --json repo list" 0 ctl --json repo list
python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert any(r["name"]=="again" and r["state"]=="mounted" for r in d)' "$out" 2>/dev/null &&
	pass "--json repo list parses" || fail "--json repo list parses" "$out"
check "an unknown repo subcommand exits 2" 2 ctl repo frobnicate
check "disk create without a size exits 2" 2 ctl disk create --count 2 --prefix x again
check "a refused repo add exits 1" 1 ctl repo add "bad name" local /dev/sdb
expect "and says which field" "name: "
check "import without --wait prints the task" 0 ctl repo import again "$state/nosuch.iso"
expect "it names the task" "^task [0-9]+ queued"

# --- NFS through the stand-in mount(8); a real server needs kernel support
check "an NFS repository is added" 0 ctl repo add share nfs 192.0.2.5:/export/repo --options vers=4.1,noatime
until_state "an NFS repository is mounted" share mounted
out=$(cat "$state/nfs-calls" 2>&1)
expect "mount is asked for the export with the options, and not to retry for minutes" \
	"^-t nfs -o retry=0,vers=4.1,noatime 192.0.2.5:/export/repo $state/repos/share$"
[ -d "$state/export/running_pool" ] && grep -q "^kind=nfs$" "$state/export/.tarn-repository" &&
	pass "the export gets the pools and the marker" || fail "the export gets the pools and the marker" "$(ls -a "$state/export")"
check "an NFS repository is removed" 0 ctl repo remove share
for _ in $(seq 50); do in_ns test -d "$state/repos/share" || break; sleep 0.2; done
! in_ns grep -q " $state/repos/share " /proc/self/mountinfo && pass "and unmounted" || fail "and unmounted" "$(in_ns grep share /proc/self/mountinfo)"
rm -f "$state/export/.tarn-repository"
check "an NFS repository without options is added" 0 ctl repo add share2 nfs 192.0.2.5:/export/two
until_state "it is mounted" share2 mounted
out=$(cat "$state/nfs-calls" 2>&1)
expect "as NFSv4 when its options name no version" "^-t nfs -o retry=0,vers=4 192.0.2.5:/export/two $state/repos/share2$"
check "and removed" 0 ctl repo remove share2

# --- the pool's repositories (a pool of one here; pool-repo.py has three members)
check "a pool repository on a host in no pool is refused" 1 ctl repo add pshare nfs 192.0.2.5:/pool/one --pool
expect "saying so" "in no pool yet"
TARN_POOL_PASSWORD='pool secret' check "a pool is made" 0 ctl pool create lab
check "a pool-wide iscsi repository is refused" 1 ctl repo add plun iscsi 192.0.2.20:3260 --target iqn.2003-01.org.example:x --pool
expect "saying why and what instead" "iscsi cannot be pool-wide: ext4/XFS on a LUN is mounted by one host at a time.*use NFS"
check "a pool-wide local repository is refused" 1 ctl repo add pdisk local "$state/small.img" --pool
expect "saying why and what instead" "local cannot be pool-wide: its disk is in one host.*NFS export"
check "a pool NFS repository is added" 0 ctl repo add pshare nfs 192.0.2.5:/pool/one --pool
until_state "the engine mounts it without a node store change" pshare mounted
[ "$(repo_field pshare scope)" = pool ] && pass "repo.list gives its scope" || fail "repo.list gives its scope" "$(repo_field pshare scope)"
grep -q "^scope=pool$" "$state/exports/one/.tarn-repository" && pass "its marker says it is the pool's" ||
	fail "its marker says it is the pool's" "$(cat "$state/exports/one/.tarn-repository")"
check "tarnctl repo list shows it" 0 ctl repo list
expect "as the pool's, with this member's state" "^pshare +pool +nfs +mounted .*192.0.2.5:/pool/one" &&
	expect "and each member" "member 127.0.0.1:$pool_port: mounted"
check "a pool repository of a name the pool has is refused" 1 ctl repo add pshare nfs 192.0.2.5:/pool/two --pool
expect "saying so" "already has a repository pshare"
check "a host repository of a name the pool has is refused" 1 ctl repo add pshare nfs 192.0.2.5:/pool/mine
expect "saying so" "the pool has a repository pshare, mounted at the same place"
check "a host repository is added first" 0 ctl repo add clash nfs 192.0.2.5:/pool/three
check "and a pool one of that name" 0 ctl repo add clash nfs 192.0.2.5:/pool/four --pool
clash_state() { ctl --json repo list | python3 -c 'import json,sys; print(*[r["state"]+" "+r["message"] for r in json.load(sys.stdin) if r["name"]=="clash" and r["scope"]==sys.argv[1]])' "$1"; }
for _ in $(seq 75); do [[ "$(clash_state pool)" == failed* ]] && break; sleep 0.2; done
out=$(clash_state pool); expect "the pool's is failed here, saying why" "^failed not mounted here: this host has a repository of its own named clash"
out=$(clash_state host); expect "the host's own is mounted, untouched" "^mounted mounted at $state/repos/clash"
check "the pool's is removed pool-wide" 0 ctl repo remove clash --pool
out=$(clash_state host); expect "the host's own stays mounted" "^mounted "
check "and the host's own" 0 ctl repo remove clash
check "the pool repository is removed" 0 ctl repo remove pshare
for _ in $(seq 50); do in_ns test -d "$state/repos/pshare" || break; sleep 0.2; done
! in_ns grep -q " $state/repos/pshare " /proc/self/mountinfo && pass "and unmounted" || fail "and unmounted" "$(in_ns grep pshare /proc/self/mountinfo)"
check "removing it again is refused" 1 ctl repo remove pshare
expect "saying there is none" "no repository pshare"
if ! grep -qw nfs /proc/filesystems && ! modprobe -q nfs 2>/dev/null; then
	echo "SKIP repo: NFS against a real server: this kernel has no NFS client (no nfs in /proc/filesystems, no modules)"
else
	echo "SKIP repo: NFS against a real server: needs nfs-kernel-server between namespaces, not set up here"
fi

# the event log tells what happened
ev() { sqlite3 "$state/db/node.db" "SELECT count(*) FROM events WHERE subject LIKE '$1' AND message LIKE '$2'"; }
[ "$(ev repo.main 'mounted at%')" -ge 1 ] && [ "$(ev repo.main 'removed: unmounted')" = 1 ] &&
	[ "$(ev repo.again 'recognised repository%')" = 1 ] && pass "events: mounted, removed, recognised" ||
	fail "events: mounted, removed, recognised" "$(sqlite3 "$state/db/node.db" 'SELECT subject, message FROM events' | tail -20)"
[ "$(ev "task.$id" 'interrupted%')" = 0 ] && [ "$(ev 'task.%' 'made 100 disks%')" = 1 ] &&
	pass "events: a finished task is logged" || fail "events: a finished task is logged" "$(sqlite3 "$state/db/node.db" "SELECT subject, message FROM events WHERE subject LIKE 'task.%'")"
kill "$agent"; wait "$agent"; rc=$?; agent=
[ $rc = 0 ] && pass "the agent stops cleanly, no sanitizer report" ||
	{ fail "the agent stops cleanly" "exit $rc"; tail -20 "$state/tarnd.log"; }

# --- iSCSI through a stand-in iscsiadm: its login makes a session in a
# stand-in sysfs whose LUN 1 is a loop device over an image file
if [ ! -d /sys/class/iscsi_transport ] && ! modprobe -q iscsi_tcp 2>/dev/null; then
	echo "SKIP repo: iSCSI against a real target: this kernel has no iSCSI initiator (iscsi_tcp)"
else
	echo "SKIP repo: iSCSI against a real target: needs targetcli-fb or tgt between namespaces, not set up here"
fi
truncate -s 64M "$state/lun.img"
if loop=$(losetup -f --show "$state/lun.img" 2>/dev/null); then
	trap 'losetup -d "$loop"; cleanup' EXIT
	iqn=iqn.2003-01.org.example:repo1
	cat > "$state/bin/iscsiadm" <<EOF
#!/bin/bash
echo "\$*" >> "$state/iscsi-calls"
case "\$*" in *--login*)
	mkdir -p "$state/sys/iscsi_session/session7/device/target7:0:0/7:0:0:1/block/${loop#/dev/}"
	echo $iqn > "$state/sys/iscsi_session/session7/targetname" ;;
esac
EOF
	chmod +x "$state/bin/iscsiadm"
	mkdir -p "$state/sys"
	start_agent "$state/sys"
	check "an iSCSI repository is added" 0 ctl repo add san iscsi 192.0.2.20:3260 --target "$iqn" --lun 1 --format
	until_state "an iSCSI LUN is logged in to, formatted and mounted" san mounted
	out=$(cat "$state/iscsi-calls" 2>&1)
	expect "the portal is asked for its targets" "^-m discovery -t sendtargets -p 192.0.2.20:3260$" &&
		expect "then the target is logged in to" "^-m node -T $iqn -p 192.0.2.20:3260 --login$"
	[ "$(blkid -p -o value -s TYPE "$state/lun.img")" = ext4 ] && pass "the LUN holds ext4" || fail "the LUN holds ext4" "$(blkid -p "$state/lun.img")"
	check "an iSCSI repository is removed" 0 ctl repo remove san
	for _ in $(seq 50); do grep -q -- --logout "$state/iscsi-calls" && break; sleep 0.2; done
	out=$(cat "$state/iscsi-calls"); expect "and logged out of once unmounted" "^-m node -T $iqn -p 192.0.2.20:3260 --logout$"
	kill "$agent"; wait "$agent"; rc=$?; agent=
	[ $rc = 0 ] && pass "the agent stops cleanly after the iSCSI checks" || fail "the agent stops cleanly after the iSCSI checks" "exit $rc"
else
	echo "SKIP repo: iSCSI through a stand-in: no free loop device"
fi
grep -q 'ERROR: \(Address\|Leak\)Sanitizer\|runtime error' "$state/tarnd.log" &&
	fail "no sanitizer report from any process" "$(grep -m3 -A5 Sanitizer "$state/tarnd.log")" || pass "no sanitizer report from any process"
