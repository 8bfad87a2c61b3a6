//! Moving an office's embedded store into PostgreSQL (issue 16 part 5, `thidua migrate`):
//! every table of the data file, row for row, and every stored file, in one PostgreSQL
//! transaction, into a database that holds nothing yet; then the rows of every table and
//! the audit chain's head compared on both sides before the transaction commits. Sessions
//! are not moved (people sign in again), as in a backup.
//!
//! And the other way (`copy_to_sqlite`): a PostgreSQL store's data as one SQLite file, read
//! in one snapshot — the portable archive's database, so `thidua backup` writes the same
//! archive from either backend and `thidua restore` reads it into either.

use crate::{refused, Result, Store};
use postgres::binary_copy::BinaryCopyInWriter;
use postgres::types::{ToSql, Type};
use std::collections::{BTreeMap, BTreeSet};

/// What a move wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct Moved {
    /// Every table and its rows (the same on both sides).
    pub tables: Vec<(String, i64)>,
    /// The stored files and their bytes in all.
    pub files: usize,
    pub file_bytes: u64,
    /// The audit chain's last record (id, hash), the same on both sides.
    pub audit_head: Option<(i64, String)>,
}

/// The tables whose rows a store holds once it is initialised: a database with a row in
/// any of them is not empty.
const DATA_TABLES: &[&str] = &["plans", "units", "users", "audit_log"];

/// Moves `src` (with the files `files`: name and content, read one at a time) into the
/// PostgreSQL database at `url`, which must hold no data.
pub fn move_to_postgres(
    src: &Store,
    files: &mut dyn Iterator<Item = std::io::Result<(String, Vec<u8>)>>,
    url: &str,
) -> Result<Moved> {
    let mut client = crate::pg::connect(url)?;
    for t in DATA_TABLES {
        let any: bool = client
            .query_one(&format!("SELECT EXISTS (SELECT 1 FROM {t})"), &[])?
            .get(0);
        if any {
            return Err(refused(
                format!("cơ sở dữ liệu PostgreSQL đã có dữ liệu (bảng {t}): chỉ chuyển vào một cơ sở dữ liệu trống"),
                format!("the PostgreSQL database already holds data (table {t}): a move goes only into an empty database"),
            ));
        }
    }
    let counts = src.table_counts()?;
    let order = copy_order(src, counts.iter().map(|(t, _)| t.clone()).collect())?;
    let mut tx = client.transaction()?;
    // The dossiers' references are checked once below, set against set, not per row
    // (postgres migration 0007).
    tx.batch_execute("SET LOCAL thidua.dossier_refs = 'checked'")?;
    for table in &order {
        copy_table(src, &mut tx, table)?;
    }
    let dangling: bool = tx
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM dossiers d
               WHERE NOT EXISTS (SELECT 1 FROM units u WHERE u.id = d.unit_id)
                  OR (d.import_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM imports i WHERE i.id = d.import_id)))",
            &[],
        )?
        .get(0);
    if dangling {
        return Err(refused(
            "một hồ sơ trong kho nhúng ghi đơn vị hoặc lần nhập không có; đã hủy",
            "a dossier in the embedded store refers to a unit or an import that does not exist; rolled back",
        ));
    }
    // the frozen years' dossier guard, with their instant written in, as on SQLite
    let until: Option<i64> = tx
        .query_one("SELECT max(until_at) FROM frozen_years", &[])?
        .get(0);
    if let Some(until) = until {
        tx.batch_execute(&crate::locks::dossier_guard_sql(until, true))?;
    }
    // identity columns continue after the moved rows
    let identities: Vec<(String, String)> = tx
        .query(
            "SELECT table_name::text, column_name::text FROM information_schema.columns
             WHERE table_schema = current_schema() AND is_identity = 'YES'",
            &[],
        )?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    for (t, c) in identities {
        tx.execute(
            &format!(
                "SELECT setval(pg_get_serial_sequence('{t}', '{c}'), coalesce(max({c}), 0) + 1, false) FROM {t}"
            ),
            &[],
        )?;
    }
    let (mut n_files, mut bytes) = (0usize, 0u64);
    {
        let st = tx.prepare("INSERT INTO stored_files (name, content) VALUES ($1, $2)")?;
        for f in files {
            let (name, content) = f.map_err(|e| {
                refused(
                    format!("không đọc được một tệp đã lưu: {e}"),
                    format!("a stored file cannot be read: {e}"),
                )
            })?;
            bytes += content.len() as u64;
            n_files += 1;
            tx.execute(&st, &[&name, &content])?;
        }
    }
    // Both sides the same before the move commits.
    for (t, n) in &counts {
        let m: i64 = tx.query_one(&format!("SELECT count(*) FROM {t}"), &[])?.get(0);
        if m != *n {
            return Err(refused(
                format!("bảng {t}: {n} dòng trong kho nhúng nhưng {m} dòng sau khi chuyển; đã hủy"),
                format!("table {t}: {n} rows in the embedded store but {m} after the move; rolled back"),
            ));
        }
    }
    let head_sql = "SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1";
    let src_head: Option<(i64, String)> = {
        use crate::sql::OptionalExtension;
        src.conn
            .query_row(head_sql, (), |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?
    };
    let dst_head = tx
        .query_opt(head_sql, &[])?
        .map(|r| (r.get::<_, i64>(0), r.get::<_, String>(1)));
    if src_head != dst_head {
        return Err(refused(
            "đầu chuỗi nhật ký kiểm toán khác nhau sau khi chuyển; đã hủy",
            "the audit chain's head differs after the move; rolled back",
        ));
    }
    tx.commit()?;
    Ok(Moved {
        tables: counts,
        files: n_files,
        file_bytes: bytes,
        audit_head: src_head,
    })
}

