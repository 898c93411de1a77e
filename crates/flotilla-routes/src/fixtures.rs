//! Containers for tests of the proxy's decisions (here and in `flotilla_core::proxy`): built by
//! hand, never from an engine. Compiled for this crate's tests and with the `fixtures` feature.

use std::net::IpAddr;

use crate::source::{ProxyContainer, PublishedPort};

fn ip(s: &str) -> IpAddr {
    s.parse().expect("test ip")
}

/// A running container on the data plane (`node-1`, local) with address `10.0.0.<n>`.
pub fn local(name: &str, n: u8, env: &[&str]) -> ProxyContainer {
    ProxyContainer {
        engine: "node-1".into(),
        engine_ip: Some(ip("192.168.1.1")),
        local: true,
        id: format!("id-{name}"),
        name: name.into(),
        running: true,
        env: env.iter().map(|s| s.to_string()).collect(),
        ip_address: Some(IpAddr::from([10, 0, 0, n])),
        network: Some("flotilla".into()),
        ..Default::default()
    }
}

/// A running container on another engine publishing `published` as (container, host) ports on 0.0.0.0.
pub fn remote(engine: &str, name: &str, env: &[&str], published: &[(u16, u16)]) -> ProxyContainer {
    ProxyContainer {
        engine: engine.into(),
        engine_ip: Some(ip(match engine {
            "node-2" => "192.168.1.2",
            _ => "192.168.1.3",
        })),
        local: false,
        id: format!("id-{name}"),
        name: name.into(),
        running: true,
        env: env.iter().map(|s| s.to_string()).collect(),
        published: published
            .iter()
            .map(|(c, h)| PublishedPort {
                container_port: *c,
                proto: "tcp".into(),
                host_ip: Some(ip("0.0.0.0")),
                host_port: *h,
            })
            .collect(),
        ip_address: Some(IpAddr::from([172, 17, 0, 2])),
        network: Some("bridge".into()),
        ..Default::default()
    }
}

/// Wildcard, regex, path + dest, https, multi-backend (local + remote), an empty upstream
/// (only backend unhealthy), a skipped container and a conflict warning.
pub fn rich_containers() -> Vec<ProxyContainer> {
    let mut sick = local("sick", 9, &["VIRTUAL_HOST=down.example.com"]);
    sick.health = Some("unhealthy".into());
    vec![
        local(
            "web-1",
            2,
            &["VIRTUAL_HOST=app.example.com,www.example.com"],
        ),
        remote(
            "node-2",
            "web-2",
            &["VIRTUAL_HOST=app.example.com"],
            &[(80, 32768)],
        ),
        remote(
            "node-3",
            "web-3",
            &["VIRTUAL_HOST=app.example.com", "VIRTUAL_PORT=8080"],
            &[(8080, 32800)],
        ),
        local(
            "api",
            3,
            &[
                "VIRTUAL_HOST=app.example.com",
                "VIRTUAL_PATH=/api/",
                "VIRTUAL_DEST=/",
                "VIRTUAL_PORT=3000",
            ],
        ),
        local("wild", 4, &["VIRTUAL_HOST=*.apps.example.com"]),
        local("tld", 5, &["VIRTUAL_HOST=example.*"]),
        local("re", 6, &["VIRTUAL_HOST=~^(?<name>[a-z]+)\\.nip\\.io$"]),
        local(
            "secure",
            7,
            &[
                "VIRTUAL_HOST=secure.example.com",
                "VIRTUAL_PROTO=https",
                "VIRTUAL_PORT=443",
            ],
        ),
        local(
            "secure-b",
            8,
            &[
                "VIRTUAL_HOST=secure.example.com",
                "VIRTUAL_PROTO=http",
                "VIRTUAL_PORT=443",
            ],
        ),
        local(
            "docs",
            10,
            &["VIRTUAL_HOST=docs.example.com", "VIRTUAL_PATH=/docs/"],
        ),
        sick,
        remote("node-2", "hidden", &["VIRTUAL_HOST=app.example.com"], &[]),
        local("broken", 11, &["VIRTUAL_HOST=bad host"]),
    ]
}
