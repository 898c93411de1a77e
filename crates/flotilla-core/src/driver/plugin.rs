//! Driver plugins: an executable `flotilla-driver-<name>` on `PATH` that
//! speaks a versioned JSON-lines protocol over stdin/stdout (documented in
//! `docs/driver-plugins.md`).
//!
//! docker-machine ran every driver as a Go net/rpc server on a loopback
//! port with a heartbeat; a pipe needs neither a port nor a heartbeat (the
//! plugin sees EOF when flotilla exits) and any language can speak it.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt};
use tokio::sync::Mutex;

use super::{Driver, DriverContext, DriverError, State};
use crate::remote::{RemoteTarget, SshTarget};

/// Protocol versions this build speaks.
pub const VERSIONS: &[u32] = &[1];
/// How long a plugin may take to answer one request.
const CALL_TIMEOUT: Duration = Duration::from_secs(600);
/// How long the handshake may take.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// The executable a plugin for `driver` must be called: `flotilla-driver-<driver>`.
pub fn binary_name(driver: &str) -> String {
    format!("flotilla-driver-{driver}")
}

/// The plugin's executable on `PATH`.
pub fn find(driver: &str) -> Option<PathBuf> {
    if driver.is_empty()
        || !driver
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return None;
    }
    let name = binary_name(driver);
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(&name))
        .find(|p| is_executable(p))
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// A create flag a plugin declares.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlagSpec {
    /// Without the leading dashes; must start with `<driver>-`.
    pub name: String,
    /// `string`, `int`, `bool` or `list` (repeatable string).
    #[serde(default = "default_kind")]
    pub kind: String,
    /// The flag's help text.
    #[serde(default)]
    pub usage: String,
    /// The value when the flag is not given (ignored for `bool`, which defaults to false);
    /// `None`: the plugin receives `null`.
    #[serde(default)]
    pub default: Option<Value>,
    /// An environment variable the flag's value is read from when the flag is not given.
    #[serde(default)]
    pub env: Option<String>,
}

fn default_kind() -> String {
    "string".into()
}

/// What `describe` returns.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Description {
    /// The plugin's create flags, added to `create`'s command line.
    #[serde(default)]
    pub flags: Vec<FlagSpec>,
}

#[derive(Debug, Deserialize)]
struct Response {
    #[serde(default)]
    id: Option<u64>,
    #[serde(default)]
    result: Option<Value>,
    #[serde(default)]
    error: Option<PluginErr>,
    #[serde(default)]
    log: Option<String>,
}

#[derive(Debug, Deserialize)]
struct PluginErr {
    message: String,
    #[serde(default)]
    kind: String,
}

fn to_driver_error(driver: &str, e: PluginErr) -> DriverError {
    match e.kind.as_str() {
        "precreate" => DriverError::PreCreate(e.message),
        "not_running" => DriverError::NotRunning,
        _ => DriverError::Failed(format!("plugin {driver}: {}", e.message)),
    }
}

fn handshake_request() -> String {
    json!({"id": 0, "method": "handshake", "params": {"versions": VERSIONS, "client": concat!("flotilla ", env!("CARGO_PKG_VERSION"))}})
        .to_string()
}

fn check_handshake(driver: &str, r: Response) -> Result<u32, DriverError> {
    if let Some(e) = r.error {
        return Err(DriverError::Failed(format!(
            "plugin {driver} refused the handshake: {}",
            e.message
        )));
    }
    let v = r
        .result
        .as_ref()
        .and_then(|v| v.get("version"))
        .and_then(Value::as_u64)
        .unwrap_or(0) as u32;
    if !VERSIONS.contains(&v) {
        return Err(DriverError::Failed(format!(
            "plugin {driver} speaks protocol version {v}; this flotilla speaks {VERSIONS:?}"
        )));
    }
    Ok(v)
}

