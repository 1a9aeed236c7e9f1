//! Accounts and who owns them. An account row lives with its tenant's data (on Citus, in the
//! shard of its own id); the record of who owns it lives in `account_owners`, and its subdomain
//! in `account_subdomains`, tables every tenant shares. So a caller's accounts are found by one lookup in that table, and each account
//! is then read on its own tenant's connection: no statement here asks every shard.

use multitenant_sea_orm::TenantDatabase;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, TransactionSession, TransactionTrait,
};

use crate::entities::{account_owners, account_subdomains, accounts};

/// The fields of a new account.
///
/// ```
/// let acme = projects::ownership::AccountFields {
///     name: "Acme".into(), domain: "acme.com".into(), subdomain: "acme".into(), country_id: 250,
/// };
/// assert_eq!(acme.country_id, 250);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountFields {
    /// Display name.
    pub name: String,
    /// The customer's domain.
    pub domain: String,
    /// Subdomain.
    pub subdomain: String,
    /// A country id.
    pub country_id: i64,
}

/// Creates an account owned by `owner`: the account, its ownership and its subdomain in one
/// transaction, so a taken subdomain (compared without case) fails with a unique violation and
/// leaves nothing behind. A new tenant has no key until its row exists, so this is the one write
/// that runs unscoped.
///
/// ```no_run
/// # async fn f(db: multitenant_sea_orm::TenantDatabase) -> Result<(), sea_orm::DbErr> {
/// use projects::ownership::{AccountFields, create_account};
/// let fields = AccountFields {
///     name: "Acme".into(), domain: "acme.com".into(), subdomain: "acme".into(), country_id: 250,
/// };
/// let account = create_account(&db, 1, fields).await?;
/// assert_eq!(account.owner_id, 1);
/// # Ok(()) }
/// ```
pub async fn create_account(
    db: &TenantDatabase,
    owner: i64,
    fields: AccountFields,
) -> Result<accounts::Model, DbErr> {
    let subdomain = fields.subdomain.to_lowercase();
    let txn = db.unscoped().begin().await?;
    let account = accounts::ActiveModel {
        name: Set(fields.name),
        domain: Set(fields.domain),
        subdomain: Set(fields.subdomain),
        country_id: Set(fields.country_id),
        owner_id: Set(owner),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    account_owners::ActiveModel {
        user_id: Set(owner),
        account_id: Set(account.id),
    }
    .insert(&txn)
    .await?;
    account_subdomains::ActiveModel {
        subdomain: Set(subdomain),
        account_id: Set(account.id),
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok(account)
}

/// The ids of the accounts `user` owns, oldest first.
///
/// ```no_run
/// # async fn f(db: multitenant_sea_orm::TenantDatabase) -> Result<(), sea_orm::DbErr> {
/// let ids = projects::ownership::account_ids(&db, 1).await?;
/// assert!(ids.windows(2).all(|w| w[0] < w[1]));
/// # Ok(()) }
/// ```
pub async fn account_ids(db: &TenantDatabase, user: i64) -> Result<Vec<i64>, DbErr> {
    owned_by(user).all(&db.ambient()).await
}

/// The first (oldest) account `user` owns: the account a request is for when it names none.
///
/// ```no_run
/// # async fn f(db: multitenant_sea_orm::TenantDatabase) -> Result<(), sea_orm::DbErr> {
/// if projects::ownership::first_account(&db, 1).await?.is_none() {
///     println!("user 1 owns no account yet");
/// }
/// # Ok(()) }
/// ```
pub async fn first_account(db: &TenantDatabase, user: i64) -> Result<Option<i64>, DbErr> {
    owned_by(user).one(&db.ambient()).await
}

/// Whether `user` owns account `account`.
///
/// ```no_run
/// # async fn f(db: multitenant_sea_orm::TenantDatabase) -> Result<(), sea_orm::DbErr> {
/// let mine = projects::ownership::owns(&db, 1, 7).await?;
/// # let _ = mine; Ok(()) }
/// ```
pub async fn owns(db: &TenantDatabase, user: i64, account: i64) -> Result<bool, DbErr> {
    let found = account_owners::Entity::find_by_id((user, account))
        .count(&db.ambient())
        .await?;
    Ok(found > 0)
}

/// The accounts `user` owns, oldest first, each read on its own tenant's connection.
///
/// ```no_run
/// # async fn f(db: multitenant_sea_orm::TenantDatabase) -> Result<(), sea_orm::DbErr> {
/// for account in projects::ownership::accounts_of(&db, 1).await? {
///     println!("{} {}", account.id, account.name);
/// }
/// # Ok(()) }
/// ```
pub async fn accounts_of(db: &TenantDatabase, user: i64) -> Result<Vec<accounts::Model>, DbErr> {
    let mut found = Vec::new();
    for id in account_ids(db, user).await? {
        // Scoped to the account itself: `WHERE id = $1` on the tenant root, one shard.
        if let Some(account) = accounts::Entity::find().one(&db.tenant(id)).await? {
            found.push(account);
        }
    }
    Ok(found)
}

fn owned_by(user: i64) -> sea_orm::Selector<sea_orm::SelectGetableTuple<i64>> {
    account_owners::Entity::find()
        .filter(account_owners::Column::UserId.eq(user))
        .select_only()
        .column(account_owners::Column::AccountId)
        .order_by_asc(account_owners::Column::AccountId)
        .into_tuple::<i64>()
}
