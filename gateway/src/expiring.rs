//! What an isolate remembers for a while: a map whose entries each carry the time they stop
//! counting, bounded in size. A full map first drops what has expired and then takes nothing
//! new rather than evicting something still fresh — a miss only costs the read the entry
//! would have saved. Held in a `thread_local!` by its users (an isolate is one thread), so
//! each test, on its own thread, starts empty.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;

/// Entries of `V` by `K`, each until a time in milliseconds; at most `capacity` of them.
pub struct Expiring<K, V> {
    entries: HashMap<K, (u64, V)>,
    capacity: usize,
}

impl<K: Eq + Hash, V: Clone> Expiring<K, V> {
    /// An empty map holding at most `capacity` entries.
    pub fn new(capacity: usize) -> Self {
        Self {
            entries: HashMap::new(),
            capacity,
        }
    }

    /// The value at `key`, unless absent or expired at `now_ms`.
    pub fn get<Q>(&self, key: &Q, now_ms: u64) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        self.entries
            .get(key)
            .filter(|(until, _)| *until > now_ms)
            .map(|(_, v)| v.clone())
    }

    /// Keeps `value` at `key` until `until_ms`, unless the map is full of entries still fresh
    /// at `now_ms` (then it is not kept).
    pub fn insert(&mut self, key: K, value: V, until_ms: u64, now_ms: u64) {
        if self.entries.len() >= self.capacity && !self.entries.contains_key(&key) {
            self.entries.retain(|_, (until, _)| *until > now_ms);
            if self.entries.len() >= self.capacity {
                return;
            }
        }
        self.entries.insert(key, (until_ms, value));
    }

    /// Forgets `key`.
    pub fn remove<Q>(&mut self, key: &Q)
    where
        K: Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        self.entries.remove(key);
    }

    /// Forgets every entry whose value `keep` refuses.
    pub fn retain(&mut self, mut keep: impl FnMut(&V) -> bool) {
        self.entries.retain(|_, (_, v)| keep(v));
    }
}

#[cfg(test)]
mod tests {
    use super::Expiring;

    #[test]
    fn an_entry_counts_until_its_time_and_not_at_it() {
        let mut m = Expiring::new(4);
        m.insert("a", 1, 1_000, 0);
        assert_eq!(m.get("a", 999), Some(1));
        assert_eq!(m.get("a", 1_000), None);
        assert_eq!(m.get("b", 0), None);
    }

    #[test]
    fn a_full_map_drops_expired_entries_and_never_a_fresh_one() {
        let mut m = Expiring::new(2);
        m.insert("old", 1, 100, 0);
        m.insert("fresh", 2, 10_000, 0);
        m.insert("new", 3, 10_000, 500);
        assert_eq!(m.get("new", 500), Some(3), "the expired entry made room");
        m.insert("more", 4, 10_000, 600);
        assert_eq!(m.get("more", 600), None, "full of fresh entries: not kept");
        assert_eq!(m.get("fresh", 600), Some(2));
        m.insert("fresh", 5, 20_000, 600);
        assert_eq!(
            m.get("fresh", 600),
            Some(5),
            "a key it holds is replaced even when full"
        );
    }

    #[test]
    fn removed_and_refused_entries_are_gone() {
        let mut m = Expiring::new(4);
        m.insert("a", 1, 1_000, 0);
        m.insert("b", 2, 1_000, 0);
        m.insert("c", 3, 1_000, 0);
        m.remove("a");
        m.retain(|v| *v != 2);
        assert_eq!(
            (m.get("a", 0), m.get("b", 0), m.get("c", 0)),
            (None, None, Some(3))
        );
    }
}
