//! Postgres statements for the admin records (see `store/admin.rs` for what each one means).

use sqlx::PgPool;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::store::StoreError;
use crate::store::admin::{GrantDecision, SETTINGS_CHANNEL};
use crate::store::models::{
    AdminSessionRow, AdminSignIn, ChallengeRow, GrantStatus, LogoChange, LogoChanged, NewChallenge,
    Purged, RevocationKind, RevocationRow, Revoker, SessionSummaryRow, SettingsSaved,
    SettingsUpdate, SignInOutcome, TenantSettingsRecord, VerifiedDomainRow,
};

type Transaction = sqlx::Transaction<'static, sqlx::Postgres>;

pub(crate) async fn insert_admin_challenge(
    pool: &PgPool,
    challenge: &NewChallenge,
    max_live: i64,
) -> Result<(), StoreError> {
    let mut transaction = pool.begin().await?;
    sqlx::query(
        "INSERT INTO admin_challenges (token_sha256, domain, kind, expires_at, browser_sha256) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&challenge.token_sha256)
    .bind(&challenge.domain)
    .bind(challenge.kind.as_str())
    .bind(challenge.expires_at)
    .bind(&challenge.browser_sha256)
    .execute(&mut *transaction)
    .await?;
    if let Some(browser) = &challenge.browser_sha256 {
        // The newest `max_live` of this browser's unused challenges for the domain stay.
        sqlx::query(
            "DELETE FROM admin_challenges WHERE token_sha256 IN ( \
               SELECT token_sha256 FROM admin_challenges \
               WHERE domain = $1 AND browser_sha256 = $2 AND used_at IS NULL \
                 AND token_sha256 <> $3 \
               ORDER BY created_at DESC, expires_at DESC OFFSET $4)",
        )
        .bind(&challenge.domain)
        .bind(browser)
        .bind(&challenge.token_sha256)
        .bind(max_live - 1)
        .execute(&mut *transaction)
        .await?;
    }
    transaction.commit().await?;
    Ok(())
}

pub(crate) async fn load_admin_challenge(
    pool: &PgPool,
    token_sha256: &str,
) -> Result<Option<ChallengeRow>, StoreError> {
    let row = sqlx::query_as(
        "SELECT domain, kind, expires_at, used_at, browser_sha256 FROM admin_challenges \
         WHERE token_sha256 = $1",
    )
    .bind(token_sha256)
    .fetch_optional(pool)
    .await?;
    Ok(row)
}

pub(crate) async fn live_challenges(
    pool: &PgPool,
    domain: &str,
    browser_sha256: &str,
    now: OffsetDateTime,
) -> Result<u64, StoreError> {
    let count: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM admin_challenges WHERE domain = $1 AND browser_sha256 = $2 \
           AND kind = 'dns_txt' AND used_at IS NULL AND expires_at > $3",
    )
    .bind(domain)
    .bind(browser_sha256)
    .bind(now)
    .fetch_one(pool)
    .await?;
    Ok(u64::try_from(count).unwrap_or(0))
}

async fn tenant_grants(
    transaction: &mut Transaction,
    tenant_id: Uuid,
) -> Result<Vec<VerifiedDomainRow>, StoreError> {
    let rows = sqlx::query_as(
        "SELECT domain, tenant_id::text AS tenant_id, method, status, verified_at, approved_by \
         FROM verified_domains WHERE tenant_id = $1 ORDER BY verified_at, domain",
    )
    .bind(tenant_id)
    .fetch_all(&mut **transaction)
    .await?;
    Ok(rows)
}

