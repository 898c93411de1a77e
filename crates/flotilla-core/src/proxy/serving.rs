//! From a route table to a served configuration (I/O): the operator's settings, files and
//! certificates are added, the result rendered and applied on the data plane, and, when nginx
//! rejects the whole configuration, the vhosts it rejects are found ([`super::isolate`]) and
//! left out so every other vhost is still updated.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::apply::{Changed, ProxyError};
use super::dataplane::{DataPlane, DataPlaneError};
use super::files::{self, FileDirs, Placement, ProxyFiles};
use super::isolate::Bisect;
use super::nginx::{self, CertFile, CertSource, RenderOptions};
use super::routes::{HttpsMethod, RouteTable};
use super::status::{CertStatus, RejectedVhost};
use crate::acme::{AcmeConfig, CertStore};

/// The operator's settings for every vhost (flags and nginx-proxy's environment variables).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxySettings {
    /// `DEFAULT_HOST`: the vhost that answers unknown host names; `None`: the 503 fallback does.
    pub default_host: Option<String>,
    /// `DEFAULT_ROOT`; `None`: `none`.
    pub default_root: Option<String>,
    /// `TRUST_DOWNSTREAM_PROXY`: keep the client's `X-Forwarded-*` headers (true) or overwrite them.
    pub trust_downstream_proxy: bool,
    /// The access log file (nginx-proxy's `vhost` format); `None`: no access log.
    pub access_log: Option<String>,
    /// `HTTPS_METHOD` of vhosts that set none (nginx-proxy's default: redirect).
    pub https_method: HttpsMethod,
    /// `HSTS` header value of vhosts that set none; `off` sends none.
    pub hsts: String,
    /// `NON_GET_REDIRECT` of vhosts that set none: the HTTPS redirect's status for methods other
    /// than GET and HEAD (301, 307 or 308).
    pub non_get_redirect: u16,
    /// `TRUST_DEFAULT_CERT`: a vhost without a certificate of its own may be served with
    /// `default.crt`.
    pub trust_default_cert: bool,
    /// `ENABLE_HTTP2` on the HTTPS listeners.
    pub http2: bool,
}

impl Default for ProxySettings {
    /// nginx-proxy's defaults.
    fn default() -> Self {
        let r = RenderOptions::new("/");
        ProxySettings {
            default_host: None,
            default_root: r.default_root,
            trust_downstream_proxy: r.trust_downstream_proxy,
            access_log: None,
            https_method: r.https_method,
            hsts: r.hsts,
            non_get_redirect: r.non_get_redirect,
            trust_default_cert: r.trust_default_cert,
            http2: r.http2,
        }
    }
}

/// What one apply did.
#[derive(Debug)]
pub struct Outcome {
    /// The routes now served (the table without rejected vhosts).
    pub served: RouteTable,
    /// The data plane's answer to the last apply; on `Err` the previous configuration keeps serving.
    pub result: Result<Changed, DataPlaneError>,
    /// The vhosts nginx rejected each on its own, left out of `served`; empty unless nginx refused
    /// the whole configuration.
    pub rejected: Vec<RejectedVhost>,
}

/// A data plane with everything a configuration refers to.
#[derive(Debug)]
pub struct Serving {
    /// Where nginx runs.
    pub plane: DataPlane,
    settings: ProxySettings,
    dirs: FileDirs,
    files: ProxyFiles,
    acme_store: Option<CertStore>,
    /// Host → (files as nginx reads them, notAfter).
    acme_certs: BTreeMap<String, (CertFile, u64)>,
    /// Pending HTTP-01 answers: token → key authorisation.
    pub challenges: BTreeMap<String, String>,
}

impl Serving {
    /// Reads the files (and with `acme` the ACME store's certificates) once; `acme`: `None` turns
    /// the built-in ACME client's certificates and challenges off.
    pub fn new(
        plane: DataPlane,
        settings: ProxySettings,
        dirs: FileDirs,
        acme: Option<&AcmeConfig>,
    ) -> Serving {
        let mut s = Serving {
            plane,
            settings,
            dirs,
            files: ProxyFiles::default(),
            acme_store: acme.map(CertStore::new),
            acme_certs: BTreeMap::new(),
            challenges: BTreeMap::new(),
        };
        s.rescan();
        s
    }

