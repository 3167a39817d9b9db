/*
 * Example Chauffeur plugin in C: exports every entry point of include/chauffeur_plugin.h.
 *
 *   echo [args...]  answers its arguments as they came (args_json is already an array)
 *   describe/capture/plan/restore  one fixed "greeting" item, so it takes part in
 *   snapshots and restores.
 *
 * Results are malloc'd and freed by plugin_free (the host would use free() otherwise).
 */
#include <stdlib.h>
#include <string.h>

#include "chauffeur_plugin.h"

static const ChauffeurHostApi *host = NULL;

static void host_log(int level, const char *message) {
    if (host != NULL && host->struct_size >= sizeof(ChauffeurHostApi) && host->log != NULL) {
        host->log(host->host_data, level, message);
    }
}

static char *dup_string(const char *text) {
    size_t len = strlen(text);
    char *copy = (char *)malloc(len + 1);
    if (copy != NULL) {
        memcpy(copy, text, len + 1);
    }
    return copy;
}

CHAUFFEUR_EXPORT const char *plugin_name(void) { return "c_plugin"; }

CHAUFFEUR_EXPORT char *plugin_call_json(const char *func, const char *args_json) {
    if (func == NULL || args_json == NULL) {
        return dup_string("{\"error\":\"func and args_json are required\"}");
    }
    if (strcmp(func, "echo") == 0) {
        host_log(CHAUFFEUR_LOG_INFO, "c_plugin: echo called");
        if (host != NULL && host->state_changed != NULL) {
            host->state_changed(host->host_data);
        }
        return dup_string(args_json);
    }
    if (strcmp(func, "describe") == 0) {
        return dup_string("{\"name\":\"c_plugin\",\"version\":\"0.1.0\",\"schema\":1,"
                          "\"capabilities\":[\"capture\",\"plan\",\"restore\"],"
                          "\"functions\":[\"echo\"]}");
    }
    if (strcmp(func, "capture") == 0) {
        return dup_string("{\"schema\":1,\"items\":[{\"key\":\"greeting\",\"kind\":\"greeting\","
                          "\"title\":\"Hello from C\",\"data\":{\"text\":\"hello\"}}]}");
    }
    if (strcmp(func, "plan") == 0) {
        return dup_string("{\"actions\":[{\"key\":\"greeting\",\"action\":\"already-present\"}]}");
    }
    if (strcmp(func, "restore") == 0) {
        return dup_string("{\"results\":[{\"key\":\"greeting\",\"outcome\":\"already-present\"}]}");
    }
    return dup_string("{\"error\":\"unknown function\",\"code\":\"unknown-function\"}");
}

CHAUFFEUR_EXPORT void plugin_free(char *ptr) { free(ptr); }

CHAUFFEUR_EXPORT int chauffeur_plugin_init(const ChauffeurHostApi *api) {
    if (api == NULL || api->abi_version < 1) {
        return 1;
    }
    host = api;
    host_log(CHAUFFEUR_LOG_INFO, "c_plugin ready");
    return 0;
}

CHAUFFEUR_EXPORT void chauffeur_plugin_shutdown(void) {
    host_log(CHAUFFEUR_LOG_INFO, "c_plugin shutting down");
    host = NULL;
}
