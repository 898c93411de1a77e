//! The `qemu` driver with real VMs: QEMU (TCG on these machines, whose
//! /dev/kvm cannot run a stock kernel) booting the Debian 12 cloud image
//! that `scripts/testbed-vm-image` builds from apt packages, cloud-init
//! reading the driver's seed, Docker inside, and the real docker CLI.
//!
//! A VM costs about 600 MB and a good share of a core while it boots, so
//! the tests that boot VMs take `VMS` in turn: at most two VMs run at once
//! (the bridge test's pair). Each test reuses its VMs for several checks.

use std::path::{Path, PathBuf};
use std::process::{Command as StdCommand, Output};
use std::sync::Mutex;
use std::time::Duration;

use crate::proxy_kit::{Watcher, get, wait_until};
use crate::support_drivers::{Env, output_text, sh, unique};

static VMS: Mutex<()> = Mutex::new(());

fn vms() -> std::sync::MutexGuard<'static, ()> {
    VMS.lock().unwrap_or_else(|e| e.into_inner())
}

/// Generous: a boot under software emulation on a busy 2-core host. This
/// is a failure deadline, not a figure (scripts/bench-qemu measures).
const BOOT_TIMEOUT: &str = "900";
/// How long one engine call may take (`--timeout` of run, ps, proxy): a
/// container start inside a VM under software emulation takes seconds.
const ENGINE_TIMEOUT: &str = "120s";

/// The test image (built once and cached by the script; scripts/test
/// builds it before the tests run).
fn vm_image() -> PathBuf {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/testbed-vm-image");
    let out = StdCommand::new(&script)
        .stderr(std::process::Stdio::inherit())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", script.display()));
    assert!(
        out.status.success(),
        "scripts/testbed-vm-image failed (it needs root, debootstrap, mtools, syslinux, dosfstools, fdisk and qemu-utils; scripts/test installs them)"
    );
    let path = String::from_utf8_lossy(&out.stdout)
        .lines()
        .last()
        .unwrap_or_default()
        .trim()
        .to_string();
    assert!(Path::new(&path).is_file(), "no image at {path:?}");
    for tool in ["qemu-system-x86_64", "qemu-img", "ssh", "docker"] {
        assert!(
            StdCommand::new("sh")
                .args(["-c", &format!("command -v {tool}")])
                .output()
                .map(|o| o.status.success())
                .unwrap_or(false),
            "prerequisite missing: {tool} (scripts/test installs QEMU from the suite qemu-utils came from)"
        );
    }
    PathBuf::from(path)
}

fn run(env: &Env, args: &[&str]) -> Output {
    env.cmd().args(args).output().expect("run flotilla")
}

