//! Synthetic abdominal CT phantom (placeholder).
