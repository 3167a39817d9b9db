//! Hosting Chauffeur providers: the builtin table, dlopen'd libraries, isolated
//! plugin-host children and add-ins.
//!
//! Every native provider, builtin or loaded, is reached through one [`NativeTable`]: the
//! ABI's function pointers. [`NativeProvider`] turns such a table into an engine
//! [`chauffeur_core::Provider`] whose calls run on a worker thread under a deadline.

mod native;

pub use native::{NativeProvider, NativeTable, TableError};
