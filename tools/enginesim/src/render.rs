//! The JSON dockerd 20.10 (Engine API 1.41) answers, built from an engine's state. Field
//! names, nesting and null-versus-empty follow a real dockerd's answers (compared on the
//! testbed); values that describe a real host (paths, kernel) are plausible constants.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::LazyLock;

use serde::Serialize;
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

/// The list's `Command`: dockerd quotes arguments that hold a space.
fn command(c: &Container) -> String {
    if c.args.is_empty() {
        return c.path.clone();
    }
    let args: Vec<String> = c
        .args
        .iter()
        .map(|a| {
            if a.contains(' ') {
                format!("'{a}'")
            } else {
                a.clone()
            }
        })
        .collect();
    format!("{} {}", c.path, args.join(" "))
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

// Containers are serialised from typed views (no intermediate JSON tree): the list and
// inspect answers are what a manager asks 30,000 times when it starts, and the simulator must
// cost next to nothing beside it.

/// `null` in the output.
type Null = Option<()>;

#[derive(Serialize)]
struct Endpoint<'a> {
    #[serde(rename = "IPAMConfig")]
    ipam_config: Null,
    #[serde(rename = "Links")]
    links: Null,
    #[serde(rename = "Aliases")]
    aliases: Null,
    #[serde(rename = "NetworkID")]
    network_id: &'a str,
    #[serde(rename = "EndpointID")]
    endpoint_id: &'a str,
    #[serde(rename = "Gateway")]
    gateway: &'a str,
    #[serde(rename = "IPAddress")]
    ip_address: String,
    #[serde(rename = "IPPrefixLen")]
    ip_prefix_len: u8,
    #[serde(rename = "IPv6Gateway")]
    ipv6_gateway: &'a str,
    #[serde(rename = "GlobalIPv6Address")]
    global_ipv6_address: &'a str,
    #[serde(rename = "GlobalIPv6PrefixLen")]
    global_ipv6_prefix_len: u8,
    #[serde(rename = "MacAddress")]
    mac_address: String,
    #[serde(rename = "DriverOpts")]
    driver_opts: Null,
}

fn endpoint<'a>(e: &'a EngineState, c: &'a Container) -> Endpoint<'a> {
    let on = c.ip.is_some();
    Endpoint {
        ipam_config: None,
        links: None,
        aliases: None,
        network_id: if on { &e.bridge().id } else { "" },
        endpoint_id: &c.endpoint_id,
        gateway: if on { "172.17.0.1" } else { "" },
        ip_address: c.ip.map(ip_text).unwrap_or_default(),
        ip_prefix_len: if on { 16 } else { 0 },
        ipv6_gateway: "",
        global_ipv6_address: "",
        global_ipv6_prefix_len: 0,
        mac_address: c.ip.map(mac_text).unwrap_or_default(),
        driver_opts: None,
    }
}

/// The network a container is attached to, by the name dockerd shows.
fn network_name(c: &Container) -> &str {
    match c.spec.network_mode.as_str() {
        "default" => "bridge",
        other => other,
    }
}

fn networks<'a>(e: &'a EngineState, c: &'a Container) -> BTreeMap<&'a str, Endpoint<'a>> {
    BTreeMap::from([(network_name(c), endpoint(e, c))])
}

#[derive(Serialize)]
struct ListPort {
    #[serde(rename = "IP", skip_serializing_if = "Option::is_none")]
    ip: Option<String>,
    #[serde(rename = "PrivatePort")]
    private_port: u16,
    #[serde(rename = "PublicPort", skip_serializing_if = "Option::is_none")]
    public_port: Option<u16>,
    #[serde(rename = "Type")]
    typ: &'static str,
}

#[derive(Serialize)]
struct NetworkModeOnly<'a> {
    #[serde(rename = "NetworkMode")]
    network_mode: &'a str,
}

#[derive(Serialize)]
struct NetworksOnly<'a> {
    #[serde(rename = "Networks")]
    networks: BTreeMap<&'a str, Endpoint<'a>>,
}

