//! `SHOW STATS`, `SHOW STATS_TOTALS`, `SHOW STATS_AVERAGES` and `SHOW TOTALS`: traffic
//! per database (the pools of its users together), PgBouncer's columns and units. The
//! averages are PgBouncer's: over the last one or two `stats_period`s, counts and bytes
//! per second, transaction and query times per transaction and per query, wait time
//! per second (microseconds).

use std::time::Instant;

use super::{Column, ShowCommand, Type::*};
use crate::pool::Totals;
use crate::Shared;

/// Totals and averages of each database, in the order pools are listed.
fn by_database(shared: &Shared) -> Vec<(String, Totals, Totals)> {
    let now = Instant::now();
    let mut rows: Vec<(String, Totals, Totals, Option<Instant>)> = Vec::new();
    for pool in shared.pools.all().iter() {
        let index = match rows.iter().position(|r| r.0 == pool.database) {
            Some(i) => i,
            None => {
                rows.push((
                    pool.database.clone(),
                    Totals::default(),
                    Totals::default(),
                    None,
                ));
                rows.len() - 1
            }
        };
        let row = &mut rows[index];
        row.1 += pool.stats.totals();
        if let Some((since, base)) = pool.stats.period_base() {
            row.2 += base;
            row.3 = Some(row.3.map_or(since, |s| s.min(since)));
        }
    }
    rows.into_iter()
        .map(|(db, totals, base, since)| {
            let elapsed = since
                .map(|s| now.saturating_duration_since(s))
                .unwrap_or_default();
            let averages = totals.averages_since(&base, elapsed);
            (db, totals, averages)
        })
        .collect()
}

fn figures(t: &Totals) -> [u64; 7] {
    [
        t.xact_count,
        t.query_count,
        t.received,
        t.sent,
        t.xact_time,
        t.query_time,
        t.wait_time,
    ]
}

fn row(database: &str, parts: &[&Totals]) -> Vec<String> {
    std::iter::once(database.to_owned())
        .chain(parts.iter().flat_map(|t| figures(t)).map(|v| v.to_string()))
        .collect()
}

/// `SHOW STATS`: totals since start and averages.
pub struct Stats;

impl ShowCommand for Stats {
    fn name(&self) -> &'static str {
        "STATS"
    }

    fn columns(&self) -> &'static [Column] {
        &[
            ("database", Text),
            ("total_xact_count", Numeric),
            ("total_query_count", Numeric),
            ("total_received", Numeric),
            ("total_sent", Numeric),
            ("total_xact_time", Numeric),
            ("total_query_time", Numeric),
            ("total_wait_time", Numeric),
            ("avg_xact_count", Numeric),
            ("avg_query_count", Numeric),
            ("avg_recv", Numeric),
            ("avg_sent", Numeric),
            ("avg_xact_time", Numeric),
            ("avg_query_time", Numeric),
            ("avg_wait_time", Numeric),
        ]
    }

    fn rows(&self, shared: &Shared) -> Vec<Vec<String>> {
        by_database(shared)
            .iter()
            .map(|(db, totals, averages)| row(db, &[totals, averages]))
            .collect()
    }
}

const PER_DATABASE: &[Column] = &[
    ("database", Text),
    ("xact_count", Numeric),
    ("query_count", Numeric),
    ("bytes_received", Numeric),
    ("bytes_sent", Numeric),
    ("xact_time", Numeric),
    ("query_time", Numeric),
    ("wait_time", Numeric),
];

/// `SHOW STATS_TOTALS`: the totals of `SHOW STATS`.
pub struct StatsTotals;

impl ShowCommand for StatsTotals {
    fn name(&self) -> &'static str {
        "STATS_TOTALS"
    }

    fn columns(&self) -> &'static [Column] {
        PER_DATABASE
    }

    fn rows(&self, shared: &Shared) -> Vec<Vec<String>> {
        by_database(shared)
            .iter()
            .map(|(db, totals, _)| row(db, &[totals]))
            .collect()
    }
}

/// `SHOW STATS_AVERAGES`: the averages of `SHOW STATS`.
pub struct StatsAverages;

impl ShowCommand for StatsAverages {
    fn name(&self) -> &'static str {
        "STATS_AVERAGES"
    }

    fn columns(&self) -> &'static [Column] {
        PER_DATABASE
    }

    fn rows(&self, shared: &Shared) -> Vec<Vec<String>> {
        by_database(shared)
            .iter()
            .map(|(db, _, averages)| row(db, &[averages]))
            .collect()
    }
}

/// `SHOW TOTALS`: `SHOW STATS` over all databases, one row per figure.
pub struct ShowTotals;

impl ShowCommand for ShowTotals {
    fn name(&self) -> &'static str {
        "TOTALS"
    }

    fn columns(&self) -> &'static [Column] {
        &[("name", Text), ("value", Numeric)]
    }

    fn rows(&self, shared: &Shared) -> Vec<Vec<String>> {
        const NAMES: [&str; 7] = [
            "xact_count",
            "query_count",
            "client_bytes",
            "server_bytes",
            "xact_time",
            "query_time",
            "wait_time",
        ];
        let mut totals = Totals::default();
        let mut averages = Totals::default();
        let rows = by_database(shared);
        for (_, t, _) in &rows {
            totals += *t;
        }
        // Rates add up across databases; times per transaction and per query are
        // weighted by each database's rate.
        let (mut xacts, mut queries) = (0u128, 0u128);
        for (_, _, a) in &rows {
            averages.xact_count += a.xact_count;
            averages.query_count += a.query_count;
            averages.received += a.received;
            averages.sent += a.sent;
            averages.wait_time += a.wait_time;
            xacts += u128::from(a.xact_time) * u128::from(a.xact_count);
            queries += u128::from(a.query_time) * u128::from(a.query_count);
        }
        let weighted = |sum: u128, n: u64| {
            u64::try_from(sum.checked_div(u128::from(n)).unwrap_or(0)).unwrap_or(u64::MAX)
        };
        averages.xact_time = weighted(xacts, averages.xact_count);
        averages.query_time = weighted(queries, averages.query_count);
        let named = |prefix: &str, t: &Totals| {
            NAMES
                .iter()
                .zip(figures(t))
                .map(|(n, v)| vec![format!("{prefix}_{n}"), v.to_string()])
                .collect::<Vec<_>>()
        };
        let mut out = named("total", &totals);
        out.extend(named("avg", &averages));
        out
    }
}
