//! `thidua backup FILE` and `thidua restore FILE` (issue 16 part 5, issue 13's "no backup"):
//! one portable archive (ZIP) of an office's whole store — the database as one consistent
//! snapshot, taken while the server keeps serving, and every stored file (evidence,
//! nomination documents) — with a manifest of what it holds: the schema version, the rows of
//! every table, the audit chain's head and each member's size and BLAKE2s-256 checksum.
//! A restore goes only into an empty data folder, checks every checksum, SQLite's integrity
//! and the audit chain, and compares the tables' rows with the manifest before the folder
//! takes its name: a damaged archive leaves nothing behind. Sessions are not kept (everyone
//! signs in again after a restore).

use crate::credentials::hex;
use crate::error::{Error, Result};
use blake2::{Blake2s256, Digest};
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use thidua_store::Store;

const FORMAT: &str = "thidua-backup";
const VERSION: i64 = 1;
const DATABASE: &str = "thidua.db";
const ATTACHMENTS: &str = "attachments";

/// What an archive holds, as its manifest says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    pub created_at: i64,
    pub schema_version: i64,
    /// (table, rows), by table name.
    pub tables: Vec<(String, i64)>,
    pub audit_records: i64,
    pub audit_head: (i64, String),
    /// (member path, bytes, checksum).
    pub files: Vec<(String, u64, String)>,
}

impl Manifest {
    fn json(&self) -> Value {
        json!({
            "format": FORMAT, "version": VERSION, "created_at": self.created_at,
            "schema_version": self.schema_version,
            "tables": self.tables.iter().map(|(t, n)| json!([t, n])).collect::<Vec<_>>(),
            "audit": {"records": self.audit_records, "head_id": self.audit_head.0, "head_hash": self.audit_head.1},
            "files": self.files.iter().map(|(p, n, h)| json!({"path": p, "bytes": n, "blake2s": h})).collect::<Vec<_>>(),
        })
    }

    fn parse(v: &Value) -> Option<Manifest> {
        if v["format"] != FORMAT || v["version"].as_i64()? != VERSION {
            return None;
        }
        Some(Manifest {
            created_at: v["created_at"].as_i64()?,
            schema_version: v["schema_version"].as_i64()?,
            tables: v["tables"]
                .as_array()?
                .iter()
                .map(|t| Some((t[0].as_str()?.to_string(), t[1].as_i64()?)))
                .collect::<Option<_>>()?,
            audit_records: v["audit"]["records"].as_i64()?,
            audit_head: (
                v["audit"]["head_id"].as_i64()?,
                v["audit"]["head_hash"].as_str()?.to_string(),
            ),
            files: v["files"]
                .as_array()?
                .iter()
                .map(|f| {
                    Some((
                        f["path"].as_str()?.to_string(),
                        f["bytes"].as_u64()?,
                        f["blake2s"].as_str()?.to_string(),
                    ))
                })
                .collect::<Option<_>>()?,
        })
    }
}

fn io(what: &str, path: &Path, e: impl std::fmt::Display) -> Error {
    Error::refused(
        format!("{what} «{}»: {e}", path.display()),
        format!("{what} '{}': {e}", path.display()),
    )
}

fn zip_err(e: zip::result::ZipError) -> Error {
    Error::refused(
        format!("tệp sao lưu không đọc được hoặc hỏng: {e}"),
        format!("the backup archive is unreadable or damaged: {e}"),
    )
}

/// Puts `bytes` into the archive as `name`, returning its size and checksum.
fn add_bytes<W: Write + std::io::Seek>(
    zip: &mut zip::ZipWriter<W>,
    name: &str,
    bytes: &[u8],
) -> Result<(u64, String)> {
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    zip.start_file(name, options).map_err(zip_err)?;
    zip.write_all(bytes)
        .map_err(|e| io("không ghi được tệp sao lưu", Path::new(name), e))?;
    Ok((bytes.len() as u64, hex(&Blake2s256::digest(bytes))))
}

