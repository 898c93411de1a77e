//! The JSON dockerd 20.10 (Engine API 1.41) answers, built from an engine's state. Field
//! names, nesting and null-versus-empty follow a real dockerd's answers (compared on the
//! testbed); values that describe a real host (paths, kernel) are plausible constants.

use serde_json::{Map, Value, json};

use crate::model::{Container, EngineState, Image, Published, Status};
use crate::timefmt::{human_duration, rfc3339};

pub const API_VERSION: &str = "1.41";
pub const MIN_API_VERSION: &str = "1.12";
/// Reported as the engine's version: dockerd 20.10's, marked as simulated.
pub const SERVER_VERSION: &str = "20.10.24-enginesim";
const KERNEL: &str = "6.1.0-enginesim";

fn secs(nanos: i64) -> i64 {
    nanos.div_euclid(1_000_000_000)
}

/// 172.17.x.y for the bridge address index.
fn ip_text(ip: u16) -> String {
    format!("172.17.{}.{}", ip >> 8, ip & 0xff)
}

fn mac_text(ip: u16) -> String {
    format!("02:42:ac:11:{:02x}:{:02x}", ip >> 8, ip & 0xff)
}

fn host_ips(p: &Published) -> Vec<String> {
    match p.host_ip {
        Some(ip) if !ip.is_unspecified() => vec![ip.to_string()],
        _ => vec!["0.0.0.0".into(), "::".into()],
    }
}

pub fn version() -> Value {
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        a => a,
    };
    json!({
        "Platform": {"Name": ""},
        "Components": [{
            "Name": "Engine",
            "Version": SERVER_VERSION,
            "Details": {
                "ApiVersion": API_VERSION,
                "Arch": arch,
                "BuildTime": "2026-01-01T00:00:00.000000000+00:00",
                "Experimental": "false",
                "GitCommit": "enginesim",
                "GoVersion": "go1.19.8",
                "KernelVersion": KERNEL,
                "MinAPIVersion": MIN_API_VERSION,
                "Os": "linux"
            }
        }],
        "Version": SERVER_VERSION,
        "ApiVersion": API_VERSION,
        "MinAPIVersion": MIN_API_VERSION,
        "GitCommit": "enginesim",
        "GoVersion": "go1.19.8",
        "Os": "linux",
        "Arch": arch,
        "KernelVersion": KERNEL,
        "BuildTime": "2026-01-01T00:00:00.000000000+00:00"
    })
}

