//! Django's contrib apps and their migrations (filled in by the contrib work).
