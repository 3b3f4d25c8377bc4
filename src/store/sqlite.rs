//! SQLite statements.

use std::path::Path;
use std::time::Duration;

use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use uuid::Uuid;

use crate::profile::{Branding, TenantProfile};

use super::models::{BrandingRow, NewAsset, ProfileRow, StoredAsset};
use super::{ACQUIRE_TIMEOUT, StoreError};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");

/// How long a writer waits for another writer's lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

pub(super) async fn pool(path: &Path) -> Result<SqlitePool, StoreError> {
    if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|source| StoreError::CreateDir {
            path: dir.display().to_string(),
            source,
        })?;
    }
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(BUSY_TIMEOUT);
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        .acquire_timeout(ACQUIRE_TIMEOUT)
        .connect_with(options)
        .await?;
    Ok(pool)
}

pub(super) async fn migrate(pool: &SqlitePool) -> Result<(), StoreError> {
    MIGRATOR.run(pool).await?;
    Ok(())
}

pub(super) async fn ping(pool: &SqlitePool) -> Result<(), StoreError> {
    sqlx::query("SELECT 1").execute(pool).await?;
    Ok(())
}

pub(super) async fn table_names(pool: &SqlitePool) -> Result<Vec<String>, StoreError> {
    let names = sqlx::query_scalar(
        "SELECT name FROM sqlite_schema WHERE type = 'table' \
         AND name NOT LIKE '\\_sqlx%' ESCAPE '\\' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' \
         ORDER BY name",
    )
    .fetch_all(pool)
    .await?;
    Ok(names)
}

pub(super) async fn save_profile(
    pool: &SqlitePool,
    profile: &TenantProfile,
) -> Result<(), StoreError> {
    let signals = serde_json::to_string(&profile.signals).map_err(|error| StoreError::Corrupt {
        what: profile.domain.to_string(),
        detail: format!("signals: {error}"),
    })?;
    let mut transaction = pool.begin().await?;
    if let Some(tenant) = &profile.tenant {
        sqlx::query(
            "INSERT INTO tenants (tenant_id, display_name, cloud, region_scope, region_sub_scope) \
             VALUES (?, ?, ?, ?, ?) \
             ON CONFLICT (tenant_id) DO UPDATE SET \
               display_name = COALESCE(excluded.display_name, tenants.display_name), \
               cloud = excluded.cloud, region_scope = excluded.region_scope, \
               region_sub_scope = excluded.region_sub_scope, \
               updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
        )
        .bind(tenant.tenant_id.hyphenated().to_string())
        .bind(&tenant.display_name)
        .bind(tenant.cloud.as_str())
        .bind(&tenant.region_scope)
        .bind(&tenant.region_sub_scope)
        .execute(&mut *transaction)
        .await?;
    }
    sqlx::query(
        "INSERT INTO domains (domain, status, tenant_id, namespace_type, federation_idp_host, \
           federation_protocol, signals, resolved_at, website_logo_sha256, website_logo_source, \
           brand_color) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
         ON CONFLICT (domain) DO UPDATE SET status = excluded.status, \
           tenant_id = excluded.tenant_id, namespace_type = excluded.namespace_type, \
           federation_idp_host = excluded.federation_idp_host, \
           federation_protocol = excluded.federation_protocol, signals = excluded.signals, \
           resolved_at = excluded.resolved_at, website_logo_sha256 = excluded.website_logo_sha256, \
           website_logo_source = excluded.website_logo_source, brand_color = excluded.brand_color",
    )
    .bind(profile.domain.as_str())
    .bind(profile.status.as_str())
    .bind(
        profile
            .tenant
            .as_ref()
            .map(|tenant| tenant.tenant_id.hyphenated().to_string()),
    )
    .bind(profile.namespace_type.as_str())
    .bind(profile.federation.as_ref().map(|f| f.idp_host.clone()))
    .bind(profile.federation.as_ref().and_then(|f| f.protocol.clone()))
    .bind(signals)
    .bind(profile.resolved_at)
    .bind(
        profile
            .website_logo
            .as_ref()
            .map(|logo| logo.sha256.clone()),
    )
    .bind(
        profile
            .website_logo
            .as_ref()
            .map(|logo| logo.source_url.clone()),
    )
    .bind(&profile.brand_color)
    .execute(&mut *transaction)
    .await?;
    if let (Some(tenant), Some(brandings)) = (&profile.tenant, &profile.brandings) {
        let tenant_id = tenant.tenant_id.hyphenated().to_string();
        sqlx::query("DELETE FROM brandings WHERE tenant_id = ?")
            .bind(&tenant_id)
            .execute(&mut *transaction)
            .await?;
        for branding in brandings {
            sqlx::query(
                "INSERT INTO brandings (tenant_id, locale, banner_logo_url, square_logo_url, \
                   square_logo_dark_url, illustration_url, background_color, sign_in_text, \
                   username_hint, fetched_at, banner_logo_sha256, square_logo_sha256, \
                   square_logo_dark_sha256, illustration_sha256) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(&tenant_id)
            .bind(branding.locale)
            .bind(&branding.banner_logo_url)
            .bind(&branding.square_logo_url)
            .bind(&branding.square_logo_dark_url)
            .bind(&branding.illustration_url)
            .bind(&branding.background_color)
            .bind(&branding.sign_in_text)
            .bind(&branding.username_hint)
            .bind(profile.resolved_at)
            .bind(&branding.banner_logo_sha256)
            .bind(&branding.square_logo_sha256)
            .bind(&branding.square_logo_dark_sha256)
            .bind(&branding.illustration_sha256)
            .execute(&mut *transaction)
            .await?;
        }
    }
    transaction.commit().await?;
    Ok(())
}

pub(super) async fn load_profile_row(
    pool: &SqlitePool,
    domain: &str,
) -> Result<Option<ProfileRow>, StoreError> {
    let row = sqlx::query_as(
        "SELECT d.status, d.tenant_id, d.namespace_type, d.federation_idp_host, \
           d.federation_protocol, d.signals, d.resolved_at, d.website_logo_sha256, \
           d.website_logo_source, d.brand_color, t.display_name, t.cloud, t.region_scope, \
           t.region_sub_scope \
         FROM domains d LEFT JOIN tenants t ON t.tenant_id = d.tenant_id \
         WHERE d.domain = ?",
    )
    .bind(domain)
    .fetch_optional(pool)
    .await?;
    Ok(row)
}

pub(super) async fn load_brandings(
    pool: &SqlitePool,
    tenant_id: Uuid,
) -> Result<Vec<Branding>, StoreError> {
    let rows: Vec<BrandingRow> = sqlx::query_as(
        "SELECT locale, banner_logo_url, square_logo_url, square_logo_dark_url, \
           illustration_url, background_color, sign_in_text, username_hint, \
           banner_logo_sha256, square_logo_sha256, square_logo_dark_sha256, illustration_sha256 \
         FROM brandings WHERE tenant_id = ? ORDER BY locale",
    )
    .bind(tenant_id.hyphenated().to_string())
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(Branding::from).collect())
}