pub(crate) async fn complete_admin_sign_in(
    pool: &PgPool,
    sign_in: &AdminSignIn,
    decide: GrantDecision<'_>,
) -> Result<SignInOutcome, StoreError> {
    let mut transaction = pool.begin().await?;
    // The `used_at IS NULL` guard makes two racing sign-ins with one secret succeed once.
    let used = sqlx::query(
        "UPDATE admin_challenges SET used_at = $2 WHERE token_sha256 = $1 AND used_at IS NULL",
    )
    .bind(&sign_in.token_sha256)
    .bind(sign_in.now)
    .execute(&mut *transaction)
    .await?;
    if used.rows_affected() != 1 {
        transaction.rollback().await?;
        return Ok(SignInOutcome::AlreadyUsed);
    }
    // The tenant as Microsoft names it now may be one no stored profile mentions yet.
    sqlx::query(
        "INSERT INTO tenants (tenant_id, cloud) VALUES ($1, $2) ON CONFLICT (tenant_id) DO NOTHING",
    )
    .bind(sign_in.tenant_id)
    .bind(sign_in.cloud.as_str())
    .execute(&mut *transaction)
    .await?;
    // Sign-ins of one tenant are judged one at a time: the first admin of a tenant is decided
    // once, even when two proofs arrive together.
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended('authwalk:grants:' || $1, 0))")
        .bind(sign_in.tenant_id.hyphenated().to_string())
        .execute(&mut *transaction)
        .await?;
    // Microsoft now says the domain is this tenant's: another tenant's grant of it is void.
    sqlx::query("DELETE FROM admin_sessions WHERE domain = $1 AND tenant_id <> $2")
        .bind(&sign_in.domain)
        .bind(sign_in.tenant_id)
        .execute(&mut *transaction)
        .await?;
    sqlx::query("DELETE FROM verified_domains WHERE domain = $1 AND tenant_id <> $2")
        .bind(&sign_in.domain)
        .bind(sign_in.tenant_id)
        .execute(&mut *transaction)
        .await?;
    let grants = tenant_grants(&mut transaction, sign_in.tenant_id)
        .await?
        .into_iter()
        .map(VerifiedDomainRow::into_record)
        .collect::<Result<Vec<_>, _>>()?;
    let revoked: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT domain FROM admin_revocations \
         WHERE tenant_id = $1 AND kind IN ('domain', 'refusal')",
    )
    .bind(sign_in.tenant_id)
    .fetch_all(&mut *transaction)
    .await?;
    let Some(status) = decide(&grants, &revoked) else {
        transaction.rollback().await?;
        return Ok(SignInOutcome::TooManyDomains);
    };
    sqlx::query(
        "INSERT INTO verified_domains (domain, tenant_id, method, status, verified_at, \
           last_checked_at) VALUES ($1, $2, $3, $4, $5, $5) \
         ON CONFLICT (domain) DO UPDATE SET last_checked_at = EXCLUDED.last_checked_at, \
           method = CASE WHEN verified_domains.status = 'active' THEN verified_domains.method \
                         ELSE EXCLUDED.method END, \
           status = CASE WHEN verified_domains.status = 'active' THEN 'active' \
                         ELSE EXCLUDED.status END",
    )
    .bind(&sign_in.domain)
    .bind(sign_in.tenant_id)
    .bind(crate::store::models::GrantMethod::from(sign_in.method).as_str())
    .bind(status.as_str())
    .bind(sign_in.now)
    .execute(&mut *transaction)
    .await?;
    let status: String =
        sqlx::query_scalar("SELECT status FROM verified_domains WHERE domain = $1")
            .bind(&sign_in.domain)
            .fetch_one(&mut *transaction)
            .await?;
    if let Some(old) = &sign_in.replaces_session_sha256 {
        sqlx::query("DELETE FROM admin_sessions WHERE id_sha256 = $1")
            .bind(old)
            .execute(&mut *transaction)
            .await?;
    }
    let session = &sign_in.session;
    sqlx::query(
        "INSERT INTO admin_sessions (id_sha256, public_id, tenant_id, domain, sign_in_method, \
           csrf_token, created_at, last_seen_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8)",
    )
    .bind(&session.id_sha256)
    .bind(&session.public_id)
    .bind(session.tenant_id)
    .bind(&session.domain)
    .bind(session.sign_in_method.as_str())
    .bind(&session.csrf_token)
    .bind(session.created_at)
    .bind(session.expires_at)
    .execute(&mut *transaction)
    .await?;
    transaction.commit().await?;
    Ok(SignInOutcome::Started(
        GrantStatus::from_stored(&status).unwrap_or(GrantStatus::Pending),
    ))
}

pub(crate) async fn load_admin_session(
    pool: &PgPool,
    id_sha256: &str,
) -> Result<Option<AdminSessionRow>, StoreError> {
    let row = sqlx::query_as(
        "SELECT s.public_id, s.tenant_id::text AS tenant_id, s.domain, s.sign_in_method, \
           s.csrf_token, s.created_at, s.last_seen_at, s.expires_at, \
           v.method AS grant_method, v.status AS grant_status \
         FROM admin_sessions s \
         LEFT JOIN verified_domains v ON v.domain = s.domain AND v.tenant_id = s.tenant_id \
         WHERE s.id_sha256 = $1",
    )
    .bind(id_sha256)
    .fetch_optional(pool)
    .await?;
    Ok(row)
}

