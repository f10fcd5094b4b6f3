/*
 * Versions of the libraries linked in: a dependency inventory for audits
 * (--version of every tool).  Run-time versions, not the headers'.  Split
 * in two so that whoop-export, which links no network code, does not pull
 * libcurl in just to print its version.
 */
#include <stdio.h>

#include <openssl/crypto.h>
#include <sqlite3.h>

#include "extern.h"

void
whoop_versions(char *buf, size_t bufsz)
{
	(void)snprintf(buf, bufsz, "SQLite %s\nOpenSSL %s\n",
	    sqlite3_libversion(), OpenSSL_version(OPENSSL_VERSION_STRING));
}
