//! E-mail notices and reminders (issue 15 part 5). What happened is told to whoever's turn
//! it now is — a returned entry to its unit, a nomination at each step to the level that
//! takes the next one — and deadlines are recalled three days ahead to the units they
//! bind. Messages go to the store's outbox at once; a worker sends them over SMTP
//! (`lettre`) and retries failures with a growing delay, so a slow or absent mail server
//! never holds up a page. The server's address and sender are settings; its password is
//! read from the environment (`THIDUA_SMTP_PASSWORD`), never stored.

use crate::error::Result;
use std::time::Duration;
use thidua_domain::entry::Period;
use thidua_domain::nomination::NominationState;
use thidua_domain::plan::Plan;
use thidua_domain::role::Role;
use thidua_domain::time::Date;
use thidua_store::mail::OutMail;
use thidua_store::Store;

pub const SMTP_HOST_KEY: &str = "smtp_may_chu";
pub const SMTP_PORT_KEY: &str = "smtp_cong";
pub const SMTP_SECURITY_KEY: &str = "smtp_bao_mat";
pub const SMTP_USER_KEY: &str = "smtp_ten_dang_nhap";
pub const SMTP_FROM_KEY: &str = "smtp_dia_chi_gui";
/// The address people open the product at, for links in messages (e.g. `https://thidua.example.gov.vn`).
pub const SITE_URL_KEY: &str = "dia_chi_trang";
pub const PASSWORD_ENV: &str = "THIDUA_SMTP_PASSWORD";

/// Days before a deadline its reminder goes.
pub const REMIND_DAYS_AHEAD: i32 = 3;

/// How the connection to the mail server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// Plain SMTP (a relay on the same machine or network).
    None,
    /// STARTTLS (usually port 587).
    StartTls,
    /// TLS from the first byte (usually port 465).
    Tls,
}

impl Security {
    pub const ALL: [Security; 3] = [Security::StartTls, Security::Tls, Security::None];
    pub fn code(self) -> &'static str {
        match self {
            Security::None => "khong",
            Security::StartTls => "starttls",
            Security::Tls => "tls",
        }
    }
    pub fn vi(self) -> &'static str {
        match self {
            Security::None => "Không mã hóa (máy chủ thư nội bộ)",
            Security::StartTls => "STARTTLS (thường cổng 587)",
            Security::Tls => "TLS (thường cổng 465)",
        }
    }
    pub fn parse(s: &str) -> Option<Security> {
        Security::ALL.into_iter().find(|x| x.code() == s)
    }
}

/// The mail server, as the settings give it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Smtp {
    pub host: String,
    pub port: u16,
    pub security: Security,
    pub user: String,
    pub from: String,
}

fn setting(store: &Store, key: &str) -> Result<String> {
    Ok(store.setting(key)?.unwrap_or_default().trim().to_string())
}

/// The mail server from the settings; None while no server is set (messages then wait in
/// the outbox).
pub fn smtp(store: &Store) -> Result<Option<Smtp>> {
    let host = setting(store, SMTP_HOST_KEY)?;
    if host.is_empty() {
        return Ok(None);
    }
    let security = Security::parse(&setting(store, SMTP_SECURITY_KEY)?).unwrap_or(Security::StartTls);
    let port = setting(store, SMTP_PORT_KEY)?.parse().unwrap_or(match security {
        Security::None => 25,
        Security::StartTls => 587,
        Security::Tls => 465,
    });
    Ok(Some(Smtp {
        host,
        port,
        security,
        user: setting(store, SMTP_USER_KEY)?,
        from: setting(store, SMTP_FROM_KEY)?,
    }))
}

/// An e-mail address as people type it: trimmed, checked (blank clears it).
pub fn check_address(s: &str) -> std::result::Result<String, String> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(String::new());
    }
    if s.len() > 254 {
        return Err("Địa chỉ thư điện tử dài quá 254 ký tự.".into());
    }
    s.parse::<lettre::Address>()
        .map(|_| s.to_string())
        .map_err(|_| format!("«{s}» không phải địa chỉ thư điện tử hợp lệ (ví dụ: ten@donvi.gov.vn)."))
}

