//! Running a plan against the database, in one transaction.

use multitenant::Schema;
use sqlx::{PgConnection, PgPool};

use crate::{Catalog, Error, Plan, plan, undistribute_plan};

/// Reads the catalog, plans, and runs the plan in one transaction: afterwards the schema is
/// Citus-ready and, with Citus installed, distributed. Returns the plan that ran; it is empty
/// when there was nothing to do, so a second run changes nothing. On any error the transaction
/// is rolled back.
///
/// ```no_run
/// # async fn f(pool: sqlx::PgPool, schema: multitenant::Schema) -> Result<(), multitenant_citus::Error> {
/// let done = multitenant_citus::apply(&pool, &schema).await?;
/// println!("{} statement(s) applied", done.steps().len());
/// # Ok(()) }
/// ```
pub async fn apply(pool: &PgPool, schema: &Schema) -> Result<Plan, Error> {
    in_transaction(pool, |catalog| plan(schema, catalog)).await
}

/// Turns the schema's distributed and reference tables back into plain tables, in one
/// transaction; the composite keys stay. Returns what ran (empty on plain PostgreSQL or when
/// nothing is distributed).
///
/// ```no_run
/// # async fn f(pool: sqlx::PgPool, schema: multitenant::Schema) -> Result<(), multitenant_citus::Error> {
/// let done = multitenant_citus::undistribute(&pool, &schema).await?;
/// # Ok(()) }
/// ```
pub async fn undistribute(pool: &PgPool, schema: &Schema) -> Result<Plan, Error> {
    in_transaction(pool, |catalog| undistribute_plan(schema, catalog)).await
}

async fn in_transaction(
    pool: &PgPool,
    make: impl FnOnce(&Catalog) -> Result<Plan, Error>,
) -> Result<Plan, Error> {
    let mut tx = pool.begin().await?;
    // One run at a time: a second one waits, then finds nothing to do.
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('multitenant-citus'))")
        .execute(&mut *tx)
        .await?;
    let catalog = Catalog::read(&mut tx).await?;
    let plan = make(&catalog)?;
    execute(&mut tx, &plan).await?;
    tx.commit().await?;
    Ok(plan)
}

pub(crate) async fn execute(conn: &mut PgConnection, plan: &Plan) -> Result<(), Error> {
    for step in plan.steps() {
        tracing::debug!(sql = %step.sql, "multitenant-citus");
        sqlx::raw_sql(sqlx::AssertSqlSafe(step.sql.as_str()))
            .execute(&mut *conn)
            .await
            .map_err(|source| Error::Step {
                sql: step.sql.clone(),
                source,
            })?;
    }
    Ok(())
}
