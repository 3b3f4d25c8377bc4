//! The adoption chart: the last 30 days of a tenant as a server-rendered, accessible SVG.
//!
//! Stacked daily bars of page views by device class, with a line and markers for "Done"
//! confirmations, axis labels on a nice-number scale and a legend. The page's CSP forbids inline
//! styles, so colours are presentation attributes (the light theme) that the `/* adoption chart */`
//! classes in `assets/app.css` override for dark mode. Output is deterministic: no randomness,
//! fixed number formatting, fixed element order. Every text is escaped.
//!
//! Small counts stay hidden as everywhere in the report ([`Figure`]): a count from 1 to 4 is drawn
//! at the height of 5 (a faded bar, a hollow marker) and named "fewer than 5", and a sum with such
//! a count is drawn and named as its lower bound, so no drawing or text gives a hidden count away.

use std::fmt::Write as _;

use time::{Date, Month};

use super::adoption::{AdoptionReport, DayCounts, Event, Figure};
use crate::device::WalkthroughKind;
use crate::walkthrough::text::tab_label;

/// The drawing's size in user units (it scales to its container through CSS).
const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 300.0;
/// The plot area.
const PLOT_LEFT: f64 = 52.0;
const PLOT_RIGHT: f64 = 708.0;
const PLOT_TOP: f64 = 44.0;
const PLOT_BOTTOM: f64 = 260.0;
/// Free space on each side of a bar, as a share of its day's band.
const BAR_GAP: f64 = 0.15;
/// Roughly how many intervals the count axis is divided into.
const TARGET_TICKS: u64 = 4;
/// A date label every this many days, counted back from today.
const DATE_LABEL_EVERY: usize = 7;

/// Light-theme colours (presentation attributes); `assets/app.css` restyles them per theme.
const INK: &str = "#15202b";
const MUTED: &str = "#4a5868";
const GRID: &str = "#d5deea";
const BACKGROUND: &str = "#ffffff";

/// The fill of a device class's bars in the light theme (each 4.7:1 or more on white).
fn kind_colour(kind: WalkthroughKind) -> &'static str {
    match kind {
        WalkthroughKind::Ios => "#0f62c4",
        WalkthroughKind::Android => "#0d7a45",
        WalkthroughKind::Samsung => "#8a3fc7",
        WalkthroughKind::Desktop => "#b8580a",
    }
}

/// The chart of `report` as a standalone `<svg>` element (our own markup: safe to embed with
/// `|safe`). Its `<title>` and `<desc>` carry fixed ids, so a page shows one chart.
pub fn render_svg(report: &AdoptionReport) -> String {
    let scale = Scale::for_max(busiest(report));
    let mut svg = String::with_capacity(16 * 1024);
    let _ = writeln!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"adoption-chart\" \
         viewBox=\"0 0 {WIDTH:.0} {HEIGHT:.0}\" width=\"{WIDTH:.0}\" height=\"{HEIGHT:.0}\" \
         role=\"img\" aria-labelledby=\"adoption-chart-title adoption-chart-desc\">"
    );
    let _ = writeln!(
        svg,
        "<title id=\"adoption-chart-title\">{}</title>",
        escape(&title(report))
    );
    let _ = writeln!(
        svg,
        "<desc id=\"adoption-chart-desc\">{}</desc>",
        escape(&description(report))
    );
    legend(&mut svg, any_hidden(report));
    count_axis(&mut svg, &scale);
    date_axis(&mut svg, report);
    if report.totals.views() == 0 && report.totals.done() == 0 {
        empty_state(&mut svg);
    } else {
        bars(&mut svg, report, &scale);
        done_line(&mut svg, report, &scale);
    }
    svg.push_str("</svg>\n");
    svg
}

/// Opacity of a bar whose count is hidden (drawn at the height of 5).
const HIDDEN_OPACITY: &str = "0.4";

/// The height drawn for one device class's views on one day.
fn plotted_views(day: &DayCounts, kind: WalkthroughKind) -> u64 {
    Figure::cell(day.counts.get(Event::View(kind))).plotted()
}

