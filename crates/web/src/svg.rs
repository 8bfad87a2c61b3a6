//! Month-by-month charts drawn on the server as SVG: no script, no CDN, readable on a
//! phone and printable. Each chart comes with the same figures as a table on the page.

/// A line chart of percentages (0–100) over months, with the target as a dashed line.
/// Months without data leave a gap in the line.
pub fn percent_chart(title: &str, points: &[(String, Option<f64>)], target: Option<f64>) -> String {
    // A narrow drawing with large type: shown 300–480 px wide (a phone, a column of two on
    // a desktop), its 16-unit labels read at 12–19 px.
    let (w, h, left, right, top, bottom) = (400.0, 230.0, 50.0, 10.0, 14.0, 30.0);
    let plot_w = w - left - right;
    let plot_h = h - top - bottom;
    let n = points.len().max(1) as f64;
    let x = |i: usize| left + plot_w * (i as f64 + 0.5) / n;
    let y = |v: f64| top + plot_h * (1.0 - v.clamp(0.0, 100.0) / 100.0);
    let mut s = format!(
        r#"<svg class="chart" viewBox="0 0 {w} {h}" role="img" aria-label="{t}" xmlns="http://www.w3.org/2000/svg"><title>{t}</title>"#,
        t = escape(title)
    );
    for g in [0.0, 25.0, 50.0, 75.0, 100.0] {
        s.push_str(&format!(
            r##"<line x1="{left}" x2="{}" y1="{y:.1}" y2="{y:.1}" stroke="#d0d5dd" stroke-width="1"/><text x="{}" y="{:.1}" font-size="16" text-anchor="end" fill="#344054">{g}%</text>"##,
            w - right,
            left - 6.0,
            y(g) + 4.0,
            y = y(g)
        ));
    }
    for (i, (label, _)) in points.iter().enumerate() {
        s.push_str(&format!(
            r##"<text x="{:.1}" y="{}" font-size="16" text-anchor="middle" fill="#344054">{}</text>"##,
            x(i),
            h - 8.0,
            escape(label)
        ));
    }
    if let Some(t) = target {
        s.push_str(&format!(
            r##"<line x1="{left}" x2="{}" y1="{y:.1}" y2="{y:.1}" stroke="#b42318" stroke-width="1.5" stroke-dasharray="6 4"/>"##,
            w - right,
            y = y(t)
        ));
    }
    // One polyline per run of months with data.
    let mut run: Vec<String> = Vec::new();
    let flush = |run: &mut Vec<String>, s: &mut String| {
        if run.len() > 1 {
            s.push_str(&format!(
                r##"<polyline fill="none" stroke="#175cd3" stroke-width="2.5" points="{}"/>"##,
                run.join(" ")
            ));
        }
        run.clear();
    };
    for (i, (_, v)) in points.iter().enumerate() {
        match v {
            Some(v) => {
                run.push(format!("{:.1},{:.1}", x(i), y(*v)));
                s.push_str(&format!(
                    r##"<circle cx="{:.1}" cy="{:.1}" r="3.5" fill="#175cd3"/>"##,
                    x(i),
                    y(*v)
                ));
            }
            None => flush(&mut run, &mut s),
        }
    }
    flush(&mut run, &mut s);
    s.push_str("</svg>");
    s
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_points_gaps_target_and_escapes_the_title() {
        let pts = vec![
            ("01".to_string(), Some(50.0)),
            ("02".to_string(), None),
            ("03".to_string(), Some(100.0)),
            ("04".to_string(), Some(90.0)),
        ];
        let svg = percent_chart("Tỷ lệ <đúng hạn>", &pts, Some(95.0));
        assert!(svg.contains("Tỷ lệ &lt;đúng hạn&gt;"));
        assert_eq!(svg.matches("<circle").count(), 3);
        // month 1 stands alone (gap after it): only months 3–4 make a line
        assert_eq!(svg.matches("<polyline").count(), 1);
        assert!(svg.contains("stroke-dasharray"));
    }
}
