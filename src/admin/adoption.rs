//! Anonymous adoption figures: per tenant and UTC day, how many walkthrough pages were viewed (by
//! device class), how many visitors failed a prerequisite, which troubleshooting entries were
//! opened and how many people confirmed "Done".
//!
//! Nothing personal is counted or stored: a counter is (tenant, day, metric, dimension) → count,
//! and every metric and dimension is one of the typed [`Event`]s below — no IP address, no
//! User-Agent, no cookie, no free text. What counts as a real visit (top-level views only, events
//! only with a view's token, once per browser) is decided by [`super::counting`] first.
//!
//! Counting must not slow the page: [`Adoption::record`] only bumps an in-memory map behind a short
//! mutex. A background task adds the batch to the store every few seconds in one transaction
//! (`count = count + excluded.count`, so several instances add up); a batch the store refused is
//! merged back and written with the next one; the last batch is written at shutdown.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::time::Duration;

use time::{Date, OffsetDateTime};
use uuid::Uuid;

use super::counting::{Client, CountingGate, NotCounted, ViewToken};
use crate::device::{Device, InApp, OsCheck, WalkthroughKind};
use crate::store::{AdoptionCount, Store, StoreError};
use crate::walkthrough::text::tab_label;

/// How many days a report covers, today included.
pub const REPORT_DAYS: usize = 30;

/// Most distinct counters kept in memory between flushes. Real traffic needs a few hundred
/// (tenants × metrics of one or two days); the cap only bounds memory while the database is down
/// for a long time, and counts beyond it are dropped (and logged).
pub const MAX_PENDING_COUNTERS: usize = 100_000;

/// The keys of every troubleshooting entry the walkthrough content has (`Trouble::id` in
/// `walkthrough/build.rs`), in the order of the report's columns. A unit test checks this list
/// against the content, so an entry added there cannot be forgotten here.
pub const TROUBLE_KEYS: [&str; 15] = [
    "not_supported_by_tenant",
    "cannot_verify_device",
    "authenticator_not_installed",
    "provider_missing",
    "samsung_pass_default",
    "qr_scanner_instead",
    "phone_cannot_connect",
    "biometric_failed",
    "passkey_already_exists",
    "in_app_browser",
    "conditional_access",
    "work_profile",
    "firefox_android",
    "network_blocks_cross_device",
    "app_not_approved",
];

/// A troubleshooting entry of the walkthrough content (only known keys can be built).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TroubleKey(u8);

impl TroubleKey {
    /// Every key, in column order.
    pub fn all() -> impl Iterator<Item = TroubleKey> {
        (0..TROUBLE_KEYS.len()).filter_map(|index| u8::try_from(index).ok().map(TroubleKey))
    }

    /// The key as the page and the store write it (`biometric_failed`).
    pub fn as_str(self) -> &'static str {
        TROUBLE_KEYS
            .get(usize::from(self.0))
            .copied()
            .unwrap_or_default()
    }

    /// A short name of the problem for tenant admins ("Face or fingerprint check failed").
    pub fn label(self) -> &'static str {
        match self.as_str() {
            "not_supported_by_tenant" => "Passkeys not enabled for the account",
            "cannot_verify_device" => "Device couldn’t be verified",
            "authenticator_not_installed" => "“Authenticator is not installed”",
            "provider_missing" => "Authenticator not found as passkey provider",
            "samsung_pass_default" => "Samsung Pass offered to save the passkey",
            "qr_scanner_instead" => "QR code opened the wrong app",
            "phone_cannot_connect" => "Phone couldn’t connect to the computer",
            "biometric_failed" => "Face or fingerprint check failed",
            "passkey_already_exists" => "A passkey already exists",
            "in_app_browser" => "Page opened inside another app",
            "conditional_access" => "Asked for a passkey to add one (Temporary Access Pass needed)",
            "app_not_approved" => "Blocked by an approved-app rule (exception needed)",
            "work_profile" => "Android work profile",
            "firefox_android" => "Firefox on Android",
            "network_blocks_cross_device" => "Network blocks phone-to-computer setup",
            other => other,
        }
    }

    fn index(self) -> usize {
        usize::from(self.0)
    }
}

impl FromStr for TroubleKey {
    type Err = UnknownTroubleKey;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        TroubleKey::all()
            .find(|key| key.as_str() == raw)
            .ok_or(UnknownTroubleKey)
    }
}

impl fmt::Display for TroubleKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A `key` that names no troubleshooting entry of the walkthrough.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown troubleshooting entry: the key must be one of the walkthrough's troubleshooting \
     entries (the data-trouble attribute of each entry on the page)"
)]
pub struct UnknownTroubleKey;

/// Why a visitor cannot start yet, as counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PrereqFailure {
    /// The phone's OS version is known to be below the minimum.
    OldOs,
    /// The page was opened in an app's built-in browser (Outlook, Teams, …).
    InAppBrowser,
}