/// Sends one message (blocking: the worker calls it off the async threads).
pub fn send(smtp: &Smtp, m: &OutMail) -> std::result::Result<(), String> {
    use lettre::message::header::ContentType;
    use lettre::transport::smtp::authentication::Credentials;
    use lettre::{Message, SmtpTransport, Transport};
    let from = if smtp.from.is_empty() {
        format!("thidua@{}", smtp.host)
    } else {
        smtp.from.clone()
    };
    let from: lettre::message::Mailbox = format!("Thi đua CCHC <{from}>")
        .parse()
        .map_err(|e| format!("sender address: {e}"))?;
    let to: lettre::message::Mailbox = m
        .recipient
        .parse()
        .map_err(|e| format!("recipient address: {e}"))?;
    let message = Message::builder()
        .from(from)
        .to(to)
        .subject(&m.subject)
        .header(ContentType::TEXT_PLAIN)
        .body(m.body.clone())
        .map_err(|e| format!("message: {e}"))?;
    let builder = match smtp.security {
        Security::None => SmtpTransport::builder_dangerous(&smtp.host),
        Security::StartTls => SmtpTransport::starttls_relay(&smtp.host).map_err(|e| e.to_string())?,
        Security::Tls => SmtpTransport::relay(&smtp.host).map_err(|e| e.to_string())?,
    };
    let mut builder = builder.port(smtp.port).timeout(Some(Duration::from_secs(30)));
    if !smtp.user.is_empty() {
        let password = std::env::var(PASSWORD_ENV).unwrap_or_default();
        builder = builder.credentials(Credentials::new(smtp.user.clone(), password));
    }
    builder
        .build()
        .send(&message)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// When a message that failed `attempts` times is tried again: 1, 2, 4 … minutes, at most
/// a day.
pub fn retry_at(now: i64, attempts: i64) -> i64 {
    now + (60i64 << attempts.clamp(0, 11)).min(86_400)
}

/// A link to `path` in a message: the site's address when set, else the path alone.
fn link(store: &Store, path: &str) -> Result<String> {
    let base = setting(store, SITE_URL_KEY)?;
    Ok(format!("{}{path}", base.trim_end_matches('/')))
}

const SIGNATURE: &str =
    "\n\n—\nThư gửi tự động từ hệ thống Thi đua cải cách hành chính. Vui lòng không trả lời thư này.";

/// Queues one message for each account of `role` (of `unit_id`) that has an address;
/// with `key`, once per account under that key. Returns how many were queued.
fn queue(
    store: &mut Store,
    role: Role,
    unit_id: Option<i64>,
    subject: &str,
    body: &str,
    key: Option<&str>,
) -> Result<usize> {
    let mut n = 0;
    for (username, name, address) in store.mail_recipients(role, unit_id)? {
        let greeting = if name.is_empty() {
            "Kính gửi anh/chị,".to_string()
        } else {
            format!("Kính gửi {name},")
        };
        let text = format!("{greeting}\n\n{body}{SIGNATURE}");
        let dedupe = key.map(|k| format!("{k}:{username}"));
        if store.enqueue_mail(&address, subject, &text, dedupe.as_deref())? {
            n += 1;
        }
    }
    Ok(n)
}

/// The office returned an entry: its unit's reporters are told why.
pub fn entry_returned(store: &mut Store, entry_id: i64) -> Result<usize> {
    let Some(e) = store.entry(entry_id)? else {
        return Ok(0);
    };
    let period = Period::parse(&e.period)
        .map(crate::agenda::period_label)
        .unwrap_or(e.period.clone());
    let indicator = store
        .plans()?
        .iter()
        .find_map(|p| p.indicator(&e.indicator).map(|i| i.name.clone()))
        .unwrap_or(e.indicator.clone());
    let subject = format!("Số liệu bị trả lại: {indicator}, {period}");
    let body = format!(
        "Sở Nội vụ đã trả lại số liệu «{indicator}» {period} của {}.\nLý do: {}\n\nSửa và gửi lại tại: {}",
        e.unit_name,
        e.reason,
        link(store, &format!("/so-lieu/{entry_id}"))?
    );
    queue(store, Role::DonVi, Some(e.unit_id), &subject, &body, None)
}

/// A nomination reached `state`: whoever takes the next step is told (the unit when it is
/// returned or decided).
pub fn nomination_moved(store: &mut Store, nomination_id: i64) -> Result<usize> {
    let Some(n) = store.nomination(nomination_id)? else {
        return Ok(0);
    };
    let who = format!("{}, {} ({})", n.head_name, n.head_title, n.unit_name);
    let url = link(store, &format!("/de-nghi/{nomination_id}"))?;
    let reason = store
        .nomination_events(nomination_id)?
        .last()
        .map(|e| e.reason.clone())
        .filter(|r| !r.trim().is_empty())
        .map(|r| format!("\nÝ kiến: {r}"))
        .unwrap_or_default();
    let parent = match &n.unit_parent {
        Some(code) => store.unit(code)?.map(|u| u.id),
        None => None,
    };
    let (role, unit, subject, body) = match n.state {
        NominationState::TraLai => (
            Role::DonVi,
            Some(n.unit_id),
            format!("Hồ sơ đề nghị khen thưởng bị trả lại: {}", n.head_name),
            format!("Hồ sơ đề nghị khen thưởng {who} đã bị trả lại để bổ sung.{reason}\n\nXem và nộp lại tại: {url}"),
        ),
        NominationState::ChoCapTrinh => (
            Role::DonVi,
            parent,
            format!("Hồ sơ đề nghị khen thưởng chờ cấp trình khen: {}", n.head_name),
            format!("{} đã nộp hồ sơ đề nghị khen thưởng {who}, chờ đơn vị xem xét và đề nghị lên tỉnh.\n\nXem tại: {url}", n.unit_name),
        ),
        NominationState::DaNop => (
            Role::SoNoiVu,
            None,
            format!("Hồ sơ đề nghị khen thưởng chờ kiểm tra: {}", n.head_name),
            format!("Hồ sơ đề nghị khen thưởng {who} đã nộp, chờ Sở Nội vụ kiểm tra.{reason}\n\nXem tại: {url}"),
        ),
        NominationState::DaChuyen => (
            Role::BanTdkt,
            None,
            format!("Hồ sơ đề nghị khen thưởng chờ thẩm định: {}", n.head_name),
            format!("Sở Nội vụ đã chuyển hồ sơ đề nghị khen thưởng {who} tới Ban Thi đua - Khen thưởng để thẩm định.{reason}\n\nXem tại: {url}"),
        ),
        NominationState::DaThamDinh => (
            Role::LanhDao,
            None,
            format!("Hồ sơ đề nghị khen thưởng chờ phê duyệt: {}", n.head_name),
            format!("Ban Thi đua - Khen thưởng đã thẩm định hồ sơ đề nghị khen thưởng {who}, chờ lãnh đạo phê duyệt.{reason}\n\nXem tại: {url}"),
        ),
        NominationState::DaPheDuyet | NominationState::KhongPheDuyet => (
            Role::DonVi,
            Some(n.unit_id),
            format!("Kết quả xét đề nghị khen thưởng: {}", n.head_name),
            format!("Hồ sơ đề nghị khen thưởng {who}: {}.{reason}\n\nXem tại: {url}", n.state.vi().to_lowercase()),
        ),
        NominationState::Nhap => return Ok(0),
    };
    if unit.is_none() && role == Role::DonVi {
        return Ok(0);
    }
    queue(store, role, unit, &subject, &body, None)
}

/// Queues the reminders of the deadlines from `today` to `REMIND_DAYS_AHEAD` days ahead
/// (a day the server was down is caught up), each once per account: the entries' and the
/// nominations' deadlines to the units' reporters. Returns how many were queued.
pub fn queue_reminders(store: &mut Store, plan: &Plan, today: Date) -> Result<usize> {
    let to = Date(today.0 + REMIND_DAYS_AHEAD);
    let url = link(store, "/")?;
    let mut n = 0;
    for (date, period) in plan.entry_deadlines_between(today, to) {
        let label = crate::agenda::period_label(period);
        let subject = format!("Nhắc hạn gửi số liệu {label}: {}", date.vi());
        let body = format!(
            "Hạn gửi số liệu {label} của kế hoạch thi đua là ngày {} ({}). Sau hạn, đơn vị không thể tạo, sửa hoặc gửi số liệu của kỳ này nếu Sở Nội vụ không mở lại.\n\nViệc cần làm của đơn vị: {url}",
            date.vi(),
            crate::agenda::days_left(date, today)
        );
        let key = format!("nhac_han:so_lieu:{}:{}:{}", plan.code, period.code(), date.iso());
        n += queue(store, Role::DonVi, None, &subject, &body, Some(&key))?;
    }
    if let Some(date) = crate::award::deadline(store, plan)?.filter(|d| today <= *d && *d <= to) {
        let subject = format!("Nhắc hạn nộp hồ sơ đề nghị khen thưởng: {}", date.vi());
        let body = format!(
            "Hạn nộp hồ sơ đề nghị khen thưởng của kế hoạch thi đua là ngày {} ({}).\n\nViệc cần làm của đơn vị: {url}",
            date.vi(),
            crate::agenda::days_left(date, today)
        );
        let key = format!("nhac_han:de_nghi:{}:{}", plan.code, date.iso());
        n += queue(store, Role::DonVi, None, &subject, &body, Some(&key))?;
    }
    Ok(n)
}

/// What one round of the worker did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Round {
    pub sent: usize,
    pub failed: usize,
}

