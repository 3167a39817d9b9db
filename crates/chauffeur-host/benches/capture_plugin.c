/*
 * A plugin for the `capture8` bench only: built once per name with
 *
 *   cc -shared -fPIC -O2 -fvisibility=hidden -I include -DPLUGIN_NAME='"bench_1"' ...
 *
 * `capture` answers 20 browser-tab-like items (about 3.5 KB of JSON), composed on every call
 * as a real plugin would; `describe` answers the capture verb. Results are malloc'd and
 * freed by plugin_free.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chauffeur_plugin.h"

#ifndef PLUGIN_NAME
#error "build with -DPLUGIN_NAME='\"name\"'"
#endif

/* How many items a capture answers. */
#define ITEMS 20
/* Room for ITEMS items of at most about 250 bytes each, and the envelope. */
#define CAPTURE_CAP 8192

static char *dup_string(const char *text) {
    size_t len = strlen(text);
    char *copy = (char *)malloc(len + 1);
    if (copy != NULL) {
        memcpy(copy, text, len + 1);
    }
    return copy;
}

/* The envelope with ITEMS items, or NULL when out of memory or room. */
static char *capture_state(void) {
    char *buf = (char *)malloc(CAPTURE_CAP);
    size_t len = 0;
    int n;
    int i;
    if (buf == NULL) {
        return NULL;
    }
    n = snprintf(buf, CAPTURE_CAP, "{\"schema\":1,\"items\":[");
    if (n < 0 || (size_t)n >= CAPTURE_CAP) {
        free(buf);
        return NULL;
    }
    len = (size_t)n;
    for (i = 0; i < ITEMS; i++) {
        n = snprintf(buf + len, CAPTURE_CAP - len,
                     "%s{\"key\":\"tab-%02d\",\"kind\":\"tab\",\"title\":\"%s tab %d: "
                     "Chauffeur documentation\",\"data\":{\"url\":\"https://example.org/%s/"
                     "docs/page-%02d.html\",\"index\":%d,\"pinned\":%s,\"scroll\":%d}}",
                     i == 0 ? "" : ",", i, PLUGIN_NAME, i, PLUGIN_NAME, i, i,
                     i < 2 ? "true" : "false", i * 120);
        if (n < 0 || (size_t)n >= CAPTURE_CAP - len) {
            free(buf);
            return NULL;
        }
        len += (size_t)n;
    }
    if (CAPTURE_CAP - len < 3) {
        free(buf);
        return NULL;
    }
    memcpy(buf + len, "]}", 3);
    return buf;
}

CHAUFFEUR_EXPORT const char *plugin_name(void) { return PLUGIN_NAME; }

CHAUFFEUR_EXPORT char *plugin_call_json(const char *func, const char *args_json) {
    if (func == NULL || args_json == NULL) {
        return dup_string("{\"error\":\"func and args_json are required\"}");
    }
    if (strcmp(func, "capture") == 0) {
        return capture_state();
    }
    if (strcmp(func, "describe") == 0) {
        return dup_string("{\"name\":\"" PLUGIN_NAME "\",\"version\":\"0.1.0\",\"schema\":1,"
                          "\"capabilities\":[\"capture\"],\"functions\":[]}");
    }
    return dup_string("{\"error\":\"unknown function\",\"code\":\"unknown-function\"}");
}

CHAUFFEUR_EXPORT void plugin_free(char *ptr) { free(ptr); }