/// Asks a plugin for its flags, synchronously (used while parsing the
/// command line, before the async runtime exists).
pub fn describe_blocking(driver: &str, path: &Path) -> Result<Description, DriverError> {
    let fail = |m: String| DriverError::Failed(format!("plugin {driver}: {m}"));
    let mut child = std::process::Command::new(path)
        .env("FLOTILLA_DRIVER_PLUGIN", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| fail(format!("cannot start {}: {e}", path.display())))?;
    let result = (|| {
        let mut stdin = child.stdin.take().ok_or_else(|| fail("no stdin".into()))?;
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| fail("no stdout".into()))?;
        let mut lines = BufReader::new(stdout).lines();
        let mut read = |id: u64| -> Result<Response, DriverError> {
            for line in lines.by_ref() {
                let line = line.map_err(|e| fail(e.to_string()))?;
                if line.trim().is_empty() {
                    continue;
                }
                let r: Response = serde_json::from_str(&line)
                    .map_err(|e| fail(format!("bad message {line:?}: {e}")))?;
                if r.log.is_some() && r.id.is_none() {
                    continue;
                }
                if r.id == Some(id) {
                    return Ok(r);
                }
            }
            Err(fail("exited before answering".into()))
        };
        writeln!(stdin, "{}", handshake_request()).map_err(|e| fail(e.to_string()))?;
        check_handshake(driver, read(0)?)?;
        writeln!(
            stdin,
            "{}",
            json!({"id": 1, "method": "describe", "params": {}})
        )
        .map_err(|e| fail(e.to_string()))?;
        let r = read(1)?;
        if let Some(e) = r.error {
            return Err(to_driver_error(driver, e));
        }
        let d: Description = serde_json::from_value(r.result.unwrap_or(Value::Null))
            .map_err(|e| fail(format!("bad describe answer: {e}")))?;
        for f in &d.flags {
            if !f.name.starts_with(&format!("{driver}-")) {
                return Err(fail(format!(
                    "flag --{} must start with --{driver}- so it cannot clash with flotilla's",
                    f.name
                )));
            }
        }
        drop(stdin);
        Ok(d)
    })();
    let _ = child.kill();
    let _ = child.wait();
    result
}

struct Proc {
    child: tokio::process::Child,
    stdin: tokio::process::ChildStdin,
    lines: tokio::io::Lines<tokio::io::BufReader<tokio::process::ChildStdout>>,
    next_id: u64,
}

/// The stored configuration: the plugin's own, plus what flotilla keeps.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Stored {
    /// The plugin's configuration, opaque to flotilla.
    #[serde(default)]
    plugin_config: Value,
    /// Whether the machine is provisioned (the plugin gave SSH details).
    #[serde(default)]
    provisions: bool,
    #[serde(default)]
    protocol_version: u32,
}

/// A driver served by a plugin process, started on the first call and killed when the driver
/// is dropped; its stored configuration is the plugin's own, opaque to flotilla.
pub struct PluginDriver {
    name: &'static str,
    path: PathBuf,
    flags: BTreeMap<String, Value>,
    stored: Stored,
    ctx: DriverContext,
    proc: Mutex<Option<Proc>>,
}

impl PluginDriver {
    /// For `create`, with the values of the plugin's flags by flag name.
    pub fn for_create(
        name: &str,
        path: PathBuf,
        flags: BTreeMap<String, Value>,
        ctx: DriverContext,
    ) -> Self {
        PluginDriver {
            // Driver names live for the whole process; leaking one short
            // string per plugin driver keeps `Driver::name` a `&'static str`.
            name: Box::leak(name.to_string().into_boxed_str()),
            path,
            flags,
            stored: Stored::default(),
            ctx,
            proc: Mutex::new(None),
        }
    }

    /// From the stored `Driver` object; one that does not parse is taken as empty.
    pub fn load(name: &str, path: PathBuf, config: Value, ctx: DriverContext) -> Self {
        let stored: Stored = serde_json::from_value(config).unwrap_or_default();
        let mut d = Self::for_create(name, path, BTreeMap::new(), ctx);
        d.stored = stored;
        d
    }

