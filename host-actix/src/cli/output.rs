//! Shared output helpers for the subcommands (errors on stderr, JSON on stdout).
