//! Charts drawn here as inline SVG: no chart library, no script. Each one
//! is an image for screen readers (`role="img"`, named by its `<title>`
//! and described by its `<desc>`); the page gives the same numbers in a
//! table beside it.

use maud::{Markup, html};

/// Colours of the series, dark enough to read against white (4.5:1).
pub const BLUE: &str = "#0b4f8a";
pub const RED: &str = "#a1141b";
pub const GREEN: &str = "#16653a";
pub const BROWN: &str = "#7a4d00";
const INK: &str = "#1b1f24";
const GRID: &str = "#c9d0d8";

/// One series of values, one per category.
pub struct Series<'a> {
    pub name: &'a str,
    pub colour: &'a str,
    pub values: Vec<f64>,
}

const WIDTH: f64 = 760.0;
/// Room for the category names on the left.
const LABELS: f64 = 190.0;
/// Room for the values written after the longest bar.
const VALUES: f64 = 90.0;
const BAR: f64 = 14.0;
const GAP: f64 = 10.0;
const LEGEND: f64 = 28.0;

/// Horizontal bars: for each category one bar per series, each labelled
/// with its value as `shown` writes it.
pub fn bars(
    id: &str,
    title: &str,
    description: &str,
    categories: &[String],
    series: &[Series],
    shown: impl Fn(f64) -> String,
) -> Markup {
    let per_category = BAR * series.len() as f64 + GAP;
    let height = LEGEND + per_category * categories.len().max(1) as f64 + GAP;
    let largest = series
        .iter()
        .flat_map(|s| s.values.iter().copied())
        .fold(0.0_f64, f64::max);
    let room = WIDTH - LABELS - VALUES;
    let length = |v: f64| {
        if largest > 0.0 {
            (v / largest * room).max(if v > 0.0 { 1.0 } else { 0.0 })
        } else {
            0.0
        }
    };
    html! {
        svg class="chart" id=(id) role="img" viewBox={ "0 0 " (WIDTH) " " (height) }
            width=(WIDTH) height=(height)
            aria-labelledby={ (id) "-title " (id) "-desc" } xmlns="http://www.w3.org/2000/svg" {
            title id={ (id) "-title" } { (title) }
            desc id={ (id) "-desc" } { (description) }
            (legend(series))
            @for (c, category) in categories.iter().enumerate() {
                @let top = LEGEND + per_category * c as f64;
                text x=(LABELS - 8.0) y=(top + BAR * series.len() as f64 / 2.0 + 4.0)
                    text-anchor="end" font-size="12" fill=(INK) { (clip(category)) }
                @for (s, one) in series.iter().enumerate() {
                    @let v = one.values.get(c).copied().unwrap_or(0.0);
                    @let y = top + BAR * s as f64;
                    rect x=(LABELS) y=(y) width=(format!("{:.1}", length(v))) height=(BAR - 2.0) fill=(one.colour) {}
                    text x=(LABELS + length(v) + 4.0) y=(y + BAR - 4.0) font-size="11" fill=(INK) { (shown(v)) }
                }
            }
            line x1=(LABELS) x2=(LABELS) y1=(LEGEND - 4.0) y2=(height - GAP / 2.0) stroke=(GRID) {}
        }
    }
}

/// Columns over time: one per label (minutes, oldest first).
pub fn columns(
    id: &str,
    title: &str,
    description: &str,
    labels: &[String],
    values: &[f64],
    colour: &str,
) -> Markup {
    let (height, top, bottom, left) = (220.0, 16.0, 36.0, 40.0);
    let plot = height - top - bottom;
    let step = (WIDTH - left - 10.0) / labels.len().max(1) as f64;
    let largest = values.iter().copied().fold(0.0_f64, f64::max).max(1.0);
    let bar = |v: f64| v / largest * plot;
    // Every fifth minute is named, so the names do not overlap.
    let named = labels.len().div_ceil(6).max(1);
    html! {
        svg class="chart" id=(id) role="img" viewBox={ "0 0 " (WIDTH) " " (height) }
            width=(WIDTH) height=(height)
            aria-labelledby={ (id) "-title " (id) "-desc" } xmlns="http://www.w3.org/2000/svg" {
            title id={ (id) "-title" } { (title) }
            desc id={ (id) "-desc" } { (description) }
            line x1=(left) x2=(WIDTH - 10.0) y1=(top + plot) y2=(top + plot) stroke=(GRID) {}
            text x=(left - 6.0) y=(top + 4.0) text-anchor="end" font-size="11" fill=(INK) { (largest) }
            text x=(left - 6.0) y=(top + plot) text-anchor="end" font-size="11" fill=(INK) { "0" }
            @for (i, (label, v)) in labels.iter().zip(values).enumerate() {
                @let x = left + step * i as f64;
                rect x=(format!("{:.1}", x + 1.0)) y=(format!("{:.1}", top + plot - bar(*v)))
                    width=(format!("{:.1}", (step - 2.0).max(1.0))) height=(format!("{:.1}", bar(*v))) fill=(colour) {}
                @if i % named == 0 || i + 1 == labels.len() {
                    text x=(format!("{:.1}", x + step / 2.0)) y=(height - bottom + 16.0)
                        text-anchor="middle" font-size="11" fill=(INK) { (label) }
                }
            }
        }
    }
}

fn legend(series: &[Series]) -> Markup {
    html! {
        @for (i, s) in series.iter().enumerate() {
            @let x = LABELS + 130.0 * i as f64;
            rect x=(x) y="6" width="12" height="12" fill=(s.colour) {}
            text x=(x + 16.0) y="16" font-size="12" fill=(INK) { (s.name) }
        }
    }
}

/// A category name short enough for the label column.
fn clip(name: &str) -> String {
    const MOST: usize = 28;
    if name.chars().count() <= MOST {
        name.to_string()
    } else {
        let mut short: String = name.chars().take(MOST - 1).collect();
        short.push('…');
        short
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_are_named_and_scaled_to_the_largest_value() {
        let svg = bars(
            "c",
            "Requests <per> family",
            "desc",
            &["health".into(), "tmf".into()],
            &[Series {
                name: "requests",
                colour: BLUE,
                values: vec![10.0, 5.0],
            }],
            |v| format!("{v}"),
        )
        .into_string();
        assert!(svg.contains(r#"role="img""#));
        assert!(svg.contains("<title id=\"c-title\">Requests &lt;per&gt; family</title>"));
        let full = WIDTH - LABELS - VALUES;
        assert!(svg.contains(&format!("width=\"{full:.1}\"")), "{svg}");
        assert!(
            svg.contains(&format!("width=\"{:.1}\"", full / 2.0)),
            "{svg}"
        );
    }

    #[test]
    fn long_names_are_clipped() {
        assert_eq!(clip("short"), "short");
        assert_eq!(clip(&"x".repeat(40)).chars().count(), 28);
    }
}