impl PrereqFailure {
    /// Both, in column order.
    pub const ALL: [PrereqFailure; 2] = [PrereqFailure::OldOs, PrereqFailure::InAppBrowser];

    /// The stored dimension: `old_os`, `in_app_browser`.
    pub fn as_str(self) -> &'static str {
        match self {
            PrereqFailure::OldOs => "old_os",
            PrereqFailure::InAppBrowser => "in_app_browser",
        }
    }

    /// A short name for tenant admins.
    pub fn label(self) -> &'static str {
        match self {
            PrereqFailure::OldOs => "Phone OS too old",
            PrereqFailure::InAppBrowser => "Opened in an app’s browser",
        }
    }
}

/// The four stored metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Metric {
    /// A walkthrough page view.
    View,
    /// A prerequisite the visitor's device fails.
    PrereqFail,
    /// A troubleshooting entry opened.
    TroubleshootOpen,
    /// "I've set up my passkey" confirmed.
    Done,
}

impl Metric {
    /// The stored name: `view`, `prereq_fail`, `troubleshoot_open`, `done`.
    pub fn as_str(self) -> &'static str {
        match self {
            Metric::View => "view",
            Metric::PrereqFail => "prereq_fail",
            Metric::TroubleshootOpen => "troubleshoot_open",
            Metric::Done => "done",
        }
    }
}

/// One countable thing that happened on a tenant's walkthrough.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Event {
    /// The walkthrough for this device class was shown.
    View(WalkthroughKind),
    /// The visitor's device fails a prerequisite.
    PrereqFail(PrereqFailure),
    /// A troubleshooting entry was opened.
    TroubleshootOpen(TroubleKey),
    /// Someone confirmed they set up their passkey, on this device class's walkthrough.
    Done(WalkthroughKind),
}

/// How many distinct events (report columns) there are.
pub const EVENT_COUNT: usize = 2 * WalkthroughKind::ALL.len() + 2 + TROUBLE_KEYS.len();

impl Event {
    /// Every event, in the stable column order of the report and the CSV: views by device class,
    /// "Done" by device class, prerequisite failures, troubleshooting opens.
    pub fn all() -> impl Iterator<Item = Event> {
        let views = WalkthroughKind::ALL.into_iter().map(Event::View);
        let done = WalkthroughKind::ALL.into_iter().map(Event::Done);
        let failures = PrereqFailure::ALL.into_iter().map(Event::PrereqFail);
        let troubles = TroubleKey::all().map(Event::TroubleshootOpen);
        views.chain(done).chain(failures).chain(troubles)
    }

    /// The metric it is counted under.
    pub fn metric(self) -> Metric {
        match self {
            Event::View(_) => Metric::View,
            Event::PrereqFail(_) => Metric::PrereqFail,
            Event::TroubleshootOpen(_) => Metric::TroubleshootOpen,
            Event::Done(_) => Metric::Done,
        }
    }

    /// The stored dimension: the device class, the failure or the troubleshooting key.
    pub fn dimension(self) -> &'static str {
        match self {
            Event::View(kind) | Event::Done(kind) => kind.as_str(),
            Event::PrereqFail(failure) => failure.as_str(),
            Event::TroubleshootOpen(key) => key.as_str(),
        }
    }

    /// A short description for tenant admins ("Views: iPhone", "Done: Computer",
    /// "Prerequisite failed: Phone OS too old", "Troubleshooting opened: A passkey already exists").
    pub fn label(self) -> String {
        match self {
            Event::View(kind) => format!("Views: {}", tab_label(kind)),
            Event::Done(kind) => format!("Done: {}", tab_label(kind)),
            Event::PrereqFail(failure) => format!("Prerequisite failed: {}", failure.label()),
            Event::TroubleshootOpen(key) => format!("Troubleshooting opened: {}", key.label()),
        }
    }

    /// The column name in the CSV (`view_ios`, `troubleshoot_open_biometric_failed`).
    pub fn column_name(self) -> String {
        format!("{}_{}", self.metric().as_str(), self.dimension())
    }

    /// The event a stored (metric, dimension) pair counts; `None` for pairs this version does
    /// not know (a troubleshooting entry since removed from the content, say).
    pub fn from_stored(metric: &str, dimension: &str) -> Option<Event> {
        Event::all()
            .find(|event| event.metric().as_str() == metric && event.dimension() == dimension)
    }

    fn column(self) -> usize {
        let kinds = WalkthroughKind::ALL.len();
        match self {
            Event::View(kind) => kind_index(kind),
            Event::Done(kind) => kinds + kind_index(kind),
            Event::PrereqFail(failure) => {
                2 * kinds
                    + match failure {
                        PrereqFailure::OldOs => 0,
                        PrereqFailure::InAppBrowser => 1,
                    }
            }
            Event::TroubleshootOpen(key) => 2 * kinds + PrereqFailure::ALL.len() + key.index(),
        }
    }
}

