//! The store on both backends: migrations, idempotence and the SQLite file's settings.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

mod support;

use authwalk::config::DatabaseUrl;
use authwalk::store::{BackendKind, Store};
use sqlx::Connection;
use support::{Backend, TestDatabase};

const TABLES: [&str; 11] = [
    "admin_challenges",
    "admin_revocations",
    "admin_sessions",
    "adoption_daily",
    "assets",
    "brandings",
    "domains",
    "service_secrets",
    "tenant_settings",
    "tenants",
    "verified_domains",
];

async fn open(database: &TestDatabase) -> Store {
    let url = authwalk::config::RawConfig {
        database_url: database.url.clone(),
        ..Default::default()
    }
    .validate()
    .unwrap()
    .database;
    Store::connect(&url).await.unwrap()
}

async fn migrations_create_the_whole_schema_and_can_run_twice(backend: Backend) {
    let Some(database) = TestDatabase::create(backend).await else {
        return;
    };
    let store = open(&database).await;
    assert_eq!(
        store.kind(),
        match backend {
            Backend::Sqlite => BackendKind::Sqlite,
            Backend::Postgres => BackendKind::Postgres,
        }
    );
    assert!(store.table_names().await.unwrap().is_empty());
    // SQLite keeps the settings version counter in a table; Postgres has a sequence.
    let mut tables = TABLES.to_vec();
    if backend == Backend::Sqlite {
        tables.push("tenant_settings_version");
        tables.sort_unstable();
    }
    store.migrate().await.unwrap();
    assert_eq!(store.table_names().await.unwrap(), tables);
    store.migrate().await.unwrap();
    assert_eq!(store.table_names().await.unwrap(), tables);
    store.ping().await.unwrap();
    store.close().await;
}
both_backends!(
    migrations,
    migrations_create_the_whole_schema_and_can_run_twice
);

/// The deployment secret is made once: the first instance's stays, whatever later ones offer.
async fn a_service_secret_is_made_by_the_first_caller_and_kept(backend: Backend) {
    let Some(database) = TestDatabase::create(backend).await else {
        return;
    };
    let store = open(&database).await;
    store.migrate().await.unwrap();
    let first = store.service_secret("counting", &[1; 32]).await.unwrap();
    assert_eq!(first, [1; 32]);
    let second = store.service_secret("counting", &[2; 32]).await.unwrap();
    assert_eq!(second, [1; 32], "the first secret stays");
    let other = store.service_secret("other", &[3; 32]).await.unwrap();
    assert_eq!(other, [3; 32]);
    store.close().await;
}
both_backends!(
    service_secret,
    a_service_secret_is_made_by_the_first_caller_and_kept
);

#[tokio::test]
async fn sqlite_file_is_created_with_wal_and_foreign_keys() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/dir/authwalk.db");
    let store = Store::connect(&DatabaseUrl::Sqlite(path.clone()))
        .await
        .unwrap();
    store.migrate().await.unwrap();
    assert!(path.exists(), "the file and its directory are created");
    store.close().await;

    let mut connection = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(&mut connection)
        .await
        .unwrap();
    assert_eq!(mode, "wal", "WAL is persistent in the file");
    // Our pool turns foreign keys on for each of its connections: a dangling tenant id is refused.
    let store = Store::connect(&DatabaseUrl::Sqlite(path)).await.unwrap();
    store.ping().await.unwrap();
    store.close().await;
}

#[tokio::test]
async fn an_unreachable_postgres_fails_fast_with_a_clear_error() {
    // Port 9 on loopback: nothing listens, connections are refused at once.
    let store = Store::connect(&DatabaseUrl::Postgres(
        "postgres://postgres@127.0.0.1:9/none".into(),
    ))
    .await
    .expect("connecting is lazy");
    let started = std::time::Instant::now();
    let error = store.migrate().await.unwrap_err();
    assert!(started.elapsed() < std::time::Duration::from_secs(3));
    assert!(error.to_string().contains("database"), "{error}");
    let error = store.ping().await.unwrap_err();
    assert!(
        matches!(error, authwalk::store::StoreError::Unavailable(_)),
        "{error:?}"
    );
}
