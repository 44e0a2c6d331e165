/*
 * pg_idm.c - module entry point
 *
 * pg_idm needs no shared memory and no background worker, so it works
 * without shared_preload_libraries; everything else lives in the file of
 * its concern (see DESIGN.md).
 */
#include "postgres.h"

#include "fmgr.h"

#include "crypto.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

/* Registers the module's settings when the library loads. */
void
_PG_init(void)
{
	IdmCryptoDefineSettings();
}
