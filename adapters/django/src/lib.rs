//! Django support for migdoctor.
#![warn(missing_docs)]

pub mod contrib;
pub mod names;
