//! The dossier hot path's writer on PostgreSQL (issue 16): the parsed rows go by binary
//! `COPY` into a staging table of the import's transaction, in file order (`seq`); then
//! the kept sums take back what the upsert will replace — the stored rows of the file's
//! codes, and every row of the file a later row of the same code replaces — and one
//! `INSERT … ON CONFLICT` writes the latest row of each code (PostgreSQL refuses an upsert
//! that meets one key twice); into a store without dossiers, a plain `INSERT` (nothing can
//! conflict, and the speculative insertion of `ON CONFLICT` is a quarter of the statement's
//! time for 10 M rows). SQLite writes 64-row upserts instead (`import_fast::write_rows`).

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

/// After the `COPY`: takes back from `sums` what the upsert replaces, and writes the latest
/// staged row of each code — in one statement, so the staged rows are sorted once: every
/// part of it reads the same snapshot, so `stored` is each code's row before the upsert.
/// (The parsing workers counted every row of the file; the rows a later row of the same
/// code replaces, and the stored rows replaced, are answered here.)
pub(crate) fn settle(conn: &Conn, sums: &mut Delta) -> Result<()> {
    let columns = |alias: &str| {
        ROW_COLUMNS
            .split(',')
            .map(|c| format!("{alias}.{}", c.trim()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let none_stored: bool = conn.query_row("SELECT NOT EXISTS (SELECT 1 FROM dossiers)", (), |r| r.get(0))?;
    // Into a store without dossiers nothing is replaced but the file's own earlier rows.
    let (write, stored) = if none_stored {
        ("", "")
    } else {
        (
            " ON CONFLICT (code) DO UPDATE SET unit_id = excluded.unit_id, procedure_code = excluded.procedure_code,
                 received_at = excluded.received_at, due_at = excluded.due_at, completed_at = excluded.completed_at,
                 channel = excluded.channel, status = excluded.status, import_id = excluded.import_id,
                 open_span = excluded.open_span",
            " UNION ALL SELECT * FROM stored",
        )
    };
    conn.stream(
        &format!(
            "WITH ranked AS MATERIALIZED (
               SELECT s.*, row_number() OVER (PARTITION BY code ORDER BY seq DESC) AS rank
               FROM thidua_staging s),
             stored AS (
               SELECT {old} FROM dossiers d JOIN ranked r ON r.code = d.code AND r.rank = 1),
             written AS (
               INSERT INTO dossiers (code, unit_id, procedure_code, received_at, due_at, completed_at, channel, status, import_id, open_span)
               SELECT code, unit_id, procedure_code, received_at, due_at, completed_at, channel, status, import_id, open_span
               FROM ranked WHERE rank = 1{write})
             SELECT {staged} FROM ranked r WHERE r.rank > 1{stored}",
            old = columns("d"),
            staged = columns("r"),
        ),
        (),
        |r| {
            sums.row(&Row::read(r, 0)?, -1);
            Ok(())
        },
    )
}