pub fn info(e: &EngineState, now: i64) -> Value {
    let all = e.containers();
    let running = all.iter().filter(|c| c.running()).count();
    let f = &e.facts;
    json!({
        "ID": f.id,
        "Containers": all.len(),
        "ContainersRunning": running,
        "ContainersPaused": 0,
        "ContainersStopped": all.len() - running,
        "Images": e.images.len(),
        "Driver": "overlay2",
        "DriverStatus": [["Backing Filesystem", "extfs"], ["Supports d_type", "true"], ["Native Overlay Diff", "true"], ["userxattr", "false"]],
        "Plugins": {
            "Volume": ["local"],
            "Network": ["bridge", "host", "ipvlan", "macvlan", "null", "overlay"],
            "Authorization": null,
            "Log": ["awslogs", "fluentd", "gcplogs", "gelf", "journald", "json-file", "local", "logentries", "splunk", "syslog"]
        },
        "MemoryLimit": true,
        "SwapLimit": true,
        "KernelMemory": true,
        "KernelMemoryTCP": true,
        "CpuCfsPeriod": true,
        "CpuCfsQuota": true,
        "CPUShares": true,
        "CPUSet": true,
        "PidsLimit": true,
        "IPv4Forwarding": true,
        "BridgeNfIptables": true,
        "BridgeNfIp6tables": true,
        "Debug": false,
        "NFd": 24,
        "OomKillDisable": true,
        "NGoroutines": 34,
        "SystemTime": rfc3339(now),
        "LoggingDriver": "json-file",
        "CgroupDriver": "cgroupfs",
        "CgroupVersion": "1",
        "NEventsListener": 0,
        "KernelVersion": KERNEL,
        "OperatingSystem": "Debian GNU/Linux 12 (bookworm)",
        "OSVersion": "12",
        "OSType": "linux",
        "Architecture": std::env::consts::ARCH,
        "IndexServerAddress": "https://index.docker.io/v1/",
        "RegistryConfig": {
            "AllowNondistributableArtifactsCIDRs": [],
            "AllowNondistributableArtifactsHostnames": [],
            "InsecureRegistryCIDRs": ["127.0.0.0/8"],
            "IndexConfigs": {"docker.io": {"Name": "docker.io", "Mirrors": [], "Secure": true, "Official": true}},
            "Mirrors": []
        },
        "NCPU": f.ncpu,
        "MemTotal": f.mem_total,
        "GenericResources": null,
        "DockerRootDir": "/var/lib/docker",
        "HttpProxy": "",
        "HttpsProxy": "",
        "NoProxy": "",
        "Name": f.name,
        "Labels": f.labels,
        "ExperimentalBuild": false,
        "ServerVersion": SERVER_VERSION,
        "Runtimes": {"io.containerd.runc.v2": {"path": "runc"}, "io.containerd.runtime.v1.linux": {"path": "runc"}, "runc": {"path": "runc"}},
        "DefaultRuntime": "runc",
        "Swarm": {"NodeID": "", "NodeAddr": "", "LocalNodeState": "inactive", "ControlAvailable": false, "Error": "", "RemoteManagers": null},
        "LiveRestoreEnabled": false,
        "Isolation": "",
        "InitBinary": "docker-init",
        "ContainerdCommit": {"ID": "enginesim", "Expected": "enginesim"},
        "RuncCommit": {"ID": "enginesim", "Expected": "enginesim"},
        "InitCommit": {"ID": "", "Expected": ""},
        "SecurityOptions": ["name=seccomp,profile=default"],
        "Warnings": null
    })
}

fn command(c: &Container) -> String {
    if c.args.is_empty() {
        c.path.clone()
    } else {
        format!("{} {}", c.path, c.args.join(" "))
    }
}

/// The list's `Status` column text.
fn status_text(c: &Container, now: i64) -> String {
    match c.status {
        Status::Created => "Created".into(),
        Status::Running => format!("Up {}", human_duration(now - c.started_at)),
        Status::Exited => format!(
            "Exited ({}) {} ago",
            c.exit_code,
            human_duration(now - c.finished_at)
        ),
    }
}

fn endpoint(e: &EngineState, c: &Container) -> Value {
    let (network_id, gateway, ip, prefix, mac) = match c.ip {
        Some(ip) => (
            e.bridge().id.clone(),
            "172.17.0.1".to_string(),
            ip_text(ip),
            16,
            mac_text(ip),
        ),
        None => (
            String::new(),
            String::new(),
            String::new(),
            0,
            String::new(),
        ),
    };
    json!({
        "IPAMConfig": null,
        "Links": null,
        "Aliases": null,
        "NetworkID": network_id,
        "EndpointID": c.endpoint_id,
        "Gateway": gateway,
        "IPAddress": ip,
        "IPPrefixLen": prefix,
        "IPv6Gateway": "",
        "GlobalIPv6Address": "",
        "GlobalIPv6PrefixLen": 0,
        "MacAddress": mac,
        "DriverOpts": null
    })
}

/// The network a container is attached to, by the name dockerd shows.
fn network_name(c: &Container) -> &str {
    match c.spec.network_mode.as_str() {
        "default" => "bridge",
        other => other,
    }
}

fn networks(e: &EngineState, c: &Container) -> Value {
    let mut m = Map::new();
    m.insert(network_name(c).to_string(), endpoint(e, c));
    Value::Object(m)
}