    async fn spawn(&self) -> Result<Proc, DriverError> {
        let fail = |m: String| DriverError::Failed(format!("plugin {}: {m}", self.name));
        let mut child = tokio::process::Command::new(&self.path)
            .env("FLOTILLA_DRIVER_PLUGIN", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| fail(format!("cannot start {}: {e}", self.path.display())))?;
        let stdin = child.stdin.take().ok_or_else(|| fail("no stdin".into()))?;
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| fail("no stdout".into()))?;
        if let Some(stderr) = child.stderr.take() {
            let machine = self.ctx.machine_name.clone();
            tokio::spawn(async move {
                let mut l = tokio::io::BufReader::new(stderr).lines();
                while let Ok(Some(line)) = l.next_line().await {
                    tracing::debug!("({machine}) plugin: {line}");
                }
            });
        }
        let mut p = Proc {
            child,
            stdin,
            lines: tokio::io::BufReader::new(stdout).lines(),
            next_id: 1,
        };
        let r = tokio::time::timeout(HANDSHAKE_TIMEOUT, async {
            p.stdin
                .write_all(format!("{}\n", handshake_request()).as_bytes())
                .await
                .map_err(|e| fail(e.to_string()))?;
            read_response(&mut p, 0, self.name, &self.ctx.machine_name).await
        })
        .await
        .map_err(|_| fail("no handshake answer within 10s".into()))??;
        check_handshake(self.name, r)?;
        Ok(p)
    }

    /// One request/response exchange, starting the plugin on first use.
    async fn call(&self, method: &str, mut params: Value) -> Result<Value, DriverError> {
        let mut guard = self.proc.lock().await;
        if guard.is_none() {
            *guard = Some(self.spawn().await?);
        }
        let Some(p) = guard.as_mut() else {
            return Err(DriverError::Failed("plugin did not start".into()));
        };
        if let Value::Object(o) = &mut params {
            o.insert(
                "machine".into(),
                json!({
                    "name": self.ctx.machine_name,
                    "dir": self.ctx.machine_dir,
                    "store": self.ctx.store_root,
                }),
            );
            o.insert("config".into(), self.stored.plugin_config.clone());
        }
        let id = p.next_id;
        p.next_id += 1;
        let req = json!({"id": id, "method": method, "params": params});
        let name = self.name;
        let machine = self.ctx.machine_name.clone();
        let r = tokio::time::timeout(CALL_TIMEOUT, async {
            p.stdin
                .write_all(format!("{req}\n").as_bytes())
                .await
                .map_err(|e| DriverError::Failed(format!("plugin {name}: {e}")))?;
            read_response(p, id, name, &machine).await
        })
        .await
        .map_err(|_| DriverError::Failed(format!("plugin {name}: {method} timed out")))??;
        if let Some(e) = r.error {
            return Err(to_driver_error(name, e));
        }
        Ok(r.result.unwrap_or(Value::Null))
    }

    /// Applies a `{"config": …}` answer.
    fn take_config(&mut self, v: &Value) {
        if let Some(c) = v.get("config")
            && !c.is_null()
        {
            self.stored.plugin_config = c.clone();
        }
    }
}

async fn read_response(
    p: &mut Proc,
    id: u64,
    name: &str,
    machine: &str,
) -> Result<Response, DriverError> {
    loop {
        let line = p
            .lines
            .next_line()
            .await
            .map_err(|e| DriverError::Failed(format!("plugin {name}: {e}")))?
            .ok_or_else(|| DriverError::Failed(format!("plugin {name} exited unexpectedly")))?;
        if line.trim().is_empty() {
            continue;
        }
        let r: Response = serde_json::from_str(&line).map_err(|e| {
            DriverError::Failed(format!("plugin {name} sent a bad message {line:?}: {e}"))
        })?;
        if r.id.is_none() {
            if let Some(l) = &r.log {
                tracing::info!("({machine}) {l}");
            }
            continue;
        }
        if r.id == Some(id) {
            return Ok(r);
        }
    }
}

