//! The office's verification queue at a year's volume (issue 15): entries paged, filtered
//! and sorted in the database; many verified at once, all or none; the next waiting entry
//! after an action; a verification taken back with a reason.

use crate::audit::Actor;
use crate::sql::{params, OptionalExtension};
use crate::workflow::{entry_in, entry_row, frozen_entry, move_entry, review_in, EntryRecord, ENTRY_COLUMNS};
use crate::{refused, Result, Store};
use thidua_domain::entry::EntryState;

/// How a page of the queue is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EntrySort {
    /// Waiting longest first (the queue's own order).
    #[default]
    Oldest,
    Newest,
    Unit,
    Indicator,
    Period,
}

impl EntrySort {
    pub const ALL: [EntrySort; 5] = [
        EntrySort::Oldest,
        EntrySort::Newest,
        EntrySort::Unit,
        EntrySort::Indicator,
        EntrySort::Period,
    ];
    pub fn code(self) -> &'static str {
        match self {
            EntrySort::Oldest => "cu_nhat",
            EntrySort::Newest => "moi_nhat",
            EntrySort::Unit => "don_vi",
            EntrySort::Indicator => "chi_tieu",
            EntrySort::Period => "ky",
        }
    }
    pub fn vi(self) -> &'static str {
        match self {
            EntrySort::Oldest => "Chờ lâu nhất trước",
            EntrySort::Newest => "Mới cập nhật trước",
            EntrySort::Unit => "Theo đơn vị",
            EntrySort::Indicator => "Theo chỉ tiêu",
            EntrySort::Period => "Theo kỳ",
        }
    }
    pub fn parse(s: &str) -> Option<EntrySort> {
        EntrySort::ALL.into_iter().find(|x| x.code() == s)
    }
    fn order_by(self) -> &'static str {
        match self {
            EntrySort::Oldest => "e.updated_at, e.id",
            EntrySort::Newest => "e.updated_at DESC, e.id DESC",
            EntrySort::Unit => "u.name, e.indicator, e.period, e.id",
            EntrySort::Indicator => "e.indicator, u.name, e.period, e.id",
            EntrySort::Period => "e.period, u.name, e.indicator, e.id",
        }
    }
}

/// What the queue shows: the reader's scope (`unit_id`: that unit and the units directly
/// below it — a district's communes; None for the office) and the filters people choose,
/// each None for all.
#[derive(Debug, Clone, Default)]
pub struct EntryQuery {
    pub unit_id: Option<i64>,
    pub state: Option<EntryState>,
    pub unit_code: Option<String>,
    pub tier: Option<String>,
    pub indicator: Option<String>,
    pub period: Option<String>,
    pub sort: EntrySort,
    /// 1-based page of `per_page` rows.
    pub page: i64,
    pub per_page: i64,
}

const QUERY_WHERE: &str = "WHERE (CAST(?1 AS BIGINT) IS NULL OR e.unit_id = ?1
           OR u.parent_code = (SELECT p.code FROM units p WHERE p.id = ?1)) AND (CAST(?2 AS TEXT) IS NULL OR e.state = ?2)
       AND (CAST(?3 AS TEXT) IS NULL OR u.code = ?3) AND (CAST(?4 AS TEXT) IS NULL OR u.tier = ?4)
       AND (CAST(?5 AS TEXT) IS NULL OR e.indicator = ?5) AND (CAST(?6 AS TEXT) IS NULL OR e.period = ?6)";

impl Store {
    /// One page of the entries the query selects, and how many it selects in all.
    pub fn entry_page(&self, q: &EntryQuery) -> Result<(Vec<EntryRecord>, i64)> {
        let args = params![
            q.unit_id,
            q.state.map(|s| s.code()),
            q.unit_code,
            q.tier,
            q.indicator,
            q.period
        ];
        let total: i64 = self.conn.query_row(
            &format!("SELECT count(*) FROM entries e JOIN units u ON u.id = e.unit_id {QUERY_WHERE}"),
            args,
            |r| r.get(0),
        )?;
        let per_page = q.per_page.clamp(1, 500);
        let offset = (q.page.max(1) - 1) * per_page;
        let mut st = self.conn.prepare_cached(&format!(
            "SELECT {ENTRY_COLUMNS} {QUERY_WHERE} ORDER BY {} LIMIT {per_page} OFFSET {offset}",
            q.sort.order_by()
        ))?;
        let rows = st.query_map(args, entry_row)?;
        Ok((rows.collect::<Result<_>>()?, total))
    }

    /// The periods entries exist for (newest first), for the queue's filter.
    pub fn entry_periods(&self) -> Result<Vec<String>> {
        let mut st = self
            .conn
            .prepare_cached("SELECT DISTINCT period FROM entries ORDER BY period DESC")?;
        let rows = st.query_map((), |r| r.get(0))?;
        rows.collect::<Result<_>>()
    }

    /// The first entry waiting for the office (in the queue's order) other than `after`:
    /// where the office goes after deciding on one.
    pub fn next_waiting_entry(&self, after: i64) -> Result<Option<i64>> {
        self.conn
            .query_row(
                "SELECT id FROM entries WHERE state = ?1 AND id != ?2 ORDER BY updated_at, id LIMIT 1",
                params![EntryState::DaGui.code(), after],
                |r| r.get(0),
            )
            .optional()
    }

    /// Verifies every entry of `ids` in one transaction: all of them, or none (the first
    /// that cannot be verified is named). Each is audited as a verification of its own.
    pub fn verify_entries(&mut self, actor: &Actor, ids: &[i64]) -> Result<usize> {
        if ids.is_empty() {
            return Err(refused(
                "chưa chọn số liệu nào để xác nhận",
                "no entry was chosen",
            ));
        }
        let tx = self.conn.write_tx()?;
        for &id in ids {
            if let Err(e) = review_in(&tx, actor, id, EntryState::DaXacNhan, "") {
                let which = entry_in(&tx, id)
                    .map(|e| {
                        format!(
                            "{} — {} — {}",
                            e.unit_name,
                            e.indicator,
                            crate::workflow::period_vi(&e.period)
                        )
                    })
                    .unwrap_or_else(|_| format!("số {id}"));
                return Err(match e {
                    crate::StoreError::Refused(m) => refused(
                        format!(
                            "không xác nhận được số liệu {which}: {}; chưa số liệu nào được xác nhận",
                            m.vi
                        ),
                        format!("entry {id} cannot be verified: {}; none was verified", m.en),
                    ),
                    other => other,
                });
            }
        }
        tx.commit()?;
        Ok(ids.len())
    }

    /// The office takes back a verification (a mistake, new facts): the entry waits for
    /// the office again, with the reason in its history and the audit log. Refused in a
    /// frozen year like every change of its figures.
    pub fn reopen_verification(&mut self, actor: &Actor, id: i64, reason: &str) -> Result<()> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(refused(
                "cần ghi lý do mở lại xác nhận",
                "taking back a verification needs a reason",
            ));
        }
        let tx = self.conn.write_tx()?;
        let before = entry_in(&tx, id)?;
        frozen_entry(&tx, &before)?;
        if before.state != EntryState::DaXacNhan {
            return Err(refused(
                "chỉ mở lại được số liệu đã xác nhận",
                "only a verified entry can be reopened",
            ));
        }
        move_entry(&tx, actor, &before, EntryState::DaGui, reason, "mo_lai_xac_nhan")?;
        tx.commit()?;
        Ok(())
    }
}