pub(crate) async fn touch_admin_session(
    pool: &PgPool,
    id_sha256: &str,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE admin_sessions SET last_seen_at = $2 WHERE id_sha256 = $1")
        .bind(id_sha256)
        .bind(now)
        .execute(pool)
        .await?;
    Ok(())
}

pub(crate) async fn delete_admin_session(pool: &PgPool, id_sha256: &str) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM admin_sessions WHERE id_sha256 = $1")
        .bind(id_sha256)
        .execute(pool)
        .await?;
    Ok(())
}

pub(crate) async fn tenant_sessions(
    pool: &PgPool,
    tenant_id: Uuid,
    now: OffsetDateTime,
    idle_since: OffsetDateTime,
) -> Result<Vec<SessionSummaryRow>, StoreError> {
    let rows = sqlx::query_as(
        "SELECT public_id, domain, sign_in_method, created_at, last_seen_at FROM admin_sessions \
         WHERE tenant_id = $1 AND expires_at > $2 AND last_seen_at > $3 \
         ORDER BY created_at DESC, public_id",
    )
    .bind(tenant_id)
    .bind(now)
    .bind(idle_since)
    .fetch_all(pool)
    .await?;
    Ok(rows)
}

pub(crate) async fn revoke_session(
    pool: &PgPool,
    tenant_id: Uuid,
    public_id: &str,
    by: &Revoker,
) -> Result<bool, StoreError> {
    let mut transaction = pool.begin().await?;
    let domain: Option<String> = sqlx::query_scalar(
        "DELETE FROM admin_sessions WHERE tenant_id = $1 AND public_id = $2 RETURNING domain",
    )
    .bind(tenant_id)
    .bind(public_id)
    .fetch_optional(&mut *transaction)
    .await?;
    let Some(domain) = domain else {
        transaction.rollback().await?;
        return Ok(false);
    };
    record_revocation(
        &mut transaction,
        tenant_id,
        RevocationKind::Session,
        &domain,
        Some(public_id),
        by,
    )
    .await?;
    transaction.commit().await?;
    Ok(true)
}

