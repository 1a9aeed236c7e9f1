//! The sample domain: accounts are the tenants, countries are shared, everything else belongs to
//! one account and carries `account_id` in its primary key and in every foreign key.

pub mod countries {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "countries")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: i64,
        pub name: String,
        #[sea_orm(has_many)]
        pub accounts: HasMany<super::accounts::Entity>,
    }

    impl ActiveModelBehavior for ActiveModel {}

    impl multitenant_sea_orm::ReferenceEntity for Entity {}
}

pub mod accounts {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "accounts")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: i64,
        pub name: String,
        pub domain: String,
        pub subdomain: String,
        pub country_id: Option<i64>,
        #[sea_orm(belongs_to, from = "country_id", to = "id")]
        pub country: HasOne<super::countries::Entity>,
        #[sea_orm(has_many)]
        pub projects: HasMany<super::projects::Entity>,
        #[sea_orm(has_many)]
        pub managers: HasMany<super::managers::Entity>,
    }

    impl ActiveModelBehavior for ActiveModel {}

    impl multitenant_sea_orm::TenantEntity for Entity {
        fn tenant_column() -> Column {
            Column::Id
        }
    }
}

pub mod managers {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "managers")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub account_id: i64,
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: i64,
        pub name: String,
        #[sea_orm(belongs_to, from = "account_id", to = "id")]
        pub account: BelongsTo<super::accounts::Entity>,
        #[sea_orm(has_many, via = "project_managers")]
        pub projects: HasMany<super::projects::Entity>,
    }

    impl ActiveModelBehavior for ActiveModel {}

    impl multitenant_sea_orm::TenantEntity for Entity {
        fn tenant_column() -> Column {
            Column::AccountId
        }
    }
}

pub mod projects {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "projects")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub account_id: i64,
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: i64,
        pub name: String,
        #[sea_orm(belongs_to, from = "account_id", to = "id")]
        pub account: BelongsTo<super::accounts::Entity>,
        #[sea_orm(has_many)]
        pub tasks: HasMany<super::tasks::Entity>,
        #[sea_orm(has_many, via = "project_managers")]
        pub managers: HasMany<super::managers::Entity>,
    }

    impl ActiveModelBehavior for ActiveModel {}

    impl multitenant_sea_orm::TenantEntity for Entity {
        fn tenant_column() -> Column {
            Column::AccountId
        }
    }
}

pub mod project_managers {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "project_managers")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub account_id: i64,
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: i64,
        pub project_id: i64,
        pub manager_id: i64,
        #[sea_orm(belongs_to, from = "(account_id, project_id)", to = "(account_id, id)")]
        pub project: BelongsTo<super::projects::Entity>,
        #[sea_orm(belongs_to, from = "(account_id, manager_id)", to = "(account_id, id)")]
        pub manager: BelongsTo<super::managers::Entity>,
    }

    impl ActiveModelBehavior for ActiveModel {}

    impl multitenant_sea_orm::TenantEntity for Entity {
        fn tenant_column() -> Column {
            Column::AccountId
        }
    }
}

pub mod tasks {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "tasks")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub account_id: i64,
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: i64,
        pub project_id: i64,
        pub name: String,
        pub done: bool,
        #[sea_orm(belongs_to, from = "(account_id, project_id)", to = "(account_id, id)")]
        pub project: BelongsTo<super::projects::Entity>,
    }

    impl ActiveModelBehavior for ActiveModel {}

    impl multitenant_sea_orm::TenantEntity for Entity {
        fn tenant_column() -> Column {
            Column::AccountId
        }
    }
}
