//! The web's storage rules: entry workflow, throttling, sessions, the audit log, threads.

use crate::audit::{Actor, AuditFilter};
use crate::threads::ThreadAction;
use crate::users::{Gate, NewUser};
use crate::workflow::{EntryFilter, NewAttachment, ValueForm};
use crate::Store;
use std::io::Cursor;
use thidua_domain::entry::EntryState;
use thidua_domain::plan::{Plan, BUILT_IN_2023};
use thidua_ingest::ImportKind;

fn store() -> crate::testing::TestStore {
    let mut s = crate::testing::store();
    s.put_plan(&Plan::built_in(), BUILT_IN_2023).unwrap();
    let units = "ma_don_vi,ten_don_vi,cap,ma_don_vi_cha\nH01,UBND thành phố Bà Rịa,huyen,\nH02,UBND huyện Long Điền,huyen,\n";
    let r = s
        .import(
            ImportKind::Units,
            Cursor::new(units.as_bytes().to_vec()),
            &Default::default(),
            &mut |_| {},
            &|_| {},
        )
        .unwrap();
    assert!(r.committed);
    // The year's deadlines have passed: the office reopens what these tests enter.
    let until = thidua_domain::time::Date(crate::locks::today().0 + 30);
    for period in ["2023", "2023-Q2"] {
        let p = thidua_domain::entry::Period::parse(period).unwrap();
        s.reopen_period(
            &actor("sonoivu"),
            "H01",
            p,
            until,
            "Đơn vị đề nghị bổ sung số liệu",
        )
        .unwrap();
    }
    s
}

fn actor(name: &str) -> Actor {
    Actor {
        username: name.into(),
        address: "10.0.0.1".into(),
        request_id: "r1".into(),
    }
}

fn form(value: &str) -> ValueForm {
    ValueForm {
        unit: "H01".into(),
        indicator: "sang_kien".into(),
        period: "2023".into(),
        value: value.into(),
        ..Default::default()
    }
}