/// A day's views as named (small counts hidden).
fn day_views(day: &DayCounts) -> Figure {
    AdoptionReport::day_figure(day, |event| matches!(event, Event::View(_)))
}

/// A day's confirmations as drawn and named (small counts hidden).
fn day_done(day: &DayCounts) -> Figure {
    AdoptionReport::day_figure(day, |event| matches!(event, Event::Done(_)))
}

/// The height of a day's stacked bar.
fn plotted_stack(day: &DayCounts) -> u64 {
    WalkthroughKind::ALL
        .into_iter()
        .map(|kind| plotted_views(day, kind))
        .fold(0, u64::saturating_add)
}

/// Whether any drawn count is hidden (the legend then explains the faded bars).
fn any_hidden(report: &AdoptionReport) -> bool {
    report.days.iter().any(|day| {
        day_done(day).is_hidden()
            || WalkthroughKind::ALL
                .into_iter()
                .any(|kind| Figure::cell(day.counts.get(Event::View(kind))).is_hidden())
    })
}

/// The largest daily value drawn: a day's stacked views or its "Done" count.
fn busiest(report: &AdoptionReport) -> u64 {
    report
        .days
        .iter()
        .map(|day| plotted_stack(day).max(day_done(day).plotted()))
        .max()
        .unwrap_or(0)
}

/// The count axis: 0 to `top` in steps of 1, 2 or 5 × 10ⁿ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Scale {
    step: u64,
    top: u64,
}

impl Scale {
    fn for_max(max: u64) -> Self {
        let mut magnitude: u64 = 1;
        let step = 'found: loop {
            for factor in [1, 2, 5] {
                let step = magnitude.saturating_mul(factor);
                if step.saturating_mul(TARGET_TICKS) >= max || step == u64::MAX {
                    break 'found step;
                }
            }
            magnitude = magnitude.saturating_mul(10);
        };
        let top = max.div_ceil(step).max(1).saturating_mul(step);
        Self { step, top }
    }

    fn ticks(self) -> impl Iterator<Item = u64> {
        (0..=self.top / self.step).map(move |index| index * self.step)
    }

    /// The y coordinate of `value`.
    fn y(self, value: u64) -> f64 {
        let share = value as f64 / self.top as f64;
        PLOT_BOTTOM - share * (PLOT_BOTTOM - PLOT_TOP)
    }
}

fn band_width(report: &AdoptionReport) -> f64 {
    let days = report.days.len().max(1) as f64;
    (PLOT_RIGHT - PLOT_LEFT) / days
}

fn band_centre(report: &AdoptionReport, index: usize) -> f64 {
    let index = index as f64;
    PLOT_LEFT + band_width(report) * (index + 0.5)
}

fn legend(svg: &mut String, with_hidden: bool) {
    svg.push_str("<g class=\"adoption-chart__legend\">\n");
    let mut x = PLOT_LEFT;
    for kind in WalkthroughKind::ALL {
        let label = tab_label(kind);
        let _ = writeln!(
            svg,
            "<rect class=\"adoption-chart__swatch adoption-chart__bar--{kind}\" x=\"{x:.1}\" \
             y=\"12\" width=\"12\" height=\"12\" rx=\"2\" fill=\"{fill}\"/>\
             <text class=\"adoption-chart__text\" x=\"{tx:.1}\" y=\"22\" font-size=\"12\" \
             fill=\"{INK}\">{label}</text>",
            kind = kind.as_str(),
            fill = kind_colour(kind),
            tx = x + 17.0,
            label = escape(label),
        );
        x += 17.0 + legend_text_width(label) + 16.0;
    }
    let _ = writeln!(
        svg,
        "<line class=\"adoption-chart__done-line\" x1=\"{x:.1}\" y1=\"18\" x2=\"{x2:.1}\" \
         y2=\"18\" stroke=\"{INK}\" stroke-width=\"2\"/>\
         <circle class=\"adoption-chart__done\" cx=\"{cx:.1}\" cy=\"18\" r=\"4\" fill=\"{INK}\" \
         stroke=\"{BACKGROUND}\" stroke-width=\"1.5\"/>\
         <text class=\"adoption-chart__text\" x=\"{tx:.1}\" y=\"22\" font-size=\"12\" \
         fill=\"{INK}\">{label}</text>",
        x2 = x + 16.0,
        cx = x + 8.0,
        tx = x + 21.0,
        label = escape("Done (passkey set up)"),
    );
    if with_hidden {
        let x = x + 21.0 + legend_text_width("Done (passkey set up)") + 16.0;
        let _ = writeln!(
            svg,
            "<rect class=\"adoption-chart__swatch adoption-chart__bar--hidden\" x=\"{x:.1}\" \
             y=\"12\" width=\"12\" height=\"12\" rx=\"2\" fill=\"{MUTED}\" \
             fill-opacity=\"{HIDDEN_OPACITY}\"/>\
             <text class=\"adoption-chart__text\" x=\"{tx:.1}\" y=\"22\" font-size=\"12\" \
             fill=\"{INK}\">{label}</text>",
            tx = x + 17.0,
            label = escape("fewer than 5"),
        );
    }
    svg.push_str("</g>\n");
}

