//! Builtin provider tmux: sessions, windows, panes, layouts and programs, restored exactly.
