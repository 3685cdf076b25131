//! Unit tests for the engine's subtle parts.