async fn record_revocation(
    transaction: &mut Transaction,
    tenant_id: Uuid,
    kind: RevocationKind,
    domain: &str,
    session_public_id: Option<&str>,
    by: &Revoker,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO admin_revocations (tenant_id, kind, domain, session_public_id, revoked_by, \
           revoked_by_session, revoked_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(tenant_id)
    .bind(kind.as_str())
    .bind(domain)
    .bind(session_public_id)
    .bind(&by.domain)
    .bind(&by.session_public_id)
    .bind(by.at)
    .execute(&mut **transaction)
    .await?;
    Ok(())
}

pub(crate) async fn revocations(
    pool: &PgPool,
    tenant_id: Uuid,
    limit: i64,
) -> Result<Vec<RevocationRow>, StoreError> {
    let rows = sqlx::query_as(
        "SELECT kind, domain, session_public_id, revoked_by, revoked_by_session, revoked_at \
         FROM admin_revocations WHERE tenant_id = $1 ORDER BY revoked_at DESC, id DESC LIMIT $2",
    )
    .bind(tenant_id)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    Ok(rows)
}

pub(crate) async fn verified_domains(
    pool: &PgPool,
    tenant_id: Uuid,
) -> Result<Vec<VerifiedDomainRow>, StoreError> {
    let rows = sqlx::query_as(
        "SELECT domain, tenant_id::text AS tenant_id, method, status, verified_at, approved_by \
         FROM verified_domains WHERE tenant_id = $1 ORDER BY verified_at, domain",
    )
    .bind(tenant_id)
    .fetch_all(pool)
    .await?;
    Ok(rows)
}

pub(crate) async fn approve_verified_domain(
    pool: &PgPool,
    tenant_id: Uuid,
    domain: &str,
    approved_by: &str,
    now: OffsetDateTime,
) -> Result<bool, StoreError> {
    // The approver's own grant must still be active as this is written (not removed meanwhile).
    let approved = sqlx::query(
        "UPDATE verified_domains SET status = 'active', method = 'approval', approved_by = $3, \
           approved_at = $4 WHERE tenant_id = $1 AND domain = $2 AND status = 'pending' \
           AND EXISTS (SELECT 1 FROM verified_domains a WHERE a.tenant_id = $1 \
                       AND a.domain = $3 AND a.status = 'active')",
    )
    .bind(tenant_id)
    .bind(domain)
    .bind(approved_by)
    .bind(now)
    .execute(pool)
    .await?;
    Ok(approved.rows_affected() > 0)
}

pub(crate) async fn revoke_verified_domain(
    pool: &PgPool,
    tenant_id: Uuid,
    domain: &str,
    kind: RevocationKind,
    by: &Revoker,
) -> Result<bool, StoreError> {
    let mut transaction = pool.begin().await?;
    // A refusal only ever removes a request still waiting (not one approved meanwhile).
    let only_pending = kind == RevocationKind::Refusal;
    let deleted = sqlx::query(
        "DELETE FROM verified_domains WHERE tenant_id = $1 AND domain = $2 \
           AND (NOT $3 OR status = 'pending')",
    )
    .bind(tenant_id)
    .bind(domain)
    .bind(only_pending)
    .execute(&mut *transaction)
    .await?;
    if deleted.rows_affected() == 0 {
        transaction.rollback().await?;
        return Ok(false);
    }
    sqlx::query("DELETE FROM admin_sessions WHERE tenant_id = $1 AND domain = $2")
        .bind(tenant_id)
        .bind(domain)
        .execute(&mut *transaction)
        .await?;
    // Challenges and links issued before the removal, for the domain or below it, are void.
    sqlx::query(
        "DELETE FROM admin_challenges WHERE used_at IS NULL \
           AND (domain = $1 OR right(domain, length($1) + 1) = '.' || $1)",
    )
    .bind(domain)
    .execute(&mut *transaction)
    .await?;
    record_revocation(&mut transaction, tenant_id, kind, domain, None, by).await?;
    transaction.commit().await?;
    Ok(true)
}

pub(crate) async fn purge_expired_admin_records(
    pool: &PgPool,
    now: OffsetDateTime,
    idle_since: OffsetDateTime,
    pending_since: OffsetDateTime,
) -> Result<Purged, StoreError> {
    let mut transaction = pool.begin().await?;
    let challenges = sqlx::query("DELETE FROM admin_challenges WHERE expires_at <= $1")
        .bind(now)
        .execute(&mut *transaction)
        .await?
        .rows_affected();
    let stale_grants = "SELECT tenant_id, domain FROM verified_domains \
                        WHERE status = 'pending' AND last_checked_at < $3";
    let sessions = sqlx::query(sqlx::AssertSqlSafe(format!(
        "DELETE FROM admin_sessions WHERE expires_at <= $1 OR last_seen_at <= $2 \
           OR (tenant_id, domain) IN ({stale_grants})"
    )))
    .bind(now)
    .bind(idle_since)
    .bind(pending_since)
    .execute(&mut *transaction)
    .await?
    .rows_affected();
    let pending_grants = sqlx::query(
        "DELETE FROM verified_domains WHERE status = 'pending' AND last_checked_at < $1",
    )
    .bind(pending_since)
    .execute(&mut *transaction)
    .await?
    .rows_affected();
    transaction.commit().await?;
    Ok(Purged {
        challenges,
        sessions,
        pending_grants,
    })
}

const SETTINGS_COLUMNS: &str = "scope, logo_sha256, pending_logo_sha256, brand_color, \
    passkey_policy, helpdesk_email, helpdesk_phone, helpdesk_url, intro_message, short_slug, \
    version";

/// The next settings version, unique across all scopes.
const NEXT_VERSION: &str = "nextval('tenant_settings_version')";

pub(crate) async fn load_scope_settings(
    pool: &PgPool,
    tenant_id: Uuid,
    scope: &str,
) -> Result<Option<TenantSettingsRecord>, StoreError> {
    let row = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {SETTINGS_COLUMNS} FROM tenant_settings WHERE tenant_id = $1 AND scope = $2"
    )))
    .bind(tenant_id)
    .bind(scope)
    .fetch_optional(pool)
    .await?;
    Ok(row)
}

pub(crate) async fn tenant_settings(
    pool: &PgPool,
    tenant_id: Uuid,
) -> Result<Vec<TenantSettingsRecord>, StoreError> {
    let rows = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {SETTINGS_COLUMNS} FROM tenant_settings WHERE tenant_id = $1 ORDER BY scope"
    )))
    .bind(tenant_id)
    .fetch_all(pool)
    .await?;
    Ok(rows)
}

