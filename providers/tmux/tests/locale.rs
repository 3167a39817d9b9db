//! A daemon started by a service manager often has no UTF-8 locale; capture must still
//! parse what tmux prints.

mod common;

use std::os::unix::fs::PermissionsExt;

use chauffeur_core::CallOptions;
use chauffeur_plugin::Plugin;
use chauffeur_provider_tmux::TmuxProvider;
use common::{Server, item};
use serde_json::json;

#[test]
fn capture_works_in_the_c_locale() {
    let server = Server::new();
    server.session("plain", server.dir.path());
    server.session("ünï", server.dir.path());
    let c_locale = server.dir.path().join("tmux-c");
    std::fs::write(
        &c_locale,
        "#!/bin/sh\nunset LANG LANGUAGE LC_CTYPE\nLC_ALL=C exec tmux \"$@\"\n",
    )
    .unwrap();
    std::fs::set_permissions(&c_locale, std::fs::Permissions::from_mode(0o755)).unwrap();
    let options = CallOptions {
        settings: json!({"servers": [server.socket], "tmux": c_locale}),
        ..CallOptions::default()
    };
    let state = TmuxProvider.capture(options).expect("capture");
    assert_eq!(item(&state, "plain").kind, "session");
    assert_eq!(item(&state, "ünï").kind, "session");
    assert_eq!(
        item(&state, "plain:0:0").data["cwd"],
        server.dir.path().to_string_lossy().as_ref()
    );
}
