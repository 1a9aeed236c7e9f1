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

/// The statements of one tenant table.
///
/// ```
/// let projects = &bench_baseline::sql::PROJECTS;
/// assert!(projects.list.starts_with("SELECT account_id, id, name, count(*) OVER ()"));
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Statements {
    /// A page in id order with the tenant's row count: `$1` account, `$2` limit, `$3` offset.
    pub list: &'static str,
    /// The tenant's row count (only for a page past the end, which carries no count).
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
    list: "SELECT account_id, id, name, count(*) OVER () FROM projects WHERE account_id = $1 ORDER BY id LIMIT $2 OFFSET $3",
    count: "SELECT count(*) FROM projects WHERE account_id = $1",
    get: "SELECT account_id, id, name FROM projects WHERE account_id = $1 AND id = $2",
    insert: "INSERT INTO projects (account_id, name) VALUES ($1, $2) RETURNING account_id, id, name",
};

/// The statements of `tasks`.
///
/// ```
/// assert!(bench_baseline::sql::TASKS.insert.starts_with("INSERT INTO tasks (account_id, "));
/// ```
pub const TASKS: Statements = Statements {
    list: "SELECT account_id, id, project_id, name, done, count(*) OVER () FROM tasks WHERE account_id = $1 ORDER BY id LIMIT $2 OFFSET $3",
    count: "SELECT count(*) FROM tasks WHERE account_id = $1",
    get: "SELECT account_id, id, project_id, name, done FROM tasks WHERE account_id = $1 AND id = $2",
    insert: "INSERT INTO tasks (account_id, project_id, name, done) VALUES ($1, $2, $3, $4) RETURNING account_id, id, project_id, name, done",
};

/// The statements of `managers`.
///
/// ```
/// assert!(bench_baseline::sql::MANAGERS.count.ends_with("FROM managers WHERE account_id = $1"));
/// ```
pub const MANAGERS: Statements = Statements {
    list: "SELECT account_id, id, name, count(*) OVER () FROM managers WHERE account_id = $1 ORDER BY id LIMIT $2 OFFSET $3",
    count: "SELECT count(*) FROM managers WHERE account_id = $1",
    get: "SELECT account_id, id, name FROM managers WHERE account_id = $1 AND id = $2",
    insert: "INSERT INTO managers (account_id, name) VALUES ($1, $2) RETURNING account_id, id, name",
};
