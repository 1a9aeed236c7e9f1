//! The domain as SeaORM entities. Accounts are the tenants; countries are shared by all of them
//! (a reference table); users, their API tokens and the record of who owns which account are
//! global. Everything else belongs to one account and carries `account_id` first in its primary
//! key and in every foreign key between tenant tables, so the schema is ready to be distributed
//! by Citus.

use multitenant::Schema;
use multitenant_sea_orm::SchemaFromEntities;

/// The tenant layout of the app, stated once, from the entities: `accounts` is the tenant root,
/// `managers`, `projects`, `project_managers` and `tasks` are tenant tables, `countries`, `users`,
/// `api_tokens`, `account_owners` and `account_subdomains` are shared.
///
/// ```
/// let schema = projects::entities::schema();
/// assert_eq!(schema.tenant_column(None, "tasks"), Some("account_id"));
/// assert!(schema.is_reference(None, "countries"));
/// ```
pub fn schema() -> Schema {
    Schema::builder()
        .tenant_root_entity::<accounts::Entity>()
        .tenant_entity::<managers::Entity>()
        .tenant_entity::<projects::Entity>()
        .tenant_entity::<project_managers::Entity>()
        .tenant_entity::<tasks::Entity>()
        .reference_entity::<countries::Entity>()
        .reference_entity::<users::Entity>()
        .reference_entity::<api_tokens::Entity>()
        .reference_entity::<account_owners::Entity>()
        .reference_entity::<account_subdomains::Entity>()
        .build()
        .expect("the entities describe a valid schema")
}

/// Countries: the reference table, shared by every tenant and read-only through the API.
pub mod countries {
    use sea_orm::entity::prelude::*;
    use serde::{Deserialize, Serialize};

    /// A country.
    ///
    /// ```
    /// let fr = projects::entities::countries::Model { id: 250, name: "France".into() };
    /// assert_eq!(fr.name, "France");
    /// ```
    #[derive(
        Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize, utoipa::ToSchema,
    )]
    #[sea_orm(table_name = "countries")]
    #[schema(as = Country)]
    pub struct Model {
        /// ISO 3166-1 numeric code.
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: i64,
        /// English short name.
        pub name: String,
    }

    /// No relations are navigated from countries.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}

    impl multitenant_sea_orm::ReferenceEntity for Entity {}
}

/// Users: global (a user may own several accounts), never tenant-scoped.
pub mod users {
    use sea_orm::entity::prelude::*;

    /// A user; `password_hash` is an argon2id PHC string and is never sent to a client.
    ///
    /// ```
    /// let u = projects::entities::users::Model { id: 1, username: "ada".into(), password_hash: String::new() };
    /// assert_eq!(u.username, "ada");
    /// ```
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "users")]
    pub struct Model {
        /// Generated id.
        #[sea_orm(primary_key)]
        pub id: i64,
        /// Unique login name.
        #[sea_orm(unique)]
        pub username: String,
        /// argon2id hash in PHC format.
        pub password_hash: String,
    }

    /// No relations are navigated from users.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}

    impl multitenant_sea_orm::ReferenceEntity for Entity {}
}

/// API tokens: global; only the SHA-256 of each token is stored.
pub mod api_tokens {
    use sea_orm::entity::prelude::*;

    /// An issued bearer token.
    ///
    /// ```
    /// let expires_at = "2030-01-01T00:00:00Z".parse().unwrap();
    /// let t = projects::entities::api_tokens::Model { token_hash: "ab".into(), user_id: 1, expires_at };
    /// assert_eq!(t.user_id, 1);
    /// ```
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "api_tokens")]
    pub struct Model {
        /// Hex SHA-256 of the token.
        #[sea_orm(primary_key, auto_increment = false)]
        pub token_hash: String,
        /// The user the token authenticates.
        pub user_id: i64,
        /// When the token stops authenticating (set by the database's clock on issue).
        pub expires_at: DateTimeWithTimeZone,
    }

    /// No relations are navigated from tokens.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}

    impl multitenant_sea_orm::ReferenceEntity for Entity {}
}

/// Who owns which account: a shared (reference) table, so that finding a caller's accounts is a
/// lookup on one table every node holds, not a search through every tenant. A row is written in
/// the same transaction as the account it names.
pub mod account_owners {
    use sea_orm::entity::prelude::*;

    /// User `user_id` owns account `account_id`.
    ///
    /// ```
    /// let o = projects::entities::account_owners::Model { user_id: 1, account_id: 7 };
    /// assert_eq!(o.account_id, 7);
    /// ```
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "account_owners")]
    pub struct Model {
        /// The owner.
        #[sea_orm(primary_key, auto_increment = false)]
        pub user_id: i64,
        /// The account (a tenant key).
        #[sea_orm(primary_key, auto_increment = false)]
        pub account_id: i64,
    }

    /// No relations are navigated from ownerships.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}

    impl multitenant_sea_orm::ReferenceEntity for Entity {}
}

/// Which account holds which subdomain: a shared (reference) table whose primary key makes
/// subdomains unique across all accounts, which a unique index on `accounts` cannot do once the
/// table is sharded by `id`. Subdomains are kept lowercased here; a row is written in the same
/// transaction as the account it names.
pub mod account_subdomains {
    use sea_orm::entity::prelude::*;

