#compdef flotilla

autoload -U is-at-least

_flotilla() {
    typeset -A opt_args
    typeset -a _arguments_options
    local ret=1

    if is-at-least 5.2; then
        _arguments_options=(-s -S -C)
    else
        _arguments_options=(-s -C)
    fi

    local context curcontext="$curcontext" state line
    _arguments "${_arguments_options[@]}" : \
'-s+[Store directory \[default\: \$XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla\]]:DIR:_files' \
'--storage-path=[Store directory \[default\: \$XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla\]]:DIR:_files' \
'--color=[When to colour messages; NO_COLOR turns \`auto\` off]:WHEN:(auto always never)' \
'-D[Log debug details (with step timings) to stderr; RUST_LOG also works]' \
'--debug[Log debug details (with step timings) to stderr; RUST_LOG also works]' \
'--no-progress[Never draw progress bars (they are only drawn on a terminal anyway)]' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
":: :_flotilla_commands" \
"*::: :->flotilla" \
&& ret=0
    case $state in
    (flotilla)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:flotilla-command-$line[1]:"
        case $line[1] in
            (active)
_arguments "${_arguments_options[@]}" : \
'-t+[How long to wait for each machine]:TIMEOUT:_default' \
'--timeout=[How long to wait for each machine]:TIMEOUT:_default' \
'-s+[Store directory \[default\: \$XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla\]]:DIR:_files' \
'--storage-path=[Store directory \[default\: \$XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla\]]:DIR:_files' \
'--color=[When to colour messages; NO_COLOR turns \`auto\` off]:WHEN:(auto always never)' \
'-D[Log debug details (with step timings) to stderr; RUST_LOG also works]' \
'--debug[Log debug details (with step timings) to stderr; RUST_LOG also works]' \
'--no-progress[Never draw progress bars (they are only drawn on a terminal anyway)]' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
&& ret=0
;;
(config)
_arguments "${_arguments_options[@]}" : \
'-t+[How long the connection check may take]:TIMEOUT:_default' \
'--timeout=[How long the connection check may take]:TIMEOUT:_default' \
'-s+[Store directory \[default\: \$XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla\]]:DIR:_files' \
'--storage-path=[Store directory \[default\: \$XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla\]]:DIR:_files' \
'--color=[When to colour messages; NO_COLOR turns \`auto\` off]:WHEN:(auto always never)' \
'--swarm[Point at the machine'\''s swarm manager instead of its engine]' \
'-D[Log debug details (with step timings) to stderr; RUST_LOG also works]' \
'--debug[Log debug details (with step timings) to stderr; RUST_LOG also works]' \
'--no-progress[Never draw progress bars (they are only drawn on a terminal anyway)]' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
'::name -- Machine name \[default\: "default" when it exists\]:_default' \
&& ret=0
;;
(create)
_arguments "${_arguments_options[@]}" : \
'-d+[Driver that creates the machine (built-in\: docker, generic, none, qemu, virtualbox; others\: a flotilla-driver-NAME plugin on PATH)]:DRIVER:_default' \
'--driver=[Driver that creates the machine (built-in\: docker, generic, none, qemu, virtualbox; others\: a flotilla-driver-NAME plugin on PATH)]:DRIVER:_default' \
'*--engine-label=[Engine label KEY=VALUE (repeatable)]:KEY=VALUE:_default' \
'*--engine-opt=[Daemon flag FLAG=VALUE, passed as --FLAG=VALUE (repeatable)]:FLAG=VALUE:_default' \
'*--engine-env=[Environment variable for the daemon KEY=VALUE (repeatable)]:KEY=VALUE:_default' \
'*--engine-insecure-registry=[Insecure registry for the daemon (repeatable)]:REGISTRY:_default' \
'*--engine-registry-mirror=[Registry mirror for the daemon (repeatable)]:URL:_default' \
'--engine-storage-driver=[Storage driver for the daemon \[default\: keep the host'\''s\]]:DRIVER:_default' \
'--engine-install-url=[Script that installs the engine when it is missing]:URL:_default' \
'--engine-version=[Engine version to install when it is missing \[default\: the installer'\''s\]]:VERSION:_default' \
'--swarm-discovery=[Discovery URL of the swarm (token\://, file\://, nodes\://, etcd\://)]:URL:_default' \
'--swarm-strategy=[Scheduling strategy of the swarm]:SWARM_STRATEGY:(spread binpack random)' \
'--swarm-host=[Where the swarm manager listens]:URL:_default' \
'--swarm-addr=[Address to advertise for the swarm \[default\: the machine'\''s IP\]]:ADDR:_default' \
'*--swarm-opt=[Manager option FLAG=VALUE (repeatable)]:FLAG=VALUE:_default' \
'*--swarm-join-opt=[Agent option FLAG=VALUE (repeatable)]:FLAG=VALUE:_default' \
'*--tls-san=[Extra subject alternative name for the server certificate (repeatable)]:IP|NAME:_default' \
'--tls-ca-cert=[CA certificate the engine'\''s server certificate is signed by \[default\: the store'\''s CA\]]:FILE:_files' \
'--tls-client-cert=[Client certificate the engine accepts \[default\: the store'\''s\]]:FILE:_files' \
'--tls-client-key=[Key of the client certificate \[default\: the store'\''s\]]:FILE:_files' \
'--check-timeout=[How long the final connection check may take]:DURATION:_default' \
'--discovery-url=[Token service for \`token\://TOKEN\` (http\:// or https\://; \`/v1\` is added to a URL without a path). Without it, \`token\://TOKEN\` lives in the store'\''s embedded registry (no server needed); \`token\://HOST\[\:PORT\]/PATH/TOKEN\` always names its own service (HTTPS)]:URL:_default' \
'--discovery-ca=[Extra CA certificate (PEM) to trust for an HTTPS token service]:FILE:_files' \
'--discovery-secret-file=[File holding the secret of the --discovery-url token service, sent when creating or deleting a token there (never to a service a token\://HOST/… URL names)]:FILE:_files' \
'--discovery-timeout=[Bound on each call to a token service or etcd]:DURATION:_default' \
'--url=[URL of the engine to adopt (none driver)\: tcp\://HOST\:PORT or unix\:///PATH]:URL:_default' \
'--generic-ip-address=[IP address or host name of the host (generic driver; required)]:ADDR:_default' \
'--generic-ssh-user=[SSH user (generic driver); non-root users need passwordless sudo]:USER:_default' \
'--generic-ssh-key=[SSH private key, copied into the store (generic driver) \[default\: ssh-agent and ~/.ssh\]]:FILE:_files' \
'--generic-ssh-port=[SSH port (generic driver)]:PORT:_default' \
'--generic-engine-port=[Port the engine listens on with TLS (generic driver)]:PORT:_default' \
'--docker-host=[Engine that runs the node containers (docker driver)]:URL:_default' \
'--docker-image=[Node image; it must contain dockerd (docker driver)]:IMAGE:_default' \
'--docker-network=[Network the node joins (docker driver)]:NETWORK:_default' \
'--virtualbox-memory=[Memory of the VM in MB (virtualbox driver)]:MB:_default' \
'--virtualbox-cpu-count=[Number of CPUs; 0 uses all of the host'\''s, at most 32 (virtualbox driver)]:N:_default' \
'--virtualbox-disk-size=[Disk size in MB (virtualbox driver)]:MB:_default' \
'--virtualbox-boot2docker-url=[Boot ISO\: http(s) URL (downloaded once into <store>/cache), file\:// URL or local path (virtualbox driver) \[default\: boot2docker v19.03.12\]]:URL:_default' \
'--virtualbox-hostonly-cidr=[Host-only network as the host'\''s address and prefix; VirtualBox ≥ 6.1.28 allows only 192.168.56.0/21 without /etc/vbox/networks.conf (virtualbox driver)]:CIDR:_default' \
'--virtualbox-hostonly-nictype=[Host-only NIC type\: Am79C970A, Am79C973, 82540EM, 82543GC, 82545EM or virtio (virtualbox driver)]:TYPE:_default' \
'--virtualbox-hostonly-nicpromisc=[Host-only NIC promiscuous mode\: deny, allow-vms or allow-all (virtualbox driver)]:MODE:_default' \
'--virtualbox-nat-nictype=[NAT NIC type (virtualbox driver)]:TYPE:_default' \
'--virtualbox-ui-type=[How the VM is started\: headless, gui, sdl or separate (virtualbox driver)]:TYPE:_default' \
'--virtualbox-share-folder=[Folder to share as DIR\:NAME (the name is after the last '\''\:'\'') (virtualbox driver) \[default\: /home\:hosthome\]]:DIR:NAME:_default' \
'--virtualbox-boot-timeout=[How long a booting VM may take until it answers SSH and has an IP (virtualbox driver)]:SECS:_default' \
'--qemu-image=[Base image, qcow2 or raw with cloud-init (NoCloud)\: a path, file\:// URL, or http(s)\:// URL downloaded once into <store>/cache/qemu (qemu driver; required)]:URL:_default' \
'--qemu-image-checksum=[Expected SHA-256 of the image, as sha256\:HEX or HEX; a download that does not match is discarded (qemu driver)]:SHA256:_default' \
'--qemu-cpus=[Number of vCPUs (qemu driver)]:N:_default' \
'--qemu-memory=[Memory of the VM in MB (qemu driver)]:MB:_default' \
'--qemu-disk-size=[Disk size in MB\: a qcow2 overlay on the image, grown to this size; the guest grows its root file system at boot (qemu driver)]:MB:_default' \
'--qemu-accel=[auto, kvm or tcg. auto uses KVM when /dev/kvm opens and the CPU has hardware virtualisation (vmx/svm), else TCG software emulation with a warning (a /dev/kvm without vmx/svm, as PVM or some nested hosts offer, cannot run a stock kernel); decided once per flotilla command, and a KVM that still fails at boot falls back to TCG (qemu driver)]:ACCEL:_default' \
'--qemu-network=[user (forwarded loopback ports for SSH and the engine; no root needed) or bridge (a tap on --qemu-bridge with a static address, so VMs reach each other) (qemu driver)]:MODE:_default' \
'--qemu-bridge=[Host bridge for --qemu-network bridge; it must exist and have an IPv4 address, which is the VMs'\'' gateway (qemu driver)]:BRIDGE:_default' \
'--qemu-ip-address=[The VM'\''s address on the bridge \[default\: the next free one in the bridge'\''s subnet\] (qemu driver)]:ADDR:_default' \
'--qemu-binary=[QEMU system emulator to run (qemu driver)]:PATH:_default' \
'--qemu-ssh-user=[User that cloud-init creates with the machine'\''s SSH key and password-less sudo (qemu driver)]:USER:_default' \
'--qemu-boot-timeout=[How long a boot may take until the guest accepts an SSH login (qemu driver)]:SECS:_default' \
'--qemu-tcg-tb-size=[TCG translation cache in MB; more trades host memory for speed (qemu driver)]:MB:_default' \
'-s+[Store directory \[default\: \$XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla\]]:DIR:_files' \
'--storage-path=[Store directory \[default\: \$XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla\]]:DIR:_files' \
'--color=[When to colour messages; NO_COLOR turns \`auto\` off]:WHEN:(auto always never)' \
'--swarm[Make the machine a member of a swarm]' \
'--swarm-master[Make the machine the swarm'\''s master]' \
'--docker-privileged[Run the node with --privileged instead of the capability set (docker driver)]' \
'--virtualbox-hostonly-no-dhcp[Disable the host-only network'\''s DHCP server (virtualbox driver)]' \
'--virtualbox-no-share[Do not share the home directory (/home as hosthome) with the VM (virtualbox driver)]' \
'--virtualbox-no-dns-proxy[Disable the NAT DNS proxy (virtualbox driver)]' \
'--virtualbox-host-dns-resolver[Use the host'\''s DNS resolver for NAT (virtualbox driver)]' \
'--virtualbox-no-vtx-check[Skip the check of VBox.log for disabled VT-x/AMD-v (virtualbox driver)]' \
'-D[Log debug details (with step timings) to stderr; RUST_LOG also works]' \
'--debug[Log debug details (with step timings) to stderr; RUST_LOG also works]' \
'--no-progress[Never draw progress bars (they are only drawn on a terminal anyway)]' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
'*::names -- Machine names; several names create several machines concurrently:_default' \
&& ret=0
;;
(env)
_arguments "${_arguments_options[@]}" : \
'--shell=[Shell to print for \[default\: from \$SHELL, else bash\]]:SHELL:((bash\:"bash, sh, zsh and other POSIX shells"
fish\:""
powershell\:""
cmd\:""
tcsh\:""
emacs\:""
nu\:"nushell"))' \
'-t+[How long the connection check may take]:TIMEOUT:_default' \
'--timeout=[How long the connection check may take]:TIMEOUT:_default' \
'-s+[Store directory \[default\: \$XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla\]]:DIR:_files' \
'--storage-path=[Store directory \[default\: \$XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla\]]:DIR:_files' \
'--color=[When to colour messages; NO_COLOR turns \`auto\` off]:WHEN:(auto always never)' \
'--swarm[Point at the machine'\''s swarm manager (the port of its --swarm-host, 3376 by default)]' \
'-u[Print the commands that unset the variables instead]' \
'--unset[Print the commands that unset the variables instead]' \
'--no-proxy[Add the machine'\''s IP to NO_PROXY]' \
'-D[Log debug details (with step timings) to stderr; RUST_LOG also works]' \
'--debug[Log debug details (with step timings) to stderr; RUST_LOG also works]' \
'--no-progress[Never draw progress bars (they are only drawn on a terminal anyway)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'-V[Print version]' \
'--version[Print version]' \
'::name -- Machine name \[default\: "default" when it exists\]:_default' \
&& ret=0
;;
(inspect)
_arguments "${_arguments_options[@]}" : \
'-f+[Go template applied to the record, e.g. '\''{{.Driver.IPAddress}}'\'']:TEMPLATE:_default' \
'--format=[Go template applied to the record, e.g. '\''{{.Driver.IPAddress}}'\'']:TEMPLATE:_default' \
'-s+[Store directory \[default\: \$XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla\]]:DIR:_files' \
'--storage-path=[Store directory \[default\: \$XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla\]]:DIR:_files' \
'--color=[When to colour messages; NO_COLOR turns \`auto\` off]:WHEN:(auto always never)' \
'-D[Log debug details (with step timings) to stderr; RUST_LOG also works]' \
'--debug[Log debug details (with step timings) to stderr; RUST_LOG also works]' \
'--no-progress[Never draw progress bars (they are only drawn on a terminal anyway)]' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
'::name -- Machine name \[default\: "default" when it exists\]:_default' \
&& ret=0
;;
(ip)
_arguments "${_arguments_options[@]}" : \
'-s+[Store directory \[default\: \$XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla\]]:DIR:_files' \
'--storage-path=[Store directory \[default\: \$XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla\]]:DIR:_files' \
'--color=[When to colour messages; NO_COLOR turns \`auto\` off]:WHEN:(auto always never)' \
'-D[Log debug details (with step timings) to stderr; RUST_LOG also works]' \
'--debug[Log debug details (with step timings) to stderr; RUST_LOG also works]' \
'--no-progress[Never draw progress bars (they are only drawn on a terminal anyway)]' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
'*::names -- Machine names \[default\: "default" when it exists\]:_default' \
&& ret=0
;;
(kill)
_arguments "${_arguments_options[@]}" : \
'-s+[Store directory \[default\: \$XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla\]]:DIR:_files' \
'--storage-path=[Store directory \[default\: \$XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla\]]:DIR:_files' \
'--color=[When to colour messages; NO_COLOR turns \`auto\` off]:WHEN:(auto always never)' \
'-D[Log debug details (with step timings) to stderr; RUST_LOG also works]' \
'--debug[Log debug details (with step timings) to stderr; RUST_LOG also works]' \
'--no-progress[Never draw progress bars (they are only drawn on a terminal anyway)]' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
'*::names -- Machine names \[default\: "default" when it exists\]:_default' \
&& ret=0
;;
(provision)
_arguments "${_arguments_options[@]}" : \
'-s+[Store directory \[default\: \$XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla\]]:DIR:_files' \
'--storage-path=[Store directory \[default\: \$XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla\]]:DIR:_files' \
'--color=[When to colour messages; NO_COLOR turns \`auto\` off]:WHEN:(auto always never)' \
'-D[Log debug details (with step timings) to stderr; RUST_LOG also works]' \
'--debug[Log debug details (with step timings) to stderr; RUST_LOG also works]' \
'--no-progress[Never draw progress bars (they are only drawn on a terminal anyway)]' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
'*::names -- Machine names \[default\: "default" when it exists\]:_default' \
&& ret=0
;;
(regenerate-certs)
_arguments "${_arguments_options[@]}" : \
'-s+[Store directory \[default\: \$XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla\]]:DIR:_files' \
'--storage-path=[Store directory \[default\: \$XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla\]]:DIR:_files' \
'--color=[When to colour messages; NO_COLOR turns \`auto\` off]:WHEN:(auto always never)' \
'-f[Do not ask for confirmation]' \
'--force[Do not ask for confirmation]' \
'--client-certs[Also replace the client certificate (all machines keep working\: they trust the CA)]' \
'-D[Log debug details (with step timings) to stderr; RUST_LOG also works]' \
'--debug[Log debug details (with step timings) to stderr; RUST_LOG also works]' \
'--no-progress[Never draw progress bars (they are only drawn on a terminal anyway)]' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
'*::names -- Machine names \[default\: "default" when it exists\]:_default' \
&& ret=0
;;
(restart)
_arguments "${_arguments_options[@]}" : \
'-s+[Store directory \[default\: \$XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla\]]:DIR:_files' \
'--storage-path=[Store directory \[default\: \$XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla\]]:DIR:_files' \
'--color=[When to colour messages; NO_COLOR turns \`auto\` off]:WHEN:(auto always never)' \
'-D[Log debug details (with step timings) to stderr; RUST_LOG also works]' \
'--debug[Log debug details (with step timings) to stderr; RUST_LOG also works]' \
'--no-progress[Never draw progress bars (they are only drawn on a terminal anyway)]' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
'*::names -- Machine names \[default\: "default" when it exists\]:_default' \
&& ret=0
;;
(scp)
_arguments "${_arguments_options[@]}" : \
'-s+[Store directory \[default\: \$XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla\]]:DIR:_files' \
'--storage-path=[Store directory \[default\: \$XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla\]]:DIR:_files' \
'--color=[When to colour messages; NO_COLOR turns \`auto\` off]:WHEN:(auto always never)' \
'-r[Copy directories recursively]' \
'--recursive[Copy directories recursively]' \
'-d[Send only the differences (rsync; one side must be local)]' \
'--delta[Send only the differences (rsync; one side must be local)]' \
'-D[Log debug details (with step timings) to stderr; RUST_LOG also works]' \
'--debug[Log debug details (with step timings) to stderr; RUST_LOG also works]' \
'--no-progress[Never draw progress bars (they are only drawn on a terminal anyway)]' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
':src -- Source\: \[\[USER@\]MACHINE\:\]PATH:_default' \
':dst -- Destination\: \[\[USER@\]MACHINE\:\]PATH:_default' \
&& ret=0
;;
(ssh)
_arguments "${_arguments_options[@]}" : \
'-s+[Store directory \[default\: \$XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla\]]:DIR:_files' \
'--storage-path=[Store directory \[default\: \$XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla\]]:DIR:_files' \
'--color=[When to colour messages; NO_COLOR turns \`auto\` off]:WHEN:(auto always never)' \
'-D[Log debug details (with step timings) to stderr; RUST_LOG also works]' \
'--debug[Log debug details (with step timings) to stderr; RUST_LOG also works]' \
'--no-progress[Never draw progress bars (they are only drawn on a terminal anyway)]' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
':name -- Machine name:_default' \
'*::command -- Command to run instead of a login shell (after `--`); its exit code is flotilla'\''s:_default' \
&& ret=0
;;
(start)
_arguments "${_arguments_options[@]}" : \
'-s+[Store directory \[default\: \$XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla\]]:DIR:_files' \
'--storage-path=[Store directory \[default\: \$XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla\]]:DIR:_files' \
'--color=[When to colour messages; NO_COLOR turns \`auto\` off]:WHEN:(auto always never)' \
'-D[Log debug details (with step timings) to stderr; RUST_LOG also works]' \
'--debug[Log debug details (with step timings) to stderr; RUST_LOG also works]' \
'--no-progress[Never draw progress bars (they are only drawn on a terminal anyway)]' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
'*::names -- Machine names \[default\: "default" when it exists\]:_default' \
&& ret=0
;;
(stop)
_arguments "${_arguments_options[@]}" : \
'-s+[Store directory \[default\: \$XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla\]]:DIR:_files' \
'--storage-path=[Store directory \[default\: \$XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla\]]:DIR:_files' \
'--color=[When to colour messages; NO_COLOR turns \`auto\` off]:WHEN:(auto always never)' \
'-D[Log debug details (with step timings) to stderr; RUST_LOG also works]' \
'--debug[Log debug details (with step timings) to stderr; RUST_LOG also works]' \
'--no-progress[Never draw progress bars (they are only drawn on a terminal anyway)]' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
'*::names -- Machine names \[default\: "default" when it exists\]:_default' \
&& ret=0
;;
(upgrade)
_arguments "${_arguments_options[@]}" : \
'-s+[Store directory \[default\: \$XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla\]]:DIR:_files' \
'--storage-path=[Store directory \[default\: \$XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla\]]:DIR:_files' \
'--color=[When to colour messages; NO_COLOR turns \`auto\` off]:WHEN:(auto always never)' \
'-D[Log debug details (with step timings) to stderr; RUST_LOG also works]' \
'--debug[Log debug details (with step timings) to stderr; RUST_LOG also works]' \
'--no-progress[Never draw progress bars (they are only drawn on a terminal anyway)]' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
'*::names -- Machine names \[default\: "default" when it exists\]:_default' \
&& ret=0
;;
(ls)
_arguments "${_arguments_options[@]}" : \
'*--filter=[Filter\: driver=, state=, name= (regex), swarm=, label=KEY\[=VALUE\]; repeatable]:KEY=VALUE:_default' \
'-t+[How long to wait for each machine (they are queried concurrently)]:TIMEOUT:_default' \
'--timeout=[How long to wait for each machine (they are queried concurrently)]:TIMEOUT:_default' \
'-f+[\`json\`, a Go template ('\''{{.Name}}'\''), or \`table\` + template]:FORMAT:_default' \
'--format=[\`json\`, a Go template ('\''{{.Name}}'\''), or \`table\` + template]:FORMAT:_default' \
'-s+[Store directory \[default\: \$XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla\]]:DIR:_files' \
'--storage-path=[Store directory \[default\: \$XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla\]]:DIR:_files' \
'--color=[When to colour messages; NO_COLOR turns \`auto\` off]:WHEN:(auto always never)' \
'-q[Print only machine names (no network access)]' \
'--quiet[Print only machine names (no network access)]' \
'-D[Log debug details (with step timings) to stderr; RUST_LOG also works]' \
'--debug[Log debug details (with step timings) to stderr; RUST_LOG also works]' \
'--no-progress[Never draw progress bars (they are only drawn on a terminal anyway)]' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
&& ret=0
;;
(rm)
_arguments "${_arguments_options[@]}" : \
'-s+[Store directory \[default\: \$XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla\]]:DIR:_files' \
'--storage-path=[Store directory \[default\: \$XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla\]]:DIR:_files' \
'--color=[When to colour messages; NO_COLOR turns \`auto\` off]:WHEN:(auto always never)' \
'-f[Remove the local record even if removing the host fails (implies -y)]' \
'--force[Remove the local record even if removing the host fails (implies -y)]' \
'-y[Do not ask for confirmation]' \
'--generic-cleanup[Also remove flotilla'\''s engine configuration from generic hosts (the host'\''s own is restored)]' \
'-D[Log debug details (with step timings) to stderr; RUST_LOG also works]' \
'--debug[Log debug details (with step timings) to stderr; RUST_LOG also works]' \
'--no-progress[Never draw progress bars (they are only drawn on a terminal anyway)]' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
'*::names -- Machines to remove:_default' \
&& ret=0
;;
(status)
_arguments "${_arguments_options[@]}" : \
'-f+[The cluster file whose objects to show]:FILE:_files' \
'--file=[The cluster file whose objects to show]:FILE:_files' \
'--timeout=[How long each engine may take to answer]:DURATION:_default' \
'--format=[\`json\` prints the rows as a JSON array (with a cluster file)]:FORMAT:(json table)' \
'-s+[Store directory \[default\: \$XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla\]]:DIR:_files' \
'--storage-path=[Store directory \[default\: \$XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla\]]:DIR:_files' \
'--color=[When to colour messages; NO_COLOR turns \`auto\` off]:WHEN:(auto always never)' \
'-D[Log debug details (with step timings) to stderr; RUST_LOG also works]' \
'--debug[Log debug details (with step timings) to stderr; RUST_LOG also works]' \
'--no-progress[Never draw progress bars (they are only drawn on a terminal anyway)]' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
'::name -- Machine name \[default\: "default" when it exists\]; without a name and with a cluster file (-f, or ./flotilla.yaml), each object of the file against what exists:_default' \
&& ret=0
;;
(url)
_arguments "${_arguments_options[@]}" : \
'-s+[Store directory \[default\: \$XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla\]]:DIR:_files' \
'--storage-path=[Store directory \[default\: \$XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla\]]:DIR:_files' \
'--color=[When to colour messages; NO_COLOR turns \`auto\` off]:WHEN:(auto always never)' \
'-D[Log debug details (with step timings) to stderr; RUST_LOG also works]' \
'--debug[Log debug details (with step timings) to stderr; RUST_LOG also works]' \
'--no-progress[Never draw progress bars (they are only drawn on a terminal anyway)]' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
'::name -- Machine name \[default\: "default" when it exists\]:_default' \
&& ret=0
;;
(version)
_arguments "${_arguments_options[@]}" : \
'-t+[How long to wait for the engine]:TIMEOUT:_default' \
'--timeout=[How long to wait for the engine]:TIMEOUT:_default' \
'-s+[Store directory \[default\: \$XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla\]]:DIR:_files' \
'--storage-path=[Store directory \[default\: \$XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla\]]:DIR:_files' \
'--color=[When to colour messages; NO_COLOR turns \`auto\` off]:WHEN:(auto always never)' \
'-D[Log debug details (with step timings) to stderr; RUST_LOG also works]' \
'--debug[Log debug details (with step timings) to stderr; RUST_LOG also works]' \
'--no-progress[Never draw progress bars (they are only drawn on a terminal anyway)]' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
'::name -- Machine whose engine version to print:_default' \
&& ret=0
;;
(token)
_arguments "${_arguments_options[@]}" : \
'-s+[Store directory \[default\: \$XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla\]]:DIR:_files' \
'--storage-path=[Store directory \[default\: \$XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla\]]:DIR:_files' \
'--color=[When to colour messages; NO_COLOR turns \`auto\` off]:WHEN:(auto always never)' \
'-D[Log debug details (with step timings) to stderr; RUST_LOG also works]' \
'--debug[Log debug details (with step timings) to stderr; RUST_LOG also works]' \
'--no-progress[Never draw progress bars (they are only drawn on a terminal anyway)]' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
":: :_flotilla__subcmd__token_commands" \
"*::: :->token" \
&& ret=0

    case $state in
    (token)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:flotilla-token-command-$line[1]:"
        case $line[1] in
            (create)
_arguments "${_arguments_options[@]}" : \
'--discovery-url=[Token service for \`token\://TOKEN\` (http\:// or https\://; \`/v1\` is added to a URL without a path). Without it, \`token\://TOKEN\` lives in the store'\''s embedded registry (no server needed); \`token\://HOST\[\:PORT\]/PATH/TOKEN\` always names its own service (HTTPS)]:URL:_default' \
'--discovery-ca=[Extra CA certificate (PEM) to trust for an HTTPS token service]:FILE:_files' \
'--discovery-secret-file=[File holding the secret of the --discovery-url token service, sent when creating or deleting a token there (never to a service a token\://HOST/… URL names)]:FILE:_files' \
'--discovery-timeout=[Bound on each call to a token service or etcd]:DURATION:_default' \
'-s+[Store directory \[default\: \$XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla\]]:DIR:_files' \
'--storage-path=[Store directory \[default\: \$XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla\]]:DIR:_files' \
'--color=[When to colour messages; NO_COLOR turns \`auto\` off]:WHEN:(auto always never)' \
'-D[Log debug details (with step timings) to stderr; RUST_LOG also works]' \
'--debug[Log debug details (with step timings) to stderr; RUST_LOG also works]' \
'--no-progress[Never draw progress bars (they are only drawn on a terminal anyway)]' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
&& ret=0
;;
(rm)
_arguments "${_arguments_options[@]}" : \
'--discovery-url=[Token service for \`token\://TOKEN\` (http\:// or https\://; \`/v1\` is added to a URL without a path). Without it, \`token\://TOKEN\` lives in the store'\''s embedded registry (no server needed); \`token\://HOST\[\:PORT\]/PATH/TOKEN\` always names its own service (HTTPS)]:URL:_default' \
'--discovery-ca=[Extra CA certificate (PEM) to trust for an HTTPS token service]:FILE:_files' \
'--discovery-secret-file=[File holding the secret of the --discovery-url token service, sent when creating or deleting a token there (never to a service a token\://HOST/… URL names)]:FILE:_files' \
'--discovery-timeout=[Bound on each call to a token service or etcd]:DURATION:_default' \
'-s+[Store directory \[default\: \$XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla\]]:DIR:_files' \
'--storage-path=[Store directory \[default\: \$XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla\]]:DIR:_files' \
'--color=[When to colour messages; NO_COLOR turns \`auto\` off]:WHEN:(auto always never)' \
'-D[Log debug details (with step timings) to stderr; RUST_LOG also works]' \
'--debug[Log debug details (with step timings) to stderr; RUST_LOG also works]' \
'--no-progress[Never draw progress bars (they are only drawn on a terminal anyway)]' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
':token -- The token to delete:_default' \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
":: :_flotilla__subcmd__token__subcmd__help_commands" \
"*::: :->help" \
&& ret=0

    case $state in
    (help)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:flotilla-token-help-command-$line[1]:"
        case $line[1] in
            (create)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(rm)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
        esac
    ;;
esac
;;
(discovery)
_arguments "${_arguments_options[@]}" : \
'-s+[Store directory \[default\: \$XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla\]]:DIR:_files' \
'--storage-path=[Store directory \[default\: \$XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla\]]:DIR:_files' \
'--color=[When to colour messages; NO_COLOR turns \`auto\` off]:WHEN:(auto always never)' \
'-D[Log debug details (with step timings) to stderr; RUST_LOG also works]' \
'--debug[Log debug details (with step timings) to stderr; RUST_LOG also works]' \
'--no-progress[Never draw progress bars (they are only drawn on a terminal anyway)]' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
":: :_flotilla__subcmd__discovery_commands" \
"*::: :->discovery" \
&& ret=0

    case $state in
    (discovery)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:flotilla-discovery-command-$line[1]:"
        case $line[1] in
            (serve)
_arguments "${_arguments_options[@]}" : \
'--addr=[Address to listen on (port 0 picks a free port)]:HOST:PORT:_default' \
'--data=[Directory keeping tokens and members across restarts]:DIR:_files' \
'--tls-cert=[Serve HTTPS with this certificate chain (PEM)]:FILE:_files' \
'--tls-key=[Key of --tls-cert (PEM)]:FILE:_files' \
'--secret-file=[File holding a secret (one line, 16+ characters) that creating and deleting clusters require as \`Authorization\: Bearer SECRET\`; reads and members'\'' registrations stay open to anyone holding the token, as Docker Hub'\''s API had them]:FILE:_files' \
'--handshake-timeout=[How long a client may take to finish the TLS handshake]:DURATION:_default' \
'--header-timeout=[How long a request'\''s headers may take to arrive (from the first byte, or from the connection'\''s start for the first request)]:DURATION:_default' \
'--idle-timeout=[How long a connection with no request in flight stays open (responses that stream, such as events and logs -f, and hijacked streams are never cut)]:DURATION:_default' \
'--body-timeout=[How long a request body may stall between two reads]:DURATION:_default' \
'--max-body-size=[The largest request body (bytes, or with KiB, MiB, GiB)]:SIZE:_default' \
'--max-connections=[The most connections at once, counting those still in the TLS handshake; when reached, the oldest connection that has not yet sent a complete request is closed]:N:_default' \
'--drain-timeout=[How long stopping waits for requests in flight]:DURATION:_default' \
'-s+[Store directory \[default\: \$XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla\]]:DIR:_files' \
'--storage-path=[Store directory \[default\: \$XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla\]]:DIR:_files' \
'--color=[When to colour messages; NO_COLOR turns \`auto\` off]:WHEN:(auto always never)' \
'-D[Log debug details (with step timings) to stderr; RUST_LOG also works]' \
'--debug[Log debug details (with step timings) to stderr; RUST_LOG also works]' \
'--no-progress[Never draw progress bars (they are only drawn on a terminal anyway)]' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
":: :_flotilla__subcmd__discovery__subcmd__help_commands" \
"*::: :->help" \
&& ret=0

    case $state in
    (help)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:flotilla-discovery-help-command-$line[1]:"
        case $line[1] in
            (serve)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
        esac
    ;;
esac
;;
(join)
_arguments "${_arguments_options[@]}" : \
'--advertise=[Address to keep registered\: IP\:PORT or HOSTNAME\:PORT of the engine]:IP:PORT:_default' \
'--addr=[Address to keep registered\: IP\:PORT or HOSTNAME\:PORT of the engine]:IP:PORT:_default' \
'--heartbeat=[How often to register again (at least 1s)]:DURATION:_default' \
'--ttl=[How long an entry lives without a heartbeat (more than --heartbeat)]:DURATION:_default' \
'--delay=[Wait a random time up to this before the first registration, to spread out many agents]:DURATION:_default' \
'--discovery-url=[Token service for \`token\://TOKEN\` (http\:// or https\://; \`/v1\` is added to a URL without a path). Without it, \`token\://TOKEN\` lives in the store'\''s embedded registry (no server needed); \`token\://HOST\[\:PORT\]/PATH/TOKEN\` always names its own service (HTTPS)]:URL:_default' \
'--discovery-ca=[Extra CA certificate (PEM) to trust for an HTTPS token service]:FILE:_files' \
'--discovery-secret-file=[File holding the secret of the --discovery-url token service, sent when creating or deleting a token there (never to a service a token\://HOST/… URL names)]:FILE:_files' \
'--discovery-timeout=[Bound on each call to a token service or etcd]:DURATION:_default' \
'-s+[Store directory \[default\: \$XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla\]]:DIR:_files' \
'--storage-path=[Store directory \[default\: \$XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla\]]:DIR:_files' \
'--color=[When to colour messages; NO_COLOR turns \`auto\` off]:WHEN:(auto always never)' \
'-D[Log debug details (with step timings) to stderr; RUST_LOG also works]' \
'--debug[Log debug details (with step timings) to stderr; RUST_LOG also works]' \
'--no-progress[Never draw progress bars (they are only drawn on a terminal anyway)]' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
':url -- Discovery URL\: token\://TOKEN, token\://HOST/PATH/TOKEN, etcd\://H1,H2/PREFIX:_default' \
&& ret=0
;;
(list)
_arguments "${_arguments_options[@]}" : \
'--timeout=[Give up when the backend has not answered within this time]:DURATION:_default' \
'--format=[Output\: one address per line, or a JSON array]:FORMAT:(text json)' \
'--poll=[How often --watch polls backends that cannot be watched (etcd is watched, not polled)]:DURATION:_default' \
'--discovery-url=[Token service for \`token\://TOKEN\` (http\:// or https\://; \`/v1\` is added to a URL without a path). Without it, \`token\://TOKEN\` lives in the store'\''s embedded registry (no server needed); \`token\://HOST\[\:PORT\]/PATH/TOKEN\` always names its own service (HTTPS)]:URL:_default' \
'--discovery-ca=[Extra CA certificate (PEM) to trust for an HTTPS token service]:FILE:_files' \
'--discovery-secret-file=[File holding the secret of the --discovery-url token service, sent when creating or deleting a token there (never to a service a token\://HOST/… URL names)]:FILE:_files' \
'--discovery-timeout=[Bound on each call to a token service or etcd]:DURATION:_default' \
'-s+[Store directory \[default\: \$XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla\]]:DIR:_files' \
'--storage-path=[Store directory \[default\: \$XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla\]]:DIR:_files' \
'--color=[When to colour messages; NO_COLOR turns \`auto\` off]:WHEN:(auto always never)' \
'--watch[Keep running and print the list again whenever it changes (JSON\: one array per line; text\: a blank line after each list)]' \
'-D[Log debug details (with step timings) to stderr; RUST_LOG also works]' \
'--debug[Log debug details (with step timings) to stderr; RUST_LOG also works]' \
'--no-progress[Never draw progress bars (they are only drawn on a terminal anyway)]' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
':url -- Discovery URL\: token\://…, file\:///PATH, nodes\://A,B, etcd\://H1,H2/PREFIX:_default' \
&& ret=0
;;
(proxy)
_arguments "${_arguments_options[@]}" : \
'(--docker-host)--swarm=[Watch every engine of this swarm (a master'\''s name or a discovery URL; empty\: the only swarm in the store)]::MASTER|URL:_default' \
'(--docker-host)*--machine=[Watch this machine'\''s engine (repeatable); combines with --swarm]:NAME:_default' \
'--docker-host=[Watch one engine at this URL (tcp\://HOST\:PORT with DOCKER_CERT_PATH'\''s certificates when DOCKER_TLS_VERIFY is set, or unix\:///PATH) \[default\: DOCKER_HOST, else the local socket\]]:URL:_default' \
'--engine-ip=[With --docker-host\: the address other hosts reach that engine'\''s published ports on \[default\: the host of a tcp\:// URL; with a unix socket, containers are reached at their own IP\]]:IP:_default' \
'--wait=[Debounce\: wait until events pause for MIN, but never longer than MAX after the first one]:MIN:MAX:_default' \
'--resync=[Resynchronise every engine in full this often, as a safety net for lost events (SIGHUP also triggers one)]:DURATION:_default' \
'--timeout=[Timeout for connecting to an engine and for each API call]:DURATION:_default' \
'--conf-dir=[Directory for the configuration, nginx'\''s pid and temp files, and status.json \[default\: <store>/proxy\]]:DIR:_files' \
'--listen=[Where nginx listens\: PORT or IP\:PORT (with --node\: the port published on the node)]:[IP:]PORT:_default' \
'*--container-filter=[Route only the containers this filter selects, e.g. label=com.example.proxy=web; keys\: label, name, id, health, as \`docker ps --filter\` reads them (repeatable; docker-gen'\''s -container-filter)]:KEY=VALUE:_default' \
'--default-host=[The vhost that answers requests for unknown hosts (instead of 503)]:HOST:_default' \
'--nginx=[Local mode\: the nginx executable flotilla validates with (and runs, without --reload-cmd)]:PATH:_files' \
'(--node)--reload-cmd=[Local mode\: do not run nginx; after each validated swap run this command (sh -c) instead]:COMMAND:_default' \
'--node=[Run the nginx data plane as a container on this machine (typically the public one)]:MACHINE:_default' \
'--proxy-image=[With --node\: the image of the data plane container]:IMAGE:_default' \
'--proxy-name=[With --node\: the data plane container'\''s name; an existing one is adopted]:NAME:_default' \
'--listen-https=[Where nginx terminates TLS\: a port on --listen'\''s address (with --node\: the port the node publishes for the container'\''s 443; 0\: none) \[default\: none locally, 443 with --node\]]:PORT:_default' \
'--certs=[The certificates directory\: HOST.crt + HOST.key, default.crt + default.key, as nginx-proxy reads them (watched\: a renewed file is served after a reload) \[default\: <conf-dir>/certs\]]:DIR:_files' \
'--https-method=[How vhosts with a certificate treat HTTP unless they set HTTPS_METHOD\: redirect, noredirect, nohttp or nohttps]:METHOD:_default' \
'--hsts=[Strict-Transport-Security value for vhosts that do not set HSTS (\`off\`\: none)]:VALUE:_default' \
'--non-get-redirect=[Redirect code for methods other than GET and HEAD\: 301, 307 or 308]:CODE:_default' \
'--trust-default-cert=[Whether vhosts without a certificate of their own may be served with certs/default.crt]:BOOL:(true false)' \
'--http2=[HTTP/2 on the HTTPS listener]:BOOL:(true false)' \
'--default-root=[What \`/\` answers on vhosts that have no \`/\` path (\`return\`'\''s argument, e.g. 404, 418, "301 https\://example.com"); \`none\`\: no such location]:RETURN:_default' \
'--trust-downstream-proxy=[Keep the client'\''s X-Forwarded-Proto/Host/Port (and append to X-Forwarded-For)\: true when another proxy in front of this one sets them; false overwrites them with this proxy'\''s view]:BOOL:(true false)' \
'--access-log=[Write an access log (nginx-proxy'\''s \`vhost\` format) to this file \[default\: off\]]:PATH:_files' \
'--acme-email=[Built-in ACME\: the account'\''s contact address (turns ACME on, for vhosts that set LETSENCRYPT_HOST or the flotilla.proxy.acme label)]:EMAIL:_default' \
'(--acme-staging)--acme-directory=[Built-in ACME\: the directory URL (turns ACME on) \[default\: Let'\''s Encrypt'\''s production directory\]]:URL:_default' \
'--acme-ca-file=[Built-in ACME\: trust this PEM CA for the directory'\''s HTTPS instead of the system'\''s roots (a test CA such as pebble'\''s)]:PEM:_files' \
'-s+[Store directory \[default\: \$XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla\]]:DIR:_files' \
'--storage-path=[Store directory \[default\: \$XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla\]]:DIR:_files' \
'--color=[When to colour messages; NO_COLOR turns \`auto\` off]:WHEN:(auto always never)' \
'--acme-staging[Built-in ACME against Let'\''s Encrypt'\''s staging directory]' \
'-D[Log debug details (with step timings) to stderr; RUST_LOG also works]' \
'--debug[Log debug details (with step timings) to stderr; RUST_LOG also works]' \
'--no-progress[Never draw progress bars (they are only drawn on a terminal anyway)]' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
":: :_flotilla__subcmd__proxy_commands" \
"*::: :->proxy" \
&& ret=0

    case $state in
    (proxy)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:flotilla-proxy-command-$line[1]:"
        case $line[1] in
            (status)
_arguments "${_arguments_options[@]}" : \
'--conf-dir=[The watcher'\''s directory \[default\: <store>/proxy\]]:DIR:_files' \
'--format=[\`json\` prints the status file as written by the watcher]:FORMAT:(json table)' \
'-s+[Store directory \[default\: \$XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla\]]:DIR:_files' \
'--storage-path=[Store directory \[default\: \$XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla\]]:DIR:_files' \
'--color=[When to colour messages; NO_COLOR turns \`auto\` off]:WHEN:(auto always never)' \
'-D[Log debug details (with step timings) to stderr; RUST_LOG also works]' \
'--debug[Log debug details (with step timings) to stderr; RUST_LOG also works]' \
'--no-progress[Never draw progress bars (they are only drawn on a terminal anyway)]' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
":: :_flotilla__subcmd__proxy__subcmd__help_commands" \
"*::: :->help" \
&& ret=0

    case $state in
    (help)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:flotilla-proxy-help-command-$line[1]:"
        case $line[1] in
            (status)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
        esac
    ;;
esac
;;
(info)
_arguments "${_arguments_options[@]}" : \
'--swarm=[The swarm\: its master'\''s machine name or its discovery URL \[default\: the only swarm in the store\]]:MASTER-NAME|DISCOVERY-URL:_default' \
'--timeout=[How long each engine may take to answer (engines are queried concurrently)]:DURATION:_default' \
'-f+[\`json\` prints the state document (what \`plan --state\` reads), or a Go template over it]:FORMAT:_default' \
'--format=[\`json\` prints the state document (what \`plan --state\` reads), or a Go template over it]:FORMAT:_default' \
'-s+[Store directory \[default\: \$XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla\]]:DIR:_files' \
'--storage-path=[Store directory \[default\: \$XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla\]]:DIR:_files' \
'--color=[When to colour messages; NO_COLOR turns \`auto\` off]:WHEN:(auto always never)' \
'-D[Log debug details (with step timings) to stderr; RUST_LOG also works]' \
'--debug[Log debug details (with step timings) to stderr; RUST_LOG also works]' \
'--no-progress[Never draw progress bars (they are only drawn on a terminal anyway)]' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
&& ret=0
;;
(ps)
_arguments "${_arguments_options[@]}" : \
'--swarm=[The swarm\: its master'\''s machine name or its discovery URL \[default\: the only swarm in the store\]]:MASTER-NAME|DISCOVERY-URL:_default' \
'--timeout=[How long each engine may take to answer (engines are queried concurrently)]:DURATION:_default' \
'*--filter=[Filter\: node=, name= (substring), label=KEY\[=VALUE\], status=, id= (prefix); repeatable]:KEY=VALUE:_default' \
'--format=[\`json\`, a Go template ('\''{{.Names}}'\''), or \`table\` + template]:FORMAT:_default' \
'-s+[Store directory \[default\: \$XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla\]]:DIR:_files' \
'--storage-path=[Store directory \[default\: \$XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla\]]:DIR:_files' \
'--color=[When to colour messages; NO_COLOR turns \`auto\` off]:WHEN:(auto always never)' \
'-a[Show every container (stopped ones, and those on unhealthy nodes)]' \
'--all[Show every container (stopped ones, and those on unhealthy nodes)]' \
'-q[Print only container IDs]' \
'--quiet[Print only container IDs]' \
'--no-trunc[Do not truncate IDs and commands]' \
'-D[Log debug details (with step timings) to stderr; RUST_LOG also works]' \
'--debug[Log debug details (with step timings) to stderr; RUST_LOG also works]' \
'--no-progress[Never draw progress bars (they are only drawn on a terminal anyway)]' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
&& ret=0
;;
(run)
_arguments "${_arguments_options[@]}" : \
'--swarm=[The swarm\: its master'\''s machine name or its discovery URL \[default\: the only swarm in the store\]]:MASTER-NAME|DISCOVERY-URL:_default' \
'--timeout=[How long each engine may take to answer (engines are queried concurrently)]:DURATION:_default' \
'--pending-ttl=[How long a pending placement holds its node for other runs if this run dies]:DURATION:_default' \
'--name=[Container name (unique across the swarm)]:NAME:_default' \
'*-e+[Environment variable KEY=VALUE (or KEY, from this environment); \`constraint\:EXPR\`, \`affinity\:EXPR\` and \`reschedule\:POLICY\` are placement rules (repeatable)]:KEY=VALUE:_default' \
'*--env=[Environment variable KEY=VALUE (or KEY, from this environment); \`constraint\:EXPR\`, \`affinity\:EXPR\` and \`reschedule\:POLICY\` are placement rules (repeatable)]:KEY=VALUE:_default' \
'*--env-file=[Read environment variables from a file, one KEY=VALUE a line (repeatable)]:FILE:_files' \
'*-l+[Container label KEY=VALUE (repeatable)]:KEY=VALUE:_default' \
'*--label=[Container label KEY=VALUE (repeatable)]:KEY=VALUE:_default' \
'*-p+[Publish a port\: \[IP\:\]\[HOST_PORT\:\]CONTAINER_PORT\[/PROTO\] (repeatable)]:PORTS:_default' \
'*--publish=[Publish a port\: \[IP\:\]\[HOST_PORT\:\]CONTAINER_PORT\[/PROTO\] (repeatable)]:PORTS:_default' \
'*--expose=[Expose a port or range without publishing it (repeatable)]:PORT[/PROTO]:_default' \
'*--link=[Link to a container NAME\[\:ALIAS\]; the container is placed on the same node (repeatable)]:NAME[:ALIAS]:_default' \
'*--volumes-from=[Mount the volumes of a container; the container is placed on the same node (repeatable)]:CONTAINER[:ro|rw]:_default' \
'*-v+[Bind mount or volume SRC\:DST\[\:OPTS\] (repeatable)]:SRC:DST[:OPTS]:_default' \
'*--volume=[Bind mount or volume SRC\:DST\[\:OPTS\] (repeatable)]:SRC:DST[:OPTS]:_default' \
'--network=[Network mode\: bridge, host, none, container\:NAME or a network name]:NETWORK:_default' \
'--net=[Network mode\: bridge, host, none, container\:NAME or a network name]:NETWORK:_default' \
'-m+[Memory limit, which is also the reservation the scheduler counts (e.g. 512m, 1g)]:BYTES:_default' \
'--memory=[Memory limit, which is also the reservation the scheduler counts (e.g. 512m, 1g)]:BYTES:_default' \
'--cpus=[CPU limit in CPUs, which is also the reservation the scheduler counts (e.g. 0.5)]:CPUS:_default' \
'--restart=[Restart policy\: no, always, unless-stopped, on-failure\[\:MAX\]]:POLICY:_default' \
'--entrypoint=[Override the image'\''s entrypoint]:CMD:_default' \
'-w+[Working directory inside the container]:DIR:_default' \
'--workdir=[Working directory inside the container]:DIR:_default' \
'-u+[User NAME|UID\[\:GROUP|GID\]]:USER:_default' \
'--user=[User NAME|UID\[\:GROUP|GID\]]:USER:_default' \
'-s+[Store directory \[default\: \$XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla\]]:DIR:_files' \
'--storage-path=[Store directory \[default\: \$XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla\]]:DIR:_files' \
'--color=[When to colour messages; NO_COLOR turns \`auto\` off]:WHEN:(auto always never)' \
'--dry-run[Print where the container would go (a plan result object) and create nothing]' \
'--explain[Print, node by node, which filter rejected the container and why; create nothing]' \
'-d[Run in the background and print the container ID]' \
'--detach[Run in the background and print the container ID]' \
'-P[Publish every exposed port on a random host port]' \
'--publish-all[Publish every exposed port on a random host port]' \
'--rm[Remove the container when it exits]' \
'-i[Keep stdin open and forward it]' \
'--interactive[Keep stdin open and forward it]' \
'-t[Allocate a pseudo-TTY]' \
'--tty[Allocate a pseudo-TTY]' \
'-D[Log debug details (with step timings) to stderr; RUST_LOG also works]' \
'--debug[Log debug details (with step timings) to stderr; RUST_LOG also works]' \
'--no-progress[Never draw progress bars (they are only drawn on a terminal anyway)]' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
':image -- Image to run:_default' \
'*::command -- Command and arguments:_default' \
&& ret=0
;;
(plan)
_arguments "${_arguments_options[@]}" : \
'--state=[State document (as \`info --format json\` prints it); \`-\` reads stdin]:FILE:_files' \
'()--requests=[JSON array of create requests (Engine API bodies with a \`Name\`), decided in order]:FILE:_files' \
'--strategy=[Ranking strategy \[default\: the state document'\''s\]]:spread|binpack|random:_default' \
'--overcommit=[Overcommit fraction on CPUs and memory, e.g. 0.05 \[default\: the state document'\''s\]]:FRACTION:_default' \
'--seed=[Seed of the random strategy]:N:_default' \
'--name=[Container name (unique across the swarm)]:NAME:_default' \
'*-e+[Environment variable KEY=VALUE (or KEY, from this environment); \`constraint\:EXPR\`, \`affinity\:EXPR\` and \`reschedule\:POLICY\` are placement rules (repeatable)]:KEY=VALUE:_default' \
'*--env=[Environment variable KEY=VALUE (or KEY, from this environment); \`constraint\:EXPR\`, \`affinity\:EXPR\` and \`reschedule\:POLICY\` are placement rules (repeatable)]:KEY=VALUE:_default' \
'*--env-file=[Read environment variables from a file, one KEY=VALUE a line (repeatable)]:FILE:_files' \
'*-l+[Container label KEY=VALUE (repeatable)]:KEY=VALUE:_default' \
'*--label=[Container label KEY=VALUE (repeatable)]:KEY=VALUE:_default' \
'*-p+[Publish a port\: \[IP\:\]\[HOST_PORT\:\]CONTAINER_PORT\[/PROTO\] (repeatable)]:PORTS:_default' \
'*--publish=[Publish a port\: \[IP\:\]\[HOST_PORT\:\]CONTAINER_PORT\[/PROTO\] (repeatable)]:PORTS:_default' \
'*--expose=[Expose a port or range without publishing it (repeatable)]:PORT[/PROTO]:_default' \
'*--link=[Link to a container NAME\[\:ALIAS\]; the container is placed on the same node (repeatable)]:NAME[:ALIAS]:_default' \
'*--volumes-from=[Mount the volumes of a container; the container is placed on the same node (repeatable)]:CONTAINER[:ro|rw]:_default' \
'*-v+[Bind mount or volume SRC\:DST\[\:OPTS\] (repeatable)]:SRC:DST[:OPTS]:_default' \
'*--volume=[Bind mount or volume SRC\:DST\[\:OPTS\] (repeatable)]:SRC:DST[:OPTS]:_default' \
'--network=[Network mode\: bridge, host, none, container\:NAME or a network name]:NETWORK:_default' \
'--net=[Network mode\: bridge, host, none, container\:NAME or a network name]:NETWORK:_default' \
'-m+[Memory limit, which is also the reservation the scheduler counts (e.g. 512m, 1g)]:BYTES:_default' \
'--memory=[Memory limit, which is also the reservation the scheduler counts (e.g. 512m, 1g)]:BYTES:_default' \
'--cpus=[CPU limit in CPUs, which is also the reservation the scheduler counts (e.g. 0.5)]:CPUS:_default' \
'--restart=[Restart policy\: no, always, unless-stopped, on-failure\[\:MAX\]]:POLICY:_default' \
'--entrypoint=[Override the image'\''s entrypoint]:CMD:_default' \
'-w+[Working directory inside the container]:DIR:_default' \
'--workdir=[Working directory inside the container]:DIR:_default' \
'-u+[User NAME|UID\[\:GROUP|GID\]]:USER:_default' \
'--user=[User NAME|UID\[\:GROUP|GID\]]:USER:_default' \
'-s+[Store directory \[default\: \$XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla\]]:DIR:_files' \
'--storage-path=[Store directory \[default\: \$XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla\]]:DIR:_files' \
'--color=[When to colour messages; NO_COLOR turns \`auto\` off]:WHEN:(auto always never)' \
'-d[Run in the background and print the container ID]' \
'--detach[Run in the background and print the container ID]' \
'-P[Publish every exposed port on a random host port]' \
'--publish-all[Publish every exposed port on a random host port]' \
'--rm[Remove the container when it exits]' \
'-i[Keep stdin open and forward it]' \
'--interactive[Keep stdin open and forward it]' \
'-t[Allocate a pseudo-TTY]' \
'--tty[Allocate a pseudo-TTY]' \
'-D[Log debug details (with step timings) to stderr; RUST_LOG also works]' \
'--debug[Log debug details (with step timings) to stderr; RUST_LOG also works]' \
'--no-progress[Never draw progress bars (they are only drawn on a terminal anyway)]' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
'::image -- Image of the one container to decide (instead of --requests):_default' \
'*::command -- Command and arguments (recorded, not used by the decision):_default' \
&& ret=0
;;
(manage)
_arguments "${_arguments_options[@]}" : \
'--swarm=[The swarm\: its master'\''s machine name or its discovery URL \[default\: the only swarm in the store\]]:MASTER-NAME|DISCOVERY-URL:_default' \
'--timeout=[How long each engine may take to answer (engines are queried concurrently)]:DURATION:_default' \
'-H+[Where to listen \[default\: the master'\''s swarm host, tcp\://0.0.0.0\:3376\]]:tcp://IP:PORT:_default' \
'--host=[Where to listen \[default\: the master'\''s swarm host, tcp\://0.0.0.0\:3376\]]:tcp://IP:PORT:_default' \
'*--tls-san=[Another DNS name or IP for the manager'\''s certificate (repeatable; the master'\''s IP, the listen IP, 127.0.0.1 and localhost are always in it)]:NAME|IP:_default' \
'--pending-ttl=[How long a pending placement holds its node for other creates if a create dies]:DURATION:_default' \
'--handshake-timeout=[How long a client may take to finish the TLS handshake]:DURATION:_default' \
'--header-timeout=[How long a request'\''s headers may take to arrive (from the first byte, or from the connection'\''s start for the first request)]:DURATION:_default' \
'--idle-timeout=[How long a connection with no request in flight stays open (responses that stream, such as events and logs -f, and hijacked streams are never cut)]:DURATION:_default' \
'--body-timeout=[How long a request body may stall between two reads]:DURATION:_default' \
'--max-body-size=[The largest request body (bytes, or with KiB, MiB, GiB)]:SIZE:_default' \
'--max-connections=[The most connections at once, counting those still in the TLS handshake; when reached, the oldest connection that has not yet sent a complete request is closed]:N:_default' \
'--drain-timeout=[How long stopping waits for requests in flight]:DURATION:_default' \
'--engine-refresh-min-interval=[Shortest time between two refreshes of an engine (each engine waits a random time between the min and the max, so engines do not refresh in step)]:DURATION:_default' \
'--engine-refresh-max-interval=[Longest time between two refreshes of an engine]:DURATION:_default' \
'--engine-failure-retry=[Failed attempts before a Healthy node is Unhealthy]:N:_default' \
'--heartbeat=[How often the discovery backend is read again when it cannot be watched]:DURATION:_default' \
'--tls-cert=[The manager'\''s certificate (PEM) instead of one issued from the store'\''s CA (what a manager deployed on a master uses\: its store has the CA'\''s certificate, not its key)]:FILE:_files' \
'--tls-key=[The key of --tls-cert]:FILE:_files' \
'--advertise=[Where the other managers and clients reach this one (with --replication)]:IP:PORT:_default' \
'--replication-ttl=[How long a dead leader keeps the lead (with --replication)]:DURATION:_default' \
'--replication-store=[The etcd that elects the leader, for a swarm not discovered through etcd]:etcd://HOST:2379[/PREFIX]:_default' \
'-s+[Store directory \[default\: \$XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla\]]:DIR:_files' \
'--storage-path=[Store directory \[default\: \$XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla\]]:DIR:_files' \
'--color=[When to colour messages; NO_COLOR turns \`auto\` off]:WHEN:(auto always never)' \
'--replication[Run as one of several managers of the swarm with one leader elected through etcd; the others relay to it]' \
'-D[Log debug details (with step timings) to stderr; RUST_LOG also works]' \
'--debug[Log debug details (with step timings) to stderr; RUST_LOG also works]' \
'--no-progress[Never draw progress bars (they are only drawn on a terminal anyway)]' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
":: :_flotilla__subcmd__manage_commands" \
"*::: :->manage" \
&& ret=0

    case $state in
    (manage)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:flotilla-manage-command-$line[1]:"
        case $line[1] in
            (status)
_arguments "${_arguments_options[@]}" : \
'--swarm=[The swarm master \[default\: the master of the only swarm\]]:MASTER-NAME:_default' \
'--timeout=[How long the manager may take to answer]:DURATION:_default' \
'--format=[\`json\` prints the status as a JSON object]:FORMAT:(json table)' \
'-s+[Store directory \[default\: \$XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla\]]:DIR:_files' \
'--storage-path=[Store directory \[default\: \$XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla\]]:DIR:_files' \
'--color=[When to colour messages; NO_COLOR turns \`auto\` off]:WHEN:(auto always never)' \
'-D[Log debug details (with step timings) to stderr; RUST_LOG also works]' \
'--debug[Log debug details (with step timings) to stderr; RUST_LOG also works]' \
'--no-progress[Never draw progress bars (they are only drawn on a terminal anyway)]' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
":: :_flotilla__subcmd__manage__subcmd__help_commands" \
"*::: :->help" \
&& ret=0

    case $state in
    (help)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:flotilla-manage-help-command-$line[1]:"
        case $line[1] in
            (status)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
        esac
    ;;
esac
;;
(up)
_arguments "${_arguments_options[@]}" : \
'-f+[The cluster file \[default\: flotilla.yaml, else flotilla.yml, in this directory\]]:FILE:_files' \
'--file=[The cluster file \[default\: flotilla.yaml, else flotilla.yml, in this directory\]]:FILE:_files' \
'--timeout=[How long each engine may take to answer]:DURATION:_default' \
'-s+[Store directory \[default\: \$XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla\]]:DIR:_files' \
'--storage-path=[Store directory \[default\: \$XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla\]]:DIR:_files' \
'--color=[When to colour messages; NO_COLOR turns \`auto\` off]:WHEN:(auto always never)' \
'--dry-run[Print the plan (create / change / recreate / start / remove, per object) and touch nothing]' \
'--prune[Also remove what an earlier \`up\` made that the file no longer has]' \
'--schema[Print the cluster file'\''s JSON schema and exit]' \
'-D[Log debug details (with step timings) to stderr; RUST_LOG also works]' \
'--debug[Log debug details (with step timings) to stderr; RUST_LOG also works]' \
'--no-progress[Never draw progress bars (they are only drawn on a terminal anyway)]' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
&& ret=0
;;
(down)
_arguments "${_arguments_options[@]}" : \
'-f+[The cluster file \[default\: flotilla.yaml, else flotilla.yml, in this directory\]]:FILE:_files' \
'--file=[The cluster file \[default\: flotilla.yaml, else flotilla.yml, in this directory\]]:FILE:_files' \
'--timeout=[How long each engine may take to answer]:DURATION:_default' \
'-s+[Store directory \[default\: \$XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla\]]:DIR:_files' \
'--storage-path=[Store directory \[default\: \$XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla\]]:DIR:_files' \
'--color=[When to colour messages; NO_COLOR turns \`auto\` off]:WHEN:(auto always never)' \
'--keep-machines[Remove the containers and the proxy but keep the machines (and their swarm)]' \
'-D[Log debug details (with step timings) to stderr; RUST_LOG also works]' \
'--debug[Log debug details (with step timings) to stderr; RUST_LOG also works]' \
'--no-progress[Never draw progress bars (they are only drawn on a terminal anyway)]' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
&& ret=0
;;
(certs)
_arguments "${_arguments_options[@]}" : \
'-s+[Store directory \[default\: \$XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla\]]:DIR:_files' \
'--storage-path=[Store directory \[default\: \$XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla\]]:DIR:_files' \
'--color=[When to colour messages; NO_COLOR turns \`auto\` off]:WHEN:(auto always never)' \
'-D[Log debug details (with step timings) to stderr; RUST_LOG also works]' \
'--debug[Log debug details (with step timings) to stderr; RUST_LOG also works]' \
'--no-progress[Never draw progress bars (they are only drawn on a terminal anyway)]' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
":: :_flotilla__subcmd__certs_commands" \
"*::: :->certs" \
&& ret=0

    case $state in
    (certs)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:flotilla-certs-command-$line[1]:"
        case $line[1] in
            (server)
_arguments "${_arguments_options[@]}" : \
'*--san=[Subject alternative names\: the engine'\''s IP addresses and DNS names (localhost is always added)]:IP|NAME:_default' \
'--out=[Directory to write ca.pem, server.pem and server-key.pem into]:DIR:_files' \
'-s+[Store directory \[default\: \$XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla\]]:DIR:_files' \
'--storage-path=[Store directory \[default\: \$XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla\]]:DIR:_files' \
'--color=[When to colour messages; NO_COLOR turns \`auto\` off]:WHEN:(auto always never)' \
'-D[Log debug details (with step timings) to stderr; RUST_LOG also works]' \
'--debug[Log debug details (with step timings) to stderr; RUST_LOG also works]' \
'--no-progress[Never draw progress bars (they are only drawn on a terminal anyway)]' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
":: :_flotilla__subcmd__certs__subcmd__help_commands" \
"*::: :->help" \
&& ret=0

    case $state in
    (help)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:flotilla-certs-help-command-$line[1]:"
        case $line[1] in
            (server)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
        esac
    ;;
esac
;;
(completions)
_arguments "${_arguments_options[@]}" : \
'-s+[Store directory \[default\: \$XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla\]]:DIR:_files' \
'--storage-path=[Store directory \[default\: \$XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla\]]:DIR:_files' \
'--color=[When to colour messages; NO_COLOR turns \`auto\` off]:WHEN:(auto always never)' \
'-D[Log debug details (with step timings) to stderr; RUST_LOG also works]' \
'--debug[Log debug details (with step timings) to stderr; RUST_LOG also works]' \
'--no-progress[Never draw progress bars (they are only drawn on a terminal anyway)]' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
':shell -- The shell to complete for:(bash elvish fish powershell zsh)' \
&& ret=0
;;
(generate-docs)
_arguments "${_arguments_options[@]}" : \
'--out-dir=[Directory to write completions/ and man/ into]:DIR:_files' \
'-s+[Store directory \[default\: \$XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla\]]:DIR:_files' \
'--storage-path=[Store directory \[default\: \$XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla\]]:DIR:_files' \
'--color=[When to colour messages; NO_COLOR turns \`auto\` off]:WHEN:(auto always never)' \
'-D[Log debug details (with step timings) to stderr; RUST_LOG also works]' \
'--debug[Log debug details (with step timings) to stderr; RUST_LOG also works]' \
'--no-progress[Never draw progress bars (they are only drawn on a terminal anyway)]' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
":: :_flotilla__subcmd__help_commands" \
"*::: :->help" \
&& ret=0

    case $state in
    (help)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:flotilla-help-command-$line[1]:"
        case $line[1] in
            (active)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(config)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(create)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(env)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(inspect)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(ip)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(kill)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(provision)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(regenerate-certs)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(restart)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(scp)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(ssh)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(start)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(stop)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(upgrade)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(ls)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(rm)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(status)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(url)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(version)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(token)
_arguments "${_arguments_options[@]}" : \
":: :_flotilla__subcmd__help__subcmd__token_commands" \
"*::: :->token" \
&& ret=0

    case $state in
    (token)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:flotilla-help-token-command-$line[1]:"
        case $line[1] in
            (create)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(rm)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
(discovery)
_arguments "${_arguments_options[@]}" : \
":: :_flotilla__subcmd__help__subcmd__discovery_commands" \
"*::: :->discovery" \
&& ret=0

    case $state in
    (discovery)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:flotilla-help-discovery-command-$line[1]:"
        case $line[1] in
            (serve)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
(join)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(list)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(proxy)
_arguments "${_arguments_options[@]}" : \
":: :_flotilla__subcmd__help__subcmd__proxy_commands" \
"*::: :->proxy" \
&& ret=0

    case $state in
    (proxy)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:flotilla-help-proxy-command-$line[1]:"
        case $line[1] in
            (status)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
(info)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(ps)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(run)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(plan)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(manage)
_arguments "${_arguments_options[@]}" : \
":: :_flotilla__subcmd__help__subcmd__manage_commands" \
"*::: :->manage" \
&& ret=0

    case $state in
    (manage)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:flotilla-help-manage-command-$line[1]:"
        case $line[1] in
            (status)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
(up)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(down)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(certs)
_arguments "${_arguments_options[@]}" : \
":: :_flotilla__subcmd__help__subcmd__certs_commands" \
"*::: :->certs" \
&& ret=0

    case $state in
    (certs)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:flotilla-help-certs-command-$line[1]:"
        case $line[1] in
            (server)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
(completions)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(generate-docs)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
        esac
    ;;
esac
}

(( $+functions[_flotilla_commands] )) ||
_flotilla_commands() {
    local commands; commands=(
'active:Print which machine is active (the one DOCKER_HOST points at)' \
'config:Print the docker client flags for a machine' \
'create:Create a machine' \
'env:Print the commands that point a Docker client at a machine' \
'inspect:Print a machine'\''s record as JSON, or through a template' \
'ip:Print the IP address of machines' \
'kill:Kill machines (power off at once)' \
'provision:Provision machines again with their stored options (idempotent)' \
'regenerate-certs:Issue new server certificates (and, with --client-certs, a new client certificate)' \
'restart:Restart machines' \
'scp:Copy files to, from or between machines' \
'ssh:Log into a machine or run a command on it' \
'start:Start machines' \
'stop:Stop machines' \
'upgrade:Upgrade the engine of machines with the host'\''s package manager' \
'ls:List machines' \
'rm:Remove machines' \
'status:Print the state of a machine, or (with a cluster file) of each object of the file' \
'url:Print the engine URL of a machine' \
'version:Print flotilla'\''s version, or a machine'\''s engine version' \
'token:Cluster tokens\: create one (in the store, or on a token service), delete one' \
'discovery:The token service' \
'join:Keep an engine address registered in a cluster'\''s discovery until stopped' \
'list:Print a cluster'\''s addresses from its discovery URL' \
'proxy:Keep nginx routing to every container that sets VIRTUAL_HOST, on every engine watched' \
'info:Show a swarm\: its nodes, their health, reservations and labels' \
'ps:List the containers of a swarm (NODE/NAME)' \
'run:Place a container on a swarm'\''s best node, create and start it' \
'plan:Decide placements from a state document, without any engine' \
'manage:Serve the Docker Engine API for a swarm, so the plain \`docker\` CLI drives it' \
'up:Make the cluster a file describes exist\: machines, swarm, proxy and containers' \
'down:Remove what \`up\` made for a cluster file' \
'certs:Certificates of the store' \
'completions:Print a shell completion script' \
'generate-docs:Write completions and man pages (for packagers and the repository)' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'flotilla commands' commands "$@"
}
(( $+functions[_flotilla__subcmd__active_commands] )) ||
_flotilla__subcmd__active_commands() {
    local commands; commands=()
    _describe -t commands 'flotilla active commands' commands "$@"
}
(( $+functions[_flotilla__subcmd__certs_commands] )) ||
_flotilla__subcmd__certs_commands() {
    local commands; commands=(
'server:Issue a server certificate signed by the store'\''s CA, for an engine you then adopt with \`create -d none\`' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'flotilla certs commands' commands "$@"
}
(( $+functions[_flotilla__subcmd__certs__subcmd__help_commands] )) ||
_flotilla__subcmd__certs__subcmd__help_commands() {
    local commands; commands=(
'server:Issue a server certificate signed by the store'\''s CA, for an engine you then adopt with \`create -d none\`' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'flotilla certs help commands' commands "$@"
}
(( $+functions[_flotilla__subcmd__certs__subcmd__help__subcmd__help_commands] )) ||
_flotilla__subcmd__certs__subcmd__help__subcmd__help_commands() {
    local commands; commands=()
    _describe -t commands 'flotilla certs help help commands' commands "$@"
}
(( $+functions[_flotilla__subcmd__certs__subcmd__help__subcmd__server_commands] )) ||
_flotilla__subcmd__certs__subcmd__help__subcmd__server_commands() {
    local commands; commands=()
    _describe -t commands 'flotilla certs help server commands' commands "$@"
}
(( $+functions[_flotilla__subcmd__certs__subcmd__server_commands] )) ||
_flotilla__subcmd__certs__subcmd__server_commands() {
    local commands; commands=()
    _describe -t commands 'flotilla certs server commands' commands "$@"
}
(( $+functions[_flotilla__subcmd__completions_commands] )) ||
_flotilla__subcmd__completions_commands() {
    local commands; commands=()
    _describe -t commands 'flotilla completions commands' commands "$@"
}
(( $+functions[_flotilla__subcmd__config_commands] )) ||
_flotilla__subcmd__config_commands() {
    local commands; commands=()
    _describe -t commands 'flotilla config commands' commands "$@"
}
(( $+functions[_flotilla__subcmd__create_commands] )) ||
_flotilla__subcmd__create_commands() {
    local commands; commands=()
    _describe -t commands 'flotilla create commands' commands "$@"
}
(( $+functions[_flotilla__subcmd__discovery_commands] )) ||
_flotilla__subcmd__discovery_commands() {
    local commands; commands=(
'serve:Run a token service (Docker Hub'\''s discovery API, self-hosted). Prints its URL on stdout once it listens; stops on SIGTERM or Ctrl-C' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'flotilla discovery commands' commands "$@"
}
(( $+functions[_flotilla__subcmd__discovery__subcmd__help_commands] )) ||
_flotilla__subcmd__discovery__subcmd__help_commands() {
    local commands; commands=(
'serve:Run a token service (Docker Hub'\''s discovery API, self-hosted). Prints its URL on stdout once it listens; stops on SIGTERM or Ctrl-C' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'flotilla discovery help commands' commands "$@"
}
(( $+functions[_flotilla__subcmd__discovery__subcmd__help__subcmd__help_commands] )) ||
_flotilla__subcmd__discovery__subcmd__help__subcmd__help_commands() {
    local commands; commands=()
    _describe -t commands 'flotilla discovery help help commands' commands "$@"
}
(( $+functions[_flotilla__subcmd__discovery__subcmd__help__subcmd__serve_commands] )) ||
_flotilla__subcmd__discovery__subcmd__help__subcmd__serve_commands() {
    local commands; commands=()
    _describe -t commands 'flotilla discovery help serve commands' commands "$@"
}
(( $+functions[_flotilla__subcmd__discovery__subcmd__serve_commands] )) ||
_flotilla__subcmd__discovery__subcmd__serve_commands() {
    local commands; commands=()
    _describe -t commands 'flotilla discovery serve commands' commands "$@"
}
(( $+functions[_flotilla__subcmd__down_commands] )) ||
_flotilla__subcmd__down_commands() {
    local commands; commands=()
    _describe -t commands 'flotilla down commands' commands "$@"
}
(( $+functions[_flotilla__subcmd__env_commands] )) ||
_flotilla__subcmd__env_commands() {
    local commands; commands=()
    _describe -t commands 'flotilla env commands' commands "$@"
}
(( $+functions[_flotilla__subcmd__generate-docs_commands] )) ||
_flotilla__subcmd__generate-docs_commands() {
    local commands; commands=()
    _describe -t commands 'flotilla generate-docs commands' commands "$@"
}
(( $+functions[_flotilla__subcmd__help_commands] )) ||
_flotilla__subcmd__help_commands() {
    local commands; commands=(
'active:Print which machine is active (the one DOCKER_HOST points at)' \
'config:Print the docker client flags for a machine' \
'create:Create a machine' \
'env:Print the commands that point a Docker client at a machine' \
'inspect:Print a machine'\''s record as JSON, or through a template' \
'ip:Print the IP address of machines' \
'kill:Kill machines (power off at once)' \
'provision:Provision machines again with their stored options (idempotent)' \
'regenerate-certs:Issue new server certificates (and, with --client-certs, a new client certificate)' \
'restart:Restart machines' \
'scp:Copy files to, from or between machines' \
'ssh:Log into a machine or run a command on it' \
'start:Start machines' \
'stop:Stop machines' \
'upgrade:Upgrade the engine of machines with the host'\''s package manager' \
'ls:List machines' \
'rm:Remove machines' \
'status:Print the state of a machine, or (with a cluster file) of each object of the file' \
'url:Print the engine URL of a machine' \
'version:Print flotilla'\''s version, or a machine'\''s engine version' \
'token:Cluster tokens\: create one (in the store, or on a token service), delete one' \
'discovery:The token service' \
'join:Keep an engine address registered in a cluster'\''s discovery until stopped' \
'list:Print a cluster'\''s addresses from its discovery URL' \
'proxy:Keep nginx routing to every container that sets VIRTUAL_HOST, on every engine watched' \
'info:Show a swarm\: its nodes, their health, reservations and labels' \
'ps:List the containers of a swarm (NODE/NAME)' \
'run:Place a container on a swarm'\''s best node, create and start it' \
'plan:Decide placements from a state document, without any engine' \
'manage:Serve the Docker Engine API for a swarm, so the plain \`docker\` CLI drives it' \
'up:Make the cluster a file describes exist\: machines, swarm, proxy and containers' \
'down:Remove what \`up\` made for a cluster file' \
'certs:Certificates of the store' \
'completions:Print a shell completion script' \
'generate-docs:Write completions and man pages (for packagers and the repository)' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'flotilla help commands' commands "$@"
}
(( $+functions[_flotilla__subcmd__help__subcmd__active_commands] )) ||
_flotilla__subcmd__help__subcmd__active_commands() {
    local commands; commands=()
    _describe -t commands 'flotilla help active commands' commands "$@"
}
(( $+functions[_flotilla__subcmd__help__subcmd__certs_commands] )) ||
_flotilla__subcmd__help__subcmd__certs_commands() {
    local commands; commands=(
'server:Issue a server certificate signed by the store'\''s CA, for an engine you then adopt with \`create -d none\`' \
    )
    _describe -t commands 'flotilla help certs commands' commands "$@"
}
(( $+functions[_flotilla__subcmd__help__subcmd__certs__subcmd__server_commands] )) ||
_flotilla__subcmd__help__subcmd__certs__subcmd__server_commands() {
    local commands; commands=()
    _describe -t commands 'flotilla help certs server commands' commands "$@"
}
(( $+functions[_flotilla__subcmd__help__subcmd__completions_commands] )) ||
_flotilla__subcmd__help__subcmd__completions_commands() {
    local commands; commands=()
    _describe -t commands 'flotilla help completions commands' commands "$@"
}
(( $+functions[_flotilla__subcmd__help__subcmd__config_commands] )) ||
_flotilla__subcmd__help__subcmd__config_commands() {
    local commands; commands=()
    _describe -t commands 'flotilla help config commands' commands "$@"
}
(( $+functions[_flotilla__subcmd__help__subcmd__create_commands] )) ||
_flotilla__subcmd__help__subcmd__create_commands() {
    local commands; commands=()
    _describe -t commands 'flotilla help create commands' commands "$@"
}
(( $+functions[_flotilla__subcmd__help__subcmd__discovery_commands] )) ||
_flotilla__subcmd__help__subcmd__discovery_commands() {
    local commands; commands=(
'serve:Run a token service (Docker Hub'\''s discovery API, self-hosted). Prints its URL on stdout once it listens; stops on SIGTERM or Ctrl-C' \
    )
    _describe -t commands 'flotilla help discovery commands' commands "$@"
}
(( $+functions[_flotilla__subcmd__help__subcmd__discovery__subcmd__serve_commands] )) ||
_flotilla__subcmd__help__subcmd__discovery__subcmd__serve_commands() {
    local commands; commands=()
    _describe -t commands 'flotilla help discovery serve commands' commands "$@"
}
(( $+functions[_flotilla__subcmd__help__subcmd__down_commands] )) ||
_flotilla__subcmd__help__subcmd__down_commands() {
    local commands; commands=()
    _describe -t commands 'flotilla help down commands' commands "$@"
}
(( $+functions[_flotilla__subcmd__help__subcmd__env_commands] )) ||
_flotilla__subcmd__help__subcmd__env_commands() {
    local commands; commands=()
    _describe -t commands 'flotilla help env commands' commands "$@"
}
(( $+functions[_flotilla__subcmd__help__subcmd__generate-docs_commands] )) ||
_flotilla__subcmd__help__subcmd__generate-docs_commands() {
    local commands; commands=()
    _describe -t commands 'flotilla help generate-docs commands' commands "$@"
}
(( $+functions[_flotilla__subcmd__help__subcmd__help_commands] )) ||
_flotilla__subcmd__help__subcmd__help_commands() {
    local commands; commands=()
    _describe -t commands 'flotilla help help commands' commands "$@"
}
(( $+functions[_flotilla__subcmd__help__subcmd__info_commands] )) ||
_flotilla__subcmd__help__subcmd__info_commands() {
    local commands; commands=()
    _describe -t commands 'flotilla help info commands' commands "$@"
}
(( $+functions[_flotilla__subcmd__help__subcmd__inspect_commands] )) ||
_flotilla__subcmd__help__subcmd__inspect_commands() {
    local commands; commands=()
    _describe -t commands 'flotilla help inspect commands' commands "$@"
}
(( $+functions[_flotilla__subcmd__help__subcmd__ip_commands] )) ||
_flotilla__subcmd__help__subcmd__ip_commands() {
    local commands; commands=()
    _describe -t commands 'flotilla help ip commands' commands "$@"
}
(( $+functions[_flotilla__subcmd__help__subcmd__join_commands] )) ||
_flotilla__subcmd__help__subcmd__join_commands() {
    local commands; commands=()
    _describe -t commands 'flotilla help join commands' commands "$@"
}
(( $+functions[_flotilla__subcmd__help__subcmd__kill_commands] )) ||
_flotilla__subcmd__help__subcmd__kill_commands() {
    local commands; commands=()
    _describe -t commands 'flotilla help kill commands' commands "$@"
}
(( $+functions[_flotilla__subcmd__help__subcmd__list_commands] )) ||
_flotilla__subcmd__help__subcmd__list_commands() {
    local commands; commands=()
    _describe -t commands 'flotilla help list commands' commands "$@"
}
(( $+functions[_flotilla__subcmd__help__subcmd__ls_commands] )) ||
_flotilla__subcmd__help__subcmd__ls_commands() {
    local commands; commands=()
    _describe -t commands 'flotilla help ls commands' commands "$@"
}
(( $+functions[_flotilla__subcmd__help__subcmd__manage_commands] )) ||
_flotilla__subcmd__help__subcmd__manage_commands() {
    local commands; commands=(
'status:Say whether the manager of a swarm master answers (the one \`create --swarm-master\` installed on the master, or one started by hand); exit 1 when it does not' \
    )
    _describe -t commands 'flotilla help manage commands' commands "$@"
}
(( $+functions[_flotilla__subcmd__help__subcmd__manage__subcmd__status_commands] )) ||
_flotilla__subcmd__help__subcmd__manage__subcmd__status_commands() {
    local commands; commands=()
    _describe -t commands 'flotilla help manage status commands' commands "$@"
}
(( $+functions[_flotilla__subcmd__help__subcmd__plan_commands] )) ||
_flotilla__subcmd__help__subcmd__plan_commands() {
    local commands; commands=()
    _describe -t commands 'flotilla help plan commands' commands "$@"
}
(( $+functions[_flotilla__subcmd__help__subcmd__provision_commands] )) ||
_flotilla__subcmd__help__subcmd__provision_commands() {
    local commands; commands=()
    _describe -t commands 'flotilla help provision commands' commands "$@"
}
(( $+functions[_flotilla__subcmd__help__subcmd__proxy_commands] )) ||
_flotilla__subcmd__help__subcmd__proxy_commands() {
    local commands; commands=(
'status:Print what the running watcher routes\: engines, vhosts, backends and skipped containers' \
    )
    _describe -t commands 'flotilla help proxy commands' commands "$@"
}
(( $+functions[_flotilla__subcmd__help__subcmd__proxy__subcmd__status_commands] )) ||
_flotilla__subcmd__help__subcmd__proxy__subcmd__status_commands() {
    local commands; commands=()
    _describe -t commands 'flotilla help proxy status commands' commands "$@"
}
(( $+functions[_flotilla__subcmd__help__subcmd__ps_commands] )) ||
_flotilla__subcmd__help__subcmd__ps_commands() {
    local commands; commands=()
    _describe -t commands 'flotilla help ps commands' commands "$@"
}
(( $+functions[_flotilla__subcmd__help__subcmd__regenerate-certs_commands] )) ||
_flotilla__subcmd__help__subcmd__regenerate-certs_commands() {
    local commands; commands=()
    _describe -t commands 'flotilla help regenerate-certs commands' commands "$@"
}
(( $+functions[_flotilla__subcmd__help__subcmd__restart_commands] )) ||
_flotilla__subcmd__help__subcmd__restart_commands() {
    local commands; commands=()
    _describe -t commands 'flotilla help restart commands' commands "$@"
}
(( $+functions[_flotilla__subcmd__help__subcmd__rm_commands] )) ||
_flotilla__subcmd__help__subcmd__rm_commands() {
    local commands; commands=()
    _describe -t commands 'flotilla help rm commands' commands "$@"
}
(( $+functions[_flotilla__subcmd__help__subcmd__run_commands] )) ||
_flotilla__subcmd__help__subcmd__run_commands() {
    local commands; commands=()
    _describe -t commands 'flotilla help run commands' commands "$@"
}
(( $+functions[_flotilla__subcmd__help__subcmd__scp_commands] )) ||
_flotilla__subcmd__help__subcmd__scp_commands() {
    local commands; commands=()
    _describe -t commands 'flotilla help scp commands' commands "$@"
}
(( $+functions[_flotilla__subcmd__help__subcmd__ssh_commands] )) ||
_flotilla__subcmd__help__subcmd__ssh_commands() {
    local commands; commands=()
    _describe -t commands 'flotilla help ssh commands' commands "$@"
}
(( $+functions[_flotilla__subcmd__help__subcmd__start_commands] )) ||
_flotilla__subcmd__help__subcmd__start_commands() {
    local commands; commands=()
    _describe -t commands 'flotilla help start commands' commands "$@"
}
(( $+functions[_flotilla__subcmd__help__subcmd__status_commands] )) ||
_flotilla__subcmd__help__subcmd__status_commands() {
    local commands; commands=()
    _describe -t commands 'flotilla help status commands' commands "$@"
}
(( $+functions[_flotilla__subcmd__help__subcmd__stop_commands] )) ||
_flotilla__subcmd__help__subcmd__stop_commands() {
    local commands; commands=()
    _describe -t commands 'flotilla help stop commands' commands "$@"
}
(( $+functions[_flotilla__subcmd__help__subcmd__token_commands] )) ||
_flotilla__subcmd__help__subcmd__token_commands() {
    local commands; commands=(
'create:Create a cluster token and print it (and nothing else) on stdout\: token=\$(flotilla token create)' \
'rm:Delete a cluster token and all its members' \
    )
    _describe -t commands 'flotilla help token commands' commands "$@"
}
(( $+functions[_flotilla__subcmd__help__subcmd__token__subcmd__create_commands] )) ||
_flotilla__subcmd__help__subcmd__token__subcmd__create_commands() {
    local commands; commands=()
    _describe -t commands 'flotilla help token create commands' commands "$@"
}
(( $+functions[_flotilla__subcmd__help__subcmd__token__subcmd__rm_commands] )) ||
_flotilla__subcmd__help__subcmd__token__subcmd__rm_commands() {
    local commands; commands=()
    _describe -t commands 'flotilla help token rm commands' commands "$@"
}
(( $+functions[_flotilla__subcmd__help__subcmd__up_commands] )) ||
_flotilla__subcmd__help__subcmd__up_commands() {
    local commands; commands=()
    _describe -t commands 'flotilla help up commands' commands "$@"
}
(( $+functions[_flotilla__subcmd__help__subcmd__upgrade_commands] )) ||
_flotilla__subcmd__help__subcmd__upgrade_commands() {
    local commands; commands=()
    _describe -t commands 'flotilla help upgrade commands' commands "$@"
}
(( $+functions[_flotilla__subcmd__help__subcmd__url_commands] )) ||
_flotilla__subcmd__help__subcmd__url_commands() {
    local commands; commands=()
    _describe -t commands 'flotilla help url commands' commands "$@"
}
(( $+functions[_flotilla__subcmd__help__subcmd__version_commands] )) ||
_flotilla__subcmd__help__subcmd__version_commands() {
    local commands; commands=()
    _describe -t commands 'flotilla help version commands' commands "$@"
}
(( $+functions[_flotilla__subcmd__info_commands] )) ||
_flotilla__subcmd__info_commands() {
    local commands; commands=()
    _describe -t commands 'flotilla info commands' commands "$@"
}
(( $+functions[_flotilla__subcmd__inspect_commands] )) ||
_flotilla__subcmd__inspect_commands() {
    local commands; commands=()
    _describe -t commands 'flotilla inspect commands' commands "$@"
}
(( $+functions[_flotilla__subcmd__ip_commands] )) ||
_flotilla__subcmd__ip_commands() {
    local commands; commands=()
    _describe -t commands 'flotilla ip commands' commands "$@"
}
(( $+functions[_flotilla__subcmd__join_commands] )) ||
_flotilla__subcmd__join_commands() {
    local commands; commands=()
    _describe -t commands 'flotilla join commands' commands "$@"
}
(( $+functions[_flotilla__subcmd__kill_commands] )) ||
_flotilla__subcmd__kill_commands() {
    local commands; commands=()
    _describe -t commands 'flotilla kill commands' commands "$@"
}
(( $+functions[_flotilla__subcmd__list_commands] )) ||
_flotilla__subcmd__list_commands() {
    local commands; commands=()
    _describe -t commands 'flotilla list commands' commands "$@"
}
(( $+functions[_flotilla__subcmd__ls_commands] )) ||
_flotilla__subcmd__ls_commands() {
    local commands; commands=()
    _describe -t commands 'flotilla ls commands' commands "$@"
}
(( $+functions[_flotilla__subcmd__manage_commands] )) ||
_flotilla__subcmd__manage_commands() {
    local commands; commands=(
'status:Say whether the manager of a swarm master answers (the one \`create --swarm-master\` installed on the master, or one started by hand); exit 1 when it does not' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'flotilla manage commands' commands "$@"
}
(( $+functions[_flotilla__subcmd__manage__subcmd__help_commands] )) ||
_flotilla__subcmd__manage__subcmd__help_commands() {
    local commands; commands=(
'status:Say whether the manager of a swarm master answers (the one \`create --swarm-master\` installed on the master, or one started by hand); exit 1 when it does not' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'flotilla manage help commands' commands "$@"
}
(( $+functions[_flotilla__subcmd__manage__subcmd__help__subcmd__help_commands] )) ||
_flotilla__subcmd__manage__subcmd__help__subcmd__help_commands() {
    local commands; commands=()
    _describe -t commands 'flotilla manage help help commands' commands "$@"
}
(( $+functions[_flotilla__subcmd__manage__subcmd__help__subcmd__status_commands] )) ||
_flotilla__subcmd__manage__subcmd__help__subcmd__status_commands() {
    local commands; commands=()
    _describe -t commands 'flotilla manage help status commands' commands "$@"
}
(( $+functions[_flotilla__subcmd__manage__subcmd__status_commands] )) ||
_flotilla__subcmd__manage__subcmd__status_commands() {
    local commands; commands=()
    _describe -t commands 'flotilla manage status commands' commands "$@"
}
(( $+functions[_flotilla__subcmd__plan_commands] )) ||
_flotilla__subcmd__plan_commands() {
    local commands; commands=()
    _describe -t commands 'flotilla plan commands' commands "$@"
}
(( $+functions[_flotilla__subcmd__provision_commands] )) ||
_flotilla__subcmd__provision_commands() {
    local commands; commands=()
    _describe -t commands 'flotilla provision commands' commands "$@"
}
(( $+functions[_flotilla__subcmd__proxy_commands] )) ||
_flotilla__subcmd__proxy_commands() {
    local commands; commands=(
'status:Print what the running watcher routes\: engines, vhosts, backends and skipped containers' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'flotilla proxy commands' commands "$@"
}
(( $+functions[_flotilla__subcmd__proxy__subcmd__help_commands] )) ||
_flotilla__subcmd__proxy__subcmd__help_commands() {
    local commands; commands=(
'status:Print what the running watcher routes\: engines, vhosts, backends and skipped containers' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'flotilla proxy help commands' commands "$@"
}
(( $+functions[_flotilla__subcmd__proxy__subcmd__help__subcmd__help_commands] )) ||
_flotilla__subcmd__proxy__subcmd__help__subcmd__help_commands() {
    local commands; commands=()
    _describe -t commands 'flotilla proxy help help commands' commands "$@"
}
(( $+functions[_flotilla__subcmd__proxy__subcmd__help__subcmd__status_commands] )) ||
_flotilla__subcmd__proxy__subcmd__help__subcmd__status_commands() {
    local commands; commands=()
    _describe -t commands 'flotilla proxy help status commands' commands "$@"
}
(( $+functions[_flotilla__subcmd__proxy__subcmd__status_commands] )) ||
_flotilla__subcmd__proxy__subcmd__status_commands() {
    local commands; commands=()
    _describe -t commands 'flotilla proxy status commands' commands "$@"
}
(( $+functions[_flotilla__subcmd__ps_commands] )) ||
_flotilla__subcmd__ps_commands() {
    local commands; commands=()
    _describe -t commands 'flotilla ps commands' commands "$@"
}
(( $+functions[_flotilla__subcmd__regenerate-certs_commands] )) ||
_flotilla__subcmd__regenerate-certs_commands() {
    local commands; commands=()
    _describe -t commands 'flotilla regenerate-certs commands' commands "$@"
}
(( $+functions[_flotilla__subcmd__restart_commands] )) ||
_flotilla__subcmd__restart_commands() {
    local commands; commands=()
    _describe -t commands 'flotilla restart commands' commands "$@"
}
(( $+functions[_flotilla__subcmd__rm_commands] )) ||
_flotilla__subcmd__rm_commands() {
    local commands; commands=()
    _describe -t commands 'flotilla rm commands' commands "$@"
}
(( $+functions[_flotilla__subcmd__run_commands] )) ||
_flotilla__subcmd__run_commands() {
    local commands; commands=()
    _describe -t commands 'flotilla run commands' commands "$@"
}
(( $+functions[_flotilla__subcmd__scp_commands] )) ||
_flotilla__subcmd__scp_commands() {
    local commands; commands=()
    _describe -t commands 'flotilla scp commands' commands "$@"
}
(( $+functions[_flotilla__subcmd__ssh_commands] )) ||
_flotilla__subcmd__ssh_commands() {
    local commands; commands=()
    _describe -t commands 'flotilla ssh commands' commands "$@"
}
(( $+functions[_flotilla__subcmd__start_commands] )) ||
_flotilla__subcmd__start_commands() {
    local commands; commands=()
    _describe -t commands 'flotilla start commands' commands "$@"
}
(( $+functions[_flotilla__subcmd__status_commands] )) ||
_flotilla__subcmd__status_commands() {
    local commands; commands=()
    _describe -t commands 'flotilla status commands' commands "$@"
}
(( $+functions[_flotilla__subcmd__stop_commands] )) ||
_flotilla__subcmd__stop_commands() {
    local commands; commands=()
    _describe -t commands 'flotilla stop commands' commands "$@"
}
(( $+functions[_flotilla__subcmd__token_commands] )) ||
_flotilla__subcmd__token_commands() {
    local commands; commands=(
'create:Create a cluster token and print it (and nothing else) on stdout\: token=\$(flotilla token create)' \
'rm:Delete a cluster token and all its members' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'flotilla token commands' commands "$@"
}
(( $+functions[_flotilla__subcmd__token__subcmd__create_commands] )) ||
_flotilla__subcmd__token__subcmd__create_commands() {
    local commands; commands=()
    _describe -t commands 'flotilla token create commands' commands "$@"
}
(( $+functions[_flotilla__subcmd__token__subcmd__help_commands] )) ||
_flotilla__subcmd__token__subcmd__help_commands() {
    local commands; commands=(
'create:Create a cluster token and print it (and nothing else) on stdout\: token=\$(flotilla token create)' \
'rm:Delete a cluster token and all its members' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'flotilla token help commands' commands "$@"
}
(( $+functions[_flotilla__subcmd__token__subcmd__help__subcmd__create_commands] )) ||
_flotilla__subcmd__token__subcmd__help__subcmd__create_commands() {
    local commands; commands=()
    _describe -t commands 'flotilla token help create commands' commands "$@"
}
(( $+functions[_flotilla__subcmd__token__subcmd__help__subcmd__help_commands] )) ||
_flotilla__subcmd__token__subcmd__help__subcmd__help_commands() {
    local commands; commands=()
    _describe -t commands 'flotilla token help help commands' commands "$@"
}
(( $+functions[_flotilla__subcmd__token__subcmd__help__subcmd__rm_commands] )) ||
_flotilla__subcmd__token__subcmd__help__subcmd__rm_commands() {
    local commands; commands=()
    _describe -t commands 'flotilla token help rm commands' commands "$@"
}
(( $+functions[_flotilla__subcmd__token__subcmd__rm_commands] )) ||
_flotilla__subcmd__token__subcmd__rm_commands() {
    local commands; commands=()
    _describe -t commands 'flotilla token rm commands' commands "$@"
}
(( $+functions[_flotilla__subcmd__up_commands] )) ||
_flotilla__subcmd__up_commands() {
    local commands; commands=()
    _describe -t commands 'flotilla up commands' commands "$@"
}
(( $+functions[_flotilla__subcmd__upgrade_commands] )) ||
_flotilla__subcmd__upgrade_commands() {
    local commands; commands=()
    _describe -t commands 'flotilla upgrade commands' commands "$@"
}
(( $+functions[_flotilla__subcmd__url_commands] )) ||
_flotilla__subcmd__url_commands() {
    local commands; commands=()
    _describe -t commands 'flotilla url commands' commands "$@"
}
(( $+functions[_flotilla__subcmd__version_commands] )) ||
_flotilla__subcmd__version_commands() {
    local commands; commands=()
    _describe -t commands 'flotilla version commands' commands "$@"
}

if [ "$funcstack[1]" = "_flotilla" ]; then
    _flotilla "$@"
else
    compdef _flotilla flotilla
fi
