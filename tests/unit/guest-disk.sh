#!/bin/bash
# Templates, clones and snapshots for real: tarnd (ASan/UBSan) in a private
# mount namespace with loop-mounted ext4 repositories, as repo.sh runs it;
# templates are made in seed_pool by hand, guests are defined, never
# started (no Xen here: they stay stopped).
T=guest-disk STATE_PREFIX=tarn-gdisk
. "${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/mountns.sh"
start_agent
mounted() { for _ in $(seq 100); do ctl --json repo list | grep -q '"state": *"mounted"' && [ "$(ctl --json repo list | grep -o '"state": *"mounted"' | wc -l)" -ge "$1" ] && return 0; sleep 0.2; done; return 1; }
R=$state/repos

[ -n "$agent" ] && kill -0 "$agent" || { fail "the agent starts" "$(tail -5 "$state/tarnd.log")"; exit 1; }
check "a pool is created" 0 ctl pool create lab
truncate -s 256M "$state/main.img"; truncate -s 16M "$state/small.img"
ctl repo add main local "$state/main.img" --format >/dev/null
ctl repo add small local "$state/small.img" --format >/dev/null
mounted 2 && pass "the repositories are mounted" || { fail "the repositories are mounted" "$(ctl repo list)"; exit 1; }

# a template: vm.cfg, a kernel kept in it, and a sparse 64 MiB disk with data at 0 and 32 MiB
TPL=$R/main/seed_pool/tiny
in_ns sh -c "mkdir -p $TPL && head -c 4096 /dev/urandom > $TPL/vmlinuz && truncate -s 64M $TPL/disk.img &&
	printf 'TEMPLATE-DISK' | dd of=$TPL/disk.img conv=notrunc status=none &&
	head -c 1M /dev/urandom | dd of=$TPL/disk.img bs=1M seek=32 conv=notrunc status=none"
cat > "$state/vm.cfg" <<'CFG'
# the test template
name = "tiny"
kernel = "vmlinuz"
memory = 128
vcpus = 1
disk = [ 'file:disk.img,xvda,w' ]
CFG
in_ns cp "$state/vm.cfg" "$TPL/vm.cfg"
in_ns sh -c "mkdir -p $R/main/seed_pool/broken && echo 'name = \"x\" memory = [' > $R/main/seed_pool/broken/vm.cfg"

check "template list" 0 ctl template list main
expect "it shows the template with its memory and disk size" "^tiny +128M +1 +1 +64 MiB"
expect "and what is wrong with a broken one" "^broken .*config parsing error"

check "create-from-template --wait" 0 ctl guest create-from-template main tiny web1 --wait
G=$R/main/running_pool/web1
in_ns cmp -s "$TPL/disk.img" "$G/disk.img" && pass "the disk's content is the template's" || fail "the disk's content is the template's"
alloc=$(in_ns du -k "$G/disk.img" | cut -f1)
[ "$alloc" -lt 8192 ] && pass "the holes are kept ($alloc KiB of 64 MiB)" || fail "the holes are kept" "$alloc KiB allocated"
in_ns cmp -s "$TPL/vmlinuz" "$G/vmlinuz" && pass "the kernel kept in the template is copied" || fail "the kernel is copied"
check "guest show" 0 ctl guest show web1
expect "the guest is defined, stopped" "desired +stopped"
expect "its name is set" "name = 'web1'"
expect "its disk is the copy" "file:$G/disk.img,xvda,w"
expect "its kernel is the copy" "kernel = '$G/vmlinuz'"
uuid=$(ctl --json guest show web1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["uuid"])')
[ -n "$uuid" ] && pass "it has a uuid" || fail "it has a uuid"
in_ns grep -q "name = 'web1'" "$G/vm.cfg" && pass "vm.cfg is kept beside the disks" || fail "vm.cfg is kept beside the disks"

check "a template that does not exist is refused" 1 ctl guest create-from-template main nosuch web9
expect "saying so" "no template nosuch"
check "a broken template is refused" 1 ctl guest create-from-template main broken web9
expect "naming the line" "xl.cfg:1"
in_ns sh -c "mkdir -p $R/main/seed_pool/huge && sed -e 's/^memory = .*/memory = 9999999/' -e '/^disk/d' $TPL/vm.cfg > $R/main/seed_pool/huge/vm.cfg && cp $TPL/vmlinuz $R/main/seed_pool/huge/"
check "a template with more memory than the host is refused" 1 ctl guest create-from-template main huge web9
expect "saying so, before anything is copied" "template huge: memory 9999999 MiB is more than this host's"
[ "$(in_ns ls -A "$R/main/running_pool")" = web1 ] && pass "... nothing is copied" || fail "... nothing is copied" "$(in_ns ls -A "$R/main/running_pool")"
ctl guest show web9 >/dev/null 2>&1 && fail "... nor defined" || pass "... nor defined"
check "a name already taken is refused" 1 ctl guest create-from-template main tiny web1
expect "saying so" "already defined"
check "a repository that does not exist is refused" 1 ctl guest create-from-template nosuch tiny web9

