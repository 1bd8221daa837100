use super::*;
use serde_json::json;

fn q(pairs: &[(&str, &str)]) -> ListQuery {
    ListQuery::parse(pairs.iter().copied(), &[]).expect("valid query")
}

fn offers() -> Vec<Value> {
    vec![
        json!({"id": "1", "name": "Basic", "price": 10, "lastUpdate": "2024-01-01T00:00:00Z",
               "relatedParty": [{"id": "p1", "role": "owner"}, {"id": "p2", "role": "buyer"}]}),
        json!({"id": "2", "name": "Plus, extra", "price": 25.5, "lastUpdate": "2024-06-01T12:00:00Z",
               "relatedParty": [{"id": "p3", "role": "owner"}]}),
        json!({"id": "3", "name": "Max", "price": 60, "lastUpdate": "2025-01-01T00:00:00+02:00",
               "isBundle": true}),
    ]
}

fn ids(page: &Page) -> Vec<&str> {
    page.items
        .iter()
        .map(|v| v["id"].as_str().unwrap_or("?"))
        .collect()
}

#[test]
fn paging_reports_total_and_slices() {
    let page = q(&[("offset", "1"), ("limit", "1")]).apply(offers(), 1);
    assert_eq!(page.total, 3);
    assert_eq!(ids(&page), ["2"]);
}

#[test]
fn fields_keeps_exactly_the_requested_attributes() {
    let page = q(&[("fields", "name,price")]).apply(offers(), 10);
    assert_eq!(page.items[0], json!({"name": "Basic", "price": 10}));
}

#[test]
fn dotted_fields_select_inside_every_element_of_an_array() {
    let page = q(&[("fields", "id,relatedParty.role")]).apply(offers(), 10);
    assert_eq!(
        page.items[0],
        json!({"id": "1", "relatedParty": [{"role": "owner"}, {"role": "buyer"}]})
    );
    // The third offer has no relatedParty: it is absent, not invented.
    assert_eq!(page.items[2], json!({"id": "3"}));
}

#[test]
fn a_whole_attribute_wins_over_a_path_into_it() {
    let page = q(&[("fields", "relatedParty.role,relatedParty")]).apply(offers(), 10);
    assert_eq!(
        page.items[1],
        json!({"relatedParty": [{"id": "p3", "role": "owner"}]})
    );
}

#[test]
fn a_path_into_a_plain_value_selects_nothing() {
    let page = q(&[("fields", "id,name.first")]).apply(offers(), 10);
    assert_eq!(page.items[0], json!({"id": "1"}));
}

#[test]
fn deep_paths_go_through_objects_and_arrays() {
    let doc = json!({"id": "q", "item": [{"state": "a", "offer": {"id": "o1", "name": "x"}},
                                          {"state": "b", "offer": {"id": "o2"}}]});
    let query = q(&[("fields", "item.offer.id")]);
    assert_eq!(
        query.project(doc),
        json!({"item": [{"offer": {"id": "o1"}}, {"offer": {"id": "o2"}}]})
    );
}

#[test]
fn fields_none_answers_id_and_href() {
    let doc = json!({"id": "1", "href": "/x/1", "name": "n", "state": "s"});
    assert_eq!(
        q(&[("fields", "none")]).project(doc),
        json!({"id": "1", "href": "/x/1"})
    );
}

#[test]
fn equality_with_quotes_and_commas() {
    let page = q(&[("name", "\"Plus, extra\"")]).apply(offers(), 10);
    assert_eq!(ids(&page), ["2"]);
    let page = q(&[("name", "Basic,Max")]).apply(offers(), 10);
    assert_eq!(ids(&page), ["1", "3"]);
}

#[test]
fn dotted_path_searches_arrays() {
    let page = q(&[("relatedParty.id", "p2")]).apply(offers(), 10);
    assert_eq!(ids(&page), ["1"]);
    let page = q(&[("relatedParty.role", "owner")]).apply(offers(), 10);
    assert_eq!(ids(&page), ["1", "2"]);
}

