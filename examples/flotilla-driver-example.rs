//! An example flotilla driver plugin (protocol version 1, see
//! `docs/driver-plugins.md`). Install it on `PATH` as
//! `flotilla-driver-example`, then `flotilla create -d example …`.
//!
//! It manages "machines" that already exist: either an engine URL to adopt
//! (`--example-url`), or an SSH host that flotilla provisions
//! (`--example-ssh-host`, like the generic driver). Its power state lives in
//! a file in the machine directory, so start/stop/kill work.

use std::io::{BufRead, Write};
use std::path::PathBuf;

use serde_json::{Value, json};

fn main() {
    if std::env::var_os("FLOTILLA_DRIVER_PLUGIN").is_none() {
        eprintln!("this is a flotilla driver plugin; run it through `flotilla create -d example`");
        std::process::exit(1);
    }
    let stdin = std::io::stdin();
    let mut out = std::io::stdout();
    for line in stdin.lock().lines() {
        let Ok(line) = line else { break };
        if line.trim().is_empty() {
            continue;
        }
        let req: Value = match serde_json::from_str(&line) {
            Ok(v) => v,
            Err(e) => {
                eprintln!("bad request: {e}");
                continue;
            }
        };
        let id = req.get("id").cloned().unwrap_or(Value::Null);
        let method = req.get("method").and_then(Value::as_str).unwrap_or("");
        let params = req.get("params").cloned().unwrap_or(json!({}));
        let reply = match handle(method, &params, &mut out) {
            Ok(result) => json!({"id": id, "result": result}),
            Err((kind, message)) => json!({"id": id, "error": {"kind": kind, "message": message}}),
        };
        let _ = writeln!(out, "{reply}");
        let _ = out.flush();
    }
}

type Res = Result<Value, (&'static str, String)>;

fn failed(m: impl Into<String>) -> (&'static str, String) {
    ("failed", m.into())
}

fn machine_dir(p: &Value) -> PathBuf {
    PathBuf::from(p["machine"]["dir"].as_str().unwrap_or("."))
}

fn state_file(p: &Value) -> PathBuf {
    machine_dir(p).join("example-state")
}

fn set_state(p: &Value, s: &str) -> Res {
    std::fs::write(state_file(p), s).map_err(|e| failed(format!("writing the state: {e}")))?;
    Ok(json!({}))
}

fn cfg<'a>(p: &'a Value, k: &str) -> &'a str {
    p["config"][k].as_str().unwrap_or("")
}

fn handle(method: &str, p: &Value, out: &mut impl Write) -> Res {
    match method {
        "handshake" => {
            let ok = p["versions"]
                .as_array()
                .is_some_and(|v| v.iter().any(|x| x.as_u64() == Some(1)));
            if !ok {
                return Err(failed("this plugin speaks protocol version 1 only"));
            }
            Ok(json!({"version": 1, "name": "example"}))
        }
        "describe" => Ok(json!({"flags": [
            {"name": "example-url", "kind": "string", "usage": "Engine URL to adopt (example driver)"},
            {"name": "example-ssh-host", "kind": "string", "usage": "SSH host to provision (example driver)"},
            {"name": "example-ssh-user", "kind": "string", "usage": "SSH user (example driver)", "default": "root"},
            {"name": "example-ssh-port", "kind": "int", "usage": "SSH port (example driver)", "default": 22},
            {"name": "example-ssh-key", "kind": "string", "usage": "SSH private key (example driver)"}
        ]})),
        "pre_create_check" => {
            let f = &p["flags"];
            if f["example-url"].is_null() && f["example-ssh-host"].is_null() {
                return Err((
                    "precreate",
                    "--example-url or --example-ssh-host is required".into(),
                ));
            }
            Ok(json!({}))
        }
        "create" => {
            let f = &p["flags"];
            let _ = writeln!(out, "{}", json!({"log": "creating the example machine"}));
            let mut key = String::new();
            if let Some(k) = f["example-ssh-key"].as_str() {
                let dst = machine_dir(p).join("id_example");
                std::fs::copy(k, &dst).map_err(|e| failed(format!("copying {k}: {e}")))?;
                use std::os::unix::fs::PermissionsExt;
                let _ = std::fs::set_permissions(&dst, std::fs::Permissions::from_mode(0o600));
                key = "id_example".into();
            }
            set_state(p, "Running")?;
            Ok(json!({"config": {
                "url": f["example-url"].as_str().unwrap_or(""),
                "ssh_host": f["example-ssh-host"].as_str().unwrap_or(""),
                "ssh_user": f["example-ssh-user"].as_str().unwrap_or("root"),
                "ssh_port": f["example-ssh-port"].as_i64().unwrap_or(22),
                "ssh_key": key,
            }}))
        }
        "state" => {
            let s = std::fs::read_to_string(state_file(p)).unwrap_or_else(|_| "Error".into());
            Ok(json!({"state": s.trim()}))
        }
        "ip" => {
            let host = cfg(p, "ssh_host");
            if !host.is_empty() {
                return Ok(json!({"ip": host}));
            }
            let url = cfg(p, "url");
            let ip = url
                .strip_prefix("tcp://")
                .and_then(|r| r.rsplit_once(':').map(|(h, _)| h.to_string()))
                .unwrap_or_else(|| "127.0.0.1".into());
            Ok(json!({"ip": ip}))
        }
        "url" => {
            let url = cfg(p, "url");
            if !url.is_empty() {
                return Ok(json!({"url": url}));
            }
            Ok(json!({"url": format!("tcp://{}:2376", cfg(p, "ssh_host"))}))
        }
        "start" | "restart" => set_state(p, "Running"),
        "stop" | "kill" => set_state(p, "Stopped"),
        "remove" => {
            let _ = std::fs::remove_file(state_file(p));
            Ok(json!({}))
        }
        "ssh" => {
            let host = cfg(p, "ssh_host");
            if host.is_empty() {
                return Ok(Value::Null);
            }
            Ok(json!({
                "host": host,
                "port": p["config"]["ssh_port"].as_u64().unwrap_or(22),
                "user": cfg(p, "ssh_user"),
                "key": cfg(p, "ssh_key"),
            }))
        }
        other => Err(("unsupported", format!("unknown method {other:?}"))),
    }
}
