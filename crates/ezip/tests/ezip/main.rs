//! Integration tests of the `ezip` crate: vendor vectors, stream round trips, malformed
//! streams, and chunked payloads.

mod common;
mod golden;
mod malformed;
mod payload;
mod streams;
mod vectors;
mod xorshift;
