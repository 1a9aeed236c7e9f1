//! Tenant keys of every kind are bound with their own type: `uuid`, `text`, and arrays of them
//! for a set of tenants. Statements without bind values take a key as a literal only where that
//! is safe.

mod common;

use common::TestDb;
use multitenant::{KeyKind, Schema, Scope};
use multitenant_sea_orm::{SchemaFromEntities, TenantDatabase, scope_error};
use sea_orm::ActiveValue::Set;
use sea_orm::prelude::*;
use sea_orm::{ConnectionTrait, QueryOrder};

/// A table whose tenant key is a UUID.
mod notes {
    #![allow(unreachable_pub)]
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "notes")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub org: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: i64,
        pub body: String,
    }

    impl ActiveModelBehavior for ActiveModel {}

    impl multitenant_sea_orm::TenantEntity for Entity {
        fn tenant_column() -> Column {
            Column::Org
        }
    }
}

/// A table whose tenant key is text (and which is its own tenant root).
mod labels {
    #![allow(unreachable_pub)]
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "labels")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub team: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: i64,
        pub body: String,
    }

    impl ActiveModelBehavior for ActiveModel {}

    impl multitenant_sea_orm::TenantEntity for Entity {
        fn tenant_column() -> Column {
            Column::Team
        }
    }
}

async fn database(t: &TestDb, schema: Schema) -> TenantDatabase {
    t.bare
        .execute_unprepared(
            "CREATE TABLE IF NOT EXISTS notes (org uuid, id bigint, body text NOT NULL, PRIMARY KEY (org, id));
             CREATE TABLE IF NOT EXISTS labels (team text, id bigint, body text NOT NULL, PRIMARY KEY (team, id));",
        )
        .await
        .unwrap();
    TenantDatabase::new(t.bare.clone(), multitenant::Scoper::new(schema))
}

#[tokio::test]
async fn uuid_keys() {
    let t = TestDb::new().await;
    let schema = Schema::builder()
        .tenant_entity::<notes::Entity>()
        .key_kind(KeyKind::Uuid)
        .build()
        .unwrap();
    let db = database(&t, schema).await;
    let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
    for (org, body) in [(a, "a"), (b, "b")] {
        let note = notes::ActiveModel {
            id: Set(1),
            body: Set(body.into()),
            ..Default::default()
        }
        .insert(&db.tenant(org))
        .await
        .unwrap();
        assert_eq!(note.org, org);
    }
    let seen = notes::Entity::find().all(&db.tenant(a)).await.unwrap();
    assert_eq!(
        seen.iter().map(|n| n.body.as_str()).collect::<Vec<_>>(),
        ["a"]
    );
    let both = notes::Entity::find()
        .order_by_asc(notes::Column::Body)
        .all(&db.scoped(Scope::many([a, b])))
        .await
        .unwrap();
    assert_eq!(both.len(), 2);
    // an empty set of tenants sees nothing (the array is typed uuid[] even when empty)
    let none = notes::Entity::find()
        .count(&db.scoped(Scope::many(Vec::<Uuid>::new())))
        .await
        .unwrap();
    assert_eq!(none, 0);

    // a UUID is safe as a literal
    let done = db
        .tenant(b)
        .execute_unprepared("UPDATE notes SET body = 'b2'")
        .await
        .unwrap();
    assert_eq!(done.rows_affected(), 1);

    // a key of the wrong kind is refused before anything is sent
    let err = notes::Entity::find()
        .all(&db.tenant(1_i64))
        .await
        .unwrap_err();
    assert!(matches!(
        scope_error(&err),
        Some(multitenant::Error::InvalidTenantKey {
            expected: KeyKind::Uuid,
            ..
        })
    ));
}

#[tokio::test]
async fn text_keys() {
    let t = TestDb::new().await;
    let schema = Schema::builder()
        .tenant_root_entity::<labels::Entity>()
        .build()
        .unwrap();
    assert_eq!(schema.key_kind(), KeyKind::Text);
    let db = database(&t, schema).await;
    for team in ["red", "blue"] {
        labels::ActiveModel {
            id: Set(1),
            body: Set(format!("{team} label")),
            ..Default::default()
        }
        .insert(&db.tenant(team))
        .await
        .unwrap();
    }
    let red = labels::Entity::find().all(&db.tenant("red")).await.unwrap();
    assert_eq!(
        red.iter().map(|l| l.body.as_str()).collect::<Vec<_>>(),
        ["red label"]
    );
    let both = labels::Entity::find()
        .count(&db.scoped(Scope::many(["red", "blue", "green"])))
        .await
        .unwrap();
    assert_eq!(both, 2);

    // a text key is never written into SQL
    let err = db
        .tenant("red")
        .execute_unprepared("DELETE FROM labels")
        .await
        .unwrap_err();
    assert!(matches!(
        scope_error(&err),
        Some(multitenant::Error::LiteralKeyNotSafe {
            kind: KeyKind::Text
        })
    ));
    assert_eq!(
        labels::Entity::find().count(&db.unscoped()).await.unwrap(),
        2
    );
}
