//! The sample domain as the scoper knows it: the root `accounts`, the tenant tables keyed by
//! `account_id`, and the reference table `countries` (the tables of `setup.sql`).

use multitenant::Schema;

pub(crate) fn schema() -> Schema {
    Schema::builder()
        .tenant_root("accounts", "id")
        .tenant_table("managers", "account_id")
        .tenant_table("projects", "account_id")
        .tenant_table("project_managers", "account_id")
        .tenant_table("tasks", "account_id")
        .tenant_table("visits", "account_id")
        .reference_table("countries")
        .build()
        .expect("the sample schema is valid")
}