/// A fixed estimate of a legend label's width at 12 px (no font metrics on the server).
fn legend_text_width(label: &str) -> f64 {
    let chars = label.chars().count() as f64;
    chars * 6.6
}

fn count_axis(svg: &mut String, scale: &Scale) {
    svg.push_str("<g class=\"adoption-chart__axis adoption-chart__axis--count\">\n");
    for tick in scale.ticks() {
        let y = scale.y(tick);
        let _ = writeln!(
            svg,
            "<line class=\"adoption-chart__grid\" x1=\"{PLOT_LEFT:.1}\" y1=\"{y:.1}\" \
             x2=\"{PLOT_RIGHT:.1}\" y2=\"{y:.1}\" stroke=\"{GRID}\" stroke-width=\"1\"/>\
             <text class=\"adoption-chart__label\" x=\"{x:.1}\" y=\"{ty:.1}\" font-size=\"11\" \
             text-anchor=\"end\" fill=\"{MUTED}\">{label}</text>",
            x = PLOT_LEFT - 8.0,
            ty = y + 4.0,
            label = escape(&thousands(tick)),
        );
    }
    svg.push_str("</g>\n");
}

fn date_axis(svg: &mut String, report: &AdoptionReport) {
    svg.push_str("<g class=\"adoption-chart__axis adoption-chart__axis--date\">\n");
    let _ = writeln!(
        svg,
        "<line class=\"adoption-chart__baseline\" x1=\"{PLOT_LEFT:.1}\" y1=\"{PLOT_BOTTOM:.1}\" \
         x2=\"{PLOT_RIGHT:.1}\" y2=\"{PLOT_BOTTOM:.1}\" stroke=\"{MUTED}\" stroke-width=\"1\"/>"
    );
    let last = report.days.len().saturating_sub(1);
    for (index, day) in report.days.iter().enumerate() {
        if !(last - index).is_multiple_of(DATE_LABEL_EVERY) {
            continue;
        }
        let x = band_centre(report, index);
        let _ = writeln!(
            svg,
            "<line class=\"adoption-chart__tick\" x1=\"{x:.1}\" y1=\"{PLOT_BOTTOM:.1}\" \
             x2=\"{x:.1}\" y2=\"{tick:.1}\" stroke=\"{MUTED}\" stroke-width=\"1\"/>\
             <text class=\"adoption-chart__label\" x=\"{x:.1}\" y=\"{ty:.1}\" font-size=\"11\" \
             text-anchor=\"middle\" fill=\"{MUTED}\">{label}</text>",
            tick = PLOT_BOTTOM + 4.0,
            ty = PLOT_BOTTOM + 18.0,
            label = escape(&short_date(day.day)),
        );
    }
    svg.push_str("</g>\n");
}