    /// Reads the files and the ACME certificates again; true when anything changed.
    pub fn rescan(&mut self) -> bool {
        let files = files::scan(&self.dirs);
        let place = self.plane.file_placement();
        let mut acme = BTreeMap::new();
        if let Some(store) = &self.acme_store {
            for (host, c) in store.load_all() {
                let (Ok(crt), Ok(key)) = (std::fs::read(&c.crt), std::fs::read(&c.key)) else {
                    continue;
                };
                let fingerprint = files::fingerprint(&[&crt, &key]);
                let (crt_path, key_path) = match &place {
                    Placement::InPlace => (
                        c.crt.to_string_lossy().into_owned(),
                        c.key.to_string_lossy().into_owned(),
                    ),
                    Placement::Copied(root) => (
                        format!("{root}/acme/{host}.crt"),
                        format!("{root}/acme/{host}.key"),
                    ),
                };
                acme.insert(
                    host,
                    (
                        CertFile {
                            crt: crt_path,
                            key: key_path,
                            fingerprint,
                        },
                        c.not_after,
                    ),
                );
            }
        }
        let changed = files != self.files || acme != self.acme_certs;
        self.files = files;
        self.acme_certs = acme;
        changed
    }

    /// The render options for the current files, certificates and challenges.
    pub fn render_options(&self, acme: bool) -> RenderOptions {
        let mut r = self.plane.render_options().clone();
        let s = &self.settings;
        r.default_host.clone_from(&s.default_host);
        r.default_root.clone_from(&s.default_root);
        r.trust_downstream_proxy = s.trust_downstream_proxy;
        r.access_log.clone_from(&s.access_log);
        r.https_method = s.https_method;
        r.hsts.clone_from(&s.hsts);
        r.non_get_redirect = s.non_get_redirect;
        r.trust_default_cert = s.trust_default_cert;
        r.http2 = s.http2;
        let (certs, snippets) = self.files.render_view(&self.plane.file_placement());
        r.certs.files = certs;
        r.certs.acme = self
            .acme_certs
            .iter()
            .map(|(h, (c, _))| (h.clone(), c.clone()))
            .collect();
        r.snippets = snippets;
        r.acme = acme;
        r.acme_challenges.clone_from(&self.challenges);
        r
    }

    /// The files a node's container needs (nothing in local mode).
    fn uploads(&self) -> Vec<(String, Vec<u8>, u32)> {
        let Placement::Copied(root) = self.plane.file_placement() else {
            return Vec::new();
        };
        let mut out = self.files.uploads(&root);
        if let Some(store) = &self.acme_store {
            for (host, c) in store.load_all() {
                if let (Ok(crt), Ok(key)) = (std::fs::read(&c.crt), std::fs::read(&c.key)) {
                    out.push((format!("{root}/acme/{host}.crt"), crt, 0o644));
                    out.push((format!("{root}/acme/{host}.key"), key, 0o600));
                }
            }
        }
        out
    }

    /// Renders and applies `table`. When nginx rejects the whole configuration, each vhost it
    /// rejects on its own is left out and reported, and the rest is applied.
    pub async fn apply(&mut self, table: &RouteTable) -> Outcome {
        let acme = self.acme_store.is_some();
        let uploads = self.uploads();
        if let Err(e) = self.plane.sync_files(&uploads).await {
            return Outcome {
                served: table.clone(),
                result: Err(e),
                rejected: Vec::new(),
            };
        }
        let opts = self.render_options(acme);
        let conf = nginx::render(table, &opts);
        let first = self.plane.apply(&conf).await;
        let invalid = matches!(
            first,
            Err(DataPlaneError::Proxy(ProxyError::Invalid { .. }))
        );
        if !invalid || table.vhosts.is_empty() {
            return Outcome {
                served: table.clone(),
                result: first,
                rejected: Vec::new(),
            };
        }
        // a configuration without any vhost failing too: the fault is not a vhost's
        let subset = |idx: &[usize]| RouteTable {
            vhosts: idx.iter().map(|i| table.vhosts[*i].clone()).collect(),
            skipped: Vec::new(),
            warnings: Vec::new(),
        };
        if self
            .plane
            .validate(&nginx::render(&subset(&[]), &opts))
            .await
            .is_err()
        {
            return Outcome {
                served: table.clone(),
                result: first,
                rejected: Vec::new(),
            };
        }
        let mut b = Bisect::after_failure(table.vhosts.len());
        while let Some(idx) = b.next_check() {
            let conf = nginx::render(&subset(idx), &opts);
            let r = self.plane.validate(&conf).await.map_err(|e| match e {
                DataPlaneError::Proxy(ProxyError::Invalid { stderr }) => stderr,
                other => other.to_string(),
            });
            b.report(r);
        }
        let bad = b.rejected();
        tracing::debug!(
            "isolating the rejected vhosts took {} checks for {} vhosts",
            b.checks(),
            table.vhosts.len()
        );
        if bad.is_empty() {
            return Outcome {
                served: table.clone(),
                result: first,
                rejected: Vec::new(),
            };
        }
        let rejected: Vec<RejectedVhost> = bad
            .iter()
            .map(|(i, e)| {
                let v = &table.vhosts[*i];
                RejectedVhost {
                    host: v.host.clone(),
                    containers: v.containers.clone(),
                    error: e.trim().to_string(),
                }
            })
            .collect();
        let mut served = table.clone();
        let bad_idx: Vec<usize> = bad.iter().map(|(i, _)| *i).collect();
        served.vhosts = table
            .vhosts
            .iter()
            .enumerate()
            .filter(|(i, _)| !bad_idx.contains(i))
            .map(|(_, v)| v.clone())
            .collect();
        let conf = nginx::render(&served, &opts);
        let result = self.plane.apply(&conf).await;
        Outcome {
            served,
            result,
            rejected,
        }
    }

