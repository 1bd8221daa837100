//! Answering a discovery request from the index: intersect the posting lists
//! of every filter, check what cannot be indexed (validity, service address,
//! relationships), expand variant groups, page, and render.

use super::index::Layer;
use super::layers::CatalogIndex;
use super::layers::Counts;
use super::offering::{IndexedOffering, Sections, key};
use super::postings::{Set, intersect_all, intersect_page, page_of, union};
use super::pricing::PriceContext;
use super::query::DiscoveryRequest;
use crate::document::FieldError;
use chrono::{DateTime, Utc};
use std::borrow::Cow;
use std::collections::HashSet;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchResult {
    /// Offerings matching, before paging.
    pub total: usize,
    /// Positions in the index of this page's offerings, in answer order.
    pub items: Vec<u32>,
}

/// What one request asks of every layer.
struct Query<'a> {
    req: &'a DiscoveryRequest,
    now_ms: i64,
    lines: u32,
    channel_key: String,
    keep: Option<&'a dyn Fn(&str) -> bool>,
    place: Option<&'a super::Place>,
    /// The current version of the `relatedProductOfferingId` offering.
    source: Option<&'a IndexedOffering>,
}

impl Layer {
    fn any_of(&self, field: &str, values: &[String]) -> Set<'_> {
        union(
            values
                .iter()
                .map(|v| self.posting(&key(field, v)))
                .collect(),
            self.offerings.len(),
        )
    }

    fn ids_to_positions(&self, ids: &[String]) -> Vec<u32> {
        let mut out: Vec<u32> = ids.iter().filter_map(|id| self.position(id)).collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Offerings related to `target`: those whose relationships point at it
    /// (e.g. its add-ons) and those it points at itself, filtered by the
    /// relationship type and role when given.
    fn related(&self, q: &Query<'_>, target: &str) -> Vec<u32> {
        let req = q.req;
        let role_ok = |role: &str| {
            req.relation_roles.is_empty()
                || req
                    .relation_roles
                    .iter()
                    .any(|r| r.eq_ignore_ascii_case(role))
        };
        let type_ok = |kind: &str| {
            req.relation_type.as_deref().is_none_or(|t| {
                t.eq_ignore_ascii_case("CommercialRelation") || t.eq_ignore_ascii_case(kind)
            })
        };
        let mut out: Vec<u32> = self
            .related_to
            .get(target)
            .map(|list| {
                list.iter()
                    .copied()
                    .filter(|&i| {
                        self.offerings[i as usize]
                            .relationships
                            .iter()
                            .any(|r| r.target == target && role_ok(&r.role) && type_ok(&r.kind))
                    })
                    .collect()
            })
            .unwrap_or_default();
        if let Some(source) = q.source {
            for r in source
                .relationships
                .iter()
                .filter(|r| role_ok(&r.role) && type_ok(&r.kind))
            {
                if let Some(i) = self.position(&r.target) {
                    out.push(i);
                }
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// The sets every match is in: the channel, each filter, and the mask of
    /// offerings still current.
    fn lists<'s>(&'s self, q: &Query<'_>, visible: Option<&'s [u64]>) -> Vec<Set<'s>> {
        let req = q.req;
        let mut lists: Vec<Set<'_>> = vec![self.posting(&q.channel_key)];
        let single =
            |field: &'static str, v: &Option<String>| v.as_ref().map(|v| (field, vec![v.clone()]));
        let filters = [
            single("category", &req.category),
            single("typegroup", &req.type_group),
            single("type", &req.offering_type),
            single("payment", &req.payment_type),
            single("custtype", &req.customer_type),
            single("custsub", &req.customer_sub_type),
            single("credit", &req.credit_risk),
            single("market", &req.market),
            single("part", &req.part_type),
            single("plancode", &req.plan_code),
            Some(("losg", req.losg_types.clone())),
            Some(("offertype", req.offer_types.clone())),
            Some(("lob", req.lobs.clone())),
            Some(("imei", req.imei_types.clone())),
            Some(("sku", req.skus.clone())),
            Some(("deviceproduct", req.device_product_ids.clone())),
        ];
        for (field, values) in filters.into_iter().flatten() {
            if !values.is_empty() {
                lists.push(self.any_of(field, &values));
            }
        }
        for (k, v) in &req.characteristics {
            // A SKU is found whether the catalog gives it as a characteristic or an attribute.
            let posting = if k.eq_ignore_ascii_case("sku") {
                self.posting(&key("sku", v))
            } else {
                self.posting(&key("char", &format!("{}={v}", k.to_lowercase())))
            };
            lists.push(posting);
        }
        let mut id_filter: Vec<String> = req.offering_ids.clone();
        id_filter.extend(req.offering_id.iter().cloned());
        if !id_filter.is_empty() {
            lists.push(Set::Sorted(Cow::Owned(self.ids_to_positions(&id_filter))));
        }
        if let Some(target) = &req.related_to {
            lists.push(Set::Sorted(Cow::Owned(self.related(q, target))));
        }
        if let Some(v) = visible {
            lists.push(Set::Bits(Cow::Borrowed(v)));
        }
        lists
    }

    /// Whether offering `i` may be sold as asked: sellable, valid now, for
    /// the line count, at the service address, and kept by the caller.
    fn available(&self, q: &Query<'_>, i: u32) -> bool {
        let g = &self.gates[i as usize];
        let o = &self.offerings[i as usize];
        q.keep.is_none_or(|keep| keep(&o.id))
            && g.sellable
            && g.from <= q.now_ms
            && q.now_ms <= g.to
            && (!g.line_tiers || o.sells_lines(q.lines))
            && (!g.needs_service_qualification
                || q.place
                    .is_none_or(|p| p.serves(o.technology.as_deref(), o.download_mbps)))
    }

    /// This layer's matches before variants are added: how many, and those
    /// in `window` (skip, take) in answer order, or all of them.
    fn matches(
        &self,
        q: &Query<'_>,
        visible: Option<&[u64]>,
        window: Option<(usize, usize)>,
        counts: &Counts,
    ) -> (usize, Vec<u32>) {
        let mut lists = self.lists(q, visible);
        if q.place.is_none()
            && q.keep.is_none()
            && !q.req.all_variants
            && q.lines == 1
            && q.now_ms < self.stable_until
        {
            // Availability has not changed since the layer was built: it is
            // one more bitmap, and the answer needs no per-offer checks.
            lists.push(Set::Bits(Cow::Borrowed(&self.available)));
            return match window {
                Some((skip, take)) => match Counts::key(self, &lists) {
                    Some(key) => match counts.get(&key) {
                        Some(total) => {
                            let bitmaps: Vec<&[u64]> = lists
                                .iter()
                                .filter_map(|s| match s {
                                    Set::Bits(b) => Some(&**b),
                                    Set::Sorted(_) => None,
                                })
                                .collect();
                            (total, page_of(&bitmaps, skip, take))
                        }
                        None => {
                            let (total, page) = intersect_page(lists, skip, take);
                            counts.put(key, total);
                            (total, page)
                        }
                    },
                    None => intersect_page(lists, skip, take),
                },
                None => {
                    let all = intersect_all(lists);
                    (all.len(), all)
                }
            };
        }
        let matches: Vec<u32> = intersect_all(lists)
            .into_iter()
            .filter(|&i| self.available(q, i))
            .collect();
        let total = matches.len();
        match window {
            Some((skip, take)) => (total, matches.into_iter().skip(skip).take(take).collect()),
            None => (total, matches),
        }
    }

    /// The available members of `groups` in this layer's channel.
    fn variants(&self, q: &Query<'_>, groups: &HashSet<&str>, visible: Option<&[u64]>) -> Vec<u32> {
        let current = |i: u32| {
            visible.is_none_or(|v| {
                v.get(i as usize / 64)
                    .is_some_and(|w| w & (1 << (i % 64)) != 0)
            })
        };
        groups
            .iter()
            .filter_map(|g| self.variant_groups.get(*g))
            .flatten()
            .copied()
            .filter(|&v| current(v) && self.has_key(&q.channel_key, v) && self.available(q, v))
            .collect()
    }
}

impl CatalogIndex {
    pub fn search(
        &self,
        req: &DiscoveryRequest,
        now: DateTime<Utc>,
    ) -> Result<SearchResult, FieldError> {
        self.search_where(req, now, None)
    }

    /// [`Self::search`] keeping only the offerings `keep` accepts (by id),
    /// before paging, so that the counts hold: e.g. the add-ons that fit a
    /// cart's line ([`super::CartLine::offers`]).
    pub fn search_where(
        &self,
        req: &DiscoveryRequest,
        now: DateTime<Utc>,
        keep: Option<&dyn Fn(&str) -> bool>,
    ) -> Result<SearchResult, FieldError> {
        let q = Query {
            req,
            now_ms: now.timestamp_millis(),
            lines: req.lines.max(1),
            channel_key: key("channel", &req.channel),
            keep,
            place: self.service_place(req)?,
            source: req.related_to.as_deref().and_then(|t| self.offering(t)),
        };
        let skip = req.offset.saturating_mul(req.limit);
        let parts = self.parts();
        if !req.all_variants {
            if let [only] = parts.as_slice() {
                let (total, items) =
                    only.layer
                        .matches(&q, only.visible, Some((skip, req.limit)), only.counts);
                return Ok(SearchResult { total, items });
            }
            // Each layer's first `skip + limit` in answer order hold the page.
            let mut total = 0;
            let mut items = Vec::new();
            for part in &parts {
                let window = Some((0, skip.saturating_add(req.limit)));
                let (n, found) = part.layer.matches(&q, part.visible, window, part.counts);
                total += n;
                items.extend(found.into_iter().map(|i| part.start + i));
            }
            self.answer_order(&mut items);
            let items = items.into_iter().skip(skip).take(req.limit).collect();
            return Ok(SearchResult { total, items });
        }
        // With every variant: the groups of all matches, in either layer,
        // bring in their members from both.
        let mut found: Vec<(usize, Vec<u32>)> = parts
            .iter()
            .enumerate()
            .map(|(n, part)| (n, part.layer.matches(&q, part.visible, None, part.counts).1))
            .collect();
        let groups: HashSet<&str> = found
            .iter()
            .flat_map(|(n, items)| {
                let layer = parts[*n].layer;
                items
                    .iter()
                    .filter_map(move |&i| layer.offerings[i as usize].variant_group.as_deref())
            })
            .collect();
        let mut items = Vec::new();
        for (n, matches) in &mut found {
            let part = &parts[*n];
            matches.extend(part.layer.variants(&q, &groups, part.visible));
            matches.sort_unstable();
            matches.dedup();
            items.extend(matches.iter().map(|&i| part.start + i));
        }
        self.answer_order(&mut items);
        let total = items.len();
        let items = items.into_iter().skip(skip).take(req.limit).collect();
        Ok(SearchResult { total, items })
    }

    /// Lookup by ids: the offerings available in the request's channel, for
    /// its line count and at its service address when it names one, in the
    /// order asked.
    pub fn lookup(
        &self,
        req: &DiscoveryRequest,
        now: DateTime<Utc>,
    ) -> Result<Vec<u32>, FieldError> {
        let place = self.service_place(req)?;
        let channel_key = key("channel", &req.channel);
        let lines = req.lines.max(1);
        let mut out = Vec::new();
        for id in &req.ids {
            if let Some(i) = self.locate(id) {
                let o = self.at(i);
                let serviceable = !o.requires_service_qualification
                    || place.is_none_or(|p| p.serves(o.technology.as_deref(), o.download_mbps));
                if self.has_key_at(&channel_key, i)
                    && o.sellable
                    && o.valid_at(now)
                    && o.sells_lines(lines)
                    && serviceable
                    && !out.contains(&i)
                {
                    out.push(i);
                }
            }
        }
        Ok(out)
    }

    fn service_place(&self, req: &DiscoveryRequest) -> Result<Option<&super::Place>, FieldError> {
        match &req.service_address {
            Some(id) => self.place(id).map(Some).ok_or_else(|| {
                FieldError::new(
                    "serviceAddressId",
                    format!("'{id}' is not a known service address"),
                )
            }),
            None => Ok(None),
        }
    }

    /// The JSON array of `items`; `lookup` adds `cmsInfo`, as the page says.
    pub fn render(
        &self,
        items: &[u32],
        req: &DiscoveryRequest,
        base_href: &str,
        now: DateTime<Utc>,
        lookup: bool,
    ) -> String {
        let ctx = req.price_context(now);
        let mut out = String::with_capacity(items.len() * 2048 + 2);
        out.push('[');
        for (n, &i) in items.iter().enumerate() {
            if n > 0 {
                out.push(',');
            }
            self.render_one(&mut out, i, req, base_href, &ctx, lookup);
        }
        out.push(']');
        out
    }

    pub fn render_one(
        &self,
        out: &mut String,
        i: u32,
        req: &DiscoveryRequest,
        base_href: &str,
        ctx: &PriceContext,
        lookup: bool,
    ) {
        let (layer, j) = self.split(i);
        let o = &layer.offerings[j as usize];
        let href = format!("{base_href}/{}?channel={}", o.id, req.channel);
        let sections = Sections {
            pricing: !req.offering_only,
            prices: !(req.offering_only || (req.suppress_device_prices && o.is_device())),
            cms: lookup,
        };
        o.write_json(out, &href, ctx, sections, &layer.members);
    }
}