/// `GET /containers/json` entry.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListEntry<'a> {
    id: &'a str,
    names: [String; 1],
    image: &'a str,
    #[serde(rename = "ImageID")]
    image_id: &'a str,
    command: String,
    created: i64,
    ports: Vec<ListPort>,
    labels: &'a BTreeMap<String, String>,
    #[serde(rename = "SizeRootFs", skip_serializing_if = "Option::is_none")]
    size_root_fs: Option<i64>,
    state: &'static str,
    status: String,
    host_config: NetworkModeOnly<'a>,
    network_settings: NetworksOnly<'a>,
    mounts: [(); 0],
}

/// With `size`, the size `?size=1` asks for: the image's (`SizeRw` is left out, as dockerd
/// leaves out a zero).
pub fn list_entry<'a>(e: &'a EngineState, c: &'a Container, now: i64, size: bool) -> ListEntry<'a> {
    let mut ports = Vec::new();
    if c.running() {
        for p in &c.published {
            for ip in host_ips(p) {
                ports.push(ListPort {
                    ip: Some(ip),
                    private_port: p.port.port,
                    public_port: Some(p.host_port),
                    typ: p.port.proto.as_str(),
                });
            }
        }
        for x in &c.exposed {
            if !c.published.iter().any(|p| p.port == *x) {
                ports.push(ListPort {
                    ip: None,
                    private_port: x.port,
                    public_port: None,
                    typ: x.proto.as_str(),
                });
            }
        }
    }
    ListEntry {
        id: &c.id,
        names: [format!("/{}", c.name)],
        image: &c.spec.image,
        image_id: &e.images[c.image_index].id,
        command: command(c),
        created: secs(c.created),
        ports,
        labels: &c.labels,
        size_root_fs: size.then_some(e.images[c.image_index].size),
        state: c.status.as_str(),
        status: status_text(c, now),
        host_config: NetworkModeOnly {
            network_mode: &c.spec.network_mode,
        },
        network_settings: NetworksOnly {
            networks: networks(e, c),
        },
        mounts: [],
    }
}

fn exposed_map(ports: &[crate::model::PortSpec]) -> Option<BTreeMap<String, Map<String, Value>>> {
    (!ports.is_empty()).then(|| ports.iter().map(|p| (p.key(), Map::new())).collect())
}

#[derive(Serialize)]
struct HostBinding<'a> {
    #[serde(rename = "HostIp")]
    host_ip: std::borrow::Cow<'a, str>,
    #[serde(rename = "HostPort")]
    host_port: std::borrow::Cow<'a, str>,
}

fn port_bindings(c: &Container) -> BTreeMap<String, Vec<HostBinding<'_>>> {
    let mut m: BTreeMap<String, Vec<HostBinding<'_>>> = BTreeMap::new();
    for b in &c.spec.bindings {
        m.entry(b.port.key()).or_default().push(HostBinding {
            host_ip: b.host_ip.as_str().into(),
            host_port: b.host_port.as_str().into(),
        });
    }
    m
}

fn actual_ports(c: &Container) -> BTreeMap<String, Option<Vec<HostBinding<'static>>>> {
    let mut m: BTreeMap<String, Option<Vec<HostBinding<'static>>>> = BTreeMap::new();
    if !c.running() {
        return m;
    }
    for x in &c.exposed {
        m.insert(x.key(), None);
    }
    for p in &c.published {
        let list = m
            .entry(p.port.key())
            .or_insert(None)
            .get_or_insert_with(Vec::new);
        for ip in host_ips(p) {
            list.push(HostBinding {
                host_ip: ip.into(),
                host_port: p.host_port.to_string().into(),
            });
        }
    }
    m
}

