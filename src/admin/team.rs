//! The tenant's admins: its verified domains (grants), its live sessions, approving or refusing a
//! sibling domain, and revoking — each only within the acting session's rights.

use time::OffsetDateTime;

use crate::domain::DomainName;
use crate::store::models::{
    GrantStatus, Purged, Revocation, RevocationKind, Revoker, SessionSummary, VerifiedDomain,
};
use crate::store::{Store, StoreError};

use super::session::{self, AdminSession};
use super::{AdminError, AdminService};

/// How long a sibling domain may wait for approval before its grant is purged.
pub const PENDING_LIFETIME: time::Duration = time::Duration::days(7);

/// How many of the latest removals the overview lists.
pub const REVOCATIONS_SHOWN: i64 = 20;

/// The tenant's admins as the overview page lists them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Team {
    /// Every verified domain (grant) of the tenant, oldest first.
    pub domains: Vec<VerifiedDomain>,
    /// Every live session of the tenant, latest sign-in first.
    pub sessions: Vec<SessionSummary>,
    /// The latest removals (who ended which session, removed or refused which domain, when).
    pub revocations: Vec<Revocation>,
}

/// The acting session as the record of a removal names it.
fn revoker(session: &AdminSession, now: OffsetDateTime) -> Revoker {
    Revoker {
        domain: session.domain().to_owned(),
        session_public_id: session.public_id.clone(),
        at: now,
    }
}

impl AdminService {
    /// The tenant's verified domains and live sessions at `now`.
    pub async fn team(
        &self,
        session: &AdminSession,
        now: OffsetDateTime,
    ) -> Result<Team, AdminError> {
        let tenant_id = session.tenant_id();
        Ok(Team {
            domains: self.store.verified_domains(tenant_id).await?,
            sessions: self
                .store
                .tenant_sessions(tenant_id, now, now - session::IDLE_TIMEOUT)
                .await?,
            revocations: self.store.revocations(tenant_id, REVOCATIONS_SHOWN).await?,
        })
    }

    /// End the tenant's session `public_id`, if its domain is within the acting session's rights.
    pub async fn revoke_session(
        &self,
        session: &AdminSession,
        public_id: &str,
        now: OffsetDateTime,
    ) -> Result<(), AdminError> {
        let team = self.team(session, now).await?;
        let target = team
            .sessions
            .iter()
            .find(|other| other.public_id == public_id)
            .ok_or_else(|| AdminError::NoSuchRecord {
                what: "That admin session".into(),
            })?;
        require_covered(session, &target.domain)?;
        if !self
            .store
            .revoke_session(session.tenant_id(), public_id, &revoker(session, now))
            .await?
        {
            return Err(AdminError::NoSuchRecord {
                what: "That admin session".into(),
            });
        }
        tracing::info!(
            by = session.domain(),
            revoked = %target.domain,
            "admin session revoked"
        );
        Ok(())
    }

    /// Remove the tenant's grant of `domain` (within the acting session's rights), ending every
    /// session signed in with it. Its settings stay for the admins above it to change.
    pub async fn revoke_domain(
        &self,
        session: &AdminSession,
        domain: &str,
        now: OffsetDateTime,
    ) -> Result<(), AdminError> {
        let domain = DomainName::parse(domain)?;
        require_covered(session, domain.as_str())?;
        if !self
            .store
            .revoke_verified_domain(
                session.tenant_id(),
                domain.as_str(),
                RevocationKind::Domain,
                &revoker(session, now),
            )
            .await?
        {
            return Err(AdminError::NoSuchRecord {
                what: domain.to_unicode(),
            });
        }
        tracing::info!(by = session.domain(), revoked = %domain, "verified domain revoked");
        Ok(())
    }

    /// Approve a sibling domain's pending grant: its admin gets rights over it (and its
    /// subdomains) at once. Only an active admin of a whole registrable domain may.
    pub async fn approve_domain(
        &self,
        session: &AdminSession,
        domain: &str,
        now: OffsetDateTime,
    ) -> Result<(), AdminError> {
        let domain = self.pending(session, domain).await?;
        if !self
            .store
            .approve_verified_domain(session.tenant_id(), domain.as_str(), session.domain(), now)
            .await?
        {
            return Err(AdminError::NoSuchRecord {
                what: domain.to_unicode(),
            });
        }
        tracing::info!(by = session.domain(), approved = %domain, "verified domain approved");
        Ok(())
    }

    /// Refuse a sibling domain's pending grant: it and its sessions are gone.
    pub async fn refuse_domain(
        &self,
        session: &AdminSession,
        domain: &str,
        now: OffsetDateTime,
    ) -> Result<(), AdminError> {
        let domain = self.pending(session, domain).await?;
        if !self
            .store
            .revoke_verified_domain(
                session.tenant_id(),
                domain.as_str(),
                RevocationKind::Refusal,
                &revoker(session, now),
            )
            .await?
        {
            return Err(AdminError::NoSuchRecord {
                what: format!("A request for {} waiting for approval", domain.to_unicode()),
            });
        }
        tracing::info!(by = session.domain(), refused = %domain, "verified domain refused");
        Ok(())
    }

    /// `domain` when it is one of the tenant's pending grants and the session may decide on it.
    async fn pending(
        &self,
        session: &AdminSession,
        domain: &str,
    ) -> Result<DomainName, AdminError> {
        if !session.rights.is_active() {
            return Err(AdminError::AwaitingApproval {
                domain: session.rights.root.to_unicode(),
            });
        }
        if !session.rights.may_approve() {
            return Err(AdminError::NotAnApprover {
                root: session.rights.root.to_unicode(),
                top: DomainName::parse(session.rights.root.registrable())
                    .map_or_else(|_| session.rights.root.to_unicode(), |top| top.to_unicode()),
            });
        }
        let domain = DomainName::parse(domain)?;
        let waiting = self
            .store
            .verified_domains(session.tenant_id())
            .await?
            .into_iter()
            .any(|grant| grant.domain == domain.as_str() && grant.status == GrantStatus::Pending);
        if !waiting {
            return Err(AdminError::NoSuchRecord {
                what: format!("A request for {} waiting for approval", domain.to_unicode()),
            });
        }
        Ok(domain)
    }
}

fn require_covered(session: &AdminSession, domain: &str) -> Result<(), AdminError> {
    if !session.rights.is_active() {
        return Err(AdminError::AwaitingApproval {
            domain: session.rights.root.to_unicode(),
        });
    }
    if session.rights.covers(domain) {
        Ok(())
    } else {
        Err(AdminError::OutsideRights {
            domain: DomainName::parse(domain)
                .map(|domain| domain.to_unicode())
                .unwrap_or_else(|_| domain.to_owned()),
            root: session.rights.root.to_unicode(),
        })
    }
}

/// Delete the admin records that can never be used again (expired challenges, links and
/// sessions; grants left waiting for approval longer than [`PENDING_LIFETIME`]).
pub async fn purge_expired(store: &Store, now: OffsetDateTime) -> Result<Purged, StoreError> {
    store
        .purge_expired_admin_records(now, now - session::IDLE_TIMEOUT, now - PENDING_LIFETIME)
        .await
}
