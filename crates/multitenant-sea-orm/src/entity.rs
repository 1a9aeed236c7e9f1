//! Schema from entities: which SeaORM entities are tenant entities (and which column holds the
//! tenant), which are shared reference entities, and the core `Schema` built from them, so the
//! tenant layout is stated once, next to the entities.

use multitenant::{KeyKind, SchemaBuilder};
use sea_orm::sea_query::ColumnType;
use sea_orm::{ColumnTrait, EntityName, EntityTrait, IdenStatic};

/// An entity whose rows belong to one tenant each, and the column that names it.
///
/// ```
/// use multitenant_sea_orm::TenantEntity;
/// use sea_orm::entity::prelude::*;
///
/// #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
/// #[sea_orm(table_name = "projects")]
/// pub struct Model {
///     #[sea_orm(primary_key, auto_increment = false)]
///     pub account_id: i64,
///     #[sea_orm(primary_key)]
///     pub id: i64,
///     pub name: String,
/// }
///
/// #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
/// pub enum Relation {}
///
/// impl ActiveModelBehavior for ActiveModel {}
///
/// impl TenantEntity for Entity {
///     fn tenant_column() -> Column {
///         Column::AccountId
///     }
/// }
/// ```
pub trait TenantEntity: EntityTrait {
    /// The column holding the tenant key (for the tenant root: its own key column).
    fn tenant_column() -> Self::Column;
}

/// An entity shared by all tenants (countries, currencies): never scoped.
///
/// ```
/// use multitenant_sea_orm::ReferenceEntity;
/// use sea_orm::entity::prelude::*;
///
/// #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
/// #[sea_orm(table_name = "countries")]
/// pub struct Model {
///     #[sea_orm(primary_key)]
///     pub id: i64,
///     pub name: String,
/// }
///
/// #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
/// pub enum Relation {}
///
/// impl ActiveModelBehavior for ActiveModel {}
///
/// impl ReferenceEntity for Entity {}
/// ```
pub trait ReferenceEntity: EntityTrait {}

/// Declares entities on the core's [`SchemaBuilder`]: table names come from
/// `EntityName::table_name` and `schema_name`, tenant columns from [`TenantEntity`].
///
/// ```
/// # use sea_orm::entity::prelude::*;
/// # #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
/// # #[sea_orm(table_name = "projects")]
/// # pub struct Model { #[sea_orm(primary_key, auto_increment = false)] pub account_id: i64, #[sea_orm(primary_key)] pub id: i64 }
/// # #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
/// # pub enum Relation {}
/// # impl ActiveModelBehavior for ActiveModel {}
/// # impl multitenant_sea_orm::TenantEntity for Entity { fn tenant_column() -> Column { Column::AccountId } }
/// use multitenant::{Schema, Scope, Scoper};
/// use multitenant_sea_orm::SchemaFromEntities;
///
/// let schema = Schema::builder().tenant_entity::<Entity>().reference_table("countries").build()?;
/// let scoped = Scoper::new(schema).rewrite(r#"SELECT * FROM "projects""#, Some(&Scope::one(1_i64)))?;
/// assert_eq!(scoped.sql(), "SELECT * FROM projects WHERE projects.account_id = $1");
/// # Ok::<(), multitenant::Error>(())
/// ```
pub trait SchemaFromEntities: Sized {
    /// Declares the tenant root (the table of tenants; its tenant column is its own key). The
    /// schema's key type follows the column's type (integers: `bigint`, `uuid`, strings: `text`);
    /// call `key_kind` afterwards to override it.
    ///
    /// ```
    /// # use sea_orm::entity::prelude::*;
    /// # #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    /// # #[sea_orm(table_name = "accounts")]
    /// # pub struct Model { #[sea_orm(primary_key, auto_increment = false)] pub id: Uuid, pub name: String }
    /// # #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    /// # pub enum Relation {}
    /// # impl ActiveModelBehavior for ActiveModel {}
    /// use multitenant_sea_orm::{SchemaFromEntities, TenantEntity};
    ///
    /// impl TenantEntity for Entity {
    ///     fn tenant_column() -> Column { Column::Id }
    /// }
    ///
    /// let schema = multitenant::Schema::builder().tenant_root_entity::<Entity>().build().unwrap();
    /// assert_eq!(schema.key_kind(), multitenant::KeyKind::Uuid);
    /// assert_eq!(schema.tenant_column(None, "accounts"), Some("id"));
    /// ```
    fn tenant_root_entity<E: TenantEntity>(self) -> Self;

