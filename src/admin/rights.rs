//! Rights follow proof: what an admin may change, and whose approval a new admin needs.
//!
//! - A grant (a `verified_domains` row) gives rights over its domain and every subdomain of it,
//!   never its parent or its siblings: a DNS-proven admin of `dept.contoso.com` can change what
//!   `dept.contoso.com`'s employees see, not what `contoso.com`'s see. Proving `contoso.com`
//!   covers `dept.contoso.com` too.
//! - Settings belong to a scope (a domain). A tenant page reads the nearest scope that covers its
//!   domain: `dept.contoso.com`'s own settings, else `contoso.com`'s, else none.
//! - The first proof in a tenant is granted at once, and so is a proof of a domain above or below
//!   an active grant (the same DNS tree). A sibling domain of a tenant that already has admins
//!   waits for an existing admin's approval, and so does a domain (or a subdomain of one) that
//!   an admin removed or refused: proving it again does not undo the removal. The operator's
//!   admin link is granted at once.
//! - Only an admin of a whole registrable domain (`contoso.com`, not `dept.contoso.com`) may
//!   approve or refuse: a department's admin cannot let another domain into the tenant.
//! - A tenant holds at most [`MAX_DOMAINS_PER_TENANT`] verified domains.
//! - A grant records how it was proven (`dns_txt`, `admin_link`, `approval`). Signing in with an
//!   Entra admin role (`entra_role`, next) slots in as another kind of grant: [`Rights`] is the
//!   one place every action asks what a session may touch.

use uuid::Uuid;

use crate::domain::DomainName;

/// Most verified domains (grants, waiting ones included) one tenant holds.
pub const MAX_DOMAINS_PER_TENANT: usize = 100;
use crate::store::models::{GrantMethod, GrantStatus, VerifiedDomain};

/// Whether rights over `root` cover `domain`: the same domain, or a subdomain of it (by labels:
/// `xcontoso.com` is not under `contoso.com`).
pub fn covers(root: &str, domain: &str) -> bool {
    domain == root
        || domain
            .strip_suffix(root)
            .is_some_and(|head| head.ends_with('.'))
}

/// What one admin session may do: act for one tenant over one domain tree, once granted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rights {
    /// The tenant the session acts for.
    pub tenant_id: Uuid,
    /// The proven domain: its pages and its subdomains' pages are the session's to change.
    pub root: DomainName,
    /// How the grant was proven.
    pub method: GrantMethod,
    /// Whether the grant is active (pending: proven, waiting for an existing admin's approval).
    pub status: GrantStatus,
}

impl Rights {
    /// Whether the grant gives rights yet.
    pub fn is_active(&self) -> bool {
        self.status == GrantStatus::Active
    }

    /// Whether the session may change what `domain`'s pages show (or manage its admins).
    pub fn covers(&self, domain: &str) -> bool {
        self.is_active() && covers(self.root.as_str(), domain)
    }

    /// Whether the session may approve or refuse another domain's pending grant: an active
    /// admin whose proof covers a whole registrable domain of the tenant (a sibling is nobody's
    /// to cover, so the tenant's top-level admins decide; a department's admin does not).
    pub fn may_approve(&self) -> bool {
        self.is_active() && is_top_level(self.root.as_str())
    }
}

/// Whether `domain` is a registrable domain itself (`contoso.com`, `contoso.co.uk`), not a
/// subdomain of one.
pub fn is_top_level(domain: &str) -> bool {
    DomainName::parse(domain).is_ok_and(|parsed| parsed.registrable() == parsed.as_str())
}

