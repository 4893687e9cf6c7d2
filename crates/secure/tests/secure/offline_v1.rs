//! Offline package v1: golden file, round trip, refused flags.