/// `HostConfig` keys the model renders itself; the rest come from [`HOST_CONFIG_DEFAULTS`]
/// (or, for a container created through the API, from what the client sent).
const HOST_CONFIG_MODELLED: &[&str] = &[
    "NetworkMode",
    "PortBindings",
    "RestartPolicy",
    "AutoRemove",
    "PublishAllPorts",
    "Memory",
    "NanoCpus",
    "CpuShares",
];
/// `Config` keys the model renders itself, and the create body's keys that are not `Config`.
const CONFIG_MODELLED: &[&str] = &[
    "Hostname",
    "ExposedPorts",
    "Env",
    "Cmd",
    "Image",
    "Entrypoint",
    "Labels",
    "HostConfig",
    "NetworkingConfig",
];

/// dockerd 20.10's `HostConfig` for a plain `docker run` (from a real engine), minus the
/// modelled keys.
static HOST_CONFIG_DEFAULTS: LazyLock<Map<String, Value>> = LazyLock::new(|| {
    let v = json!({
        "Binds": null, "ContainerIDFile": "", "LogConfig": {"Type": "json-file", "Config": {}},
        "VolumeDriver": "", "VolumesFrom": null, "CapAdd": null, "CapDrop": null,
        "CgroupnsMode": "host", "Dns": [], "DnsOptions": [], "DnsSearch": [], "ExtraHosts": null,
        "GroupAdd": null, "IpcMode": "private", "Cgroup": "", "Links": null, "OomScoreAdj": 0,
        "PidMode": "", "Privileged": false, "ReadonlyRootfs": false,
        "SecurityOpt": null, "UTSMode": "", "UsernsMode": "", "ShmSize": 67108864, "Runtime": "runc",
        "ConsoleSize": [0, 0], "Isolation": "",
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
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
});

static CONFIG_DEFAULTS: LazyLock<Map<String, Value>> = LazyLock::new(|| {
    let v = json!({
        "Domainname": "", "User": "", "AttachStdin": false, "AttachStdout": false,
        "AttachStderr": false, "Tty": false, "OpenStdin": false, "StdinOnce": false,
        "Volumes": null, "WorkingDir": "", "OnBuild": null
    });
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
});

/// The defaults with what a client sent over them, the modelled keys left out.
fn merged<'a>(
    defaults: &'a Map<String, Value>,
    raw: Option<&Value>,
    skip: &[&str],
) -> Cow<'a, Map<String, Value>> {
    match raw {
        Some(Value::Object(r)) => {
            let mut m = defaults.clone();
            for (k, v) in r {
                if !skip.contains(&k.as_str()) {
                    m.insert(k.clone(), v.clone());
                }
            }
            Cow::Owned(m)
        }
        _ => Cow::Borrowed(defaults),
    }
}