fn kind_index(kind: WalkthroughKind) -> usize {
    match kind {
        WalkthroughKind::Ios => 0,
        WalkthroughKind::Android => 1,
        WalkthroughKind::Samsung => 2,
        WalkthroughKind::Desktop => 3,
    }
}

/// The events one page view counts: the view, and the prerequisites the device verdict fails.
/// Crawlers and link-preview fetchers are no visitors: they count nothing.
pub fn page_view_events(device: &Device, shown: WalkthroughKind) -> Vec<Event> {
    if device.bot {
        return Vec::new();
    }
    let mut events = vec![Event::View(shown)];
    if device.os_check() == OsCheck::NotMet {
        events.push(Event::PrereqFail(PrereqFailure::OldOs));
    }
    if device.in_app != InApp::None {
        events.push(Event::PrereqFail(PrereqFailure::InAppBrowser));
    }
    events
}

/// One counter: which tenant, which UTC day, what.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct CounterKey {
    tenant_id: Uuid,
    day: Date,
    event: Event,
}

#[derive(Debug, Default)]
struct Pending {
    counts: HashMap<CounterKey, u64>,
    /// Counts refused because the map was full, since the last flush.
    dropped: u64,
}

struct Inner {
    store: Store,
    /// What counts as a real visit.
    gate: CountingGate,
    pending: Mutex<Pending>,
    /// One flush at a time, and no report while a batch is on its way to the store.
    flushing: tokio::sync::Mutex<()>,
}

/// The adoption counters of this instance; cheap to clone.
#[derive(Clone)]
pub struct Adoption {
    inner: Arc<Inner>,
}

impl fmt::Debug for Adoption {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Adoption")
            .field("pending", &self.pending().counts.len())
            .finish_non_exhaustive()
    }
}

/// Shortest flush interval accepted (a zero interval would spin).
const MIN_FLUSH_INTERVAL: Duration = Duration::from_millis(100);

impl Adoption {
    /// Counters over `store`, written every `flush_every` by a background task (which ends when
    /// the last handle is dropped), with view tokens signed by a key of this process only. Must be
    /// called inside a Tokio runtime.
    pub fn start(store: Store, flush_every: Duration) -> Self {
        let mut key = [0u8; 32];
        // Without randomness the key is fixed; tokens are then only as good as a checksum.
        let _ = getrandom::fill(&mut key);
        Self::start_with_key(store, flush_every, key)
    }

    /// Like [`Adoption::start`], with view tokens signed by `key` (the deployment's shared secret,
    /// so every instance accepts the others' tokens).
    pub fn start_with_key(store: Store, flush_every: Duration, key: [u8; 32]) -> Self {
        let adoption = Self {
            inner: Arc::new(Inner {
                store,
                gate: CountingGate::new(key),
                pending: Mutex::new(Pending::default()),
                flushing: tokio::sync::Mutex::new(()),
            }),
        };
        tokio::spawn(flush_periodically(
            Arc::downgrade(&adoption.inner),
            flush_every.max(MIN_FLUSH_INTERVAL),
        ));
        adoption
    }

    /// Count `event` for `tenant_id` today (UTC). Never waits on the database.
    pub fn record(&self, tenant_id: Uuid, event: Event) {
        self.record_on(tenant_id, OffsetDateTime::now_utc().date(), event);
    }

    /// Count `event` for `tenant_id` on `day` (UTC). Never waits on the database.
    pub fn record_on(&self, tenant_id: Uuid, day: Date, event: Event) {
        let key = CounterKey {
            tenant_id,
            day,
            event,
        };
        let mut pending = self.pending();
        let full = pending.counts.len() >= MAX_PENDING_COUNTERS;
        match pending.counts.get_mut(&key) {
            Some(count) => *count = count.saturating_add(1),
            None if full => pending.dropped = pending.dropped.saturating_add(1),
            None => {
                pending.counts.insert(key, 1);
            }
        }
    }

    /// A walkthrough page opened as a top-level navigation (the caller checks that): count the
    /// view by the device class shown and, from the device verdict, an old OS and an in-app
    /// browser as prerequisite failures — once per browser, tenant, day and walkthrough. Returns
    /// the token the page's events must carry; bots count nothing and get none.
    pub fn page_view(
        &self,
        tenant_id: Uuid,
        device: &Device,
        shown: WalkthroughKind,
        client: Client,
        presented: &[&str],
    ) -> Option<ViewToken> {
        if device.bot {
            return None;
        }
        let today = OffsetDateTime::now_utc().date();
        let decision = self
            .inner
            .gate
            .page_view(tenant_id, today, shown, client, presented);
        if decision.counts {
            for event in page_view_events(device, shown) {
                self.record_on(tenant_id, today, event);
            }
        }
        Some(decision.token)
    }

    /// An event posted from a walkthrough page ("Done", a troubleshooting entry opened): counted
    /// only with a valid token of one of this tenant's page views, once per token and browser.
    /// `Ok(false)`: genuine, but already counted.
    pub fn page_event(
        &self,
        tenant_id: Uuid,
        event: Event,
        presented: &[&str],
    ) -> Result<bool, NotCounted> {
        let today = OffsetDateTime::now_utc().date();
        let counts = self.inner.gate.event(tenant_id, today, event, presented)?;
        if counts {
            self.record_on(tenant_id, today, event);
        }
        Ok(counts)
    }

