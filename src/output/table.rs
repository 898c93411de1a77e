//! Aligned, borderless tables in the style of Go's tabwriter as
//! docker-machine configured it (minimum width 5, padding 3).

use comfy_table::{ColumnConstraint, ContentArrangement, Table, Width, presets};

/// Renders rows (the first may be a header) as aligned columns. The last
/// column is not padded and trailing spaces are trimmed, so lines end with
/// their last character.
pub fn render(rows: &[Vec<String>]) -> String {
    let ncols = rows.iter().map(Vec::len).max().unwrap_or(0);
    if ncols == 0 {
        return String::new();
    }
    let mut table = Table::new();
    table
        .load_style(presets::NOTHING)
        .force_no_tty()
        .set_content_arrangement(ContentArrangement::Disabled);
    for r in rows {
        let mut r = r.clone();
        r.resize(ncols, String::new());
        table.add_row(r);
    }
    for i in 0..ncols {
        if let Some(col) = table.column_mut(i) {
            let right = if i + 1 == ncols { 0 } else { 3 };
            col.set_padding((0, right));
            if i + 1 != ncols {
                col.set_constraint(ColumnConstraint::LowerBoundary(Width::Fixed(2)));
            }
        }
    }
    let mut out = String::new();
    for line in table.lines() {
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligns_like_tabwriter() {
        let rows = vec![
            vec!["NAME".into(), "ACTIVE".into(), "ERRORS".into()],
            vec!["a".into(), "-".into(), "".into()],
            vec!["longer-name".into(), "*".into(), "boom".into()],
        ];
        assert_eq!(
            render(&rows),
            "NAME          ACTIVE   ERRORS\na             -\nlonger-name   *        boom\n"
        );
    }
}