/// The status of a new grant of `domain` proven by `method`, given the tenant's grants (which may
/// include a grant of `domain` itself) and the domains its admins removed or refused; `None` when
/// the tenant already holds [`MAX_DOMAINS_PER_TENANT`] other domains.
pub fn status_of_new_grant(
    domain: &str,
    method: GrantMethod,
    grants: &[VerifiedDomain],
    removed: &[String],
) -> Option<GrantStatus> {
    let known = grants.iter().any(|grant| grant.domain == domain);
    if !known && grants.len() >= MAX_DOMAINS_PER_TENANT {
        return None;
    }
    let active: Vec<&VerifiedDomain> = grants
        .iter()
        .filter(|grant| grant.status == GrantStatus::Active)
        .collect();
    let already_active = active.iter().any(|grant| grant.domain == domain);
    let first_admin = active.is_empty();
    // Above or below an active grant: the same DNS tree, whose admins can see and revoke it.
    let related = active
        .iter()
        .any(|grant| covers(&grant.domain, domain) || covers(domain, &grant.domain));
    // The operator who runs the server needs nobody's approval.
    let operator = method == GrantMethod::AdminLink;
    // Removed (or refused) by an admin, itself or a domain above it: a fresh proof must not undo
    // that decision, so it waits for an admin again.
    let removed = removed.iter().any(|gone| covers(gone, domain));
    let status = if already_active || first_admin || operator || (related && !removed) {
        GrantStatus::Active
    } else {
        GrantStatus::Pending
    };
    Some(status)
}