    /// How many counters wait to be written.
    pub fn pending_counters(&self) -> usize {
        self.pending().counts.len()
    }

    /// Write every pending count to the store in one transaction and return how many counters
    /// were written. When the store fails, the counts are kept (merged with any recorded since)
    /// for the next flush, and the error is returned.
    pub async fn flush(&self) -> Result<usize, StoreError> {
        let _flushing = self.inner.flushing.lock().await;
        let (batch, dropped) = {
            let mut pending = self.pending();
            (
                std::mem::take(&mut pending.counts),
                std::mem::take(&mut pending.dropped),
            )
        };
        if dropped > 0 {
            tracing::warn!(
                dropped,
                "adoption counters were dropped: too many pending while the database was failing"
            );
        }
        if batch.is_empty() {
            return Ok(0);
        }
        let mut rows: Vec<AdoptionCount> = batch
            .iter()
            .map(|(key, count)| AdoptionCount {
                tenant_id: key.tenant_id,
                day: key.day,
                metric: key.event.metric().as_str().to_owned(),
                dimension: key.event.dimension().to_owned(),
                count: i64::try_from(*count).unwrap_or(i64::MAX),
            })
            .collect();
        // The primary key's order: concurrent instances lock rows in the same order, so their
        // transactions cannot deadlock.
        rows.sort_by(|a, b| {
            (a.tenant_id, a.day, &a.metric, &a.dimension).cmp(&(
                b.tenant_id,
                b.day,
                &b.metric,
                &b.dimension,
            ))
        });
        match self.inner.store.add_adoption_counts(&rows).await {
            Ok(written) => {
                let skipped = rows.len().saturating_sub(written);
                if skipped > 0 {
                    tracing::debug!(skipped, "adoption counters of unknown tenants skipped");
                }
                Ok(written)
            }
            Err(error) => {
                let mut pending = self.pending();
                for (key, count) in batch {
                    let total = pending.counts.entry(key).or_default();
                    *total = total.saturating_add(count);
                }
                Err(error)
            }
        }
    }

    /// The last [`REPORT_DAYS`] days of `tenant_id` up to `today` (UTC): what the store holds plus
    /// what this instance has not written yet.
    pub async fn report(&self, tenant_id: Uuid, today: Date) -> Result<AdoptionReport, StoreError> {
        let first = first_report_day(today);
        // A batch being written is in neither place: wait for it to land.
        let _flushing = self.inner.flushing.lock().await;
        let stored = self
            .inner
            .store
            .adoption_counts(tenant_id, first, today)
            .await?;
        let mut counts: Vec<(Date, Event, u64)> = stored
            .iter()
            .filter_map(|row| {
                let event = Event::from_stored(&row.metric, &row.dimension)?;
                Some((row.day, event, u64::try_from(row.count).unwrap_or(0)))
            })
            .collect();
        {
            let pending = self.pending();
            counts.extend(pending.counts.iter().filter_map(|(key, count)| {
                (key.tenant_id == tenant_id).then_some((key.day, key.event, *count))
            }));
        }
        Ok(AdoptionReport::from_counts(today, counts))
    }

    fn pending(&self) -> MutexGuard<'_, Pending> {
        // The map stays consistent whatever panicked while holding it: keep counting.
        self.inner
            .pending
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

async fn flush_periodically(inner: Weak<Inner>, every: Duration) {
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // The first tick is immediate; there is nothing to write yet.
    ticks.tick().await;
    loop {
        ticks.tick().await;
        let Some(inner) = inner.upgrade() else {
            return;
        };
        let adoption = Adoption { inner };
        adoption.inner.gate.forget_idle();
        if let Err(error) = adoption.flush().await {
            tracing::warn!(%error, "adoption counters not written; keeping them for the next try");
        }
    }
}

fn first_report_day(today: Date) -> Date {
    let back = time::Duration::days(i64::try_from(REPORT_DAYS).unwrap_or(1) - 1);
    today.checked_sub(back).unwrap_or(today)
}

/// Counts of every [`Event`] over some period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counts {
    values: [u64; EVENT_COUNT],
}

impl Default for Counts {
    fn default() -> Self {
        Self {
            values: [0; EVENT_COUNT],
        }
    }
}

impl Counts {
    /// The count of one event.
    pub fn get(&self, event: Event) -> u64 {
        self.values.get(event.column()).copied().unwrap_or(0)
    }

    /// Page views of every device class.
    pub fn views(&self) -> u64 {
        self.sum(|event| matches!(event, Event::View(_)))
    }

    /// "Done" confirmations of every device class.
    pub fn done(&self) -> u64 {
        self.sum(|event| matches!(event, Event::Done(_)))
    }

