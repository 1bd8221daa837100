//! Posting lists: which offerings carry a `field=value` key. A list that
//! covers more than 1/32 of the catalog is a bitmap (smaller, and ANDed a
//! word at a time); a short one stays a sorted list of positions.

use std::borrow::Cow;

#[derive(Debug, Clone)]
pub enum Posting {
    Sorted(Vec<u32>),
    Bits(Box<[u64]>),
}

/// A set of offering positions being combined by a query.
#[derive(Debug, Clone)]
pub enum Set<'a> {
    Sorted(Cow<'a, [u32]>),
    Bits(Cow<'a, [u64]>),
}

pub const EMPTY: Set<'static> = Set::Sorted(Cow::Borrowed(&[]));

fn words(universe: usize) -> usize {
    universe.div_ceil(64)
}

impl Posting {
    /// `ids` must be sorted; `universe` is the number of offerings.
    pub fn new(ids: Vec<u32>, universe: usize) -> Self {
        if ids.len() * 32 > universe {
            let mut bits = vec![0u64; words(universe)].into_boxed_slice();
            for i in ids {
                bits[i as usize / 64] |= 1 << (i % 64);
            }
            Self::Bits(bits)
        } else {
            Self::Sorted(ids)
        }
    }

    pub fn contains(&self, i: u32) -> bool {
        match self {
            Self::Sorted(ids) => ids.binary_search(&i).is_ok(),
            Self::Bits(bits) => bits
                .get(i as usize / 64)
                .is_some_and(|w| w & (1 << (i % 64)) != 0),
        }
    }

    pub fn as_set(&self) -> Set<'_> {
        match self {
            Self::Sorted(ids) => Set::Sorted(Cow::Borrowed(ids)),
            Self::Bits(bits) => Set::Bits(Cow::Borrowed(bits)),
        }
    }
}

impl Set<'_> {
    fn contains(&self, i: u32) -> bool {
        match self {
            Self::Sorted(ids) => ids.binary_search(&i).is_ok(),
            Self::Bits(bits) => bits
                .get(i as usize / 64)
                .is_some_and(|w| w & (1 << (i % 64)) != 0),
        }
    }

    fn ids(&self) -> Vec<u32> {
        match self {
            Self::Sorted(ids) => ids.to_vec(),
            Self::Bits(bits) => ones(bits),
        }
    }
}

fn ones(bits: &[u64]) -> Vec<u32> {
    let mut out = Vec::new();
    for (w, &word) in bits.iter().enumerate() {
        let mut word = word;
        while word != 0 {
            let bit = word.trailing_zeros();
            out.push((w * 64) as u32 + bit);
            word &= word - 1;
        }
    }
    out
}

/// Offerings in any of `sets`.
pub fn union<'a>(sets: Vec<Set<'a>>, universe: usize) -> Set<'a> {
    match sets.len() {
        0 => EMPTY,
        1 => sets.into_iter().next().unwrap_or(EMPTY),
        _ => {
            let mut bits = vec![0u64; words(universe)];
            for set in &sets {
                match set {
                    Set::Bits(b) => bits.iter_mut().zip(b.iter()).for_each(|(a, b)| *a |= b),
                    Set::Sorted(ids) => ids
                        .iter()
                        .for_each(|&i| bits[i as usize / 64] |= 1 << (i % 64)),
                }
            }
            Set::Bits(Cow::Owned(bits))
        }
    }
}

/// How many offerings are in every one of `sets`, and `take` of them after
/// skipping `skip`, without listing the rest when all sets are bitmaps.
pub fn intersect_page(sets: Vec<Set<'_>>, skip: usize, take: usize) -> (usize, Vec<u32>) {
    let bitmaps: Vec<&[u64]> = sets
        .iter()
        .filter_map(|s| match s {
            Set::Bits(b) => Some(&**b),
            Set::Sorted(_) => None,
        })
        .collect();
    if !sets.is_empty() && bitmaps.len() == sets.len() {
        return count_and_page(&bitmaps, skip, take, true);
    }
    let all = intersect_all(sets);
    let page = all.iter().skip(skip).take(take).copied().collect();
    (all.len(), page)
}

/// The page of [`intersect_page`] when every set is a bitmap and the total
/// is already known ([`super::layers::Counts`]): the bitmaps are read only
/// as far as the page, not to their end.
pub fn page_of(bitmaps: &[&[u64]], skip: usize, take: usize) -> Vec<u32> {
    count_and_page(bitmaps, skip, take, false).1
}