/// Copies `from` into the archive as `name`, returning its size and checksum.
fn add_file<W: Write + std::io::Seek>(
    zip: &mut zip::ZipWriter<W>,
    name: &str,
    from: &Path,
) -> Result<(u64, String)> {
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    zip.start_file(name, options).map_err(zip_err)?;
    let mut f = std::fs::File::open(from).map_err(|e| io("không mở được", from, e))?;
    let (mut hash, mut size, mut buf) = (Blake2s256::new(), 0u64, vec![0u8; 1 << 16]);
    loop {
        let n = f.read(&mut buf).map_err(|e| io("không đọc được", from, e))?;
        if n == 0 {
            break;
        }
        hash.update(&buf[..n]);
        zip.write_all(&buf[..n])
            .map_err(|e| io("không ghi được tệp sao lưu", from, e))?;
        size += n as u64;
    }
    Ok((size, hex(&hash.finalize())))
}

/// Writes the archive of `store` (either backend) to `out`: first as
/// `out.partial`, renamed once whole, so an interrupted backup leaves no archive that looks
/// complete.
pub fn backup(store: &Store, out: &Path) -> Result<Manifest> {
    if out.exists() {
        return Err(io("đã có tệp, không ghi đè", out, "exists"));
    }
    let partial = PathBuf::from(format!("{}.partial", out.display()));
    let work = tempfile::Builder::new()
        .prefix(".thidua-backup-")
        .tempdir_in(
            out.parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new(".")),
        )
        .map_err(|e| io("không tạo được thư mục tạm", out, e))?;
    let db = work.path().join(DATABASE);
    // One snapshot: the counts and the chain are read from the copy, so they describe it.
    store.snapshot_into(&db)?;
    let copy = Store::open_file(&db)?;
    let tables = copy.table_counts()?;
    let chain = copy.verify_chain(None)?;
    let schema_version = copy.schema_version()?;
    drop(copy);
    let file = std::fs::File::create(&partial).map_err(|e| io("không tạo được", &partial, e))?;
    let mut zip = zip::ZipWriter::new(std::io::BufWriter::new(file));
    let mut files = vec![{
        let (n, h) = add_file(&mut zip, DATABASE, &db)?;
        (DATABASE.to_string(), n, h)
    }];
    // the stored files through the store (its folder, or its PostgreSQL database)
    for name in store.file_names()? {
        let member = format!("{ATTACHMENTS}/{name}");
        let bytes = store.read_file(&name)?;
        let (n, h) = add_bytes(&mut zip, &member, &bytes)?;
        files.push((member, n, h));
    }
    let manifest = Manifest {
        created_at: thidua_domain::time::DateTime::now_local().0,
        schema_version,
        tables,
        audit_records: chain.records,
        audit_head: chain.head,
        files,
    };
    zip.start_file("manifest.json", zip::write::SimpleFileOptions::default())
        .map_err(zip_err)?;
    zip.write_all(
        serde_json::to_string_pretty(&manifest.json())
            .unwrap_or_default()
            .as_bytes(),
    )
    .map_err(|e| io("không ghi được", &partial, e))?;
    let w = zip.finish().map_err(zip_err)?;
    w.into_inner()
        .map_err(|e| io("không ghi được", &partial, e.error()))?
        .sync_all()
        .map_err(|e| io("không ghi được", &partial, e))?;
    std::fs::rename(&partial, out).map_err(|e| io("không đổi tên được", &partial, e))?;
    Ok(manifest)
}