#[derive(Serialize)]
struct RestartPolicy<'a> {
    #[serde(rename = "Name")]
    name: &'a str,
    #[serde(rename = "MaximumRetryCount")]
    maximum_retry_count: i64,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct HostConfigOut<'a> {
    network_mode: &'a str,
    port_bindings: BTreeMap<String, Vec<HostBinding<'a>>>,
    restart_policy: RestartPolicy<'a>,
    auto_remove: bool,
    publish_all_ports: bool,
    memory: i64,
    nano_cpus: i64,
    cpu_shares: i64,
    #[serde(flatten)]
    rest: Cow<'a, Map<String, Value>>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ConfigOut<'a> {
    hostname: Cow<'a, str>,
    /// Left out when empty (Go's `omitempty`).
    #[serde(skip_serializing_if = "Option::is_none")]
    exposed_ports: Option<BTreeMap<String, Map<String, Value>>>,
    env: &'a [String],
    cmd: &'a [String],
    image: &'a str,
    entrypoint: Option<&'a [String]>,
    labels: &'a BTreeMap<String, String>,
    #[serde(flatten)]
    rest: Cow<'a, Map<String, Value>>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct StateOut<'a> {
    status: &'static str,
    running: bool,
    paused: bool,
    restarting: bool,
    #[serde(rename = "OOMKilled")]
    oom_killed: bool,
    dead: bool,
    pid: u32,
    exit_code: i64,
    error: &'a str,
    started_at: String,
    finished_at: String,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct GraphData {
    lower_dir: String,
    merged_dir: String,
    upper_dir: String,
    work_dir: String,
}

#[derive(Serialize)]
struct GraphDriver {
    #[serde(rename = "Data")]
    data: GraphData,
    #[serde(rename = "Name")]
    name: &'static str,
}

/// overlay2's directories for a layer, as dockerd shows them.
fn graph_data(layer: &str, lower: &str) -> GraphData {
    let d = "/var/lib/docker/overlay2";
    GraphData {
        lower_dir: format!("{d}/{layer}-init/diff:{d}/{lower}/diff"),
        merged_dir: format!("{d}/{layer}/merged"),
        upper_dir: format!("{d}/{layer}/diff"),
        work_dir: format!("{d}/{layer}/work"),
    }
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct NetworkSettingsOut<'a> {
    bridge: &'static str,
    #[serde(rename = "SandboxID")]
    sandbox_id: &'a str,
    hairpin_mode: bool,
    #[serde(rename = "LinkLocalIPv6Address")]
    link_local_ipv6_address: &'static str,
    #[serde(rename = "LinkLocalIPv6PrefixLen")]
    link_local_ipv6_prefix_len: u8,
    ports: BTreeMap<String, Option<Vec<HostBinding<'static>>>>,
    sandbox_key: String,
    #[serde(rename = "SecondaryIPAddresses")]
    secondary_ip_addresses: Null,
    #[serde(rename = "SecondaryIPv6Addresses")]
    secondary_ipv6_addresses: Null,
    #[serde(rename = "EndpointID")]
    endpoint_id: &'a str,
    gateway: &'static str,
    #[serde(rename = "GlobalIPv6Address")]
    global_ipv6_address: &'static str,
    #[serde(rename = "GlobalIPv6PrefixLen")]
    global_ipv6_prefix_len: u8,
    #[serde(rename = "IPAddress")]
    ip_address: String,
    #[serde(rename = "IPPrefixLen")]
    ip_prefix_len: u8,
    #[serde(rename = "IPv6Gateway")]
    ipv6_gateway: &'static str,
    mac_address: String,
    networks: BTreeMap<&'a str, Endpoint<'a>>,
}

/// `GET /containers/{id}/json`.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Inspect<'a> {
    id: &'a str,
    created: String,
    path: &'a str,
    args: &'a [String],
    state: StateOut<'a>,
    image: &'a str,
    resolv_conf_path: String,
    hostname_path: String,
    hosts_path: String,
    log_path: String,
    name: String,
    restart_count: i64,
    driver: &'static str,
    platform: &'static str,
    mount_label: &'static str,
    process_label: &'static str,
    app_armor_profile: &'static str,
    #[serde(rename = "ExecIDs")]
    exec_ids: Null,
    host_config: HostConfigOut<'a>,
    graph_driver: GraphDriver,
    mounts: [(); 0],
    config: ConfigOut<'a>,
    network_settings: NetworkSettingsOut<'a>,
}

pub fn inspect<'a>(e: &'a EngineState, c: &'a Container) -> Inspect<'a> {
    let dir = format!("/var/lib/docker/containers/{}", c.id);
    let s = &c.spec;
    let raw_hostname = s
        .raw_config
        .as_deref()
        .and_then(|r| r.get("Hostname"))
        .and_then(Value::as_str)
        .filter(|h| !h.is_empty());
    let on = c.ip.is_some();
    Inspect {
        id: &c.id,
        created: rfc3339(c.created),
        path: &c.path,
        args: &c.args,
        state: StateOut {
            status: c.status.as_str(),
            running: c.running(),
            paused: false,
            restarting: false,
            oom_killed: false,
            dead: false,
            pid: c.pid,
            exit_code: c.exit_code,
            error: &c.error,
            started_at: rfc3339(c.started_at),
            finished_at: rfc3339(c.finished_at),
        },
        image: &e.images[c.image_index].id,
        resolv_conf_path: format!("{dir}/resolv.conf"),
        hostname_path: format!("{dir}/hostname"),
        hosts_path: format!("{dir}/hosts"),
        log_path: format!("{dir}/{}-json.log", c.id),
        name: format!("/{}", c.name),
        restart_count: 0,
        driver: "overlay2",
        platform: "linux",
        mount_label: "",
        process_label: "",
        app_armor_profile: "",
        exec_ids: None,
        host_config: HostConfigOut {
            network_mode: &s.network_mode,
            port_bindings: port_bindings(c),
            restart_policy: RestartPolicy {
                name: &s.restart_policy,
                maximum_retry_count: 0,
            },
            auto_remove: s.auto_remove,
            publish_all_ports: s.publish_all,
            memory: s.memory,
            nano_cpus: s.nano_cpus,
            cpu_shares: s.cpu_shares,
            rest: merged(
                &HOST_CONFIG_DEFAULTS,
                s.raw_host_config.as_deref(),
                HOST_CONFIG_MODELLED,
            ),
        },
        graph_driver: GraphDriver {
            data: graph_data(&c.id, &e.images[c.image_index].id["sha256:".len()..]),
            name: "overlay2",
        },
        mounts: [],
        config: ConfigOut {
            hostname: match raw_hostname {
                Some(h) => Cow::Borrowed(h),
                None => Cow::Borrowed(&c.id[..12.min(c.id.len())]),
            },
            exposed_ports: exposed_map(&c.exposed),
            env: &c.env,
            cmd: &c.cmd,
            image: &s.image,
            entrypoint: s.entrypoint.as_deref(),
            labels: &c.labels,
            rest: merged(&CONFIG_DEFAULTS, s.raw_config.as_deref(), CONFIG_MODELLED),
        },
        network_settings: NetworkSettingsOut {
            bridge: "",
            sandbox_id: if c.running() { &c.endpoint_id } else { "" },
            hairpin_mode: false,
            link_local_ipv6_address: "",
            link_local_ipv6_prefix_len: 0,
            ports: actual_ports(c),
            sandbox_key: if c.running() {
                format!(
                    "/var/run/docker/netns/{}",
                    &c.endpoint_id[..12.min(c.endpoint_id.len())]
                )
            } else {
                String::new()
            },
            secondary_ip_addresses: None,
            secondary_ipv6_addresses: None,
            endpoint_id: &c.endpoint_id,
            gateway: if on { "172.17.0.1" } else { "" },
            global_ipv6_address: "",
            global_ipv6_prefix_len: 0,
            ip_address: c.ip.map(ip_text).unwrap_or_default(),
            ip_prefix_len: if on { 16 } else { 0 },
            ipv6_gateway: "",
            mac_address: c.ip.map(mac_text).unwrap_or_default(),
            networks: networks(e, c),
        },
    }
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
    let mut config = json!({
        "Hostname": "", "Domainname": "", "User": "", "AttachStdin": false, "AttachStdout": false,
        "AttachStderr": false, "Tty": false, "OpenStdin": false, "StdinOnce": false,
        "Env": i.env, "Cmd": i.cmd, "Image": "", "Volumes": null, "WorkingDir": "",
        "Entrypoint": null, "OnBuild": null, "Labels": null
    });
    if !i.exposed.is_empty() {
        config["ExposedPorts"] =
            Value::Object(i.exposed.iter().map(|p| (p.key(), json!({}))).collect());
    }
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
        "GraphDriver": {"Data": {
            "MergedDir": format!("/var/lib/docker/overlay2/{}/merged", &i.id["sha256:".len()..]),
            "UpperDir": format!("/var/lib/docker/overlay2/{}/diff", &i.id["sha256:".len()..]),
            "WorkDir": format!("/var/lib/docker/overlay2/{}/work", &i.id["sha256:".len()..])
        }, "Name": "overlay2"},
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
