//! Export to and import from self-describing JSON documents.

use super::*;

impl Store {
    /// A self-contained document holding one snapshot and its states.
    pub fn export(&self, id: SnapshotId) -> Result<ExportDocument> {
        let (snapshot, states) = self.read(|c| Ok((read_one(c, id)?, read_states(c, id)?)))?;
        Ok(ExportDocument {
            format: EXPORT_FORMAT.to_owned(),
            format_version: EXPORT_FORMAT_VERSION,
            exported_at: Utc::now(),
            chauffeur_version: env!("CARGO_PKG_VERSION").to_owned(),
            snapshot,
            states,
        })
    }

    /// Stores an exported snapshot as a new snapshot with trigger `import`, keeping its
    /// name, creation time, sections and states. Validates the document first and
    /// stores nothing when it is not acceptable (`BadInput` says what is wrong).
    /// Imported states never become a provider's last good state.
    pub fn import(&self, doc: ExportDocument) -> Result<SnapshotSummary> {
        if doc.format != EXPORT_FORMAT {
            return Err(StoreError::BadInput(format!(
                "not a Chauffeur snapshot export: format is {:?}, expected {EXPORT_FORMAT:?}",
                doc.format
            )));
        }
        if doc.format_version != EXPORT_FORMAT_VERSION {
            return Err(StoreError::BadInput(format!(
                "export format version {} is not supported; this Chauffeur reads version {EXPORT_FORMAT_VERSION}",
                doc.format_version
            )));
        }
        let ExportDocument {
            snapshot,
            mut states,
            ..
        } = doc;
        let mut sections = Vec::with_capacity(snapshot.sections.len());
        for s in snapshot.sections {
            let state = states.remove(&s.provider);
            match (&s.state_hash, &state) {
                (Some(h), None) => {
                    return Err(StoreError::BadInput(format!(
                        "section {:?} refers to state {h} but the document has no state for it",
                        s.provider
                    )));
                }
                (None, Some(_)) => {
                    return Err(StoreError::BadInput(format!(
                        "the document has a state for {:?} but its section has no state_hash",
                        s.provider
                    )));
                }
                _ => {}
            }
            sections.push(crate::NewSection {
                provider: s.provider,
                provider_version: s.provider_version,
                status: s.status,
                captured_at: s.captured_at,
                error: s.error,
                state,
                state_captured_at: s.state_captured_at,
            });
        }
        if let Some(orphan) = states.keys().next() {
            return Err(StoreError::BadInput(format!(
                "the document has a state for {orphan:?} but no section for it"
            )));
        }
        let name = if snapshot.name.trim().is_empty() {
            None
        } else {
            Some(snapshot.name)
        };
        self.write_snapshot(
            NewSnapshot {
                name,
                trigger: Trigger::Import,
                created_at: snapshot.created_at,
                sections,
            },
            false,
        )
    }
}
