//! Builtin provider apps: the user's running programs from /proc, relaunched when allowlisted.
