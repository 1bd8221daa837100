//! Answering a discovery request from the index: intersect the posting lists
//! of every filter, check what cannot be indexed (validity, service address,
//! relationships), expand variant groups, page, and render.

use super::index::CatalogIndex;
use super::offering::{Sections, key};
use super::postings::{Set, intersect_all, intersect_page, union};
use super::pricing::PriceContext;
use super::query::DiscoveryRequest;
use crate::document::FieldError;
use chrono::{DateTime, Utc};
use std::borrow::Cow;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchResult {
    /// Offerings matching, before paging.
    pub total: usize,
    /// Positions in the index of this page's offerings, in answer order.
    pub items: Vec<u32>,
}

impl CatalogIndex {
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
        let mut out: Vec<u32> = ids
            .iter()
            .filter_map(|id| self.by_id.get(id).copied())
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Offerings related to `target`: those whose relationships point at it
    /// (e.g. its add-ons) and those it points at itself, filtered by the
    /// relationship type and role when given.
    fn related(&self, req: &DiscoveryRequest, target: &str) -> Vec<u32> {
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
        if let Some(source) = self.offering(target) {
            for r in source
                .relationships
                .iter()
                .filter(|r| role_ok(&r.role) && type_ok(&r.kind))
            {
                if let Some(&i) = self.by_id.get(&r.target) {
                    out.push(i);
                }
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }

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
        let place = self.service_place(req)?;
        let channel_key = key("channel", &req.channel);
        let mut lists: Vec<Set<'_>> = vec![self.posting(&channel_key)];
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
            lists.push(Set::Sorted(Cow::Owned(self.related(req, target))));
        }
        let now_ms = now.timestamp_millis();
        let skip = req.offset.saturating_mul(req.limit);
        let lines = req.lines.max(1);
        if place.is_none()
            && keep.is_none()
            && !req.all_variants
            && lines == 1
            && now_ms < self.stable_until
        {
            // Availability has not changed since the index was built: it is
            // one more bitmap, and the answer needs no per-offer checks.
            lists.push(Set::Bits(Cow::Borrowed(&self.available)));
            let (total, items) = intersect_page(lists, skip, req.limit);
            return Ok(SearchResult { total, items });
        }
        let candidates = intersect_all(lists);
        let available = |i: u32| {
            let g = &self.gates[i as usize];
            keep.is_none_or(|keep| keep(&self.offerings[i as usize].id))
                && g.sellable
                && g.from <= now_ms
                && now_ms <= g.to
                && (!g.line_tiers || self.offerings[i as usize].sells_lines(lines))
                && (!g.needs_service_qualification
                    || place.is_none_or(|p| {
                        let o = &self.offerings[i as usize];
                        p.serves(o.technology.as_deref(), o.download_mbps)
                    }))
        };
        let mut matches: Vec<u32> = candidates.into_iter().filter(|&i| available(i)).collect();
        if req.all_variants {
            let mut expanded = matches.clone();
            for &i in &matches {
                if let Some(group) = self.offerings[i as usize]
                    .variant_group
                    .as_ref()
                    .and_then(|g| self.variant_groups.get(g))
                {
                    expanded.extend(
                        group
                            .iter()
                            .copied()
                            .filter(|&v| self.has_key(&channel_key, v) && available(v)),
                    );
                }
            }
            expanded.sort_unstable();
            expanded.dedup();
            matches = expanded;
        }
        let total = matches.len();
        let start = skip.min(total);
        let items = matches[start..].iter().take(req.limit).copied().collect();
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
            if let Some(&i) = self.by_id.get(id) {
                let o = &self.offerings[i as usize];
                let serviceable = !o.requires_service_qualification
                    || place.is_none_or(|p| p.serves(o.technology.as_deref(), o.download_mbps));
                if self.has_key(&channel_key, i)
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
        let o = &self.offerings[i as usize];
        let href = format!("{base_href}/{}?channel={}", o.id, req.channel);
        let sections = Sections {
            pricing: !req.offering_only,
            prices: !(req.offering_only || (req.suppress_device_prices && o.is_device())),
            cms: lookup,
        };
        o.write_json(out, &href, ctx, sections);
    }
}