/// Moves `store` (an embedded one) and its stored files into the empty PostgreSQL database
/// at `url` (`thidua migrate`; `store::pg_move`). The files go as `attachments/NAME`, the
/// names a backup gives them.
pub fn move_to_postgres(store: &Store, url: &str) -> Result<thidua_store::pg_move::Moved> {
    let names = store.file_names()?;
    let mut files = names.into_iter().map(|name| {
        store
            .read_file(&name)
            .map(|content| (format!("{ATTACHMENTS}/{name}"), content))
            .map_err(|e| std::io::Error::other(e.to_string()))
    });
    Ok(thidua_store::pg_move::move_to_postgres(store, &mut files, url)?)
}

/// Restores the archive `from` into the empty PostgreSQL database at `url`: read and
/// checked as a restore into a folder does (in a temporary one), then moved in
/// (`move_to_postgres`: every table and file, compared on both sides before it commits).
pub fn restore_to_postgres(from: &Path, url: &str) -> Result<Manifest> {
    let work = tempfile::Builder::new()
        .prefix(".thidua-restore-")
        .tempdir()
        .map_err(|e| io("không tạo được thư mục tạm", Path::new("."), e))?;
    let dir = work.path().join("data");
    let manifest = restore(from, &dir)?;
    let store = Store::open_dir(&dir)?;
    move_to_postgres(&store, url)?;
    Ok(manifest)
}

/// Restores the archive `from` into `data_dir`, which must be absent or empty. Everything
/// is written and checked in a folder beside it, which takes `data_dir`'s name only when
/// the checks pass.
pub fn restore(from: &Path, data_dir: &Path) -> Result<Manifest> {
    let occupied = std::fs::read_dir(data_dir).is_ok_and(|mut d| d.next().is_some());
    if occupied {
        return Err(Error::refused(
            format!(
                "thư mục dữ liệu «{}» không trống: chỉ khôi phục vào thư mục mới hoặc trống",
                data_dir.display()
            ),
            format!(
                "the data folder '{}' is not empty: restore only into a new or empty folder",
                data_dir.display()
            ),
        ));
    }
    let file = std::fs::File::open(from).map_err(|e| io("không mở được", from, e))?;
    let mut zip = zip::ZipArchive::new(std::io::BufReader::new(file)).map_err(zip_err)?;
    let manifest = {
        let mut m = zip.by_name("manifest.json").map_err(zip_err)?;
        let mut text = String::new();
        m.by_ref()
            .take(64 << 20)
            .read_to_string(&mut text)
            .map_err(|e| io("không đọc được bản kê", from, e))?;
        serde_json::from_str::<Value>(&text)
            .ok()
            .as_ref()
            .and_then(Manifest::parse)
            .ok_or_else(|| Error::refused("tệp không phải bản sao lưu của Thi Đua", "not a Thi Đua backup"))?
    };
    let parent = data_dir
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(|e| io("không tạo được", parent, e))?;
    let work = tempfile::Builder::new()
        .prefix(".thidua-restore-")
        .tempdir_in(parent)
        .map_err(|e| io("không tạo được thư mục tạm", parent, e))?;
    std::fs::create_dir_all(work.path().join(ATTACHMENTS))
        .map_err(|e| io("không tạo được", work.path(), e))?;
    for (member, bytes, sum) in &manifest.files {
        let safe = member == DATABASE
            || member
                .strip_prefix("attachments/")
                .is_some_and(|n| !n.is_empty() && !n.contains(['/', '\\']) && n != ".." && n != ".");
        if !safe {
            return Err(Error::refused(
                format!("bản kê có đường dẫn không hợp lệ: {member}"),
                format!("the manifest names an unsafe path: {member}"),
            ));
        }
        let mut entry = zip.by_name(member).map_err(zip_err)?;
        let to = work.path().join(member);
        let mut out = std::fs::File::create(&to).map_err(|e| io("không ghi được", &to, e))?;
        let (mut hash, mut size, mut buf) = (Blake2s256::new(), 0u64, vec![0u8; 1 << 16]);
        loop {
            let n = entry.read(&mut buf).map_err(|e| io("không đọc được", from, e))?;
            if n == 0 {
                break;
            }
            size += n as u64;
            if size > *bytes {
                break;
            }
            hash.update(&buf[..n]);
            out.write_all(&buf[..n])
                .map_err(|e| io("không ghi được", &to, e))?;
        }
        if size != *bytes || hex(&hash.finalize()) != *sum {
            return Err(Error::refused(
                format!("«{member}» trong bản sao lưu bị hỏng (kích thước hoặc mã kiểm tra không khớp)"),
                format!("'{member}' in the backup is damaged (size or checksum differs)"),
            ));
        }
        out.sync_all().map_err(|e| io("không ghi được", &to, e))?;
    }
    {
        let store = Store::open_dir(work.path())?;
        if let Some(p) = store.integrity_problem()? {
            return Err(Error::refused(
                format!("cơ sở dữ liệu khôi phục không toàn vẹn: {p}"),
                format!("the restored database fails its integrity check: {p}"),
            ));
        }
        let chain = store.verify_chain(None)?;
        if !chain.is_intact() || chain.head != manifest.audit_head {
            return Err(Error::refused(
                "nhật ký khôi phục không khớp với bản kê của bản sao lưu",
                "the restored audit log does not match the backup's manifest",
            ));
        }
        // migrations may have run on open (an older backup): compare the tables it had
        if store.schema_version()? == manifest.schema_version && store.table_counts()? != manifest.tables {
            return Err(Error::refused(
                "số dòng các bảng khôi phục không khớp với bản kê",
                "the restored tables' rows differ from the manifest",
            ));
        }
    }
    let _ = std::fs::remove_dir(data_dir); // absent or empty
    let kept = work.keep();
    std::fs::rename(&kept, data_dir).map_err(|e| io("không đổi tên được", &kept, e))?;
    Ok(manifest)
}

