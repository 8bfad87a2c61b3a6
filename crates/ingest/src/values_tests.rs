use super::*;
use proptest::prelude::*;

#[test]
fn the_iso_shortcut_gives_what_the_general_parser_gives() {
    let dates = [
        "2023-03-01",
        "2024-02-29",
        "2023-02-29",
        "2023-02-28",
        "2023-13-01",
        "2023-00-10",
        "2023-04-31",
        "2023-04-30",
        "2023-12-31",
        "1990-01-01",
        "1989-12-31",
        "2100-12-31",
        "2101-01-01",
        "2O23-03-01",
        "2023/03/01",
        "+023-03-01",
        "2023-3-011",
    ];
    let times = [
        "08:00", "23:59", "24:00", "23:60", "00:00", "08:00:30", "08:00:59", "08:00:60", "08:00:5x",
        "08:0:30", "8:00:30", "08.00",
    ];
    let mut shortcut = 0;
    for d in dates {
        for t in times {
            for sep in [" ", "T", "x", "  "] {
                let s = format!("{d}{sep}{t}");
                if let Some(fast) = iso_fast(s.as_bytes()) {
                    assert_eq!(
                        parse_datetime_general(&Cell::Text(&s), DayTime::StartOfDay),
                        Ok(Some(fast)),
                        "{s}"
                    );
                    shortcut += 1;
                }
            }
        }
    }
    // the valid dates (7) x the valid times (5) x both separators
    assert_eq!(shortcut, 70);
}

fn dt(s: &str, d: DayTime) -> Result<Option<String>, Bad> {
    parse_datetime(&Cell::Text(s), d).map(|o| o.map(|t| t.iso()))
}

#[test]
fn the_two_ways_of_reading_sixteen_bytes_agree() {
    // every timestamp shape of the test above, and each of them with every byte replaced
    // by each byte that matters (digits' neighbours, separators, high bytes)
    let mut all: Vec<[u8; 16]> = Vec::new();
    for base in [
        "2023-03-01 08:00",
        "2099-12-31T23:59",
        "1990-01-01 00:00",
        "0000-00-00 00:00",
        "9999-99-99T99:99",
    ] {
        let base: [u8; 16] = base.as_bytes().try_into().unwrap();
        all.push(base);
        for i in 0..16 {
            for b in [
                b'/', b'0', b'9', b':', b';', b'-', b' ', b'T', b't', 0, 0x80, 0xB0, 0xFF,
            ] {
                let mut x = base;
                x[i] = b;
                all.push(x);
            }
        }
    }
    for x in &all {
        let reference = fields16_words(x);
        assert_eq!(fields16(x), reference, "{:?}", String::from_utf8_lossy(x));
        if let Some([y, mo, d, h, mi]) = reference {
            let s = std::str::from_utf8(x).unwrap();
            let num = |r: std::ops::Range<usize>| s[r].parse::<u32>().unwrap();
            assert_eq!(
                [y, mo, d, h, mi],
                [num(0..4), num(5..7), num(8..10), num(11..13), num(14..16)]
            );
        }
    }
}

#[test]
fn accepts_every_listed_date_form() {
    let start = DayTime::StartOfDay;
    assert_eq!(dt("2023-03-05", start).unwrap().unwrap(), "2023-03-05T00:00:00");
    assert_eq!(
        dt("2023-03-05", DayTime::EndOfDay).unwrap().unwrap(),
        "2023-03-05T23:59:59"
    );
    assert_eq!(
        dt("2023-03-05 08:30", start).unwrap().unwrap(),
        "2023-03-05T08:30:00"
    );
    assert_eq!(
        dt("2023-03-05T08:30:15", start).unwrap().unwrap(),
        "2023-03-05T08:30:15"
    );
    assert_eq!(dt("05/03/2023", start).unwrap().unwrap(), "2023-03-05T00:00:00");
    assert_eq!(
        dt("5/3/2023 14:05", start).unwrap().unwrap(),
        "2023-03-05T14:05:00"
    );
    assert_eq!(
        dt("05/03/2023 14:05:09", start).unwrap().unwrap(),
        "2023-03-05T14:05:09"
    );
    assert_eq!(dt("  ", start).unwrap(), None);
    // Excel serial 45000.5 = 15/03/2023 12:00; a whole serial is a bare date
    assert_eq!(
        parse_datetime(&Cell::Serial(45000.5), start)
            .unwrap()
            .unwrap()
            .iso(),
        "2023-03-15T12:00:00"
    );
    assert_eq!(
        parse_datetime(&Cell::Serial(45000.0), DayTime::EndOfDay)
            .unwrap()
            .unwrap()
            .iso(),
        "2023-03-15T23:59:59"
    );
    assert_eq!(
        parse_datetime(&Cell::Serial(45000.0), start)
            .unwrap()
            .unwrap()
            .iso(),
        "2023-03-15T00:00:00"
    );
    assert!(parse_datetime(&Cell::Serial(-1e20), start).is_err());
}

