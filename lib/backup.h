/* Configuration backups: this host's settings from the node store as one
 * file, and back.
 *
 * The file is text, one record a line, fields separated by tabs:
 *
 *   tarn-config 1                                   format and its version
 *   # Tarn 0.4.0, host tarn-01, 2024-05-01 12:00:00 UTC   comments
 *   setting  KEY  VALUE            hostname, dns, ntp, mgmt_interface, and
 *                                  the console and agent password hashes
 *   iface    NAME MODE IPV4 GATEWAY4 IPV6 MTU
 *   bridge   NAME PORTS
 *   vlan     NAME PARENT VID
 *   bond     NAME MODE SLAVES
 *   repo     NAME UUID KIND SOURCE TARGET LUN FSTYPE OPTIONS FORMAT
 *   sha256   HEX                   of every byte before this line; the last
 *
 * Why text rather than a copy of the database or a tar file: a person can
 * read what a backup holds and compare two of them, it does not depend on
 * the store's schema (a newer Tarn restores an older backup through the
 * same validated writes as any change), and it is a few kilobytes. Why a
 * checksum: a file that went through a USB stick or a browser may come back
 * damaged or cut short; SHA-256 over the whole text finds that before
 * anything is read. It is no signature (anyone can recompute it): what
 * guards the host is that every value is validated again on restore.
 * The file holds the password hashes: keep it as private as /etc/shadow. */
#ifndef TARN_BACKUP_H
#define TARN_BACKUP_H
#include <stddef.h>

#include "store.h"

#define TARN_BACKUP_VERSION 1
#define TARN_BACKUP_MAX (512 * 1024) /* bytes: far more than 64 devices and 256 repositories take */

/* The backup of st's host settings: malloc'd text of *len bytes (and a
 * NUL); made_by ("Tarn 0.4.0") goes into a comment. NULL with err. */
char *tarn_backup_make(tarn_store *st, const char *made_by, size_t *len, tarn_err err);

/* Checks a backup whole (its format and version, the checksum, every
 * record and value, and that the records fit together, as a restore would
 * write them) without touching any store: 0, or -1 with err saying what is
 * wrong and on which line. */
int tarn_backup_check(const char *data, size_t len, tarn_err err);

/* Replaces st's host settings (settings, interfaces, bridges, VLANs, bonds,
 * repositories' definitions) by the backup's, in one transaction (joining
 * the caller's), after tarn_backup_check: a refused backup changes
 * nothing. A password the backup lacks is kept, so a restore never leaves
 * the host without one. trial_seconds > 0 puts the network part on trial
 * (nettrial.h: net.confirm keeps it); 0 drops any trial pending, as a
 * reset does. */
int tarn_backup_restore(tarn_store *st, const char *data, size_t len, long trial_seconds, tarn_err err);

#endif
