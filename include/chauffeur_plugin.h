/*
 * chauffeur_plugin.h — the Chauffeur native plugin ABI (C and C++).
 *
 * A plugin is a shared library (libNAME.so / libNAME.dylib / NAME.dll) next to a
 * manifest.json in a plugin directory. See docs/plugins.md.
 *
 * REQUIRED exports
 *   plugin_name        — the plugin's name; must equal the manifest's "name".
 *   plugin_call_json   — calls one function with a JSON array of arguments.
 * OPTIONAL exports
 *   plugin_free                — frees what plugin_call_json returned (else the host
 *                                uses C free()).
 *   chauffeur_plugin_init      — receives the host's callbacks before any call; 0 = ok.
 *   chauffeur_plugin_shutdown  — the host is going away (isolated mode: the child exits).
 *
 * OWNERSHIP
 *   - plugin_name() returns a pointer the host never frees: keep it static.
 *   - plugin_call_json() receives two strings owned by the host, valid only during the
 *     call; do not keep them. It returns a NUL-terminated UTF-8 JSON text that the plugin
 *     allocated and the host owns from then on: the host frees it exactly once with
 *     plugin_free() when exported, otherwise with free() — so without plugin_free the
 *     buffer MUST come from malloc() of the same C runtime.
 *   - Returning NULL, text that is not UTF-8 or not JSON is an error the host reports
 *     naming the plugin and the function; do not rely on it, return {"error": "..."}.
 *   - The ChauffeurHostApi pointer given to chauffeur_plugin_init, and everything it
 *     points to, stay valid until chauffeur_plugin_shutdown returns. Its callbacks may be
 *     called from any thread; the message passed to log() is copied by the host.
 *
 * CONTRACT
 *   - args_json is always a JSON array, e.g. ["hi", 2].
 *   - The result is any JSON value; errors are {"error": "message"} and optionally
 *     "code": "unavailable" (what the plugin captures is not there).
 *   - Every plugin answers the four verbs: "describe" [], "capture" [options],
 *     "plan" [state, options], "restore" [state, options] (docs/plugins.md has the shapes).
 *   - Calls may arrive from different host threads; the host may call concurrently.
 *   - Libraries are never unloaded.
 *
 * VERSIONING
 *   CHAUFFEUR_HOST_API_VERSION grows when fields are appended to ChauffeurHostApi; fields
 *   are never removed, reordered or changed. Before reading a field, check that
 *   host->struct_size covers it. New optional entry points may be added; the existing
 *   ones never change.
 */
#ifndef CHAUFFEUR_PLUGIN_H
#define CHAUFFEUR_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#define CHAUFFEUR_EXPORT __declspec(dllexport)
#else
#define CHAUFFEUR_EXPORT __attribute__((visibility("default")))
#endif

/* The version of ChauffeurHostApi this header describes. */
#define CHAUFFEUR_HOST_API_VERSION 1u

/* Levels for ChauffeurHostApi.log. */
#define CHAUFFEUR_LOG_ERROR 1
#define CHAUFFEUR_LOG_WARN 2
#define CHAUFFEUR_LOG_INFO 3
#define CHAUFFEUR_LOG_DEBUG 4

/* Callbacks the host gives the plugin in chauffeur_plugin_init. */
typedef struct ChauffeurHostApi {
    /* CHAUFFEUR_HOST_API_VERSION of the host. */
    uint32_t abi_version;
    /* sizeof(ChauffeurHostApi) as the host knows it; check it before reading a field
       newer than the version you were built against. */
    uint32_t struct_size;
    /* Opaque; pass it back to every callback. */
    void *host_data;
    /* Writes a line to the host's log (tagged with the plugin's name). May be NULL. */
    void (*log)(void *host_data, int level, const char *message);
    /* Says the plugin's state changed (an auto-snapshot may be worth taking). May be NULL. */
    void (*state_changed)(void *host_data);
} ChauffeurHostApi;

/* Required: the plugin's name, static, NUL-terminated UTF-8. */
CHAUFFEUR_EXPORT const char *plugin_name(void);

/* Required: calls `func` with `args_json` (a JSON array); returns JSON the host frees. */
CHAUFFEUR_EXPORT char *plugin_call_json(const char *func, const char *args_json);

/* Optional: frees a result of plugin_call_json. */
CHAUFFEUR_EXPORT void plugin_free(char *ptr);

/* Optional: receives the host API before any call; return 0 on success. */
CHAUFFEUR_EXPORT int chauffeur_plugin_init(const ChauffeurHostApi *host);

/* Optional: the host is going away; no call follows. */
CHAUFFEUR_EXPORT void chauffeur_plugin_shutdown(void);

/* Function pointer types, for hosts that resolve the symbols themselves. */
typedef const char *(*chauffeur_plugin_name_fn)(void);
typedef char *(*chauffeur_plugin_call_json_fn)(const char *func, const char *args_json);
typedef void (*chauffeur_plugin_free_fn)(char *ptr);
typedef int (*chauffeur_plugin_init_fn)(const ChauffeurHostApi *host);
typedef void (*chauffeur_plugin_shutdown_fn)(void);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* CHAUFFEUR_PLUGIN_H */
