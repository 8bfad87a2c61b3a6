use super::*;

fn facts() -> Facts {
    Facts {
        evaluated: true,
        eligible: true,
        discipline_pending: false,
        today: Date::from_ymd(2024, 1, 10),
        deadline: Date::from_ymd(2024, 1, 15),
        required_documents: vec![
            ("bao_cao".into(), "Báo cáo thành tích".into()),
            ("to_trinh".into(), "Tờ trình".into()),
        ],
        quota: 2,
        one_per_unit: false,
        outside_suggestions: false,
        proposed_by_parent: false,
        proposer_documents: vec![],
    }
}

const DOCS: &[String] = &[];

fn at(state: NominationState) -> Current<'static> {
    Current {
        state,
        board_verdict: None,
        published: false,
        documents: DOCS,
        approved: 0,
        unit_approved: false,
    }
}

fn refused(r: Result<Transition, Msg>) -> Msg {
    r.expect_err("the step is refused")
}

#[test]
fn submitting_needs_every_document_and_before_the_deadline_only_for_a_first_submission() {
    let docs = vec!["bao_cao".to_string()];
    let mut cur = at(NominationState::Nhap);
    cur.documents = &docs;
    let step = Step::Submit {
        reason: String::new(),
    };
    let m = refused(transition(&cur, &step, &facts()));
    // named as the plan names them, not by code (issue 15)
    assert_eq!(
        m.vi,
        "Hồ sơ còn thiếu tài liệu: Tờ trình. Hãy tải lên trước khi nộp."
    );
    assert_eq!(m.en, "documents are missing: to_trinh");
    let all = vec!["bao_cao".to_string(), "to_trinh".to_string()];
    cur.documents = &all;
    let t = transition(&cur, &step, &facts()).unwrap();
    assert_eq!(t.to, NominationState::DaNop);
    assert_eq!(t.change, Change::UnitReason(String::new()));

    let late = Facts {
        today: Date::from_ymd(2024, 1, 16),
        ..facts()
    };
    let m = refused(transition(&cur, &step, &late));
    assert!(
        m.vi.starts_with("đã quá hạn nộp hồ sơ đề nghị (15/01/2024)"),
        "{}",
        m.vi
    );
    cur.state = NominationState::TraLai;
    assert_eq!(
        transition(&cur, &step, &late).unwrap().to,
        NominationState::DaNop,
        "a returned dossier may come back late"
    );
}

#[test]
fn an_ineligible_head_is_submitted_only_with_a_reason_that_is_kept() {
    let all = vec!["bao_cao".to_string(), "to_trinh".to_string()];
    let mut cur = at(NominationState::Nhap);
    cur.documents = &all;
    let ineligible = Facts {
        eligible: false,
        ..facts()
    };
    let m = refused(transition(
        &cur,
        &Step::Submit { reason: "  ".into() },
        &ineligible,
    ));
    assert_eq!(m.en, "a reason is needed");
    let t = transition(
        &cur,
        &Step::Submit {
            reason: " thành tích đột xuất ".into(),
        },
        &ineligible,
    )
    .unwrap();
    assert_eq!(t.change, Change::UnitReason("thành tích đột xuất".into()));
    assert_eq!(t.reason, "thành tích đột xuất");
}

#[test]
fn every_step_is_refused_from_every_state_but_its_own() {
    let d = Date::from_ymd(2024, 2, 1).unwrap();
    let steps = [
        (
            Step::Submit { reason: "x".into() },
            vec![NominationState::Nhap, NominationState::TraLai],
        ),
        (Step::Return { reason: "x".into() }, vec![NominationState::DaNop]),
        (
            Step::Forward {
                verdict: OfficeVerdict::DuDieuKien,
                reason: String::new(),
            },
            vec![NominationState::DaNop],
        ),
        (
            Step::Appraise {
                verdict: BoardVerdict::DeNghi,
                reason: "x".into(),
            },
            vec![NominationState::DaChuyen],
        ),
        (
            Step::Reject { reason: "x".into() },
            vec![NominationState::DaThamDinh],
        ),
        (
            Step::Publish {
                decision_no: "1/QĐ-UBND".into(),
                decision_date: d,
                results: "[]".into(),
            },
            vec![NominationState::DaPheDuyet],
        ),
    ];
    let no_documents = Facts {
        required_documents: vec![],
        ..facts()
    };
    for (step, allowed) in &steps {
        for s in NominationState::ALL {
            let r = transition(&at(*s), step, &no_documents);
            assert_eq!(r.is_ok(), allowed.contains(s), "{step:?} from {s:?}: {r:?}");
            if let Err(m) = r {
                assert!(m.vi.contains(s.vi()), "the refusal names the state: {}", m.vi);
            }
        }
    }
}

