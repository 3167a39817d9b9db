//! No server, no binary: `unavailable`, never an error (the engine then keeps the last
//! good state; that carry-over is tested in the engine).

mod common;

use chauffeur_core::CallOptions;
use chauffeur_plugin::Plugin;
use chauffeur_provider_tmux::TmuxProvider;
use common::Server;
use serde_json::json;

#[test]
fn no_server_is_unavailable() {
    let server = Server::new();
    let err = server.capture().unwrap_err();
    assert_eq!(err.code, Some("unavailable"), "{err:?}");
    // After a server existed and went away: still unavailable, not empty.
    server.session("x", server.dir.path());
    assert!(server.capture().is_ok());
    server.kill();
    assert_eq!(server.capture().unwrap_err().code, Some("unavailable"));
}

#[test]
fn no_binary_is_unavailable() {
    let server = Server::new();
    let options = CallOptions {
        settings: json!({"tmux": "/nonexistent/tmux", "servers": [server.socket]}),
        ..CallOptions::default()
    };
    let err = TmuxProvider.capture(options).unwrap_err();
    assert_eq!(err.code, Some("unavailable"), "{err:?}");
}

#[test]
fn bad_settings_are_an_error() {
    let options = CallOptions {
        settings: json!({"servers": "not a list"}),
        ..CallOptions::default()
    };
    let err = TmuxProvider.capture(options).unwrap_err();
    assert_eq!(err.code, None);
    assert!(err.message.contains("tmux settings"), "{err:?}");
}