    /// Prerequisite failures of both kinds.
    pub fn prereq_failures(&self) -> u64 {
        self.sum(|event| matches!(event, Event::PrereqFail(_)))
    }

    /// Troubleshooting entries opened, all entries together.
    pub fn troubleshoot_opens(&self) -> u64 {
        self.sum(|event| matches!(event, Event::TroubleshootOpen(_)))
    }

    /// Whether nothing at all was counted.
    pub fn is_empty(&self) -> bool {
        self.values.iter().all(|value| *value == 0)
    }

    fn add(&mut self, event: Event, count: u64) {
        if let Some(value) = self.values.get_mut(event.column()) {
            *value = value.saturating_add(count);
        }
    }

    fn sum(&self, include: impl Fn(Event) -> bool) -> u64 {
        Event::all()
            .filter(|event| include(*event))
            .map(|event| self.get(event))
            .fold(0, u64::saturating_add)
    }
}

/// One day of a report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayCounts {
    /// The UTC day.
    pub day: Date,
    /// What was counted that day.
    pub counts: Counts,
}

/// A tenant's last [`REPORT_DAYS`] days: every day present (zeros filled), oldest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdoptionReport {
    /// The days, oldest first, ending today.
    pub days: Vec<DayCounts>,
    /// All days together.
    pub totals: Counts,
}

impl AdoptionReport {
    /// The report of the [`REPORT_DAYS`] days ending `today` from (day, event, count) triples;
    /// triples outside those days are ignored, repeated ones add up.
    pub fn from_counts(today: Date, counts: impl IntoIterator<Item = (Date, Event, u64)>) -> Self {
        let first = first_report_day(today);
        let mut days: Vec<DayCounts> = Vec::with_capacity(REPORT_DAYS);
        let mut day = first;
        loop {
            days.push(DayCounts {
                day,
                counts: Counts::default(),
            });
            match day.next_day() {
                Some(next) if day < today => day = next,
                _ => break,
            }
        }
        let mut totals = Counts::default();
        for (day, event, count) in counts {
            let Some(slot) = days.iter_mut().find(|slot| slot.day == day) else {
                continue;
            };
            slot.counts.add(event, count);
            totals.add(event, count);
        }
        Self { days, totals }
    }

    /// Whether the tenant had no visits and no confirmations in the period.
    pub fn is_empty(&self) -> bool {
        self.totals.is_empty()
    }

    /// The 30-day figures as the dashboard shows them (small counts hidden).
    pub fn figures(&self) -> ReportFigures {
        ReportFigures {
            report: self.clone(),
        }
    }

    /// The figure of the events `include` selects on one day (small counts hidden).
    pub fn day_figure(day: &DayCounts, include: impl Fn(Event) -> bool) -> Figure {
        Figure::sum(
            Event::all()
                .filter(|event| include(*event))
                .map(|event| day.counts.get(event)),
        )
    }

    /// The figure of the events `include` selects over every day (small counts hidden).
    fn figure_of(&self, include: impl Fn(Event) -> bool) -> Figure {
        Figure::sum(self.days.iter().flat_map(|day| {
            Event::all()
                .filter(|event| include(*event))
                .map(|event| day.counts.get(event))
                .collect::<Vec<_>>()
        }))
    }

    /// The report as CSV (RFC 4180: CRLF line ends, quoted where needed): a header row, then
    /// one row per day, oldest first; columns `day` (YYYY-MM-DD) and one per [`Event`] in
    /// [`Event::all`] order. Counts from 1 to 4 read "fewer than 5".
    pub fn to_csv(&self) -> String {
        let mut csv = String::new();
        let header: Vec<String> = std::iter::once("day".to_owned())
            .chain(Event::all().map(Event::column_name))
            .collect();
        push_csv_row(&mut csv, &header);
        for day in &self.days {
            let row: Vec<String> = std::iter::once(iso_date(day.day))
                .chain(Event::all().map(|event| Figure::cell(day.counts.get(event)).to_string()))
                .collect();
            push_csv_row(&mut csv, &row);
        }
        csv
    }
}

/// Counts below this are never shown exactly, so that no single employee can be singled out.
pub const SMALL_COUNT: u64 = 5;

/// A count as reports show it: counts from 1 to 4 are hidden as "fewer than 5", and a sum that
/// includes a hidden count is shown only as a lower bound, so no hidden count can be worked out by
/// subtracting shown figures from each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Figure {
    /// Shown as it is (0, or 5 and more of exactly shown counts).
    Exact(u64),
    /// Between 1 and 4.
    FewerThanFive,
    /// A sum with hidden parts: at least this much (never below 5).
    AtLeast(u64),
}

impl Figure {
    /// One count of the report (a CSV cell: one event on one day).
    pub fn cell(count: u64) -> Self {
        if count == 0 || count >= SMALL_COUNT {
            Figure::Exact(count)
        } else {
            Figure::FewerThanFive
        }
    }