    /// Account `account_id` holds `subdomain`.
    ///
    /// ```
    /// let s = projects::entities::account_subdomains::Model { subdomain: "acme".into(), account_id: 7 };
    /// assert_eq!(s.account_id, 7);
    /// ```
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "account_subdomains")]
    pub struct Model {
        /// The subdomain, lowercased.
        #[sea_orm(primary_key, auto_increment = false)]
        pub subdomain: String,
        /// The account (a tenant key).
        pub account_id: i64,
    }

    /// No relations are navigated from subdomains.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}

    impl multitenant_sea_orm::ReferenceEntity for Entity {}
}

/// Accounts: the tenants. The tenant root: its tenant column is its own `id`.
pub mod accounts {
    use sea_orm::entity::prelude::*;
    use serde::{Deserialize, Serialize};

    /// An account, owned by one user.
    ///
    /// ```
    /// let a = projects::entities::accounts::Model {
    ///     id: 1, name: "Acme".into(), domain: "acme.com".into(), subdomain: "acme".into(),
    ///     country_id: 250, owner_id: 1,
    /// };
    /// assert_eq!(a.subdomain, "acme");
    /// ```
    #[derive(
        Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize, utoipa::ToSchema,
    )]
    #[sea_orm(table_name = "accounts")]
    #[schema(as = Account)]
    pub struct Model {
        /// Generated id: the tenant key.
        #[sea_orm(primary_key)]
        pub id: i64,
        /// Display name.
        pub name: String,
        /// The customer's domain.
        pub domain: String,
        /// Subdomain, unique across accounts regardless of case (see [`super::account_subdomains`]).
        pub subdomain: String,
        /// The account's country (a reference row).
        pub country_id: i64,
        /// The user who owns the account.
        pub owner_id: i64,
    }

    /// No relations are navigated from accounts.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}

    impl multitenant_sea_orm::TenantEntity for Entity {
        fn tenant_column() -> Column {
            Column::Id
        }
    }
}

/// Managers of an account.
pub mod managers {
    use sea_orm::entity::prelude::*;
    use serde::{Deserialize, Serialize};

    /// A manager.
    ///
    /// ```
    /// let m = projects::entities::managers::Model { account_id: 1, id: 2, name: "Grace".into() };
    /// assert_eq!(m.account_id, 1);
    /// ```
    #[derive(
        Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize, utoipa::ToSchema,
    )]
    #[sea_orm(table_name = "managers")]
    #[schema(as = Manager)]
    pub struct Model {
        /// The tenant.
        #[sea_orm(primary_key, auto_increment = false)]
        pub account_id: i64,
        /// Generated id.
        #[sea_orm(primary_key)]
        pub id: i64,
        /// Name.
        pub name: String,
    }

    /// No relations are navigated from managers.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}

    impl multitenant_sea_orm::TenantEntity for Entity {
        fn tenant_column() -> Column {
            Column::AccountId
        }
    }
}

/// Projects of an account.
pub mod projects {
    use sea_orm::entity::prelude::*;
    use serde::{Deserialize, Serialize};

    /// A project.
    ///
    /// ```
    /// let p = projects::entities::projects::Model { account_id: 1, id: 2, name: "Roadmap".into() };
    /// assert_eq!(p.name, "Roadmap");
    /// ```
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
    #[sea_orm(table_name = "projects")]
    pub struct Model {
        /// The tenant.
        #[sea_orm(primary_key, auto_increment = false)]
        pub account_id: i64,
        /// Generated id.
        #[sea_orm(primary_key)]
        pub id: i64,
        /// Name.
        pub name: String,
    }

    /// No relations are navigated from projects.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}

    impl multitenant_sea_orm::TenantEntity for Entity {
        fn tenant_column() -> Column {
            Column::AccountId
        }
    }
}

/// The many-to-many between projects and managers, inside one account.
pub mod project_managers {
    use sea_orm::entity::prelude::*;
    use serde::{Deserialize, Serialize};

    /// A manager assigned to a project.
    ///
    /// ```
    /// let pm = projects::entities::project_managers::Model { account_id: 1, id: 3, project_id: 2, manager_id: 5 };
    /// assert_eq!(pm.manager_id, 5);
    /// ```
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
    #[sea_orm(table_name = "project_managers")]
    pub struct Model {
        /// The tenant.
        #[sea_orm(primary_key, auto_increment = false)]
        pub account_id: i64,
        /// Generated id.
        #[sea_orm(primary_key)]
        pub id: i64,
        /// The project (same account).
        pub project_id: i64,
        /// The manager (same account).
        pub manager_id: i64,
    }

    /// No relations are navigated from the through table.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}

    impl multitenant_sea_orm::TenantEntity for Entity {
        fn tenant_column() -> Column {
            Column::AccountId
        }
    }
}

/// Tasks of a project.
pub mod tasks {
    use sea_orm::entity::prelude::*;
    use serde::{Deserialize, Serialize};

    /// A task.
    ///
    /// ```
    /// let t = projects::entities::tasks::Model { account_id: 1, id: 4, project_id: 2, name: "Ship".into(), done: false };
    /// assert!(!t.done);
    /// ```
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
    #[sea_orm(table_name = "tasks")]
    pub struct Model {
        /// The tenant.
        #[sea_orm(primary_key, auto_increment = false)]
        pub account_id: i64,
        /// Generated id.
        #[sea_orm(primary_key)]
        pub id: i64,
        /// The project (same account).
        pub project_id: i64,
        /// Name.
        pub name: String,
        /// Ticked off.
        #[sea_orm(default_value = false)]
        pub done: bool,
    }

    /// No relations are navigated from tasks.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}

    impl multitenant_sea_orm::TenantEntity for Entity {
        fn tenant_column() -> Column {
            Column::AccountId
        }
    }
}
