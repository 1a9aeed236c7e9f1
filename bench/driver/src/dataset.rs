//! The benchmark's data set: its shape, the ids every tenant owns, its tokens, and the SQL that
//! seeds it into the sample app's schema.
//!
//! Tenant `i` (1-based) is account `i`, owned by user `i` (`bench<i>`), whose bearer token is
//! the lowercase hex SHA-256 of `bench-token-<i>` (stored as the hex SHA-256 of that token).
//! Ids are dense and predictable: tenant `i` owns projects `(i-1)*P+1 ..= i*P`, managers
//! `(i-1)*5+1 ..= i*5` and tasks `(i-1)*P*10+1 ..= i*P*10`, where `P` is 20 times the data scale.

use sha2::{Digest, Sha256};

/// Managers per tenant.
pub(crate) const MANAGERS: u64 = 5;
/// Projects per tenant at data scale 1.
pub(crate) const PROJECTS: u64 = 20;
/// Tasks per project.
pub(crate) const TASKS_PER_PROJECT: u64 = 10;
/// Countries the data set adds to the ones the schema comes with, so that it has 10.
const EXTRA_COUNTRIES: [(i64, &str); 3] = [(124, "Canada"), (380, "Italy"), (724, "Spain")];
/// Countries the accounts are spread over.
pub(crate) const COUNTRIES: u64 = 10;
/// The password hash every benchmark user gets: a well-formed argon2id PHC string (no log-in is
/// benchmarked, so no password matches it on purpose).
const PASSWORD_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$bXRiZW5jaHNhbHQ$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

/// The shape of a data set: how many tenants and how much data each holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct DataSet {
    /// Number of tenants (accounts).
    pub(crate) tenants: u64,
    /// Multiplies the projects (and so the tasks) of every tenant.
    pub(crate) scale: u64,
}

impl DataSet {
    /// Projects each tenant owns.
    pub(crate) fn projects_per_tenant(&self) -> u64 {
        PROJECTS * self.scale
    }

    /// Tasks each tenant owns.
    pub(crate) fn tasks_per_tenant(&self) -> u64 {
        self.projects_per_tenant() * TASKS_PER_PROJECT
    }

    /// Projects in all (also the number of project-manager links: one per project).
    pub(crate) fn total_projects(&self) -> u64 {
        self.tenants * self.projects_per_tenant()
    }

    /// Tasks in all; also the highest seeded task id.
    pub(crate) fn total_tasks(&self) -> u64 {
        self.tenants * self.tasks_per_tenant()
    }

    /// Managers in all.
    pub(crate) fn total_managers(&self) -> u64 {
        self.tenants * MANAGERS
    }

    /// The id of project `j` (1-based) of tenant `tenant` (1-based).
    pub(crate) fn project_id(&self, tenant: u64, j: u64) -> u64 {
        (tenant - 1) * self.projects_per_tenant() + j
    }

    /// The bearer token of tenant `tenant`'s user.
    pub(crate) fn token(tenant: u64) -> String {
        hex::encode(Sha256::digest(format!("bench-token-{tenant}")))
    }

    /// What `api_tokens.token_hash` stores for `token`.
    pub(crate) fn token_hash(token: &str) -> String {
        hex::encode(Sha256::digest(token))
    }