/// [`intersect_page`] over bitmaps only, in one pass: the words are ANDed a
/// block at a time in a buffer that stays in the CPU's cache, counted and
/// paged there. Without `count_all` it stops at the end of the page (the
/// total it returns is then partial). A search at a million offers ANDs
/// five bitmaps of 125 KB to count its matches, about 20 µs; the page is
/// usually in the first block.
fn count_and_page(
    bitmaps: &[&[u64]],
    skip: usize,
    take: usize,
    count_all: bool,
) -> (usize, Vec<u32>) {
    const BLOCK: usize = 256;
    let Some((first, rest)) = bitmaps.split_first() else {
        return (0, Vec::new());
    };
    // A word past the end of a shorter bitmap is in none of its sets.
    let words = bitmaps.iter().map(|b| b.len()).min().unwrap_or(0);
    let mut block = [0u64; BLOCK];
    let (mut total, mut page) = (0usize, Vec::with_capacity(take));
    for start in (0..words).step_by(BLOCK) {
        let end = (start + BLOCK).min(words);
        let block = &mut block[..end - start];
        block.copy_from_slice(&first[start..end]);
        for b in rest {
            block
                .iter_mut()
                .zip(&b[start..end])
                .for_each(|(a, b)| *a &= b);
        }
        // Counting a whole block at a time lets the compiler use vector
        // instructions; words are looked at one by one only where the
        // page is.
        let ones: usize = block.iter().map(|w| w.count_ones() as usize).sum();
        if page.len() < take && total + ones > skip {
            let mut seen = total;
            for (k, &word) in block.iter().enumerate() {
                let mut word = word;
                while word != 0 && page.len() < take {
                    if seen >= skip {
                        page.push(((start + k) * 64) as u32 + word.trailing_zeros());
                    }
                    seen += 1;
                    word &= word - 1;
                }
            }
        }
        total += ones;
        if !count_all && page.len() == take {
            break;
        }
    }
    (total, page)
}

/// Offerings in every one of `sets`, in ascending order.
pub fn intersect_all(sets: Vec<Set<'_>>) -> Vec<u32> {
    let (mut sorted, bitmaps): (Vec<Set<'_>>, Vec<Set<'_>>) =
        sets.into_iter().partition(|s| matches!(s, Set::Sorted(_)));
    if sorted.is_empty() {
        let mut iter = bitmaps.iter();
        let Some(Set::Bits(first)) = iter.next() else {
            return Vec::new();
        };
        let mut acc = first.to_vec();
        for set in iter {
            if let Set::Bits(b) = set {
                acc.iter_mut().zip(b.iter()).for_each(|(a, b)| *a &= b);
            }
        }
        return ones(&acc);
    }
    sorted.sort_by_key(|s| match s {
        Set::Sorted(ids) => ids.len(),
        Set::Bits(_) => usize::MAX,
    });
    let mut candidates = sorted[0].ids();
    for set in &sorted[1..] {
        if let Set::Sorted(ids) = set {
            candidates = merge(&candidates, ids);
        }
    }
    candidates.retain(|&i| bitmaps.iter().all(|b| b.contains(i)));
    candidates
}

fn merge(a: &[u32], b: &[u32]) -> Vec<u32> {
    let (mut i, mut j, mut out) = (0, 0, Vec::with_capacity(a.len().min(b.len())));
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                out.push(a[i]);
                i += 1;
                j += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Bitmaps longer than the block the one-pass count works in (and
        /// of unequal lengths) count and page as set arithmetic does.
        #[test]
        fn bitmaps_count_and_page_across_blocks(
            lengths in proptest::collection::vec(100usize..300, 1..5),
            seed in proptest::collection::vec(any::<u64>(), 300),
            skip in 0usize..3000,
            take in 0usize..50,
        ) {
            let bitmaps: Vec<Vec<u64>> = lengths
                .iter()
                .enumerate()
                .map(|(n, &len)| (0..len).map(|w| seed[w] | seed[(w + n * 7) % 300].rotate_left(n as u32)).collect())
                .collect();
            let expected: Vec<u32> = (0..300 * 64u32)
                .filter(|&i| bitmaps.iter().all(|b| b.get(i as usize / 64).is_some_and(|w| w & (1 << (i % 64)) != 0)))
                .collect();
            let sets: Vec<Set<'_>> = bitmaps.iter().map(|b| Set::Bits(Cow::Borrowed(b.as_slice()))).collect();
            let (total, page) = intersect_page(sets, skip, take);
            prop_assert_eq!(total, expected.len());
            prop_assert_eq!(page, expected.iter().skip(skip).take(take).copied().collect::<Vec<_>>());
        }

        /// Whatever mix of lists and bitmaps, combining sets gives what plain
        /// set arithmetic gives.
        #[test]
        fn combining_matches_set_arithmetic(
            universe in 1usize..300,
            raw in proptest::collection::vec(proptest::collection::btree_set(0u32..300, 0..200), 1..5),
        ) {
            let lists: Vec<Vec<u32>> = raw.iter().map(|s| s.iter().copied().filter(|&i| (i as usize) < universe).collect()).collect();
            let postings: Vec<Posting> = lists.iter().map(|l| Posting::new(l.clone(), universe)).collect();
            let expected: Vec<u32> = (0..universe as u32).filter(|i| lists.iter().all(|l| l.contains(i))).collect();
            prop_assert_eq!(intersect_all(postings.iter().map(Posting::as_set).collect()), expected.clone());
            let any: Vec<u32> = (0..universe as u32).filter(|i| lists.iter().any(|l| l.contains(i))).collect();
            prop_assert_eq!(union(postings.iter().map(Posting::as_set).collect(), universe).ids(), any);
            for skip in [0usize, 1, 7] {
                let (total, page) = intersect_page(postings.iter().map(Posting::as_set).collect(), skip, 5);
                prop_assert_eq!(total, expected.len());
                prop_assert_eq!(page, expected.iter().skip(skip).take(5).copied().collect::<Vec<_>>());
            }
            for (l, p) in lists.iter().zip(&postings) {
                for i in 0..universe as u32 {
                    prop_assert_eq!(p.contains(i), l.contains(&i));
                }
            }
        }
    }
}
