//! Fresh facts for authorization: which tenant a domain belongs to, asked of Microsoft now.
//!
//! Pages may show a profile that is a day old; granting admin rights may not. Verifying a domain
//! or redeeming an admin link asks the OpenID configuration afresh: no memory cache, no stored
//! mapping, so a domain that moved to another tenant (or left Entra) is judged as it is now.

use crate::domain::DomainName;
use crate::profile::Cloud;

use super::openid::{self, OpenIdOutcome};
use super::{Discovery, LookupError};

impl Discovery {
    /// Ask Microsoft now which tenant `domain` belongs to (the public cloud's OpenID document,
    /// which names sovereign tenants too), within the upstream timeout. Nothing is cached.
    pub async fn tenant_now(&self, domain: &DomainName) -> Result<OpenIdOutcome, LookupError> {
        let lookup = openid::fetch(&self.inner.client, Cloud::Public.login_host(), domain);
        let outcome = self.deadline("openid", lookup).await;
        if let Err(error) = &outcome {
            crate::metrics::upstream_error("openid");
            tracing::warn!(%domain, %error, "fresh tenant lookup failed");
        }
        outcome
    }
}