#[test]
fn the_office_needs_a_reason_only_for_a_negative_verdict() {
    let cur = at(NominationState::DaNop);
    let no = Step::Forward {
        verdict: OfficeVerdict::KhongDuDieuKien,
        reason: String::new(),
    };
    assert_eq!(
        refused(transition(&cur, &no, &facts())).vi,
        "cần ghi lý do không đủ điều kiện"
    );
    let yes = Step::Forward {
        verdict: OfficeVerdict::DuDieuKien,
        reason: String::new(),
    };
    let t = transition(&cur, &yes, &facts()).unwrap();
    assert_eq!(
        (t.to, t.reason.as_str()),
        (NominationState::DaChuyen, "Đủ điều kiện")
    );
    let board = Step::Appraise {
        verdict: BoardVerdict::KhongDeNghi,
        reason: "thiếu minh chứng".into(),
    };
    let t = transition(&at(NominationState::DaChuyen), &board, &facts()).unwrap();
    assert_eq!(t.reason, "Không đề nghị: thiếu minh chứng");
}

#[test]
fn approval_needs_an_evaluated_eligible_head_without_discipline_proposed_by_the_board_within_the_quota() {
    let mut cur = at(NominationState::DaThamDinh);
    cur.board_verdict = Some(BoardVerdict::DeNghi);
    let approve = Step::Approve { note: String::new() };
    assert!(transition(&cur, &approve, &facts()).is_ok());
    let cases = [
        (
            Facts {
                evaluated: false,
                ..facts()
            },
            "the head has no evaluation in the plan",
        ),
        (
            Facts {
                discipline_pending: true,
                ..facts()
            },
            "the head is under pending discipline",
        ),
        (
            Facts {
                eligible: false,
                ..facts()
            },
            "the evaluation finds the head ineligible",
        ),
    ];
    for (f, en) in cases {
        assert_eq!(refused(transition(&cur, &approve, &f)).en, en);
    }
    cur.approved = 2;
    assert_eq!(
        refused(transition(&cur, &approve, &facts())).en,
        "the quota is reached"
    );
    cur.approved = 1;
    cur.board_verdict = Some(BoardVerdict::KhongDeNghi);
    assert_eq!(
        refused(transition(&cur, &approve, &facts())).en,
        "the Board did not propose this nomination"
    );
}

/// Issue 15: approving a head the ranking does not suggest (outside the top within the
/// quota) needs a written reason, which the transition keeps for later readers.
#[test]
fn approving_outside_the_suggestions_needs_a_written_reason() {
    let mut cur = at(NominationState::DaThamDinh);
    cur.board_verdict = Some(BoardVerdict::DeNghi);
    let outside = Facts {
        outside_suggestions: true,
        ..facts()
    };
    for note in ["", "   "] {
        let m = refused(transition(&cur, &Step::Approve { note: note.into() }, &outside));
        assert!(m.vi.contains("cần ghi lý do phê duyệt"), "{m}");
    }
    let t = transition(
        &cur,
        &Step::Approve {
            note: " Thành tích đột xuất trong chuyển đổi số ".into(),
        },
        &outside,
    )
    .unwrap();
    assert_eq!(t.to, NominationState::DaPheDuyet);
    assert_eq!(t.reason, "Thành tích đột xuất trong chuyển đổi số");
    // a suggested head needs none
    assert!(transition(&cur, &Step::Approve { note: String::new() }, &facts()).is_ok());
}

#[test]
fn a_decision_is_published_once_with_its_number() {
    let d = Date::from_ymd(2024, 2, 1).unwrap();
    let mut cur = at(NominationState::DaPheDuyet);
    let publish = |no: &str| Step::Publish {
        decision_no: no.into(),
        decision_date: d,
        results: "[]".into(),
    };
    assert_eq!(
        refused(transition(&cur, &publish(" "), &facts())).vi,
        "cần ghi số quyết định"
    );
    let t = transition(&cur, &publish("12/QĐ-UBND"), &facts()).unwrap();
    assert_eq!(t.reason, "Quyết định số 12/QĐ-UBND ngày 01/02/2024");
    cur.published = true;
    assert_eq!(
        refused(transition(&cur, &publish("12/QĐ-UBND"), &facts())).en,
        "the decision is already published"
    );
}

#[test]
fn each_state_awaits_one_role_until_the_decision_is_published() {
    use NominationState as S;
    assert_eq!(S::Nhap.awaits(false), Some(Role::DonVi));
    assert_eq!(S::TraLai.awaits(false), Some(Role::DonVi));
    assert_eq!(S::DaNop.awaits(false), Some(Role::SoNoiVu));
    assert_eq!(S::DaChuyen.awaits(false), Some(Role::BanTdkt));
    assert_eq!(S::DaThamDinh.awaits(false), Some(Role::LanhDao));
    assert_eq!(S::DaPheDuyet.awaits(false), Some(Role::SoNoiVu));
    assert_eq!(S::DaPheDuyet.awaits(true), None);
    assert_eq!(S::KhongPheDuyet.awaits(false), None);
    assert!(S::Nhap.unit_edits() && S::TraLai.unit_edits() && !S::DaNop.unit_edits());
}