    /// A sum of report cells: exact only when every cell is shown exactly; otherwise hidden
    /// when below 5, else a lower bound counting each hidden cell as 1.
    pub fn sum(cells: impl IntoIterator<Item = u64>) -> Self {
        let (mut total, mut shown, mut hidden) = (0u64, 0u64, 0u64);
        for cell in cells {
            total = total.saturating_add(cell);
            match Figure::cell(cell) {
                Figure::Exact(count) => shown = shown.saturating_add(count),
                _ => hidden = hidden.saturating_add(1),
            }
        }
        if hidden == 0 {
            Figure::cell(total)
        } else if total < SMALL_COUNT {
            Figure::FewerThanFive
        } else {
            Figure::AtLeast(shown.saturating_add(hidden).max(SMALL_COUNT))
        }
    }

    /// Whether the true count is hidden.
    pub fn is_hidden(self) -> bool {
        !matches!(self, Figure::Exact(_))
    }

    /// The value a chart draws: the count, the threshold for a hidden one, the bound for a sum.
    pub fn plotted(self) -> u64 {
        match self {
            Figure::Exact(count) | Figure::AtLeast(count) => count,
            Figure::FewerThanFive => SMALL_COUNT,
        }
    }

    /// Whether nothing was counted.
    pub fn is_zero(self) -> bool {
        self == Figure::Exact(0)
    }
}

impl fmt::Display for Figure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Figure::Exact(count) => write!(f, "{count}"),
            Figure::FewerThanFive => write!(f, "fewer than {SMALL_COUNT}"),
            Figure::AtLeast(count) => write!(f, "at least {count}"),
        }
    }
}

/// A report's 30-day figures, as the dashboard shows them.
#[derive(Debug, Clone)]
pub struct ReportFigures {
    report: AdoptionReport,
}

impl ReportFigures {
    /// One event over the 30 days.
    pub fn get(&self, event: Event) -> Figure {
        self.report.figure_of(|candidate| candidate == event)
    }

    /// Page views of every device class.
    pub fn views(&self) -> Figure {
        self.report
            .figure_of(|event| matches!(event, Event::View(_)))
    }

    /// "Done" confirmations of every device class.
    pub fn done(&self) -> Figure {
        self.report
            .figure_of(|event| matches!(event, Event::Done(_)))
    }

    /// Prerequisite failures of both kinds.
    pub fn prereq_failures(&self) -> Figure {
        self.report
            .figure_of(|event| matches!(event, Event::PrereqFail(_)))
    }

    /// Troubleshooting entries opened, all entries together.
    pub fn troubleshoot_opens(&self) -> Figure {
        self.report
            .figure_of(|event| matches!(event, Event::TroubleshootOpen(_)))
    }
}

/// `2024-05-01`.
pub fn iso_date(day: Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        day.year(),
        u8::from(day.month()),
        day.day()
    )
}

fn push_csv_row(csv: &mut String, fields: &[String]) {
    for (index, field) in fields.iter().enumerate() {
        if index > 0 {
            csv.push(',');
        }
        csv.push_str(&csv_field(field));
    }
    csv.push_str("\r\n");
}

