//! `plan`: what `restore` would do with each selected item, with no side effects.

use std::collections::HashSet;
use std::path::Path;

use chauffeur_core::selection::selected_keys;
use chauffeur_core::{ActionKind, CallOptions, Envelope, Plan, PlannedAction};

use crate::item::ProcessData;

/// Plans against the live system: what runs now, and what exists on disk.
pub fn plan(state: &Envelope, options: &CallOptions, running: &HashSet<String>) -> Plan {
    plan_with(state, options, running, |exe| Path::new(exe).is_file())
}

/// Plans with an explicit view of the system, for tests.
///
/// In order: running now → `already-present`; not a process item, or its executable is
/// gone → `skip`; a secret was redacted from its command line → `skip`; the program may
/// run (`CallOptions::may_run`) → `open`; otherwise `needs-confirmation`.
pub fn plan_with(
    state: &Envelope,
    options: &CallOptions,
    running: &HashSet<String>,
    exe_exists: impl Fn(&str) -> bool,
) -> Plan {
    let selected = selected_keys(state, &options.only);
    let actions = state
        .items
        .iter()
        .filter(|item| selected.contains(&item.key))
        .map(|item| {
            let (action, detail) = match ProcessData::from_item(item) {
                None => (
                    ActionKind::Skip,
                    format!(
                        "item is not a process this provider can read (kind {:?})",
                        item.kind
                    ),
                ),
                Some(data) => decide(&data, &item.key, options, running, &exe_exists),
            };
            PlannedAction {
                key: item.key.clone(),
                action,
                detail,
            }
        })
        .collect();
    Plan { actions }
}

fn decide(
    data: &ProcessData,
    key: &str,
    options: &CallOptions,
    running: &HashSet<String>,
    exe_exists: &impl Fn(&str) -> bool,
) -> (ActionKind, String) {
    let program = data.exe.rsplit('/').next().unwrap_or(&data.exe);
    if running.contains(key) || running.contains(&data.key()) {
        return (
            ActionKind::AlreadyPresent,
            format!("{program} is already running"),
        );
    }
    if !data.exe.starts_with('/') || !exe_exists(&data.exe) {
        return (
            ActionKind::Skip,
            format!("executable no longer exists: {}", data.exe),
        );
    }
    if data.is_redacted() {
        return (
            ActionKind::Skip,
            format!(
                "a secret was redacted from the command line of {program}, so it cannot be relaunched"
            ),
        );
    }
    if options.may_run(&data.exe) {
        return (ActionKind::Open, data.command_line());
    }
    let why = if options.imported {
        "the snapshot was imported"
    } else {
        "it is not on the restore allowlist"
    };
    (
        ActionKind::NeedsConfirmation,
        format!(
            "would run {program} ({}) but {why}; add \"{program}\" to restore.allowlist in config.toml or pass --allow-commands",
            data.command_line()
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn state(argv: &[&str]) -> (Envelope, String) {
        let data = ProcessData {
            exe: "/usr/bin/sleep".into(),
            argv: argv.iter().map(|a| (*a).to_owned()).collect(),
            cwd: "/".into(),
            pid: 5,
            started_at: String::new(),
            count: 1,
        };
        let item = data.into_item();
        let key = item.key.clone();
        (
            Envelope {
                schema: 1,
                items: vec![item],
            },
            key,
        )
    }

    fn one(state: &Envelope, options: &CallOptions, running: &HashSet<String>) -> PlannedAction {
        let plan = plan_with(state, options, running, |_| true);
        assert_eq!(plan.actions.len(), 1);
        plan.actions[0].clone()
    }

    #[test]
    fn decisions() {
        let (s, key) = state(&["sleep", "1000"]);
        let none = HashSet::new();
        let allow = CallOptions {
            allowlist: vec!["sleep".into()],
            ..CallOptions::default()
        };
        assert_eq!(
            one(&s, &allow, &HashSet::from([key.clone()])).action,
            ActionKind::AlreadyPresent
        );
        let open = one(&s, &allow, &none);
        assert_eq!(open.action, ActionKind::Open);
        assert_eq!(open.detail, "/usr/bin/sleep 1000");
        let ask = one(&s, &CallOptions::default(), &none);
        assert_eq!(ask.action, ActionKind::NeedsConfirmation);
        assert!(ask.detail.contains("restore.allowlist"), "{}", ask.detail);
        let imported = CallOptions {
            imported: true,
            ..allow.clone()
        };
        assert_eq!(
            one(&s, &imported, &none).action,
            ActionKind::NeedsConfirmation
        );

        let gone = plan_with(&s, &allow, &none, |_| false);
        assert_eq!(gone.actions[0].action, ActionKind::Skip);
        assert!(gone.actions[0].detail.contains("no longer exists"));

        let (secret, _) = state(&["sleep", "--password", "[REDACTED]"]);
        let skip = one(
            &secret,
            &CallOptions {
                allow_commands: true,
                ..allow
            },
            &none,
        );
        assert_eq!(skip.action, ActionKind::Skip);
        assert!(skip.detail.contains("secret"));
    }

    #[test]
    fn only_and_foreign_items() {
        let (mut s, key) = state(&["sleep", "1"]);
        s.items.push(chauffeur_core::Item {
            key: "other".into(),
            kind: "window".into(),
            title: String::new(),
            parent: None,
            data: json!({}),
        });
        let all = plan_with(&s, &CallOptions::default(), &HashSet::new(), |_| true);
        assert_eq!(all.actions.len(), 2);
        assert_eq!(all.actions[1].action, ActionKind::Skip);
        let only = CallOptions {
            only: vec![key.clone()],
            ..CallOptions::default()
        };
        let some = plan_with(&s, &only, &HashSet::new(), |_| true);
        assert_eq!(some.actions.len(), 1);
        assert_eq!(some.actions[0].key, key);
    }
}