/// Sends what is due (at most `limit` messages), each through `send_one`, recording each
/// result; the store is used only between sends.
pub fn deliver(
    store: &mut Store,
    now: i64,
    limit: i64,
    send_one: impl Fn(&Smtp, &OutMail) -> std::result::Result<(), String>,
) -> Result<Round> {
    let Some(smtp) = smtp(store)? else {
        return Ok(Round::default());
    };
    let mut round = Round::default();
    for m in store.due_mail(now, limit)? {
        match send_one(&smtp, &m) {
            Ok(()) => {
                store.mail_sent(m.id)?;
                round.sent += 1;
            }
            Err(e) => {
                store.mail_failed(m.id, &e, retry_at(now, m.attempts))?;
                round.failed += 1;
            }
        }
    }
    Ok(round)
}

#[cfg(test)]
mod tests {
    use super::*;
    use thidua_store::audit::Actor;

    fn store_with_server() -> Store {
        let mut s = Store::in_memory().unwrap();
        s.set_setting(&Actor::default(), SMTP_HOST_KEY, "127.0.0.1")
            .unwrap();
        s
    }

    #[test]
    fn a_failed_message_waits_longer_each_time_and_is_given_up_after_the_last_attempt() {
        let mut s = store_with_server();
        s.enqueue_mail("a@example.gov.vn", "Tiêu đề", "Nội dung", None)
            .unwrap();
        let fail = |_: &Smtp, _: &OutMail| Err::<(), _>("connection refused".to_string());
        let mut now = thidua_domain::time::DateTime::now_local().0 + 5;
        for attempt in 0..thidua_store::mail::MAX_ATTEMPTS {
            if attempt > 0 {
                // not before its retry time
                assert_eq!(deliver(&mut s, now - 1, 10, fail).unwrap(), Round::default());
            }
            assert_eq!(
                deliver(&mut s, now, 10, fail).unwrap(),
                Round { sent: 0, failed: 1 }
            );
            now = retry_at(now, attempt);
        }
        assert!(s.due_mail(i64::MAX, 10).unwrap().is_empty(), "given up");
        let row = &s.outbox(1).unwrap()[0];
        assert_eq!(
            (row.attempts, row.sent_at, row.last_error.as_str()),
            (8, None, "connection refused")
        );
        assert_eq!(retry_at(0, 0), 60);
        assert_eq!(retry_at(0, 3), 480);
        assert_eq!(retry_at(0, 40), 86_400, "at most a day");
    }