fn ok(env: &Env, args: &[&str]) -> String {
    let o = run(env, args);
    assert!(o.status.success(), "{args:?}: {}", output_text(&o));
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

fn driver_field(env: &Env, name: &str, field: &str) -> String {
    ok(
        env,
        &["inspect", "-f", &format!("{{{{.Driver.{field}}}}}"), name],
    )
}

fn machine_dir(env: &Env, name: &str) -> PathBuf {
    env.store().join("machines").join(name)
}

fn pid_of(env: &Env, name: &str) -> Option<u32> {
    std::fs::read_to_string(machine_dir(env, name).join("qemu.pid"))
        .ok()
        .and_then(|s| s.trim().parse().ok())
}

fn process_runs(pid: u32) -> bool {
    std::fs::read(format!("/proc/{pid}/cmdline"))
        .map(|c| !c.is_empty())
        .unwrap_or(false)
}

/// Loads a local image into a machine's engine (the VMs reach no registry).
fn load_image(env: &Env, name: &str, image: &str) {
    let saved = StdCommand::new("docker")
        .args(["save", image])
        .env_remove("DOCKER_HOST")
        .output()
        .expect("docker save");
    assert!(
        saved.status.success(),
        "{image} is not on the local engine (scripts/testbed and scripts/testbed-nginx-image build it)"
    );
    let mut load = env
        .docker_for(name)
        .args(["load", "-q"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("docker load");
    use std::io::Write;
    load.stdin
        .take()
        .expect("stdin")
        .write_all(&saved.stdout)
        .expect("write the image");
    let out = load.wait_with_output().expect("docker load");
    assert!(
        out.status.success(),
        "docker load into {name}: {}",
        output_text(&out)
    );
}

/// Removes the machines (with their VMs) when a test ends, passing or not.
struct Machines<'a> {
    env: &'a Env,
    names: Vec<String>,
}

impl Drop for Machines<'_> {
    fn drop(&mut self) {
        for n in &self.names {
            if let Some(pid) = pid_of(self.env, n)
                && process_runs(pid)
            {
                let _ = run(self.env, &["rm", "-f", "-y", n]);
                if process_runs(pid) {
                    let _ = StdCommand::new("kill")
                        .args(["-KILL", &pid.to_string()])
                        .status();
                }
            } else {
                let _ = run(self.env, &["rm", "-f", "-y", n]);
            }
        }
    }
}

#[test]
#[cfg_attr(
    not(feature = "testbed"),
    ignore = "needs the testbed: run scripts/test"
)]
fn qemu_vm_lifecycle_with_user_networking() {
    let image = vm_image();
    let _vms = vms();
    let env = Env::new();
    let name = unique("qv");
    let _guard = Machines {
        env: &env,
        names: vec![name.clone()],
    };
    let label = format!("flotilla-test={name}");
    let o = run(
        &env,
        &[
            "create",
            "-d",
            "qemu",
            "--qemu-image",
            &format!("file://{}", image.display()),
            "--qemu-memory",
            "768",
            "--qemu-boot-timeout",
            BOOT_TIMEOUT,
            "--engine-label",
            &label,
            &name,
        ],
    );
    assert!(o.status.success(), "create: {}", output_text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    // auto chose the accelerator: TCG where KVM cannot run a stock kernel,
    // with the reason said once
    let accel = driver_field(&env, &name, "AccelUsed");
    let pvm = Path::new("/sys/module/kvm_pvm").exists();
    if pvm
        || !std::fs::read_to_string("/proc/cpuinfo")
            .unwrap_or_default()
            .contains(" vmx")
    {
        assert_eq!(accel, "tcg");
        assert_eq!(
            err.matches("using TCG software emulation").count(),
            1,
            "{err}"
        );
    }
    assert_eq!(ok(&env, &["status", &name]), "Running");
    let url = ok(&env, &["url", &name]);
    let port = driver_field(&env, &name, "EnginePort");
    assert_eq!(url, format!("tcp://127.0.0.1:{port}"));
    assert_eq!(ok(&env, &["ip", &name]), "127.0.0.1");

    // the host key in known_hosts is the VM's own, given by the driver
    let dir = machine_dir(&env, &name);
    let known = std::fs::read_to_string(dir.join("known_hosts")).expect("known_hosts");
    let ssh_port = driver_field(&env, &name, "SSHPort");
    assert!(
        known.starts_with(&format!("[127.0.0.1]:{ssh_port} ssh-ed25519 ")),
        "{known}"
    );
    let vm_key = ok(
        &env,
        &[
            "ssh",
            &name,
            "--",
            "sudo cat /etc/ssh/ssh_host_ed25519_key.pub",
        ],
    );
    let key_of = |line: &str| line.split_whitespace().nth(1).unwrap_or("x").to_string();
    assert_eq!(
        key_of(&vm_key),
        key_of(
            known
                .split_whitespace()
                .skip(1)
                .collect::<Vec<_>>()
                .join(" ")
                .as_str()
        )
    );
    assert!(
        !dir.join("host_ed25519").exists(),
        "the private host key is not kept"
    );

    // ssh: the command's output and exit status pass through; the VM is
    // named after the machine and its disk was grown
    assert_eq!(ok(&env, &["ssh", &name, "--", "hostname"]), name);
    let o = run(&env, &["ssh", &name, "--", "exit 7"]);
    assert_eq!(o.status.code(), Some(7), "{}", output_text(&o));
    let size = ok(
        &env,
        &["ssh", &name, "--", "df -BG --output=size / | tail -n 1"],
    );
    let gb: u32 = size.trim().trim_end_matches('G').parse().unwrap_or(0);
    assert!(
        gb >= 15,
        "the root file system was not grown to the 20 GB disk: {size}"
    );

    // env + the real docker CLI: the engine answers over TLS, runs a container
    load_image(&env, &name, "flotilla-busybox:latest");
    let out = sh(env.docker_for(&name).args([
        "run",
        "--rm",
        "flotilla-busybox",
        "echo",
        "hello from the vm",
    ]));
    assert_eq!(out.trim(), "hello from the vm");
    let labels = sh(env
        .docker_for(&name)
        .args(["info", "--format", "{{json .Labels}}"]));
    assert!(
        labels.contains(&label) && labels.contains("provider=qemu"),
        "{labels}"
    );

    // stop: the ACPI power button, the guest powers itself off
    let pid = pid_of(&env, &name).expect("a pid file while running");
    ok(&env, &["stop", &name]);
    assert_eq!(ok(&env, &["status", &name]), "Stopped");
    assert!(!process_runs(pid));
    let console = std::fs::read_to_string(dir.join("console.log")).unwrap_or_default();
    assert!(
        console.contains("reboot: Power down"),
        "not a guest power-off:\n{}",
        &console[console.len().saturating_sub(2000)..]
    );
    assert!(!dir.join("qemu.pid").exists() && !dir.join("qmp.sock").exists());

    // start: running again, the image loaded before is still there
    ok(&env, &["start", &name]);
    assert_eq!(ok(&env, &["status", &name]), "Running");
    let images = sh(env
        .docker_for(&name)
        .args(["images", "--format", "{{.Repository}}"]));
    assert!(images.lines().any(|l| l == "flotilla-busybox"), "{images}");

    // kill: QEMU quits at once; then start again
    ok(&env, &["kill", &name]);
    assert_eq!(ok(&env, &["status", &name]), "Stopped");
    ok(&env, &["start", &name]);
    assert_eq!(ok(&env, &["status", &name]), "Running");
    let out = sh(env
        .docker_for(&name)
        .args(["run", "--rm", "flotilla-busybox", "true"]));
    assert_eq!(out, "");

    // a QEMU killed behind flotilla's back leaves its pid file and socket;
    // the machine is Stopped, and rm leaves nothing behind
    let pid = pid_of(&env, &name).expect("a pid file while running");
    sh(StdCommand::new("kill").args(["-KILL", &pid.to_string()]));
    assert!(wait_until(Duration::from_secs(30), || !process_runs(pid)));
    assert_eq!(ok(&env, &["status", &name]), "Stopped");
    assert!(dir.join("qemu.pid").exists() && dir.join("qmp.sock").exists());
    let o = run(&env, &["rm", "-y", &name]);
    assert!(o.status.success(), "{}", output_text(&o));
    assert!(!dir.exists(), "the machine directory is gone");
    assert!(!process_runs(pid));
    let ps = sh(StdCommand::new("ps").args(["-eo", "args"]));
    assert!(
        !ps.contains(&dir.display().to_string()),
        "a QEMU of the machine still runs:\n{ps}"
    );
}

/// A host bridge with an address, and the firewall exception bridged VMs
/// need where Docker sets FORWARD to DROP; both removed on drop.
struct Bridge {
    name: String,
    chain: &'static str,
}

impl Bridge {
    fn new() -> Bridge {
        let name = format!("flq{:x}", std::process::id() % 0xfffff);
        let third = 20 + std::process::id() % 200;
        let _ = StdCommand::new("ip").args(["link", "del", &name]).output();
        sh(StdCommand::new("ip").args(["link", "add", &name, "type", "bridge"]));
        sh(StdCommand::new("ip").args([
            "addr",
            "add",
            &format!("10.56.{third}.1/24"),
            "dev",
            &name,
        ]));
        sh(StdCommand::new("ip").args(["link", "set", &name, "up"]));
        let rule = |chain: &str| {
            StdCommand::new("iptables")
                .args(["-I", chain, "-i", &name, "-o", &name, "-j", "ACCEPT"])
                .status()
                .map(|s| s.success())
                .unwrap_or(false)
        };
        let chain = if rule("DOCKER-USER") {
            "DOCKER-USER"
        } else {
            assert!(
                rule("FORWARD"),
                "iptables cannot add the bridge's FORWARD exception"
            );
            "FORWARD"
        };
        Bridge { name, chain }
    }
}

impl Drop for Bridge {
    fn drop(&mut self) {
        let _ = StdCommand::new("iptables")
            .args([
                "-D", self.chain, "-i", &self.name, "-o", &self.name, "-j", "ACCEPT",
            ])
            .status();
        let _ = StdCommand::new("ip")
            .args(["link", "del", &self.name])
            .status();
    }
}

fn node_of(env: &Env, container: &str) -> String {
    let out = ok(
        env,
        &[
            "ps",
            "--timeout",
            ENGINE_TIMEOUT,
            "-a",
            "--no-trunc",
            "--filter",
            &format!("name={container}"),
            "--format",
            "{{.Names}}",
        ],
    );
    out.split(',')
        .find(|n| n.ends_with(&format!("/{container}")))
        .and_then(|n| n.split('/').next())
        .unwrap_or_default()
        .to_string()
}

#[test]
#[cfg_attr(
    not(feature = "testbed"),
    ignore = "needs the testbed: run scripts/test"
)]
fn qemu_two_vms_on_a_bridge_form_a_swarm_with_placement_and_proxy() {
    let image = vm_image();
    let _vms = vms();
    let env = Env::new();
    let bridge = Bridge::new();
    let (a, b) = (unique("qa"), unique("qb"));
    let _guard = Machines {
        env: &env,
        names: vec![a.clone(), b.clone()],
    };
    let token = format!("token://{}", ok(&env, &["token", "create"]));
    let label = format!("flotilla-test={a}");
    // two VMs in one invocation, one swarm
    let o = run(
        &env,
        &[
            "create",
            "-d",
            "qemu",
            "--qemu-image",
            image.to_str().unwrap(),
            "--qemu-network",
            "bridge",
            "--qemu-bridge",
            &bridge.name,
            "--qemu-memory",
            "768",
            "--qemu-boot-timeout",
            BOOT_TIMEOUT,
            "--swarm",
            "--swarm-discovery",
            &token,
            "--engine-label",
            &label,
            &a,
            &b,
        ],
    );
    assert!(o.status.success(), "create: {}", output_text(&o));
    let (ip_a, ip_b) = (ok(&env, &["ip", &a]), ok(&env, &["ip", &b]));
    assert_ne!(ip_a, ip_b);
    let subnet = format!("10.56.{}.", 20 + std::process::id() % 200);
    assert!(
        ip_a.starts_with(&subnet) && ip_b.starts_with(&subnet),
        "{ip_a} {ip_b}"
    );
    assert_eq!(ok(&env, &["url", &a]), format!("tcp://{ip_a}:2376"));
    // the VMs reach each other across the bridge
    ok(&env, &["ssh", &a, "--", &format!("ping -c 1 -W 5 {ip_b}")]);
    for n in [&a, &b] {
        load_image(&env, n, "flotilla-busybox:latest");
    }
    load_image(&env, &a, "flotilla-nginx:latest");

    // placement by the machines' labels and names (the containers go
    // with the VMs)
    let web = format!("{b}-web");
    let other = format!("{a}-other");
    let host = format!("web.{a}.test");
    ok(
        &env,
        &[
            "run",
            "--timeout",
            ENGINE_TIMEOUT,
            "-d",
            "--name",
            &web,
            "-p",
            "80",
            "-e",
            "constraint:provider==qemu",
            "-e",
            &format!("constraint:node=={b}"),
            "-e",
            &format!("VIRTUAL_HOST={host}"),
            "flotilla-busybox",
            "sh",
            "-c",
            "mkdir -p /w && echo \"web on $(hostname)\" > /w/index.html && exec httpd -f -p 80 -h /w",
        ],
    );
    ok(
        &env,
        &[
            "run",
            "--timeout",
            ENGINE_TIMEOUT,
            "-d",
            "--name",
            &other,
            "-e",
            &format!("constraint:flotilla-test=={a}"),
            "-e",
            &format!("affinity:container!={web}"),
            "flotilla-busybox",
            "sleep",
            "600",
        ],
    );
    assert_eq!(node_of(&env, &web), b);
    assert_eq!(node_of(&env, &other), a);

    // the proxy runs nginx on the first VM and routes to the container on
    // the second, VM to VM across the bridge
    let tmp = tempfile::tempdir().expect("tempdir");
    let proxy_name = format!("{a}-proxy");
    let port = 20000 + (std::process::id() % 9000) as u16;
    let args: Vec<String> = [
        "--swarm",
        &a,
        "--node",
        &a,
        "--proxy-image",
        "flotilla-nginx:latest",
        "--proxy-name",
        &proxy_name,
        "--listen",
        &port.to_string(),
        "--listen-https",
        "0",
        "--timeout",
        ENGINE_TIMEOUT,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let w = Watcher::start(
        Path::new(env!("CARGO_BIN_EXE_flotilla")),
        &env.store(),
        &tmp.path().join("proxy"),
        &args,
    );
    let addr = format!("{ip_a}:{port}");
    let mut last = (0, String::new());
    // generous: each configuration change is a few `docker exec`s into a
    // VM under software emulation
    let routed = wait_until(Duration::from_secs(600), || {
        last = get(&addr, &host, "/");
        last.0 == 200
    });
    assert!(
        routed,
        "last answer {last:?}; status {}; log:\n{}",
        w.status(),
        w.log()
    );
    // the container's hostname is its id: the page came from inside it
    let id = sh(env
        .docker_for(&b)
        .args(["inspect", "-f", "{{.Config.Hostname}}", &web]));
    assert_eq!(last.1, format!("web on {}", id.trim()));
    drop(w);

    let o = run(&env, &["rm", "-y", &a, &b]);
    assert!(o.status.success(), "{}", output_text(&o));
    assert!(!machine_dir(&env, &a).exists() && !machine_dir(&env, &b).exists());
}

/// `create -d qemu EXTRA… bad`.
fn create_bad(env: &Env, extra: &[&str]) -> Output {
    let mut args = vec!["create", "-d", "qemu"];
    args.extend_from_slice(extra);
    args.push("bad");
    run(env, &args)
}

/// Checks the error of a create that failed before anything was made.
fn pre_create_failure(env: &Env, extra: &[&str], expect: &str) {
    let o = create_bad(env, extra);
    crate::support::assert_clean_failure(&o, 3);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains(expect), "expected {expect:?} in:\n{err}");
    assert_eq!(ok(env, &["ls", "-q"]), "", "nothing was created");
}