/// `GET /containers/json` entry.
pub fn list_entry(e: &EngineState, c: &Container, now: i64) -> Value {
    let mut ports = Vec::new();
    if c.running() {
        for p in &c.published {
            for ip in host_ips(p) {
                ports.push(json!({"IP": ip, "PrivatePort": p.port.port, "PublicPort": p.host_port, "Type": p.port.proto.as_str()}));
            }
        }
        for x in &c.exposed {
            if !c.published.iter().any(|p| p.port == *x) {
                ports.push(json!({"PrivatePort": x.port, "Type": x.proto.as_str()}));
            }
        }
    }
    json!({
        "Id": c.id,
        "Names": [format!("/{}", c.name)],
        "Image": c.spec.image,
        "ImageID": e.images[c.image_index].id,
        "Command": command(c),
        "Created": secs(c.created),
        "Ports": ports,
        "Labels": c.labels,
        "State": c.status.as_str(),
        "Status": status_text(c, now),
        "HostConfig": {"NetworkMode": c.spec.network_mode},
        "NetworkSettings": {"Networks": networks(e, c)},
        "Mounts": []
    })
}

fn exposed_map(c: &Container) -> Value {
    if c.exposed.is_empty() {
        return Value::Null;
    }
    Value::Object(c.exposed.iter().map(|p| (p.key(), json!({}))).collect())
}

fn port_bindings(c: &Container) -> Value {
    let mut m = Map::new();
    for b in &c.spec.bindings {
        let entry = m.entry(b.port.key()).or_insert_with(|| json!([]));
        if let Value::Array(list) = entry {
            list.push(json!({"HostIp": b.host_ip, "HostPort": b.host_port}));
        }
    }
    Value::Object(m)
}

fn actual_ports(c: &Container) -> Value {
    let mut m = Map::new();
    if !c.running() {
        return Value::Object(m);
    }
    for x in &c.exposed {
        m.insert(x.key(), Value::Null);
    }
    for p in &c.published {
        let entry = m.entry(p.port.key()).or_insert(Value::Null);
        if entry.is_null() {
            *entry = json!([]);
        }
        if let Value::Array(list) = entry {
            for ip in host_ips(p) {
                list.push(json!({"HostIp": ip, "HostPort": p.host_port.to_string()}));
            }
        }
    }
    Value::Object(m)
}

/// Fields of `raw` over `base`, for echoing what a client sent (as dockerd stores it).
fn overlay(base: &mut Value, raw: Option<&Value>, skip: &[&str]) {
    if let (Value::Object(b), Some(Value::Object(r))) = (base, raw) {
        for (k, v) in r {
            if !skip.contains(&k.as_str()) {
                b.insert(k.clone(), v.clone());
            }
        }
    }
}

fn host_config(c: &Container) -> Value {
    let mut hc = json!({
        "Binds": null, "ContainerIDFile": "", "LogConfig": {"Type": "json-file", "Config": {}},
        "NetworkMode": "default", "PortBindings": {}, "RestartPolicy": {"Name": "no", "MaximumRetryCount": 0},
        "AutoRemove": false, "VolumeDriver": "", "VolumesFrom": null, "CapAdd": null, "CapDrop": null,
        "CgroupnsMode": "host", "Dns": [], "DnsOptions": [], "DnsSearch": [], "ExtraHosts": null,
        "GroupAdd": null, "IpcMode": "private", "Cgroup": "", "Links": null, "OomScoreAdj": 0,
        "PidMode": "", "Privileged": false, "PublishAllPorts": false, "ReadonlyRootfs": false,
        "SecurityOpt": null, "UTSMode": "", "UsernsMode": "", "ShmSize": 67108864, "Runtime": "runc",
        "ConsoleSize": [0, 0], "Isolation": "", "CpuShares": 0, "Memory": 0, "NanoCpus": 0,
        "CgroupParent": "", "BlkioWeight": 0, "BlkioWeightDevice": [], "BlkioDeviceReadBps": [],
        "BlkioDeviceWriteBps": [], "BlkioDeviceReadIOps": [], "BlkioDeviceWriteIOps": [],
        "CpuPeriod": 0, "CpuQuota": 0, "CpuRealtimePeriod": 0, "CpuRealtimeRuntime": 0,
        "CpusetCpus": "", "CpusetMems": "", "Devices": [], "DeviceCgroupRules": null,
        "DeviceRequests": null, "KernelMemory": 0, "KernelMemoryTCP": 0, "MemoryReservation": 0,
        "MemorySwap": 0, "MemorySwappiness": null, "OomKillDisable": false, "PidsLimit": null,
        "Ulimits": [], "CpuCount": 0, "CpuPercent": 0, "IOMaximumIOps": 0, "IOMaximumBandwidth": 0,
        "MaskedPaths": ["/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware"],
        "ReadonlyPaths": ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]
    });
    overlay(&mut hc, c.spec.raw_host_config.as_deref(), &[]);
    let s = &c.spec;
    hc["NetworkMode"] = json!(s.network_mode);
    hc["PortBindings"] = port_bindings(c);
    hc["PublishAllPorts"] = json!(s.publish_all);
    hc["Memory"] = json!(s.memory);
    hc["NanoCpus"] = json!(s.nano_cpus);
    hc["CpuShares"] = json!(s.cpu_shares);
    hc["AutoRemove"] = json!(s.auto_remove);
    hc["RestartPolicy"]["Name"] = json!(s.restart_policy);
    hc
}

