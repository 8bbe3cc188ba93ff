//! Benchmarks of oubli.