#[test]
fn a_commune_s_nomination_goes_through_its_district_with_the_district_s_papers() {
    use NominationState as S;
    let commune = Facts {
        required_documents: vec![("bao_cao".into(), "Báo cáo thành tích".into())],
        proposer_documents: vec![("to_trinh".into(), "Tờ trình của cấp trình khen".into())],
        proposed_by_parent: true,
        ..facts()
    };
    let submit = Step::Submit {
        reason: String::new(),
    };
    // the commune uploads its report only, and its submission waits for the district
    let unit_docs = vec!["bao_cao".to_string()];
    let mut cur = at(S::Nhap);
    cur.documents = &unit_docs;
    let t = transition(&cur, &submit, &commune).unwrap();
    assert_eq!(t.to, S::ChoCapTrinh);
    assert_eq!(S::ChoCapTrinh.awaits(false), Some(Role::DonVi));
    // the district forwards only with its own tờ trình
    let mut waiting = at(S::ChoCapTrinh);
    waiting.documents = &unit_docs;
    let propose = Step::Propose {
        reason: String::new(),
    };
    let m = refused(transition(&waiting, &propose, &commune));
    assert!(m.vi.contains("Tờ trình của cấp trình khen"), "{}", m.vi);
    let all = vec!["bao_cao".to_string(), "to_trinh".to_string()];
    waiting.documents = &all;
    assert_eq!(transition(&waiting, &propose, &commune).unwrap().to, S::DaNop);
    // or returns it with a reason
    let blank = Step::ProposerReturn { reason: " ".into() };
    refused(transition(&waiting, &blank, &commune));
    let back = Step::ProposerReturn {
        reason: "Thiếu xác nhận".into(),
    };
    assert_eq!(transition(&waiting, &back, &commune).unwrap().to, S::TraLai);
    // the district's steps are nobody's at any other state; the office cannot skip it
    for state in [S::Nhap, S::DaNop, S::TraLai, S::DaChuyen] {
        refused(transition(&at(state), &propose, &commune));
        refused(transition(&at(state), &back, &commune));
    }
    refused(transition(
        &waiting,
        &Step::Return { reason: "x".into() },
        &commune,
    ));
    // a unit with no level above uploads every document itself and goes straight on
    let own = Facts {
        proposed_by_parent: false,
        ..commune.clone()
    };
    let mut cur = at(S::Nhap);
    cur.documents = &unit_docs;
    let m = refused(transition(&cur, &submit, &own));
    assert!(m.vi.contains("Tờ trình của cấp trình khen"));
    cur.documents = &all;
    assert_eq!(transition(&cur, &submit, &own).unwrap().to, S::DaNop);
}

#[test]
fn each_level_uploads_its_own_documents_at_its_own_step() {
    use crate::plan::DocumentBy::{CapTrinh, DonVi};
    use NominationState as S;
    use Uploader::{Proposer, Unit};
    // a commune: its report before submitting; the district's papers only by the district,
    // only while it waits for the district
    assert!(may_upload(S::Nhap, Unit, DonVi, true) && may_upload(S::TraLai, Unit, DonVi, true));
    assert!(!may_upload(S::Nhap, Unit, CapTrinh, true));
    assert!(!may_upload(S::ChoCapTrinh, Unit, DonVi, true));
    assert!(may_upload(S::ChoCapTrinh, Proposer, CapTrinh, true));
    assert!(!may_upload(S::ChoCapTrinh, Proposer, DonVi, true));
    assert!(!may_upload(S::DaNop, Proposer, CapTrinh, true));
    // a unit that proposes itself uploads everything itself; nobody above it uploads
    assert!(may_upload(S::Nhap, Unit, CapTrinh, false));
    assert!(!may_upload(S::ChoCapTrinh, Proposer, CapTrinh, false));
    assert!(!may_upload(S::DaNop, Unit, DonVi, false));
}

#[test]
fn a_decision_is_recorded_with_its_number_signer_and_a_date_not_yet_to_come() {
    let day = |d| Date::from_ymd(2024, 2, d).unwrap();
    let ok = DecisionTerms::new(" 256/QĐ-UBND ", day(5), "Nguyễn Văn Thọ", "CHỦ TỊCH", day(5)).unwrap();
    assert_eq!(
        (ok.number.as_str(), ok.signer.as_str()),
        ("256/QĐ-UBND", "Nguyễn Văn Thọ")
    );
    let refused = |number: &str, date, signer: &str| {
        DecisionTerms::new(number, date, signer, "", day(5))
            .unwrap_err()
            .vi
    };
    assert!(refused(" ", day(5), "A").contains("số quyết định"));
    assert!(refused(&"9".repeat(41), day(5), "A").contains("40 ký tự"));
    assert!(refused("1/QĐ", day(5), "  ").contains("người ký"));
    assert!(
        refused("1/QĐ", day(6), "A").contains("06/02/2024"),
        "a date to come"
    );
}
