/*
 * Versions of the network-side libraries (see version.c).
 */
#include <stdio.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "extern.h"

void
whoop_versions_net(char *buf, size_t bufsz)
{
	curl_version_info_data	*cv = curl_version_info(CURLVERSION_NOW);

	(void)snprintf(buf, bufsz, "libcurl %s (%s)\ncJSON %s\n",
	    cv->version, cv->ssl_version != NULL ? cv->ssl_version : "no TLS",
	    cJSON_Version());
}
