//! Integration tests of `oubli-core` through its public API.

mod secrets;