fn config(c: &Container) -> Value {
    let mut cfg = json!({
        "Hostname": "", "Domainname": "", "User": "", "AttachStdin": false, "AttachStdout": false,
        "AttachStderr": false, "Tty": false, "OpenStdin": false, "StdinOnce": false,
        "Volumes": null, "WorkingDir": "", "Entrypoint": null, "OnBuild": null
    });
    overlay(
        &mut cfg,
        c.spec.raw_config.as_deref(),
        &["HostConfig", "NetworkingConfig"],
    );
    if cfg["Hostname"].as_str().unwrap_or_default().is_empty() {
        cfg["Hostname"] = json!(&c.id[..12]);
    }
    cfg["ExposedPorts"] = exposed_map(c);
    cfg["Env"] = json!(c.env);
    cfg["Cmd"] = json!(c.cmd);
    cfg["Image"] = json!(c.spec.image);
    cfg["Entrypoint"] = json!(c.spec.entrypoint);
    cfg["Labels"] = json!(c.labels);
    cfg
}

/// `GET /containers/{id}/json`.
pub fn inspect(e: &EngineState, c: &Container) -> Value {
    let dir = format!("/var/lib/docker/containers/{}", c.id);
    let (ip, gateway, prefix, mac) = match c.ip {
        Some(ip) => (ip_text(ip), "172.17.0.1".to_string(), 16, mac_text(ip)),
        None => (String::new(), String::new(), 0, String::new()),
    };
    json!({
        "Id": c.id,
        "Created": rfc3339(c.created),
        "Path": c.path,
        "Args": c.args,
        "State": {
            "Status": c.status.as_str(),
            "Running": c.running(),
            "Paused": false,
            "Restarting": false,
            "OOMKilled": false,
            "Dead": false,
            "Pid": c.pid,
            "ExitCode": c.exit_code,
            "Error": c.error,
            "StartedAt": rfc3339(c.started_at),
            "FinishedAt": rfc3339(c.finished_at)
        },
        "Image": e.images[c.image_index].id,
        "ResolvConfPath": format!("{dir}/resolv.conf"),
        "HostnamePath": format!("{dir}/hostname"),
        "HostsPath": format!("{dir}/hosts"),
        "LogPath": format!("{dir}/{}-json.log", c.id),
        "Name": format!("/{}", c.name),
        "RestartCount": 0,
        "Driver": "overlay2",
        "Platform": "linux",
        "MountLabel": "",
        "ProcessLabel": "",
        "AppArmorProfile": "",
        "ExecIDs": null,
        "HostConfig": host_config(c),
        "GraphDriver": {"Data": null, "Name": "overlay2"},
        "Mounts": [],
        "Config": config(c),
        "NetworkSettings": {
            "Bridge": "",
            "SandboxID": if c.running() { c.endpoint_id.clone() } else { String::new() },
            "HairpinMode": false,
            "LinkLocalIPv6Address": "",
            "LinkLocalIPv6PrefixLen": 0,
            "Ports": actual_ports(c),
            "SandboxKey": if c.running() { format!("/var/run/docker/netns/{}", &c.endpoint_id[..12.min(c.endpoint_id.len())]) } else { String::new() },
            "SecondaryIPAddresses": null,
            "SecondaryIPv6Addresses": null,
            "EndpointID": c.endpoint_id,
            "Gateway": gateway,
            "GlobalIPv6Address": "",
            "GlobalIPv6PrefixLen": 0,
            "IPAddress": ip,
            "IPPrefixLen": prefix,
            "IPv6Gateway": "",
            "MacAddress": mac,
            "Networks": networks(e, c)
        }
    })
}

