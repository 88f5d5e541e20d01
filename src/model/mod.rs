//! model: see the README (to be built in its own issue).