pub(super) async fn save_asset(pool: &SqlitePool, asset: &NewAsset) -> Result<(), StoreError> {
    let mut transaction = pool.begin().await?;
    let formats = [
        ("png", "image/png", Some(&asset.png)),
        ("webp", "image/webp", asset.webp.as_ref()),
    ];
    for (format, content_type, bytes) in formats {
        let Some(bytes) = bytes else {
            continue;
        };
        // Content-addressed: the same hash always holds the same bytes, so a conflict only marks
        // the image as saved again (the sweep spares recently saved images).
        sqlx::query(
            "INSERT INTO assets (sha256, format, content_type, width, height, byte_size, bytes, \
               dominant_color, saved_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) \
             ON CONFLICT (sha256, format) DO UPDATE SET saved_at = excluded.saved_at",
        )
        .bind(&asset.sha256)
        .bind(format)
        .bind(content_type)
        .bind(i64::from(asset.width))
        .bind(i64::from(asset.height))
        .bind(i64::try_from(bytes.len()).unwrap_or(i64::MAX))
        .bind(bytes.as_slice())
        .bind(&asset.dominant_color)
        .execute(&mut *transaction)
        .await?;
    }
    transaction.commit().await?;
    Ok(())
}

pub(super) async fn load_asset(
    pool: &SqlitePool,
    sha256: &str,
    format: &str,
) -> Result<Option<StoredAsset>, StoreError> {
    let asset = sqlx::query_as(
        "SELECT content_type, width, height, bytes FROM assets WHERE sha256 = ? AND format = ?",
    )
    .bind(sha256)
    .bind(format)
    .fetch_optional(pool)
    .await?;
    Ok(asset)
}

/// Timestamps written by SQL's `strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`: text that sorts in time
/// order, so a bound cut-off must be written the same way.
const SQL_TIMESTAMP: &[time::format_description::BorrowedFormatItem<'static>] = time::macros::format_description!(
    "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
);

