//! The virtualbox driver against a fake `VBoxManage` (VirtualBox cannot run
//! here): `tests/fixtures/fake-vboxmanage` checks every call's argv against
//! an ordered script, like docker-machine's `MockCreateOperations`, and
//! emulates VM, host-only adapter and DHCP server state. The VM never
//! answers SSH, so every create and start ends at "waiting for SSH"; what
//! is asserted is the exact VBoxManage sequence before that, the error, and
//! what `ls` and `rm` make of the machine afterwards.

use std::path::{Path, PathBuf};
use std::process::Output;

use crate::support::{TestStore, assert_clean_failure, stderr, stdout};

/// The fake's state directory and a `PATH` directory holding it.
struct Fake {
    store: TestStore,
    state: tempfile::TempDir,
    bin: tempfile::TempDir,
    iso: PathBuf,
}

impl Fake {
    fn new() -> Fake {
        let store = TestStore::empty();
        let state = tempfile::tempdir().expect("tempdir");
        let bin = tempfile::tempdir().expect("tempdir");
        let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fake-vboxmanage");
        std::os::unix::fs::symlink(&fixture, bin.path().join("VBoxManage")).expect("symlink");
        let iso = state.path().join("b2d.iso");
        std::fs::write(&iso, b"not really an iso").expect("iso");
        Fake {
            store,
            state,
            bin,
            iso,
        }
    }

    fn s(&self) -> String {
        self.store.path().display().to_string()
    }

    fn mdir(&self, name: &str) -> String {
        format!("{}/machines/{name}", self.s())
    }

    /// Replaces the expected script and starts it from the top.
    fn expect(&self, lines: &[String]) {
        let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
        std::fs::write(self.state.path().join("expected"), text).expect("expected");
        std::fs::write(self.state.path().join("pos"), "0").expect("pos");
    }

    fn failures(&self) -> String {
        std::fs::read_to_string(self.state.path().join("failures")).unwrap_or_default()
    }

    /// No call deviated and the whole script ran (trailing `*` lines are
    /// optional).
    fn assert_done(&self, context: &str) {
        let f = self.failures();
        assert!(f.is_empty(), "{context}: unexpected VBoxManage calls:\n{f}");
        let text = std::fs::read_to_string(self.state.path().join("expected")).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        let pos: usize = std::fs::read_to_string(self.state.path().join("pos"))
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        let missing: Vec<&&str> = lines[pos.min(lines.len())..]
            .iter()
            .filter(|l| !l.starts_with("* "))
            .collect();
        assert!(
            missing.is_empty(),
            "{context}: expected calls that never came: {missing:#?}\ncalls:\n{}",
            std::fs::read_to_string(self.state.path().join("calls.log")).unwrap_or_default()
        );
    }

    fn vm_state(&self, name: &str) -> Option<String> {
        std::fs::read_to_string(self.state.path().join("vms").join(name).join("state"))
            .ok()
            .map(|s| s.trim().to_string())
    }

    fn set_vm_state(&self, name: &str, state: &str) {
        std::fs::write(
            self.state.path().join("vms").join(name).join("state"),
            format!("{state}\n"),
        )
        .unwrap();
    }

    fn write_state(&self, rel: &str, content: &str) {
        let p = self.state.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, content).unwrap();
    }

    fn run_env(&self, args: &[&str], path: &str) -> Output {
        self.store
            .cmd()
            .env("PATH", path)
            .env("FAKE_VBOX_DIR", self.state.path())
            .env_remove("VBOX_INSTALL_PATH")
            .env_remove("FAKE_VBOX_VERSION")
            .args(args)
            .output()
            .expect("run flotilla")
    }

    fn run(&self, args: &[&str]) -> Output {
        let path = format!(
            "{}:{}",
            self.bin.path().display(),
            std::env::var("PATH").unwrap_or_default()
        );
        self.run_env(args, &path)
    }

    fn create_args(&self, name: &str, extra: &[&str]) -> Vec<String> {
        let mut v: Vec<String> = [
            "create",
            "-d",
            "virtualbox",
            "--virtualbox-boot2docker-url",
            self.iso.to_str().unwrap(),
            "--virtualbox-boot-timeout",
            "2",
            "--virtualbox-no-share",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        v.extend(extra.iter().map(|s| s.to_string()));
        v.push(name.to_string());
        v
    }

    fn ls(&self, name: &str) -> String {
        let o = self.run(&[
            "ls",
            "--filter",
            &format!("name={name}"),
            "--format",
            "{{.Name}} {{.State}} {{.Error}}",
        ]);
        assert!(o.status.success(), "ls: {}", stderr(&o));
        stdout(&o)
    }
}