fn empty_state(svg: &mut String) {
    let x = (PLOT_LEFT + PLOT_RIGHT) / 2.0;
    let y = (PLOT_TOP + PLOT_BOTTOM) / 2.0;
    let _ = writeln!(
        svg,
        "<text class=\"adoption-chart__empty\" x=\"{x:.1}\" y=\"{y:.1}\" font-size=\"18\" \
         font-weight=\"600\" text-anchor=\"middle\" fill=\"{INK}\">{heading}</text>\
         <text class=\"adoption-chart__label\" x=\"{x:.1}\" y=\"{y2:.1}\" font-size=\"12\" \
         text-anchor=\"middle\" fill=\"{MUTED}\">{hint}</text>",
        y2 = y + 22.0,
        heading = escape("No visits yet"),
        hint = escape("Share your walkthrough link: visits appear here the same day."),
    );
}

fn bars(svg: &mut String, report: &AdoptionReport, scale: &Scale) {
    let band = band_width(report);
    let width = band * (1.0 - 2.0 * BAR_GAP);
    svg.push_str("<g class=\"adoption-chart__bars\">\n");
    for (index, day) in report.days.iter().enumerate() {
        if plotted_stack(day) == 0 {
            continue;
        }
        let x = band_centre(report, index) - width / 2.0;
        let _ = writeln!(
            svg,
            "<g class=\"adoption-chart__day\" data-day=\"{}\"><title>{}</title>",
            escape(&super::adoption::iso_date(day.day)),
            escape(&day_summary(day.day, day)),
        );
        let mut below = 0;
        for kind in WalkthroughKind::ALL {
            let figure = Figure::cell(day.counts.get(Event::View(kind)));
            let count = figure.plotted();
            if count == 0 {
                continue;
            }
            let above = below + count;
            let top = scale.y(above);
            let hidden = if figure.is_hidden() {
                format!(" adoption-chart__bar--hidden\" fill-opacity=\"{HIDDEN_OPACITY}")
            } else {
                String::new()
            };
            let _ = writeln!(
                svg,
                "<rect class=\"adoption-chart__bar adoption-chart__bar--{kind}{hidden}\" \
                 x=\"{x:.1}\" y=\"{top:.1}\" width=\"{width:.1}\" height=\"{height:.1}\" \
                 fill=\"{fill}\" stroke=\"{BACKGROUND}\" stroke-width=\"1\"/>",
                kind = kind.as_str(),
                height = scale.y(below) - top,
                fill = kind_colour(kind),
            );
            below = above;
        }
        svg.push_str("</g>\n");
    }
    svg.push_str("</g>\n");
}

fn done_line(svg: &mut String, report: &AdoptionReport, scale: &Scale) {
    if report.totals.done() == 0 {
        return;
    }
    let points: Vec<String> = report
        .days
        .iter()
        .enumerate()
        .map(|(index, day)| {
            format!(
                "{:.1},{:.1}",
                band_centre(report, index),
                scale.y(day_done(day).plotted())
            )
        })
        .collect();
    svg.push_str("<g class=\"adoption-chart__done-series\">\n");
    let _ = writeln!(
        svg,
        "<polyline class=\"adoption-chart__done-line\" points=\"{}\" fill=\"none\" \
         stroke=\"{INK}\" stroke-width=\"2\" stroke-linejoin=\"round\"/>",
        points.join(" ")
    );
    for (index, day) in report.days.iter().enumerate() {
        let done = day_done(day);
        if done.is_zero() {
            continue;
        }
        // A hidden count is a hollow marker.
        let (class, fill, stroke) = if done.is_hidden() {
            (
                "adoption-chart__done adoption-chart__done--hidden",
                BACKGROUND,
                INK,
            )
        } else {
            ("adoption-chart__done", INK, BACKGROUND)
        };
        let _ = writeln!(
            svg,
            "<circle class=\"{class}\" cx=\"{cx:.1}\" cy=\"{cy:.1}\" r=\"4\" \
             fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"1.5\"><title>{label}</title>\
             </circle>",
            cx = band_centre(report, index),
            cy = scale.y(done.plotted()),
            label = escape(&format!(
                "{}: {} done",
                long_date(day.day),
                figure_text(done)
            )),
        );
    }
    svg.push_str("</g>\n");
}

