//! The WIT front end of weld: loading WIT packages from files, directories
//! and components, printing them, inspecting binaries, and making components
//! from core modules.
//!
//! Nothing here prints or exits: every function returns a typed [`Error`]
//! that names the input at fault, and the CLI decides how to show it.

pub mod access;
pub mod check;
pub mod componentize;
pub mod display;
mod error;
pub mod files;
pub mod guard;
pub mod http;
pub mod inspect;
pub mod load;
pub mod mapped;
pub mod names;
pub mod print;
pub mod registry;
pub mod temporary;
pub mod tree;
pub mod validated;
pub mod wasm;

pub use error::{BoxError, Error, Result};
pub use load::{Wit, load, load_bytes};
pub use wit_parser;
