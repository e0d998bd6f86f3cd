/* The storage screen's parts (screen-storage.c, storage-add.c). */
#ifndef TARN_TUI_STORAGE_H
#define TARN_TUI_STORAGE_H
#include "tui.h"

#define STORAGE_TITLE "Storage repositories"

/* Asks which kind of repository to add (a local disk or partition, an NFS
 * export, an iSCSI target), then its form; the agent adds it. */
void storage_add(struct tui *t);

#endif
