//! The dossier import's writer on PostgreSQL (issue 16): the parsed rows go by binary
//! `COPY` into a staging table of the import's transaction, in file order (`seq`) — the
//! hot path's blocks as they come, the general path's a batch at a time; then one
//! statement (`settle`) ranks each code's staged rows, writes the latest (PostgreSQL
//! refuses an upsert that meets one key twice), and answers what the kept sums take back.
//! SQLite writes 64-row upserts instead (`import_fast::write_rows`).

use crate::sql::Conn;
use crate::sums::{Delta, Row, ROW_COLUMNS};
use crate::Result;
use postgres::binary_copy::BinaryCopyInWriter;
use postgres::types::{ToSql, Type};

/// The staging table, gone with the transaction.
const STAGING: &str = "CREATE TEMP TABLE thidua_staging (
    seq BIGINT NOT NULL, code TEXT COLLATE \"C\" NOT NULL, unit_id BIGINT NOT NULL,
    procedure_code TEXT COLLATE \"C\" NOT NULL, received_at BIGINT NOT NULL, due_at BIGINT NOT NULL,
    completed_at BIGINT, channel BIGINT NOT NULL, status BIGINT NOT NULL, import_id BIGINT NOT NULL,
    open_span BIGINT
) ON COMMIT DROP";

const COPY: &str = "COPY thidua_staging (seq, code, unit_id, procedure_code, received_at, due_at, completed_at, channel, status, import_id, open_span) FROM STDIN BINARY";

const TYPES: [Type; 11] = [
    Type::INT8,
    Type::TEXT,
    Type::INT8,
    Type::TEXT,
    Type::INT8,
    Type::INT8,
    Type::INT8,
    Type::INT8,
    Type::INT8,
    Type::INT8,
    Type::INT8,
];

/// One dossier as the staging table takes it.
pub(crate) struct StagedRow<'a> {
    pub seq: i64,
    pub code: &'a str,
    pub unit_id: i64,
    pub procedure: &'a str,
    pub received_at: i64,
    pub due_at: i64,
    pub completed_at: Option<i64>,
    pub channel: u8,
    pub status: u8,
    pub import_id: i64,
    pub open_span: Option<i64>,
}

/// Makes the staging table in the open transaction, and says that this transaction checks
/// its dossiers' references itself (postgres migration 0007): every row's unit id is one
/// of the units `Store::lookup` read in this transaction, under the write lock every change
/// of units takes too, and its import id is this import's row.
pub(crate) fn stage(conn: &Conn) -> Result<()> {
    conn.execute_batch(STAGING)?;
    conn.execute_batch("SET LOCAL thidua.dossier_refs = 'checked'")
}

/// A binary `COPY` into the staging table, on the connection's client.
pub(crate) struct Copy<'c> {
    writer: BinaryCopyInWriter<'c>,
}