fn title(report: &AdoptionReport) -> String {
    match (report.days.first(), report.days.last()) {
        (Some(first), Some(last)) => format!(
            "Walkthrough visits and passkeys set up, {} to {}",
            long_date(first.day),
            long_date(last.day)
        ),
        _ => "Walkthrough visits and passkeys set up".to_owned(),
    }
}

/// The totals in words, for screen readers (the table beside the chart has the detail).
fn description(report: &AdoptionReport) -> String {
    let totals = &report.totals;
    if totals.views() == 0 && totals.done() == 0 {
        return format!(
            "No visits yet: no page views and no confirmations in the last {} days.",
            report.days.len()
        );
    }
    let figures = report.figures();
    let by_kind: Vec<String> = WalkthroughKind::ALL
        .into_iter()
        .map(|kind| {
            format!(
                "{} {}",
                tab_label(kind),
                figure_text(figures.get(Event::View(kind)))
            )
        })
        .collect();
    let mut words = format!(
        "{} over {} days ({}). {} confirmed they set up their passkey.",
        capitalised(&plural_figure(figures.views(), "page view", "page views")),
        report.days.len(),
        by_kind.join(", "),
        capitalised(&plural_figure(figures.done(), "person", "people")),
    );
    let busiest = report
        .days
        .iter()
        .filter(|day| plotted_stack(day) > 0)
        // The latest of equally busy days.
        .max_by_key(|day| (plotted_stack(day), day.day));
    // Which of several small days was busiest would say more than "fewer than 5" does.
    if let Some(day) = busiest
        && day_views(day) != Figure::FewerThanFive
    {
        let _ = write!(
            words,
            " Busiest day: {} with {}.",
            long_date(day.day),
            plural_figure(day_views(day), "view", "views")
        );
    }
    words
}

fn day_summary(day: Date, counts: &DayCounts) -> String {
    let by_kind: Vec<String> = WalkthroughKind::ALL
        .into_iter()
        .filter_map(|kind| {
            let count = Figure::cell(counts.counts.get(Event::View(kind)));
            (!count.is_zero()).then(|| format!("{} {}", tab_label(kind), figure_text(count)))
        })
        .collect();
    format!(
        "{}: {} ({}), {} done",
        long_date(day),
        plural_figure(day_views(counts), "view", "views"),
        by_kind.join(", "),
        figure_text(day_done(counts))
    )
}

/// `text` with its first letter in upper case (a figure opening a sentence).
fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().collect::<String>() + chars.as_str()
    })
}

/// A figure in words, numbers grouped by thousands (`1,234`, `fewer than 5`, `at least 1,234`).
fn figure_text(figure: Figure) -> String {
    match figure {
        Figure::Exact(count) => thousands(count),
        Figure::FewerThanFive => figure.to_string(),
        Figure::AtLeast(count) => format!("at least {}", thousands(count)),
    }
}

/// `1 view`, `12 views`, `fewer than 5 views`, `at least 12 views`.
fn plural_figure(figure: Figure, one: &str, many: &str) -> String {
    let noun = if figure == Figure::Exact(1) {
        one
    } else {
        many
    };
    format!("{} {noun}", figure_text(figure))
}

/// `12,345`.
fn thousands(value: u64) -> String {
    let digits = value.to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    grouped
}

fn month_abbreviation(month: Month) -> &'static str {
    match month {
        Month::January => "Jan",
        Month::February => "Feb",
        Month::March => "Mar",
        Month::April => "Apr",
        Month::May => "May",
        Month::June => "Jun",
        Month::July => "Jul",
        Month::August => "Aug",
        Month::September => "Sep",
        Month::October => "Oct",
        Month::November => "Nov",
        Month::December => "Dec",
    }
}

/// `5 Mar`.
fn short_date(day: Date) -> String {
    format!("{} {}", day.day(), month_abbreviation(day.month()))
}