#[cfg(test)]
mod tests {
    use super::*;
    use thidua_store::audit::Actor;

    fn demo() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        crate::demo::prepare_with(dir.path(), "mat-khau-demo-2023", false).unwrap();
        dir
    }

    #[test]
    fn a_backup_taken_while_writes_go_on_restores_whole_and_evaluates_the_same() {
        let src = demo();
        let out = tempfile::tempdir().unwrap();
        let archive = out.path().join("sao-luu.zip");
        // another connection keeps writing (each write an audit record) during the backup
        let dir = src.path().to_path_buf();
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let writer = {
            let stop = stop.clone();
            std::thread::spawn(move || {
                let mut s = Store::open_dir(&dir).unwrap();
                let mut n = 0;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) || n < 20 {
                    s.set_setting(&Actor::default(), "ghi_chu_thu", &n.to_string())
                        .unwrap();
                    n += 1;
                }
                n
            })
        };
        let store = Store::open_dir(src.path()).unwrap();
        let m = backup(&store, &archive).unwrap();
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        assert!(writer.join().unwrap() >= 20);
        assert!(archive.exists() && !out.path().join("sao-luu.zip.partial").exists());
        let attachments = std::fs::read_dir(src.path().join(ATTACHMENTS)).unwrap().count();
        assert!(attachments > 0, "the demo has evidence and documents");
        assert_eq!(m.files.len(), 1 + attachments);
        // restored: sound, the chain intact at the manifest's head, every table as counted
        let to = out.path().join("khoi-phuc");
        let r = restore(&archive, &to).unwrap();
        assert_eq!(r, m);
        let restored = Store::open_dir(&to).unwrap();
        assert_eq!(restored.integrity_problem().unwrap(), None);
        let chain = restored.verify_chain(None).unwrap();
        assert!(chain.is_intact());
        assert_eq!(chain.head, m.audit_head);
        assert_eq!(restored.table_counts().unwrap(), m.tables);
        assert_eq!(
            std::fs::read_dir(to.join(ATTACHMENTS)).unwrap().count(),
            attachments
        );
        // with nothing written since, the copy evaluates as the original does
        let quiet = out.path().join("lan-hai.zip");
        backup(&store, &quiet).unwrap();
        let again = out.path().join("khoi-phuc-2");
        restore(&quiet, &again).unwrap();
        let copy = Store::open_dir(&again).unwrap();
        assert_eq!(copy.table_counts().unwrap(), store.table_counts().unwrap());
        let plan = thidua_domain::plan::Plan::built_in();
        let at = plan.period_to.end();
        let (a, b) = (
            copy.evaluate(&plan, at).unwrap(),
            store.evaluate(&plan, at).unwrap(),
        );
        assert!(!a.is_empty());
        assert_eq!(
            format!("{a:?}"),
            format!("{b:?}"),
            "every head's result, every figure"
        );
    }

    #[test]
    fn a_damaged_archive_or_an_occupied_folder_is_refused_and_leaves_nothing() {
        let src = demo();
        let out = tempfile::tempdir().unwrap();
        let archive = out.path().join("a.zip");
        let store = Store::open_dir(src.path()).unwrap();
        backup(&store, &archive).unwrap();
        // an existing archive is not overwritten
        let again = backup(&store, &archive).unwrap_err();
        assert!(again.to_string().contains("không ghi đè"), "{again}");
        // into a folder that holds data: refused
        let err = restore(&archive, src.path()).unwrap_err();
        assert!(err.to_string().contains("không trống"), "{err}");
        // a byte changed in the middle of the archive: refused, no folder left
        let mut bytes = std::fs::read(&archive).unwrap();
        let mid = bytes.len() / 2;
        bytes[mid] ^= 0x5a;
        let bad = out.path().join("hong.zip");
        std::fs::write(&bad, bytes).unwrap();
        let to = out.path().join("dich");
        let err = restore(&bad, &to).unwrap_err();
        assert!(
            err.to_string().contains("hỏng") || err.to_string().contains("không đọc được"),
            "{err}"
        );
        assert!(!to.exists(), "nothing restored");
        let leftovers: Vec<_> = std::fs::read_dir(out.path())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().starts_with(".thidua-"))
            .collect();
        assert!(leftovers.is_empty(), "no working folder left");
        // not a backup at all
        std::fs::write(out.path().join("x.zip"), b"PK\x03\x04 nonsense").unwrap();
        assert!(restore(&out.path().join("x.zip"), &to).is_err());
        assert!(!to.exists());
    }
}