/// Tell every instance (including this one) that a scope's settings changed; delivered at commit,
/// so listeners never reload before the change is visible. `scope` is `None` when the scope's
/// settings were deleted: the payload then names only the tenant, which drops its cache entry.
async fn notify_settings_changed(
    transaction: &mut Transaction,
    tenant_id: Uuid,
    scope: Option<&str>,
) -> Result<(), StoreError> {
    let tenant = tenant_id.hyphenated().to_string();
    match scope {
        // The payload carries the new version, so an instance that already holds it (its own
        // write, read back before the notification arrived) keeps its cache entry.
        Some(scope) => {
            sqlx::query(
                "SELECT pg_notify($1, $2 || ' ' || COALESCE( \
                   (SELECT version FROM tenant_settings WHERE tenant_id = $3 AND scope = $4), \
                   0)::text || ' ' || $4)",
            )
            .bind(SETTINGS_CHANNEL)
            .bind(tenant)
            .bind(tenant_id)
            .bind(scope)
            .execute(&mut **transaction)
            .await?;
        }
        None => {
            sqlx::query("SELECT pg_notify($1, $2)")
                .bind(SETTINGS_CHANNEL)
                .bind(tenant)
                .execute(&mut **transaction)
                .await?;
        }
    }
    Ok(())
}

pub(crate) async fn save_scope_settings(
    pool: &PgPool,
    tenant_id: Uuid,
    scope: &str,
    expected_version: i64,
    update: &SettingsUpdate,
) -> Result<SettingsSaved, StoreError> {
    let mut transaction = pool.begin().await?;
    if let Some(slug) = &update.short_slug {
        let taken: Option<i32> = sqlx::query_scalar(
            "SELECT 1 FROM tenant_settings WHERE short_slug = $1 \
               AND NOT (tenant_id = $2 AND scope = $3)",
        )
        .bind(slug)
        .bind(tenant_id)
        .bind(scope)
        .fetch_optional(&mut *transaction)
        .await?;
        if taken.is_some() {
            transaction.rollback().await?;
            return Ok(SettingsSaved::SlugTaken);
        }
    }
    // Only the version the form was loaded at may be replaced (0: no settings yet).
    let statement = if expected_version == 0 {
        format!(
            "INSERT INTO tenant_settings (tenant_id, scope, brand_color, passkey_policy, \
               helpdesk_email, helpdesk_phone, helpdesk_url, intro_message, short_slug, version) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, {NEXT_VERSION}) \
             ON CONFLICT (tenant_id, scope) DO NOTHING RETURNING version"
        )
    } else {
        format!(
            "UPDATE tenant_settings SET brand_color = $3, passkey_policy = $4, \
               helpdesk_email = $5, helpdesk_phone = $6, helpdesk_url = $7, intro_message = $8, \
               short_slug = $9, version = {NEXT_VERSION}, updated_at = now() \
             WHERE tenant_id = $1 AND scope = $2 AND version = $10 RETURNING version"
        )
    };
    let mut query = sqlx::query_scalar(sqlx::AssertSqlSafe(statement))
        .bind(tenant_id)
        .bind(scope)
        .bind(&update.brand_color)
        .bind(&update.passkey_policy)
        .bind(&update.helpdesk_email)
        .bind(&update.helpdesk_phone)
        .bind(&update.helpdesk_url)
        .bind(&update.intro_message)
        .bind(&update.short_slug);
    if expected_version != 0 {
        query = query.bind(expected_version);
    }
    let written: Result<Option<i64>, sqlx::Error> = query.fetch_optional(&mut *transaction).await;
    let version = match written {
        Ok(Some(version)) => version,
        Ok(None) => {
            transaction.rollback().await?;
            let current = load_scope_settings(pool, tenant_id, scope)
                .await?
                .map(Box::new);
            return Ok(SettingsSaved::Stale(current));
        }
        // Another scope took the slug between our check and our write.
        Err(sqlx::Error::Database(error)) if error.is_unique_violation() => {
            transaction.rollback().await?;
            return Ok(SettingsSaved::SlugTaken);
        }
        Err(error) => return Err(error.into()),
    };
    notify_settings_changed(&mut transaction, tenant_id, Some(scope)).await?;
    transaction.commit().await?;
    Ok(SettingsSaved::Saved(version))
}

