//! Evidence files and nomination documents: one interface, two places (issue 16 part 3).
//! An embedded store keeps them in its data folder (`attachments/NAME`, beside the data
//! file); a PostgreSQL store keeps them in the database itself (`stored_files`, named
//! `attachments/NAME` as `thidua migrate` and a backup name them), where every instance
//! reads them. A file is written before the row that refers to it is committed, so a
//! committed row always has its file; what a failure leaves is swept by age
//! (`sweep_files`).

use crate::sql::{params, OptionalExtension};
use crate::{refused, Result, Store, StoreError};
use std::collections::HashSet;
use std::path::PathBuf;

/// Where a store keeps its files.
pub(crate) enum Files {
    /// The data folder's `attachments/`.
    Folder(PathBuf),
    /// The PostgreSQL database (`stored_files`).
    Database,
    /// A private in-memory store keeps none.
    Nowhere,
}

/// The folder of the stored files' names.
const PREFIX: &str = "attachments/";

/// A name the server made (letters, digits, `-`, `_`, one `.`): never a path.
fn checked(name: &str) -> Result<&str> {
    let ok = !name.is_empty()
        && name.len() <= 128
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
    if ok {
        Ok(name)
    } else {
        Err(refused(
            "tên tệp không hợp lệ",
            format!("invalid stored file name '{name}'"),
        ))
    }
}

fn io(what: &str, e: std::io::Error) -> StoreError {
    refused(
        format!("không {what} được tệp đã lưu: {e}"),
        format!("cannot {what} a stored file: {e}"),
    )
}

impl Store {
    /// Writes the file `name` (replacing one of that name).
    pub fn put_file(&self, name: &str, bytes: &[u8]) -> Result<()> {
        let name = checked(name)?;
        match &self.files {
            Files::Folder(dir) => {
                std::fs::create_dir_all(dir).map_err(|e| io("ghi / write", e))?;
                std::fs::write(dir.join(name), bytes).map_err(|e| io("ghi / write", e))
            }
            Files::Database => {
                self.conn.execute(
                    "INSERT INTO stored_files (name, content, written_at) VALUES (?1, ?2, ?3)
                     ON CONFLICT (name) DO UPDATE SET content = excluded.content, written_at = excluded.written_at",
                    params![format!("{PREFIX}{name}"), bytes, crate::now()],
                )?;
                Ok(())
            }
            Files::Nowhere => Err(refused(
                "kho dữ liệu tạm không lưu tệp",
                "a private in-memory store keeps no files",
            )),
        }
    }

    /// The file `name`'s bytes.
    pub fn read_file(&self, name: &str) -> Result<Vec<u8>> {
        let name = checked(name)?;
        let missing = || refused(format!("không có tệp {name}"), format!("no stored file {name}"));
        match &self.files {
            Files::Folder(dir) => std::fs::read(dir.join(name)).map_err(|e| match e.kind() {
                std::io::ErrorKind::NotFound => missing(),
                _ => io("đọc / read", e),
            }),
            Files::Database => self
                .conn
                .query_row(
                    "SELECT content FROM stored_files WHERE name = ?1",
                    [format!("{PREFIX}{name}")],
                    |r| r.get(0),
                )
                .optional()?
                .ok_or_else(missing),
            Files::Nowhere => Err(missing()),
        }
    }

    /// Removes the file `name` (nothing if there is none).
    pub fn remove_file(&self, name: &str) -> Result<()> {
        let name = checked(name)?;
        match &self.files {
            Files::Folder(dir) => match std::fs::remove_file(dir.join(name)) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io("xóa / remove", e)),
                _ => Ok(()),
            },
            Files::Database => {
                self.conn.execute(
                    "DELETE FROM stored_files WHERE name = ?1",
                    [format!("{PREFIX}{name}")],
                )?;
                Ok(())
            }
            Files::Nowhere => Ok(()),
        }
    }

    /// Every stored file's name, sorted.
    pub fn file_names(&self) -> Result<Vec<String>> {
        let mut names: Vec<String> = match &self.files {
            Files::Folder(dir) => match std::fs::read_dir(dir) {
                Ok(entries) => entries
                    .filter_map(|e| e.ok())
                    .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect(),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
                Err(e) => return Err(io("đọc / read", e)),
            },
            Files::Database => self
                .conn
                .query_all("SELECT name FROM stored_files", (), |r| r.get::<_, String>(0))?
                .into_iter()
                .map(|n| n.strip_prefix(PREFIX).unwrap_or(&n).to_string())
                .collect(),
            Files::Nowhere => Vec::new(),
        };
        names.sort();
        Ok(names)
    }

    /// Removes the files no record refers to (`referenced`, by name) that were written at
    /// least `min_age` ago; how many went.
    pub fn sweep_files(&self, referenced: &HashSet<String>, min_age: std::time::Duration) -> Result<usize> {
        let mut swept = 0;
        match &self.files {
            Files::Folder(dir) => {
                swept = sweep_folder(dir, referenced, min_age).map_err(|e| io("xóa / remove", e))?
            }
            Files::Database => {
                let before = crate::now() - min_age.as_secs() as i64;
                let names: Vec<String> = self.conn.query_all(
                    "SELECT name FROM stored_files WHERE written_at <= ?1",
                    [before],
                    |r| r.get(0),
                )?;
                // shared uploads no staged import refers to any more
                let uploads: Vec<String> = self.conn.query_all(
                    "SELECT DISTINCT name FROM staged_upload_parts WHERE written_at <= ?1",
                    [before],
                    |r| r.get(0),
                )?;
                for name in uploads.iter().filter(|n| !referenced.contains(*n)) {
                    self.conn.execute(
                        "DELETE FROM staged_upload_parts WHERE name = ?1 AND written_at <= ?2",
                        params![name, before],
                    )?;
                    swept += 1;
                }
                for name in names {
                    let short = name.strip_prefix(PREFIX).unwrap_or(&name);
                    if !referenced.contains(short) {
                        self.conn.execute(
                            "DELETE FROM stored_files WHERE name = ?1 AND written_at <= ?2",
                            params![name, before],
                        )?;
                        swept += 1;
                    }
                }
            }
            Files::Nowhere => {}
        }
        Ok(swept)
    }
}

