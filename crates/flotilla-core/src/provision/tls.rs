//! The machine's server certificate: reused while it still fits (same
//! SANs, signed by the current CA, not close to expiry), so re-provisioning
//! changes nothing; issued anew otherwise or when asked
//! (`regenerate-certs`).

use std::collections::BTreeSet;
use std::net::IpAddr;

use x509_parser::extensions::GeneralName;
use x509_parser::prelude::*;

use crate::certs::{self, CertError, ServerCert, StoreCerts};
use crate::engine::EngineAddr;
use crate::store::{self, Machine, Store};

/// Re-issue when fewer than this many days remain.
const RENEW_DAYS: i64 = 30;

/// The SANs a machine's server certificate must carry: `--tls-san`
/// values, the engine's host, and `localhost`.
pub fn wanted_sans(m: &Machine, addr: &EngineAddr) -> Vec<String> {
    let mut v: Vec<String> = m.host_options.auth_options.server_cert_sans.clone();
    if let Some(h) = addr.host() {
        v.push(h.to_string());
    }
    v.push("localhost".into());
    let mut seen = BTreeSet::new();
    v.retain(|s| !s.trim().is_empty() && seen.insert(s.trim().to_string()));
    v
}

fn normalise(s: &str) -> String {
    match s.parse::<IpAddr>() {
        Ok(ip) => ip.to_string(),
        Err(_) => s.to_ascii_lowercase(),
    }
}

/// Whether `cert_pem` can stay: it names exactly `sans`, was issued by the
/// CA in `ca_pem` and does not expire soon.
pub fn reusable(cert_pem: &[u8], ca_pem: &[u8], sans: &[String]) -> bool {
    let Ok((_, pem)) = parse_x509_pem(cert_pem) else {
        return false;
    };
    let Ok(cert) = pem.parse_x509() else {
        return false;
    };
    let Ok((_, ca_pem)) = parse_x509_pem(ca_pem) else {
        return false;
    };
    let Ok(ca) = ca_pem.parse_x509() else {
        return false;
    };
    let now = ::time::OffsetDateTime::now_utc().unix_timestamp();
    if cert.validity().not_after.timestamp() < now + RENEW_DAYS * 86400 {
        return false;
    }
    if cert.issuer() != ca.subject() {
        return false;
    }
    if cert.verify_signature(Some(ca.public_key())).is_err() {
        return false;
    }
    let mut have = BTreeSet::new();
    if let Ok(Some(san)) = cert.subject_alternative_name() {
        for n in &san.value.general_names {
            match n {
                GeneralName::DNSName(d) => {
                    have.insert(normalise(d));
                }
                GeneralName::IPAddress(b) => {
                    let ip = match b.len() {
                        4 => <[u8; 4]>::try_from(*b).ok().map(IpAddr::from),
                        16 => <[u8; 16]>::try_from(*b).ok().map(IpAddr::from),
                        _ => None,
                    };
                    if let Some(ip) = ip {
                        have.insert(ip.to_string());
                    }
                }
                _ => {}
            }
        }
    }
    let want: BTreeSet<String> = sans.iter().map(|s| normalise(s)).collect();
    have == want
}

/// The machine's server certificate: the stored one when it still fits
/// (and `renew` is false), else a new one, saved in the machine directory.
pub fn server_cert(
    st: &Store,
    m: &Machine,
    addr: &EngineAddr,
    renew: bool,
) -> Result<ServerCert, CertError> {
    let c = certs::bootstrap(st)?;
    let (cert_path, key_path) = m
        .server_cert_files(st.root())
        .map_err(|e| CertError::Store(e.into()))?;
    let sans = wanted_sans(m, addr);
    if !renew
        && let (Ok(cert), Ok(key), Ok(ca)) = (
            std::fs::read(&cert_path),
            std::fs::read_to_string(&key_path),
            std::fs::read(StoreCerts::of(st).ca),
        )
        && reusable(&cert, &ca, &sans)
    {
        return Ok(ServerCert {
            cert_pem: String::from_utf8_lossy(&cert).into_owned(),
            key_pem: key,
        });
    }
    let _ = c;
    let s = certs::issue_server(st, &m.name, &sans, m.swarm().master)?;
    let write = |p: &std::path::Path, data: &str, mode| {
        store::write_atomic(p, data.as_bytes(), mode).map_err(|source| CertError::Write {
            path: p.to_path_buf(),
            source,
        })
    };
    write(&key_path, &s.key_pem, 0o600)?;
    write(&cert_path, &s.cert_pem, 0o644)?;
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reuse_only_while_it_fits() {
        let dir = tempfile::tempdir().unwrap();
        let st = Store::new(dir.path());
        let c = certs::bootstrap(&st).unwrap();
        let ca = std::fs::read(&c.ca).unwrap();
        let sans = vec!["10.0.0.5".to_string(), "localhost".to_string()];
        let s = certs::issue_server(&st, "m", &sans, false).unwrap();
        assert!(reusable(s.cert_pem.as_bytes(), &ca, &sans));
        assert!(!reusable(
            s.cert_pem.as_bytes(),
            &ca,
            &["10.0.0.6".to_string(), "localhost".to_string()]
        ));
        // Another CA (same subject) does not match.
        let dir2 = tempfile::tempdir().unwrap();
        let st2 = Store::new(dir2.path());
        let c2 = certs::bootstrap(&st2).unwrap();
        let ca2 = std::fs::read(&c2.ca).unwrap();
        assert!(!reusable(s.cert_pem.as_bytes(), &ca2, &sans));
        assert!(!reusable(b"junk", &ca, &sans));
    }

    #[test]
    fn stored_cert_is_reused_then_renewed_on_request() {
        let dir = tempfile::tempdir().unwrap();
        let st = Store::new(dir.path());
        st.ensure().unwrap();
        let m = Machine::new("m1", "generic");
        std::fs::create_dir_all(st.machine_dir("m1")).unwrap();
        let addr: EngineAddr = "tcp://10.0.0.9:2376".parse().unwrap();
        let a = server_cert(&st, &m, &addr, false).unwrap();
        let b = server_cert(&st, &m, &addr, false).unwrap();
        assert_eq!(a.cert_pem, b.cert_pem);
        let c = server_cert(&st, &m, &addr, true).unwrap();
        assert_ne!(a.cert_pem, c.cert_pem);
        let moved: EngineAddr = "tcp://10.0.0.10:2376".parse().unwrap();
        let d = server_cert(&st, &m, &moved, false).unwrap();
        assert_ne!(c.cert_pem, d.cert_pem, "a new IP needs a new certificate");
    }
}