/// The tables in an order that inserts every referenced row before the rows referring to
/// it; the frozen years last, since their guards refuse rows of a frozen year.
fn copy_order(src: &Store, tables: Vec<String>) -> Result<Vec<String>> {
    let mut parents: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for t in &tables {
        let mut st = src
            .conn
            .prepare("SELECT \"table\" FROM pragma_foreign_key_list(?1)")?;
        let refs: BTreeSet<String> = st
            .query_map([t], |r| r.get::<_, String>(0))?
            .collect::<Result<_>>()?;
        parents.insert(t.clone(), refs.into_iter().filter(|p| p != t).collect());
    }
    let mut order: Vec<String> = Vec::new();
    let mut left: BTreeSet<String> = tables.into_iter().collect();
    while !left.is_empty() {
        let ready: Vec<String> = left
            .iter()
            .filter(|t| *t != "frozen_years" || left.len() == 1)
            .filter(|t| parents[*t].iter().all(|p| !left.contains(p)))
            .cloned()
            .collect();
        if ready.is_empty() {
            return Err(refused(
                "các bảng tham chiếu vòng tròn, không xếp được thứ tự chuyển",
                "the tables refer to each other in a cycle: no order to move them in",
            ));
        }
        for t in ready {
            left.remove(&t);
            order.push(t);
        }
    }
    Ok(order)
}

/// Copies one table with PostgreSQL's binary `COPY`, each value as the target column's
/// type (every column is `bigint`, `text` or `bytea`: the schema test holds them to it).
fn copy_table(src: &Store, tx: &mut postgres::Transaction, table: &str) -> Result<()> {
    let columns: Vec<(String, Type)> = tx
        .query(
            "SELECT column_name::text, data_type::text FROM information_schema.columns
             WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
            &[&table],
        )?
        .iter()
        .map(|r| {
            let ty = match r.get::<_, String>(1).as_str() {
                "bigint" => Type::INT8,
                "bytea" => Type::BYTEA,
                _ => Type::TEXT,
            };
            (r.get(0), ty)
        })
        .collect();
    // the columns both sides have (PostgreSQL's own additions, if any, keep their defaults)
    let mut st = src.conn.prepare("SELECT name FROM pragma_table_info(?1)")?;
    let in_sqlite: BTreeSet<String> = st
        .query_map([table], |r| r.get::<_, String>(0))?
        .collect::<Result<_>>()?;
    let columns: Vec<(String, Type)> = columns
        .into_iter()
        .filter(|(c, _)| in_sqlite.contains(c))
        .collect();
    if columns.len() != in_sqlite.len() {
        return Err(refused(
            format!("bảng {table} trong PostgreSQL thiếu cột so với kho nhúng"),
            format!("table {table} in PostgreSQL lacks columns the embedded store has"),
        ));
    }
    let names: Vec<String> = columns.iter().map(|(c, _)| format!("\"{c}\"")).collect();
    let types: Vec<Type> = columns.iter().map(|(_, t)| t.clone()).collect();
    let sink = tx.copy_in(&format!("COPY {table} ({}) FROM STDIN BINARY", names.join(", ")))?;
    let mut writer = BinaryCopyInWriter::new(sink, &types);
    let mut st = src
        .conn
        .lite()?
        .prepare(&format!("SELECT {} FROM \"{table}\"", names.join(", ")))?;
    let mut rows = st.query([])?;
    while let Some(r) = rows.next()? {
        let mut values: Vec<Box<dyn ToSql + Sync>> = Vec::with_capacity(types.len());
        for (i, ty) in types.iter().enumerate() {
            use rusqlite::types::ValueRef;
            let v = r.get_ref(i)?;
            let bad = || {
                refused(
                    format!("bảng {table}, cột {}: giá trị không đúng kiểu", columns[i].0),
                    format!("table {table}, column {}: a value of another type", columns[i].0),
                )
            };
            values.push(match (ty, v) {
                (_, ValueRef::Null) if *ty == Type::INT8 => Box::new(None::<i64>),
                (_, ValueRef::Null) if *ty == Type::BYTEA => Box::new(None::<Vec<u8>>),
                (_, ValueRef::Null) => Box::new(None::<String>),
                (t, ValueRef::Integer(n)) if *t == Type::INT8 => Box::new(n),
                (t, ValueRef::Blob(b)) if *t == Type::BYTEA => Box::new(b.to_vec()),
                (t, ValueRef::Text(s)) if *t == Type::TEXT => {
                    Box::new(std::str::from_utf8(s).map_err(|_| bad())?.to_string())
                }
                _ => return Err(bad()),
            });
        }
        let refs: Vec<&(dyn ToSql + Sync)> = values.iter().map(|b| b.as_ref()).collect();
        writer.write(&refs)?;
    }
    writer.finish()?;
    Ok(())
}