/// The nearest scope that covers `domain` among `scopes` (the longest one), if any.
pub fn nearest_scope<'a>(
    domain: &str,
    scopes: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    scopes
        .into_iter()
        .filter(|scope| covers(scope, domain))
        .max_by_key(|scope| scope.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn grant(domain: &str, status: GrantStatus) -> VerifiedDomain {
        VerifiedDomain {
            domain: domain.into(),
            tenant_id: Uuid::nil(),
            method: GrantMethod::DnsTxt,
            status,
            verified_at: datetime!(2026-05-01 08:00 UTC),
            approved_by: None,
        }
    }

    fn rights(root: &str, status: GrantStatus) -> Rights {
        Rights {
            tenant_id: Uuid::nil(),
            root: DomainName::parse(root).unwrap(),
            method: GrantMethod::DnsTxt,
            status,
        }
    }

    #[test]
    fn rights_cover_the_domain_and_its_subdomains_never_its_parent_or_siblings() {
        let dept = rights("dept.contoso.com", GrantStatus::Active);
        assert!(dept.covers("dept.contoso.com"));
        assert!(dept.covers("eu.dept.contoso.com"));
        assert!(!dept.covers("contoso.com"), "never the parent");
        assert!(!dept.covers("sales.contoso.com"), "never a sibling");
        assert!(!dept.covers("xdept.contoso.com"), "labels, not characters");
        let parent = rights("contoso.com", GrantStatus::Active);
        assert!(parent.covers("dept.contoso.com"));
        assert!(!parent.covers("contoso.com.evil.example"));
        assert!(!parent.covers("notcontoso.com"));
        let pending = rights("contoso.net", GrantStatus::Pending);
        assert!(
            !pending.covers("contoso.net"),
            "a pending grant gives nothing"
        );
        assert!(!pending.may_approve());
    }

    #[test]
    fn only_an_admin_of_a_whole_registrable_domain_may_approve() {
        assert!(rights("contoso.com", GrantStatus::Active).may_approve());
        assert!(rights("contoso.co.uk", GrantStatus::Active).may_approve());
        assert!(!rights("dept.contoso.com", GrantStatus::Active).may_approve());
        assert!(!rights("dept.contoso.co.uk", GrantStatus::Active).may_approve());
        assert!(!rights("contoso.com", GrantStatus::Pending).may_approve());
    }

    #[test]
    fn a_removed_domain_proven_again_waits_for_an_admin() {
        use GrantStatus::{Active, Pending};
        let tenant = [grant("contoso.com", Active)];
        let removed = ["dept.contoso.com".to_owned()];
        for domain in ["dept.contoso.com", "eu.dept.contoso.com"] {
            assert_eq!(
                status_of_new_grant(domain, GrantMethod::DnsTxt, &tenant, &removed),
                Some(Pending),
                "{domain}"
            );
        }
        assert_eq!(
            status_of_new_grant("sales.contoso.com", GrantMethod::DnsTxt, &tenant, &removed),
            Some(Active),
            "a domain nobody removed"
        );
        assert_eq!(
            status_of_new_grant(
                "dept.contoso.com",
                GrantMethod::AdminLink,
                &tenant,
                &removed
            ),
            Some(Active),
            "the operator decides"
        );
    }

    #[test]
    fn a_tenant_holds_a_bounded_number_of_domains() {
        let many: Vec<VerifiedDomain> = (0..MAX_DOMAINS_PER_TENANT)
            .map(|n| grant(&format!("d{n}.contoso.com"), GrantStatus::Active))
            .collect();
        assert_eq!(
            status_of_new_grant("new.contoso.com", GrantMethod::DnsTxt, &many, &[]),
            None
        );
        assert_eq!(
            status_of_new_grant("d7.contoso.com", GrantMethod::DnsTxt, &many, &[]),
            Some(GrantStatus::Active),
            "a domain already held is proven again"
        );
    }

    #[test]
    fn a_sibling_of_a_tenant_with_admins_waits_for_approval() {
        use GrantStatus::{Active, Pending};
        let none: [VerifiedDomain; 0] = [];
        assert_eq!(
            status_of_new_grant("contoso.com", GrantMethod::DnsTxt, &none, &[]),
            Some(Active),
            "the first admin"
        );
        let tenant = [grant("contoso.com", Active)];
        for (domain, expected) in [
            ("dept.contoso.com", Active),
            ("contoso.com", Active),
            ("contoso.net", Pending),
            ("fabrikam.com", Pending),
        ] {
            assert_eq!(
                status_of_new_grant(domain, GrantMethod::DnsTxt, &tenant, &[]),
                Some(expected),
                "{domain}"
            );
        }
        // Proving a parent covers the subdomain already administered.
        let dept_only = [grant("dept.contoso.com", Active)];
        assert_eq!(
            status_of_new_grant("contoso.com", GrantMethod::DnsTxt, &dept_only, &[]),
            Some(Active)
        );
        // A sibling subdomain is a sibling.
        assert_eq!(
            status_of_new_grant("sales.contoso.com", GrantMethod::DnsTxt, &dept_only, &[]),
            Some(Pending)
        );
        // Pending grants do not count as admins; the operator's link needs no approval.
        let waiting = [grant("contoso.net", Pending), grant("contoso.com", Active)];
        assert_eq!(
            status_of_new_grant("contoso.net", GrantMethod::DnsTxt, &waiting, &[]),
            Some(Pending)
        );
        assert_eq!(
            status_of_new_grant("contoso.net", GrantMethod::AdminLink, &waiting, &[]),
            Some(Active)
        );
        let only_pending = [grant("contoso.net", Pending)];
        assert_eq!(
            status_of_new_grant("contoso.org", GrantMethod::DnsTxt, &only_pending, &[]),
            Some(Active),
            "nobody can approve yet, so nobody is asked"
        );
    }

    #[test]
    fn a_page_reads_the_nearest_scope_that_covers_its_domain() {
        let scopes = ["contoso.com", "dept.contoso.com", "fabrikam.com"];
        assert_eq!(
            nearest_scope("eu.dept.contoso.com", scopes),
            Some("dept.contoso.com")
        );
        assert_eq!(
            nearest_scope("dept.contoso.com", scopes),
            Some("dept.contoso.com")
        );
        assert_eq!(
            nearest_scope("sales.contoso.com", scopes),
            Some("contoso.com")
        );
        assert_eq!(nearest_scope("contoso.com", scopes), Some("contoso.com"));
        assert_eq!(nearest_scope("contoso.net", scopes), None);
    }
}