/// The size of one part of a shared upload.
const PART: usize = 8 << 20;

/// A staged web import's file (`uploads/NAME` of the instance that received it), shared
/// with the other instances of a PostgreSQL store in parts (`staged_upload_parts`), so
/// that any of them can confirm it; an embedded store has one instance and shares nothing.
impl Store {
    /// Shares the uploaded file at `path` as `name` (PostgreSQL; elsewhere nothing).
    pub fn share_upload(&self, name: &str, path: &std::path::Path) -> Result<()> {
        let name = checked(name)?;
        if !matches!(self.files, Files::Database) {
            return Ok(());
        }
        use std::io::Read;
        let mut file = std::fs::File::open(path).map_err(|e| io("đọc / read", e))?;
        let tx = self.conn.plain_tx()?;
        tx.execute("DELETE FROM staged_upload_parts WHERE name = ?1", [name])?;
        let mut buf = vec![0u8; PART];
        for part in 0i64.. {
            let mut filled = 0;
            while filled < PART {
                match file.read(&mut buf[filled..]) {
                    Ok(0) => break,
                    Ok(n) => filled += n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(io("đọc / read", e)),
                }
            }
            if filled == 0 && part > 0 {
                break;
            }
            tx.execute(
                "INSERT INTO staged_upload_parts (name, part, bytes, written_at) VALUES (?1, ?2, ?3, ?4)",
                params![name, part, &buf[..filled], crate::now()],
            )?;
            if filled < PART {
                break;
            }
        }
        tx.commit()
    }

    /// Makes sure the file `name` is at `path`: an upload another instance received is
    /// written there from its shared parts (through a temporary file, so that a half-written
    /// copy is never taken for the upload). Answers whether it is there.
    pub fn fetch_upload(&self, name: &str, path: &std::path::Path) -> Result<bool> {
        let name = checked(name)?;
        if path.exists() {
            return Ok(true);
        }
        if !matches!(self.files, Files::Database) {
            return Ok(false);
        }
        let parts: i64 = self.conn.query_row(
            "SELECT count(*) FROM staged_upload_parts WHERE name = ?1",
            [name],
            |r| r.get(0),
        )?;
        if parts == 0 {
            return Ok(false);
        }
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| io("ghi / write", e))?;
        }
        // a name of this thread's own: two requests may fetch one upload at once
        let tmp_path = path.with_file_name(format!(
            ".{name}.{}.{:?}.incoming",
            std::process::id(),
            std::thread::current().id()
        ));
        let written = self.write_parts(name, parts, &tmp_path);
        if let Err(e) =
            written.and_then(|()| std::fs::rename(&tmp_path, path).map_err(|e| io("ghi / write", e)))
        {
            let _ = std::fs::remove_file(&tmp_path);
            return Err(e);
        }
        Ok(true)
    }

    fn write_parts(&self, name: &str, parts: i64, to: &std::path::Path) -> Result<()> {
        use std::io::Write;
        let mut tmp = std::fs::File::create(to).map_err(|e| io("ghi / write", e))?;
        for part in 0..parts {
            // one part at a time: memory bounded by the part's size
            let bytes: Vec<u8> = self.conn.query_row(
                "SELECT bytes FROM staged_upload_parts WHERE name = ?1 AND part = ?2",
                params![name, part],
                |r| r.get(0),
            )?;
            tmp.write_all(&bytes).map_err(|e| io("ghi / write", e))?;
        }
        tmp.sync_all().map_err(|e| io("ghi / write", e))
    }

    /// Removes the shared parts of the upload `name` (nothing if there are none).
    pub fn unshare_upload(&self, name: &str) -> Result<()> {
        let name = checked(name)?;
        if matches!(self.files, Files::Database) {
            self.conn
                .execute("DELETE FROM staged_upload_parts WHERE name = ?1", [name])?;
        }
        Ok(())
    }
}

