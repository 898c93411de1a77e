//! The token service client: the HTTP API Docker Hub's discovery service
//! spoke (`POST {base}/clusters`, `POST|GET|DELETE {base}/clusters/TOKEN`),
//! plus flotilla's one extension, `DELETE {base}/clusters/TOKEN/ADDR`, so an
//! address can leave at once instead of waiting for its TTL.
//!
//! Every request is bounded by the settings' timeout (connect and answer).

use std::time::Duration;

use async_trait::async_trait;

use super::{Addr, Discovery, DiscoveryError, Result, Settings};

/// An HTTP client for one token service.
pub struct Client {
    url: String,
    base: String,
    http: reqwest::Client,
    timeout: Duration,
    /// Sent as `Authorization: Bearer …` on create and delete.
    secret: Option<String>,
}

/// A secret file holds one line; anything larger is not one.
const MAX_SECRET_FILE: u64 = 4096;

impl Client {
    /// `url` is what errors name; `base` is where `/clusters` lives.
    pub fn new(url: &str, base: &str, settings: &Settings) -> Result<Self> {
        let failed = |message: String| DiscoveryError::Failed {
            url: url.to_string(),
            message,
        };
        let mut b = reqwest::Client::builder()
            .connect_timeout(settings.timeout)
            .timeout(settings.timeout)
            .user_agent(concat!("flotilla/", env!("CARGO_PKG_VERSION")));
        if let Some(ca) = &settings.ca {
            let pem = crate::store::read_file_bounded(ca, crate::store::MAX_PEM_FILE)
                .map_err(|e| failed(format!("cannot read CA file {}: {e}", ca.display())))?;
            let certs = reqwest::Certificate::from_pem_bundle(&pem)
                .map_err(|e| failed(format!("CA file {}: {e}", ca.display())))?;
            b = b.tls_certs_merge(certs);
        }
        let http = b
            .build()
            .map_err(|e| failed(format!("cannot build the HTTP client: {e}")))?;
        Ok(Client {
            url: url.to_string(),
            base: base.trim_end_matches('/').to_string(),
            http,
            timeout: settings.timeout,
            secret: None,
        })
    }

    /// With the secret `settings.secret_file` holds (surrounding whitespace dropped).
    pub fn with_secret(mut self, settings: &Settings) -> Result<Self> {
        let Some(path) = &settings.secret_file else {
            return Ok(self);
        };
        let failed = |message: String| DiscoveryError::Failed {
            url: self.url.clone(),
            message,
        };
        let bytes = crate::store::read_file_bounded(path, MAX_SECRET_FILE)
            .map_err(|e| failed(format!("secret file {}: {e}", path.display())))?;
        let secret = String::from_utf8(bytes)
            .map_err(|_| failed(format!("secret file {}: not UTF-8 text", path.display())))?
            .trim()
            .to_string();
        if secret.is_empty() || secret.chars().any(|c| c.is_control()) {
            return Err(failed(format!(
                "secret file {}: expected one line of text",
                path.display()
            )));
        }
        self.secret = Some(secret);
        Ok(self)
    }

    fn authorized(&self, req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.secret {
            Some(s) => req.bearer_auth(s),
            None => req,
        }
    }

    fn net_error(&self, target: &str, e: reqwest::Error) -> DiscoveryError {
        if e.is_timeout() {
            DiscoveryError::Timeout {
                url: self.url.clone(),
                target: target.to_string(),
                secs: self.timeout.as_secs_f64(),
            }
        } else {
            // reqwest's top-level text ("error sending request") hides the
            // cause; show the chain.
            let mut message = e.to_string();
            let mut src = std::error::Error::source(&e);
            while let Some(s) = src {
                message = format!("{message}: {s}");
                src = s.source();
            }
            DiscoveryError::Unreachable {
                url: self.url.clone(),
                target: target.to_string(),
                message,
            }
        }
    }

