//! Tenant administration rules (no HTTP): domain-control challenges, sessions, settings, uploads,
//! and the anonymous adoption counters shown on the dashboard.

pub mod adoption;
pub mod chart;