/// Deletes the files of `dir` not in `referenced` that were last written at least
/// `min_age` ago (an absent folder has none); how many went.
pub fn sweep_folder(
    dir: &std::path::Path,
    referenced: &HashSet<String>,
    min_age: std::time::Duration,
) -> std::io::Result<usize> {
    let entries = match std::fs::read_dir(dir) {
        Ok(d) => d,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(e),
    };
    let mut swept = 0;
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let meta = entry.metadata()?;
        let old = meta
            .modified()
            .ok()
            .and_then(|m| m.elapsed().ok())
            .is_some_and(|age| age >= min_age);
        if meta.is_file() && old && !referenced.contains(&name) {
            std::fs::remove_file(entry.path())?;
            swept += 1;
        }
    }
    Ok(swept)
}

#[cfg(test)]
mod tests {
    /// Each backend keeps, reads, replaces, sweeps and removes a file by the one interface;
    /// a name that is a path is refused.
    #[test]
    fn a_file_is_kept_read_swept_and_removed_on_either_backend() {
        let dir = tempfile::tempdir().unwrap();
        let pg = crate::testing::TestDb::new("thidua_files");
        for s in [
            crate::Store::open_dir(dir.path()).unwrap(),
            crate::Store::open_url(&pg.url).unwrap(),
        ] {
            s.put_file("abc.pdf", b"one").unwrap();
            s.put_file("abc.pdf", b"two").unwrap();
            assert_eq!(s.read_file("abc.pdf").unwrap(), b"two");
            assert!(s.read_file("other.pdf").is_err());
            for bad in ["../thidua.db", "a/b", ".hidden", ""] {
                assert!(s.put_file(bad, b"x").is_err(), "{bad}");
                assert!(s.read_file(bad).is_err(), "{bad}");
            }
            s.put_file("kept.png", b"k").unwrap();
            assert_eq!(s.file_names().unwrap(), ["abc.pdf", "kept.png"]);
            let referenced: std::collections::HashSet<String> = ["kept.png".to_string()].into();
            // too young to sweep, then old enough (an age of zero)
            assert_eq!(
                s.sweep_files(&referenced, std::time::Duration::from_secs(3600))
                    .unwrap(),
                0
            );
            assert_eq!(s.sweep_files(&referenced, std::time::Duration::ZERO).unwrap(), 1);
            assert!(s.read_file("abc.pdf").is_err());
            assert_eq!(s.read_file("kept.png").unwrap(), b"k");
            s.remove_file("kept.png").unwrap();
            s.remove_file("kept.png").unwrap(); // gone already: nothing to do
            assert!(s.read_file("kept.png").is_err());
        }
        assert!(dir.path().join("attachments").is_dir());
    }

    /// An upload shared in parts by one instance of a PostgreSQL store arrives whole at
    /// another's folder; an embedded store shares nothing (one instance); parts no staged
    /// import refers to are swept.
    #[test]
    fn an_upload_is_shared_in_parts_and_fetched_whole() {
        let pg = crate::testing::TestDb::new("thidua_uploads");
        let (one, other) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let bytes: Vec<u8> = (0..2 * super::PART + 5).map(|i| (i % 251) as u8).collect();
        let sent = one.path().join("t1.csv");
        std::fs::write(&sent, &bytes).unwrap();
        let s = crate::Store::open_url(&pg.url).unwrap();
        s.share_upload("t1.csv", &sent).unwrap();
        let parts: i64 = s
            .conn
            .query_row(
                "SELECT count(*) FROM staged_upload_parts WHERE name = 't1.csv'",
                (),
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(parts, 3);
        let got = other.path().join("uploads").join("t1.csv");
        assert!(s.fetch_upload("t1.csv", &got).unwrap());
        assert_eq!(std::fs::read(&got).unwrap(), bytes);
        assert_eq!(
            std::fs::read_dir(got.parent().unwrap()).unwrap().count(),
            1,
            "no partial copy left"
        );
        // an empty upload is one empty part
        std::fs::write(&sent, b"").unwrap();
        s.share_upload("t2.csv", &sent).unwrap();
        let empty = other.path().join("t2.csv");
        assert!(s.fetch_upload("t2.csv", &empty).unwrap());
        assert_eq!(std::fs::read(&empty).unwrap(), b"");
        s.unshare_upload("t1.csv").unwrap();
        assert!(!s.fetch_upload("t1.csv", &other.path().join("again.csv")).unwrap());
        assert!(s.share_upload("../x", &sent).is_err());
        // swept when no staged import refers to it any more
        let none = std::collections::HashSet::new();
        assert_eq!(s.sweep_files(&none, std::time::Duration::ZERO).unwrap(), 1);
        assert!(!s.fetch_upload("t2.csv", &other.path().join("t2b.csv")).unwrap());
        // the embedded store: the file is where it was received, or nowhere
        let lite = crate::Store::open_dir(one.path()).unwrap();
        lite.share_upload("t3.csv", &sent).unwrap();
        assert!(lite.fetch_upload("t3.csv", &sent).unwrap());
        assert!(!lite.fetch_upload("t3.csv", &other.path().join("t3.csv")).unwrap());
    }
}
