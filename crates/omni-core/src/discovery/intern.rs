//! Texts the index holds once however many offerings carry them, numbered
//! while the offerings are parsed on every core.
//!
//! Two things are numbered this way when a layer is built (`index.rs`):
//! - the `field=value` keys offerings are found under (`channel=ecomm`), whose
//!   numbers index the postings;
//! - the members of the offerings' pre-rendered JSON (`"lob":"wireless"`).
//!   A generated catalog of a million offers repeats most members from offer
//!   to offer; held once each, the bodies took a fifth of the memory they took
//!   as one text per offering (issue 17: a million offers in 2 GB).
//!
//! The parsing threads share one [`Interner`]; it is split into shards by
//! hash so that two threads rarely wait for the same lock. Numbers are given
//! in the order texts are first seen, which differs from run to run: nothing
//! may depend on them but the lookups below.

use std::collections::HashMap;
use std::hash::BuildHasher;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};

/// The map type of interned texts: foldhash is several times quicker than
/// the default SipHash on short keys, and these maps are not fed by
/// untrusted keys an attacker could choose to collide (catalog managers
/// write the catalog).
pub(super) type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

const SHARDS: usize = 64;

/// Numbers texts from several threads at once.
pub(super) struct Interner {
    hasher: foldhash::fast::RandomState,
    shards: Vec<Mutex<FastMap<Box<str>, u32>>>,
    next: AtomicU32,
}

impl Default for Interner {
    fn default() -> Self {
        Self {
            hasher: foldhash::fast::RandomState::default(),
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
            next: AtomicU32::new(0),
        }
    }
}

impl Interner {
    /// The number of `text`, given now if it is new.
    pub(super) fn id(&self, text: &str) -> u32 {
        let shard = (self.hasher.hash_one(text) as usize) % SHARDS;
        let mut map = self.shards[shard].lock().unwrap_or_else(|p| p.into_inner());
        if let Some(&id) = map.get(text) {
            return id;
        }
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        map.insert(text.into(), id);
        id
    }

    /// How many texts have a number.
    pub(super) fn len(&self) -> usize {
        self.next.load(Ordering::Relaxed) as usize
    }

    /// Every text with its number, for lookups by text.
    pub(super) fn into_map(self) -> FastMap<Box<str>, u32> {
        let mut all = FastMap::with_capacity_and_hasher(self.len(), self.hasher);
        for shard in self.shards {
            all.extend(shard.into_inner().unwrap_or_else(|p| p.into_inner()));
        }
        all
    }

    /// Every text in one buffer, found by its number.
    pub(super) fn into_table(self) -> Texts {
        let mut by_id: Vec<Option<Box<str>>> = vec![None; self.len()];
        for shard in self.shards {
            for (text, id) in shard.into_inner().unwrap_or_else(|p| p.into_inner()) {
                by_id[id as usize] = Some(text);
            }
        }
        let mut table = Texts {
            text: String::with_capacity(by_id.iter().flatten().map(|t| t.len()).sum()),
            ends: Vec::with_capacity(by_id.len()),
        };
        for text in by_id {
            table.text.push_str(text.as_deref().unwrap_or_default());
            table.ends.push(table.text.len());
        }
        table
    }
}

/// Texts packed into one buffer: a text per number, without an allocation
/// (and its bookkeeping) for each.
#[derive(Debug, Default)]
pub(super) struct Texts {
    text: String,
    ends: Vec<usize>,
}

impl Texts {
    /// The text numbered `id` (empty for a number never given).
    pub(super) fn get(&self, id: u32) -> &str {
        let id = id as usize;
        let Some(&end) = self.ends.get(id) else {
            return "";
        };
        let start = if id == 0 { 0 } else { self.ends[id - 1] };
        self.text.get(start..end).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_are_numbered_once_from_many_threads() {
        let interner = Interner::default();
        let words: Vec<String> = (0..2_000).map(|i| format!("w{}", i % 500)).collect();
        let ids: Vec<Vec<u32>> = std::thread::scope(|s| {
            let handles: Vec<_> = words
                .chunks(500)
                .map(|part| s.spawn(|| part.iter().map(|w| interner.id(w)).collect::<Vec<_>>()))
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("joins"))
                .collect()
        });
        assert_eq!(interner.len(), 500);
        // Every chunk holds the same 500 words, so got the same numbers.
        assert!(ids.iter().all(|chunk| chunk == &ids[0]));
        let table = interner.into_table();
        for (word, id) in words.iter().zip(&ids[0]) {
            assert_eq!(table.get(*id), word);
        }
        assert_eq!(table.get(10_000), "");
    }

    #[test]
    fn the_map_finds_every_text() {
        let interner = Interner::default();
        let a = interner.id("channel=ecomm");
        let b = interner.id("lob=wireless");
        assert_eq!(interner.id("channel=ecomm"), a);
        let map = interner.into_map();
        assert_eq!(map.get("channel=ecomm"), Some(&a));
        assert_eq!(map.get("lob=wireless"), Some(&b));
        assert_eq!(map.len(), 2);
    }
}