#[test]
fn qemu_bad_inputs_fail_before_anything_exists() {
    let env = Env::new();
    let img = env.dir.path().join("tiny.qcow2");
    sh(StdCommand::new("qemu-img")
        .args(["create", "-q", "-f", "qcow2"])
        .arg(&img)
        .arg("64M"));
    let img = img.to_str().unwrap().to_string();

    pre_create_failure(
        &env,
        &["--qemu-image", "/nonexistent/debian.qcow2"],
        "/nonexistent/debian.qcow2 does not exist",
    );
    pre_create_failure(
        &env,
        &[
            "--qemu-image",
            &img,
            "--qemu-binary",
            "/nonexistent/qemu-system-x86_64",
        ],
        "cannot run /nonexistent/qemu-system-x86_64",
    );
    pre_create_failure(
        &env,
        &[
            "--qemu-image",
            &img,
            "--qemu-network",
            "bridge",
            "--qemu-bridge",
            "flqnone0",
        ],
        "bridge flqnone0 does not exist",
    );
    let vmdk = env.dir.path().join("disk.vmdk");
    sh(StdCommand::new("qemu-img")
        .args(["create", "-q", "-f", "vmdk"])
        .arg(&vmdk)
        .arg("8M"));
    pre_create_failure(
        &env,
        &["--qemu-image", vmdk.to_str().unwrap()],
        "format is vmdk",
    );
    let zeros = "0".repeat(64);
    pre_create_failure(
        &env,
        &["--qemu-image", &img, "--qemu-image-checksum", &zeros],
        "not the expected 0000",
    );
    // an http image that is not there: nothing is left in the cache
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/missing.qcow2", l.local_addr().unwrap());
    std::thread::spawn(move || {
        use std::io::{Read, Write};
        for mut s in l.incoming().flatten().take(1) {
            let mut buf = [0u8; 1024];
            let _ = s.read(&mut buf);
            let _ = s.write_all(
                b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            );
        }
    });
    pre_create_failure(&env, &["--qemu-image", &url], "HTTP 404");
    let cached: Vec<_> = std::fs::read_dir(env.store().join("cache/qemu"))
        .map(|d| {
            d.flatten()
                .filter(|e| !e.file_name().to_string_lossy().ends_with(".lock"))
                .map(|e| e.file_name())
                .collect()
        })
        .unwrap_or_default();
    assert!(cached.is_empty(), "{cached:?}");

    // usage and option errors: one line each
    let o = create_bad(&env, &["--qemu-image", &img, "--qemu-accel", "hvf"]);
    crate::support::assert_clean_failure(&o, 2);
    let o = create_bad(&env, &["--qemu-image", &img, "--qemu-network", "bridge"]);
    crate::support::assert_clean_failure(&o, 1);
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("needs --qemu-bridge"),
        "{}",
        output_text(&o)
    );
    let o = create_bad(&env, &[]);
    crate::support::assert_clean_failure(&o, 1);
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("--qemu-image is required"),
        "{}",
        output_text(&o)
    );
    assert_eq!(ok(&env, &["ls", "-q"]), "");
}

