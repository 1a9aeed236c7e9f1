//! Every statement the baseline sends, as sent (each is prepared once per connection and then
//! only executed). Each statement on a tenant table carries `account_id = $1` itself.

/// Authentication and tenant in one: the token's user and the user's first account (`NULL`
/// when none); no row for an unknown or expired token. `$1`: the token's hash.
///
/// ```
/// assert!(bench_baseline::sql::AUTH_FIRST_ACCOUNT.contains("ORDER BY o.account_id LIMIT 1"));
/// ```
pub const AUTH_FIRST_ACCOUNT: &str = "SELECT t.user_id, (SELECT o.account_id FROM account_owners o WHERE o.user_id = t.user_id ORDER BY o.account_id LIMIT 1) FROM api_tokens t WHERE t.token_hash = $1 AND t.expires_at > now()";

/// Authentication and tenant in one: the token's user and whether the user owns account `$2`;
/// no row for an unknown or expired token. `$1`: the token's hash.
///
/// ```
/// assert!(bench_baseline::sql::AUTH_NAMED_ACCOUNT.contains("o.account_id = $2"));
/// ```
pub const AUTH_NAMED_ACCOUNT: &str = "SELECT t.user_id, EXISTS (SELECT 1 FROM account_owners o WHERE o.user_id = t.user_id AND o.account_id = $2) FROM api_tokens t WHERE t.token_hash = $1 AND t.expires_at > now()";

/// How many rows a list counts at most for its total, as the app's CRUD router by default:
/// the list statements count up to one row more (`LIMIT 1001`), which says there are more.
///
/// ```
/// let limit = format!("LIMIT {}) c", bench_baseline::sql::COUNT_LIMIT + 1);
/// assert!(bench_baseline::sql::TASKS.list.contains(&limit));
/// assert!(bench_baseline::sql::TASKS.count.ends_with(&limit));
/// ```
pub const COUNT_LIMIT: i64 = 1000;

/// The statements of one tenant table.
///
/// ```
/// let projects = &bench_baseline::sql::PROJECTS;
/// assert!(projects.list.starts_with("SELECT account_id, id, name, (SELECT count(*) FROM"));
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Statements {
    /// A page in id order with the tenant's row count up to one more than [`COUNT_LIMIT`]:
    /// `$1` account, `$2` limit, `$3` offset.
    pub list: &'static str,
    /// The tenant's row count up to one more than [`COUNT_LIMIT`] (only for a page past the end,
    /// which carries no count).
    pub count: &'static str,
    /// One row: `$1` account, `$2` id.
    pub get: &'static str,
    /// A new row of account `$1`, returned as inserted.
    pub insert: &'static str,
}

/// The statements of `projects`.
///
/// ```
/// assert!(bench_baseline::sql::PROJECTS.get.ends_with("WHERE account_id = $1 AND id = $2"));
/// ```
pub const PROJECTS: Statements = Statements {
    list: "SELECT account_id, id, name, (SELECT count(*) FROM (SELECT 1 FROM projects WHERE account_id = $1 LIMIT 1001) c) FROM projects WHERE account_id = $1 ORDER BY id LIMIT $2 OFFSET $3",
    count: "SELECT count(*) FROM (SELECT 1 FROM projects WHERE account_id = $1 LIMIT 1001) c",
    get: "SELECT account_id, id, name FROM projects WHERE account_id = $1 AND id = $2",
    insert: "INSERT INTO projects (account_id, name) VALUES ($1, $2) RETURNING account_id, id, name",
};

/// The statements of `tasks`.
///
/// ```
/// assert!(bench_baseline::sql::TASKS.insert.starts_with("INSERT INTO tasks (account_id, "));
/// ```
pub const TASKS: Statements = Statements {
    list: "SELECT account_id, id, project_id, name, done, (SELECT count(*) FROM (SELECT 1 FROM tasks WHERE account_id = $1 LIMIT 1001) c) FROM tasks WHERE account_id = $1 ORDER BY id LIMIT $2 OFFSET $3",
    count: "SELECT count(*) FROM (SELECT 1 FROM tasks WHERE account_id = $1 LIMIT 1001) c",
    get: "SELECT account_id, id, project_id, name, done FROM tasks WHERE account_id = $1 AND id = $2",
    insert: "INSERT INTO tasks (account_id, project_id, name, done) VALUES ($1, $2, $3, $4) RETURNING account_id, id, project_id, name, done",
};

/// The statements of `managers`.
///
/// ```
/// assert!(bench_baseline::sql::MANAGERS.count.ends_with("FROM managers WHERE account_id = $1 LIMIT 1001) c"));
/// ```
pub const MANAGERS: Statements = Statements {
    list: "SELECT account_id, id, name, (SELECT count(*) FROM (SELECT 1 FROM managers WHERE account_id = $1 LIMIT 1001) c) FROM managers WHERE account_id = $1 ORDER BY id LIMIT $2 OFFSET $3",
    count: "SELECT count(*) FROM (SELECT 1 FROM managers WHERE account_id = $1 LIMIT 1001) c",
    get: "SELECT account_id, id, name FROM managers WHERE account_id = $1 AND id = $2",
    insert: "INSERT INTO managers (account_id, name) VALUES ($1, $2) RETURNING account_id, id, name",
};
