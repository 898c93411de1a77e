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
complete -c flotilla -n "__fish_flotilla_needs_command" -f -a "ls" -d 'List machines'
complete -c flotilla -n "__fish_flotilla_needs_command" -f -a "rm" -d 'Remove machines'
complete -c flotilla -n "__fish_flotilla_needs_command" -f -a "status" -d 'Print the state of a machine'
complete -c flotilla -n "__fish_flotilla_needs_command" -f -a "url" -d 'Print the engine URL of a machine'
complete -c flotilla -n "__fish_flotilla_needs_command" -f -a "version" -d 'Print flotilla\'s version, or a machine\'s engine version'
complete -c flotilla -n "__fish_flotilla_needs_command" -f -a "info" -d 'Show a swarm: its nodes, their health, reservations and labels'
complete -c flotilla -n "__fish_flotilla_needs_command" -f -a "ps" -d 'List the containers of a swarm (NODE/NAME)'
complete -c flotilla -n "__fish_flotilla_needs_command" -f -a "run" -d 'Place a container on a swarm\'s best node, create and start it'
complete -c flotilla -n "__fish_flotilla_needs_command" -f -a "plan" -d 'Decide placements from a state document, without any engine'
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
complete -c flotilla -n "__fish_flotilla_using_subcommand create" -s d -l driver -d 'Driver that creates the machine (built-in: none)' -r
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
complete -c flotilla -n "__fish_flotilla_using_subcommand create" -l url -d 'URL of the engine to adopt (none driver): tcp://HOST:PORT or unix:///PATH' -r
complete -c flotilla -n "__fish_flotilla_using_subcommand create" -s s -l storage-path -d 'Store directory [default: $XDG_DATA_HOME/flotilla, i.e. ~/.local/share/flotilla]' -r -F
complete -c flotilla -n "__fish_flotilla_using_subcommand create" -l color -d 'When to colour messages; NO_COLOR turns `auto` off' -r -f -a "auto\t''
always\t''
never\t''"
complete -c flotilla -n "__fish_flotilla_using_subcommand create" -l swarm -d 'Make the machine a member of a swarm'
complete -c flotilla -n "__fish_flotilla_using_subcommand create" -l swarm-master -d 'Make the machine the swarm\'s master'
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
complete -c flotilla -n "__fish_flotilla_using_subcommand rm" -s D -l debug -d 'Log debug details (with step timings) to stderr; RUST_LOG also works'
complete -c flotilla -n "__fish_flotilla_using_subcommand rm" -l no-progress -d 'Never draw progress bars (they are only drawn on a terminal anyway)'
complete -c flotilla -n "__fish_flotilla_using_subcommand rm" -s h -l help -d 'Print help'
complete -c flotilla -n "__fish_flotilla_using_subcommand rm" -s V -l version -d 'Print version'
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
complete -c flotilla -n "__fish_flotilla_using_subcommand help; and not __fish_seen_subcommand_from active config create env inspect ip ls rm status url version info ps run plan certs completions generate-docs help" -f -a "active" -d 'Print which machine is active (the one DOCKER_HOST points at)'
complete -c flotilla -n "__fish_flotilla_using_subcommand help; and not __fish_seen_subcommand_from active config create env inspect ip ls rm status url version info ps run plan certs completions generate-docs help" -f -a "config" -d 'Print the docker client flags for a machine'
complete -c flotilla -n "__fish_flotilla_using_subcommand help; and not __fish_seen_subcommand_from active config create env inspect ip ls rm status url version info ps run plan certs completions generate-docs help" -f -a "create" -d 'Create a machine'
complete -c flotilla -n "__fish_flotilla_using_subcommand help; and not __fish_seen_subcommand_from active config create env inspect ip ls rm status url version info ps run plan certs completions generate-docs help" -f -a "env" -d 'Print the commands that point a Docker client at a machine'
complete -c flotilla -n "__fish_flotilla_using_subcommand help; and not __fish_seen_subcommand_from active config create env inspect ip ls rm status url version info ps run plan certs completions generate-docs help" -f -a "inspect" -d 'Print a machine\'s record as JSON, or through a template'
complete -c flotilla -n "__fish_flotilla_using_subcommand help; and not __fish_seen_subcommand_from active config create env inspect ip ls rm status url version info ps run plan certs completions generate-docs help" -f -a "ip" -d 'Print the IP address of machines'
complete -c flotilla -n "__fish_flotilla_using_subcommand help; and not __fish_seen_subcommand_from active config create env inspect ip ls rm status url version info ps run plan certs completions generate-docs help" -f -a "ls" -d 'List machines'
complete -c flotilla -n "__fish_flotilla_using_subcommand help; and not __fish_seen_subcommand_from active config create env inspect ip ls rm status url version info ps run plan certs completions generate-docs help" -f -a "rm" -d 'Remove machines'
complete -c flotilla -n "__fish_flotilla_using_subcommand help; and not __fish_seen_subcommand_from active config create env inspect ip ls rm status url version info ps run plan certs completions generate-docs help" -f -a "status" -d 'Print the state of a machine'
complete -c flotilla -n "__fish_flotilla_using_subcommand help; and not __fish_seen_subcommand_from active config create env inspect ip ls rm status url version info ps run plan certs completions generate-docs help" -f -a "url" -d 'Print the engine URL of a machine'
complete -c flotilla -n "__fish_flotilla_using_subcommand help; and not __fish_seen_subcommand_from active config create env inspect ip ls rm status url version info ps run plan certs completions generate-docs help" -f -a "version" -d 'Print flotilla\'s version, or a machine\'s engine version'
complete -c flotilla -n "__fish_flotilla_using_subcommand help; and not __fish_seen_subcommand_from active config create env inspect ip ls rm status url version info ps run plan certs completions generate-docs help" -f -a "info" -d 'Show a swarm: its nodes, their health, reservations and labels'
complete -c flotilla -n "__fish_flotilla_using_subcommand help; and not __fish_seen_subcommand_from active config create env inspect ip ls rm status url version info ps run plan certs completions generate-docs help" -f -a "ps" -d 'List the containers of a swarm (NODE/NAME)'
complete -c flotilla -n "__fish_flotilla_using_subcommand help; and not __fish_seen_subcommand_from active config create env inspect ip ls rm status url version info ps run plan certs completions generate-docs help" -f -a "run" -d 'Place a container on a swarm\'s best node, create and start it'
complete -c flotilla -n "__fish_flotilla_using_subcommand help; and not __fish_seen_subcommand_from active config create env inspect ip ls rm status url version info ps run plan certs completions generate-docs help" -f -a "plan" -d 'Decide placements from a state document, without any engine'
complete -c flotilla -n "__fish_flotilla_using_subcommand help; and not __fish_seen_subcommand_from active config create env inspect ip ls rm status url version info ps run plan certs completions generate-docs help" -f -a "certs" -d 'Certificates of the store'
complete -c flotilla -n "__fish_flotilla_using_subcommand help; and not __fish_seen_subcommand_from active config create env inspect ip ls rm status url version info ps run plan certs completions generate-docs help" -f -a "completions" -d 'Print a shell completion script'
complete -c flotilla -n "__fish_flotilla_using_subcommand help; and not __fish_seen_subcommand_from active config create env inspect ip ls rm status url version info ps run plan certs completions generate-docs help" -f -a "generate-docs" -d 'Write completions and man pages (for packagers and the repository)'
complete -c flotilla -n "__fish_flotilla_using_subcommand help; and not __fish_seen_subcommand_from active config create env inspect ip ls rm status url version info ps run plan certs completions generate-docs help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c flotilla -n "__fish_flotilla_using_subcommand help; and __fish_seen_subcommand_from certs" -f -a "server" -d 'Issue a server certificate signed by the store\'s CA, for an engine you then adopt with `create -d none`'