fn sv(lines: &[&str]) -> Vec<String> {
    lines.iter().map(|s| s.to_string()).collect()
}

/// The calls of `create` up to `createvm` (pre-create check and disk).
fn pre_and_disk(f: &Fake, name: &str) -> Vec<String> {
    let m = f.mdir(name);
    vec![
        "--version".into(),
        "list hostonlyifs".into(),
        format!("convertfromraw {m}/disk.raw {m}/disk.vdi --format VDI"),
        format!("modifymedium disk {m}/disk.vdi --resize 20000"),
    ]
}

fn modifyvm_base(name: &str, cpus: u32, memory: u32) -> String {
    format!(
        "modifyvm {name} --firmware bios --bioslogofadein off --bioslogofadeout off --bioslogodisplaytime 0 --biosbootmenu disabled --ostype Linux26_64 --cpus {cpus} --memory {memory} --acpi on --ioapic on --rtcuseutc on --natdnshostresolver1 off --natdnsproxy1 on --cpuhotplug off --pae on --hpet on --hwvirtex on --nestedpaging on --largepages on --vtxvpid on --accelerate3d off --boot1 dvd"
    )
}

/// createvm … guestproperty (no share).
fn vm_calls(f: &Fake, name: &str, cpus: u32, memory: u32) -> Vec<String> {
    let m = f.mdir(name);
    vec![
        format!("createvm --basefolder {m} --name {name} --register"),
        modifyvm_base(name, cpus, memory),
        format!("modifyvm {name} --nic1 nat --nictype1 82540EM --cableconnected1 on"),
        format!("storagectl {name} --name SATA --add sata --hostiocache on"),
        format!(
            "storageattach {name} --storagectl SATA --port 0 --device 0 --type dvddrive --medium {m}/boot2docker.iso"
        ),
        format!(
            "storageattach {name} --storagectl SATA --port 1 --device 0 --type hdd --medium {m}/disk.vdi"
        ),
        format!("guestproperty set {name} /VirtualBox/GuestAdd/SharedFolders/MountPrefix /"),
        format!("guestproperty set {name} /VirtualBox/GuestAdd/SharedFolders/MountDir /"),
    ]
}

fn nic2(name: &str, ifname: &str) -> String {
    format!(
        "modifyvm {name} --nic2 hostonly --nictype2 82540EM --nicpromisc2 deny --hostonlyadapter2 {ifname} --cableconnected2 on"
    )
}

const DHCP_56: &str = "--netname HostInterfaceNetworking-vboxnet0 --ip 192.168.56.2 --netmask 255.255.255.0 --lowerip 192.168.56.100 --upperip 192.168.56.254 --enable";

/// natpf1 delete (which fails on a new VM: ignored), add, startvm.
fn boot_calls(name: &str, delete_fails: bool) -> Vec<String> {
    let delete = if delete_fails {
        format!(
            "modifyvm {name} --natpf1 delete ssh #! VBoxManage: error: Code E_INVALIDARG (0x80070057) - Invalid argument value"
        )
    } else {
        format!("modifyvm {name} --natpf1 delete ssh")
    };
    vec![
        delete,
        format!("modifyvm {name} --natpf1 ssh,tcp,127.0.0.1,*,,22"),
        format!("startvm {name} --type headless"),
    ]
}

