# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_flotilla_global_optspecs
    string join \n s/storage-path= D/debug no-progress color= h/help V/version
end

function __fish_flotilla_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_flotilla_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_flotilla_using_subcommand
    set -l cmd (__fish_flotilla_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c flotilla -n "__fish_flotilla_needs_command" -s s -l storage-path -d 'Store directory [default: $XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla]' -r -F
complete -c flotilla -n "__fish_flotilla_needs_command" -l color -d 'When to colour messages; NO_COLOR turns `auto` off' -r -f -a "auto\t''
always\t''
never\t''"
complete -c flotilla -n "__fish_flotilla_needs_command" -s D -l debug -d 'Log debug details (with step timings) to stderr; RUST_LOG also works'
complete -c flotilla -n "__fish_flotilla_needs_command" -l no-progress -d 'Never draw progress bars (they are only drawn on a terminal anyway)'
complete -c flotilla -n "__fish_flotilla_needs_command" -s h -l help -d 'Print help'
complete -c flotilla -n "__fish_flotilla_needs_command" -s V -l version -d 'Print version'
complete -c flotilla -n "__fish_flotilla_needs_command" -f -a "active" -d 'Print which machine is active (the one DOCKER_HOST points at)'
complete -c flotilla -n "__fish_flotilla_needs_command" -f -a "config" -d 'Print the docker client flags for a machine'
complete -c flotilla -n "__fish_flotilla_needs_command" -f -a "create" -d 'Create a machine'
complete -c flotilla -n "__fish_flotilla_needs_command" -f -a "env" -d 'Print the commands that point a Docker client at a machine'
complete -c flotilla -n "__fish_flotilla_needs_command" -f -a "inspect" -d 'Print a machine\'s record as JSON, or through a template'
complete -c flotilla -n "__fish_flotilla_needs_command" -f -a "ip" -d 'Print the IP address of machines'
complete -c flotilla -n "__fish_flotilla_needs_command" -f -a "kill" -d 'Kill machines (power off at once)'
complete -c flotilla -n "__fish_flotilla_needs_command" -f -a "provision" -d 'Provision machines again with their stored options (idempotent)'
complete -c flotilla -n "__fish_flotilla_needs_command" -f -a "regenerate-certs" -d 'Issue new server certificates (and, with --client-certs, a new client certificate)'
complete -c flotilla -n "__fish_flotilla_needs_command" -f -a "restart" -d 'Restart machines'
complete -c flotilla -n "__fish_flotilla_needs_command" -f -a "scp" -d 'Copy files to, from or between machines'
complete -c flotilla -n "__fish_flotilla_needs_command" -f -a "ssh" -d 'Log into a machine or run a command on it'
complete -c flotilla -n "__fish_flotilla_needs_command" -f -a "start" -d 'Start machines'
complete -c flotilla -n "__fish_flotilla_needs_command" -f -a "stop" -d 'Stop machines'
complete -c flotilla -n "__fish_flotilla_needs_command" -f -a "upgrade" -d 'Upgrade the engine of machines with the host\'s package manager'
complete -c flotilla -n "__fish_flotilla_needs_command" -f -a "ls" -d 'List machines'
complete -c flotilla -n "__fish_flotilla_needs_command" -f -a "rm" -d 'Remove machines'
complete -c flotilla -n "__fish_flotilla_needs_command" -f -a "status" -d 'Print the state of a machine, or (with a cluster file) of each object of the file'
complete -c flotilla -n "__fish_flotilla_needs_command" -f -a "url" -d 'Print the engine URL of a machine'
complete -c flotilla -n "__fish_flotilla_needs_command" -f -a "version" -d 'Print flotilla\'s version, or a machine\'s engine version'
complete -c flotilla -n "__fish_flotilla_needs_command" -f -a "token" -d 'Cluster tokens: create one (in the store, or on a token service), delete one'
complete -c flotilla -n "__fish_flotilla_needs_command" -f -a "discovery" -d 'The token service'
complete -c flotilla -n "__fish_flotilla_needs_command" -f -a "join" -d 'Keep an engine address registered in a cluster\'s discovery until stopped'
complete -c flotilla -n "__fish_flotilla_needs_command" -f -a "list" -d 'Print a cluster\'s addresses from its discovery URL'
complete -c flotilla -n "__fish_flotilla_needs_command" -f -a "proxy" -d 'Keep nginx routing to every container that sets VIRTUAL_HOST, on every engine watched'
complete -c flotilla -n "__fish_flotilla_needs_command" -f -a "info" -d 'Show a swarm: its nodes, their health, reservations and labels'
complete -c flotilla -n "__fish_flotilla_needs_command" -f -a "ps" -d 'List the containers of a swarm (NODE/NAME)'
complete -c flotilla -n "__fish_flotilla_needs_command" -f -a "run" -d 'Place a container on a swarm\'s best node, create and start it'
complete -c flotilla -n "__fish_flotilla_needs_command" -f -a "plan" -d 'Decide placements from a state document, without any engine'
complete -c flotilla -n "__fish_flotilla_needs_command" -f -a "manage" -d 'Serve the Docker Engine API for a swarm, so the plain `docker` CLI drives it'
complete -c flotilla -n "__fish_flotilla_needs_command" -f -a "up" -d 'Make the cluster a file describes exist: machines, swarm, proxy and containers'
complete -c flotilla -n "__fish_flotilla_needs_command" -f -a "down" -d 'Remove what `up` made for a cluster file'
complete -c flotilla -n "__fish_flotilla_needs_command" -f -a "certs" -d 'Certificates of the store'
complete -c flotilla -n "__fish_flotilla_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c flotilla -n "__fish_flotilla_needs_command" -f -a "generate-docs" -d 'Write completions and man pages (for packagers and the repository)'
complete -c flotilla -n "__fish_flotilla_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c flotilla -n "__fish_flotilla_using_subcommand active" -s t -l timeout -d 'How long to wait for each machine' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand active" -s s -l storage-path -d 'Store directory [default: $XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla]' -r -F
complete -c flotilla -n "__fish_flotilla_using_subcommand active" -l color -d 'When to colour messages; NO_COLOR turns `auto` off' -r -f -a "auto\t''
always\t''
never\t''"
complete -c flotilla -n "__fish_flotilla_using_subcommand active" -s D -l debug -d 'Log debug details (with step timings) to stderr; RUST_LOG also works'
complete -c flotilla -n "__fish_flotilla_using_subcommand active" -l no-progress -d 'Never draw progress bars (they are only drawn on a terminal anyway)'
complete -c flotilla -n "__fish_flotilla_using_subcommand active" -s h -l help -d 'Print help'
complete -c flotilla -n "__fish_flotilla_using_subcommand active" -s V -l version -d 'Print version'
complete -c flotilla -n "__fish_flotilla_using_subcommand config" -s t -l timeout -d 'How long the connection check may take' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand config" -s s -l storage-path -d 'Store directory [default: $XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla]' -r -F
complete -c flotilla -n "__fish_flotilla_using_subcommand config" -l color -d 'When to colour messages; NO_COLOR turns `auto` off' -r -f -a "auto\t''
always\t''
never\t''"
complete -c flotilla -n "__fish_flotilla_using_subcommand config" -l swarm -d 'Point at the machine\'s swarm manager instead of its engine'
complete -c flotilla -n "__fish_flotilla_using_subcommand config" -s D -l debug -d 'Log debug details (with step timings) to stderr; RUST_LOG also works'
complete -c flotilla -n "__fish_flotilla_using_subcommand config" -l no-progress -d 'Never draw progress bars (they are only drawn on a terminal anyway)'
complete -c flotilla -n "__fish_flotilla_using_subcommand config" -s h -l help -d 'Print help'
complete -c flotilla -n "__fish_flotilla_using_subcommand config" -s V -l version -d 'Print version'
complete -c flotilla -n "__fish_flotilla_using_subcommand create" -s d -l driver -d 'Driver that creates the machine (built-in: docker, generic, none, qemu, virtualbox; others: a flotilla-driver-NAME plugin on PATH)' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand create" -l engine-label -d 'Engine label KEY=VALUE (repeatable)' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand create" -l engine-opt -d 'Daemon flag FLAG=VALUE, passed as --FLAG=VALUE (repeatable)' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand create" -l engine-env -d 'Environment variable for the daemon KEY=VALUE (repeatable)' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand create" -l engine-insecure-registry -d 'Insecure registry for the daemon (repeatable)' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand create" -l engine-registry-mirror -d 'Registry mirror for the daemon (repeatable)' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand create" -l engine-storage-driver -d 'Storage driver for the daemon [default: keep the host\'s]' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand create" -l engine-install-url -d 'Script that installs the engine when it is missing' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand create" -l engine-version -d 'Engine version to install when it is missing [default: the installer\'s]' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand create" -l swarm-discovery -d 'Discovery URL of the swarm (token://, file://, nodes://, etcd://)' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand create" -l swarm-strategy -d 'Scheduling strategy of the swarm' -r -f -a "spread\t''
binpack\t''
random\t''"
complete -c flotilla -n "__fish_flotilla_using_subcommand create" -l swarm-host -d 'Where the swarm manager listens' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand create" -l swarm-addr -d 'Address to advertise for the swarm [default: the machine\'s IP]' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand create" -l swarm-opt -d 'Manager option FLAG=VALUE (repeatable)' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand create" -l swarm-join-opt -d 'Agent option FLAG=VALUE (repeatable)' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand create" -l tls-san -d 'Extra subject alternative name for the server certificate (repeatable)' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand create" -l tls-ca-cert -d 'CA certificate the engine\'s server certificate is signed by [default: the store\'s CA]' -r -F
complete -c flotilla -n "__fish_flotilla_using_subcommand create" -l tls-client-cert -d 'Client certificate the engine accepts [default: the store\'s]' -r -F
complete -c flotilla -n "__fish_flotilla_using_subcommand create" -l tls-client-key -d 'Key of the client certificate [default: the store\'s]' -r -F
complete -c flotilla -n "__fish_flotilla_using_subcommand create" -l check-timeout -d 'How long the final connection check may take' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand create" -l discovery-url -d 'Token service for `token://TOKEN` (http:// or https://; `/v1` is added to a URL without a path). Without it, `token://TOKEN` lives in the store\'s embedded registry (no server needed); `token://HOST[:PORT]/PATH/TOKEN` always names its own service (HTTPS)' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand create" -l discovery-ca -d 'Extra CA certificate (PEM) to trust for an HTTPS token service' -r -F
complete -c flotilla -n "__fish_flotilla_using_subcommand create" -l discovery-secret-file -d 'File holding the secret of the --discovery-url token service, sent when creating or deleting a token there (never to a service a token://HOST/… URL names)' -r -F
complete -c flotilla -n "__fish_flotilla_using_subcommand create" -l discovery-timeout -d 'Bound on each call to a token service or etcd' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand create" -l url -d 'URL of the engine to adopt (none driver): tcp://HOST:PORT or unix:///PATH' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand create" -l generic-ip-address -d 'IP address or host name of the host (generic driver; required)' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand create" -l generic-ssh-user -d 'SSH user (generic driver); non-root users need passwordless sudo' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand create" -l generic-ssh-key -d 'SSH private key, copied into the store (generic driver) [default: ssh-agent and ~/.ssh]' -r -F
complete -c flotilla -n "__fish_flotilla_using_subcommand create" -l generic-ssh-port -d 'SSH port (generic driver)' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand create" -l generic-engine-port -d 'Port the engine listens on with TLS (generic driver)' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand create" -l docker-host -d 'Engine that runs the node containers (docker driver)' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand create" -l docker-image -d 'Node image; it must contain dockerd (docker driver)' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand create" -l docker-network -d 'Network the node joins (docker driver)' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand create" -l virtualbox-memory -d 'Memory of the VM in MB (virtualbox driver)' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand create" -l virtualbox-cpu-count -d 'Number of CPUs; 0 uses all of the host\'s, at most 32 (virtualbox driver)' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand create" -l virtualbox-disk-size -d 'Disk size in MB (virtualbox driver)' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand create" -l virtualbox-boot2docker-url -d 'Boot ISO: http(s) URL (downloaded once into <store>/cache), file:// URL or local path (virtualbox driver) [default: boot2docker v19.03.12]' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand create" -l virtualbox-hostonly-cidr -d 'Host-only network as the host\'s address and prefix; VirtualBox ≥ 6.1.28 allows only 192.168.56.0/21 without /etc/vbox/networks.conf (virtualbox driver)' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand create" -l virtualbox-hostonly-nictype -d 'Host-only NIC type: Am79C970A, Am79C973, 82540EM, 82543GC, 82545EM or virtio (virtualbox driver)' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand create" -l virtualbox-hostonly-nicpromisc -d 'Host-only NIC promiscuous mode: deny, allow-vms or allow-all (virtualbox driver)' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand create" -l virtualbox-nat-nictype -d 'NAT NIC type (virtualbox driver)' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand create" -l virtualbox-ui-type -d 'How the VM is started: headless, gui, sdl or separate (virtualbox driver)' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand create" -l virtualbox-share-folder -d 'Folder to share as DIR:NAME (the name is after the last \':\') (virtualbox driver) [default: /home:hosthome]' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand create" -l virtualbox-boot-timeout -d 'How long a booting VM may take until it answers SSH and has an IP (virtualbox driver)' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand create" -l qemu-image -d 'Base image, qcow2 or raw with cloud-init (NoCloud): a path, file:// URL, or http(s):// URL downloaded once into <store>/cache/qemu (qemu driver; required)' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand create" -l qemu-image-checksum -d 'Expected SHA-256 of the image, as sha256:HEX or HEX; a download that does not match is discarded (qemu driver)' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand create" -l qemu-cpus -d 'Number of vCPUs (qemu driver)' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand create" -l qemu-memory -d 'Memory of the VM in MB (qemu driver)' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand create" -l qemu-disk-size -d 'Disk size in MB: a qcow2 overlay on the image, grown to this size; the guest grows its root file system at boot (qemu driver)' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand create" -l qemu-accel -d 'auto, kvm or tcg. auto uses KVM when /dev/kvm opens and the CPU has hardware virtualisation (vmx/svm), else TCG software emulation with a warning (a /dev/kvm without vmx/svm, as PVM or some nested hosts offer, cannot run a stock kernel); decided once per flotilla command, and a KVM that still fails at boot falls back to TCG (qemu driver)' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand create" -l qemu-network -d 'user (forwarded loopback ports for SSH and the engine; no root needed) or bridge (a tap on --qemu-bridge with a static address, so VMs reach each other) (qemu driver)' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand create" -l qemu-bridge -d 'Host bridge for --qemu-network bridge; it must exist and have an IPv4 address, which is the VMs\' gateway (qemu driver)' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand create" -l qemu-ip-address -d 'The VM\'s address on the bridge [default: the next free one in the bridge\'s subnet] (qemu driver)' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand create" -l qemu-binary -d 'QEMU system emulator to run (qemu driver)' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand create" -l qemu-ssh-user -d 'User that cloud-init creates with the machine\'s SSH key and password-less sudo (qemu driver)' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand create" -l qemu-boot-timeout -d 'How long a boot may take until the guest accepts an SSH login (qemu driver)' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand create" -l qemu-tcg-tb-size -d 'TCG translation cache in MB; more trades host memory for speed (qemu driver)' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand create" -s s -l storage-path -d 'Store directory [default: $XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla]' -r -F
complete -c flotilla -n "__fish_flotilla_using_subcommand create" -l color -d 'When to colour messages; NO_COLOR turns `auto` off' -r -f -a "auto\t''
always\t''
never\t''"
complete -c flotilla -n "__fish_flotilla_using_subcommand create" -l swarm -d 'Make the machine a member of a swarm'
complete -c flotilla -n "__fish_flotilla_using_subcommand create" -l swarm-master -d 'Make the machine the swarm\'s master'
complete -c flotilla -n "__fish_flotilla_using_subcommand create" -l docker-privileged -d 'Run the node with --privileged instead of the capability set (docker driver)'
complete -c flotilla -n "__fish_flotilla_using_subcommand create" -l virtualbox-hostonly-no-dhcp -d 'Disable the host-only network\'s DHCP server (virtualbox driver)'
complete -c flotilla -n "__fish_flotilla_using_subcommand create" -l virtualbox-no-share -d 'Do not share the home directory (/home as hosthome) with the VM (virtualbox driver)'
complete -c flotilla -n "__fish_flotilla_using_subcommand create" -l virtualbox-no-dns-proxy -d 'Disable the NAT DNS proxy (virtualbox driver)'
complete -c flotilla -n "__fish_flotilla_using_subcommand create" -l virtualbox-host-dns-resolver -d 'Use the host\'s DNS resolver for NAT (virtualbox driver)'
complete -c flotilla -n "__fish_flotilla_using_subcommand create" -l virtualbox-no-vtx-check -d 'Skip the check of VBox.log for disabled VT-x/AMD-v (virtualbox driver)'
complete -c flotilla -n "__fish_flotilla_using_subcommand create" -s D -l debug -d 'Log debug details (with step timings) to stderr; RUST_LOG also works'
complete -c flotilla -n "__fish_flotilla_using_subcommand create" -l no-progress -d 'Never draw progress bars (they are only drawn on a terminal anyway)'
complete -c flotilla -n "__fish_flotilla_using_subcommand create" -s h -l help -d 'Print help'
complete -c flotilla -n "__fish_flotilla_using_subcommand create" -s V -l version -d 'Print version'
complete -c flotilla -n "__fish_flotilla_using_subcommand env" -l shell -d 'Shell to print for [default: from $SHELL, else bash]' -r -f -a "bash\t'bash, sh, zsh and other POSIX shells'
fish\t''
powershell\t''
cmd\t''
tcsh\t''
emacs\t''
nu\t'nushell'"
complete -c flotilla -n "__fish_flotilla_using_subcommand env" -s t -l timeout -d 'How long the connection check may take' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand env" -s s -l storage-path -d 'Store directory [default: $XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla]' -r -F
complete -c flotilla -n "__fish_flotilla_using_subcommand env" -l color -d 'When to colour messages; NO_COLOR turns `auto` off' -r -f -a "auto\t''
always\t''
never\t''"
complete -c flotilla -n "__fish_flotilla_using_subcommand env" -l swarm -d 'Point at the machine\'s swarm manager (the port of its --swarm-host, 3376 by default)'
complete -c flotilla -n "__fish_flotilla_using_subcommand env" -s u -l unset -d 'Print the commands that unset the variables instead'
complete -c flotilla -n "__fish_flotilla_using_subcommand env" -l no-proxy -d 'Add the machine\'s IP to NO_PROXY'
complete -c flotilla -n "__fish_flotilla_using_subcommand env" -s D -l debug -d 'Log debug details (with step timings) to stderr; RUST_LOG also works'
complete -c flotilla -n "__fish_flotilla_using_subcommand env" -l no-progress -d 'Never draw progress bars (they are only drawn on a terminal anyway)'
complete -c flotilla -n "__fish_flotilla_using_subcommand env" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c flotilla -n "__fish_flotilla_using_subcommand env" -s V -l version -d 'Print version'
complete -c flotilla -n "__fish_flotilla_using_subcommand inspect" -s f -l format -d 'Go template applied to the record, e.g. \'{{.Driver.IPAddress}}\'' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand inspect" -s s -l storage-path -d 'Store directory [default: $XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla]' -r -F
complete -c flotilla -n "__fish_flotilla_using_subcommand inspect" -l color -d 'When to colour messages; NO_COLOR turns `auto` off' -r -f -a "auto\t''
always\t''
never\t''"
complete -c flotilla -n "__fish_flotilla_using_subcommand inspect" -s D -l debug -d 'Log debug details (with step timings) to stderr; RUST_LOG also works'
complete -c flotilla -n "__fish_flotilla_using_subcommand inspect" -l no-progress -d 'Never draw progress bars (they are only drawn on a terminal anyway)'
complete -c flotilla -n "__fish_flotilla_using_subcommand inspect" -s h -l help -d 'Print help'
complete -c flotilla -n "__fish_flotilla_using_subcommand inspect" -s V -l version -d 'Print version'
complete -c flotilla -n "__fish_flotilla_using_subcommand ip" -s s -l storage-path -d 'Store directory [default: $XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla]' -r -F
complete -c flotilla -n "__fish_flotilla_using_subcommand ip" -l color -d 'When to colour messages; NO_COLOR turns `auto` off' -r -f -a "auto\t''
always\t''
never\t''"
complete -c flotilla -n "__fish_flotilla_using_subcommand ip" -s D -l debug -d 'Log debug details (with step timings) to stderr; RUST_LOG also works'
complete -c flotilla -n "__fish_flotilla_using_subcommand ip" -l no-progress -d 'Never draw progress bars (they are only drawn on a terminal anyway)'
complete -c flotilla -n "__fish_flotilla_using_subcommand ip" -s h -l help -d 'Print help'
complete -c flotilla -n "__fish_flotilla_using_subcommand ip" -s V -l version -d 'Print version'
complete -c flotilla -n "__fish_flotilla_using_subcommand kill" -s s -l storage-path -d 'Store directory [default: $XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla]' -r -F
complete -c flotilla -n "__fish_flotilla_using_subcommand kill" -l color -d 'When to colour messages; NO_COLOR turns `auto` off' -r -f -a "auto\t''
always\t''
never\t''"
complete -c flotilla -n "__fish_flotilla_using_subcommand kill" -s D -l debug -d 'Log debug details (with step timings) to stderr; RUST_LOG also works'
complete -c flotilla -n "__fish_flotilla_using_subcommand kill" -l no-progress -d 'Never draw progress bars (they are only drawn on a terminal anyway)'
complete -c flotilla -n "__fish_flotilla_using_subcommand kill" -s h -l help -d 'Print help'
complete -c flotilla -n "__fish_flotilla_using_subcommand kill" -s V -l version -d 'Print version'
complete -c flotilla -n "__fish_flotilla_using_subcommand provision" -s s -l storage-path -d 'Store directory [default: $XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla]' -r -F
complete -c flotilla -n "__fish_flotilla_using_subcommand provision" -l color -d 'When to colour messages; NO_COLOR turns `auto` off' -r -f -a "auto\t''
always\t''
never\t''"
complete -c flotilla -n "__fish_flotilla_using_subcommand provision" -s D -l debug -d 'Log debug details (with step timings) to stderr; RUST_LOG also works'
complete -c flotilla -n "__fish_flotilla_using_subcommand provision" -l no-progress -d 'Never draw progress bars (they are only drawn on a terminal anyway)'
complete -c flotilla -n "__fish_flotilla_using_subcommand provision" -s h -l help -d 'Print help'
complete -c flotilla -n "__fish_flotilla_using_subcommand provision" -s V -l version -d 'Print version'
complete -c flotilla -n "__fish_flotilla_using_subcommand regenerate-certs" -s s -l storage-path -d 'Store directory [default: $XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla]' -r -F
complete -c flotilla -n "__fish_flotilla_using_subcommand regenerate-certs" -l color -d 'When to colour messages; NO_COLOR turns `auto` off' -r -f -a "auto\t''
always\t''
never\t''"
complete -c flotilla -n "__fish_flotilla_using_subcommand regenerate-certs" -s f -l force -d 'Do not ask for confirmation'
complete -c flotilla -n "__fish_flotilla_using_subcommand regenerate-certs" -l client-certs -d 'Also replace the client certificate (all machines keep working: they trust the CA)'
complete -c flotilla -n "__fish_flotilla_using_subcommand regenerate-certs" -s D -l debug -d 'Log debug details (with step timings) to stderr; RUST_LOG also works'
complete -c flotilla -n "__fish_flotilla_using_subcommand regenerate-certs" -l no-progress -d 'Never draw progress bars (they are only drawn on a terminal anyway)'
complete -c flotilla -n "__fish_flotilla_using_subcommand regenerate-certs" -s h -l help -d 'Print help'
complete -c flotilla -n "__fish_flotilla_using_subcommand regenerate-certs" -s V -l version -d 'Print version'
complete -c flotilla -n "__fish_flotilla_using_subcommand restart" -s s -l storage-path -d 'Store directory [default: $XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla]' -r -F
complete -c flotilla -n "__fish_flotilla_using_subcommand restart" -l color -d 'When to colour messages; NO_COLOR turns `auto` off' -r -f -a "auto\t''
always\t''
never\t''"
complete -c flotilla -n "__fish_flotilla_using_subcommand restart" -s D -l debug -d 'Log debug details (with step timings) to stderr; RUST_LOG also works'
complete -c flotilla -n "__fish_flotilla_using_subcommand restart" -l no-progress -d 'Never draw progress bars (they are only drawn on a terminal anyway)'
complete -c flotilla -n "__fish_flotilla_using_subcommand restart" -s h -l help -d 'Print help'
complete -c flotilla -n "__fish_flotilla_using_subcommand restart" -s V -l version -d 'Print version'
complete -c flotilla -n "__fish_flotilla_using_subcommand scp" -s s -l storage-path -d 'Store directory [default: $XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla]' -r -F
complete -c flotilla -n "__fish_flotilla_using_subcommand scp" -l color -d 'When to colour messages; NO_COLOR turns `auto` off' -r -f -a "auto\t''
always\t''
never\t''"
complete -c flotilla -n "__fish_flotilla_using_subcommand scp" -s r -l recursive -d 'Copy directories recursively'
complete -c flotilla -n "__fish_flotilla_using_subcommand scp" -s d -l delta -d 'Send only the differences (rsync; one side must be local)'
complete -c flotilla -n "__fish_flotilla_using_subcommand scp" -s D -l debug -d 'Log debug details (with step timings) to stderr; RUST_LOG also works'
complete -c flotilla -n "__fish_flotilla_using_subcommand scp" -l no-progress -d 'Never draw progress bars (they are only drawn on a terminal anyway)'
complete -c flotilla -n "__fish_flotilla_using_subcommand scp" -s h -l help -d 'Print help'
complete -c flotilla -n "__fish_flotilla_using_subcommand scp" -s V -l version -d 'Print version'
complete -c flotilla -n "__fish_flotilla_using_subcommand ssh" -s s -l storage-path -d 'Store directory [default: $XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla]' -r -F
complete -c flotilla -n "__fish_flotilla_using_subcommand ssh" -l color -d 'When to colour messages; NO_COLOR turns `auto` off' -r -f -a "auto\t''
always\t''
never\t''"
complete -c flotilla -n "__fish_flotilla_using_subcommand ssh" -s D -l debug -d 'Log debug details (with step timings) to stderr; RUST_LOG also works'
complete -c flotilla -n "__fish_flotilla_using_subcommand ssh" -l no-progress -d 'Never draw progress bars (they are only drawn on a terminal anyway)'
complete -c flotilla -n "__fish_flotilla_using_subcommand ssh" -s h -l help -d 'Print help'
complete -c flotilla -n "__fish_flotilla_using_subcommand ssh" -s V -l version -d 'Print version'
complete -c flotilla -n "__fish_flotilla_using_subcommand start" -s s -l storage-path -d 'Store directory [default: $XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla]' -r -F
complete -c flotilla -n "__fish_flotilla_using_subcommand start" -l color -d 'When to colour messages; NO_COLOR turns `auto` off' -r -f -a "auto\t''
always\t''
never\t''"
complete -c flotilla -n "__fish_flotilla_using_subcommand start" -s D -l debug -d 'Log debug details (with step timings) to stderr; RUST_LOG also works'
complete -c flotilla -n "__fish_flotilla_using_subcommand start" -l no-progress -d 'Never draw progress bars (they are only drawn on a terminal anyway)'
complete -c flotilla -n "__fish_flotilla_using_subcommand start" -s h -l help -d 'Print help'
complete -c flotilla -n "__fish_flotilla_using_subcommand start" -s V -l version -d 'Print version'
complete -c flotilla -n "__fish_flotilla_using_subcommand stop" -s s -l storage-path -d 'Store directory [default: $XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla]' -r -F
complete -c flotilla -n "__fish_flotilla_using_subcommand stop" -l color -d 'When to colour messages; NO_COLOR turns `auto` off' -r -f -a "auto\t''
always\t''
never\t''"
complete -c flotilla -n "__fish_flotilla_using_subcommand stop" -s D -l debug -d 'Log debug details (with step timings) to stderr; RUST_LOG also works'
complete -c flotilla -n "__fish_flotilla_using_subcommand stop" -l no-progress -d 'Never draw progress bars (they are only drawn on a terminal anyway)'
complete -c flotilla -n "__fish_flotilla_using_subcommand stop" -s h -l help -d 'Print help'
complete -c flotilla -n "__fish_flotilla_using_subcommand stop" -s V -l version -d 'Print version'
complete -c flotilla -n "__fish_flotilla_using_subcommand upgrade" -s s -l storage-path -d 'Store directory [default: $XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla]' -r -F
complete -c flotilla -n "__fish_flotilla_using_subcommand upgrade" -l color -d 'When to colour messages; NO_COLOR turns `auto` off' -r -f -a "auto\t''
always\t''
never\t''"
complete -c flotilla -n "__fish_flotilla_using_subcommand upgrade" -s D -l debug -d 'Log debug details (with step timings) to stderr; RUST_LOG also works'
complete -c flotilla -n "__fish_flotilla_using_subcommand upgrade" -l no-progress -d 'Never draw progress bars (they are only drawn on a terminal anyway)'
complete -c flotilla -n "__fish_flotilla_using_subcommand upgrade" -s h -l help -d 'Print help'
complete -c flotilla -n "__fish_flotilla_using_subcommand upgrade" -s V -l version -d 'Print version'
complete -c flotilla -n "__fish_flotilla_using_subcommand ls" -l filter -d 'Filter: driver=, state=, name= (regex), swarm=, label=KEY[=VALUE]; repeatable' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand ls" -s t -l timeout -d 'How long to wait for each machine (they are queried concurrently)' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand ls" -s f -l format -d '`json`, a Go template (\'{{.Name}}\'), or `table` + template' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand ls" -s s -l storage-path -d 'Store directory [default: $XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla]' -r -F
complete -c flotilla -n "__fish_flotilla_using_subcommand ls" -l color -d 'When to colour messages; NO_COLOR turns `auto` off' -r -f -a "auto\t''
always\t''
never\t''"
complete -c flotilla -n "__fish_flotilla_using_subcommand ls" -s q -l quiet -d 'Print only machine names (no network access)'
complete -c flotilla -n "__fish_flotilla_using_subcommand ls" -s D -l debug -d 'Log debug details (with step timings) to stderr; RUST_LOG also works'
complete -c flotilla -n "__fish_flotilla_using_subcommand ls" -l no-progress -d 'Never draw progress bars (they are only drawn on a terminal anyway)'
complete -c flotilla -n "__fish_flotilla_using_subcommand ls" -s h -l help -d 'Print help'
complete -c flotilla -n "__fish_flotilla_using_subcommand ls" -s V -l version -d 'Print version'
complete -c flotilla -n "__fish_flotilla_using_subcommand rm" -s s -l storage-path -d 'Store directory [default: $XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla]' -r -F
complete -c flotilla -n "__fish_flotilla_using_subcommand rm" -l color -d 'When to colour messages; NO_COLOR turns `auto` off' -r -f -a "auto\t''
always\t''
never\t''"
complete -c flotilla -n "__fish_flotilla_using_subcommand rm" -s f -l force -d 'Remove the local record even if removing the host fails (implies -y)'
complete -c flotilla -n "__fish_flotilla_using_subcommand rm" -s y -d 'Do not ask for confirmation'
complete -c flotilla -n "__fish_flotilla_using_subcommand rm" -l generic-cleanup -d 'Also remove flotilla\'s engine configuration from generic hosts (the host\'s own is restored)'
complete -c flotilla -n "__fish_flotilla_using_subcommand rm" -s D -l debug -d 'Log debug details (with step timings) to stderr; RUST_LOG also works'
complete -c flotilla -n "__fish_flotilla_using_subcommand rm" -l no-progress -d 'Never draw progress bars (they are only drawn on a terminal anyway)'
complete -c flotilla -n "__fish_flotilla_using_subcommand rm" -s h -l help -d 'Print help'
complete -c flotilla -n "__fish_flotilla_using_subcommand rm" -s V -l version -d 'Print version'
complete -c flotilla -n "__fish_flotilla_using_subcommand status" -s f -l file -d 'The cluster file whose objects to show' -r -F
complete -c flotilla -n "__fish_flotilla_using_subcommand status" -l timeout -d 'How long each engine may take to answer' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand status" -l format -d '`json` prints the rows as a JSON array (with a cluster file)' -r -f -a "json\t''
table\t''"
complete -c flotilla -n "__fish_flotilla_using_subcommand status" -s s -l storage-path -d 'Store directory [default: $XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla]' -r -F
complete -c flotilla -n "__fish_flotilla_using_subcommand status" -l color -d 'When to colour messages; NO_COLOR turns `auto` off' -r -f -a "auto\t''
always\t''
never\t''"
complete -c flotilla -n "__fish_flotilla_using_subcommand status" -s D -l debug -d 'Log debug details (with step timings) to stderr; RUST_LOG also works'
complete -c flotilla -n "__fish_flotilla_using_subcommand status" -l no-progress -d 'Never draw progress bars (they are only drawn on a terminal anyway)'
complete -c flotilla -n "__fish_flotilla_using_subcommand status" -s h -l help -d 'Print help'
complete -c flotilla -n "__fish_flotilla_using_subcommand status" -s V -l version -d 'Print version'
complete -c flotilla -n "__fish_flotilla_using_subcommand url" -s s -l storage-path -d 'Store directory [default: $XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla]' -r -F
complete -c flotilla -n "__fish_flotilla_using_subcommand url" -l color -d 'When to colour messages; NO_COLOR turns `auto` off' -r -f -a "auto\t''
always\t''
never\t''"
complete -c flotilla -n "__fish_flotilla_using_subcommand url" -s D -l debug -d 'Log debug details (with step timings) to stderr; RUST_LOG also works'
complete -c flotilla -n "__fish_flotilla_using_subcommand url" -l no-progress -d 'Never draw progress bars (they are only drawn on a terminal anyway)'
complete -c flotilla -n "__fish_flotilla_using_subcommand url" -s h -l help -d 'Print help'
complete -c flotilla -n "__fish_flotilla_using_subcommand url" -s V -l version -d 'Print version'
complete -c flotilla -n "__fish_flotilla_using_subcommand version" -s t -l timeout -d 'How long to wait for the engine' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand version" -s s -l storage-path -d 'Store directory [default: $XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla]' -r -F
complete -c flotilla -n "__fish_flotilla_using_subcommand version" -l color -d 'When to colour messages; NO_COLOR turns `auto` off' -r -f -a "auto\t''
always\t''
never\t''"
complete -c flotilla -n "__fish_flotilla_using_subcommand version" -s D -l debug -d 'Log debug details (with step timings) to stderr; RUST_LOG also works'
complete -c flotilla -n "__fish_flotilla_using_subcommand version" -l no-progress -d 'Never draw progress bars (they are only drawn on a terminal anyway)'
complete -c flotilla -n "__fish_flotilla_using_subcommand version" -s h -l help -d 'Print help'
complete -c flotilla -n "__fish_flotilla_using_subcommand version" -s V -l version -d 'Print version'
complete -c flotilla -n "__fish_flotilla_using_subcommand token; and not __fish_seen_subcommand_from create rm help" -s s -l storage-path -d 'Store directory [default: $XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla]' -r -F
complete -c flotilla -n "__fish_flotilla_using_subcommand token; and not __fish_seen_subcommand_from create rm help" -l color -d 'When to colour messages; NO_COLOR turns `auto` off' -r -f -a "auto\t''
always\t''
never\t''"
complete -c flotilla -n "__fish_flotilla_using_subcommand token; and not __fish_seen_subcommand_from create rm help" -s D -l debug -d 'Log debug details (with step timings) to stderr; RUST_LOG also works'
complete -c flotilla -n "__fish_flotilla_using_subcommand token; and not __fish_seen_subcommand_from create rm help" -l no-progress -d 'Never draw progress bars (they are only drawn on a terminal anyway)'
complete -c flotilla -n "__fish_flotilla_using_subcommand token; and not __fish_seen_subcommand_from create rm help" -s h -l help -d 'Print help'
complete -c flotilla -n "__fish_flotilla_using_subcommand token; and not __fish_seen_subcommand_from create rm help" -s V -l version -d 'Print version'
complete -c flotilla -n "__fish_flotilla_using_subcommand token; and not __fish_seen_subcommand_from create rm help" -f -a "create" -d 'Create a cluster token and print it (and nothing else) on stdout: token=$(flotilla token create)'
complete -c flotilla -n "__fish_flotilla_using_subcommand token; and not __fish_seen_subcommand_from create rm help" -f -a "rm" -d 'Delete a cluster token and all its members'
complete -c flotilla -n "__fish_flotilla_using_subcommand token; and not __fish_seen_subcommand_from create rm help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c flotilla -n "__fish_flotilla_using_subcommand token; and __fish_seen_subcommand_from create" -l discovery-url -d 'Token service for `token://TOKEN` (http:// or https://; `/v1` is added to a URL without a path). Without it, `token://TOKEN` lives in the store\'s embedded registry (no server needed); `token://HOST[:PORT]/PATH/TOKEN` always names its own service (HTTPS)' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand token; and __fish_seen_subcommand_from create" -l discovery-ca -d 'Extra CA certificate (PEM) to trust for an HTTPS token service' -r -F
complete -c flotilla -n "__fish_flotilla_using_subcommand token; and __fish_seen_subcommand_from create" -l discovery-secret-file -d 'File holding the secret of the --discovery-url token service, sent when creating or deleting a token there (never to a service a token://HOST/… URL names)' -r -F
complete -c flotilla -n "__fish_flotilla_using_subcommand token; and __fish_seen_subcommand_from create" -l discovery-timeout -d 'Bound on each call to a token service or etcd' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand token; and __fish_seen_subcommand_from create" -s s -l storage-path -d 'Store directory [default: $XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla]' -r -F
complete -c flotilla -n "__fish_flotilla_using_subcommand token; and __fish_seen_subcommand_from create" -l color -d 'When to colour messages; NO_COLOR turns `auto` off' -r -f -a "auto\t''
always\t''
never\t''"
complete -c flotilla -n "__fish_flotilla_using_subcommand token; and __fish_seen_subcommand_from create" -s D -l debug -d 'Log debug details (with step timings) to stderr; RUST_LOG also works'
complete -c flotilla -n "__fish_flotilla_using_subcommand token; and __fish_seen_subcommand_from create" -l no-progress -d 'Never draw progress bars (they are only drawn on a terminal anyway)'
complete -c flotilla -n "__fish_flotilla_using_subcommand token; and __fish_seen_subcommand_from create" -s h -l help -d 'Print help'
complete -c flotilla -n "__fish_flotilla_using_subcommand token; and __fish_seen_subcommand_from create" -s V -l version -d 'Print version'
complete -c flotilla -n "__fish_flotilla_using_subcommand token; and __fish_seen_subcommand_from rm" -l discovery-url -d 'Token service for `token://TOKEN` (http:// or https://; `/v1` is added to a URL without a path). Without it, `token://TOKEN` lives in the store\'s embedded registry (no server needed); `token://HOST[:PORT]/PATH/TOKEN` always names its own service (HTTPS)' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand token; and __fish_seen_subcommand_from rm" -l discovery-ca -d 'Extra CA certificate (PEM) to trust for an HTTPS token service' -r -F
complete -c flotilla -n "__fish_flotilla_using_subcommand token; and __fish_seen_subcommand_from rm" -l discovery-secret-file -d 'File holding the secret of the --discovery-url token service, sent when creating or deleting a token there (never to a service a token://HOST/… URL names)' -r -F
complete -c flotilla -n "__fish_flotilla_using_subcommand token; and __fish_seen_subcommand_from rm" -l discovery-timeout -d 'Bound on each call to a token service or etcd' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand token; and __fish_seen_subcommand_from rm" -s s -l storage-path -d 'Store directory [default: $XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla]' -r -F
complete -c flotilla -n "__fish_flotilla_using_subcommand token; and __fish_seen_subcommand_from rm" -l color -d 'When to colour messages; NO_COLOR turns `auto` off' -r -f -a "auto\t''
always\t''
never\t''"
complete -c flotilla -n "__fish_flotilla_using_subcommand token; and __fish_seen_subcommand_from rm" -s D -l debug -d 'Log debug details (with step timings) to stderr; RUST_LOG also works'
complete -c flotilla -n "__fish_flotilla_using_subcommand token; and __fish_seen_subcommand_from rm" -l no-progress -d 'Never draw progress bars (they are only drawn on a terminal anyway)'
complete -c flotilla -n "__fish_flotilla_using_subcommand token; and __fish_seen_subcommand_from rm" -s h -l help -d 'Print help'
complete -c flotilla -n "__fish_flotilla_using_subcommand token; and __fish_seen_subcommand_from rm" -s V -l version -d 'Print version'
complete -c flotilla -n "__fish_flotilla_using_subcommand token; and __fish_seen_subcommand_from help" -f -a "create" -d 'Create a cluster token and print it (and nothing else) on stdout: token=$(flotilla token create)'
complete -c flotilla -n "__fish_flotilla_using_subcommand token; and __fish_seen_subcommand_from help" -f -a "rm" -d 'Delete a cluster token and all its members'
complete -c flotilla -n "__fish_flotilla_using_subcommand token; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c flotilla -n "__fish_flotilla_using_subcommand discovery; and not __fish_seen_subcommand_from serve help" -s s -l storage-path -d 'Store directory [default: $XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla]' -r -F
complete -c flotilla -n "__fish_flotilla_using_subcommand discovery; and not __fish_seen_subcommand_from serve help" -l color -d 'When to colour messages; NO_COLOR turns `auto` off' -r -f -a "auto\t''
always\t''
never\t''"
complete -c flotilla -n "__fish_flotilla_using_subcommand discovery; and not __fish_seen_subcommand_from serve help" -s D -l debug -d 'Log debug details (with step timings) to stderr; RUST_LOG also works'
complete -c flotilla -n "__fish_flotilla_using_subcommand discovery; and not __fish_seen_subcommand_from serve help" -l no-progress -d 'Never draw progress bars (they are only drawn on a terminal anyway)'
complete -c flotilla -n "__fish_flotilla_using_subcommand discovery; and not __fish_seen_subcommand_from serve help" -s h -l help -d 'Print help'
complete -c flotilla -n "__fish_flotilla_using_subcommand discovery; and not __fish_seen_subcommand_from serve help" -s V -l version -d 'Print version'
complete -c flotilla -n "__fish_flotilla_using_subcommand discovery; and not __fish_seen_subcommand_from serve help" -f -a "serve" -d 'Run a token service (Docker Hub\'s discovery API, self-hosted). Prints its URL on stdout once it listens; stops on SIGTERM or Ctrl-C'
complete -c flotilla -n "__fish_flotilla_using_subcommand discovery; and not __fish_seen_subcommand_from serve help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c flotilla -n "__fish_flotilla_using_subcommand discovery; and __fish_seen_subcommand_from serve" -l addr -d 'Address to listen on (port 0 picks a free port)' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand discovery; and __fish_seen_subcommand_from serve" -l data -d 'Directory keeping tokens and members across restarts' -r -F
complete -c flotilla -n "__fish_flotilla_using_subcommand discovery; and __fish_seen_subcommand_from serve" -l tls-cert -d 'Serve HTTPS with this certificate chain (PEM)' -r -F
complete -c flotilla -n "__fish_flotilla_using_subcommand discovery; and __fish_seen_subcommand_from serve" -l tls-key -d 'Key of --tls-cert (PEM)' -r -F
complete -c flotilla -n "__fish_flotilla_using_subcommand discovery; and __fish_seen_subcommand_from serve" -l secret-file -d 'File holding a secret (one line, 16+ characters) that creating and deleting clusters require as `Authorization: Bearer SECRET`; reads and members\' registrations stay open to anyone holding the token, as Docker Hub\'s API had them' -r -F
complete -c flotilla -n "__fish_flotilla_using_subcommand discovery; and __fish_seen_subcommand_from serve" -l handshake-timeout -d 'How long a client may take to finish the TLS handshake' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand discovery; and __fish_seen_subcommand_from serve" -l header-timeout -d 'How long a request\'s headers may take to arrive (from the first byte, or from the connection\'s start for the first request)' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand discovery; and __fish_seen_subcommand_from serve" -l idle-timeout -d 'How long a connection with no request in flight stays open (responses that stream, such as events and logs -f, and hijacked streams are never cut)' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand discovery; and __fish_seen_subcommand_from serve" -l body-timeout -d 'How long a request body may stall between two reads' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand discovery; and __fish_seen_subcommand_from serve" -l max-body-size -d 'The largest request body (bytes, or with KiB, MiB, GiB)' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand discovery; and __fish_seen_subcommand_from serve" -l max-connections -d 'The most connections at once, counting those still in the TLS handshake; when reached, the oldest connection that has not yet sent a complete request is closed' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand discovery; and __fish_seen_subcommand_from serve" -l drain-timeout -d 'How long stopping waits for requests in flight' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand discovery; and __fish_seen_subcommand_from serve" -s s -l storage-path -d 'Store directory [default: $XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla]' -r -F
complete -c flotilla -n "__fish_flotilla_using_subcommand discovery; and __fish_seen_subcommand_from serve" -l color -d 'When to colour messages; NO_COLOR turns `auto` off' -r -f -a "auto\t''
always\t''
never\t''"
complete -c flotilla -n "__fish_flotilla_using_subcommand discovery; and __fish_seen_subcommand_from serve" -s D -l debug -d 'Log debug details (with step timings) to stderr; RUST_LOG also works'
complete -c flotilla -n "__fish_flotilla_using_subcommand discovery; and __fish_seen_subcommand_from serve" -l no-progress -d 'Never draw progress bars (they are only drawn on a terminal anyway)'
complete -c flotilla -n "__fish_flotilla_using_subcommand discovery; and __fish_seen_subcommand_from serve" -s h -l help -d 'Print help'
complete -c flotilla -n "__fish_flotilla_using_subcommand discovery; and __fish_seen_subcommand_from serve" -s V -l version -d 'Print version'
complete -c flotilla -n "__fish_flotilla_using_subcommand discovery; and __fish_seen_subcommand_from help" -f -a "serve" -d 'Run a token service (Docker Hub\'s discovery API, self-hosted). Prints its URL on stdout once it listens; stops on SIGTERM or Ctrl-C'
complete -c flotilla -n "__fish_flotilla_using_subcommand discovery; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c flotilla -n "__fish_flotilla_using_subcommand join" -l advertise -l addr -d 'Address to keep registered: IP:PORT or HOSTNAME:PORT of the engine' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand join" -l heartbeat -d 'How often to register again (at least 1s)' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand join" -l ttl -d 'How long an entry lives without a heartbeat (more than --heartbeat)' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand join" -l delay -d 'Wait a random time up to this before the first registration, to spread out many agents' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand join" -l discovery-url -d 'Token service for `token://TOKEN` (http:// or https://; `/v1` is added to a URL without a path). Without it, `token://TOKEN` lives in the store\'s embedded registry (no server needed); `token://HOST[:PORT]/PATH/TOKEN` always names its own service (HTTPS)' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand join" -l discovery-ca -d 'Extra CA certificate (PEM) to trust for an HTTPS token service' -r -F
complete -c flotilla -n "__fish_flotilla_using_subcommand join" -l discovery-secret-file -d 'File holding the secret of the --discovery-url token service, sent when creating or deleting a token there (never to a service a token://HOST/… URL names)' -r -F
complete -c flotilla -n "__fish_flotilla_using_subcommand join" -l discovery-timeout -d 'Bound on each call to a token service or etcd' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand join" -s s -l storage-path -d 'Store directory [default: $XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla]' -r -F
complete -c flotilla -n "__fish_flotilla_using_subcommand join" -l color -d 'When to colour messages; NO_COLOR turns `auto` off' -r -f -a "auto\t''
always\t''
never\t''"
complete -c flotilla -n "__fish_flotilla_using_subcommand join" -s D -l debug -d 'Log debug details (with step timings) to stderr; RUST_LOG also works'
complete -c flotilla -n "__fish_flotilla_using_subcommand join" -l no-progress -d 'Never draw progress bars (they are only drawn on a terminal anyway)'
complete -c flotilla -n "__fish_flotilla_using_subcommand join" -s h -l help -d 'Print help'
complete -c flotilla -n "__fish_flotilla_using_subcommand join" -s V -l version -d 'Print version'
complete -c flotilla -n "__fish_flotilla_using_subcommand list" -l timeout -d 'Give up when the backend has not answered within this time' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand list" -l format -d 'Output: one address per line, or a JSON array' -r -f -a "text\t''
json\t''"
complete -c flotilla -n "__fish_flotilla_using_subcommand list" -l poll -d 'How often --watch polls backends that cannot be watched (etcd is watched, not polled)' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand list" -l discovery-url -d 'Token service for `token://TOKEN` (http:// or https://; `/v1` is added to a URL without a path). Without it, `token://TOKEN` lives in the store\'s embedded registry (no server needed); `token://HOST[:PORT]/PATH/TOKEN` always names its own service (HTTPS)' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand list" -l discovery-ca -d 'Extra CA certificate (PEM) to trust for an HTTPS token service' -r -F
complete -c flotilla -n "__fish_flotilla_using_subcommand list" -l discovery-secret-file -d 'File holding the secret of the --discovery-url token service, sent when creating or deleting a token there (never to a service a token://HOST/… URL names)' -r -F
complete -c flotilla -n "__fish_flotilla_using_subcommand list" -l discovery-timeout -d 'Bound on each call to a token service or etcd' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand list" -s s -l storage-path -d 'Store directory [default: $XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla]' -r -F
complete -c flotilla -n "__fish_flotilla_using_subcommand list" -l color -d 'When to colour messages; NO_COLOR turns `auto` off' -r -f -a "auto\t''
always\t''
never\t''"
complete -c flotilla -n "__fish_flotilla_using_subcommand list" -l watch -d 'Keep running and print the list again whenever it changes (JSON: one array per line; text: a blank line after each list)'
complete -c flotilla -n "__fish_flotilla_using_subcommand list" -s D -l debug -d 'Log debug details (with step timings) to stderr; RUST_LOG also works'
complete -c flotilla -n "__fish_flotilla_using_subcommand list" -l no-progress -d 'Never draw progress bars (they are only drawn on a terminal anyway)'
complete -c flotilla -n "__fish_flotilla_using_subcommand list" -s h -l help -d 'Print help'
complete -c flotilla -n "__fish_flotilla_using_subcommand list" -s V -l version -d 'Print version'
complete -c flotilla -n "__fish_flotilla_using_subcommand proxy; and not __fish_seen_subcommand_from status help" -l swarm -d 'Watch every engine of this swarm (a master\'s name or a discovery URL; empty: the only swarm in the store)' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand proxy; and not __fish_seen_subcommand_from status help" -l machine -d 'Watch this machine\'s engine (repeatable); combines with --swarm' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand proxy; and not __fish_seen_subcommand_from status help" -l docker-host -d 'Watch one engine at this URL (tcp://HOST:PORT with DOCKER_CERT_PATH\'s certificates when DOCKER_TLS_VERIFY is set, or unix:///PATH) [default: DOCKER_HOST, else the local socket]' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand proxy; and not __fish_seen_subcommand_from status help" -l engine-ip -d 'With --docker-host: the address other hosts reach that engine\'s published ports on [default: the host of a tcp:// URL; with a unix socket, containers are reached at their own IP]' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand proxy; and not __fish_seen_subcommand_from status help" -l wait -d 'Debounce: wait until events pause for MIN, but never longer than MAX after the first one' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand proxy; and not __fish_seen_subcommand_from status help" -l resync -d 'Resynchronise every engine in full this often, as a safety net for lost events (SIGHUP also triggers one)' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand proxy; and not __fish_seen_subcommand_from status help" -l timeout -d 'Timeout for connecting to an engine and for each API call' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand proxy; and not __fish_seen_subcommand_from status help" -l conf-dir -d 'Directory for the configuration, nginx\'s pid and temp files, and status.json [default: <store>/proxy]' -r -F
complete -c flotilla -n "__fish_flotilla_using_subcommand proxy; and not __fish_seen_subcommand_from status help" -l listen -d 'Where nginx listens: PORT or IP:PORT (with --node: the port published on the node)' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand proxy; and not __fish_seen_subcommand_from status help" -l container-filter -d 'Route only the containers this filter selects, e.g. label=com.example.proxy=web; keys: label, name, id, health, as `docker ps --filter` reads them (repeatable; docker-gen\'s -container-filter)' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand proxy; and not __fish_seen_subcommand_from status help" -l default-host -d 'The vhost that answers requests for unknown hosts (instead of 503)' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand proxy; and not __fish_seen_subcommand_from status help" -l nginx -d 'Local mode: the nginx executable flotilla validates with (and runs, without --reload-cmd)' -r -F
complete -c flotilla -n "__fish_flotilla_using_subcommand proxy; and not __fish_seen_subcommand_from status help" -l reload-cmd -d 'Local mode: do not run nginx; after each validated swap run this command (sh -c) instead' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand proxy; and not __fish_seen_subcommand_from status help" -l node -d 'Run the nginx data plane as a container on this machine (typically the public one)' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand proxy; and not __fish_seen_subcommand_from status help" -l proxy-image -d 'With --node: the image of the data plane container' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand proxy; and not __fish_seen_subcommand_from status help" -l proxy-name -d 'With --node: the data plane container\'s name; an existing one is adopted' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand proxy; and not __fish_seen_subcommand_from status help" -l listen-https -d 'Where nginx terminates TLS: a port on --listen\'s address (with --node: the port the node publishes for the container\'s 443; 0: none) [default: none locally, 443 with --node]' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand proxy; and not __fish_seen_subcommand_from status help" -l certs -d 'The certificates directory: HOST.crt + HOST.key, default.crt + default.key, as nginx-proxy reads them (watched: a renewed file is served after a reload) [default: <conf-dir>/certs]' -r -F
complete -c flotilla -n "__fish_flotilla_using_subcommand proxy; and not __fish_seen_subcommand_from status help" -l https-method -d 'How vhosts with a certificate treat HTTP unless they set HTTPS_METHOD: redirect, noredirect, nohttp or nohttps' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand proxy; and not __fish_seen_subcommand_from status help" -l hsts -d 'Strict-Transport-Security value for vhosts that do not set HSTS (`off`: none)' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand proxy; and not __fish_seen_subcommand_from status help" -l non-get-redirect -d 'Redirect code for methods other than GET and HEAD: 301, 307 or 308' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand proxy; and not __fish_seen_subcommand_from status help" -l trust-default-cert -d 'Whether vhosts without a certificate of their own may be served with certs/default.crt' -r -f -a "true\t''
false\t''"
complete -c flotilla -n "__fish_flotilla_using_subcommand proxy; and not __fish_seen_subcommand_from status help" -l http2 -d 'HTTP/2 on the HTTPS listener' -r -f -a "true\t''
false\t''"
complete -c flotilla -n "__fish_flotilla_using_subcommand proxy; and not __fish_seen_subcommand_from status help" -l default-root -d 'What `/` answers on vhosts that have no `/` path (`return`\'s argument, e.g. 404, 418, "301 https://example.com"); `none`: no such location' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand proxy; and not __fish_seen_subcommand_from status help" -l trust-downstream-proxy -d 'Keep the client\'s X-Forwarded-Proto/Host/Port (and append to X-Forwarded-For): true when another proxy in front of this one sets them; false overwrites them with this proxy\'s view' -r -f -a "true\t''
false\t''"
complete -c flotilla -n "__fish_flotilla_using_subcommand proxy; and not __fish_seen_subcommand_from status help" -l access-log -d 'Write an access log (nginx-proxy\'s `vhost` format) to this file [default: off]' -r -F
complete -c flotilla -n "__fish_flotilla_using_subcommand proxy; and not __fish_seen_subcommand_from status help" -l acme-email -d 'Built-in ACME: the account\'s contact address (turns ACME on, for vhosts that set LETSENCRYPT_HOST or the flotilla.proxy.acme label)' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand proxy; and not __fish_seen_subcommand_from status help" -l acme-directory -d 'Built-in ACME: the directory URL (turns ACME on) [default: Let\'s Encrypt\'s production directory]' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand proxy; and not __fish_seen_subcommand_from status help" -l acme-ca-file -d 'Built-in ACME: trust this PEM CA for the directory\'s HTTPS instead of the system\'s roots (a test CA such as pebble\'s)' -r -F
complete -c flotilla -n "__fish_flotilla_using_subcommand proxy; and not __fish_seen_subcommand_from status help" -s s -l storage-path -d 'Store directory [default: $XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla]' -r -F
complete -c flotilla -n "__fish_flotilla_using_subcommand proxy; and not __fish_seen_subcommand_from status help" -l color -d 'When to colour messages; NO_COLOR turns `auto` off' -r -f -a "auto\t''
always\t''
never\t''"
complete -c flotilla -n "__fish_flotilla_using_subcommand proxy; and not __fish_seen_subcommand_from status help" -l acme-staging -d 'Built-in ACME against Let\'s Encrypt\'s staging directory'
complete -c flotilla -n "__fish_flotilla_using_subcommand proxy; and not __fish_seen_subcommand_from status help" -s D -l debug -d 'Log debug details (with step timings) to stderr; RUST_LOG also works'
complete -c flotilla -n "__fish_flotilla_using_subcommand proxy; and not __fish_seen_subcommand_from status help" -l no-progress -d 'Never draw progress bars (they are only drawn on a terminal anyway)'
complete -c flotilla -n "__fish_flotilla_using_subcommand proxy; and not __fish_seen_subcommand_from status help" -s h -l help -d 'Print help'
complete -c flotilla -n "__fish_flotilla_using_subcommand proxy; and not __fish_seen_subcommand_from status help" -s V -l version -d 'Print version'
complete -c flotilla -n "__fish_flotilla_using_subcommand proxy; and not __fish_seen_subcommand_from status help" -f -a "status" -d 'Print what the running watcher routes: engines, vhosts, backends and skipped containers'
complete -c flotilla -n "__fish_flotilla_using_subcommand proxy; and not __fish_seen_subcommand_from status help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c flotilla -n "__fish_flotilla_using_subcommand proxy; and __fish_seen_subcommand_from status" -l conf-dir -d 'The watcher\'s directory [default: <store>/proxy]' -r -F
complete -c flotilla -n "__fish_flotilla_using_subcommand proxy; and __fish_seen_subcommand_from status" -l format -d '`json` prints the status file as written by the watcher' -r -f -a "json\t''
table\t''"
complete -c flotilla -n "__fish_flotilla_using_subcommand proxy; and __fish_seen_subcommand_from status" -s s -l storage-path -d 'Store directory [default: $XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla]' -r -F
complete -c flotilla -n "__fish_flotilla_using_subcommand proxy; and __fish_seen_subcommand_from status" -l color -d 'When to colour messages; NO_COLOR turns `auto` off' -r -f -a "auto\t''
always\t''
never\t''"
complete -c flotilla -n "__fish_flotilla_using_subcommand proxy; and __fish_seen_subcommand_from status" -s D -l debug -d 'Log debug details (with step timings) to stderr; RUST_LOG also works'
complete -c flotilla -n "__fish_flotilla_using_subcommand proxy; and __fish_seen_subcommand_from status" -l no-progress -d 'Never draw progress bars (they are only drawn on a terminal anyway)'
complete -c flotilla -n "__fish_flotilla_using_subcommand proxy; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help'
complete -c flotilla -n "__fish_flotilla_using_subcommand proxy; and __fish_seen_subcommand_from status" -s V -l version -d 'Print version'
complete -c flotilla -n "__fish_flotilla_using_subcommand proxy; and __fish_seen_subcommand_from help" -f -a "status" -d 'Print what the running watcher routes: engines, vhosts, backends and skipped containers'
complete -c flotilla -n "__fish_flotilla_using_subcommand proxy; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c flotilla -n "__fish_flotilla_using_subcommand info" -l swarm -d 'The swarm: its master\'s machine name or its discovery URL [default: the only swarm in the store]' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand info" -l timeout -d 'How long each engine may take to answer (engines are queried concurrently)' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand info" -s f -l format -d '`json` prints the state document (what `plan --state` reads), or a Go template over it' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand info" -s s -l storage-path -d 'Store directory [default: $XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla]' -r -F
complete -c flotilla -n "__fish_flotilla_using_subcommand info" -l color -d 'When to colour messages; NO_COLOR turns `auto` off' -r -f -a "auto\t''
always\t''
never\t''"
complete -c flotilla -n "__fish_flotilla_using_subcommand info" -s D -l debug -d 'Log debug details (with step timings) to stderr; RUST_LOG also works'
complete -c flotilla -n "__fish_flotilla_using_subcommand info" -l no-progress -d 'Never draw progress bars (they are only drawn on a terminal anyway)'
complete -c flotilla -n "__fish_flotilla_using_subcommand info" -s h -l help -d 'Print help'
complete -c flotilla -n "__fish_flotilla_using_subcommand info" -s V -l version -d 'Print version'
complete -c flotilla -n "__fish_flotilla_using_subcommand ps" -l swarm -d 'The swarm: its master\'s machine name or its discovery URL [default: the only swarm in the store]' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand ps" -l timeout -d 'How long each engine may take to answer (engines are queried concurrently)' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand ps" -l filter -d 'Filter: node=, name= (substring), label=KEY[=VALUE], status=, id= (prefix); repeatable' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand ps" -l format -d '`json`, a Go template (\'{{.Names}}\'), or `table` + template' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand ps" -s s -l storage-path -d 'Store directory [default: $XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla]' -r -F
complete -c flotilla -n "__fish_flotilla_using_subcommand ps" -l color -d 'When to colour messages; NO_COLOR turns `auto` off' -r -f -a "auto\t''
always\t''
never\t''"
complete -c flotilla -n "__fish_flotilla_using_subcommand ps" -s a -l all -d 'Show every container (stopped ones, and those on unhealthy nodes)'
complete -c flotilla -n "__fish_flotilla_using_subcommand ps" -s q -l quiet -d 'Print only container IDs'
complete -c flotilla -n "__fish_flotilla_using_subcommand ps" -l no-trunc -d 'Do not truncate IDs and commands'
complete -c flotilla -n "__fish_flotilla_using_subcommand ps" -s D -l debug -d 'Log debug details (with step timings) to stderr; RUST_LOG also works'
complete -c flotilla -n "__fish_flotilla_using_subcommand ps" -l no-progress -d 'Never draw progress bars (they are only drawn on a terminal anyway)'
complete -c flotilla -n "__fish_flotilla_using_subcommand ps" -s h -l help -d 'Print help'
complete -c flotilla -n "__fish_flotilla_using_subcommand ps" -s V -l version -d 'Print version'
complete -c flotilla -n "__fish_flotilla_using_subcommand run" -l swarm -d 'The swarm: its master\'s machine name or its discovery URL [default: the only swarm in the store]' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand run" -l timeout -d 'How long each engine may take to answer (engines are queried concurrently)' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand run" -l pending-ttl -d 'How long a pending placement holds its node for other runs if this run dies' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand run" -l name -d 'Container name (unique across the swarm)' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand run" -s e -l env -d 'Environment variable KEY=VALUE (or KEY, from this environment); `constraint:EXPR`, `affinity:EXPR` and `reschedule:POLICY` are placement rules (repeatable)' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand run" -l env-file -d 'Read environment variables from a file, one KEY=VALUE a line (repeatable)' -r -F
complete -c flotilla -n "__fish_flotilla_using_subcommand run" -s l -l label -d 'Container label KEY=VALUE (repeatable)' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand run" -s p -l publish -d 'Publish a port: [IP:][HOST_PORT:]CONTAINER_PORT[/PROTO] (repeatable)' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand run" -l expose -d 'Expose a port or range without publishing it (repeatable)' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand run" -l link -d 'Link to a container NAME[:ALIAS]; the container is placed on the same node (repeatable)' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand run" -l volumes-from -d 'Mount the volumes of a container; the container is placed on the same node (repeatable)' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand run" -s v -l volume -d 'Bind mount or volume SRC:DST[:OPTS] (repeatable)' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand run" -l network -l net -d 'Network mode: bridge, host, none, container:NAME or a network name' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand run" -s m -l memory -d 'Memory limit, which is also the reservation the scheduler counts (e.g. 512m, 1g)' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand run" -l cpus -d 'CPU limit in CPUs, which is also the reservation the scheduler counts (e.g. 0.5)' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand run" -l restart -d 'Restart policy: no, always, unless-stopped, on-failure[:MAX]' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand run" -l entrypoint -d 'Override the image\'s entrypoint' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand run" -s w -l workdir -d 'Working directory inside the container' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand run" -s u -l user -d 'User NAME|UID[:GROUP|GID]' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand run" -s s -l storage-path -d 'Store directory [default: $XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla]' -r -F
complete -c flotilla -n "__fish_flotilla_using_subcommand run" -l color -d 'When to colour messages; NO_COLOR turns `auto` off' -r -f -a "auto\t''
always\t''
never\t''"
complete -c flotilla -n "__fish_flotilla_using_subcommand run" -l dry-run -d 'Print where the container would go (a plan result object) and create nothing'
complete -c flotilla -n "__fish_flotilla_using_subcommand run" -l explain -d 'Print, node by node, which filter rejected the container and why; create nothing'
complete -c flotilla -n "__fish_flotilla_using_subcommand run" -s d -l detach -d 'Run in the background and print the container ID'
complete -c flotilla -n "__fish_flotilla_using_subcommand run" -s P -l publish-all -d 'Publish every exposed port on a random host port'
complete -c flotilla -n "__fish_flotilla_using_subcommand run" -l rm -d 'Remove the container when it exits'
complete -c flotilla -n "__fish_flotilla_using_subcommand run" -s i -l interactive -d 'Keep stdin open and forward it'
complete -c flotilla -n "__fish_flotilla_using_subcommand run" -s t -l tty -d 'Allocate a pseudo-TTY'
complete -c flotilla -n "__fish_flotilla_using_subcommand run" -s D -l debug -d 'Log debug details (with step timings) to stderr; RUST_LOG also works'
complete -c flotilla -n "__fish_flotilla_using_subcommand run" -l no-progress -d 'Never draw progress bars (they are only drawn on a terminal anyway)'
complete -c flotilla -n "__fish_flotilla_using_subcommand run" -s h -l help -d 'Print help'
complete -c flotilla -n "__fish_flotilla_using_subcommand run" -s V -l version -d 'Print version'
complete -c flotilla -n "__fish_flotilla_using_subcommand plan" -l state -d 'State document (as `info --format json` prints it); `-` reads stdin' -r -F
complete -c flotilla -n "__fish_flotilla_using_subcommand plan" -l requests -d 'JSON array of create requests (Engine API bodies with a `Name`), decided in order' -r -F
complete -c flotilla -n "__fish_flotilla_using_subcommand plan" -l strategy -d 'Ranking strategy [default: the state document\'s]' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand plan" -l overcommit -d 'Overcommit fraction on CPUs and memory, e.g. 0.05 [default: the state document\'s]' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand plan" -l seed -d 'Seed of the random strategy' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand plan" -l name -d 'Container name (unique across the swarm)' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand plan" -s e -l env -d 'Environment variable KEY=VALUE (or KEY, from this environment); `constraint:EXPR`, `affinity:EXPR` and `reschedule:POLICY` are placement rules (repeatable)' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand plan" -l env-file -d 'Read environment variables from a file, one KEY=VALUE a line (repeatable)' -r -F
complete -c flotilla -n "__fish_flotilla_using_subcommand plan" -s l -l label -d 'Container label KEY=VALUE (repeatable)' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand plan" -s p -l publish -d 'Publish a port: [IP:][HOST_PORT:]CONTAINER_PORT[/PROTO] (repeatable)' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand plan" -l expose -d 'Expose a port or range without publishing it (repeatable)' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand plan" -l link -d 'Link to a container NAME[:ALIAS]; the container is placed on the same node (repeatable)' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand plan" -l volumes-from -d 'Mount the volumes of a container; the container is placed on the same node (repeatable)' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand plan" -s v -l volume -d 'Bind mount or volume SRC:DST[:OPTS] (repeatable)' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand plan" -l network -l net -d 'Network mode: bridge, host, none, container:NAME or a network name' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand plan" -s m -l memory -d 'Memory limit, which is also the reservation the scheduler counts (e.g. 512m, 1g)' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand plan" -l cpus -d 'CPU limit in CPUs, which is also the reservation the scheduler counts (e.g. 0.5)' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand plan" -l restart -d 'Restart policy: no, always, unless-stopped, on-failure[:MAX]' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand plan" -l entrypoint -d 'Override the image\'s entrypoint' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand plan" -s w -l workdir -d 'Working directory inside the container' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand plan" -s u -l user -d 'User NAME|UID[:GROUP|GID]' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand plan" -s s -l storage-path -d 'Store directory [default: $XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla]' -r -F
complete -c flotilla -n "__fish_flotilla_using_subcommand plan" -l color -d 'When to colour messages; NO_COLOR turns `auto` off' -r -f -a "auto\t''
always\t''
never\t''"
complete -c flotilla -n "__fish_flotilla_using_subcommand plan" -s d -l detach -d 'Run in the background and print the container ID'
complete -c flotilla -n "__fish_flotilla_using_subcommand plan" -s P -l publish-all -d 'Publish every exposed port on a random host port'
complete -c flotilla -n "__fish_flotilla_using_subcommand plan" -l rm -d 'Remove the container when it exits'
complete -c flotilla -n "__fish_flotilla_using_subcommand plan" -s i -l interactive -d 'Keep stdin open and forward it'
complete -c flotilla -n "__fish_flotilla_using_subcommand plan" -s t -l tty -d 'Allocate a pseudo-TTY'
complete -c flotilla -n "__fish_flotilla_using_subcommand plan" -s D -l debug -d 'Log debug details (with step timings) to stderr; RUST_LOG also works'
complete -c flotilla -n "__fish_flotilla_using_subcommand plan" -l no-progress -d 'Never draw progress bars (they are only drawn on a terminal anyway)'
complete -c flotilla -n "__fish_flotilla_using_subcommand plan" -s h -l help -d 'Print help'
complete -c flotilla -n "__fish_flotilla_using_subcommand plan" -s V -l version -d 'Print version'
complete -c flotilla -n "__fish_flotilla_using_subcommand manage; and not __fish_seen_subcommand_from status help" -l swarm -d 'The swarm: its master\'s machine name or its discovery URL [default: the only swarm in the store]' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand manage; and not __fish_seen_subcommand_from status help" -l timeout -d 'How long each engine may take to answer (engines are queried concurrently)' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand manage; and not __fish_seen_subcommand_from status help" -s H -l host -d 'Where to listen [default: the master\'s swarm host, tcp://0.0.0.0:3376]' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand manage; and not __fish_seen_subcommand_from status help" -l tls-san -d 'Another DNS name or IP for the manager\'s certificate (repeatable; the master\'s IP, the listen IP, 127.0.0.1 and localhost are always in it)' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand manage; and not __fish_seen_subcommand_from status help" -l pending-ttl -d 'How long a pending placement holds its node for other creates if a create dies' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand manage; and not __fish_seen_subcommand_from status help" -l handshake-timeout -d 'How long a client may take to finish the TLS handshake' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand manage; and not __fish_seen_subcommand_from status help" -l header-timeout -d 'How long a request\'s headers may take to arrive (from the first byte, or from the connection\'s start for the first request)' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand manage; and not __fish_seen_subcommand_from status help" -l idle-timeout -d 'How long a connection with no request in flight stays open (responses that stream, such as events and logs -f, and hijacked streams are never cut)' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand manage; and not __fish_seen_subcommand_from status help" -l body-timeout -d 'How long a request body may stall between two reads' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand manage; and not __fish_seen_subcommand_from status help" -l max-body-size -d 'The largest request body (bytes, or with KiB, MiB, GiB)' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand manage; and not __fish_seen_subcommand_from status help" -l max-connections -d 'The most connections at once, counting those still in the TLS handshake; when reached, the oldest connection that has not yet sent a complete request is closed' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand manage; and not __fish_seen_subcommand_from status help" -l drain-timeout -d 'How long stopping waits for requests in flight' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand manage; and not __fish_seen_subcommand_from status help" -l engine-refresh-min-interval -d 'Shortest time between two refreshes of an engine (each engine waits a random time between the min and the max, so engines do not refresh in step)' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand manage; and not __fish_seen_subcommand_from status help" -l engine-refresh-max-interval -d 'Longest time between two refreshes of an engine' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand manage; and not __fish_seen_subcommand_from status help" -l engine-failure-retry -d 'Failed attempts before a Healthy node is Unhealthy' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand manage; and not __fish_seen_subcommand_from status help" -l heartbeat -d 'How often the discovery backend is read again when it cannot be watched' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand manage; and not __fish_seen_subcommand_from status help" -l tls-cert -d 'The manager\'s certificate (PEM) instead of one issued from the store\'s CA (what a manager deployed on a master uses: its store has the CA\'s certificate, not its key)' -r -F
complete -c flotilla -n "__fish_flotilla_using_subcommand manage; and not __fish_seen_subcommand_from status help" -l tls-key -d 'The key of --tls-cert' -r -F
complete -c flotilla -n "__fish_flotilla_using_subcommand manage; and not __fish_seen_subcommand_from status help" -l advertise -d 'Where the other managers and clients reach this one (with --replication)' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand manage; and not __fish_seen_subcommand_from status help" -l replication-ttl -d 'How long a dead leader keeps the lead (with --replication)' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand manage; and not __fish_seen_subcommand_from status help" -l replication-store -d 'The etcd that elects the leader, for a swarm not discovered through etcd' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand manage; and not __fish_seen_subcommand_from status help" -s s -l storage-path -d 'Store directory [default: $XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla]' -r -F
complete -c flotilla -n "__fish_flotilla_using_subcommand manage; and not __fish_seen_subcommand_from status help" -l color -d 'When to colour messages; NO_COLOR turns `auto` off' -r -f -a "auto\t''
always\t''
never\t''"
complete -c flotilla -n "__fish_flotilla_using_subcommand manage; and not __fish_seen_subcommand_from status help" -l replication -d 'Run as one of several managers of the swarm with one leader elected through etcd; the others relay to it'
complete -c flotilla -n "__fish_flotilla_using_subcommand manage; and not __fish_seen_subcommand_from status help" -s D -l debug -d 'Log debug details (with step timings) to stderr; RUST_LOG also works'
complete -c flotilla -n "__fish_flotilla_using_subcommand manage; and not __fish_seen_subcommand_from status help" -l no-progress -d 'Never draw progress bars (they are only drawn on a terminal anyway)'
complete -c flotilla -n "__fish_flotilla_using_subcommand manage; and not __fish_seen_subcommand_from status help" -s h -l help -d 'Print help'
complete -c flotilla -n "__fish_flotilla_using_subcommand manage; and not __fish_seen_subcommand_from status help" -s V -l version -d 'Print version'
complete -c flotilla -n "__fish_flotilla_using_subcommand manage; and not __fish_seen_subcommand_from status help" -f -a "status" -d 'Say whether the manager of a swarm master answers (the one `create --swarm-master` installed on the master, or one started by hand); exit 1 when it does not'
complete -c flotilla -n "__fish_flotilla_using_subcommand manage; and not __fish_seen_subcommand_from status help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c flotilla -n "__fish_flotilla_using_subcommand manage; and __fish_seen_subcommand_from status" -l swarm -d 'The swarm master [default: the master of the only swarm]' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand manage; and __fish_seen_subcommand_from status" -l timeout -d 'How long the manager may take to answer' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand manage; and __fish_seen_subcommand_from status" -l format -d '`json` prints the status as a JSON object' -r -f -a "json\t''
table\t''"
complete -c flotilla -n "__fish_flotilla_using_subcommand manage; and __fish_seen_subcommand_from status" -s s -l storage-path -d 'Store directory [default: $XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla]' -r -F
complete -c flotilla -n "__fish_flotilla_using_subcommand manage; and __fish_seen_subcommand_from status" -l color -d 'When to colour messages; NO_COLOR turns `auto` off' -r -f -a "auto\t''
always\t''
never\t''"
complete -c flotilla -n "__fish_flotilla_using_subcommand manage; and __fish_seen_subcommand_from status" -s D -l debug -d 'Log debug details (with step timings) to stderr; RUST_LOG also works'
complete -c flotilla -n "__fish_flotilla_using_subcommand manage; and __fish_seen_subcommand_from status" -l no-progress -d 'Never draw progress bars (they are only drawn on a terminal anyway)'
complete -c flotilla -n "__fish_flotilla_using_subcommand manage; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help'
complete -c flotilla -n "__fish_flotilla_using_subcommand manage; and __fish_seen_subcommand_from status" -s V -l version -d 'Print version'
complete -c flotilla -n "__fish_flotilla_using_subcommand manage; and __fish_seen_subcommand_from help" -f -a "status" -d 'Say whether the manager of a swarm master answers (the one `create --swarm-master` installed on the master, or one started by hand); exit 1 when it does not'
complete -c flotilla -n "__fish_flotilla_using_subcommand manage; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c flotilla -n "__fish_flotilla_using_subcommand up" -s f -l file -d 'The cluster file [default: flotilla.yaml, else flotilla.yml, in this directory]' -r -F
complete -c flotilla -n "__fish_flotilla_using_subcommand up" -l timeout -d 'How long each engine may take to answer' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand up" -s s -l storage-path -d 'Store directory [default: $XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla]' -r -F
complete -c flotilla -n "__fish_flotilla_using_subcommand up" -l color -d 'When to colour messages; NO_COLOR turns `auto` off' -r -f -a "auto\t''
always\t''
never\t''"
complete -c flotilla -n "__fish_flotilla_using_subcommand up" -l dry-run -d 'Print the plan (create / change / recreate / start / remove, per object) and touch nothing'
complete -c flotilla -n "__fish_flotilla_using_subcommand up" -l prune -d 'Also remove what an earlier `up` made that the file no longer has'
complete -c flotilla -n "__fish_flotilla_using_subcommand up" -l schema -d 'Print the cluster file\'s JSON schema and exit'
complete -c flotilla -n "__fish_flotilla_using_subcommand up" -s D -l debug -d 'Log debug details (with step timings) to stderr; RUST_LOG also works'
complete -c flotilla -n "__fish_flotilla_using_subcommand up" -l no-progress -d 'Never draw progress bars (they are only drawn on a terminal anyway)'
complete -c flotilla -n "__fish_flotilla_using_subcommand up" -s h -l help -d 'Print help'
complete -c flotilla -n "__fish_flotilla_using_subcommand up" -s V -l version -d 'Print version'
complete -c flotilla -n "__fish_flotilla_using_subcommand down" -s f -l file -d 'The cluster file [default: flotilla.yaml, else flotilla.yml, in this directory]' -r -F
complete -c flotilla -n "__fish_flotilla_using_subcommand down" -l timeout -d 'How long each engine may take to answer' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand down" -s s -l storage-path -d 'Store directory [default: $XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla]' -r -F
complete -c flotilla -n "__fish_flotilla_using_subcommand down" -l color -d 'When to colour messages; NO_COLOR turns `auto` off' -r -f -a "auto\t''
always\t''
never\t''"
complete -c flotilla -n "__fish_flotilla_using_subcommand down" -l keep-machines -d 'Remove the containers and the proxy but keep the machines (and their swarm)'
complete -c flotilla -n "__fish_flotilla_using_subcommand down" -s D -l debug -d 'Log debug details (with step timings) to stderr; RUST_LOG also works'
complete -c flotilla -n "__fish_flotilla_using_subcommand down" -l no-progress -d 'Never draw progress bars (they are only drawn on a terminal anyway)'
complete -c flotilla -n "__fish_flotilla_using_subcommand down" -s h -l help -d 'Print help'
complete -c flotilla -n "__fish_flotilla_using_subcommand down" -s V -l version -d 'Print version'
complete -c flotilla -n "__fish_flotilla_using_subcommand certs; and not __fish_seen_subcommand_from server help" -s s -l storage-path -d 'Store directory [default: $XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla]' -r -F
complete -c flotilla -n "__fish_flotilla_using_subcommand certs; and not __fish_seen_subcommand_from server help" -l color -d 'When to colour messages; NO_COLOR turns `auto` off' -r -f -a "auto\t''
always\t''
never\t''"
complete -c flotilla -n "__fish_flotilla_using_subcommand certs; and not __fish_seen_subcommand_from server help" -s D -l debug -d 'Log debug details (with step timings) to stderr; RUST_LOG also works'
complete -c flotilla -n "__fish_flotilla_using_subcommand certs; and not __fish_seen_subcommand_from server help" -l no-progress -d 'Never draw progress bars (they are only drawn on a terminal anyway)'
complete -c flotilla -n "__fish_flotilla_using_subcommand certs; and not __fish_seen_subcommand_from server help" -s h -l help -d 'Print help'
complete -c flotilla -n "__fish_flotilla_using_subcommand certs; and not __fish_seen_subcommand_from server help" -s V -l version -d 'Print version'
complete -c flotilla -n "__fish_flotilla_using_subcommand certs; and not __fish_seen_subcommand_from server help" -f -a "server" -d 'Issue a server certificate signed by the store\'s CA, for an engine you then adopt with `create -d none`'
complete -c flotilla -n "__fish_flotilla_using_subcommand certs; and not __fish_seen_subcommand_from server help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c flotilla -n "__fish_flotilla_using_subcommand certs; and __fish_seen_subcommand_from server" -l san -d 'Subject alternative names: the engine\'s IP addresses and DNS names (localhost is always added)' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand certs; and __fish_seen_subcommand_from server" -l out -d 'Directory to write ca.pem, server.pem and server-key.pem into' -r -F
complete -c flotilla -n "__fish_flotilla_using_subcommand certs; and __fish_seen_subcommand_from server" -s s -l storage-path -d 'Store directory [default: $XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla]' -r -F
complete -c flotilla -n "__fish_flotilla_using_subcommand certs; and __fish_seen_subcommand_from server" -l color -d 'When to colour messages; NO_COLOR turns `auto` off' -r -f -a "auto\t''
always\t''
never\t''"
complete -c flotilla -n "__fish_flotilla_using_subcommand certs; and __fish_seen_subcommand_from server" -s D -l debug -d 'Log debug details (with step timings) to stderr; RUST_LOG also works'
complete -c flotilla -n "__fish_flotilla_using_subcommand certs; and __fish_seen_subcommand_from server" -l no-progress -d 'Never draw progress bars (they are only drawn on a terminal anyway)'
complete -c flotilla -n "__fish_flotilla_using_subcommand certs; and __fish_seen_subcommand_from server" -s h -l help -d 'Print help'
complete -c flotilla -n "__fish_flotilla_using_subcommand certs; and __fish_seen_subcommand_from server" -s V -l version -d 'Print version'
complete -c flotilla -n "__fish_flotilla_using_subcommand certs; and __fish_seen_subcommand_from help" -f -a "server" -d 'Issue a server certificate signed by the store\'s CA, for an engine you then adopt with `create -d none`'
complete -c flotilla -n "__fish_flotilla_using_subcommand certs; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c flotilla -n "__fish_flotilla_using_subcommand completions" -s s -l storage-path -d 'Store directory [default: $XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla]' -r -F
complete -c flotilla -n "__fish_flotilla_using_subcommand completions" -l color -d 'When to colour messages; NO_COLOR turns `auto` off' -r -f -a "auto\t''
always\t''
never\t''"
complete -c flotilla -n "__fish_flotilla_using_subcommand completions" -s D -l debug -d 'Log debug details (with step timings) to stderr; RUST_LOG also works'
complete -c flotilla -n "__fish_flotilla_using_subcommand completions" -l no-progress -d 'Never draw progress bars (they are only drawn on a terminal anyway)'
complete -c flotilla -n "__fish_flotilla_using_subcommand completions" -s h -l help -d 'Print help'
complete -c flotilla -n "__fish_flotilla_using_subcommand completions" -s V -l version -d 'Print version'
complete -c flotilla -n "__fish_flotilla_using_subcommand generate-docs" -l out-dir -d 'Directory to write completions/ and man/ into' -r -F
complete -c flotilla -n "__fish_flotilla_using_subcommand generate-docs" -s s -l storage-path -d 'Store directory [default: $XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla]' -r -F
complete -c flotilla -n "__fish_flotilla_using_subcommand generate-docs" -l color -d 'When to colour messages; NO_COLOR turns `auto` off' -r -f -a "auto\t''
always\t''
never\t''"
complete -c flotilla -n "__fish_flotilla_using_subcommand generate-docs" -s D -l debug -d 'Log debug details (with step timings) to stderr; RUST_LOG also works'
complete -c flotilla -n "__fish_flotilla_using_subcommand generate-docs" -l no-progress -d 'Never draw progress bars (they are only drawn on a terminal anyway)'
complete -c flotilla -n "__fish_flotilla_using_subcommand generate-docs" -s h -l help -d 'Print help'
complete -c flotilla -n "__fish_flotilla_using_subcommand generate-docs" -s V -l version -d 'Print version'
complete -c flotilla -n "__fish_flotilla_using_subcommand help; and not __fish_seen_subcommand_from active config create env inspect ip kill provision regenerate-certs restart scp ssh start stop upgrade ls rm status url version token discovery join list proxy info ps run plan manage up down certs completions generate-docs help" -f -a "active" -d 'Print which machine is active (the one DOCKER_HOST points at)'
complete -c flotilla -n "__fish_flotilla_using_subcommand help; and not __fish_seen_subcommand_from active config create env inspect ip kill provision regenerate-certs restart scp ssh start stop upgrade ls rm status url version token discovery join list proxy info ps run plan manage up down certs completions generate-docs help" -f -a "config" -d 'Print the docker client flags for a machine'
complete -c flotilla -n "__fish_flotilla_using_subcommand help; and not __fish_seen_subcommand_from active config create env inspect ip kill provision regenerate-certs restart scp ssh start stop upgrade ls rm status url version token discovery join list proxy info ps run plan manage up down certs completions generate-docs help" -f -a "create" -d 'Create a machine'
complete -c flotilla -n "__fish_flotilla_using_subcommand help; and not __fish_seen_subcommand_from active config create env inspect ip kill provision regenerate-certs restart scp ssh start stop upgrade ls rm status url version token discovery join list proxy info ps run plan manage up down certs completions generate-docs help" -f -a "env" -d 'Print the commands that point a Docker client at a machine'
complete -c flotilla -n "__fish_flotilla_using_subcommand help; and not __fish_seen_subcommand_from active config create env inspect ip kill provision regenerate-certs restart scp ssh start stop upgrade ls rm status url version token discovery join list proxy info ps run plan manage up down certs completions generate-docs help" -f -a "inspect" -d 'Print a machine\'s record as JSON, or through a template'
complete -c flotilla -n "__fish_flotilla_using_subcommand help; and not __fish_seen_subcommand_from active config create env inspect ip kill provision regenerate-certs restart scp ssh start stop upgrade ls rm status url version token discovery join list proxy info ps run plan manage up down certs completions generate-docs help" -f -a "ip" -d 'Print the IP address of machines'
complete -c flotilla -n "__fish_flotilla_using_subcommand help; and not __fish_seen_subcommand_from active config create env inspect ip kill provision regenerate-certs restart scp ssh start stop upgrade ls rm status url version token discovery join list proxy info ps run plan manage up down certs completions generate-docs help" -f -a "kill" -d 'Kill machines (power off at once)'
complete -c flotilla -n "__fish_flotilla_using_subcommand help; and not __fish_seen_subcommand_from active config create env inspect ip kill provision regenerate-certs restart scp ssh start stop upgrade ls rm status url version token discovery join list proxy info ps run plan manage up down certs completions generate-docs help" -f -a "provision" -d 'Provision machines again with their stored options (idempotent)'
complete -c flotilla -n "__fish_flotilla_using_subcommand help; and not __fish_seen_subcommand_from active config create env inspect ip kill provision regenerate-certs restart scp ssh start stop upgrade ls rm status url version token discovery join list proxy info ps run plan manage up down certs completions generate-docs help" -f -a "regenerate-certs" -d 'Issue new server certificates (and, with --client-certs, a new client certificate)'
complete -c flotilla -n "__fish_flotilla_using_subcommand help; and not __fish_seen_subcommand_from active config create env inspect ip kill provision regenerate-certs restart scp ssh start stop upgrade ls rm status url version token discovery join list proxy info ps run plan manage up down certs completions generate-docs help" -f -a "restart" -d 'Restart machines'
complete -c flotilla -n "__fish_flotilla_using_subcommand help; and not __fish_seen_subcommand_from active config create env inspect ip kill provision regenerate-certs restart scp ssh start stop upgrade ls rm status url version token discovery join list proxy info ps run plan manage up down certs completions generate-docs help" -f -a "scp" -d 'Copy files to, from or between machines'
complete -c flotilla -n "__fish_flotilla_using_subcommand help; and not __fish_seen_subcommand_from active config create env inspect ip kill provision regenerate-certs restart scp ssh start stop upgrade ls rm status url version token discovery join list proxy info ps run plan manage up down certs completions generate-docs help" -f -a "ssh" -d 'Log into a machine or run a command on it'
complete -c flotilla -n "__fish_flotilla_using_subcommand help; and not __fish_seen_subcommand_from active config create env inspect ip kill provision regenerate-certs restart scp ssh start stop upgrade ls rm status url version token discovery join list proxy info ps run plan manage up down certs completions generate-docs help" -f -a "start" -d 'Start machines'
complete -c flotilla -n "__fish_flotilla_using_subcommand help; and not __fish_seen_subcommand_from active config create env inspect ip kill provision regenerate-certs restart scp ssh start stop upgrade ls rm status url version token discovery join list proxy info ps run plan manage up down certs completions generate-docs help" -f -a "stop" -d 'Stop machines'
complete -c flotilla -n "__fish_flotilla_using_subcommand help; and not __fish_seen_subcommand_from active config create env inspect ip kill provision regenerate-certs restart scp ssh start stop upgrade ls rm status url version token discovery join list proxy info ps run plan manage up down certs completions generate-docs help" -f -a "upgrade" -d 'Upgrade the engine of machines with the host\'s package manager'
complete -c flotilla -n "__fish_flotilla_using_subcommand help; and not __fish_seen_subcommand_from active config create env inspect ip kill provision regenerate-certs restart scp ssh start stop upgrade ls rm status url version token discovery join list proxy info ps run plan manage up down certs completions generate-docs help" -f -a "ls" -d 'List machines'
complete -c flotilla -n "__fish_flotilla_using_subcommand help; and not __fish_seen_subcommand_from active config create env inspect ip kill provision regenerate-certs restart scp ssh start stop upgrade ls rm status url version token discovery join list proxy info ps run plan manage up down certs completions generate-docs help" -f -a "rm" -d 'Remove machines'
complete -c flotilla -n "__fish_flotilla_using_subcommand help; and not __fish_seen_subcommand_from active config create env inspect ip kill provision regenerate-certs restart scp ssh start stop upgrade ls rm status url version token discovery join list proxy info ps run plan manage up down certs completions generate-docs help" -f -a "status" -d 'Print the state of a machine, or (with a cluster file) of each object of the file'
complete -c flotilla -n "__fish_flotilla_using_subcommand help; and not __fish_seen_subcommand_from active config create env inspect ip kill provision regenerate-certs restart scp ssh start stop upgrade ls rm status url version token discovery join list proxy info ps run plan manage up down certs completions generate-docs help" -f -a "url" -d 'Print the engine URL of a machine'
complete -c flotilla -n "__fish_flotilla_using_subcommand help; and not __fish_seen_subcommand_from active config create env inspect ip kill provision regenerate-certs restart scp ssh start stop upgrade ls rm status url version token discovery join list proxy info ps run plan manage up down certs completions generate-docs help" -f -a "version" -d 'Print flotilla\'s version, or a machine\'s engine version'
complete -c flotilla -n "__fish_flotilla_using_subcommand help; and not __fish_seen_subcommand_from active config create env inspect ip kill provision regenerate-certs restart scp ssh start stop upgrade ls rm status url version token discovery join list proxy info ps run plan manage up down certs completions generate-docs help" -f -a "token" -d 'Cluster tokens: create one (in the store, or on a token service), delete one'
complete -c flotilla -n "__fish_flotilla_using_subcommand help; and not __fish_seen_subcommand_from active config create env inspect ip kill provision regenerate-certs restart scp ssh start stop upgrade ls rm status url version token discovery join list proxy info ps run plan manage up down certs completions generate-docs help" -f -a "discovery" -d 'The token service'
complete -c flotilla -n "__fish_flotilla_using_subcommand help; and not __fish_seen_subcommand_from active config create env inspect ip kill provision regenerate-certs restart scp ssh start stop upgrade ls rm status url version token discovery join list proxy info ps run plan manage up down certs completions generate-docs help" -f -a "join" -d 'Keep an engine address registered in a cluster\'s discovery until stopped'
complete -c flotilla -n "__fish_flotilla_using_subcommand help; and not __fish_seen_subcommand_from active config create env inspect ip kill provision regenerate-certs restart scp ssh start stop upgrade ls rm status url version token discovery join list proxy info ps run plan manage up down certs completions generate-docs help" -f -a "list" -d 'Print a cluster\'s addresses from its discovery URL'
complete -c flotilla -n "__fish_flotilla_using_subcommand help; and not __fish_seen_subcommand_from active config create env inspect ip kill provision regenerate-certs restart scp ssh start stop upgrade ls rm status url version token discovery join list proxy info ps run plan manage up down certs completions generate-docs help" -f -a "proxy" -d 'Keep nginx routing to every container that sets VIRTUAL_HOST, on every engine watched'
complete -c flotilla -n "__fish_flotilla_using_subcommand help; and not __fish_seen_subcommand_from active config create env inspect ip kill provision regenerate-certs restart scp ssh start stop upgrade ls rm status url version token discovery join list proxy info ps run plan manage up down certs completions generate-docs help" -f -a "info" -d 'Show a swarm: its nodes, their health, reservations and labels'
complete -c flotilla -n "__fish_flotilla_using_subcommand help; and not __fish_seen_subcommand_from active config create env inspect ip kill provision regenerate-certs restart scp ssh start stop upgrade ls rm status url version token discovery join list proxy info ps run plan manage up down certs completions generate-docs help" -f -a "ps" -d 'List the containers of a swarm (NODE/NAME)'
complete -c flotilla -n "__fish_flotilla_using_subcommand help; and not __fish_seen_subcommand_from active config create env inspect ip kill provision regenerate-certs restart scp ssh start stop upgrade ls rm status url version token discovery join list proxy info ps run plan manage up down certs completions generate-docs help" -f -a "run" -d 'Place a container on a swarm\'s best node, create and start it'
complete -c flotilla -n "__fish_flotilla_using_subcommand help; and not __fish_seen_subcommand_from active config create env inspect ip kill provision regenerate-certs restart scp ssh start stop upgrade ls rm status url version token discovery join list proxy info ps run plan manage up down certs completions generate-docs help" -f -a "plan" -d 'Decide placements from a state document, without any engine'
complete -c flotilla -n "__fish_flotilla_using_subcommand help; and not __fish_seen_subcommand_from active config create env inspect ip kill provision regenerate-certs restart scp ssh start stop upgrade ls rm status url version token discovery join list proxy info ps run plan manage up down certs completions generate-docs help" -f -a "manage" -d 'Serve the Docker Engine API for a swarm, so the plain `docker` CLI drives it'
complete -c flotilla -n "__fish_flotilla_using_subcommand help; and not __fish_seen_subcommand_from active config create env inspect ip kill provision regenerate-certs restart scp ssh start stop upgrade ls rm status url version token discovery join list proxy info ps run plan manage up down certs completions generate-docs help" -f -a "up" -d 'Make the cluster a file describes exist: machines, swarm, proxy and containers'
complete -c flotilla -n "__fish_flotilla_using_subcommand help; and not __fish_seen_subcommand_from active config create env inspect ip kill provision regenerate-certs restart scp ssh start stop upgrade ls rm status url version token discovery join list proxy info ps run plan manage up down certs completions generate-docs help" -f -a "down" -d 'Remove what `up` made for a cluster file'
complete -c flotilla -n "__fish_flotilla_using_subcommand help; and not __fish_seen_subcommand_from active config create env inspect ip kill provision regenerate-certs restart scp ssh start stop upgrade ls rm status url version token discovery join list proxy info ps run plan manage up down certs completions generate-docs help" -f -a "certs" -d 'Certificates of the store'
complete -c flotilla -n "__fish_flotilla_using_subcommand help; and not __fish_seen_subcommand_from active config create env inspect ip kill provision regenerate-certs restart scp ssh start stop upgrade ls rm status url version token discovery join list proxy info ps run plan manage up down certs completions generate-docs help" -f -a "completions" -d 'Print a shell completion script'
complete -c flotilla -n "__fish_flotilla_using_subcommand help; and not __fish_seen_subcommand_from active config create env inspect ip kill provision regenerate-certs restart scp ssh start stop upgrade ls rm status url version token discovery join list proxy info ps run plan manage up down certs completions generate-docs help" -f -a "generate-docs" -d 'Write completions and man pages (for packagers and the repository)'
complete -c flotilla -n "__fish_flotilla_using_subcommand help; and not __fish_seen_subcommand_from active config create env inspect ip kill provision regenerate-certs restart scp ssh start stop upgrade ls rm status url version token discovery join list proxy info ps run plan manage up down certs completions generate-docs help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c flotilla -n "__fish_flotilla_using_subcommand help; and __fish_seen_subcommand_from token" -f -a "create" -d 'Create a cluster token and print it (and nothing else) on stdout: token=$(flotilla token create)'
complete -c flotilla -n "__fish_flotilla_using_subcommand help; and __fish_seen_subcommand_from token" -f -a "rm" -d 'Delete a cluster token and all its members'
complete -c flotilla -n "__fish_flotilla_using_subcommand help; and __fish_seen_subcommand_from discovery" -f -a "serve" -d 'Run a token service (Docker Hub\'s discovery API, self-hosted). Prints its URL on stdout once it listens; stops on SIGTERM or Ctrl-C'
complete -c flotilla -n "__fish_flotilla_using_subcommand help; and __fish_seen_subcommand_from proxy" -f -a "status" -d 'Print what the running watcher routes: engines, vhosts, backends and skipped containers'
complete -c flotilla -n "__fish_flotilla_using_subcommand help; and __fish_seen_subcommand_from manage" -f -a "status" -d 'Say whether the manager of a swarm master answers (the one `create --swarm-master` installed on the master, or one started by hand); exit 1 when it does not'
complete -c flotilla -n "__fish_flotilla_using_subcommand help; and __fish_seen_subcommand_from certs" -f -a "server" -d 'Issue a server certificate signed by the store\'s CA, for an engine you then adopt with `create -d none`'