#[test]
fn operators_on_numbers_and_dates() {
    assert_eq!(
        ids(&q(&[("price.gt", "10")]).apply(offers(), 10)),
        ["2", "3"]
    );
    assert_eq!(
        ids(&q(&[("price.gte", "10")]).apply(offers(), 10)),
        ["1", "2", "3"]
    );
    assert_eq!(ids(&q(&[("price.lt", "25.50")]).apply(offers(), 10)), ["1"]);
    assert_eq!(
        ids(&q(&[("price>", "25.5")]).apply(offers(), 10)),
        ["2", "3"]
    );
    assert_eq!(ids(&q(&[("price<60", "")]).apply(offers(), 10)), ["1", "2"]);
    // The whole expression as one name, when the client encoded its `=`.
    assert_eq!(
        ids(&q(&[("price>=25.5", "")]).apply(offers(), 10)),
        ["2", "3"]
    );
    assert_eq!(
        ids(&q(&[("price<=25.5", "")]).apply(offers(), 10)),
        ["1", "2"]
    );
    let after = q(&[("lastUpdate.gt", "2024-03-01")]).apply(offers(), 10);
    assert_eq!(ids(&after), ["2", "3"]);
    // 2025-01-01T00:00+02:00 is 2024-12-31T22:00Z.
    let before = q(&[("lastUpdate.lt", "2024-12-31T23:00:00Z")]).apply(offers(), 10);
    assert_eq!(ids(&before), ["1", "2", "3"]);
}

#[test]
fn dates_compare_as_instants_for_equality() {
    let page = q(&[("lastUpdate", "2024-12-31T22:00:00Z")]).apply(offers(), 10);
    assert_eq!(ids(&page), ["3"]);
}

#[test]
fn booleans_and_missing_attributes() {
    assert_eq!(ids(&q(&[("isBundle", "true")]).apply(offers(), 10)), ["3"]);
    assert!(q(&[("nosuch", "x")]).apply(offers(), 10).items.is_empty());
}

#[test]
fn sort_ascending_and_descending() {
    assert_eq!(
        ids(&q(&[("sort", "-price")]).apply(offers(), 10)),
        ["3", "2", "1"]
    );
    assert_eq!(
        ids(&q(&[("sort", "name")]).apply(offers(), 10)),
        ["1", "3", "2"]
    );
}

#[test]
fn bad_parameters_are_named() {
    let e = ListQuery::parse([("limit", "-1")], &[]).unwrap_err();
    assert_eq!(e.parameter, "limit");
    let e = ListQuery::parse([("offset", "x")], &[]).unwrap_err();
    assert_eq!(e.parameter, "offset");
    let e = ListQuery::parse([("name", "\"open")], &[]).unwrap_err();
    assert_eq!(e.parameter, "name");
    let e = ListQuery::parse([("a..b", "1")], &[]).unwrap_err();
    assert!(e.rule.contains("empty segment"));
    let e = ListQuery::parse([("fields", ",")], &[]).unwrap_err();
    assert_eq!(e.parameter, "fields");
    let e = ListQuery::parse([("fields", "id,item..state")], &[]).unwrap_err();
    assert_eq!(e.parameter, "fields");
}

#[test]
fn extra_reserved_parameters_are_not_filters() {
    let query = ListQuery::parse([("channel", "ECOMM"), ("name", "x")], &["channel"]).unwrap();
    assert_eq!(query.filters.len(), 1);
}

mod props {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Paging never invents or loses resources: the pages of any size cover
        /// the filtered list exactly once, in order.
        #[test]
        fn pages_partition_the_filtered_list(limit in 1usize..5, n in 0usize..20) {
            let all: Vec<Value> = (0..n).map(|i| json!({"id": i.to_string(), "even": i % 2 == 0})).collect();
            let query = q(&[("even", "true")]);
            let expected: Vec<Value> = all.iter().filter(|v| v["even"] == json!(true)).cloned().collect();
            let mut seen = Vec::new();
            let mut offset = 0;
            loop {
                let mut paged = query.clone();
                paged.offset = offset;
                let page = paged.apply(all.clone(), limit);
                prop_assert_eq!(page.total, expected.len());
                if page.items.is_empty() { break; }
                seen.extend(page.items);
                offset += limit;
            }
            prop_assert_eq!(seen, expected);
        }
    }
}

/// Found by fuzzing: a long parameter name whose 40th byte falls inside a
/// multi-byte character panicked while naming it.
#[test]
fn a_long_non_ascii_parameter_name_is_refused_not_a_panic() {
    let key = format!("a{}", "é".repeat(150));
    let refused = ListQuery::parse([(key.as_str(), "x")], &[]).expect_err("too long");
    assert!(refused.rule.contains("longer than"), "{refused}");
    assert_eq!(refused.parameter, format!("a{}", "é".repeat(39)));
}
