//! Which stored signing keys are published and which one signs, at a given time.
//!
//! A rotated key is published (in every replica's JWKS) from the moment it is stored, and signs
//! from its `signs_from` time on, a configured delay later, so resource servers have fetched it
//! before they see tokens signed with it. A key stays published until the last token it can have
//! signed has expired: its successor's `signs_from` plus the longest token lifetime.

/// A stored key as the schedule sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ScheduledKey {
    pub(crate) kid: String,
    /// Unix seconds from which it signs.
    pub(crate) signs_from: i64,
}

/// What to publish at a time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Plan {
    /// Kids to publish, oldest first.
    pub(crate) published: Vec<String>,
    /// Index in `published` of the key that signs.
    pub(crate) signer: usize,
    /// Kids that no replica needs any more (their last token has expired).
    pub(crate) expired: Vec<String>,
    /// The next time the plan changes (a key starts signing or stops being published).
    pub(crate) next_change: Option<i64>,
}

/// The plan at `now` for `keys`, with tokens living at most `max_lifetime` seconds (plus
/// `skew` for replicas' clocks). `None` without keys.
pub(crate) fn plan(keys: &[ScheduledKey], now: i64, max_lifetime: i64, skew: i64) -> Option<Plan> {
    let mut keys: Vec<&ScheduledKey> = keys.iter().collect();
    keys.sort_by(|a, b| (a.signs_from, &a.kid).cmp(&(b.signs_from, &b.kid)));
    // The newest key whose time has come signs; before any has, the oldest signs (a store is
    // never without a signer).
    let signer = keys.iter().rposition(|k| k.signs_from <= now).unwrap_or(0);
    let mut published = Vec::new();
    let mut expired = Vec::new();
    let mut next_change: Option<i64> = None;
    let mut note = |t: i64| {
        if t > now {
            next_change = Some(next_change.map_or(t, |n| n.min(t)));
        }
    };
    let mut plan_signer = 0;
    for (i, key) in keys.iter().enumerate() {
        if i < signer {
            // Replaced by the next key at its signs_from: tokens it signed live until then plus
            // the longest lifetime.
            let successor = keys.get(i + 1).map_or(now, |k| k.signs_from);
            let until = successor.saturating_add(max_lifetime).saturating_add(skew);
            if until <= now {
                expired.push(key.kid.clone());
                continue;
            }
            note(until);
        } else if i > signer {
            note(key.signs_from);
        }
        if i == signer {
            plan_signer = published.len();
        }
        published.push(key.kid.clone());
    }
    if keys.is_empty() {
        return None;
    }
    Some(Plan {
        published,
        signer: plan_signer,
        expired,
        next_change,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(kid: &str, signs_from: i64) -> ScheduledKey {
        ScheduledKey {
            kid: kid.into(),
            signs_from,
        }
    }

    #[test]
    fn a_rotated_key_is_published_first_signs_later_and_the_old_one_stays_until_its_tokens_expire()
    {
        // a signs since 0; b was rotated in at 1000 with a 600 s delay; tokens live 3600 s.
        let keys = [key("a", 0), key("b", 1600)];
        let before = plan(&keys, 1000, 3600, 0).unwrap();
        assert_eq!(before.published, ["a", "b"]);
        assert_eq!(before.signer, 0, "a still signs");
        assert_eq!(before.next_change, Some(1600));
        let after = plan(&keys, 1600, 3600, 0).unwrap();
        assert_eq!(after.published, ["a", "b"]);
        assert_eq!(after.signer, 1, "b signs");
        assert_eq!(after.next_change, Some(5200), "a's last token expires");
        let later = plan(&keys, 5200, 3600, 0).unwrap();
        assert_eq!(later.published, ["b"]);
        assert_eq!(later.signer, 0);
        assert_eq!(later.expired, ["a"]);
        assert_eq!(later.next_change, None);
    }

    #[test]
    fn before_any_key_is_due_the_oldest_signs() {
        let p = plan(&[key("x", 50), key("y", 90)], 10, 60, 5).unwrap();
        assert_eq!((p.published.len(), p.signer), (2, 0));
        assert!(plan(&[], 0, 60, 0).is_none());
    }
}
