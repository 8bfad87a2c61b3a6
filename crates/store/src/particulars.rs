//! Heads' particulars (sơ lược lý lịch): kept per head term, audited on every change.

use crate::audit::{record, Actor};
use crate::sql::{params, OptionalExtension};
use crate::{now, refused, Result, Store};
use serde_json::json;
use thidua_domain::person::{Gender, Particulars};
use thidua_domain::time::Date;

fn to_json(p: &Particulars) -> serde_json::Value {
    json!({
        "gioi_tinh": p.gender.code(), "ngay_sinh": p.birth_date.iso(), "que_quan": p.hometown,
        "noi_o": p.residence, "trinh_do_chuyen_mon": p.qualification, "ly_luan_chinh_tri": p.political_theory,
    })
}

impl Store {
    /// The particulars of the head of `unit_code` whose term starts on `term_from`.
    pub fn particulars(&self, unit_code: &str, term_from: Date) -> Result<Option<Particulars>> {
        let row = self
            .conn
            .prepare_cached(
                "SELECT p.gender, p.birth_date, p.hometown, p.residence, p.qualification, p.political_theory
                 FROM head_particulars p JOIN units u ON u.id = p.unit_id
                 WHERE u.code = ?1 AND p.term_from = ?2",
            )?
            .query_row(params![unit_code, term_from.iso()], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                ))
            })
            .optional()?;
        Ok(
            row.and_then(|(g, b, hometown, residence, qualification, political_theory)| {
                Some(Particulars {
                    gender: Gender::parse(&g)?,
                    birth_date: Date::parse_iso(&b)?,
                    hometown,
                    residence,
                    qualification,
                    political_theory,
                })
            }),
        )
    }

    /// Records the particulars of a head; the head's term must exist.
    pub fn set_particulars(
        &mut self,
        actor: &Actor,
        unit_code: &str,
        term_from: Date,
        p: &Particulars,
    ) -> Result<()> {
        let before = self.particulars(unit_code, term_from)?;
        let tx = self.conn.write_tx()?;
        let unit_id: Option<i64> = tx
            .query_row(
                "SELECT h.unit_id FROM heads h JOIN units u ON u.id = h.unit_id
                 WHERE u.code = ?1 AND h.term_from = ?2",
                params![unit_code, term_from.iso()],
                |r| r.get(0),
            )
            .optional()?;
        let unit_id = unit_id.ok_or_else(|| {
            refused(
                format!(
                    "Đơn vị «{unit_code}» không có người đứng đầu nhận chức ngày {}.",
                    term_from.vi()
                ),
                format!("unit {unit_code} has no head from {}", term_from.iso()),
            )
        })?;
        tx.execute(
            "INSERT INTO head_particulars (unit_id, term_from, gender, birth_date, hometown, residence,
                 qualification, political_theory, updated_at, updated_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
             ON CONFLICT (unit_id, term_from) DO UPDATE SET gender = excluded.gender,
                 birth_date = excluded.birth_date, hometown = excluded.hometown,
                 residence = excluded.residence, qualification = excluded.qualification,
                 political_theory = excluded.political_theory, updated_at = excluded.updated_at,
                 updated_by = excluded.updated_by",
            params![
                unit_id,
                term_from.iso(),
                p.gender.code(),
                p.birth_date.iso(),
                p.hometown,
                p.residence,
                p.qualification,
                p.political_theory,
                now(),
                actor.username
            ],
        )?;
        record(
            &tx,
            actor,
            "cap_nhat_ly_lich",
            "head",
            &format!("{unit_code}@{}", term_from.iso()),
            before.as_ref().map(to_json).as_ref(),
            Some(&to_json(p)),
        )?;
        tx.commit()?;
        Ok(())
    }
}

impl Store {
    /// The evidence files of the unit's verified entries for `periods`' overlap with the
    /// months `from..=to` of a head: per indicator, "file name (period)".
    pub fn verified_evidence(
        &self,
        unit_code: &str,
        from: thidua_domain::time::Month,
        to: thidua_domain::time::Month,
    ) -> Result<Vec<(String, Vec<String>)>> {
        use thidua_domain::entry::Period;
        let mut stmt = self.conn.prepare_cached(
            "SELECT e.indicator, e.period, a.file_name FROM entries e
             JOIN units u ON u.id = e.unit_id JOIN attachments a ON a.entry_id = e.id
             WHERE u.code = ?1 AND e.state = 'da_xac_nhan' ORDER BY e.indicator, e.period, a.id",
        )?;
        let rows = stmt.query_map([unit_code], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?;
        let mut out: Vec<(String, Vec<String>)> = Vec::new();
        for row in rows {
            let (indicator, period, file) = row?;
            let Some(p) = Period::parse(&period) else { continue };
            if p.last_month() < from || p.first_month() > to {
                continue;
            }
            let line = format!("{file} ({})", p.vi());
            match out.last_mut() {
                Some((i, files)) if *i == indicator => files.push(line),
                _ => out.push((indicator, vec![line])),
            }
        }
        Ok(out)
    }
}
