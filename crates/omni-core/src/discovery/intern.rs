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

//!
//! Each shard appends its texts to one buffer and finds them through a hash
//! table of places in it, rather than holding a small allocation per text:
//! at a million offers the members alone were some four million texts, and
//! freeing them once the layer's table was built left holes all over memory
//! shared with what the index keeps (the process held 0.15 GB more than it
//! used, issue 17).

use hashbrown::HashTable;
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

/// The shard of a text's hash: bits the shard's own table does not use
/// (it takes the lowest for the bucket and the highest for its tags).
fn shard_of(hash: u64) -> usize {
    ((hash >> 32) as usize) % SHARDS
}

/// A shard's texts, one after another, and where each is: (start, length,
/// number).
#[derive(Default)]
struct Shard {
    text: String,
    places: HashTable<(u32, u32, u32)>,
}

impl Shard {
    fn get(&self, (start, len, _): (u32, u32, u32)) -> &str {
        let start = start as usize;
        self.text
            .get(start..start + len as usize)
            .unwrap_or_default()
    }
}

/// Numbers texts from several threads at once.
pub(super) struct Interner {
    hasher: foldhash::fast::RandomState,
    shards: Vec<Mutex<Shard>>,
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
        let hash = self.hasher.hash_one(text);
        let mut guard = self.shards[shard_of(hash)]
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        let shard = &mut *guard;
        if let Some(&(_, _, id)) = shard.places.find(hash, |&place| shard.get(place) == text) {
            return id;
        }
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        // A shard holds far less than 4 GB of text (a million offers' members
        // are some 0.3 GB over 64 shards).
        let start = u32::try_from(shard.text.len()).unwrap_or(u32::MAX);
        shard.text.push_str(text);
        let len = u32::try_from(text.len()).unwrap_or(0);
        let (hasher, texts) = (&self.hasher, &shard.text);
        shard
            .places
            .insert_unique(hash, (start, len, id), |&(s, l, _)| {
                hasher.hash_one(texts.get(s as usize..(s + l) as usize).unwrap_or_default())
            });
        id
    }

    /// How many texts have a number.
    pub(super) fn len(&self) -> usize {
        self.next.load(Ordering::Relaxed) as usize
    }

    /// Every text with its number, for lookups by text.
    pub(super) fn into_map(self) -> TextMap {
        let hasher = self.hasher.clone();
        let texts = self.into_table();
        let mut ids = HashTable::with_capacity(texts.len());
        for id in 0..texts.len() as u32 {
            ids.insert_unique(hasher.hash_one(texts.get(id)), id, |&i| {
                hasher.hash_one(texts.get(i))
            });
        }
        TextMap { texts, ids, hasher }
    }

    /// Every text in one buffer, found by its number.
    pub(super) fn into_table(self) -> Texts {
        let shards: Vec<Shard> = self
            .shards
            .into_iter()
            .map(|s| s.into_inner().unwrap_or_else(|p| p.into_inner()))
            .collect();
        // Where each number's text is: its shard and place.
        let mut at: Vec<(u16, (u32, u32, u32))> =
            vec![(0, (0, 0, 0)); self.next.into_inner() as usize];
        for (n, shard) in shards.iter().enumerate() {
            for &place in &shard.places {
                if let Some(slot) = at.get_mut(place.2 as usize) {
                    *slot = (n as u16, place);
                }
            }
        }
        let mut table = Texts {
            text: String::with_capacity(shards.iter().map(|s| s.text.len()).sum()),
            ends: Vec::with_capacity(at.len()),
        };
        for (n, place) in at {
            table.text.push_str(shards[n as usize].get(place));
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

    pub(super) fn len(&self) -> usize {
        self.ends.len()
    }
}

/// Numbered texts found by their text: the layer's `field=value` keys.
#[derive(Default)]
pub(super) struct TextMap {
    texts: Texts,
    ids: HashTable<u32>,
    hasher: foldhash::fast::RandomState,
}

impl std::fmt::Debug for TextMap {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "TextMap({} texts)", self.texts.len())
    }
}

impl TextMap {
    /// The number of `text`, if it has one.
    pub(super) fn get(&self, text: &str) -> Option<u32> {
        self.ids
            .find(self.hasher.hash_one(text), |&id| self.texts.get(id) == text)
            .copied()
    }

    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.texts.len()
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
        assert_eq!(map.get("channel=ecomm"), Some(a));
        assert_eq!(map.get("lob=wireless"), Some(b));
        assert_eq!(map.get("lob=wire"), None);
        assert_eq!(map.len(), 2);
    }
}
