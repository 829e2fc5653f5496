//! Integration tests of the PostgreSQL store against a real database; see
//! `support` for which database and how tests skip without one.

mod conformance;
mod errors;
mod migrations;
mod outage;
mod processes;
mod purge;
mod support;
mod upgrade;
