//! Chauffeur's snapshot store: SQLite, migrations, content-addressed blobs, retention, export and import.
