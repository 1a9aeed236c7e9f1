//! The sample domain: accounts are the tenants, countries are shared, everything else belongs to
//! one account and carries `account_id` in its primary key and in every foreign key.

pub mod countries {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "countries")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: i64,
        pub name: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        #[sea_orm(has_many = "super::accounts::Entity")]
        Accounts,
    }

    impl Related<super::accounts::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Accounts.def()
        }
    }

    impl ActiveModelBehavior for ActiveModel {}

    impl multitenant_sea_orm::ReferenceEntity for Entity {}
}

pub mod accounts {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "accounts")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: i64,
        pub name: String,
        pub domain: String,
        pub subdomain: String,
        pub country_id: Option<i64>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        #[sea_orm(
            belongs_to = "super::countries::Entity",
            from = "Column::CountryId",
            to = "super::countries::Column::Id"
        )]
        Country,
        #[sea_orm(has_many = "super::projects::Entity")]
        Projects,
    }

    impl Related<super::countries::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Country.def()
        }
    }

    impl Related<super::projects::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Projects.def()
        }
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

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "managers")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub account_id: i64,
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: i64,
        pub name: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        #[sea_orm(
            belongs_to = "super::accounts::Entity",
            from = "Column::AccountId",
            to = "super::accounts::Column::Id"
        )]
        Account,
        #[sea_orm(has_many = "super::project_managers::Entity")]
        ProjectManagers,
    }

    impl Related<super::project_managers::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::ProjectManagers.def()
        }
    }

    impl Related<super::projects::Entity> for Entity {
        fn to() -> RelationDef {
            super::project_managers::Relation::Project.def()
        }

        fn via() -> Option<RelationDef> {
            Some(super::project_managers::Relation::Manager.def().rev())
        }
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

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "projects")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub account_id: i64,
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: i64,
        pub name: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        #[sea_orm(
            belongs_to = "super::accounts::Entity",
            from = "Column::AccountId",
            to = "super::accounts::Column::Id"
        )]
        Account,
        #[sea_orm(has_many = "super::tasks::Entity")]
        Tasks,
        #[sea_orm(has_many = "super::project_managers::Entity")]
        ProjectManagers,
    }

    impl Related<super::accounts::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Account.def()
        }
    }

    impl Related<super::tasks::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Tasks.def()
        }
    }

    impl Related<super::project_managers::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::ProjectManagers.def()
        }
    }

    impl Related<super::managers::Entity> for Entity {
        fn to() -> RelationDef {
            super::project_managers::Relation::Manager.def()
        }

        fn via() -> Option<RelationDef> {
            Some(super::project_managers::Relation::Project.def().rev())
        }
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

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "project_managers")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub account_id: i64,
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: i64,
        pub project_id: i64,
        pub manager_id: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        #[sea_orm(
            belongs_to = "super::projects::Entity",
            from = "(Column::AccountId, Column::ProjectId)",
            to = "(super::projects::Column::AccountId, super::projects::Column::Id)"
        )]
        Project,
        #[sea_orm(
            belongs_to = "super::managers::Entity",
            from = "(Column::AccountId, Column::ManagerId)",
            to = "(super::managers::Column::AccountId, super::managers::Column::Id)"
        )]
        Manager,
    }

    impl Related<super::projects::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Project.def()
        }
    }

    impl Related<super::managers::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Manager.def()
        }
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
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        #[sea_orm(
            belongs_to = "super::projects::Entity",
            from = "(Column::AccountId, Column::ProjectId)",
            to = "(super::projects::Column::AccountId, super::projects::Column::Id)"
        )]
        Project,
    }

    impl Related<super::projects::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Project.def()
        }
    }

    impl ActiveModelBehavior for ActiveModel {}

    impl multitenant_sea_orm::TenantEntity for Entity {
        fn tenant_column() -> Column {
            Column::AccountId
        }
    }
}