pub(crate) async fn delete_scope_settings(
    pool: &PgPool,
    tenant_id: Uuid,
    scope: &str,
    expected_version: i64,
) -> Result<bool, StoreError> {
    let mut transaction = pool.begin().await?;
    let deleted = sqlx::query(
        "DELETE FROM tenant_settings WHERE tenant_id = $1 AND scope = $2 AND version = $3",
    )
    .bind(tenant_id)
    .bind(scope)
    .bind(expected_version)
    .execute(&mut *transaction)
    .await?;
    if deleted.rows_affected() == 0 {
        transaction.rollback().await?;
        return Ok(false);
    }
    notify_settings_changed(&mut transaction, tenant_id, None).await?;
    transaction.commit().await?;
    Ok(true)
}

pub(crate) async fn change_scope_logo(
    pool: &PgPool,
    tenant_id: Uuid,
    scope: &str,
    change: &LogoChange,
) -> Result<LogoChanged, StoreError> {
    let mut transaction = pool.begin().await?;
    let (statement, hash) = match change {
        LogoChange::SetPending(sha256) => (
            format!(
                "INSERT INTO tenant_settings (tenant_id, scope, pending_logo_sha256, version) \
                 VALUES ($1, $2, $3, {NEXT_VERSION}) \
                 ON CONFLICT (tenant_id, scope) DO UPDATE SET \
                   pending_logo_sha256 = EXCLUDED.pending_logo_sha256, \
                   version = EXCLUDED.version, updated_at = now()"
            ),
            Some(sha256),
        ),
        // Only the preview the admin saw is published or discarded.
        LogoChange::PublishPending(sha256) => (
            format!(
                "UPDATE tenant_settings SET logo_sha256 = pending_logo_sha256, \
                   pending_logo_sha256 = NULL, version = {NEXT_VERSION}, updated_at = now() \
                 WHERE tenant_id = $1 AND scope = $2 AND pending_logo_sha256 = $3"
            ),
            Some(sha256),
        ),
        LogoChange::DiscardPending(sha256) => (
            format!(
                "UPDATE tenant_settings SET pending_logo_sha256 = NULL, version = {NEXT_VERSION}, \
                   updated_at = now() \
                 WHERE tenant_id = $1 AND scope = $2 AND pending_logo_sha256 = $3"
            ),
            Some(sha256),
        ),
        LogoChange::UseAutomatic => (
            format!(
                "UPDATE tenant_settings SET logo_sha256 = NULL, pending_logo_sha256 = NULL, \
                   version = {NEXT_VERSION}, updated_at = now() \
                 WHERE tenant_id = $1 AND scope = $2"
            ),
            None,
        ),
    };
    let mut query = sqlx::query(sqlx::AssertSqlSafe(statement))
        .bind(tenant_id)
        .bind(scope);
    if let Some(hash) = hash {
        query = query.bind(hash);
    }
    let changed = query.execute(&mut *transaction).await?.rows_affected();
    let needs_preview = matches!(
        change,
        LogoChange::PublishPending(_) | LogoChange::DiscardPending(_)
    );
    if changed == 0 && needs_preview {
        transaction.rollback().await?;
        return Ok(LogoChanged::Stale);
    }
    if changed > 0 {
        notify_settings_changed(&mut transaction, tenant_id, Some(scope)).await?;
    }
    transaction.commit().await?;
    Ok(LogoChanged::Changed)
}

pub(crate) async fn slug_taken(
    pool: &PgPool,
    slug: &str,
    tenant_id: Uuid,
    scope: &str,
) -> Result<bool, StoreError> {
    let taken: Option<i32> = sqlx::query_scalar(
        "SELECT 1 FROM tenant_settings WHERE short_slug = $1 \
           AND NOT (tenant_id = $2 AND scope = $3)",
    )
    .bind(slug)
    .bind(tenant_id)
    .bind(scope)
    .fetch_optional(pool)
    .await?;
    Ok(taken.is_some())
}

pub(crate) async fn domain_for_slug(
    pool: &PgPool,
    slug: &str,
) -> Result<Option<(String, String)>, StoreError> {
    let row = sqlx::query_as(
        "SELECT tenant_id::text AS tenant_id, scope FROM tenant_settings WHERE short_slug = $1",
    )
    .bind(slug)
    .fetch_optional(pool)
    .await?;
    Ok(row)
}

pub(crate) async fn settings_listener(
    pool: &PgPool,
) -> Result<sqlx::postgres::PgListener, StoreError> {
    // A connection of the pool: closing the pool at shutdown also ends the subscription.
    let mut listener = sqlx::postgres::PgListener::connect_with(pool).await?;
    listener.listen(SETTINGS_CHANNEL).await?;
    Ok(listener)
}
