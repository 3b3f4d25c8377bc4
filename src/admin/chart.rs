//! TEMPORARY STUB: the adoption chart as server-rendered SVG (being written).