/// `5 Mar 2024`.
fn long_date(day: Date) -> String {
    format!("{} {}", short_date(day), day.year())
}

/// Text made safe inside SVG/XML elements and attribute values.
fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            c => escaped.push(c),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

    use scraper::{Html, Selector};
    use time::macros::date;

    use super::*;
    use crate::admin::adoption::{PrereqFailure, REPORT_DAYS};

    const TODAY: Date = date!(2024 - 03 - 10);

    fn empty() -> AdoptionReport {
        AdoptionReport::from_counts(TODAY, [])
    }

    fn one_day() -> AdoptionReport {
        AdoptionReport::from_counts(
            TODAY,
            [
                (TODAY, Event::View(WalkthroughKind::Ios), 30),
                (TODAY, Event::View(WalkthroughKind::Android), 20),
                (TODAY, Event::View(WalkthroughKind::Desktop), 10),
                (TODAY, Event::Done(WalkthroughKind::Ios), 20),
                (TODAY, Event::PrereqFail(PrereqFailure::OldOs), 10),
            ],
        )
    }

    /// One day of a handful of visits: every count is below 5.
    fn small_day() -> AdoptionReport {
        AdoptionReport::from_counts(
            TODAY,
            [
                (TODAY, Event::View(WalkthroughKind::Ios), 3),
                (TODAY, Event::View(WalkthroughKind::Android), 2),
                (TODAY, Event::View(WalkthroughKind::Desktop), 1),
                (TODAY, Event::Done(WalkthroughKind::Ios), 2),
                (TODAY, Event::PrereqFail(PrereqFailure::OldOs), 1),
            ],
        )
    }

    /// Thirty days of varied, deterministic traffic (a quiet weekend every week).
    fn thirty_days() -> AdoptionReport {
        let mut counts = Vec::new();
        let mut day = TODAY.checked_sub(time::Duration::days(29)).unwrap();
        for index in 0..30_u64 {
            let quiet = index % 7 == 5 || index % 7 == 6;
            let scale = if quiet { 1 } else { 4 };
            counts.extend([
                (
                    day,
                    Event::View(WalkthroughKind::Ios),
                    scale * (3 + index % 5),
                ),
                (
                    day,
                    Event::View(WalkthroughKind::Android),
                    scale * (index % 3),
                ),
                (
                    day,
                    Event::View(WalkthroughKind::Samsung),
                    scale * (index % 4) / 2,
                ),
                (day, Event::View(WalkthroughKind::Desktop), 2 + index % 6),
                (day, Event::Done(WalkthroughKind::Ios), index / 3),
            ]);
            day = day.next_day().unwrap();
        }
        AdoptionReport::from_counts(TODAY, counts)
    }

    fn select<'a>(document: &'a Html, selector: &str) -> Vec<scraper::ElementRef<'a>> {
        document
            .select(&Selector::parse(selector).unwrap())
            .collect()
    }

    fn texts(document: &Html, selector: &str) -> Vec<String> {
        select(document, selector)
            .into_iter()
            .map(|element| element.text().collect::<String>())
            .collect()
    }

    /// What every rendering must have, whatever the data.
    fn assert_common_structure(svg: &str) -> Html {
        assert_structure(svg, false)
    }

    /// What every rendering must have; `hidden`: the legend explains hidden counts.
    fn assert_structure(svg: &str, hidden: bool) -> Html {
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(!svg.contains("style="), "the CSP forbids inline styles");
        assert!(!svg.contains("<script"));
        let document = Html::parse_fragment(svg);
        let root = select(&document, "svg");
        assert_eq!(root.len(), 1);
        assert_eq!(root[0].value().attr("role"), Some("img"));
        assert_eq!(
            root[0].value().attr("aria-labelledby"),
            Some("adoption-chart-title adoption-chart-desc")
        );
        assert_eq!(
            select(&document, "svg > title#adoption-chart-title").len(),
            1
        );
        assert_eq!(select(&document, "svg > desc#adoption-chart-desc").len(), 1);
        // Date labels every seven days, ending today: 10 Mar, 3 Mar, 25 Feb, 18 Feb, 11 Feb.
        assert_eq!(
            texts(&document, ".adoption-chart__axis--date text"),
            ["11 Feb", "18 Feb", "25 Feb", "3 Mar", "10 Mar"]
        );
        let legend = texts(&document, ".adoption-chart__legend text");
        let mut expected = vec![
            "iPhone",
            "Android",
            "Samsung Galaxy",
            "Computer",
            "Done (passkey set up)",
        ];
        if hidden {
            expected.push("fewer than 5");
        }
        assert_eq!(legend, expected);
        document
    }

    #[test]
    fn empty_tenant_says_no_visits_yet() {
        let svg = render_svg(&empty());
        let document = assert_common_structure(&svg);
        assert_eq!(
            texts(&document, ".adoption-chart__empty"),
            ["No visits yet"]
        );
        assert!(select(&document, ".adoption-chart__bar").is_empty());
        assert!(select(&document, ".adoption-chart__done-series").is_empty());
        assert_eq!(
            texts(&document, ".adoption-chart__axis--count text"),
            ["0", "1"]
        );
        assert!(texts(&document, "desc")[0].starts_with("No visits yet"));
        insta::assert_snapshot!("empty_tenant", svg);
    }

    #[test]
    fn one_day_of_data_draws_one_stacked_bar() {
        let report = one_day();
        let svg = render_svg(&report);
        let document = assert_common_structure(&svg);
        assert!(select(&document, ".adoption-chart__empty").is_empty());
        let days = select(&document, ".adoption-chart__day");
        assert_eq!(days.len(), 1);
        assert_eq!(days[0].value().attr("data-day"), Some("2024-03-10"));
        let bars = select(&document, "rect.adoption-chart__bar");
        let kinds: Vec<&str> = bars
            .iter()
            .filter_map(|bar| bar.value().attr("class"))
            .collect();
        assert_eq!(
            kinds,
            [
                "adoption-chart__bar adoption-chart__bar--ios",
                "adoption-chart__bar adoption-chart__bar--android",
                "adoption-chart__bar adoption-chart__bar--desktop",
            ]
        );
        // 60 views at most: steps of 20 up to 60; the stack reaches the top exactly.
        assert_eq!(
            texts(&document, ".adoption-chart__axis--count text"),
            ["0", "20", "40", "60"]
        );
        let top: f64 = bars[2].value().attr("y").unwrap().parse().unwrap();
        assert!((top - PLOT_TOP).abs() < 0.05, "{top}");
        assert_eq!(
            select(&document, "circle.adoption-chart__done").len(),
            1 + 1
        );
        assert_eq!(
            texts(&document, "desc"),
            [
                "60 page views over 30 days (iPhone 30, Android 20, Samsung Galaxy 0, Computer \
                 10). 20 people confirmed they set up their passkey. Busiest day: 10 Mar 2024 \
                 with 60 views."
            ]
        );
        assert!(select(&document, ".adoption-chart__bar--hidden").is_empty());
        insta::assert_snapshot!("one_day", svg);
    }

    #[test]
    fn counts_below_five_are_drawn_and_named_as_fewer_than_five() {
        let svg = render_svg(&small_day());
        let document = assert_structure(&svg, true);
        // Each of the three bars is drawn at the height of 5, faded.
        let bars = select(&document, "rect.adoption-chart__bar");
        assert_eq!(bars.len(), 3);
        for bar in &bars {
            let class = bar.value().attr("class").unwrap();
            assert!(class.ends_with(" adoption-chart__bar--hidden"), "{class}");
            assert_eq!(bar.value().attr("fill-opacity"), Some(HIDDEN_OPACITY));
            let height: f64 = bar.value().attr("height").unwrap().parse().unwrap();
            assert!(
                (height - (PLOT_BOTTOM - PLOT_TOP) / 3.0).abs() < 0.1,
                "{height}"
            );
        }
        assert_eq!(
            texts(&document, ".adoption-chart__axis--count text"),
            ["0", "5", "10", "15"]
        );
        // The day's "Done" is a hollow marker at 5.
        let hollow = select(&document, "circle.adoption-chart__done--hidden");
        assert_eq!(hollow.len(), 1);
        assert_eq!(
            texts(&document, "circle.adoption-chart__done--hidden title"),
            ["10 Mar 2024: fewer than 5 done"]
        );
        assert_eq!(
            texts(&document, ".adoption-chart__day > title"),
            [
                "10 Mar 2024: at least 5 views (iPhone fewer than 5, Android fewer than 5, \
                 Computer fewer than 5), fewer than 5 done"
            ]
        );
        assert_eq!(
            texts(&document, "desc"),
            [
                "At least 5 page views over 30 days (iPhone fewer than 5, Android fewer than 5, \
                 Samsung Galaxy 0, Computer fewer than 5). Fewer than 5 people confirmed they \
                 set up their passkey. Busiest day: 10 Mar 2024 with at least 5 views."
            ]
        );
        // No text anywhere says 1 to 4 of anything.
        let all_text = texts(&document, "title, desc, text").join(" | ");
        for small in 1..5 {
            for said in [
                format!("iPhone {small}"),
                format!("Android {small}"),
                format!("Computer {small}"),
                format!("{small} done"),
                format!("{small} people"),
                format!("{small} view"),
                format!("{small} page view"),
            ] {
                assert!(!all_text.contains(&said), "{said} in {all_text}");
            }
        }
    }

    #[test]
    fn thirty_days_of_data_draw_a_bar_per_day_and_the_done_line() {
        let report = thirty_days();
        let svg = render_svg(&report);
        let document = assert_structure(&svg, true);
        assert_eq!(select(&document, ".adoption-chart__day").len(), REPORT_DAYS);
        let segments: usize = report
            .days
            .iter()
            .map(|day| {
                WalkthroughKind::ALL
                    .into_iter()
                    .filter(|kind| day.counts.get(Event::View(*kind)) > 0)
                    .count()
            })
            .sum();
        assert_eq!(
            select(&document, "rect.adoption-chart__bar").len(),
            segments
        );
        let done_days = report
            .days
            .iter()
            .filter(|day| day.counts.done() > 0)
            .count();
        // Every marker of a day with confirmations, plus the legend's.
        assert_eq!(
            select(&document, "circle.adoption-chart__done").len(),
            done_days + 1
        );
        let line = select(&document, "polyline.adoption-chart__done-line");
        assert_eq!(line.len(), 1);
        let points = line[0].value().attr("points").unwrap();
        assert_eq!(points.split(' ').count(), REPORT_DAYS);
        // The busiest day draws 48 views (its small counts at 5): a scale of 0–60 in steps of 20.
        assert_eq!(busiest(&report), 48);
        assert_eq!(
            texts(&document, ".adoption-chart__axis--count text"),
            ["0", "20", "40", "60"]
        );
        insta::assert_snapshot!("thirty_days", svg);
    }

    #[test]
    fn rendering_is_deterministic() {
        assert_eq!(render_svg(&thirty_days()), render_svg(&thirty_days()));
    }

    #[test]
    fn scale_uses_nice_steps() {
        let cases = [
            (0, 1, 1),
            (1, 1, 1),
            (3, 1, 3),
            (4, 1, 4),
            (5, 2, 6),
            (7, 2, 8),
            (37, 10, 40),
            (120, 50, 150),
            (1000, 500, 1000),
        ];
        for (max, step, top) in cases {
            let scale = Scale::for_max(max);
            assert_eq!((scale.step, scale.top), (step, top), "max {max}");
            assert!(scale.top >= max);
            assert!(scale.ticks().count() <= usize::try_from(TARGET_TICKS).unwrap() + 2);
        }
        let huge = Scale::for_max(u64::MAX);
        assert!(huge.top >= u64::MAX / 2);
    }

    #[test]
    fn numbers_and_text_are_formatted_and_escaped() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(
            escape("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }
}