    /// Waits until the data plane answers `token` with `key_auth` for `host` three times in a
    /// row (at most 10 s): a reload leaves the old workers accepting for a moment.
    pub async fn wait_served(&self, host: &str, token: &str, key_auth: &str) -> Result<(), String> {
        let Some(addr) = self.plane.http_addr() else {
            return Ok(());
        };
        let path = format!("{}{token}", nginx::ACME_CHALLENGE_PREFIX);
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
        let mut streak = 0;
        let mut last = String::new();
        while streak < 3 {
            if tokio::time::Instant::now() >= deadline {
                return Err(format!(
                    "http://{host}{path} is not answered through {addr} (last answer: {last})"
                ));
            }
            match http_get(addr, host, &path).await {
                Ok(body) if body.ends_with(key_auth) => streak += 1,
                Ok(body) => {
                    streak = 0;
                    last = body.lines().next().unwrap_or_default().to_string();
                }
                Err(e) => {
                    streak = 0;
                    last = e.to_string();
                }
            }
            if streak < 3 {
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
        }
        Ok(())
    }

    /// The certificate of every vhost of `table` that is served over HTTPS or asks for ACME,
    /// merged with the ACME manager's per-host state.
    pub fn certificates(
        &self,
        table: &RouteTable,
        acme_state: &BTreeMap<String, super::certmgr::HostState>,
    ) -> Vec<CertStatus> {
        let opts = self.render_options(self.acme_store.is_some());
        let mut out = Vec::new();
        for v in &table.vhosts {
            let method = v.settings.https_method.unwrap_or(opts.https_method);
            let chosen = opts
                .https_port
                .filter(|_| method != HttpsMethod::Nohttps)
                .and_then(|_| nginx::certificate_for(v, &opts));
            if chosen.is_none() && !v.settings.acme {
                continue;
            }
            let not_after = chosen.as_ref().and_then(|c| match c.source {
                CertSource::Acme => self.acme_certs.get(&c.name).map(|(_, t)| *t),
                _ => self.files.certs.get(&c.name).and_then(|f| f.not_after),
            });
            let st = acme_state.get(&v.host);
            out.push(CertStatus {
                host: v.host.clone(),
                source: chosen
                    .as_ref()
                    .map_or("none", |c| c.source.as_str())
                    .to_string(),
                name: chosen.as_ref().map(|c| c.name.clone()),
                not_after,
                acme: v.settings.acme,
                acme_error: st.and_then(|s| s.error.clone()),
                acme_next: st.and_then(|s| s.next),
            });
        }
        out
    }
}

/// One HTTP/1.0 GET; the whole response (status line, headers and body), at most 64 KiB.
async fn http_get(addr: SocketAddr, host: &str, path: &str) -> std::io::Result<String> {
    let io = async {
        let mut s = tokio::net::TcpStream::connect(addr).await?;
        s.write_all(format!("GET {path} HTTP/1.0\r\nHost: {host}\r\n\r\n").as_bytes())
            .await?;
        let mut buf = Vec::new();
        s.take(64 * 1024).read_to_end(&mut buf).await?;
        Ok::<_, std::io::Error>(String::from_utf8_lossy(&buf).into_owned())
    };
    tokio::time::timeout(std::time::Duration::from_secs(2), io)
        .await
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "no answer within 2s"))?
}
