//! A private server starts, keeps committed data across a restart, refuses connections while
//! stopped, comes back, and is gone after the drop.

use multitenant_test_support::PrivateServer;
use sqlx::{Connection, PgConnection};

#[tokio::test]
async fn a_private_server_restarts_and_keeps_committed_data() {
    let server = PrivateServer::start();
    let url = server.url("postgres");
    let mut conn = PgConnection::connect(&url).await.unwrap();
    sqlx::raw_sql("CREATE TABLE kept (n int); INSERT INTO kept VALUES (1), (2)")
        .execute(&mut conn)
        .await
        .unwrap();

    server.restart();
    // The session was ended by the restart.
    assert!(sqlx::query("SELECT 1").execute(&mut conn).await.is_err());
    let mut conn = PgConnection::connect(&url).await.unwrap();
    let n: i64 = sqlx::query_scalar("SELECT sum(n) FROM kept")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(n, 3);

    server.stop();
    assert!(PgConnection::connect(&url).await.is_err());
    server.start_again();
    assert!(PgConnection::connect(&url).await.is_ok());

    drop(server);
    assert!(PgConnection::connect(&url).await.is_err());
}