/// The move into PostgreSQL against the real server at 127.0.0.1:5432 (`scripts/test.sh`
/// starts one where none answers; never skipped): a database of its own, dropped after.
#[cfg(test)]
mod move_tests {
    use super::*;

    use thidua_store::testing::TestDb;

    /// Every table's rows, file and audit record arrive; the identities continue after the
    /// moved rows; a second move into the now full database is refused and changes nothing.
    #[test]
    fn the_demo_store_moves_into_an_empty_postgres_database_whole() {
        let dir = tempfile::tempdir().unwrap();
        crate::demo::prepare_with(dir.path(), "mat-khau-demo-2023", false).unwrap();
        let store = Store::open_dir(dir.path()).unwrap();
        let db = TestDb::new("thidua_move");
        let moved = move_to_postgres(&store, &db.url).unwrap();
        let counts = store.table_counts().unwrap();
        assert_eq!(moved.tables, counts);
        assert!(counts.len() > 20, "{counts:?}");
        let rows = |t: &str| counts.iter().find(|(n, _)| n == t).map(|(_, n)| *n).unwrap();
        for t in [
            "units",
            "heads",
            "dossiers",
            "entries",
            "audit_log",
            "nominations",
            "dossier_sums",
        ] {
            assert!(rows(t) > 0, "the demo has {t}");
        }
        let mut pg = db.client();
        for (t, n) in &counts {
            let m: i64 = pg
                .query_one(&format!("SELECT count(*) FROM {t}"), &[])
                .unwrap()
                .get(0);
            assert_eq!(m, *n, "{t}");
        }
        // rows arrive value for value: the audit chain and the dossiers, in full
        let chain = |c: &mut postgres::Client| -> Vec<(i64, String, String)> {
            c.query("SELECT id, action, hash FROM audit_log ORDER BY id", &[])
                .unwrap()
                .iter()
                .map(|r| (r.get(0), r.get(1), r.get(2)))
                .collect()
        };
        let lite = rusqlite::Connection::open(dir.path().join(DATABASE)).unwrap();
        let mut st = lite
            .prepare("SELECT id, action, hash FROM audit_log ORDER BY id")
            .unwrap();
        let here: Vec<(i64, String, String)> = st
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        assert_eq!(chain(&mut pg), here);
        assert_eq!(moved.audit_head, here.last().map(|(id, _, h)| (*id, h.clone())));
        let dossiers = "SELECT code, unit_id, procedure_code, received_at, due_at, completed_at, channel, status, open_span FROM dossiers ORDER BY code";
        let there: Vec<String> = pg
            .query(dossiers, &[])
            .unwrap()
            .iter()
            .map(|r| {
                format!(
                    "{}|{}|{}|{}|{}|{:?}|{}|{}|{:?}",
                    r.get::<_, String>(0),
                    r.get::<_, i64>(1),
                    r.get::<_, String>(2),
                    r.get::<_, i64>(3),
                    r.get::<_, i64>(4),
                    r.get::<_, Option<i64>>(5),
                    r.get::<_, i64>(6),
                    r.get::<_, i64>(7),
                    r.get::<_, Option<i64>>(8)
                )
            })
            .collect();
        let mut st = lite.prepare(dossiers).unwrap();
        let here: Vec<String> = st
            .query_map([], |r| {
                Ok(format!(
                    "{}|{}|{}|{}|{}|{:?}|{}|{}|{:?}",
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, i64>(4)?,
                    r.get::<_, Option<i64>>(5)?,
                    r.get::<_, i64>(6)?,
                    r.get::<_, i64>(7)?,
                    r.get::<_, Option<i64>>(8)?
                ))
            })
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        assert_eq!(there, here);
        // every stored file, byte for byte
        let files: Vec<(String, Vec<u8>)> = pg
            .query("SELECT name, content FROM stored_files ORDER BY name", &[])
            .unwrap()
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect();
        assert!(!files.is_empty(), "the demo stores documents");
        assert_eq!(files.len(), moved.files);
        for (name, content) in &files {
            assert_eq!(&std::fs::read(dir.path().join(name)).unwrap(), content, "{name}");
        }
        // the evaluation on PostgreSQL is the embedded store's, at the period's end (kept
        // sums and month-end corrections), now (the rows still pending) and in the middle
        // of a month (every dossier)
        let pg_store = Store::open_url(&db.url).unwrap();
        let plans = store.plans().unwrap();
        assert_eq!(format!("{:?}", pg_store.plans().unwrap()), format!("{plans:?}"));
        for plan in &plans {
            let end = plan.period_to.end();
            let mid = thidua_domain::time::DateTime(plan.period_from.start().0 + 200 * 86_400 + 3_600);
            let now = thidua_domain::time::DateTime::now_local().min(end);
            for as_of in [end, now, mid] {
                let here = store.evaluate(plan, as_of).unwrap();
                let there = pg_store.evaluate(plan, as_of).unwrap();
                assert!(!here.is_empty());
                assert_eq!(
                    format!("{there:?}"),
                    format!("{here:?}"),
                    "{} at {}",
                    plan.code,
                    as_of.iso()
                );
            }
        }
        // a new row takes the next identity after the moved ones
        let max: i64 = pg.query_one("SELECT max(id) FROM imports", &[]).unwrap().get(0);
        let next: i64 = pg
            .query_one(
                "INSERT INTO imports (kind, file_name, started_at) VALUES ('units', 'x.csv', 0) RETURNING id",
                &[],
            )
            .unwrap()
            .get(0);
        assert_eq!(next, max + 1);
        // a second move is refused and leaves the database as it was
        let err = move_to_postgres(&store, &db.url).unwrap_err();
        assert!(err.to_string().contains("đã có dữ liệu"), "{err}");
        let m: i64 = pg.query_one("SELECT count(*) FROM dossiers", &[]).unwrap().get(0);
        assert_eq!(m, rows("dossiers"));
    }

