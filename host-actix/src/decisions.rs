//! Decisions already made for the certificate of one connection, reused for the further requests
//! on it (HTTP/1.1 keep-alive, HTTP/2 streams, which a client can send many of at once).
//!
//! The certificate of a connection never changes, so a decision made for it can be reused as
//! long as nothing else it depends on changes. An entry is reused only for a request with:
//! - the same `client_id`;
//! - no client secret (a secret is per request; such requests are decided every time);
//! - the same registry: its generation, which every load and every reload renews;
//! - a time before the first instant at which the core says the answer could change
//!   ([`certbind_core::next_change`]: a validity bound of the certificate or of an intermediate
//!   it sent, a secret's `expires`), and not before the time it was made (a clock set back).
//!
//! Only the built-in registry's decisions are kept: an application's own validator is asked on
//! every request, as it may consult a store of its own. At most [`MAX_CLIENTS`] `client_id`s are
//! remembered per connection (the oldest is forgotten), so a connection that cycles through
//! `client_id`s costs at most a decision per request, as it did before.

use std::cell::RefCell;

use crate::auth::{AuthFailure, Authenticated};

/// Most `client_id`s remembered per connection (a real client asks for one).
pub(crate) const MAX_CLIENTS: usize = 4;

/// What a connection's requests were answered.
#[derive(Debug, Default)]
pub(crate) struct Decisions {
    entries: RefCell<Vec<Entry>>,
}

#[derive(Debug)]
struct Entry {
    client_id: String,
    generation: u64,
    decided_at: u64,
    /// First Unix second at which the answer may change (`None`: only with the registry).
    until: Option<u64>,
    result: Result<Authenticated, AuthFailure>,
}

impl Decisions {
    /// The answer already made for `client_id` under registry `generation`, if it still holds
    /// at `now`.
    pub(crate) fn reuse(
        &self,
        client_id: &str,
        generation: u64,
        now: u64,
    ) -> Option<Result<Authenticated, AuthFailure>> {
        let entries = self.entries.borrow();
        let entry = entries.iter().find(|e| e.client_id == client_id)?;
        let holds = entry.generation == generation
            && entry.decided_at <= now
            && entry.until.is_none_or(|until| now < until);
        holds.then(|| entry.result.clone())
    }

    /// Remembers the answer for `client_id`, made at `now` under registry `generation`, valid
    /// until `until` (exclusive).
    pub(crate) fn remember(
        &self,
        client_id: &str,
        generation: u64,
        now: u64,
        until: Option<u64>,
        result: &Result<Authenticated, AuthFailure>,
    ) {
        let mut entries = self.entries.borrow_mut();
        entries.retain(|e| e.client_id != client_id);
        if entries.len() >= MAX_CLIENTS {
            entries.remove(0);
        }
        entries.push(Entry {
            client_id: client_id.to_owned(),
            generation,
            decided_at: now,
            until,
            result: result.clone(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure(reason: &str) -> Result<Authenticated, AuthFailure> {
        Err(AuthFailure::new("custom", reason))
    }

    #[test]
    fn an_answer_holds_for_its_client_generation_and_time_only() {
        let decisions = Decisions::default();
        decisions.remember("a", 1, 100, Some(200), &failure("x"));
        assert_eq!(decisions.reuse("a", 1, 100), Some(failure("x")));
        assert_eq!(decisions.reuse("a", 1, 199), Some(failure("x")));
        assert_eq!(decisions.reuse("a", 1, 200), None, "the answer may change");
        assert_eq!(decisions.reuse("a", 1, 99), None, "the clock went back");
        assert_eq!(decisions.reuse("a", 2, 150), None, "the registry changed");
        assert_eq!(decisions.reuse("b", 1, 150), None, "another client");
        decisions.remember("a", 2, 150, None, &failure("y"));
        assert_eq!(decisions.reuse("a", 2, u64::MAX), Some(failure("y")));
    }

    #[test]
    fn at_most_a_few_clients_are_remembered_per_connection() {
        let decisions = Decisions::default();
        for i in 0..=MAX_CLIENTS {
            decisions.remember(&format!("c{i}"), 1, 0, None, &failure("x"));
        }
        assert_eq!(decisions.reuse("c0", 1, 0), None, "the oldest is forgotten");
        for i in 1..=MAX_CLIENTS {
            assert!(decisions.reuse(&format!("c{i}"), 1, 0).is_some(), "c{i}");
        }
        assert_eq!(decisions.entries.borrow().len(), MAX_CLIENTS);
    }
}
