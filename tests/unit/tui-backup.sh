#!/bin/bash
# The console's System > Back up configuration and Restore configuration
# (tarn-tui under tmux, on a temp node store and data directory): the file
# is written where asked, a damaged one is refused with nothing changed,
# and a restore asks the console password and a confirmation, then brings
# the settings back.
T=tui-backup
. "${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/tui.sh"

fake_host
mkdir -p "$tmp/data"
check "the console starts" start main --allow-quit
sql "insert or replace into settings values ('hostname', 'backup-me-01'), ('dns', '192.0.2.53')"
keys main y; wait_for main 'Back up configuration'
keys main b
check "b in System asks where to save the backup" wait_for main 'Save to file'
check "it offers a file under the data directory's backups/, named after the host" \
	grep -qE 'backup-me-01-[0-9]{8}-[0-9]{6}\.tarn-config' "$tmp/screen"
keys main C-u "$tmp/host.tarn-config" Enter
wait_for main 'No console password is set yet' && keys main Enter
wait_for main 'Set the console password'; keys main 'console-pass-1' Tab 'console-pass-1' Enter
wait_for main 'The console password is set'; keys main Enter
check "the backup is saved, and says where" wait_for main "^ *│ $tmp/host.tarn-config\. "
keys main Enter
[ "$(head -n 1 "$tmp/host.tarn-config")" = "tarn-config 1" ] && [ "$(stat -c %a "$tmp/host.tarn-config")" = 600 ] &&
	grep -q '^setting	hostname	backup-me-01$' "$tmp/host.tarn-config" &&
	pass "the file is a backup with the host name, private to its owner" ||
	fail "the file is a backup with the host name, private to its owner: $(cat "$tmp/host.tarn-config")"

sql "update settings set value = 'changed-02' where key = 'hostname'; delete from settings where key = 'dns'"
sed 's/backup-me-01/backup-me-02/' "$tmp/host.tarn-config" > "$tmp/damaged.tarn-config"
wait_for main 'Restore configuration'
keys main c
check "c in System asks which file to restore" wait_for main 'Restore from file'
keys main C-u "$tmp/damaged.tarn-config" Enter
check "a damaged backup is refused, saying so" wait_for main 'checksum does not match'
[ "$(setting hostname)" = changed-02 ] && pass "the damaged backup changed nothing" ||
	fail "the damaged backup changed nothing: $(setting hostname)"
keys main C-u "$tmp/host.tarn-config" Enter
check "a restore asks the console password" wait_for main 'Console password'
keys main 'console-pass-1' Enter
check "then asks to confirm, saying what the backup is" wait_for main "whole configuration with the backup's"
keys main n
check "No restores nothing" wait_for main 'Nothing was saved: cancelled'
[ "$(setting hostname)" = changed-02 ] && pass "after No the host name is as it was" || fail "after No: $(setting hostname)"
keys main Enter
check "Enter again asks to confirm (the password was just given)" wait_for main "whole configuration with the backup's"
keys main y
check "Yes restores it" wait_for main 'The configuration is the backup'
[ "$(setting hostname)" = backup-me-01 ] && [ "$(setting dns)" = 192.0.2.53 ] &&
	pass "the host name and DNS servers are the backup's again" ||
	fail "the host name and DNS servers are the backup's again: $(setting hostname) $(setting dns)"
keys main Enter; wait_for main 'Restore configuration'; keys main Escape; wait_for main "$MENU"
quit main
exit $failed