    /// A PostgreSQL store (the published demo, its year frozen, moved in and then changed
    /// there) backs up to the portable archive, which restores into another PostgreSQL
    /// database and into a folder: the same tables, audit chain, files and evaluations on
    /// every side, and the frozen year's dossiers still guarded.
    #[test]
    fn a_postgres_store_backs_up_to_the_portable_archive_and_restores_into_either_backend() {
        let dir = tempfile::tempdir().unwrap();
        crate::demo::prepare_with(&dir.path().join("src"), "mat-khau-demo-2023", true).unwrap();
        let src = Store::open_dir(&dir.path().join("src")).unwrap();
        let a = TestDb::new("thidua_backup_a");
        move_to_postgres(&src, &a.url).unwrap();
        drop(src);
        let pa = Store::open_url(&a.url).unwrap();
        // written on PostgreSQL after the move: the archive is read from the database
        pa.put_file("sau-khi-chuyen.pdf", b"%PDF-1.7 late").unwrap();
        pa.audit_record(
            &thidua_store::audit::Actor::cli(),
            "cai_dat",
            "setting",
            "sau_khi_chuyen",
            Some(&serde_json::json!({"ok": true})),
        )
        .unwrap();
        let archive = dir.path().join("pg.zip");
        let m = backup(&pa, &archive).unwrap();
        let head = pa.verify_chain(None).unwrap().head;
        assert_eq!(m.audit_head, head);
        let b = TestDb::new("thidua_backup_b");
        restore_to_postgres(&archive, &b.url).unwrap();
        let folder = dir.path().join("restored");
        restore(&archive, &folder).unwrap();
        let pb = Store::open_url(&b.url).unwrap();
        let lite = Store::open_dir(&folder).unwrap();
        assert_eq!(lite.table_counts().unwrap(), m.tables);
        let names = pa.file_names().unwrap();
        assert!(names.contains(&"sau-khi-chuyen.pdf".to_string()) && names.len() > 1);
        for other in [&pb, &lite] {
            let chain = other.verify_chain(None).unwrap();
            assert!(chain.is_intact());
            assert_eq!(chain.head, head);
            assert_eq!(other.file_names().unwrap(), names);
            for name in &names {
                assert_eq!(
                    other.read_file(name).unwrap(),
                    pa.read_file(name).unwrap(),
                    "{name}"
                );
            }
            for plan in pa.plans().unwrap() {
                let end = plan.period_to.end();
                assert_eq!(
                    format!("{:?}", other.evaluate(&plan, end).unwrap()),
                    format!("{:?}", pa.evaluate(&plan, end).unwrap()),
                    "{}",
                    plan.code
                );
            }
        }
        // the frozen year's dossiers stay guarded on both sides
        let mut c = b.client();
        let e = c
            .batch_execute("UPDATE dossiers SET status = status")
            .unwrap_err();
        assert!(format!("{e:?}").contains("thidua: frozen"), "{e:?}");
        let l = rusqlite::Connection::open(folder.join(DATABASE)).unwrap();
        let e = l
            .execute_batch("UPDATE dossiers SET status = status")
            .unwrap_err();
        assert!(e.to_string().contains("thidua: frozen"), "{e}");
        // a restore goes only into an empty database
        let again = restore_to_postgres(&archive, &b.url).unwrap_err();
        assert!(again.to_string().contains("đã có dữ liệu"), "{again}");
    }
}
