//! The seed post's two pieces in one small program, so `scripts/demo` needs no registry:
//!
//! * `seed-app store [--port 6379] [--data FILE]`: a key-value store speaking a subset of the
//!   Redis protocol (RESP: `PING`, `GET`, `SET`, `INCR`, `QUIT`). With `--data` every change is
//!   written to a file (a volume), so the count survives a restart of the container.
//! * `seed-app counter [--port 80]`: the counter web page. Each `GET` increments `hits` in the
//!   store named by `$STORE` (`HOST:PORT`, e.g. `redis:6379`, a `--link` alias) and answers
//!   `NAME: N hits (store HOST:PORT)`, where NAME is `$NAME` or the container's hostname.
//!
//! Standard library only: one thread per connection, small enough for a `FROM scratch` image.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

fn arg(args: &[String], flag: &str) -> Option<String> {
    args.iter()
        .position(|a| a == flag)
        .and_then(|i| args.get(i + 1).cloned())
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let result = match args.get(1).map(String::as_str) {
        Some("store") => store(
            arg(&args, "--port").unwrap_or_else(|| "6379".into()),
            arg(&args, "--data"),
        ),
        Some("counter") => counter(arg(&args, "--port").unwrap_or_else(|| "80".into())),
        _ => Err("usage: seed-app store [--port 6379] [--data FILE] | counter [--port 80]".into()),
    };
    if let Err(e) = result {
        eprintln!("seed-app: {e}");
        std::process::exit(1);
    }
}

type Data = Arc<Mutex<HashMap<String, String>>>;

/// Reads one RESP array of bulk strings (`*N\r\n$len\r\nword\r\n…`), or an inline command.
fn read_command(r: &mut impl BufRead) -> std::io::Result<Option<Vec<String>>> {
    let mut line = String::new();
    if r.read_line(&mut line)? == 0 {
        return Ok(None);
    }
    let line = line.trim_end();
    let Some(n) = line.strip_prefix('*') else {
        return Ok(Some(line.split_whitespace().map(String::from).collect()));
    };
    let n: usize = n
        .parse()
        .map_err(|_| std::io::Error::other("bad array length"))?;
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let mut len = String::new();
        r.read_line(&mut len)?;
        let len: usize = len
            .trim_end()
            .strip_prefix('$')
            .and_then(|l| l.parse().ok())
            .ok_or_else(|| std::io::Error::other("bad bulk length"))?;
        let mut buf = vec![0u8; len + 2];
        r.read_exact(&mut buf)?;
        buf.truncate(len);
        out.push(String::from_utf8_lossy(&buf).into_owned());
    }
    Ok(Some(out))
}

fn bulk(v: Option<&String>) -> String {
    match v {
        Some(s) => format!("${}\r\n{s}\r\n", s.len()),
        None => "$-1\r\n".into(),
    }
}

fn save(path: &Option<String>, data: &HashMap<String, String>) {
    let Some(p) = path else { return };
    let text: String = data.iter().map(|(k, v)| format!("{k}\t{v}\n")).collect();
    let tmp = format!("{p}.tmp");
    if std::fs::write(&tmp, text).is_ok() {
        let _ = std::fs::rename(&tmp, p);
    }
}

fn store(port: String, data_file: Option<String>) -> Result<(), String> {
    let mut initial = HashMap::new();
    if let Some(p) = &data_file
        && let Ok(text) = std::fs::read_to_string(p)
    {
        for line in text.lines() {
            if let Some((k, v)) = line.split_once('\t') {
                initial.insert(k.to_string(), v.to_string());
            }
        }
    }
    let data: Data = Arc::new(Mutex::new(initial));
    let listener = TcpListener::bind(format!("0.0.0.0:{port}")).map_err(|e| e.to_string())?;
    eprintln!("seed-app store listening on :{port}");
    for conn in listener.incoming().flatten() {
        let data = data.clone();
        let file = data_file.clone();
        std::thread::spawn(move || {
            let mut w = match conn.try_clone() {
                Ok(w) => w,
                Err(_) => return,
            };
            let mut r = BufReader::new(conn);
            while let Ok(Some(cmd)) = read_command(&mut r) {
                let Ok(mut d) = data.lock() else { return };
                let reply = match cmd.first().map(|c| c.to_ascii_uppercase()).as_deref() {
                    Some("PING") => "+PONG\r\n".to_string(),
                    Some("GET") if cmd.len() == 2 => bulk(d.get(&cmd[1])),
                    Some("SET") if cmd.len() == 3 => {
                        d.insert(cmd[1].clone(), cmd[2].clone());
                        save(&file, &d);
                        "+OK\r\n".into()
                    }
                    Some("INCR") if cmd.len() == 2 => {
                        let n = d.get(&cmd[1]).map(|v| v.parse::<i64>()).unwrap_or(Ok(0));
                        match n {
                            Ok(n) => {
                                d.insert(cmd[1].clone(), (n + 1).to_string());
                                save(&file, &d);
                                format!(":{}\r\n", n + 1)
                            }
                            Err(_) => "-ERR value is not an integer\r\n".into(),
                        }
                    }
                    Some("QUIT") => {
                        let _ = w.write_all(b"+OK\r\n");
                        return;
                    }
                    _ => "-ERR unknown command\r\n".into(),
                };
                drop(d);
                if w.write_all(reply.as_bytes()).is_err() {
                    return;
                }
            }
        });
    }
    Ok(())
}

/// `INCR hits` on the store; the new count.
fn incr(store: &str) -> Result<i64, String> {
    let mut s =
        TcpStream::connect(store).map_err(|e| format!("cannot reach the store {store}: {e}"))?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok();
    s.write_all(b"*2\r\n$4\r\nINCR\r\n$4\r\nhits\r\n")
        .map_err(|e| e.to_string())?;
    let mut line = String::new();
    BufReader::new(s)
        .read_line(&mut line)
        .map_err(|e| e.to_string())?;
    line.trim_end()
        .strip_prefix(':')
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| format!("the store answered {:?}", line.trim_end()))
}

fn counter(port: String) -> Result<(), String> {
    let store = std::env::var("STORE").unwrap_or_else(|_| "redis:6379".into());
    let name = std::env::var("NAME")
        .or_else(|_| std::fs::read_to_string("/etc/hostname").map(|h| h.trim().to_string()))
        .unwrap_or_else(|_| "counter".into());
    let listener = TcpListener::bind(format!("0.0.0.0:{port}")).map_err(|e| e.to_string())?;
    eprintln!("seed-app counter listening on :{port}, store {store}");
    for conn in listener.incoming().flatten() {
        let store = store.clone();
        let name = name.clone();
        std::thread::spawn(move || {
            let mut w = match conn.try_clone() {
                Ok(w) => w,
                Err(_) => return,
            };
            let mut r = BufReader::new(conn);
            let mut request = String::new();
            if r.read_line(&mut request).is_err() {
                return;
            }
            // The rest of the head.
            loop {
                let mut h = String::new();
                match r.read_line(&mut h) {
                    Ok(0) | Err(_) => break,
                    Ok(_) if h == "\r\n" || h == "\n" => break,
                    Ok(_) => {}
                }
            }
            let (status, body) = if request.starts_with("GET ") {
                match incr(&store) {
                    Ok(n) => ("200 OK", format!("{name}: {n} hits (store {store})\n")),
                    Err(e) => ("503 Service Unavailable", format!("{name}: {e}\n")),
                }
            } else {
                ("405 Method Not Allowed", "GET only\n".to_string())
            };
            let _ = write!(
                w,
                "HTTP/1.1 {status}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        });
    }
    Ok(())
}
