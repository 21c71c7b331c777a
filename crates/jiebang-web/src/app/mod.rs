//! The application layer: what jiebang does, called by both front ends — the JSON API
//! ([`crate::api`]) and the pages (`pages`) — and owned by neither. Each module is a
//! noun: who may see or manage what, the use cases that change it (each one store call, audited
//! there), and the queries that return view models for a viewer. Handlers turn HTTP into these
//! calls and their results into JSON or HTML; `tidy` keeps `api` and `pages` from importing each
//! other.

pub mod access;
pub mod accounts;
pub mod audit;
pub mod catalogue;
pub mod datasets;
pub mod leaderboards;
pub mod organizations;
pub mod phases;
pub mod printing;
pub mod programs;
pub mod projects;
pub mod queue;
pub mod search;
pub mod selection;
pub mod service;
pub mod submissions;
pub mod views;
