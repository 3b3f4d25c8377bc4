//! Postgres statements.

use std::str::FromStr;

use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use uuid::Uuid;

use crate::profile::{Branding, TenantProfile};

use super::models::{BrandingRow, NewAsset, ProfileRow, StoredAsset};
use super::{ACQUIRE_TIMEOUT, StoreError};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

pub(super) fn pool(url: &str) -> Result<PgPool, StoreError> {
    let options = PgConnectOptions::from_str(url)
        .map_err(StoreError::Query)?
        .application_name("authwalk");
    // Lazy: the app starts (and serves from memory) while the database is down; statements then
    // fail within ACQUIRE_TIMEOUT instead of sqlx's default 30 s.
    Ok(PgPoolOptions::new()
        .max_connections(16)
        .min_connections(0)
        .acquire_timeout(ACQUIRE_TIMEOUT)
        .test_before_acquire(true)
        .connect_lazy_with(options))
}

pub(super) async fn migrate(pool: &PgPool) -> Result<(), StoreError> {
    MIGRATOR.run(pool).await?;
    Ok(())
}

pub(super) async fn ping(pool: &PgPool) -> Result<(), StoreError> {
    sqlx::query("SELECT 1").execute(pool).await?;
    Ok(())
}

pub(super) async fn table_names(pool: &PgPool) -> Result<Vec<String>, StoreError> {
    let names = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables \
         WHERE table_schema = current_schema() AND table_name NOT LIKE '\\_sqlx%' \
         ORDER BY table_name",
    )
    .fetch_all(pool)
    .await?;
    Ok(names)
}

pub(super) async fn save_profile(pool: &PgPool, profile: &TenantProfile) -> Result<(), StoreError> {
    let mut transaction = pool.begin().await?;
    if let Some(tenant) = &profile.tenant {
        sqlx::query(
            "INSERT INTO tenants (tenant_id, display_name, cloud, region_scope, region_sub_scope) \
             VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (tenant_id) DO UPDATE SET \
               display_name = COALESCE(EXCLUDED.display_name, tenants.display_name), \
               cloud = EXCLUDED.cloud, region_scope = EXCLUDED.region_scope, \
               region_sub_scope = EXCLUDED.region_sub_scope, updated_at = now()",
        )
        .bind(tenant.tenant_id)
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
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
         ON CONFLICT (domain) DO UPDATE SET status = EXCLUDED.status, \
           tenant_id = EXCLUDED.tenant_id, namespace_type = EXCLUDED.namespace_type, \
           federation_idp_host = EXCLUDED.federation_idp_host, \
           federation_protocol = EXCLUDED.federation_protocol, signals = EXCLUDED.signals, \
           resolved_at = EXCLUDED.resolved_at, website_logo_sha256 = EXCLUDED.website_logo_sha256, \
           website_logo_source = EXCLUDED.website_logo_source, brand_color = EXCLUDED.brand_color",
    )
    .bind(profile.domain.as_str())
    .bind(profile.status.as_str())
    .bind(profile.tenant.as_ref().map(|tenant| tenant.tenant_id))
    .bind(profile.namespace_type.as_str())
    .bind(profile.federation.as_ref().map(|f| f.idp_host.clone()))
    .bind(profile.federation.as_ref().and_then(|f| f.protocol.clone()))
    .bind(sqlx::types::Json(profile.signals))
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
        sqlx::query("DELETE FROM brandings WHERE tenant_id = $1")
            .bind(tenant.tenant_id)
            .execute(&mut *transaction)
            .await?;
        for branding in brandings {
            sqlx::query(
                "INSERT INTO brandings (tenant_id, locale, banner_logo_url, square_logo_url, \
                   square_logo_dark_url, illustration_url, background_color, sign_in_text, \
                   username_hint, fetched_at, banner_logo_sha256, square_logo_sha256, \
                   square_logo_dark_sha256, illustration_sha256) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
            )
            .bind(tenant.tenant_id)
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
    pool: &PgPool,
    domain: &str,
) -> Result<Option<ProfileRow>, StoreError> {
    let row = sqlx::query_as(
        "SELECT d.status, d.tenant_id::text AS tenant_id, d.namespace_type, \
           d.federation_idp_host, d.federation_protocol, d.signals::text AS signals, \
           d.resolved_at, d.website_logo_sha256, d.website_logo_source, d.brand_color, \
           t.display_name, t.cloud, t.region_scope, t.region_sub_scope \
         FROM domains d LEFT JOIN tenants t ON t.tenant_id = d.tenant_id \
         WHERE d.domain = $1",
    )
    .bind(domain)
    .fetch_optional(pool)
    .await?;
    Ok(row)
}

pub(super) async fn load_brandings(
    pool: &PgPool,
    tenant_id: Uuid,
) -> Result<Vec<Branding>, StoreError> {
    let rows: Vec<BrandingRow> = sqlx::query_as(
        "SELECT locale, banner_logo_url, square_logo_url, square_logo_dark_url, \
           illustration_url, background_color, sign_in_text, username_hint, \
           banner_logo_sha256, square_logo_sha256, square_logo_dark_sha256, illustration_sha256 \
         FROM brandings WHERE tenant_id = $1 ORDER BY locale",
    )
    .bind(tenant_id)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(Branding::from).collect())
}