    /// The statements that replace whatever the app's tables hold with this data set, in order.
    /// The schema must exist (the app migrates it when it starts).
    pub(crate) fn seed_sql(&self) -> Vec<String> {
        let n = self.tenants;
        let p = self.projects_per_tenant();
        let t = TASKS_PER_PROJECT;
        let m = MANAGERS;
        let countries: Vec<String> = EXTRA_COUNTRIES
            .iter()
            .map(|(id, name)| format!("({id}, '{name}')"))
            .collect();
        let c = COUNTRIES;
        let token = "encode(sha256(convert_to('bench-token-' || i, 'UTF8')), 'hex')";
        vec![
            "TRUNCATE users, api_tokens, accounts, account_owners, account_subdomains, managers, \
             projects, project_managers, tasks, mt_bench_dataset RESTART IDENTITY CASCADE"
                .to_owned(),
            format!(
                "INSERT INTO countries (id, name) VALUES {} ON CONFLICT DO NOTHING",
                countries.join(", ")
            ),
            format!(
                "INSERT INTO users (id, username, password_hash) \
                 SELECT i, 'bench' || i, '{PASSWORD_HASH}' FROM generate_series(1, {n}) i"
            ),
            format!(
                "INSERT INTO api_tokens (token_hash, user_id, expires_at) \
                 SELECT encode(sha256(convert_to({token}, 'UTF8')), 'hex'), i, \
                 now() + interval '10 years' FROM generate_series(1, {n}) i"
            ),
            format!(
                "INSERT INTO accounts (id, name, domain, subdomain, country_id, owner_id) \
                 SELECT i, 'Bench ' || i, 'bench' || i || '.example.com', 'bench' || i, \
                 c.ids[(i - 1) % cardinality(c.ids) + 1], i FROM generate_series(1, {n}) i, \
                 (SELECT ARRAY(SELECT id FROM countries ORDER BY id LIMIT {c}) AS ids) c"
            ),
            format!(
                "INSERT INTO account_owners (user_id, account_id) \
                 SELECT i, i FROM generate_series(1, {n}) i"
            ),
            format!(
                "INSERT INTO account_subdomains (subdomain, account_id) \
                 SELECT 'bench' || i, i FROM generate_series(1, {n}) i"
            ),
            format!(
                "INSERT INTO managers (account_id, id, name) \
                 SELECT i, (i - 1) * {m} + k, 'Manager ' || i || '-' || k \
                 FROM generate_series(1, {n}) i, generate_series(1, {m}) k"
            ),
            format!(
                "INSERT INTO projects (account_id, id, name) \
                 SELECT i, (i - 1) * {p} + j, 'Project ' || i || '-' || j \
                 FROM generate_series(1, {n}) i, generate_series(1, {p}) j"
            ),
            format!(
                "INSERT INTO project_managers (account_id, id, project_id, manager_id) \
                 SELECT i, (i - 1) * {p} + j, (i - 1) * {p} + j, (i - 1) * {m} + (j - 1) % {m} + 1 \
                 FROM generate_series(1, {n}) i, generate_series(1, {p}) j"
            ),
            format!(
                "INSERT INTO tasks (account_id, id, project_id, name, done) \
                 SELECT i, ((i - 1) * {p} + j - 1) * {t} + k, (i - 1) * {p} + j, \
                 'Task ' || i || '-' || j || '-' || k, k % 3 = 0 \
                 FROM generate_series(1, {n}) i, generate_series(1, {p}) j, generate_series(1, {t}) k"
            ),
            format!(
                "SELECT setval(pg_get_serial_sequence('users', 'id'), {n}), \
                 setval(pg_get_serial_sequence('accounts', 'id'), {n}), \
                 setval(pg_get_serial_sequence('managers', 'id'), {}), \
                 setval(pg_get_serial_sequence('projects', 'id'), {}), \
                 setval(pg_get_serial_sequence('project_managers', 'id'), {}), \
                 setval(pg_get_serial_sequence('tasks', 'id'), {})",
                self.total_managers(),
                self.total_projects(),
                self.total_projects(),
                self.total_tasks()
            ),
            format!(
                "INSERT INTO mt_bench_dataset (tenants, data_scale) VALUES ({n}, {})",
                self.scale
            ),
            "VACUUM ANALYZE".to_owned(),
        ]
    }

    /// The statements that remove the tasks a run created, reset the id sequence and vacuum
    /// the table, so the next run starts from the seeded data set (each outside a transaction).
    pub(crate) fn reset_tasks_sql(&self) -> [String; 3] {
        let max = self.total_tasks();
        [
            format!("DELETE FROM tasks WHERE id > {max}"),
            format!("SELECT setval(pg_get_serial_sequence('tasks', 'id'), {max})"),
            "VACUUM ANALYZE tasks".to_owned(),
        ]
    }
}

/// The table recording which data set the database holds.
pub(crate) const MARKER_DDL: &str = "CREATE TABLE IF NOT EXISTS mt_bench_dataset (\
     tenants bigint NOT NULL, data_scale bigint NOT NULL, seeded_at timestamptz NOT NULL DEFAULT now())";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_data_set_has_the_documented_shape() {
        let d = DataSet {
            tenants: 100,
            scale: 1,
        };
        assert_eq!(d.projects_per_tenant(), 20);
        assert_eq!(d.tasks_per_tenant(), 200);
        assert_eq!(d.total_projects(), 2_000);
        assert_eq!(d.total_tasks(), 20_000);
        assert_eq!(d.total_managers(), 500);
        assert_eq!(d.project_id(1, 1), 1);
        assert_eq!(d.project_id(3, 7), 47);
    }

    #[test]
    fn the_scale_multiplies_projects_and_tasks_per_tenant() {
        let d = DataSet {
            tenants: 10,
            scale: 100,
        };
        assert_eq!(d.projects_per_tenant(), 2_000);
        assert_eq!(d.tasks_per_tenant(), 20_000);
        assert_eq!(d.total_tasks(), 200_000);
        assert_eq!(d.project_id(2, 1), 2_001);
    }

    #[test]
    fn tokens_are_the_hex_sha256_of_their_seed_and_stored_hashed() {
        let token = DataSet::token(1);
        assert_eq!(token.len(), 64);
        assert_eq!(token, hex::encode(Sha256::digest("bench-token-1")));
        assert_eq!(
            DataSet::token_hash(&token),
            hex::encode(Sha256::digest(&token))
        );
        assert_ne!(DataSet::token(2), token);
    }

    #[test]
    fn the_seed_uses_the_data_set_arithmetic() {
        let d = DataSet {
            tenants: 7,
            scale: 2,
        };
        let sql = d.seed_sql().join(";\n");
        assert!(sql.contains("generate_series(1, 7) i"));
        assert!(sql.contains("generate_series(1, 40) j"));
        assert!(sql.contains("setval(pg_get_serial_sequence('tasks', 'id'), 2800)"));
        assert_eq!(d.reset_tasks_sql()[0], "DELETE FROM tasks WHERE id > 2800");
    }
}
