//! The README lists every statement the baseline sends exactly as it sends it (the database
//! benchmark replays them from there).

use bench_baseline::sql;

#[test]
fn the_readme_lists_every_statement_verbatim() {
    let readme = include_str!("../README.md");
    let mut statements = vec![sql::AUTH_FIRST_ACCOUNT, sql::AUTH_NAMED_ACCOUNT];
    for table in [sql::PROJECTS, sql::TASKS, sql::MANAGERS] {
        statements.extend([table.list, table.count, table.get, table.insert]);
    }
    for statement in statements {
        let line = format!("\n{statement}\n");
        assert!(
            readme.contains(&line),
            "README.md lacks, on a line of its own:\n{statement}"
        );
    }
}
