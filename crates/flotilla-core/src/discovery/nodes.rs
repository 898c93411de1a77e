//! `nodes://a:2376,b:2376` (or a bare list): a fixed set of addresses, with
//! `[from:to]` ranges expanded when the URL is parsed. Nothing registers
//! here: the list is the membership.

use std::time::Duration;

use async_trait::async_trait;

use super::{Addr, Discovery, DiscoveryError, Result};

/// A `nodes://` list: [`Discovery::list`] gives the URL's addresses; registering and
/// deregistering are refused.
pub struct Nodes {
    url: String,
    addrs: Vec<Addr>,
}

impl Nodes {
    /// The addresses parsed from `url`, which errors name.
    pub fn new(url: &str, addrs: Vec<Addr>) -> Self {
        Nodes {
            url: url.to_string(),
            addrs,
        }
    }

    fn unsupported(&self, op: &'static str) -> DiscoveryError {
        DiscoveryError::Unsupported {
            url: self.url.clone(),
            op,
            why: "a nodes:// list is fixed; put the address in the URL instead".into(),
        }
    }
}

#[async_trait]
impl Discovery for Nodes {
    fn url(&self) -> &str {
        &self.url
    }

    async fn register(&self, _: &Addr, _: Option<Duration>) -> Result<()> {
        Err(self.unsupported("register"))
    }

    async fn deregister(&self, _: &Addr) -> Result<()> {
        Err(self.unsupported("deregister"))
    }

    async fn list(&self) -> Result<Vec<Addr>> {
        Ok(self.addrs.clone())
    }
}