/// `GET /images/json` entry.
pub fn image_summary(i: &Image) -> Value {
    json!({
        "Containers": -1,
        "Created": secs(i.created),
        "Id": i.id,
        "Labels": null,
        "ParentId": "",
        "RepoDigests": null,
        "RepoTags": i.tags,
        "SharedSize": -1,
        "Size": i.size,
        "VirtualSize": i.size
    })
}

/// `GET /images/{name}/json`.
pub fn image_inspect(i: &Image) -> Value {
    let exposed: Value = if i.exposed.is_empty() {
        Value::Null
    } else {
        Value::Object(i.exposed.iter().map(|p| (p.key(), json!({}))).collect())
    };
    let config = json!({
        "Hostname": "", "Domainname": "", "User": "", "AttachStdin": false, "AttachStdout": false,
        "AttachStderr": false, "ExposedPorts": exposed, "Tty": false, "OpenStdin": false, "StdinOnce": false,
        "Env": i.env, "Cmd": i.cmd, "Image": "", "Volumes": null, "WorkingDir": "",
        "Entrypoint": null, "OnBuild": null, "Labels": null
    });
    json!({
        "Id": i.id,
        "RepoTags": i.tags,
        "RepoDigests": [],
        "Parent": "",
        "Comment": "",
        "Created": rfc3339(i.created),
        "Container": "",
        "ContainerConfig": config,
        "DockerVersion": SERVER_VERSION,
        "Author": "",
        "Config": config,
        "Architecture": "amd64",
        "Os": "linux",
        "Size": i.size,
        "VirtualSize": i.size,
        "GraphDriver": {"Data": null, "Name": "overlay2"},
        "RootFS": {"Type": "layers", "Layers": [i.id]},
        "Metadata": {"LastTagTime": "0001-01-01T00:00:00Z"}
    })
}

/// `GET /networks`.
pub fn networks_list(e: &EngineState) -> Value {
    Value::Array(
        e.networks
            .iter()
            .map(|n| {
                let (config, options) = if n.name == "bridge" {
                    (
                        json!([{"Subnet": "172.17.0.0/16", "Gateway": "172.17.0.1"}]),
                        json!({
                            "com.docker.network.bridge.default_bridge": "true",
                            "com.docker.network.bridge.enable_icc": "true",
                            "com.docker.network.bridge.enable_ip_masquerade": "true",
                            "com.docker.network.bridge.host_binding_ipv4": "0.0.0.0",
                            "com.docker.network.bridge.name": "docker0",
                            "com.docker.network.driver.mtu": "1500"
                        }),
                    )
                } else {
                    (json!([]), json!({}))
                };
                json!({
                    "Name": n.name,
                    "Id": n.id,
                    "Created": rfc3339(n.created),
                    "Scope": "local",
                    "Driver": n.driver,
                    "EnableIPv6": false,
                    "IPAM": {"Driver": "default", "Options": null, "Config": config},
                    "Internal": false,
                    "Attachable": false,
                    "Ingress": false,
                    "ConfigFrom": {"Network": ""},
                    "ConfigOnly": false,
                    "Containers": {},
                    "Options": options,
                    "Labels": {}
                })
            })
            .collect(),
    )
}

/// `GET /volumes`.
pub fn volumes_list(e: &EngineState) -> Value {
    let created = e.networks.first().map(|n| n.created).unwrap_or(0);
    json!({
        "Volumes": e.volumes.iter().map(|v| json!({
            "CreatedAt": rfc3339(created),
            "Driver": "local",
            "Labels": null,
            "Mountpoint": format!("/var/lib/docker/volumes/{v}/_data"),
            "Name": v,
            "Options": null,
            "Scope": "local"
        })).collect::<Vec<_>>(),
        "Warnings": null
    })
}
