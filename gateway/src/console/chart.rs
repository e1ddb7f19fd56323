//! Bar charts as inline SVG, drawn on the server: one bar per period, its series stacked.
//! Readable without colour: series differ in fill pattern too (solid, hatched, dark), every
//! segment has a title with its number, and the chart's label states the totals; pages show
//! the same numbers in a table beside it.

use std::fmt::Write;

use crate::web::html::escape;

/// One series: what a reader sees it called (its fill comes from its place).
pub struct Series {
    /// Its label.
    pub label: &'static str,
}

/// A bar: its label (a date or hour) and one value per series.
pub struct Bar {
    /// What the period is.
    pub label: String,
    /// One value per series, in the series' order.
    pub values: Vec<u64>,
}

const WIDTH: u32 = 720;
const HEIGHT: u32 = 160;
const FILLS: [&str; 3] = ["#1f4e99", "url(#hatch)", "#a4001d"];

/// The chart of `bars` (oldest first) with `series`, titled `title`.
pub fn bars(title: &str, series: &[Series], bars: &[Bar]) -> String {
    let totals: Vec<u64> = (0..series.len())
        .map(|i| {
            bars.iter()
                .map(|b| b.values.get(i).copied().unwrap_or(0))
                .sum()
        })
        .collect();
    let summary: Vec<String> = series
        .iter()
        .zip(&totals)
        .map(|(s, t)| format!("{t} {}", s.label))
        .collect();
    let label = format!("{title}: {}", summary.join(", "));
    let max = bars
        .iter()
        .map(|b| b.values.iter().sum::<u64>())
        .max()
        .unwrap_or(0)
        .max(1);
    let step = WIDTH as f64 / bars.len().max(1) as f64;
    let width = (step * 0.8).max(1.0);
    let mut svg = format!(
        "<svg class=\"chart\" viewBox=\"0 0 {WIDTH} {}\" role=\"img\" aria-label=\"{}\" \
xmlns=\"http://www.w3.org/2000/svg\"><title>{}</title>\
<defs><pattern id=\"hatch\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">\
<rect width=\"6\" height=\"6\" fill=\"#fff\"/><rect width=\"3\" height=\"6\" fill=\"#6b6b70\"/></pattern></defs>\
<line x1=\"0\" y1=\"{HEIGHT}\" x2=\"{WIDTH}\" y2=\"{HEIGHT}\" stroke=\"#1d1d1f\"/>",
        HEIGHT + 20,
        escape(&label),
        escape(&label)
    );
    for (i, bar) in bars.iter().enumerate() {
        let x = i as f64 * step + (step - width) / 2.0;
        let mut y = HEIGHT as f64;
        for (j, value) in bar.values.iter().enumerate().filter(|(_, v)| **v > 0) {
            let h = *value as f64 / max as f64 * (HEIGHT as f64 - 10.0);
            y -= h;
            let name = series.get(j).map_or("", |s| s.label);
            let _ = write!(
                svg,
                "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{width:.1}\" height=\"{h:.1}\" fill=\"{}\" stroke=\"#1d1d1f\" stroke-width=\"0.5\"><title>{}: {value} {}</title></rect>",
                FILLS[j % FILLS.len()],
                escape(&bar.label),
                escape(name)
            );
        }
    }
    // First and last period under the axis.
    if let (Some(first), Some(last)) = (bars.first(), bars.last()) {
        let _ = write!(
            svg,
            "<text x=\"0\" y=\"{}\" font-size=\"12\" fill=\"#1d1d1f\">{}</text>\
<text x=\"{WIDTH}\" y=\"{}\" font-size=\"12\" fill=\"#1d1d1f\" text-anchor=\"end\">{}</text>",
            HEIGHT + 16,
            escape(&first.label),
            HEIGHT + 16,
            escape(&last.label)
        );
    }
    svg.push_str("</svg>");
    let legend: String = series
        .iter()
        .zip(&totals)
        .enumerate()
        .map(|(i, (s, t))| {
            format!(
                "<li><span class=\"key k-{}\" aria-hidden=\"true\"></span>{}: {t}</li>",
                i % FILLS.len(),
                escape(s.label)
            )
        })
        .collect();
    format!("{svg}<ul class=\"legend\">{legend}</ul>")
}

#[cfg(test)]
mod tests {
    use super::*;

    const SERIES: [Series; 2] = [Series { label: "accepted" }, Series { label: "duplicate" }];

    #[test]
    fn a_chart_states_its_totals_and_escapes_labels() {
        let b = vec![
            Bar {
                label: "<b>".into(),
                values: vec![2, 1],
            },
            Bar {
                label: "later".into(),
                values: vec![3, 0],
            },
        ];
        let svg = bars("Deliveries", &SERIES, &b);
        assert!(
            svg.contains("aria-label=\"Deliveries: 5 accepted, 1 duplicate\""),
            "{svg}"
        );
        assert!(svg.contains("&lt;b&gt;: 2 accepted"));
        assert!(!svg.contains("<b>"));
        // Two segments in the first bar, one in the second: zero values draw nothing.
        assert_eq!(svg.matches("<rect x=").count(), 3);
        assert!(
            svg.contains("url(#hatch)"),
            "duplicates are hatched, not only coloured"
        );
    }

    #[test]
    fn an_empty_chart_draws_no_bars() {
        let svg = bars("Nothing", &SERIES, &[]);
        assert_eq!(svg.matches("<rect x=").count(), 0);
        assert!(svg.contains("0 accepted"));
    }
}