# a full repository: a 12 MiB template disk in a 16 MiB one, whose copy cannot fit
S=$R/small/seed_pool/big
in_ns sh -c "mkdir -p $S && head -c 9M /dev/urandom > $S/disk.img && sed 's/tiny/big/' $state/vm.cfg > $S/vm.cfg && cp $TPL/vmlinuz $S/"
check "a template that does not fit is refused" 1 ctl guest create-from-template small big web9 --wait
expect "saying the repository is full" "small is full"
[ -z "$(in_ns ls -A "$R/small/running_pool")" ] && pass "nothing is left in running_pool" || fail "nothing is left in running_pool" "$(in_ns ls -A "$R/small/running_pool")"
ctl guest show web9 >/dev/null 2>&1 && fail "no guest is defined" || pass "no guest is defined"
check "a name that is not one is refused" 1 ctl guest create-from-template main tiny "../x"

# clone
check "clone --wait" 0 ctl guest clone web1 web2 --wait
in_ns cmp -s "$G/disk.img" "$R/main/running_pool/web2/disk.img" && pass "the clone's disk is a copy" || fail "the clone's disk is a copy"
check "guest show web2" 0 ctl guest show web2
expect "the clone's disk is in its own directory" "running_pool/web2/disk.img"
expect "so is its kernel (the template's copy in web1's is web1's own)" "kernel = '$R/main/running_pool/web2/vmlinuz'"
in_ns cmp -s "$G/vmlinuz" "$R/main/running_pool/web2/vmlinuz" && pass "... a copy of it" || fail "... a copy of it"
uuid2=$(ctl --json guest show web2 | python3 -c 'import json,sys; print(json.load(sys.stdin)["uuid"])')
[ -n "$uuid2" ] && [ "$uuid2" != "$uuid" ] && pass "the clone has a new uuid" || fail "the clone has a new uuid" "$uuid2"
check "a clone onto a name taken is refused" 1 ctl guest clone web1 web2

# snapshots
check "snapshot --wait" 0 ctl guest snapshot web1 before --wait
check "snapshots" 0 ctl guest snapshots web1
expect "it lists the snapshot with its size" "^before +[0-9-]+ [0-9:]+ +64 MiB"
check "a second snapshot of that name is refused" 1 ctl guest snapshot web1 before
in_ns sh -c "printf 'CHANGED-AFTER' | dd of=$G/disk.img conv=notrunc status=none"
check "revert --wait" 0 ctl guest revert web1 before --wait
[ "$(in_ns head -c 13 "$G/disk.img")" = TEMPLATE-DISK ] && pass "revert restores the changed bytes" ||
	fail "revert restores the changed bytes" "$(in_ns head -c 13 "$G/disk.img")"
in_ns cmp -s "$TPL/disk.img" "$G/disk.img" && pass "the whole disk is as it was" || fail "the whole disk is as it was"
[ -z "$(in_ns find "$R/main/running_pool" -name '.tarn-partial-*')" ] && pass "a revert leaves no partial file" || fail "a revert leaves no partial file"
check "a revert to a snapshot that does not exist is refused" 1 ctl guest revert web1 nosuch
ctl guest start web1 >/dev/null
check "a guest meant to run is not snapshotted" 1 ctl guest snapshot web1 later
expect "saying why" "meant to be running: stop it"
check "... nor reverted" 1 ctl guest revert web1 before
ctl guest stop web1 --force >/dev/null
check "delete-snapshot --wait" 0 ctl guest delete-snapshot web1 before --wait
check "snapshots" 0 ctl guest snapshots web1
grep -q before <<<"$out" && fail "the snapshot is gone" "$out" || pass "the snapshot is gone"

# delete with disks
check "delete --disks --wait" 0 ctl guest delete web2 --disks --wait
in_ns test -e "$R/main/running_pool/web2" && fail "its directory is gone" "$(in_ns ls -la "$R/main/running_pool/web2")" || pass "its directory is gone"
ctl guest show web2 >/dev/null 2>&1 && fail "it is undefined" || pass "it is undefined"
in_ns test -e "$G/disk.img" && pass "another guest's disk stays" || fail "another guest's disk stays"
in_ns test -e "$TPL/disk.img" && pass "the template stays" || fail "the template stays"
check "a guest made from a template" 0 ctl guest create-from-template main tiny web3 --wait
check "... deleted with --disks" 0 ctl guest delete web3 --disks --wait
in_ns test -e "$R/main/running_pool/web3" && fail "... leaves no directory (its kernel copy goes too)" "$(in_ns ls -la "$R/main/running_pool/web3")" || pass "... leaves no directory (its kernel copy goes too)"
in_ns test -e "$TPL/vmlinuz" && pass "... the template's kernel stays" || fail "... the template's kernel stays"
check "delete without --disks keeps them" 0 ctl guest delete web1
in_ns test -e "$G/disk.img" && pass "... its disk stays" || fail "... its disk stays"
exit 0