    #[test]
    fn nothing_is_sent_without_a_server_and_a_sent_message_is_not_sent_again() {
        let mut s = Store::in_memory().unwrap();
        s.enqueue_mail("a@example.gov.vn", "T", "B", None).unwrap();
        let ok = |_: &Smtp, _: &OutMail| Ok(());
        assert_eq!(
            deliver(&mut s, i64::MAX - 1, 10, ok).unwrap(),
            Round::default(),
            "no server set"
        );
        s.set_setting(&Actor::default(), SMTP_HOST_KEY, "mail.example.gov.vn")
            .unwrap();
        assert_eq!(
            deliver(&mut s, i64::MAX - 1, 10, ok).unwrap(),
            Round { sent: 1, failed: 0 }
        );
        assert_eq!(deliver(&mut s, i64::MAX - 1, 10, ok).unwrap(), Round::default());
        // a key queues once
        assert!(s.enqueue_mail("a@example.gov.vn", "T", "B", Some("k")).unwrap());
        assert!(!s.enqueue_mail("a@example.gov.vn", "T", "B", Some("k")).unwrap());
    }

    #[test]
    fn addresses_are_checked_and_settings_have_defaults() {
        assert_eq!(check_address("  ten@donvi.gov.vn ").unwrap(), "ten@donvi.gov.vn");
        assert_eq!(check_address("").unwrap(), "");
        assert!(check_address("ten@").unwrap_err().contains("không phải địa chỉ"));
        assert!(check_address(&format!("{}@x.vn", "a".repeat(260))).is_err());
        let mut s = store_with_server();
        let smtp = smtp(&s).unwrap().unwrap();
        assert_eq!((smtp.port, smtp.security), (587, Security::StartTls));
        s.set_setting(&Actor::default(), SMTP_SECURITY_KEY, "tls")
            .unwrap();
        assert_eq!(super::smtp(&s).unwrap().unwrap().port, 465);
        assert!(super::smtp(&Store::in_memory().unwrap()).unwrap().is_none());
    }
}