#[test]
fn an_entry_goes_draft_submitted_returned_resubmitted_verified_with_its_history() {
    let mut s = store();
    let row = s.check_value(&form("2")).unwrap().unwrap();
    let id = s.save_entry(&actor("donvi"), &row, false, &[]).unwrap();
    assert_eq!(s.entry(id).unwrap().unwrap().state, EntryState::Nhap);
    // a draft does not count in the evaluation
    assert!(s.entries().unwrap().iter().all(|e| !e.state.counts()));
    let file = NewAttachment {
        stored_name: "abc.pdf".into(),
        file_name: "bao-cao.pdf".into(),
        media_type: "application/pdf".into(),
        size: 10,
    };
    s.save_entry(&actor("donvi"), &row, true, &[file]).unwrap();
    assert_eq!(s.entry(id).unwrap().unwrap().state, EntryState::DaGui);
    // while it waits, the unit cannot change it
    let err = s.save_entry(&actor("donvi"), &row, true, &[]).unwrap_err();
    assert!(err.to_string().contains("chờ"), "{err}");
    assert!(
        s.return_entry(&actor("sonoivu"), id, "  ").is_err(),
        "a return needs a reason"
    );
    s.return_entry(&actor("sonoivu"), id, "Thiếu minh chứng").unwrap();
    let e = s.entry(id).unwrap().unwrap();
    assert_eq!(
        (e.state, e.reason.as_str()),
        (EntryState::TraLai, "Thiếu minh chứng")
    );
    assert!(
        s.verify_entry(&actor("sonoivu"), id).is_err(),
        "only a submitted entry is verified"
    );
    let row3 = s.check_value(&form("3")).unwrap().unwrap();
    s.save_entry(&actor("donvi"), &row3, true, &[]).unwrap();
    assert_eq!(
        s.entry(id).unwrap().unwrap().reason,
        "",
        "resubmitting clears the reason"
    );
    s.verify_entry(&actor("sonoivu"), id).unwrap();
    assert!(
        s.save_entry(&actor("donvi"), &row3, true, &[]).is_err(),
        "verified is final"
    );
    let h = s.entry_history(id).unwrap();
    let states: Vec<&str> = h.iter().map(|x| x.state.as_str()).collect();
    assert_eq!(states, ["nhap", "da_gui", "tra_lai", "da_gui", "da_xac_nhan"]);
    assert_eq!(h[2].reason, "Thiếu minh chứng");
    assert_eq!(h[4].value, Some(3));
    assert_eq!(s.attachments(id).unwrap().len(), 1);
    // every step is in the audit log with who and from where
    let (log, total) = s
        .audit(&AuditFilter {
            object_type: Some("entry".into()),
            limit: 100,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(total, 5);
    assert!(log
        .iter()
        .all(|r| r.address == "10.0.0.1" && r.request_id == "r1"));
    let returned = log.iter().find(|r| r.action == "tra_lai_so_lieu").unwrap();
    assert!(returned.before.as_deref().unwrap().contains("\"da_gui\""));
    assert!(returned.after.as_deref().unwrap().contains("Thiếu minh chứng"));
    let listed = s
        .entry_list(&EntryFilter {
            state: Some(EntryState::DaXacNhan),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(listed.len(), 1);
}

#[test]
fn typed_values_obey_the_import_rules() {
    let s = store();
    let errs = s.check_value(&form("-1")).unwrap().unwrap_err();
    assert!(errs[0].vi.contains("không được âm"), "{:?}", errs);
    let ratio = ValueForm {
        unit: "H01".into(),
        indicator: "menh_lenh_hc".into(),
        period: "2023-Q2".into(),
        numerator: "5".into(),
        denominator: "0".into(),
        ..Default::default()
    };
    assert!(s.check_value(&ratio).unwrap().is_err());
    let computed = ValueForm {
        indicator: "tthc_dung_han".into(),
        ..form("1")
    };
    assert!(s.check_value(&computed).unwrap().unwrap_err()[0]
        .vi
        .contains("hồ sơ TTHC"));
    let bad_period = ValueForm {
        period: "13/2023".into(),
        ..form("1")
    };
    assert!(s.check_value(&bad_period).unwrap().is_err());
    let half_a_document = ValueForm {
        numerator: "4,5".into(),
        denominator: "5".into(),
        ..ratio.clone()
    };
    assert!(
        s.check_value(&half_a_document).unwrap().unwrap_err()[0]
            .vi
            .contains("số nguyên"),
        "documents are counted whole"
    );
    let money = ValueForm {
        indicator: "giai_ngan_dtc".into(),
        period: "2023".into(),
        numerator: "4,5".into(),
        denominator: "5".into(),
        ..ratio
    };
    assert!(s.check_value(&money).unwrap().is_ok(), "decimal comma accepted");
}

#[test]
fn the_audit_log_cannot_be_changed() {
    let mut s = store();
    let row = s.check_value(&form("1")).unwrap().unwrap();
    s.save_entry(&actor("donvi"), &row, true, &[]).unwrap();
    assert!(s.conn.execute("UPDATE audit_log SET username = 'x'", ()).is_err());
    assert!(s.conn.execute("DELETE FROM audit_log", ()).is_err());
    assert_eq!(
        s.audit(&AuditFilter {
            limit: 10,
            ..Default::default()
        })
        .unwrap()
        .1,
        3,
        "two reopenings and the entry"
    );
}

/// One checked sign-in attempt: `ok` is whether the password was right.
fn attempt(s: &mut Store, user: &str, ip: &str, ok: bool) -> Gate {
    let (account, address) = (format!("u:{user}"), format!("ip:{ip}"));
    let gate = s.throttle_attempt(&account, &address).unwrap();
    if let Gate::Go { .. } = gate {
        if ok {
            s.throttle_success(&account, &address).unwrap();
        } else {
            s.throttle_failure(&account).unwrap();
        }
    }
    gate
}

#[test]
fn the_attempt_that_reaches_the_limit_is_checked_and_a_success_clears_the_lock() {
    let mut s = store();
    for _ in 0..4 {
        assert_eq!(
            attempt(&mut s, "donvi", "10.0.0.1", false),
            Gate::Go { delay_ms: 0 }
        );
    }
    // the fifth attempt, right, signs in; the next one from elsewhere too
    assert_eq!(
        attempt(&mut s, "donvi", "10.0.0.1", true),
        Gate::Go { delay_ms: 0 }
    );
    assert_eq!(
        attempt(&mut s, "donvi", "10.0.0.9", true),
        Gate::Go { delay_ms: 0 }
    );
    // a success cleared the count: five failures again before the lock
    for _ in 0..5 {
        assert!(matches!(
            attempt(&mut s, "donvi", "10.0.0.2", false),
            Gate::Go { .. }
        ));
    }
    let Gate::Locked(until) = attempt(&mut s, "donvi", "10.0.0.3", true) else {
        panic!("five failures lock the account, even for the right password");
    };
    assert!((until - crate::now() - crate::users::THROTTLE_LOCK).abs() <= 2);
    // unknown names are counted and locked the same way (no telling who exists)
    for _ in 0..5 {
        assert!(matches!(
            attempt(&mut s, "khong-co", "10.0.0.4", false),
            Gate::Go { .. }
        ));
    }
    assert!(matches!(
        attempt(&mut s, "khong-co", "10.0.0.5", false),
        Gate::Locked(_)
    ));
}

#[test]
fn parallel_guesses_cannot_pass_the_account_limit() {
    let s = store();
    // five attempts in flight (not yet answered) fill the allowance
    for _ in 0..5 {
        assert!(matches!(
            s.throttle_attempt("u:donvi", "ip:10.0.0.1").unwrap(),
            Gate::Go { .. }
        ));
    }
    assert!(matches!(
        s.throttle_attempt("u:donvi", "ip:10.0.0.2").unwrap(),
        Gate::Locked(_)
    ));
    // when the fifth fails, the lock is set
    s.throttle_failure("u:donvi").unwrap();
    let locked = s.throttle_locked_until("u:donvi").unwrap();
    assert!(locked > crate::now());
}

#[test]
fn an_address_slows_down_but_never_locks_anyone_out() {
    use crate::users::{address_delay_ms, THROTTLE_ADDRESS_FAILURES, THROTTLE_ADDRESS_MAX_DELAY_MS};
    let mut s = store();
    // an office's NAT: many people (or an attacker) fail, each on their own name
    let mut last = 0;
    for i in 0..40 {
        let Gate::Go { delay_ms } = attempt(&mut s, &format!("ai-{i}"), "10.0.0.1", false) else {
            panic!("the address is never locked");
        };
        assert!(delay_ms >= last, "the delay only grows");
        if i < THROTTLE_ADDRESS_FAILURES {
            assert_eq!(delay_ms, 0, "the first failures go at full speed");
        }
        last = delay_ms;
    }
    assert_eq!(last, THROTTLE_ADDRESS_MAX_DELAY_MS);
    assert_eq!(address_delay_ms(THROTTLE_ADDRESS_FAILURES + 1), 250);
    assert_eq!(address_delay_ms(THROTTLE_ADDRESS_FAILURES + 2), 500);
    // a colleague behind the same address with the right password signs in (slowed) ...
    assert!(matches!(attempt(&mut s, "lanhdao", "10.0.0.1", true), Gate::Go { delay_ms } if delay_ms > 0));
    // ... which clears the address's count
    assert_eq!(
        attempt(&mut s, "sonoivu", "10.0.0.1", true),
        Gate::Go { delay_ms: 0 }
    );
}

#[test]
fn sessions_expire_and_end_with_a_locked_account_or_a_new_password() {
    let mut s = store();
    let id = s
        .create_user(
            &actor("admin"),
            &NewUser {
                username: "donvi",
                full_name: "Võ Thị A",
                password_hash: "h",
                role: "don_vi",
                unit: Some("H01"),
            },
        )
        .unwrap();
    assert!(s
        .create_user(
            &actor("admin"),
            &NewUser {
                username: "x",
                full_name: "",
                password_hash: "h",
                role: "don_vi",
                unit: None
            }
        )
        .is_err());
    assert!(s
        .create_user(
            &actor("admin"),
            &NewUser {
                username: "donvi",
                full_name: "",
                password_hash: "h",
                role: "ban_tdkt",
                unit: None
            }
        )
        .is_err());
    s.create_session(&actor("donvi"), "s1", id, "c1", 3600).unwrap();
    s.create_session(&actor("donvi"), "s2", id, "c2", 3600).unwrap();
    s.create_session(&actor("donvi"), "old", id, "c3", -10).unwrap();
    let (u, csrf) = s.session("s1", 3600).unwrap().unwrap();
    assert_eq!((u.unit_code.as_deref(), csrf.as_str()), (Some("H01"), "c1"));
    assert!(s.session("old", 3600).unwrap().is_none(), "expired");
    s.set_password(&actor("donvi"), id, "h2", Some("s1")).unwrap();
    assert!(
        s.session("s1", 3600).unwrap().is_some(),
        "the current session stays"
    );
    assert!(s.session("s2", 3600).unwrap().is_none(), "other sessions end");
    s.set_user_active(&actor("admin"), id, false).unwrap();
    assert!(s.session("s1", 3600).unwrap().is_none());
    s.create_token(&actor("admin"), id, "t1", "", 30).unwrap();
    assert!(
        s.user_by_token("t1").unwrap().is_none(),
        "a locked account's tokens stop working"
    );
    s.set_user_active(&actor("admin"), id, true).unwrap();
    assert_eq!(s.user_by_token("t1").unwrap().unwrap().username, "donvi");
}

#[test]
fn a_thread_moves_through_its_states_and_a_closed_one_takes_no_more() {
    let mut s = store();
    let unit = s.unit("H01").unwrap().unwrap();
    assert!(s
        .open_thread(&actor("donvi"), "don_vi", unit.id, " ", "x")
        .is_err());
    let t = s
        .open_thread(&actor("donvi"), "don_vi", unit.id, "Vướng mắc", "Nội dung")
        .unwrap();
    assert_eq!(s.thread(t).unwrap().unwrap().state, "moi");
    s.reply_thread(
        &actor("sonoivu"),
        "so_noi_vu",
        t,
        ThreadAction::Escalate,
        "Chuyển lãnh đạo",
    )
    .unwrap();
    assert_eq!(s.thread(t).unwrap().unwrap().state, "da_chuyen_lanh_dao");
    s.reply_thread(&actor("lanhdao"), "lanh_dao", t, ThreadAction::Answer, "Đồng ý")
        .unwrap();
    assert_eq!(s.thread(t).unwrap().unwrap().state, "da_tra_loi");
    s.reply_thread(&actor("donvi"), "don_vi", t, ThreadAction::UnitReply, "Cảm ơn")
        .unwrap();
    assert_eq!(s.thread(t).unwrap().unwrap().state, "moi");
    s.reply_thread(&actor("sonoivu"), "so_noi_vu", t, ThreadAction::Close, "")
        .unwrap();
    assert!(s
        .reply_thread(&actor("donvi"), "don_vi", t, ThreadAction::UnitReply, "x")
        .is_err());
    assert_eq!(s.thread_messages(t).unwrap().len(), 5);
    let other = s.unit("H02").unwrap().unwrap();
    assert!(s.threads(Some(other.id)).unwrap().is_empty());
}

#[test]
fn a_dry_run_reports_and_writes_nothing() {
    let mut s = store();
    let units = "ma_don_vi,ten_don_vi,cap,ma_don_vi_cha\nH03,UBND huyện Đất Đỏ,huyen,\n";
    let opts = crate::import::ImportOptions {
        dry_run: true,
        ..Default::default()
    };
    let r = s
        .import(
            ImportKind::Units,
            Cursor::new(units.as_bytes().to_vec()),
            &opts,
            &mut |_| {},
            &|_| {},
        )
        .unwrap();
    assert_eq!((r.rows_ok, r.committed), (1, false));
    assert!(s.unit("H03").unwrap().is_none());
}

#[test]
fn the_head_signs_off_a_submitted_entry_once_and_a_change_clears_it() {
    let mut s = store();
    assert!(
        s.create_user(
            &actor("admin"),
            &NewUser {
                username: "tt",
                full_name: "",
                password_hash: "h",
                role: "nguoi_dung_dau",
                unit: None
            }
        )
        .is_err(),
        "a head needs a unit"
    );
    let row = s.check_value(&form("1")).unwrap().unwrap();
    let id = s.save_entry(&actor("donvi"), &row, false, &[]).unwrap();
    assert!(
        s.sign_off_entry(&actor("tt"), id).is_err(),
        "a draft is not signed off"
    );
    s.save_entry(&actor("donvi"), &row, true, &[]).unwrap();
    s.sign_off_entry(&actor("tt"), id).unwrap();
    assert!(s.sign_off_entry(&actor("tt"), id).is_err());
    assert_eq!(s.entry(id).unwrap().unwrap().signed_by.as_deref(), Some("tt"));
    s.return_entry(&actor("sonoivu"), id, "Sai").unwrap();
    s.save_entry(&actor("donvi"), &row, true, &[]).unwrap();
    assert_eq!(s.entry(id).unwrap().unwrap().signed_by, None);
}

#[test]
fn two_head_saves_at_once_cannot_both_pass_the_overlap_check() {
    let dir = tempfile::tempdir().unwrap();
    {
        let mut s = Store::open_dir(dir.path()).unwrap();
        s.put_plan(&Plan::built_in(), BUILT_IN_2023).unwrap();
        let units = "ma_don_vi,ten_don_vi,cap,ma_don_vi_cha\nH01,UBND thành phố Bà Rịa,huyen,\n";
        assert!(
            s.import(
                ImportKind::Units,
                Cursor::new(units.as_bytes().to_vec()),
                &Default::default(),
                &mut |_| {},
                &|_| {}
            )
            .unwrap()
            .committed
        );
    }
    // two overlapping open terms, each fine on its own, saved by two connections at once
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(2));
    let handles: Vec<_> = ["Lê Văn A,Chủ tịch,2023-01-01,", "Trần Thị B,Chủ tịch,2023-03-01,"]
        .into_iter()
        .map(|row| {
            let (path, barrier) = (dir.path().to_path_buf(), barrier.clone());
            std::thread::spawn(move || {
                let mut s = Store::open_dir(&path).unwrap();
                let csv = format!("ma_don_vi,ho_ten,chuc_vu,tu_ngay,den_ngay\nH01,{row}\n");
                barrier.wait();
                s.import(
                    ImportKind::Heads,
                    Cursor::new(csv.into_bytes()),
                    &Default::default(),
                    &mut |_| {},
                    &|_| {},
                )
                .unwrap()
                .committed
            })
        })
        .collect();
    let committed = handles
        .into_iter()
        .map(|h| h.join().unwrap())
        .filter(|c| *c)
        .count();
    assert_eq!(committed, 1, "the second sees the first and is refused");
    assert_eq!(Store::open_dir(dir.path()).unwrap().heads().unwrap().len(), 1);
}

#[test]
fn a_dry_run_validates_while_another_writer_holds_the_lock() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Store::open_dir(dir.path()).unwrap();
    s.put_plan(&Plan::built_in(), BUILT_IN_2023).unwrap();
    let units = "ma_don_vi,ten_don_vi,cap,ma_don_vi_cha\nH01,UBND thành phố Bà Rịa,huyen,\n";
    s.import(
        ImportKind::Units,
        Cursor::new(units.as_bytes().to_vec()),
        &Default::default(),
        &mut |_| {},
        &|_| {},
    )
    .unwrap();
    // Another connection holds the write lock, as a long import would.
    let mut other = Store::open_dir(dir.path()).unwrap();
    let held = other
        .conn
        .lite_mut()
        .unwrap()
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .unwrap();
    let opts = crate::import::ImportOptions {
        dry_run: true,
        ..Default::default()
    };
    let path = dir.path().join("hs.csv");
    let mut body = String::from(
        "ma_ho_so,ma_don_vi,ma_tthc,ngay_tiep_nhan,han_xu_ly,ngay_ket_qua,kenh_nop,trang_thai\n",
    );
    for i in 0..2000 {
        body.push_str(&format!(
            "HS{i},H01,1.0001,2023-05-02 08:00,2023-05-12 17:00,,truc_tuyen,dang_xu_ly\n"
        ));
    }
    body.push_str("HSX,H99,1.0001,2023-05-02 08:00,2023-05-12 17:00,,truc_tuyen,dang_xu_ly\n");
    std::fs::write(&path, &body).unwrap();
    let started = std::time::Instant::now();
    let mut file = std::fs::File::open(&path).unwrap();
    let r = s
        .import_file(ImportKind::Dossiers, &mut file, &opts, &mut |_| {}, &|_| {})
        .unwrap();
    assert_eq!(
        (r.rows_read, r.rows_ok, r.rows_bad, r.committed),
        (2001, 2000, 1, false)
    );
    let values = "ma_don_vi,ma_chi_tieu,ky,tu_so,mau_so,gia_tri,ghi_chu\nH01,sang_kien,2023,,,1,\nH01,sang_kien,2023-05,,,1,\n".to_string();
    let r = s
        .import(
            ImportKind::Values,
            Cursor::new(values.into_bytes()),
            &opts,
            &mut |_| {},
            &|_| {},
        )
        .unwrap();
    assert_eq!(
        (r.rows_ok, r.rows_bad),
        (1, 1),
        "the file's own overlap is found without writing"
    );
    let heads = "ma_don_vi,ho_ten,chuc_vu,tu_ngay,den_ngay\nH01,Nguyễn Văn An,Chủ tịch,2021-01-01,\n";
    let r = s
        .import(
            ImportKind::Heads,
            Cursor::new(heads.as_bytes().to_vec()),
            &opts,
            &mut |_| {},
            &|_| {},
        )
        .unwrap();
    assert_eq!(r.rows_ok, 1);
    // Well under the 10 s busy timeout a writer would have waited.
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    drop(held);
    assert_eq!(s.counts().unwrap().dossiers, 0, "nothing written");
}

#[test]
fn a_writer_that_waits_too_long_is_told_why_in_both_languages() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Store::open_dir(dir.path()).unwrap();
    s.put_plan(&Plan::built_in(), BUILT_IN_2023).unwrap();
    s.conn
        .lite()
        .unwrap()
        .busy_timeout(std::time::Duration::from_millis(50))
        .unwrap();
    let mut other = Store::open_dir(dir.path()).unwrap();
    let held = other
        .conn
        .lite_mut()
        .unwrap()
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .unwrap();
    let err = s.set_setting(&actor("sonoivu"), "x", "y").unwrap_err();
    match err {
        crate::StoreError::Refused(m) => {
            assert!(
                m.vi.contains("vui lòng thử lại sau") && m.en.contains("try again"),
                "{m}"
            )
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    drop(held);
    s.set_setting(&actor("sonoivu"), "x", "y").unwrap();
}

#[test]
fn tokens_expire_are_revoked_and_end_with_a_new_password() {
    let mut s = store();
    let id = s
        .create_user(
            &actor("admin"),
            &NewUser {
                username: "motcua",
                full_name: "",
                password_hash: "h",
                role: "so_noi_vu",
                unit: None,
            },
        )
        .unwrap();
    for days in [0, crate::users::TOKEN_DAYS_MAX + 1] {
        assert!(
            s.create_token(&actor("admin"), id, "x", "", days).is_err(),
            "{days} days"
        );
    }
    let t1 = s.create_token(&actor("admin"), id, "t1", "một cửa", 30).unwrap();
    let t2 = s.create_token(&actor("admin"), id, "t2", "", 1).unwrap();
    assert!(s.user_by_token("t1").unwrap().is_some());
    let listed = s.tokens_list().unwrap();
    assert_eq!(listed.iter().map(|t| t.id).collect::<Vec<_>>(), vec![t2, t1]);
    let one = listed.iter().find(|t| t.id == t1).unwrap();
    assert_eq!((one.username.as_str(), one.label.as_str()), ("motcua", "một cửa"));
    assert!((one.expires_at - crate::now() - 30 * 86_400).abs() <= 2);
    // expired: refused
    s.conn
        .execute(
            "UPDATE api_tokens SET expires_at = ?1 WHERE id = ?2",
            crate::sql::params![crate::now() - 1, t2],
        )
        .unwrap();
    assert!(s.user_by_token("t2").unwrap().is_none(), "an expired token");
    assert!(!s.tokens_list().unwrap()[0].live_at(crate::now()));
    // revoked: refused, once
    s.revoke_token(&actor("admin"), t1).unwrap();
    assert!(s.user_by_token("t1").unwrap().is_none(), "a revoked token");
    assert!(s.revoke_token(&actor("admin"), t1).is_err());
    assert!(s.revoke_token(&actor("admin"), 999).is_err());
    // a new password revokes every token of the account (the expired one too)
    s.create_token(&actor("admin"), id, "t3", "", 30).unwrap();
    assert!(s.user_by_token("t3").unwrap().is_some());
    s.set_password(&actor("admin"), id, "h2", None).unwrap();
    assert!(
        s.user_by_token("t3").unwrap().is_none(),
        "ended by the new password"
    );
    let (log, _) = s
        .audit(&AuditFilter {
            limit: 10,
            ..Default::default()
        })
        .unwrap();
    assert!(log.iter().any(|r| r.action == "thu_hoi_token"));
    assert!(log
        .iter()
        .any(|r| r.action == "doi_mat_khau" && r.after.as_deref() == Some("{\"tokens_revoked\":2}")));
}

#[test]
fn sign_ins_enter_the_audit_chain_once_even_after_the_sessions_file_is_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Store::open_dir(dir.path()).unwrap();
    s.put_plan(&Plan::built_in(), BUILT_IN_2023).unwrap();
    let signed_in = |s: &Store| {
        s.audit(&crate::audit::AuditFilter {
            action: Some("dang_nhap".into()),
            limit: 100,
            ..Default::default()
        })
        .unwrap()
        .1
    };
    // while another writer holds the data file, a sign-in is noted in the sessions file
    let mut other = Store::open_dir(dir.path()).unwrap();
    let held = other
        .conn
        .lite_mut()
        .unwrap()
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .unwrap();
    s.create_session(&actor("donvi"), "s1", 1, "c1", 3600).unwrap();
    s.delete_session("s1", Some(&actor("donvi"))).unwrap();
    assert_eq!(s.account_events_waiting().unwrap(), 2);
    drop(held);
    assert_eq!(s.flush_account_events().unwrap(), 2);
    assert_eq!(s.flush_account_events().unwrap(), 0, "written once");
    assert_eq!(signed_in(&s), 1);
    // events written but not yet deleted (a crash between the two commits) are not
    // written again: the data file knows the last one written
    s.create_session(&actor("donvi"), "s2", 1, "c2", 3600).unwrap();
    assert_eq!(s.flush_account_events().unwrap(), 1);
    s.sess()
        .unwrap()
        .execute(
            "INSERT INTO account_events (id, at, username, address, request_id, action) VALUES (3, 0, 'donvi', '', 'r', 'dang_nhap') ON CONFLICT DO NOTHING",
            (),
        )
        .unwrap();
    assert_eq!(s.flush_account_events().unwrap(), 0, "id 3 was written already");
    assert_eq!(s.account_events_waiting().unwrap(), 0);
    // an administrator deletes the sessions file: its new epoch starts again at id 1
    drop(s);
    drop(other);
    std::fs::remove_file(dir.path().join("thidua-sessions.db")).unwrap();
    let mut s = Store::open_dir(dir.path()).unwrap();
    s.create_session(&actor("donvi"), "s3", 1, "c3", 3600).unwrap();
    assert_eq!(s.flush_account_events().unwrap(), 1);
    assert_eq!(signed_in(&s), 3);
    assert!(s.verify_chain(None).unwrap().is_intact());
}

/// Issue 15: the office's queue is paged, filtered and sorted by the database; many entries
/// are verified at once, all or none; a verification can be taken back with a reason.
#[test]
fn the_queue_pages_filters_verifies_in_bulk_and_takes_a_verification_back() {
    use crate::queue::{EntryQuery, EntrySort};
    let mut s = store();
    let mut ids = Vec::new();
    let until = thidua_domain::time::Date(crate::locks::today().0 + 30);
    for (unit, m) in [("H01", 1), ("H02", 1), ("H01", 2), ("H02", 2), ("H01", 3)] {
        let p = thidua_domain::entry::Period::parse(&format!("2023-{m:02}")).unwrap();
        s.reopen_period(&actor("sonoivu"), unit, p, until, "Bổ sung")
            .unwrap();
        let f = ValueForm {
            unit: unit.into(),
            indicator: "noi_quy".into(),
            period: format!("2023-{m:02}"),
            ..form("1")
        };
        let row = s.check_value(&f).unwrap().unwrap();
        ids.push(s.save_entry(&actor("donvi"), &row, true, &[]).unwrap());
    }
    let waiting = |unit: Option<&str>, page: i64| EntryQuery {
        state: Some(EntryState::DaGui),
        unit_code: unit.map(Into::into),
        page,
        per_page: 2,
        ..Default::default()
    };
    let (p1, total) = s.entry_page(&waiting(None, 1)).unwrap();
    assert_eq!((p1.len(), total), (2, 5));
    assert_eq!(p1[0].id, ids[0], "waiting longest first");
    let (p3, _) = s.entry_page(&waiting(None, 3)).unwrap();
    assert_eq!(p3.iter().map(|e| e.id).collect::<Vec<_>>(), [ids[4]]);
    let (h02, total) = s.entry_page(&waiting(Some("H02"), 1)).unwrap();
    assert_eq!(total, 2);
    assert!(h02.iter().all(|e| e.unit_code == "H02"));
    let by_period = EntryQuery {
        period: Some("2023-02".into()),
        sort: EntrySort::Unit,
        per_page: 50,
        ..Default::default()
    };
    let (feb, _) = s.entry_page(&by_period).unwrap();
    // by the unit's name: "UBND huyện Long Điền" before "UBND thành phố Bà Rịa"
    assert_eq!(feb.iter().map(|e| e.id).collect::<Vec<_>>(), [ids[3], ids[2]]);
    assert_eq!(s.next_waiting_entry(ids[0]).unwrap(), Some(ids[1]));
    // all or none: one already returned makes the whole batch refused, naming it
    s.return_entry(&actor("sonoivu"), ids[1], "Thiếu minh chứng")
        .unwrap();
    let err = s
        .verify_entries(&actor("sonoivu"), &[ids[0], ids[1], ids[2]])
        .unwrap_err();
    assert!(
        err.to_string().contains("chưa số liệu nào được xác nhận"),
        "{err}"
    );
    assert_eq!(s.entry(ids[0]).unwrap().unwrap().state, EntryState::DaGui);
    assert_eq!(
        s.verify_entries(&actor("sonoivu"), &[ids[0], ids[2], ids[3]])
            .unwrap(),
        3
    );
    assert!(ids[..4]
        .iter()
        .filter(|&&i| i != ids[1])
        .all(|&i| s.entry(i).unwrap().unwrap().state == EntryState::DaXacNhan));
    // a verification taken back needs a reason, waits again, and is audited
    assert!(s.reopen_verification(&actor("sonoivu"), ids[0], " ").is_err());
    assert!(
        s.reopen_verification(&actor("sonoivu"), ids[4], "x").is_err(),
        "not verified"
    );
    s.reopen_verification(&actor("sonoivu"), ids[0], "Nhầm kỳ báo cáo")
        .unwrap();
    let e = s.entry(ids[0]).unwrap().unwrap();
    assert_eq!(
        (e.state, e.reason.as_str()),
        (EntryState::DaGui, "Nhầm kỳ báo cáo")
    );
    let (log, _) = s
        .audit(&AuditFilter {
            action: Some("mo_lai_xac_nhan".into()),
            limit: 10,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(log.len(), 1);
    assert!(log[0].after.as_deref().unwrap().contains("Nhầm kỳ báo cáo"));
}

/// Every writing transaction takes the write lock before it reads (crate doc): a settings
/// change made while another writer holds the lock and then commits waits for it and goes
/// through. Deferred, it read a snapshot, waited, and then failed at once (SQLITE_BUSY on a
/// stale snapshot), which a sign-in's background audit write made visible.
#[test]
fn a_write_that_reads_first_waits_for_another_writer_instead_of_failing() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Store::open_dir(dir.path()).unwrap();
    s.put_plan(&Plan::built_in(), BUILT_IN_2023).unwrap();
    s.set_setting(&actor("sonoivu"), "x", "0").unwrap();
    let path = dir.path().join("thidua.db");
    let (locked, is_locked) = std::sync::mpsc::channel();
    let other = std::thread::spawn(move || {
        let c = rusqlite::Connection::open(path).unwrap();
        c.execute_batch("BEGIN IMMEDIATE; UPDATE settings SET value = 'other' WHERE key = 'x';")
            .unwrap();
        locked.send(()).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(300));
        c.execute_batch("COMMIT").unwrap();
    });
    is_locked.recv().unwrap();
    s.set_setting(&actor("sonoivu"), "x", "mine").unwrap();
    other.join().unwrap();
    assert_eq!(s.setting("x").unwrap().as_deref(), Some("mine"));
}