impl<'c> Copy<'c> {
    pub(crate) fn open(client: &'c mut postgres::Client) -> Result<Copy<'c>> {
        let sink = client.copy_in(COPY)?;
        Ok(Copy {
            writer: BinaryCopyInWriter::new(sink, &TYPES),
        })
    }

    pub(crate) fn write(&mut self, r: &StagedRow) -> Result<()> {
        let (channel, status) = (i64::from(r.channel), i64::from(r.status));
        let values: [&(dyn ToSql + Sync); 11] = [
            &r.seq,
            &r.code,
            &r.unit_id,
            &r.procedure,
            &r.received_at,
            &r.due_at,
            &r.completed_at,
            &channel,
            &status,
            &r.import_id,
            &r.open_span,
        ];
        self.writer.write(&values)?;
        Ok(())
    }

    pub(crate) fn finish(self) -> Result<u64> {
        Ok(self.writer.finish()?)
    }
}

/// Writes `rows` into the staging table by one `COPY` (the general import path, a batch at
/// a time between its other statements).
pub(crate) fn copy_rows(pg: &crate::sql::PgConn, rows: &[StagedRow]) -> Result<()> {
    let mut client = pg.client_for_copy();
    let mut copy = Copy::open(&mut client)?;
    for r in rows {
        copy.write(r)?;
    }
    copy.finish().map(|_| ())
}

/// After the `COPY`: takes back from `sums` what the write replaces, and writes the latest
/// staged row of each code — in one statement, so the staged rows are sorted once; every
/// part of it reads the same snapshot, so `latest` pairs each code's row before the write.
/// (The parsing workers counted every row of the file; the rows a later row of the same
/// code replaces, and the stored rows of the file's codes, are answered here.)
///
/// A latest row equal to its stored row in every column the figures read is not written
/// again: a monthly re-export repeats mostly rows that have not changed, and rewriting one
/// costs a new row version, an index entry and its WAL (the 100 k re-import: 0.59 s of its
/// 0.89 s). Such a row keeps the import id of the import that last changed it; one of a
/// frozen year is still refused, as on every other path (`refuse_frozen`).
pub(crate) fn settle(conn: &Conn, sums: &mut Delta) -> Result<()> {
    refuse_frozen(conn)?;
    let columns = |alias: &str| {
        ROW_COLUMNS
            .split(',')
            .map(|c| format!("{alias}.{}", c.trim()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let none_stored: bool = conn.query_row("SELECT NOT EXISTS (SELECT 1 FROM dossiers)", (), |r| r.get(0))?;
    let sql = if none_stored {
        // Nothing can conflict, nothing stored is replaced: a plain INSERT (the speculative
        // insertion of ON CONFLICT is a quarter of the statement's time for 10 M rows).
        format!(
            "WITH ranked AS MATERIALIZED (
               SELECT s.*, row_number() OVER (PARTITION BY code ORDER BY seq DESC) AS rank
               FROM thidua_staging s),
             written AS (
               INSERT INTO dossiers ({DOSSIER_COLUMNS})
               SELECT {DOSSIER_COLUMNS} FROM ranked WHERE rank = 1)
             SELECT {staged} FROM ranked r WHERE r.rank > 1",
            staged = columns("r"),
        )
    } else {
        let old: Vec<String> = ROW_COLUMNS
            .split(',')
            .map(|c| format!("d.{c} AS old_{c}", c = c.trim()))
            .collect();
        let old_names: Vec<String> = ROW_COLUMNS
            .split(',')
            .map(|c| format!("old_{}", c.trim()))
            .collect();
        let set: Vec<String> = DOSSIER_COLUMNS
            .split(',')
            .skip(1)
            .map(|c| format!("{c} = l.{c}", c = c.trim()))
            .collect();
        // The stored rows to change are updated where they are (`ctid`, found by the join
        // that pairs them), the new codes inserted: no second search of the key, no
        // speculative insertion. Nothing else writes dossiers meanwhile: this transaction
        // holds the write lock every writer takes.
        format!(
            "WITH ranked AS MATERIALIZED (
               SELECT s.*, row_number() OVER (PARTITION BY code ORDER BY seq DESC) AS rank
               FROM thidua_staging s),
             latest AS MATERIALIZED (
               SELECT r.*, d.ctid AS at, ({d}) IS NOT DISTINCT FROM ({staged}) AS same, {old}
               FROM ranked r LEFT JOIN dossiers d ON d.code = r.code WHERE r.rank = 1),
             updated AS (
               UPDATE dossiers d SET {set}
               FROM latest l WHERE l.at IS NOT NULL AND NOT l.same AND d.ctid = l.at
               RETURNING {old_l}),
             inserted AS (
               INSERT INTO dossiers ({DOSSIER_COLUMNS})
               SELECT {DOSSIER_COLUMNS} FROM latest WHERE at IS NULL)
             SELECT {staged} FROM ranked r WHERE r.rank > 1
             UNION ALL SELECT {old_names} FROM latest WHERE same
             UNION ALL SELECT * FROM updated",
            d = columns("d"),
            set = set.join(", "),
            old = old.join(", "),
            old_l = old_names
                .iter()
                .map(|c| format!("l.{c}"))
                .collect::<Vec<_>>()
                .join(", "),
            old_names = old_names.join(", "),
            staged = columns("r"),
        )
    };
    conn.stream(&sql, (), |r| {
        sums.row(&Row::read(r, 0)?, -1);
        Ok(())
    })
}

/// The columns written of a dossier.
const DOSSIER_COLUMNS: &str =
    "code, unit_id, procedure_code, received_at, due_at, completed_at, channel, status, import_id, open_span";

/// Refuses the file if a row of it was received in a frozen year, as the store's guard
/// refuses on every other path — also a row `settle` would not write again.
fn refuse_frozen(conn: &Conn) -> Result<()> {
    let until: Option<i64> = conn.query_row("SELECT max(until_at) FROM frozen_years", (), |r| r.get(0))?;
    let Some(until) = until else { return Ok(()) };
    let frozen: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM thidua_staging WHERE received_at <= ?1)",
        [until],
        |r| r.get(0),
    )?;
    match frozen {
        true => Err(crate::StoreError::Refused(crate::locks::frozen_data())),
        false => Ok(()),
    }
}
