//! An entity for the unit tests of the CRUD router's parts: one column of each kind they read.
#![allow(unreachable_pub)] // the entity macros make public items in this private module

pub(crate) mod tasks {
    use sea_orm::entity::prelude::*;
    use serde::{Deserialize, Serialize};

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, Deserialize)]
    #[sea_orm(table_name = "tasks")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub account_id: i64,
        #[sea_orm(primary_key)]
        pub id: i64,
        pub name: String,
        pub done: bool,
        pub external_id: Option<Uuid>,
        pub priority: i32,
        pub weight: f64,
        pub due: Option<Date>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}

    impl multitenant_sea_orm::TenantEntity for Entity {
        fn tenant_column() -> Column {
            Column::AccountId
        }
    }
}
