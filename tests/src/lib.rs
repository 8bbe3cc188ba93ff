//! End-to-end tests of oubli live in `tests/it/`.

#![forbid(unsafe_code)]
