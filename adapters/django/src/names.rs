//! Django's generated identifiers (filled in by the names work).