pub(super) async fn sweep_unreferenced_assets(
    pool: &SqlitePool,
    saved_before: time::OffsetDateTime,
) -> Result<u64, StoreError> {
    let cutoff = saved_before
        .to_offset(time::UtcOffset::UTC)
        .format(SQL_TIMESTAMP)
        .map_err(|error| StoreError::Corrupt {
            what: "asset sweep cut-off".to_owned(),
            detail: error.to_string(),
        })?;
    // One statement: SQLite runs one writer at a time, so no save can slip in between the check
    // and the delete. The NOT IN list is built once, not per image.
    let result = sqlx::query(
        "DELETE FROM assets WHERE COALESCE(saved_at, created_at) < ? AND sha256 NOT IN ( \
           SELECT website_logo_sha256 FROM domains WHERE website_logo_sha256 IS NOT NULL \
           UNION SELECT banner_logo_sha256 FROM brandings WHERE banner_logo_sha256 IS NOT NULL \
           UNION SELECT square_logo_sha256 FROM brandings WHERE square_logo_sha256 IS NOT NULL \
           UNION SELECT square_logo_dark_sha256 FROM brandings \
             WHERE square_logo_dark_sha256 IS NOT NULL \
           UNION SELECT illustration_sha256 FROM brandings WHERE illustration_sha256 IS NOT NULL \
           UNION SELECT logo_sha256 FROM tenant_settings WHERE logo_sha256 IS NOT NULL \
           UNION SELECT pending_logo_sha256 FROM tenant_settings \
             WHERE pending_logo_sha256 IS NOT NULL)",
    )
    .bind(cutoff)
    .execute(pool)
    .await?;
    Ok(result.rows_affected())
}

pub(super) async fn service_secret(
    pool: &SqlitePool,
    name: &str,
    fresh: &[u8; 32],
) -> Result<Vec<u8>, StoreError> {
    sqlx::query(
        "INSERT INTO service_secrets (name, secret) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
    )
    .bind(name)
    .bind(fresh.as_slice())
    .execute(pool)
    .await?;
    let secret = sqlx::query_scalar("SELECT secret FROM service_secrets WHERE name = ?")
        .bind(name)
        .fetch_one(pool)
        .await?;
    Ok(secret)
}

// --- adoption ---

/// `adoption_daily.day` is stored as `YYYY-MM-DD` text.
const ADOPTION_DAY: &[time::format_description::BorrowedFormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]");

fn adoption_day(day: time::Date) -> Result<String, StoreError> {
    day.format(ADOPTION_DAY)
        .map_err(|error| StoreError::Corrupt {
            what: "adoption day".to_owned(),
            detail: error.to_string(),
        })
}

pub(super) async fn add_adoption_counts(
    pool: &SqlitePool,
    counts: &[super::AdoptionCount],
) -> Result<usize, StoreError> {
    let mut transaction = pool.begin().await?;
    let mut written = 0;
    for count in counts {
        let tenant_id = count.tenant_id.hyphenated().to_string();
        // The WHERE clause skips tenants the store does not know (and lets SQLite parse the
        // upsert after a SELECT).
        let result = sqlx::query(
            "INSERT INTO adoption_daily (tenant_id, day, metric, dimension, count) \
             SELECT ?1, ?2, ?3, ?4, ?5 WHERE EXISTS (SELECT 1 FROM tenants WHERE tenant_id = ?1) \
             ON CONFLICT (tenant_id, day, metric, dimension) \
             DO UPDATE SET count = adoption_daily.count + excluded.count",
        )
        .bind(&tenant_id)
        .bind(adoption_day(count.day)?)
        .bind(&count.metric)
        .bind(&count.dimension)
        .bind(count.count)
        .execute(&mut *transaction)
        .await?;
        if result.rows_affected() > 0 {
            written += 1;
        }
    }
    transaction.commit().await?;
    Ok(written)
}

pub(super) async fn adoption_counts(
    pool: &SqlitePool,
    tenant_id: Uuid,
    from: time::Date,
    to: time::Date,
) -> Result<Vec<super::AdoptionCount>, StoreError> {
    let rows: Vec<(String, String, String, i64)> = sqlx::query_as(
        "SELECT day, metric, dimension, count FROM adoption_daily \
         WHERE tenant_id = ? AND day BETWEEN ? AND ? ORDER BY day, metric, dimension",
    )
    .bind(tenant_id.hyphenated().to_string())
    .bind(adoption_day(from)?)
    .bind(adoption_day(to)?)
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(|(day, metric, dimension, count)| {
            let day =
                time::Date::parse(&day, ADOPTION_DAY).map_err(|error| StoreError::Corrupt {
                    what: format!("adoption counts of tenant {tenant_id}"),
                    detail: format!("day {day:?}: {error}"),
                })?;
            Ok(super::AdoptionCount {
                tenant_id,
                day,
                metric,
                dimension,
                count,
            })
        })
        .collect()
}

// --- end adoption ---

// --- admin ---

pub(super) mod admin;
