//! CSV reading for the stats commands: numeric columns, outcomes, and errors that name the row and column.

use radscore::stats::io::Table;
use std::path::Path;

#[test]
fn reads_columns_and_reports_missing_cells() {
    let text = "id,\"Ki67, %\",age,outcome\n1,12.5,40,Good\n2,,51,Poor\n3,7,NA,Good\n";
    let t = Table::parse(text, Path::new("cohort.csv")).unwrap();
    assert_eq!(t.header, vec!["id", "Ki67, %", "age", "outcome"]);
    assert_eq!(t.numeric_column("id").unwrap(), vec![1.0, 2.0, 3.0]);
    let e = t.numeric_column("Ki67, %").unwrap_err();
    assert_eq!(e.to_string(), "statistics: row 2, column 'Ki67, %' is missing");
    let e = t.numeric_matrix(&["id".into(), "age".into()]).unwrap_err();
    assert!(e.to_string().contains("row 3, column 'age' is missing"), "{e}");
    assert_eq!(t.outcome("outcome", Some("Poor")).unwrap(), vec![false, true, false]);
    let e = t.outcome("outcome", Some("Dead")).unwrap_err();
    assert!(e.to_string().contains("'Dead'"), "{e}");
    let e = t.numeric_column("outcome").unwrap_err();
    assert!(
        e.to_string()
            .contains("row 1, column 'outcome': 'Good' is not a finite number"),
        "{e}"
    );
    assert!(
        t.numeric_column("nope")
            .unwrap_err()
            .to_string()
            .contains("no column 'nope'")
    );
    assert_eq!(t.columns_except(&["id", "outcome"]), vec!["Ki67, %", "age"]);
    let bad = Table::parse("a,b\n1,2,3\n", Path::new("x.csv")).unwrap_err();
    assert!(bad.to_string().contains("line 2: 3 cells"), "{bad}");
    let y = Table::parse("y\n1\n0\n2\n", Path::new("y.csv"))
        .unwrap()
        .outcome("y", None)
        .unwrap_err();
    assert!(
        y.to_string().contains("row 3, column 'y': outcome must be 0 or 1"),
        "{y}"
    );
}