/// Begin a transaction holding the domain's advisory lock (waits while another instance holds it).
pub(super) async fn lock_resolution(
    pool: &PgPool,
    domain: &str,
) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, StoreError> {
    let mut transaction = pool.begin().await?;
    // A resolution takes seconds; never wait for a stuck one much longer than that.
    sqlx::query("SET LOCAL lock_timeout = '15s'")
        .execute(&mut *transaction)
        .await?;
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended('authwalk:resolve:' || $1, 0))")
        .bind(domain)
        .execute(&mut *transaction)
        .await?;
    Ok(transaction)
}

pub(super) async fn save_asset(pool: &PgPool, asset: &NewAsset) -> Result<(), StoreError> {
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
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now()) \
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
    pool: &PgPool,
    sha256: &str,
    format: &str,
) -> Result<Option<StoredAsset>, StoreError> {
    let asset = sqlx::query_as(
        "SELECT content_type, width, height, bytes FROM assets WHERE sha256 = $1 AND format = $2",
    )
    .bind(sha256)
    .bind(format)
    .fetch_optional(pool)
    .await?;
    Ok(asset)
}

// --- admin ---

pub(super) mod admin;

pub(super) async fn sweep_unreferenced_assets(
    pool: &PgPool,
    saved_before: time::OffsetDateTime,
) -> Result<u64, StoreError> {
    // Under READ COMMITTED a save racing this delete either commits first (its saved_at then fails
    // the re-checked condition and the row stays) or comes after (it inserts the image afresh).
    // The NOT IN list is hashed once, not evaluated per image.
    let result = sqlx::query(
        "DELETE FROM assets WHERE COALESCE(saved_at, created_at) < $1 AND sha256 NOT IN ( \
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
    .bind(saved_before)
    .execute(pool)
    .await?;
    Ok(result.rows_affected())
}

pub(super) async fn service_secret(
    pool: &PgPool,
    name: &str,
    fresh: &[u8; 32],
) -> Result<Vec<u8>, StoreError> {
    sqlx::query(
        "INSERT INTO service_secrets (name, secret) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
    )
    .bind(name)
    .bind(fresh.as_slice())
    .execute(pool)
    .await?;
    let secret = sqlx::query_scalar("SELECT secret FROM service_secrets WHERE name = $1")
        .bind(name)
        .fetch_one(pool)
        .await?;
    Ok(secret)
}

// --- adoption ---

pub(super) async fn add_adoption_counts(
    pool: &PgPool,
    counts: &[super::AdoptionCount],
) -> Result<usize, StoreError> {
    let mut transaction = pool.begin().await?;
    let mut written = 0;
    for count in counts {
        // The SELECT … WHERE EXISTS skips tenants the store does not know instead of failing the
        // batch on the foreign key.
        let result = sqlx::query(
            "INSERT INTO adoption_daily (tenant_id, day, metric, dimension, count) \
             SELECT $1, $2, $3, $4, $5 WHERE EXISTS (SELECT 1 FROM tenants WHERE tenant_id = $1) \
             ON CONFLICT (tenant_id, day, metric, dimension) \
             DO UPDATE SET count = adoption_daily.count + EXCLUDED.count",
        )
        .bind(count.tenant_id)
        .bind(count.day)
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
    pool: &PgPool,
    tenant_id: Uuid,
    from: time::Date,
    to: time::Date,
) -> Result<Vec<super::AdoptionCount>, StoreError> {
    let rows: Vec<(time::Date, String, String, i64)> = sqlx::query_as(
        "SELECT day, metric, dimension, count FROM adoption_daily \
         WHERE tenant_id = $1 AND day BETWEEN $2 AND $3 ORDER BY day, metric, dimension",
    )
    .bind(tenant_id)
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(day, metric, dimension, count)| super::AdoptionCount {
            tenant_id,
            day,
            metric,
            dimension,
            count,
        })
        .collect())
}

// --- end adoption ---
