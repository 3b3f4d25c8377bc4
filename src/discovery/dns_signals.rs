//! DNS evidence that a domain uses Microsoft 365: MX, TXT and well-known CNAMEs.
//!
//! Evidence only (the tenant comes from the OpenID document); a failed lookup counts as "not seen"
//! and is logged, never fatal.

use crate::domain::DomainName;
use crate::net::{Dns, DnsError};
use crate::profile::Signals;

/// Run every DNS lookup for `domain` concurrently and summarise what they show.
pub async fn gather(dns: &Dns, domain: &DomainName) -> Signals {
    let name = domain.as_str();
    let [autodiscover, registration, enrollment, lync] = [
        "autodiscover",
        "enterpriseregistration",
        "enterpriseenrollment",
        "lyncdiscover",
    ]
    .map(|label| format!("{label}.{name}"));
    let (mx, txt, autodiscover, registration, enrollment, lync) = tokio::join!(
        dns.mx(name),
        dns.txt(name),
        dns.cname(&autodiscover),
        dns.cname(&registration),
        dns.cname(&enrollment),
        dns.cname(&lync),
    );
    let mx = usable(name, "MX", mx);
    let txt = usable(name, "TXT", txt);
    Signals {
        mx_microsoft: mx.iter().any(|host| is_microsoft_mx(host)),
        txt_ms_verification: txt.iter().any(|record| is_ms_verification(record)),
        spf_microsoft: txt.iter().any(|record| is_microsoft_spf(record)),
        autodiscover_microsoft: target_matches(
            name,
            autodiscover,
            &[
                "autodiscover.outlook.com",
                "autodiscover-s.outlook.com",
                "autodiscover-s.office365.us",
            ],
        ),
        enterprise_registration: target_matches(
            name,
            registration,
            &[
                "enterpriseregistration.windows.net",
                "enterpriseregistration.microsoftonline.us",
            ],
        ),
        enterprise_enrollment: target_matches(
            name,
            enrollment,
            &[
                "enterpriseenrollment-s.manage.microsoft.com",
                "enterpriseenrollment.manage.microsoft.com",
                "enterpriseenrollment-s.manage.microsoft.us",
            ],
        ),
        lync_discover: target_matches(
            name,
            lync,
            &[
                "webdir.online.lync.com",
                "webdir.online.gov.skypeforbusiness.us",
            ],
        ),
    }
}

fn usable<T: Default>(domain: &str, what: &str, result: Result<T, DnsError>) -> T {
    match result {
        Ok(value) => value,
        Err(error) if error.is_no_records() => T::default(),
        Err(error) => {
            crate::metrics::upstream_error("dns");
            tracing::info!(%domain, lookup = what, %error, "DNS signal unavailable");
            T::default()
        }
    }
}

fn target_matches(domain: &str, result: Result<String, DnsError>, targets: &[&str]) -> bool {
    let target = usable(domain, "CNAME", result);
    targets.contains(&target.as_str())
}

/// An MX host at Exchange Online (`…mail.protection.outlook.com`, the newer `…mx.microsoft`, or
/// GCC High's `…mail.protection.office365.us`).
pub fn is_microsoft_mx(host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    host.ends_with(".mail.protection.outlook.com")
        || host.ends_with(".mx.microsoft")
        || host.ends_with(".mail.protection.office365.us")
}

/// Microsoft 365's domain-verification record, `MS=ms12345678`.
pub fn is_ms_verification(record: &str) -> bool {
    let record = record.trim().to_ascii_lowercase();
    record
        .strip_prefix("ms=ms")
        .is_some_and(|digits| !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()))
}

/// An SPF record that includes Exchange Online.
pub fn is_microsoft_spf(record: &str) -> bool {
    let record = record.trim().to_ascii_lowercase();
    record.starts_with("v=spf1")
        && record.split_whitespace().any(|term| {
            let term = term.trim_start_matches(['+', '~', '?']);
            term == "include:spf.protection.outlook.com"
                || term == "include:spf.protection.office365.us"
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_exchange_online_mx_forms_count() {
        assert!(is_microsoft_mx("contoso-com.mail.protection.outlook.com"));
        assert!(is_microsoft_mx("contoso-com.o-v1.mx.microsoft."));
        assert!(is_microsoft_mx("agency-gov.mail.protection.office365.us"));
        assert!(!is_microsoft_mx("aspmx.l.google.com"));
        assert!(!is_microsoft_mx("mail.protection.outlook.com.evil.com"));
    }

    #[test]
    fn verification_and_spf_records_are_recognised() {
        assert!(is_ms_verification("MS=ms12345678"));
        assert!(!is_ms_verification("MS=msabc"));
        assert!(!is_ms_verification("google-site-verification=abc"));
        assert!(is_microsoft_spf(
            "v=spf1 include:spf.protection.outlook.com -all"
        ));
        assert!(is_microsoft_spf(
            "v=spf1 ip4:1.2.3.4 +include:spf.protection.outlook.com ~all"
        ));
        assert!(!is_microsoft_spf("v=spf1 include:_spf.google.com ~all"));
        assert!(!is_microsoft_spf("include:spf.protection.outlook.com"));
    }
}
