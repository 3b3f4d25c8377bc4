//! TEMPORARY STUB: anonymous daily adoption counters (being written).
