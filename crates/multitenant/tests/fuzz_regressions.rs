//! Every statement the fuzz targets start from (`fuzz/seeds.sql`) and every input they found
//! (`fuzz/regressions/`), scoped under every kind of scope, passes the independent check of
//! `verify`: the output parses and each tenant table at each query level carries its level's
//! tenant predicate.

mod verify;

use std::path::Path;

use multitenant::Scoper;

fn inputs() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz");
    let seeds = std::fs::read_to_string(root.join("seeds.sql")).expect("fuzz/seeds.sql");
    let mut inputs: Vec<(String, String)> = seeds
        .lines()
        .enumerate()
        .map(|(n, line)| (format!("seeds.sql:{}", n + 1), line.to_owned()))
        .collect();
    let mut found: Vec<_> = std::fs::read_dir(root.join("regressions"))
        .expect("fuzz/regressions")
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| {
            !path
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .collect();
    found.sort();
    for path in found {
        let bytes = std::fs::read(&path).expect("a regression input");
        inputs.push((
            path.display().to_string(),
            String::from_utf8_lossy(&bytes).into_owned(),
        ));
    }
    inputs
}

#[test]
fn seeds_and_found_inputs_are_scoped_safely() {
    let scoper = Scoper::new(verify::fuzz_schema());
    let inputs = inputs();
    assert!(inputs.len() > 300, "the seeds are there");
    let mut findings = Vec::new();
    for (name, sql) in &inputs {
        for finding in verify::exercise(&scoper, sql) {
            findings.push(format!("{name}: {finding}"));
        }
    }
    assert!(findings.is_empty(), "{}", findings.join("\n"));
}

#[test]
fn the_check_finds_a_missing_predicate() {
    let schema = verify::fuzz_schema();
    // Each of these lacks a tenant predicate somewhere; the check must say so.
    let unsafe_texts = [
        ("SELECT * FROM tasks", None),
        (
            "SELECT * FROM tasks WHERE tasks.account_id = $1 OR true",
            Some(1),
        ),
        ("SELECT * FROM tasks t WHERE tasks.account_id = $1", Some(1)),
        (
            "SELECT * FROM tasks t LEFT JOIN projects p ON p.id = t.project_id AND t.account_id = $1 AND p.account_id = $1",
            Some(1),
        ),
        (
            "SELECT * FROM tasks t WHERE t.account_id = $1 AND EXISTS (SELECT 1 FROM projects p WHERE p.id = t.project_id)",
            Some(1),
        ),
        (
            "UPDATE tasks SET done = true WHERE tasks.account_id = $2",
            Some(1),
        ),
        ("DELETE FROM notes WHERE notes.account_id = $1", Some(1)),
        ("INSERT INTO tasks (id, name) VALUES ($1, $2)", Some(3)),
        (
            "WITH x AS (SELECT * FROM projects) SELECT * FROM x",
            Some(1),
        ),
        (
            "SELECT 1 UNION SELECT id FROM managers m WHERE m.account_id = $2",
            Some(1),
        ),
    ];
    for (sql, param) in unsafe_texts {
        assert!(
            verify::check(&schema, sql, param).is_err(),
            "the check passes an unscoped statement: {sql}"
        );
    }
    let safe_texts = [
        "SELECT * FROM tasks WHERE tasks.account_id = $1",
        "SELECT * FROM tasks t JOIN projects p ON p.id = t.project_id AND p.account_id = $1 WHERE t.account_id = $1",
        "SELECT * FROM tasks t LEFT JOIN projects p ON p.id = t.project_id AND p.account_id = $1 WHERE t.account_id = $1",
        "WITH projects AS (SELECT 1 AS id) SELECT * FROM projects",
        "SELECT * FROM public.notes WHERE public.notes.org_id = ANY($1)",
        "UPDATE tasks SET done = true WHERE id = 3 AND tasks.account_id = $1",
        "INSERT INTO tasks (id, account_id) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET name = 'x' WHERE tasks.account_id = $1",
    ];
    for sql in safe_texts {
        assert_eq!(verify::check(&schema, sql, Some(1)), Ok(()), "{sql}");
    }
}
