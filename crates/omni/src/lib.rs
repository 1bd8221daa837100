//! The parts of the `omni` binary that tests and tools reuse: catalog import
//! and synthetic catalog generation.

pub mod generate;
pub mod load;
