//! Evidence files: the type is decided by the content, never by the name; the file is kept
//! under a server-made name; the name people gave it is kept only for display, without
//! any path.

/// A stored file as a download: its server-made name on disk, its type, and the name people
/// gave it (as `filename*`, with an ASCII `fallback` for old clients).
pub async fn download(
    state: &crate::AppState,
    stored_name: &str,
    media_type: &str,
    file_name: &str,
    fallback: &str,
) -> Result<axum::response::Response, crate::AppError> {
    use axum::http::header;
    use axum::response::IntoResponse;
    let bytes = state
        .read_file(stored_name.to_string())
        .await
        .map_err(|e| crate::AppError::internal(format!("read {stored_name}: {e}")))?;
    let encoded =
        percent_encoding::utf8_percent_encode(file_name, percent_encoding::NON_ALPHANUMERIC).to_string();
    let disposition = format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}");
    Ok((
        [
            (header::CONTENT_TYPE, media_type.to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response())
}

/// The stored files (evidence, nomination documents) through the store's one interface:
/// its data folder, or its PostgreSQL database where every instance reads them.
impl crate::AppState {
    /// Writes a stored file (before the row that refers to it is committed).
    pub async fn put_file(&self, name: String, bytes: Vec<u8>) -> Result<(), crate::AppError> {
        self.db(move |s| Ok(s.put_file(&name, &bytes)?)).await
    }

    pub async fn read_file(&self, name: String) -> Result<Vec<u8>, crate::AppError> {
        self.db(move |s| Ok(s.read_file(&name)?)).await
    }

    /// Removes stored files in the background (no row refers to them any more, or their
    /// save failed); one that cannot be removed now is logged and swept later.
    pub fn remove_files_soon(&self, names: Vec<String>) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        if names.is_empty() {
            return;
        }
        let state = self.clone();
        runtime.spawn(async move { state.remove_files(names).await });
    }

    /// Removes stored files now; one that cannot be removed is logged and swept later.
    pub async fn remove_files(&self, names: Vec<String>) {
        if names.is_empty() {
            return;
        }
        let removed = self
            .db(move |s| {
                for name in &names {
                    s.remove_file(name)?;
                }
                Ok(())
            })
            .await;
        if let Err(e) = removed {
            tracing::warn!("stored files left for the sweep: {e}");
        }
    }
}

/// Deletes the files of `uploads/` (staged imports) that the store does not refer to and
/// that were last written at least `min_age` ago: what a server killed between writing a
/// file and committing its row left behind (files are written first, so a committed row
/// always has its file). The age keeps a file whose transaction is still under way, here
/// or on another instance sharing the folder. Returns how many were deleted. (Stored
/// files are swept by the store: `Store::sweep_files`.)
pub fn sweep_orphans(
    data_dir: &std::path::Path,
    referenced: &std::collections::HashSet<String>,
    min_age: std::time::Duration,
) -> std::io::Result<usize> {
    let swept = thidua_store::files::sweep_folder(&data_dir.join("uploads"), referenced, min_age)?;
    if swept > 0 {
        tracing::info!(swept, "swept staged uploads no record refers to");
    }
    Ok(swept)
}

/// A field of a multipart form read into memory, up to `max` bytes; None when it is longer.
pub async fn read_limited(
    field: &mut axum::extract::multipart::Field<'_>,
    max: usize,
) -> Result<Option<Vec<u8>>, crate::AppError> {
    let mut bytes = Vec::new();
    while let Some(chunk) = field
        .chunk()
        .await
        .map_err(|e| crate::AppError::multipart(e, "Tải lên không thành công"))?
    {
        if bytes.len() + chunk.len() > max {
            return Ok(None);
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(Some(bytes))
}

/// A text field of a multipart form, at most 64 KiB (a note, a code), as text.
pub async fn small_text(mut field: axum::extract::multipart::Field<'_>) -> Result<String, crate::AppError> {
    let bytes = read_limited(&mut field, 64 * 1024)
        .await?
        .ok_or_else(|| crate::AppError::refused("Nội dung một ô của biểu mẫu quá dài."))?;
    String::from_utf8(bytes).map_err(|_| crate::AppError::refused("Biểu mẫu có ký tự không hợp lệ."))
}

/// Accepted evidence types, by their first bytes (and for Office files, the ZIP's parts).
pub fn sniff(bytes: &[u8]) -> Option<(&'static str, &'static str)> {
    if bytes.starts_with(b"%PDF-") {
        return Some(("application/pdf", "pdf"));
    }
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Some(("image/jpeg", "jpg"));
    }
    if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        return Some(("image/png", "png"));
    }
    if bytes.starts_with(b"PK\x03\x04") {
        // An Office Open XML package: a ZIP whose directory lists the main part.
        let zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).ok()?;
        if zip.index_for_name("[Content_Types].xml").is_some() {
            if zip.index_for_name("word/document.xml").is_some() {
                return Some((
                    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                    "docx",
                ));
            }
            if zip.index_for_name("xl/workbook.xml").is_some() {
                return Some((
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    "xlsx",
                ));
            }
        }
    }
    None
}

/// The name to show: the last path component, without control characters, at most 120
/// characters. `..\..\x.pdf` and `/etc/passwd` become `x.pdf` and `passwd`.
pub fn display_name(raw: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let clean: String = last.chars().filter(|c| !c.is_control()).collect();
    let clean = clean.trim().trim_start_matches('.').to_string();
    let clean: String = clean.chars().take(120).collect();
    if clean.is_empty() {
        "tep-dinh-kem".into()
    } else {
        clean
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knows_types_by_content_not_name() {
        assert_eq!(sniff(b"%PDF-1.7\n...").map(|t| t.1), Some("pdf"));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0]).map(|t| t.1), Some("jpg"));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n....").map(|t| t.1), Some("png"));
        assert_eq!(sniff(b"MZ\x90\x00 an executable").map(|t| t.1), None);
        assert_eq!(sniff(b"\x7fELF....").map(|t| t.1), None);
        assert_eq!(sniff(b"PK\x03\x04 a plain zip with evil.exe").map(|t| t.1), None);
        assert_eq!(
            sniff(b"PK\x03\x04....[Content_Types].xml....word/document.xml").map(|t| t.1),
            None,
            "names in the bytes are not a package"
        );
        let xlsx = rust_xlsxwriter::Workbook::new().save_to_buffer().unwrap();
        assert_eq!(sniff(&xlsx).map(|t| t.1), Some("xlsx"));
        let docx = thidua_app::documents::sample_docx();
        assert_eq!(sniff(&docx).map(|t| t.1), Some("docx"));
    }

    #[test]
    fn keeps_only_the_last_path_component() {
        assert_eq!(display_name("../../etc/passwd"), "passwd");
        assert_eq!(display_name("C:\\Users\\a\\Báo cáo.pdf"), "Báo cáo.pdf");
        assert_eq!(display_name("..\\..\\x.pdf"), "x.pdf");
        assert_eq!(display_name("../"), "tep-dinh-kem");
        assert_eq!(display_name(".hidden"), "hidden");
    }
}