#[test]
fn never_guesses_month_and_day() {
    let e = dt("03/13/2023", DayTime::StartOfDay).unwrap_err();
    assert!(
        e.vi.contains("tháng 13") && e.en.contains("never guessed"),
        "{e:?}"
    );
    assert!(dt("31/02/2023", DayTime::StartOfDay)
        .unwrap_err()
        .vi
        .contains("không có ngày 31 tháng 2"));
    assert!(dt("2023/03/05", DayTime::StartOfDay).is_err());
    assert!(dt("hôm qua", DayTime::StartOfDay).is_err());
    assert!(dt("2023-03-05 25:00", DayTime::StartOfDay)
        .unwrap_err()
        .vi
        .contains("giờ"));
    assert!(dt("1899-01-01", DayTime::StartOfDay)
        .unwrap_err()
        .vi
        .contains("năm 1899"));
    assert!(parse_datetime(&Cell::Number(45000.0), DayTime::StartOfDay).is_err());
}

#[test]
fn decimals_from_text_and_numbers() {
    assert_eq!(parse_dec(&Cell::Text("2,5")).unwrap(), Dec::parse("2.5"));
    assert_eq!(parse_dec(&Cell::Number(0.5)).unwrap(), Dec::parse("0.5"));
    assert_eq!(parse_dec(&Cell::Empty).unwrap(), None);
    assert!(parse_dec(&Cell::Text("1.000.000")).is_err());
}

/// `fields16` one byte at a time.
fn naive_fields16(b: &[u8; 16]) -> Option<[u32; 5]> {
    for (i, &c) in b.iter().enumerate() {
        let ok = match i {
            4 | 7 => c == b'-',
            10 => c == b' ' || c == b'T',
            13 => c == b':',
            _ => c.is_ascii_digit(),
        };
        if !ok {
            return None;
        }
    }
    let num = |r: std::ops::Range<usize>| b[r].iter().fold(0, |n, &d| n * 10 + (d - b'0') as u32);
    Some([num(0..4), num(5..7), num(8..10), num(11..13), num(14..16)])
}

/// A timestamp of any digits, then up to two bytes replaced, mostly by a digit's
/// neighbour, a separator or a high byte.
fn stamp() -> impl Strategy<Value = [u8; 16]> {
    let digits = prop::collection::vec(b'0'..=b'9', 12);
    let byte =
        prop_oneof![3 => prop::sample::select(b"/09:;- Tt\x00\x80\xB0\xFF".to_vec()), 1 => any::<u8>()];
    let changes = prop::collection::vec((0..16usize, byte), 0..3);
    (digits, any::<bool>(), changes).prop_map(|(digits, t, changes)| {
        let mut x = *b"0000-00-00 00:00";
        for (&at, d) in [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15].iter().zip(digits) {
            x[at] = d;
        }
        if t {
            x[10] = b'T';
        }
        for (at, b) in changes {
            x[at] = b;
        }
        x
    })
}

proptest! {
    #[test]
    fn both_readings_of_any_sixteen_bytes_match_the_naive_one(x in stamp()) {
        let naive = naive_fields16(&x);
        prop_assert_eq!(fields16(&x), naive);
        prop_assert_eq!(fields16_words(&x), naive);
    }
}