#[test]
#[cfg_attr(
    not(feature = "testbed"),
    ignore = "needs the testbed: run scripts/test"
)]
fn qemu_a_vm_that_does_not_boot_fails_with_its_console_and_keeps_the_record() {
    let _ = vm_image();
    let _vms = vms();
    let env = Env::new();
    // a disk with nothing to boot: SeaBIOS says so on the console
    let disk = env.dir.path().join("blank.raw");
    sh(StdCommand::new("qemu-img")
        .args(["create", "-q", "-f", "raw"])
        .arg(&disk)
        .arg("64M"));
    let name = unique("qn");
    let _guard = Machines {
        env: &env,
        names: vec![name.clone()],
    };
    let o = run(
        &env,
        &[
            "create",
            "-d",
            "qemu",
            "--qemu-image",
            disk.to_str().unwrap(),
            "--qemu-memory",
            "256",
            "--qemu-cpus",
            "1",
            "--qemu-boot-timeout",
            "30",
            &name,
        ],
    );
    crate::support::assert_clean_failure(&o, 1);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("waiting for SSH: the VM did not accept an SSH login"),
        "{err}"
    );
    assert!(err.contains("within 30s"), "{err}");
    assert!(
        err.contains("No bootable device"),
        "the console's last lines are quoted: {err}"
    );
    // the record stays, with the failing step, and the VM was stopped
    let ls = ok(&env, &["ls", "--format", "{{.Name}} {{.State}} {{.Error}}"]);
    assert!(
        ls.starts_with(&format!(
            "{name} Error creating the machine: waiting for SSH"
        )),
        "{ls}"
    );
    assert!(pid_of(&env, &name).is_none_or(|p| !process_runs(p)));

    // KVM asked for where it cannot run a stock kernel (these machines'
    // PVM /dev/kvm): a clear error naming KVM, the record kept
    if Path::new("/sys/module/kvm_pvm").exists() {
        let image = vm_image();
        let kvm = unique("qk");
        let _guard = Machines {
            env: &env,
            names: vec![kvm.clone()],
        };
        let o = run(
            &env,
            &[
                "create",
                "-d",
                "qemu",
                "--qemu-image",
                image.to_str().unwrap(),
                "--qemu-accel",
                "kvm",
                "--qemu-memory",
                "512",
                "--qemu-boot-timeout",
                BOOT_TIMEOUT,
                &kvm,
            ],
        );
        crate::support::assert_clean_failure(&o, 1);
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("KVM could not run the guest"), "{err}");
        assert!(err.contains("--qemu-accel tcg"), "{err}");
        let e = ok(&env, &["inspect", "-f", "{{.Error}}", &kvm]);
        assert!(
            e.starts_with("creating the machine: waiting for SSH: KVM could not run the guest"),
            "{e}"
        );
        ok(&env, &["rm", "-y", &kvm]);
    }
    ok(&env, &["rm", "-y", &name]);
    assert!(!machine_dir(&env, &name).exists());
}