    async fn send(
        &self,
        req: reqwest::RequestBuilder,
        token: Option<&str>,
    ) -> Result<(reqwest::StatusCode, String)> {
        let target = format!("the token service {}", self.base);
        let resp = req.send().await.map_err(|e| self.net_error(&target, e))?;
        let status = resp.status();
        let body = resp.text().await.map_err(|e| self.net_error(&target, e))?;
        if status == reqwest::StatusCode::NOT_FOUND
            && let Some(token) = token
        {
            return Err(DiscoveryError::UnknownToken {
                url: self.url.clone(),
                token: token.to_string(),
                place: target,
                embedded: false,
            });
        }
        if !status.is_success() {
            let detail: String = body.trim().chars().take(200).collect();
            return Err(DiscoveryError::Failed {
                url: self.url.clone(),
                message: format!("{target} answered {status}: {detail}"),
            });
        }
        Ok((status, body))
    }

    /// `POST {base}/clusters` → a new token.
    pub async fn create(&self) -> Result<String> {
        let (_, body) = self
            .send(
                self.authorized(self.http.post(format!("{}/clusters", self.base))),
                None,
            )
            .await?;
        let token = body.trim().to_string();
        if !super::addr::valid_token(&token) {
            return Err(DiscoveryError::Failed {
                url: self.url.clone(),
                message: format!(
                    "the token service at {} answered {:?}, which is not a token",
                    self.base,
                    token.chars().take(80).collect::<String>()
                ),
            });
        }
        Ok(token)
    }

    /// `POST {base}/clusters/TOKEN[?ttl=SECONDS]`, the address as the body; a TTL under a second
    /// is sent as 1, none means the entry stays until deregistered.
    pub async fn register(&self, token: &str, a: &Addr, ttl: Option<Duration>) -> Result<()> {
        let mut url = format!("{}/clusters/{token}", self.base);
        if let Some(t) = ttl {
            url = format!("{url}?ttl={}", t.as_secs().max(1));
        }
        // Classic clients send the raw address with this content type.
        let req = self
            .http
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(a.to_string());
        self.send(req, Some(token)).await.map(|_| ())
    }

    /// `DELETE {base}/clusters/TOKEN/ADDR` (flotilla's extension): the address leaves at once
    /// instead of when its TTL runs out.
    pub async fn deregister(&self, token: &str, a: &Addr) -> Result<()> {
        let url = format!("{}/clusters/{token}/{a}", self.base);
        self.send(self.http.delete(url), Some(token))
            .await
            .map(|_| ())
    }

    /// `GET {base}/clusters/TOKEN`: the live members; an entry that is not `host:port` fails the
    /// whole list.
    pub async fn list(&self, token: &str) -> Result<Vec<Addr>> {
        let (_, body) = self
            .send(
                self.http.get(format!("{}/clusters/{token}", self.base)),
                Some(token),
            )
            .await?;
        let items: Vec<String> =
            serde_json::from_str(&body).map_err(|e| DiscoveryError::Failed {
                url: self.url.clone(),
                message: format!("the token service at {} sent a bad list: {e}", self.base),
            })?;
        items
            .iter()
            .map(|s| {
                s.parse::<Addr>().map_err(|e| DiscoveryError::Failed {
                    url: self.url.clone(),
                    message: format!("the token service at {} listed {e}", self.base),
                })
            })
            .collect()
    }

    /// `DELETE {base}/clusters/TOKEN`, with the secret when there is one: the cluster and its
    /// members are gone.
    pub async fn delete(&self, token: &str) -> Result<()> {
        let url = format!("{}/clusters/{token}", self.base);
        self.send(self.authorized(self.http.delete(url)), Some(token))
            .await
            .map(|_| ())
    }
}

/// `token://` on a token service.
pub struct TokenBackend {
    token: String,
    client: Client,
}

impl TokenBackend {
    /// The cluster `token` on the service at `base` (see [`Client::new`]); no request is made
    /// here.
    pub fn new(url: &str, token: &str, base: &str, settings: &Settings) -> Result<Self> {
        Ok(TokenBackend {
            token: token.to_string(),
            client: Client::new(url, base, settings)?,
        })
    }
}

#[async_trait]
impl Discovery for TokenBackend {
    fn url(&self) -> &str {
        &self.client.url
    }

    async fn register(&self, a: &Addr, ttl: Option<Duration>) -> Result<()> {
        self.client.register(&self.token, a, ttl).await
    }

    async fn deregister(&self, a: &Addr) -> Result<()> {
        self.client.deregister(&self.token, a).await
    }

    async fn list(&self) -> Result<Vec<Addr>> {
        self.client.list(&self.token).await
    }
}