/// Writes the data of `src` (a PostgreSQL store) into a new SQLite store file at `path`,
/// read in one snapshot: every table of the SQLite schema, the columns both have, in
/// foreign-key order with the frozen years last; then the frozen years' dossier guard and
/// SQLite's own foreign-key check.
pub(crate) fn copy_to_sqlite(src: &Store, path: &std::path::Path) -> Result<()> {
    use postgres::types::Type;
    let dst = Store::open_file(path)?;
    let lite = dst.conn.lite()?;
    let tables: Vec<String> = lite
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let order = copy_order(&dst, tables)?;
    lite.pragma_update(None, "foreign_keys", "OFF")?;
    let copied = (|| -> Result<()> {
        let snapshot = src.conn.read_tx()?;
        let tx = dst.conn.write_tx()?;
        for table in &order {
            let columns: Vec<String> = lite
                .prepare("SELECT name FROM pragma_table_info(?1)")?
                .query_map([table], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            let names: Vec<String> = columns.iter().map(|c| format!("\"{c}\"")).collect();
            lite.execute(&format!("DELETE FROM \"{table}\""), [])?;
            let mut insert = lite.prepare(&format!(
                "INSERT INTO \"{table}\" ({}) VALUES ({})",
                names.join(", "),
                (1..=names.len())
                    .map(|i| format!("?{i}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))?;
            let Some(pg) = snapshot.pg() else {
                return Err(refused(
                    "kho nguồn không phải PostgreSQL",
                    "the source store is not PostgreSQL",
                ));
            };
            pg.stream(&format!("SELECT {} FROM {table}", names.join(", ")), (), |r| {
                let row = crate::sql::Row::Pg(r);
                let mut values: Vec<rusqlite::types::Value> = Vec::with_capacity(names.len());
                for (i, c) in r.columns().iter().enumerate() {
                    values.push(match *c.type_() {
                        Type::BYTEA => row
                            .get::<_, Option<Vec<u8>>>(i)?
                            .map_or(rusqlite::types::Value::Null, rusqlite::types::Value::Blob),
                        Type::TEXT | Type::VARCHAR => row
                            .get::<_, Option<String>>(i)?
                            .map_or(rusqlite::types::Value::Null, rusqlite::types::Value::Text),
                        _ => row
                            .get::<_, Option<i64>>(i)?
                            .map_or(rusqlite::types::Value::Null, rusqlite::types::Value::Integer),
                    });
                }
                insert.execute(rusqlite::params_from_iter(values))?;
                Ok(())
            })?;
        }
        crate::locks::guard_dossiers(&tx)?;
        let broken: i64 = tx.query_row("SELECT count(*) FROM pragma_foreign_key_check", (), |r| r.get(0))?;
        if broken > 0 {
            return Err(refused(
                format!("bản sao có {broken} liên kết dữ liệu hỏng"),
                format!("the copy has {broken} broken foreign keys"),
            ));
        }
        tx.commit()?;
        snapshot.commit()
    })();
    lite.pragma_update(None, "foreign_keys", "ON")?;
    copied
}
