//! Entered values on the web: a unit saves a draft or submits, the movement office verifies
//! or returns it with a reason, the unit resubmits. Every step writes the entry's history
//! and the audit log in one transaction; evidence files are recorded with the step that
//! brought them.
//!
//! Value checks are the import's own (`parse_row` over a one-row values table), so a value
//! typed on screen obeys exactly the rules of a values file.
//!
//! Just over ~500 lines: the entry's states move together (save, submit, verify, return,
//! sign off), each in one transaction with its history and audit record.

use crate::audit::{record, Actor};
use crate::sql::{params, Conn, OptionalExtension, Row};
use crate::{locks, now, refused, Result, Store, StoreError};
use serde_json::json;
use thidua_domain::entry::{EntryState, EntryValue, Period};
use thidua_ingest::rows::{parse_row, Record, ValueRow};
use thidua_ingest::table::Cell;
use thidua_ingest::{Columns, ImportKind, RowError};

#[derive(Debug, Clone, PartialEq)]
pub struct EntryRecord {
    pub id: i64,
    pub unit_id: i64,
    pub unit_code: String,
    pub unit_name: String,
    pub indicator: String,
    pub period: String,
    pub kind: String,
    pub numerator: Option<String>,
    pub denominator: Option<String>,
    pub value: Option<i64>,
    pub note: String,
    pub state: EntryState,
    pub reason: String,
    pub updated_at: i64,
    pub updated_by: String,
    pub attachments: i64,
    /// The unit head who signed the submission off, and when.
    pub signed_by: Option<String>,
    pub signed_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct HistoryRecord {
    pub numerator: Option<String>,
    pub denominator: Option<String>,
    pub value: Option<i64>,
    pub note: String,
    pub state: String,
    pub reason: String,
    pub changed_at: i64,
    pub changed_by: String,
    pub import_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub id: i64,
    pub entry_id: i64,
    pub stored_name: String,
    pub file_name: String,
    pub media_type: String,
    pub size: i64,
    pub uploaded_at: i64,
    pub uploaded_by: String,
}

/// A file already written to disk under `stored_name` (evidence, a nomination's document).
#[derive(Debug, Clone)]
pub struct NewAttachment {
    pub stored_name: String,
    pub file_name: String,
    pub media_type: String,
    pub size: i64,
}

impl NewAttachment {
    pub fn new(
        stored_name: impl Into<String>,
        file_name: impl Into<String>,
        media_type: impl Into<String>,
        size: i64,
    ) -> NewAttachment {
        NewAttachment {
            stored_name: stored_name.into(),
            file_name: file_name.into(),
            media_type: media_type.into(),
            size,
        }
    }
}

/// What a unit typed: the columns of a values file, as text.
#[derive(Debug, Clone, Default)]
pub struct ValueForm {
    pub unit: String,
    pub indicator: String,
    pub period: String,
    pub numerator: String,
    pub denominator: String,
    pub value: String,
    pub note: String,
}

#[derive(Debug, Clone, Default)]
pub struct EntryFilter {
    pub unit_id: Option<i64>,
    pub state: Option<EntryState>,
    pub indicator: Option<String>,
}

pub(crate) const ENTRY_COLUMNS: &str =
    "e.id, e.unit_id, u.code, u.name, e.indicator, e.period, e.kind, e.numerator, e.denominator, e.value,
       e.note, e.state, e.reason, e.updated_at, e.updated_by,
       (SELECT count(*) FROM attachments a WHERE a.entry_id = e.id), e.signed_by, e.signed_at
     FROM entries e JOIN units u ON u.id = e.unit_id";

pub(crate) fn entry_row(r: &Row) -> Result<EntryRecord> {
    let state: String = r.get(11)?;
    Ok(EntryRecord {
        id: r.get(0)?,
        unit_id: r.get(1)?,
        unit_code: r.get(2)?,
        unit_name: r.get(3)?,
        indicator: r.get(4)?,
        period: r.get(5)?,
        kind: r.get(6)?,
        numerator: r.get(7)?,
        denominator: r.get(8)?,
        value: r.get(9)?,
        note: r.get(10)?,
        state: EntryState::parse(&state).unwrap_or(EntryState::Nhap),
        reason: r.get(12)?,
        updated_at: r.get(13)?,
        updated_by: r.get(14)?,
        attachments: r.get(15)?,
        signed_by: r.get(16)?,
        signed_at: r.get(17)?,
    })
}

fn attachment_row(r: &Row) -> Result<Attachment> {
    Ok(Attachment {
        id: r.get(0)?,
        entry_id: r.get(1)?,
        stored_name: r.get(2)?,
        file_name: r.get(3)?,
        media_type: r.get(4)?,
        size: r.get(5)?,
        uploaded_at: r.get(6)?,
        uploaded_by: r.get(7)?,
    })
}

pub(crate) fn entry_json(e: &EntryRecord) -> serde_json::Value {
    json!({
        "unit": e.unit_code, "indicator": e.indicator, "period": e.period, "numerator": e.numerator,
        "denominator": e.denominator, "value": e.value, "note": e.note, "state": e.state.code(), "reason": e.reason
    })
}

/// A new version of an entry, by (unit, indicator, period): the value, note and state
/// change, a return's reason and the head's sign-off are cleared. Used by the web and the
/// values import alike.
pub(crate) const UPSERT_ENTRY: &str = "INSERT INTO entries (unit_id, indicator, period, kind, numerator, denominator, value, note, state, reason, updated_at, updated_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, '', ?10, ?11)
             ON CONFLICT (unit_id, indicator, period) DO UPDATE SET kind = excluded.kind, numerator = excluded.numerator,
               denominator = excluded.denominator, value = excluded.value, note = excluded.note, state = excluded.state,
               reason = '', updated_at = excluded.updated_at, updated_by = excluded.updated_by,
               signed_by = NULL, signed_at = NULL
             RETURNING id";

/// An entry value as the entries table keeps it: kind, numerator, denominator, value.
pub(crate) fn value_columns(v: &EntryValue) -> (&'static str, Option<String>, Option<String>, Option<i64>) {
    match *v {
        EntryValue::Ratio { num, den } => ("ratio", Some(num.plain()), Some(den.plain()), None),
        EntryValue::Count(n) => ("count", None, None, Some(n)),
        EntryValue::Bool(b) => ("boolean", None, None, Some(b as i64)),
    }
}

impl Store {
    /// Checks a typed value with the import's rules; errors name the form's fields.
    pub fn check_value(&self, f: &ValueForm) -> Result<std::result::Result<ValueRow, Vec<RowError>>> {
        let headers: Vec<String> = [
            "ma_don_vi",
            "ma_chi_tieu",
            "ky",
            "tu_so",
            "mau_so",
            "gia_tri",
            "ghi_chu",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let cols = Columns::map(ImportKind::Values, &headers).expect("the canonical headers map");
        let texts = [
            &f.unit,
            &f.indicator,
            &f.period,
            &f.numerator,
            &f.denominator,
            &f.value,
            &f.note,
        ];
        let cells: Vec<Cell> = texts
            .iter()
            .map(|t| {
                if t.trim().is_empty() {
                    Cell::Empty
                } else {
                    Cell::Text(t.trim())
                }
            })
            .collect();
        let lookup = self.lookup()?;
        Ok(match parse_row(&cols, &cells, 1, &lookup) {
            Ok(Record::Value(v)) => Ok(v),
            Ok(_) => unreachable!("a values table gives value records"),
            Err(errs) => Err(errs),
        })
    }

    pub fn entry(&self, id: i64) -> Result<Option<EntryRecord>> {
        self.conn
            .query_row(
                &format!("SELECT {ENTRY_COLUMNS} WHERE e.id = ?1"),
                [id],
                entry_row,
            )
            .optional()
    }

    pub fn entry_by_key(&self, unit_id: i64, indicator: &str, period: &str) -> Result<Option<EntryRecord>> {
        self.conn
            .query_row(
                &format!(
                    "SELECT {ENTRY_COLUMNS} WHERE e.unit_id = ?1 AND e.indicator = ?2 AND e.period = ?3"
                ),
                params![unit_id, indicator, period],
                entry_row,
            )
            .optional()
    }

    /// Entries matching the filter, oldest change first for a queue, by unit otherwise.
    pub fn entry_list(&self, f: &EntryFilter) -> Result<Vec<EntryRecord>> {
        let mut st = self.conn.prepare_cached(&format!(
            "SELECT {ENTRY_COLUMNS}
             WHERE (CAST(?1 AS BIGINT) IS NULL OR e.unit_id = ?1) AND (CAST(?2 AS TEXT) IS NULL OR e.state = ?2) AND (CAST(?3 AS TEXT) IS NULL OR e.indicator = ?3)
             ORDER BY CASE WHEN CAST(?2 AS TEXT) IS NULL THEN u.code ELSE '' END, e.updated_at, e.id"
        ))?;
        let rows = st.query_map(
            params![f.unit_id, f.state.map(|s| s.code()), f.indicator],
            entry_row,
        )?;
        rows.collect::<Result<_>>()
    }

    pub fn entry_history(&self, entry_id: i64) -> Result<Vec<HistoryRecord>> {
        let mut st = self.conn.prepare_cached(
            "SELECT numerator, denominator, value, note, state, reason, changed_at, changed_by, import_id
             FROM entry_history WHERE entry_id = ?1 ORDER BY id",
        )?;
        let rows = st.query_map([entry_id], |r| {
            Ok(HistoryRecord {
                numerator: r.get(0)?,
                denominator: r.get(1)?,
                value: r.get(2)?,
                note: r.get(3)?,
                state: r.get(4)?,
                reason: r.get(5)?,
                changed_at: r.get(6)?,
                changed_by: r.get(7)?,
                import_id: r.get(8)?,
            })
        })?;
        rows.collect::<Result<_>>()
    }

    pub fn attachments(&self, entry_id: i64) -> Result<Vec<Attachment>> {
        let mut st = self.conn.prepare_cached(
            "SELECT id, entry_id, stored_name, file_name, media_type, size, uploaded_at, uploaded_by
             FROM attachments WHERE entry_id = ?1 ORDER BY id",
        )?;
        let rows = st.query_map([entry_id], attachment_row)?;
        rows.collect::<Result<_>>()
    }

    pub fn attachment(&self, id: i64) -> Result<Option<Attachment>> {
        self
            .conn
            .query_row(
                "SELECT id, entry_id, stored_name, file_name, media_type, size, uploaded_at, uploaded_by FROM attachments WHERE id = ?1",
                [id],
                attachment_row,
            )
            .optional()
    }

    /// A unit saves (`submit = false`, state `nhap`) or submits (`da_gui`) a checked value
    /// with its new evidence files. Refused while the entry waits for the office or after
    /// it was verified.
    pub fn save_entry(
        &mut self,
        actor: &Actor,
        v: &ValueRow,
        submit: bool,
        files: &[NewAttachment],
    ) -> Result<i64> {
        let unit = self.unit(&v.unit)?.ok_or_else(|| {
            refused(
                format!("không có đơn vị mã «{}»", v.unit),
                format!("unknown unit '{}'", v.unit),
            )
        })?;
        let period = v.period.code();
        let plans = self.plans()?;
        // The state is read under the write lock: a verification cannot slip in between.
        let tx = self.conn.write_tx()?;
        if let Some(m) = locks::frozen_refusal(&locks::frozen_on(&tx)?, v.period) {
            return Err(StoreError::Refused(m));
        }
        // A unit is bound by the period's deadline unless the office reopened it.
        let (window, _) = locks::window_on(&tx, &plans, unit.id, &v.indicator, v.period, locks::today())?;
        if let Some(m) = window.refusal(v.period) {
            return Err(StoreError::Refused(m));
        }
        locks::check_overlap(&tx, unit.id, &v.indicator, v.period)?;
        let before = tx
            .query_row(
                &format!(
                    "SELECT {ENTRY_COLUMNS} WHERE e.unit_id = ?1 AND e.indicator = ?2 AND e.period = ?3"
                ),
                params![unit.id, v.indicator, period],
                entry_row,
            )
            .optional()?;
        if let Some(s) = before.as_ref().map(|e| e.state).filter(|s| !s.unit_may_change()) {
            return Err(if s == EntryState::DaGui {
                refused(
                    "số liệu đã gửi, đang chờ Sở Nội vụ xác nhận; chưa sửa được",
                    "the entry is submitted and waits for the office",
                )
            } else {
                refused(
                    "số liệu đã được xác nhận, không sửa được nữa",
                    "the entry is verified and can no longer change",
                )
            });
        }
        let state = if submit {
            EntryState::DaGui
        } else {
            EntryState::Nhap
        };
        let (kind, num, den, val) = value_columns(&v.value);
        let at = now();
        let id: i64 = tx.query_row(
            UPSERT_ENTRY,
            params![
                unit.id,
                v.indicator,
                period,
                kind,
                num,
                den,
                val,
                v.note,
                state.code(),
                at,
                actor.username
            ],
            |r| r.get(0),
        )?;
        tx.execute(
            "INSERT INTO entry_history (entry_id, numerator, denominator, value, note, state, changed_at, changed_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![id, num, den, val, v.note, state.code(), at, actor.username],
        )?;
        for f in files {
            tx.execute(
                "INSERT INTO attachments (entry_id, stored_name, file_name, media_type, size, uploaded_at, uploaded_by)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![id, f.stored_name, f.file_name, f.media_type, f.size, at, actor.username],
            )?;
        }
        let after = json!({
            "unit": v.unit, "indicator": v.indicator, "period": period, "numerator": num, "denominator": den,
            "value": val, "note": v.note, "state": state.code(),
            "files": files.iter().map(|f| f.file_name.as_str()).collect::<Vec<_>>()
        });
        let mut after = after;
        if let thidua_domain::entry::Window::Reopened { deadline, until } = window {
            after["tre_han"] = json!({"han": deadline.iso(), "mo_lai_den": until.iso()});
        }
        let action = if submit { "gui_so_lieu" } else { "luu_nhap_so_lieu" };
        record(
            &tx,
            actor,
            action,
            "entry",
            &id.to_string(),
            before.as_ref().map(entry_json).as_ref(),
            Some(&after),
        )?;
        tx.commit()?;
        Ok(id)
    }

    /// The unit's head signs off a submitted entry (the office sees it; a change clears it).
    pub fn sign_off_entry(&mut self, actor: &Actor, id: i64) -> Result<()> {
        let tx = self.conn.write_tx()?;
        let before = entry_in(&tx, id)?;
        frozen_entry(&tx, &before)?;
        if before.state != EntryState::DaGui {
            return Err(refused(
                "chỉ ký duyệt được số liệu đã gửi, đang chờ xác nhận",
                "only a submitted entry can be signed off",
            ));
        }
        if before.signed_by.is_some() {
            return Err(refused(
                "số liệu đã được ký duyệt",
                "the entry is already signed off",
            ));
        }
        tx.execute(
            "UPDATE entries SET signed_by = ?1, signed_at = ?2 WHERE id = ?3",
            params![actor.username, now(), id],
        )?;
        let mut after = entry_json(&before);
        after["signed_by"] = json!(actor.username);
        record(
            &tx,
            actor,
            "ky_duyet_so_lieu",
            "entry",
            &id.to_string(),
            Some(&entry_json(&before)),
            Some(&after),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The unit deletes a draft it never sent (state `nhap`, no `da_gui` in its history),
    /// with its evidence records and history; the audit log keeps what it held. Returns the
    /// stored names of its evidence files, for the caller to remove after the commit.
    pub fn delete_draft_entry(&mut self, actor: &Actor, id: i64) -> Result<Vec<String>> {
        let tx = self.conn.write_tx()?;
        let before = entry_in(&tx, id)?;
        frozen_entry(&tx, &before)?;
        let sent: bool = tx.query_row(
            "SELECT count(*) > 0 FROM entry_history WHERE entry_id = ?1 AND state <> ?2",
            params![id, EntryState::Nhap.code()],
            |r| r.get(0),
        )?;
        if before.state != EntryState::Nhap || sent {
            return Err(refused(
                "chỉ xóa được số liệu nháp chưa từng gửi; số liệu đã gửi được giữ lại cùng lịch sử của nó",
                "only a draft never sent can be deleted",
            ));
        }
        let files: Vec<String> = {
            let mut st = tx.prepare_cached("SELECT stored_name FROM attachments WHERE entry_id = ?1")?;

            st.query_map([id], |r| r.get(0))?.collect::<Result<_>>()?
        };
        tx.execute("DELETE FROM attachments WHERE entry_id = ?1", [id])?;
        tx.execute("DELETE FROM entry_history WHERE entry_id = ?1", [id])?;
        tx.execute("DELETE FROM entries WHERE id = ?1", [id])?;
        let mut was = entry_json(&before);
        was["files"] = json!(files.len());
        record(
            &tx,
            actor,
            "xoa_nhap_so_lieu",
            "entry",
            &id.to_string(),
            Some(&was),
            None,
        )?;
        tx.commit()?;
        Ok(files)
    }

    /// The office verifies a submitted entry.
    pub fn verify_entry(&mut self, actor: &Actor, id: i64) -> Result<()> {
        self.review_entry(actor, id, EntryState::DaXacNhan, "")
    }

    /// The office returns a submitted entry with a reason the unit will see.
    pub fn return_entry(&mut self, actor: &Actor, id: i64, reason: &str) -> Result<()> {
        if reason.trim().is_empty() {
            return Err(refused("cần ghi lý do trả lại", "a return needs a reason"));
        }
        self.review_entry(actor, id, EntryState::TraLai, reason.trim())
    }

    fn review_entry(&mut self, actor: &Actor, id: i64, to: EntryState, reason: &str) -> Result<()> {
        let tx = self.conn.write_tx()?;
        review_in(&tx, actor, id, to, reason)?;
        tx.commit()?;
        Ok(())
    }
}

/// The office's decision on one submitted entry, inside the caller's write transaction
/// (one entry, or every entry of a bulk verification).
pub(crate) fn review_in(tx: &Conn, actor: &Actor, id: i64, to: EntryState, reason: &str) -> Result<()> {
    let before = entry_in(tx, id)?;
    frozen_entry(tx, &before)?;
    if before.state != EntryState::DaGui {
        return Err(refused(
            "chỉ xác nhận hoặc trả lại được số liệu đang chờ xác nhận (đã gửi)",
            "only a submitted entry can be verified or returned",
        ));
    }
    let action = if to == EntryState::DaXacNhan {
        "xac_nhan_so_lieu"
    } else {
        "tra_lai_so_lieu"
    };
    move_entry(tx, actor, &before, to, reason, action)
}

/// Moves an entry (read as `before` in this transaction) to the office's state `to` with a
/// reason: the row, a history line with its value, and the audit record `action`.
pub(crate) fn move_entry(
    tx: &Conn,
    actor: &Actor,
    before: &EntryRecord,
    to: EntryState,
    reason: &str,
    action: &str,
) -> Result<()> {
    let (id, at) = (before.id, now());
    tx.execute(
        "UPDATE entries SET state = ?1, reason = ?2, updated_at = ?3, updated_by = ?4 WHERE id = ?5",
        params![to.code(), reason, at, actor.username, id],
    )?;
    tx.execute(
        "INSERT INTO entry_history (entry_id, numerator, denominator, value, note, state, reason, changed_at, changed_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![id, before.numerator, before.denominator, before.value, before.note, to.code(), reason, at, actor.username],
    )?;
    let mut after = entry_json(before);
    after["state"] = json!(to.code());
    after["reason"] = json!(reason);
    record(
        tx,
        actor,
        action,
        "entry",
        &id.to_string(),
        Some(&entry_json(before)),
        Some(&after),
    )?;
    Ok(())
}

/// A period code as people read it: `Năm 2023`, `Quý II/2023`, `Tháng 05/2023`.
pub fn period_vi(code: &str) -> String {
    Period::parse(code).map_or_else(|| code.to_string(), Period::vi)
}

/// Refuses any change of an entry of a frozen year.
pub(crate) fn frozen_entry(tx: &Conn, e: &EntryRecord) -> Result<()> {
    let frozen = locks::frozen_on(tx)?;
    match Period::parse(&e.period).and_then(|p| locks::frozen_refusal(&frozen, p)) {
        Some(m) => Err(StoreError::Refused(m)),
        None => Ok(()),
    }
}

/// The entry `id`, read inside a transaction that is about to change it.
pub(crate) fn entry_in(tx: &Conn, id: i64) -> Result<EntryRecord> {
    tx.query_row(
        &format!("SELECT {ENTRY_COLUMNS} WHERE e.id = ?1"),
        [id],
        entry_row,
    )
    .optional()?
    .ok_or_else(|| refused("không có số liệu này", "no such entry"))
}
