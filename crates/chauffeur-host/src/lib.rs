//! Hosting Chauffeur providers: the builtin table, dlopen'd libraries, isolated plugin-host children and add-ins.