/// A full create on a fresh host: the host-only adapter is created, its
/// DHCP server added; the VM then never answers SSH.
fn create_to_ssh_failure(f: &Fake, name: &str) {
    let mut script = pre_and_disk(f, name);
    script.extend(vm_calls(f, name, 1, 1024));
    script.push(format!("showvminfo {name} --machinereadable"));
    if f.state.path().join("hostonly/vboxnet0").exists() {
        // A later machine reuses the adapter; its DHCP server is as
        // wanted, so it is left alone.
        script.extend(["list hostonlyifs".into(), "list dhcpservers".into()]);
    } else {
        script.extend([
            "list hostonlyifs".into(),
            "hostonlyif create".into(),
            "list hostonlyifs".into(),
            "hostonlyif ipconfig vboxnet0 --ip 192.168.56.1 --netmask 255.255.255.0".into(),
            "list dhcpservers".into(),
            format!("dhcpserver add {DHCP_56}"),
        ]);
    }
    script.push(nic2(name, "vboxnet0"));
    script.extend(boot_calls(name, true));
    f.expect(&script);
    let args = f.create_args(name, &[]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = f.run(&args);
    f.assert_done("create");
    assert_clean_failure(&o, 1);
    let err = stderr(&o);
    assert!(
        err.contains(&format!("machine {name:?}: creating the machine: waiting for SSH: the VM did not answer on 127.0.0.1:")),
        "{err}"
    );
    assert!(err.contains("within 2s"), "{err}");
    assert!(
        err.contains(&format!(
            "hint: the record is kept: `flotilla ls` shows it, `flotilla rm {name}` removes it"
        )),
        "{err}"
    );
    assert_eq!(f.vm_state(name).as_deref(), Some("running"));
    // The key and disk are in the machine directory; the raw file is gone.
    let m = PathBuf::from(f.mdir(name));
    for file in [
        "id_ed25519",
        "id_ed25519.pub",
        "boot2docker.iso",
        "disk.vdi",
    ] {
        assert!(m.join(file).is_file(), "{file} missing");
    }
    assert!(!m.join("disk.raw").exists());
}

#[test]
fn virtualbox_create_runs_the_exact_sequence_then_ls_and_rm_clean_up() {
    let f = Fake::new();
    create_to_ssh_failure(&f, "vb1");

    // ls shows the record in Error with the step, without asking VirtualBox.
    f.expect(&[]);
    let row = f.ls("vb1");
    assert!(
        row.starts_with("vb1 Error creating the machine: waiting for SSH"),
        "{row}"
    );
    f.assert_done("ls");

    // rm: the running VM is powered off, then unregistered with its files.
    f.expect(&sv(&[
        "showvminfo vb1 --machinereadable",
        "controlvm vb1 poweroff",
        "unregistervm --delete vb1",
    ]));
    let o = f.run(&["rm", "-y", "vb1"]);
    assert!(o.status.success(), "rm: {}", stderr(&o));
    f.assert_done("rm");
    assert_eq!(f.vm_state("vb1"), None);
    assert!(!Path::new(&f.mdir("vb1")).exists());
}

#[test]
fn virtualbox_create_with_options_and_share() {
    let f = Fake::new();
    let share = tempfile::tempdir().unwrap();
    let name = "vbopt";
    let m = f.mdir(name);
    let mut script = pre_and_disk(&f, name);
    script[3] = format!("modifymedium disk {m}/disk.vdi --resize 5000");
    let mut vm = vm_calls(&f, name, 2, 2048);
    vm[1] = vm[1]
        .replace("--natdnshostresolver1 off", "--natdnshostresolver1 on")
        .replace("--natdnsproxy1 on", "--natdnsproxy1 off");
    vm[2] = format!("modifyvm {name} --nic1 nat --nictype1 virtio --cableconnected1 on");
    script.extend(vm);
    script.extend([
        format!("sharedfolder add {name} --name code --hostpath {} --automount", share.path().display()),
        format!("setextradata {name} VBoxInternal2/SharedFoldersEnableSymlinksCreate/code 1"),
        format!("showvminfo {name} --machinereadable"),
        "list hostonlyifs".into(),
        "hostonlyif create".into(),
        "list hostonlyifs".into(),
        "hostonlyif ipconfig vboxnet0 --ip 192.168.57.1 --netmask 255.255.255.128".into(),
        "list dhcpservers".into(),
        "dhcpserver add --netname HostInterfaceNetworking-vboxnet0 --ip 192.168.57.2 --netmask 255.255.255.128 --lowerip 192.168.57.3 --upperip 192.168.57.126 --disable".into(),
        format!("modifyvm {name} --nic2 hostonly --nictype2 virtio --nicpromisc2 allow-all --hostonlyadapter2 vboxnet0 --cableconnected2 on"),
    ]);
    script.extend(boot_calls(name, false));
    f.expect(&script);
    let share_flag = format!("{}:code", share.path().display());
    // Flags by name and by environment variable.
    let args = f.create_args(
        name,
        &[
            "--virtualbox-cpu-count",
            "2",
            "--virtualbox-disk-size",
            "5000",
            "--virtualbox-hostonly-cidr",
            "192.168.57.1/25",
            "--virtualbox-hostonly-nictype",
            "virtio",
            "--virtualbox-hostonly-nicpromisc",
            "allow-all",
            "--virtualbox-nat-nictype",
            "virtio",
            "--virtualbox-hostonly-no-dhcp",
            "--virtualbox-no-dns-proxy",
            "--virtualbox-share-folder",
            &share_flag,
        ],
    );
    // --virtualbox-no-share is in the defaults of create_args; drop it here.
    let args: Vec<&str> = args
        .iter()
        .map(String::as_str)
        .filter(|a| *a != "--virtualbox-no-share")
        .collect();
    let path = format!(
        "{}:{}",
        f.bin.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let o = f
        .store
        .cmd()
        .env("PATH", path)
        .env("FAKE_VBOX_DIR", f.state.path())
        .env("VIRTUALBOX_MEMORY_SIZE", "2048")
        .env("VIRTUALBOX_HOST_DNS_RESOLVER", "true")
        .args(&args)
        .output()
        .unwrap();
    f.assert_done("create with options");
    assert_clean_failure(&o, 1);
    assert!(stderr(&o).contains("waiting for SSH"), "{}", stderr(&o));
    // The configuration is stored with docker-machine's field names.
    let cfg: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(format!("{m}/config.json")).unwrap())
            .unwrap();
    let d = &cfg["Driver"];
    assert_eq!(d["CPU"], 2);
    assert_eq!(d["Memory"], 2048);
    assert_eq!(d["HostOnlyCIDR"], "192.168.57.1/25");
    assert_eq!(d["HostOnlyAdapter"], "vboxnet0");
    assert!(d["SSHPort"].as_u64().unwrap_or(0) > 0, "{d}");
}

#[test]
fn virtualbox_stop_kill_start_and_rm_from_each_state() {
    let f = Fake::new();
    let n = "vb2";
    create_to_ssh_failure(&f, n);

    // stop: ACPI power button, then poll until the VM is off.
    f.expect(&sv(&[
        "showvminfo vb2 --machinereadable",
        "controlvm vb2 acpipowerbutton",
        "showvminfo vb2 --machinereadable",
        "showvminfo vb2 --machinereadable",
        "* showvminfo vb2 --machinereadable",
    ]));
    let o = f.run(&["stop", n]);
    assert!(o.status.success(), "stop: {}", stderr(&o));
    f.assert_done("stop");
    assert_eq!(f.vm_state(n).as_deref(), Some("poweroff"));

    // start of a stopped machine, adapter reused; its DHCP server is
    // disabled, so it is modified; the port-forward is replaced.
    f.write_state(
        "dhcp/HostInterfaceNetworking-vboxnet0",
        "192.168.56.2 255.255.255.0 192.168.56.100 192.168.56.254 No\n",
    );
    let mut script = sv(&[
        "showvminfo vb2 --machinereadable",
        "showvminfo vb2 --machinereadable",
        "list hostonlyifs",
        "list dhcpservers",
    ]);
    script.push(format!("dhcpserver modify {DHCP_56}"));
    script.push(nic2(n, "vboxnet0"));
    script.extend(boot_calls(n, false));
    script.push("* showvminfo vb2 --machinereadable".into());
    f.expect(&script);
    let o = f.run(&["start", n]);
    f.assert_done("start (reuse)");
    assert_clean_failure(&o, 1);
    assert!(
        stderr(&o).contains("machine \"vb2\": waiting for SSH: the VM did not answer"),
        "{}",
        stderr(&o)
    );
    assert_eq!(f.vm_state(n).as_deref(), Some("running"));

    // kill: power off.
    f.expect(&sv(&[
        "showvminfo vb2 --machinereadable",
        "controlvm vb2 poweroff",
        "* showvminfo vb2 --machinereadable",
    ]));
    let o = f.run(&["kill", n]);
    assert!(o.status.success(), "kill: {}", stderr(&o));
    f.assert_done("kill");
    assert_eq!(f.vm_state(n).as_deref(), Some("poweroff"));

    // start again after the adapter and its DHCP server vanished and an
    // orphan server was left: a new adapter, the orphan removed, a server
    // added.
    std::fs::remove_file(f.state.path().join("hostonly/vboxnet0")).unwrap();
    std::fs::remove_file(f.state.path().join("dhcp/HostInterfaceNetworking-vboxnet0")).unwrap();
    f.write_state(
        "dhcp/HostInterfaceNetworking-vboxnet7",
        "192.168.60.2 255.255.255.0 192.168.60.100 192.168.60.254 Yes\n",
    );
    let mut script = sv(&[
        "showvminfo vb2 --machinereadable",
        "showvminfo vb2 --machinereadable",
        "list hostonlyifs",
        "hostonlyif create",
        "list hostonlyifs",
        "hostonlyif ipconfig vboxnet0 --ip 192.168.56.1 --netmask 255.255.255.0",
        "list dhcpservers",
        "dhcpserver remove --netname HostInterfaceNetworking-vboxnet7",
    ]);
    script.push(format!("dhcpserver add {DHCP_56}"));
    script.push(nic2(n, "vboxnet0"));
    script.extend(boot_calls(n, false));
    script.push("* showvminfo vb2 --machinereadable".into());
    f.set_vm_state(n, "aborted");
    f.expect(&script);
    let o = f.run(&["start", n]);
    f.assert_done("start (new adapter)");
    assert_clean_failure(&o, 1);

    // rm from stopped: no power-off.
    f.set_vm_state(n, "poweroff");
    f.expect(&sv(&[
        "showvminfo vb2 --machinereadable",
        "unregistervm --delete vb2",
    ]));
    let o = f.run(&["rm", "-y", n]);
    assert!(o.status.success(), "rm: {}", stderr(&o));
    f.assert_done("rm stopped");
}

#[test]
fn virtualbox_rm_from_paused_and_saved() {
    let f = Fake::new();
    create_to_ssh_failure(&f, "vbp");
    f.set_vm_state("vbp", "paused");
    f.expect(&sv(&[
        "showvminfo vbp --machinereadable",
        "controlvm vbp poweroff",
        "unregistervm --delete vbp",
    ]));
    let o = f.run(&["rm", "-y", "vbp"]);
    assert!(o.status.success(), "rm paused: {}", stderr(&o));
    f.assert_done("rm paused");

    create_to_ssh_failure(&f, "vbs");
    f.set_vm_state("vbs", "saved");
    f.expect(&sv(&[
        "showvminfo vbs --machinereadable",
        "unregistervm --delete vbs",
    ]));
    let o = f.run(&["rm", "-y", "vbs"]);
    assert!(o.status.success(), "rm saved: {}", stderr(&o));
    f.assert_done("rm saved");

    // A VM VirtualBox no longer knows is already removed.
    create_to_ssh_failure(&f, "vbg");
    std::fs::remove_dir_all(f.state.path().join("vms/vbg")).unwrap();
    f.expect(&sv(&["showvminfo vbg --machinereadable"]));
    let o = f.run(&["rm", "-y", "vbg"]);
    assert!(o.status.success(), "rm gone: {}", stderr(&o));
    f.assert_done("rm gone");
}

#[test]
fn virtualbox_error_on_stderr_with_exit_0_fails_the_step() {
    let f = Fake::new();
    let n = "vb3";
    let mut script = pre_and_disk(&f, n);
    let vm = vm_calls(&f, n, 1, 1024);
    script.extend([
        vm[0].clone(),
        vm[1].clone(),
        // Retried while VirtualBox says the object is not ready.
        format!("{} #! VBoxManage: error: The object is not ready", vm[2]),
        vm[2].clone(),
        format!("{} #! VBoxManage: error: The machine 'vb3' is already locked for a session (or being unlocked)", vm[3]),
    ]);
    f.expect(&script);
    let args = f.create_args(n, &[]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = f.run(&args);
    f.assert_done("create");
    assert_clean_failure(&o, 1);
    let err = stderr(&o);
    assert!(
        err.contains("error: machine \"vb3\": creating the machine: configuring the VM: VBoxManage storagectl vb3 --name SATA --add sata --hostiocache on failed: error: The machine 'vb3' is already locked"),
        "{err}"
    );
    let row = f.ls(n);
    assert!(
        row.starts_with("vb3 Error creating the machine: configuring the VM"),
        "{row}"
    );
    f.expect(&sv(&[
        "showvminfo vb3 --machinereadable",
        "unregistervm --delete vb3",
    ]));
    let o = f.run(&["rm", "-y", n]);
    assert!(o.status.success(), "rm: {}", stderr(&o));
    f.assert_done("rm");
}

#[test]
fn virtualbox_pre_create_checks_exit_3() {
    let f = Fake::new();
    // No VBoxManage at all.
    let empty = tempfile::tempdir().unwrap();
    let args = f.create_args("vb4", &[]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = f.run_env(&args, &empty.path().display().to_string());
    assert_clean_failure(&o, 3);
    let err = stderr(&o);
    assert!(err.contains("error: machine \"vb4\": pre-create check failed: VBoxManage not found; install VirtualBox"), "{err}");
    assert!(err.contains("\nhint: install VirtualBox"), "{err}");
    assert!(!Path::new(&f.mdir("vb4")).exists(), "nothing is created");

    // Too old.
    f.expect(&sv(&["--version"]));
    let o = f
        .store
        .cmd()
        .env("PATH", format!("{}:/usr/bin:/bin", f.bin.path().display()))
        .env("FAKE_VBOX_DIR", f.state.path())
        .env("FAKE_VBOX_VERSION", "4.3.40r117317")
        .args(&args)
        .output()
        .unwrap();
    assert_clean_failure(&o, 3);
    assert!(
        stderr(&o).contains("VirtualBox 4.3.40 is too old; 5.0 or later is needed"),
        "{}",
        stderr(&o)
    );
    f.assert_done("too old");

    // The boot image is missing; a CIDR outside 192.168.56.0/21 warns.
    f.expect(&sv(&["--version", "list hostonlyifs"]));
    let mut args = f.create_args("vb4", &["--virtualbox-hostonly-cidr", "192.168.99.1/24"]);
    args[4] = "file:///nonexistent/b2d.iso".into();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = f.run(&args);
    assert_clean_failure(&o, 3);
    let err = stderr(&o);
    assert!(
        err.contains("boot image /nonexistent/b2d.iso does not exist"),
        "{err}"
    );
    assert!(err.contains("/etc/vbox/networks.conf"), "{err}");
    f.assert_done("missing image");

    // A network address instead of a host address: a configuration error.
    f.expect(&[]);
    let args = f.create_args("vb4", &["--virtualbox-hostonly-cidr", "192.168.56.0/24"]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = f.run(&args);
    assert_clean_failure(&o, 1);
    assert!(
        stderr(&o).contains("host-only cidr 192.168.56.0/24 must be given with a host address, not a network address (for example 192.168.56.1/24)"),
        "{}",
        stderr(&o)
    );
    f.assert_done("bad cidr");
}