impl Drop for PluginDriver {
    fn drop(&mut self) {
        if let Some(p) = self.proc.get_mut().as_mut() {
            let _ = p.child.start_kill();
        }
    }
}

#[async_trait]
impl Driver for PluginDriver {
    fn name(&self) -> &'static str {
        self.name
    }

    fn config(&self) -> Value {
        serde_json::to_value(&self.stored).unwrap_or(Value::Null)
    }

    async fn pre_create_check(&self) -> Result<(), DriverError> {
        let flags = serde_json::to_value(&self.flags).unwrap_or(Value::Null);
        match self
            .call("pre_create_check", json!({ "flags": flags }))
            .await
        {
            Ok(_) => Ok(()),
            Err(DriverError::PreCreate(m)) => Err(DriverError::PreCreate(m)),
            Err(e) => Err(DriverError::PreCreate(e.to_string())),
        }
    }

    async fn create(&mut self) -> Result<(), DriverError> {
        let flags = serde_json::to_value(&self.flags).unwrap_or(Value::Null);
        let r = self.call("create", json!({ "flags": flags })).await?;
        self.take_config(&r);
        self.stored.protocol_version = VERSIONS[VERSIONS.len() - 1];
        let ssh = self.call("ssh", json!({})).await?;
        self.stored.provisions = !ssh.is_null();
        Ok(())
    }

    async fn state(&self) -> Result<State, DriverError> {
        let r = self.call("state", json!({})).await?;
        Ok(match r.get("state").and_then(Value::as_str).unwrap_or("") {
            "Running" => State::Running,
            "Paused" => State::Paused,
            "Saved" => State::Saved,
            "Stopped" => State::Stopped,
            "Stopping" => State::Stopping,
            "Starting" => State::Starting,
            "Error" => State::Error,
            _ => State::None,
        })
    }

    async fn ip(&self) -> Result<String, DriverError> {
        let r = self.call("ip", json!({})).await?;
        Ok(r.get("ip")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string())
    }

    async fn url(&self) -> Result<String, DriverError> {
        let r = self.call("url", json!({})).await?;
        Ok(r.get("url")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string())
    }

    async fn start(&mut self) -> Result<(), DriverError> {
        let r = self.call("start", json!({})).await?;
        self.take_config(&r);
        Ok(())
    }

    async fn stop(&mut self) -> Result<(), DriverError> {
        let r = self.call("stop", json!({})).await?;
        self.take_config(&r);
        Ok(())
    }

    async fn restart(&mut self) -> Result<(), DriverError> {
        let r = self.call("restart", json!({})).await?;
        self.take_config(&r);
        Ok(())
    }

    async fn kill(&mut self) -> Result<(), DriverError> {
        let r = self.call("kill", json!({})).await?;
        self.take_config(&r);
        Ok(())
    }

    async fn remove(&mut self) -> Result<(), DriverError> {
        self.call("remove", json!({})).await?;
        Ok(())
    }

    async fn remote(&self) -> Result<RemoteTarget, DriverError> {
        let r = self.call("ssh", json!({})).await?;
        if r.is_null() {
            return Err(self.unsupported("ssh"));
        }
        let s = |k: &str| r.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        let key = s("key");
        Ok(RemoteTarget::Ssh(SshTarget {
            host: s("host"),
            port: r.get("port").and_then(Value::as_u64).unwrap_or(22) as u16,
            user: if s("user").is_empty() {
                "root".into()
            } else {
                s("user")
            },
            key: (!key.is_empty()).then(|| self.ctx.machine_dir.join(key)),
            known_hosts: self.ctx.machine_dir.join("known_hosts"),
        }))
    }

    fn provisions(&self) -> bool {
        self.stored.provisions
    }

    fn url_implies_running(&self) -> bool {
        false
    }
}