    /// Declares a tenant entity.
    ///
    /// ```
    /// # use sea_orm::entity::prelude::*;
    /// # #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    /// # #[sea_orm(schema_name = "app", table_name = "tasks")]
    /// # pub struct Model { #[sea_orm(primary_key, auto_increment = false)] pub account_id: i64, #[sea_orm(primary_key)] pub id: i64 }
    /// # #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    /// # pub enum Relation {}
    /// # impl ActiveModelBehavior for ActiveModel {}
    /// use multitenant_sea_orm::{SchemaFromEntities, TenantEntity};
    ///
    /// impl TenantEntity for Entity {
    ///     fn tenant_column() -> Column { Column::AccountId }
    /// }
    ///
    /// let schema = multitenant::Schema::builder().tenant_entity::<Entity>().build().unwrap();
    /// assert_eq!(schema.tenant_column(Some("app"), "tasks"), Some("account_id"));
    /// ```
    fn tenant_entity<E: TenantEntity>(self) -> Self;

    /// Declares a reference entity.
    ///
    /// ```
    /// # use sea_orm::entity::prelude::*;
    /// # #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    /// # #[sea_orm(table_name = "countries")]
    /// # pub struct Model { #[sea_orm(primary_key)] pub id: i64, pub name: String }
    /// # #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    /// # pub enum Relation {}
    /// # impl ActiveModelBehavior for ActiveModel {}
    /// use multitenant_sea_orm::{ReferenceEntity, SchemaFromEntities};
    ///
    /// impl ReferenceEntity for Entity {}
    ///
    /// let schema = multitenant::Schema::builder().reference_entity::<Entity>().build().unwrap();
    /// assert!(schema.is_reference(None, "countries"));
    /// ```
    fn reference_entity<E: ReferenceEntity>(self) -> Self;
}

impl SchemaFromEntities for SchemaBuilder {
    fn tenant_root_entity<E: TenantEntity>(self) -> Self {
        let column = E::tenant_column();
        let builder = self.tenant_root(&table_of::<E>(), &quote(column.as_str()));
        match key_kind_of(column.def().get_column_type()) {
            Some(kind) => builder.key_kind(kind),
            None => builder,
        }
    }

    fn tenant_entity<E: TenantEntity>(self) -> Self {
        self.tenant_table(&table_of::<E>(), &quote(E::tenant_column().as_str()))
    }

    fn reference_entity<E: ReferenceEntity>(self) -> Self {
        self.reference_table(&table_of::<E>())
    }
}

/// The entity's table as a quoted SQL name (SeaORM quotes every identifier it emits, so the
/// names keep their case).
fn table_of<E: EntityName>() -> String {
    let entity = E::default();
    match entity.schema_name() {
        Some(schema) => format!("{}.{}", quote(schema), quote(entity.table_name())),
        None => quote(entity.table_name()),
    }
}

fn quote(ident: &str) -> String {
    format!("\"{}\"", ident.replace('"', "\"\""))
}

fn key_kind_of(column_type: &ColumnType) -> Option<KeyKind> {
    match column_type {
        ColumnType::SmallInteger | ColumnType::Integer | ColumnType::BigInteger => {
            Some(KeyKind::BigInt)
        }
        ColumnType::Uuid => Some(KeyKind::Uuid),
        ColumnType::Char(_) | ColumnType::String(_) | ColumnType::Text => Some(KeyKind::Text),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use multitenant::{Schema, Scope, Scoper, TableName};
    use sea_orm::{DbBackend, EntityTrait, QueryTrait};

    use super::*;

    mod items {
        use sea_orm::entity::prelude::*;

        #[sea_orm::model]
        #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
        #[sea_orm(schema_name = "App", table_name = "TaskItems")]
        pub(crate) struct Model {
            #[sea_orm(primary_key, auto_increment = false)]
            pub(crate) org_id: i64,
            #[sea_orm(primary_key, auto_increment = false)]
            pub(crate) id: i64,
        }

        impl ActiveModelBehavior for ActiveModel {}

        impl super::TenantEntity for Entity {
            fn tenant_column() -> Column {
                Column::OrgId
            }
        }
    }

    #[test]
    fn names_keep_their_schema_and_case() {
        let schema = Schema::builder()
            .tenant_entity::<items::Entity>()
            .build()
            .unwrap();
        assert_eq!(
            schema.tenant_tables().collect::<Vec<_>>(),
            [(&TableName::new("App", "TaskItems"), "org_id")]
        );
        let scoper = Scoper::new(schema);
        let sql = items::Entity::find().build(DbBackend::Postgres).sql;
        assert_eq!(
            scoper
                .rewrite(&sql, Some(&Scope::one(1_i64)))
                .unwrap()
                .sql(),
            r#"SELECT "TaskItems".org_id, "TaskItems".id FROM "App"."TaskItems" WHERE "TaskItems".org_id = $1"#
        );
    }
}
