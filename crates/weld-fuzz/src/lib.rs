//! A fuzzing harness for weld's libraries that runs on stable Rust: no
//! libFuzzer, no sanitizers, no nightly. Inputs come from wasm-smith and
//! wit-smith driven by a seeded RNG, from mutations of the repository's
//! fixtures, and from random bytes; each runs in process (see
//! [`harness`]), and every failing input is saved so that it replays
//! exactly (`--replay`).
//!
//! Weld promises never to panic on its input, and that every component it
//! writes validates: those are what the targets check. An error is a
//! correct answer to a bad input.

mod generators;
pub mod harness;
pub mod input;
mod memory;
mod rng;
pub mod targets;
