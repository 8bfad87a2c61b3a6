//! What awaits people: how many entries, nominations, decisions and difficulty threads are
//! at each step, in a reader's scope (issue 15: the home page and the navigation's counters).
//! Counts only, from a few grouped queries over small tables; the app says whose turn each is.

use crate::sql::params;
use crate::{Result, Store};
use thidua_domain::entry::EntryState;
use thidua_domain::nomination::NominationState;

/// Counts in one scope: a unit (its own rows; its communes' nominations waiting for it) or
/// the province (every row).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    pub entries: Vec<(EntryState, i64)>,
    /// Sent entries the unit's head has not signed off.
    pub unsigned: i64,
    pub nominations: Vec<(NominationState, i64)>,
    /// Nominations of the units directly below waiting for this unit to propose them.
    pub to_propose: i64,
    /// Approved nominations no recorded decision holds yet.
    pub undecided: i64,
    /// Recorded decisions not yet published.
    pub unpublished_decisions: i64,
    /// Difficulty threads by state code.
    pub threads: Vec<(String, i64)>,
}

impl Counts {
    pub fn entries_in(&self, s: EntryState) -> i64 {
        self.entries.iter().find(|(x, _)| *x == s).map_or(0, |(_, n)| *n)
    }
    pub fn nominations_in(&self, s: NominationState) -> i64 {
        self.nominations
            .iter()
            .find(|(x, _)| *x == s)
            .map_or(0, |(_, n)| *n)
    }
    pub fn threads_in(&self, state: &str) -> i64 {
        self.threads
            .iter()
            .find(|(x, _)| x == state)
            .map_or(0, |(_, n)| *n)
    }
}

impl Store {
    /// The counts of `unit_id`'s scope, or of the province when None.
    pub fn agenda_counts(&self, unit_id: Option<i64>) -> Result<Counts> {
        let mut c = Counts::default();
        let entries = self.grouped(
            "SELECT state, count(*), sum(CASE WHEN state = 'da_gui' AND signed_by IS NULL THEN 1 ELSE 0 END) FROM entries
             WHERE CAST(?1 AS BIGINT) IS NULL OR unit_id = ?1 GROUP BY state",
            unit_id,
        )?;
        for (state, n, unsigned) in entries {
            c.unsigned += unsigned;
            c.entries.extend(EntryState::from_code(&state).map(|s| (s, n)));
        }
        let nominations = self.grouped(
            "SELECT state, count(*), sum(CASE WHEN state = 'da_phe_duyet' AND decision_id IS NULL THEN 1 ELSE 0 END) FROM nominations
             WHERE CAST(?1 AS BIGINT) IS NULL OR unit_id = ?1 GROUP BY state",
            unit_id,
        )?;
        for (state, n, undecided) in nominations {
            c.undecided += undecided;
            c.nominations
                .extend(NominationState::from_code(&state).map(|s| (s, n)));
        }
        if let Some(id) = unit_id {
            c.to_propose = self.conn.query_row(
                "SELECT count(*) FROM nominations n JOIN units u ON u.id = n.unit_id
                 WHERE n.state = 'cho_cap_trinh' AND u.parent_code = (SELECT code FROM units WHERE id = ?1)",
                [id],
                |r| r.get(0),
            )?;
        } else {
            c.unpublished_decisions = self.conn.query_row(
                "SELECT count(*) FROM decisions WHERE published_at IS NULL",
                (),
                |r| r.get(0),
            )?;
        }
        c.threads = self
            .grouped(
                "SELECT state, count(*), 0 FROM threads WHERE CAST(?1 AS BIGINT) IS NULL OR unit_id = ?1 GROUP BY state",
                unit_id,
            )?
            .into_iter()
            .map(|(state, n, _)| (state, n))
            .collect();
        Ok(c)
    }

    /// Rows of (state, count, a sum of a condition) from a query grouped by state, in a scope.
    fn grouped(&self, sql: &str, unit_id: Option<i64>) -> Result<Vec<(String, i64, i64)>> {
        let mut st = self.conn.prepare_cached(sql)?;
        let rows = st.query_map(params![unit_id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get::<_, Option<i64>>(2)?.unwrap_or(0)))
        })?;
        rows.collect::<Result<_>>()
    }
}