/// A field quoted as RFC 4180 asks: inside quotes when it holds a comma, quote or line break,
/// with quotes doubled.
fn csv_field(field: &str) -> std::borrow::Cow<'_, str> {
    if field.contains([',', '"', '\r', '\n']) {
        std::borrow::Cow::Owned(format!("\"{}\"", field.replace('"', "\"\"")))
    } else {
        std::borrow::Cow::Borrowed(field)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

    use std::collections::BTreeSet;

    use time::macros::date;

    use super::*;
    use crate::config::SecurityInfoPages;
    use crate::device::ClientHints;
    use crate::domain::DomainName;
    use crate::profile::{Cloud, DomainStatus, NamespaceType, Signals, Tenant, TenantProfile};
    use crate::walkthrough::{Helpdesk, PasskeyPolicy, ShownDevice, TenantSettings, Walkthrough};

    fn profile() -> TenantProfile {
        TenantProfile {
            domain: DomainName::parse("contoso.com").unwrap(),
            status: DomainStatus::Entra,
            tenant: Some(Tenant {
                tenant_id: Uuid::nil(),
                display_name: Some("Contoso".to_owned()),
                cloud: Cloud::Public,
                region_scope: None,
                region_sub_scope: None,
            }),
            namespace_type: NamespaceType::Managed,
            federation: None,
            brandings: None,
            signals: Signals::default(),
            website_logo: None,
            brand_color: None,
            resolved_at: OffsetDateTime::UNIX_EPOCH,
        }
    }

    #[test]
    fn trouble_keys_are_exactly_the_walkthrough_entries() {
        let mut in_content = BTreeSet::new();
        let settings = [
            TenantSettings::default(),
            TenantSettings {
                passkey_policy: PasskeyPolicy::SyncedAllowed,
                helpdesk: Some(Helpdesk {
                    email: Some("it@contoso.com".into()),
                    ..Helpdesk::default()
                }),
                intro_message: None,
            },
        ];
        for settings in &settings {
            for kind in WalkthroughKind::ALL {
                let page = Walkthrough::build(
                    &profile(),
                    &ShownDevice::unknown(),
                    kind,
                    settings,
                    &SecurityInfoPages::default(),
                );
                in_content.extend(page.troubleshooting.iter().map(|trouble| trouble.id));
            }
        }
        let listed: BTreeSet<&str> = TROUBLE_KEYS.into_iter().collect();
        assert_eq!(listed, in_content);
        assert_eq!(listed.len(), TROUBLE_KEYS.len(), "no key listed twice");
    }

    #[test]
    fn trouble_keys_parse_only_known_entries() {
        let key: TroubleKey = "biometric_failed".parse().unwrap();
        assert_eq!(key.as_str(), "biometric_failed");
        for unknown in ["", "Biometric_failed", "biometric_failed ", "nope", "../x"] {
            assert_eq!(
                unknown.parse::<TroubleKey>(),
                Err(UnknownTroubleKey),
                "{unknown:?}"
            );
        }
    }

    #[test]
    fn events_have_distinct_columns_and_round_trip_through_storage() {
        let events: Vec<Event> = Event::all().collect();
        assert_eq!(events.len(), EVENT_COUNT);
        let columns: BTreeSet<usize> = events.iter().map(|event| event.column()).collect();
        assert_eq!(columns, (0..EVENT_COUNT).collect());
        for event in events {
            assert_eq!(
                Event::from_stored(event.metric().as_str(), event.dimension()),
                Some(event)
            );
        }
        let labels: BTreeSet<String> = Event::all().map(Event::label).collect();
        assert_eq!(
            labels.len(),
            EVENT_COUNT,
            "every label tells its event apart"
        );
        assert!(TroubleKey::all().all(|key| key.label() != key.as_str()));
        assert_eq!(Event::from_stored("view", "windows_phone"), None);
        assert_eq!(Event::from_stored("click", "ios"), None);
    }

    fn detect(user_agent: &str) -> Device {
        Device::detect(Some(user_agent), &ClientHints::NONE)
    }

    #[test]
    fn page_views_count_prerequisite_failures_from_the_device_verdict() {
        let old_iphone = detect(
            "Mozilla/5.0 (iPhone; CPU iPhone OS 16_7_10 like Mac OS X) AppleWebKit/605.1.15 \
             (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1",
        );
        assert_eq!(
            page_view_events(&old_iphone, WalkthroughKind::Ios),
            [
                Event::View(WalkthroughKind::Ios),
                Event::PrereqFail(PrereqFailure::OldOs)
            ]
        );
        let outlook_android = detect(
            "Mozilla/5.0 (Linux; Android 14; Pixel 8 Build/AP2A.240805.005; wv) \
             AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/127.0.6533.103 Mobile \
             Safari/537.36",
        );
        assert_eq!(
            page_view_events(&outlook_android, WalkthroughKind::Android),
            [
                Event::View(WalkthroughKind::Android),
                Event::PrereqFail(PrereqFailure::InAppBrowser)
            ]
        );
        let windows = detect(
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) \
             Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
        );
        // The visitor chose the iPhone tab on a computer: the view counts for what was shown.
        assert_eq!(
            page_view_events(&windows, WalkthroughKind::Ios),
            [Event::View(WalkthroughKind::Ios)]
        );
        let bot =
            detect("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)");
        assert!(bot.bot);
        assert!(page_view_events(&bot, WalkthroughKind::Desktop).is_empty());
    }

    #[test]
    fn report_fills_thirty_days_and_puts_counts_on_their_day() {
        let today = date!(2024 - 03 - 10);
        let report = AdoptionReport::from_counts(
            today,
            [
                (today, Event::View(WalkthroughKind::Ios), 3),
                (today, Event::View(WalkthroughKind::Ios), 2),
                (
                    date!(2024 - 02 - 10),
                    Event::Done(WalkthroughKind::Samsung),
                    1,
                ),
                // One day before the period, and one after: not in the report.
                (
                    date!(2024 - 02 - 09),
                    Event::View(WalkthroughKind::Android),
                    7,
                ),
                (
                    date!(2024 - 03 - 11),
                    Event::View(WalkthroughKind::Android),
                    7,
                ),
            ],
        );
        assert_eq!(report.days.len(), REPORT_DAYS);
        assert_eq!(report.days[0].day, date!(2024 - 02 - 10));
        assert_eq!(report.days[29].day, today);
        for pair in report.days.windows(2) {
            assert_eq!(pair[0].day.next_day(), Some(pair[1].day));
        }
        assert_eq!(
            report.days[29]
                .counts
                .get(Event::View(WalkthroughKind::Ios)),
            5
        );
        assert_eq!(
            report.days[0]
                .counts
                .get(Event::Done(WalkthroughKind::Samsung)),
            1
        );
        assert!(report.days[1..29].iter().all(|day| day.counts.is_empty()));
        assert_eq!(report.totals.views(), 5);
        assert_eq!(report.totals.done(), 1);
        assert_eq!(report.totals.get(Event::View(WalkthroughKind::Android)), 0);
    }

    #[test]
    fn csv_quotes_fields_as_rfc_4180_asks() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("two\nlines"), "\"two\nlines\"");
    }

    #[test]
    fn csv_has_a_header_and_one_row_per_day() {
        let today = date!(2024 - 01 - 05);
        let report = AdoptionReport::from_counts(
            today,
            [
                (today, Event::View(WalkthroughKind::Desktop), 14),
                (
                    today,
                    Event::TroubleshootOpen("in_app_browser".parse().unwrap()),
                    6,
                ),
            ],
        );
        let csv = report.to_csv();
        let lines: Vec<&str> = csv.split_terminator("\r\n").collect();
        assert_eq!(lines.len(), 1 + REPORT_DAYS);
        assert!(csv.ends_with("\r\n"));
        assert!(!csv.replace("\r\n", "").contains('\n'));
        assert_eq!(lines[1].split(',').next(), Some("2023-12-07"));
        let header: Vec<&str> = lines[0].split(',').collect();
        let last: Vec<&str> = lines[REPORT_DAYS].split(',').collect();
        let column = |name: &str| header.iter().position(|h| *h == name).unwrap();
        assert_eq!(last[0], "2024-01-05");
        assert_eq!(last[column("view_desktop")], "14");
        assert_eq!(last[column("troubleshoot_open_in_app_browser")], "6");
        assert_eq!(last[column("done_ios")], "0");
    }

    #[test]
    fn small_counts_are_hidden_and_sums_never_reveal_them() {
        assert_eq!(Figure::cell(0), Figure::Exact(0));
        for small in 1..5 {
            assert_eq!(Figure::cell(small), Figure::FewerThanFive);
        }
        assert_eq!(Figure::cell(5), Figure::Exact(5));
        assert_eq!(Figure::FewerThanFive.to_string(), "fewer than 5");
        // Sums of exact cells are exact.
        assert_eq!(Figure::sum([5, 0, 12]), Figure::Exact(17));
        // A sum with a hidden cell: 57 + 3 would reveal the 3 next to an exact 57.
        assert_eq!(Figure::sum([57, 3]), Figure::AtLeast(58));
        assert_eq!(Figure::AtLeast(58).to_string(), "at least 58");
        // Small sums of hidden cells stay hidden; larger ones are at least 5.
        assert_eq!(Figure::sum([1, 1]), Figure::FewerThanFive);
        assert_eq!(Figure::sum([4, 4]), Figure::AtLeast(5));
        assert_eq!(Figure::sum([1, 4]), Figure::AtLeast(5));
        assert_eq!(Figure::sum([]), Figure::Exact(0));
        assert_eq!(Figure::sum([0, 0]), Figure::Exact(0));
    }

    #[test]
    fn csv_and_figures_hide_counts_below_five() {
        let today = date!(2024 - 01 - 05);
        let yesterday = date!(2024 - 01 - 04);
        let report = AdoptionReport::from_counts(
            today,
            [
                (today, Event::View(WalkthroughKind::Ios), 12),
                (yesterday, Event::View(WalkthroughKind::Ios), 2),
                (today, Event::Done(WalkthroughKind::Ios), 1),
                (today, Event::View(WalkthroughKind::Android), 5),
            ],
        );
        let csv = report.to_csv();
        let lines: Vec<&str> = csv.split_terminator("\r\n").collect();
        let header: Vec<&str> = lines[0].split(',').collect();
        let column = |name: &str| header.iter().position(|h| *h == name).unwrap();
        let last: Vec<&str> = lines[REPORT_DAYS].split(',').collect();
        let before: Vec<&str> = lines[REPORT_DAYS - 1].split(',').collect();
        assert_eq!(last[column("view_ios")], "12");
        assert_eq!(last[column("done_ios")], "fewer than 5");
        assert_eq!(last[column("view_android")], "5");
        assert_eq!(before[column("view_ios")], "fewer than 5");
        assert!(!csv.contains(",1,") && !csv.contains(",2,") && !csv.contains(",1\r"));
        let figures = report.figures();
        assert_eq!(
            figures.get(Event::View(WalkthroughKind::Ios)),
            Figure::AtLeast(13)
        );
        assert_eq!(
            figures.get(Event::View(WalkthroughKind::Android)),
            Figure::Exact(5)
        );
        assert_eq!(figures.views(), Figure::AtLeast(18));
        assert_eq!(figures.done(), Figure::FewerThanFive);
        assert_eq!(figures.prereq_failures(), Figure::Exact(0));
    }

    #[test]
    fn iso_dates_are_zero_padded() {
        assert_eq!(iso_date(date!(0987 - 01 - 02)), "0987-01-02");
        assert_eq!(iso_date(date!(2024 - 12 - 31)), "2024-12-31");
    }
}
