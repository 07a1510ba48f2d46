//! The host's side of the protocol (feature `host`): the ResourceList on its way into a
//! function and the one coming out, each held as JSON text and parsed one item at a time,
//! so that a large list is never held as trees beside the function's own memory. A
//! function never needs these; krmwasm does, and the fuzz targets check them against the
//! tree readers of [`crate::codec`].

mod ahead;
mod as_written;
mod beside;
mod entry_lines;
mod input;
mod items_layout;
#[cfg(test)]
mod items_layout_tests;
mod output;
mod shares;
mod verbatim;

pub use ahead::{Ahead, RenderAhead};
pub use as_written::{AsWritten, scan_while};
pub use beside::{keep_off_this_cpu, run_beside};
pub use input::{Document, Envelope, FunctionInput, read_documents};
pub use output::FunctionOutput;
