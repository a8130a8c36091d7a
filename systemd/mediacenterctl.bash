# Bash completion for mediacenterctl, the Media Center console.

# Prints the names of the drives the daemon reports, for eject. It prints nothing when
# the daemon does not reply within 2 s, so that completion does not hang.
_mediacenterctl_drives() {
    local data_dir=$1
    timeout 2 mediacenterctl ${data_dir:+--data-dir "$data_dir"} drives --json 2>/dev/null \
        | sed -n 's/^ *"name" : "\(.*\)",\{0,1\}$/\1/p'
}

_mediacenterctl() {
    local current=${COMP_WORDS[COMP_CWORD]}
    local previous=${COMP_WORDS[COMP_CWORD-1]}

    case "$previous" in
        --data-dir)
            mapfile -t COMPREPLY < <(compgen -d -- "$current")
            return
            ;;
        --patient-id | --port | --description | --lines)
            return
            ;;
    esac

    # The first word that is not an option or an option's value is the command.
    local command="" subcommand="" data_dir="" index word words_after=0
    for ((index = 1; index < COMP_CWORD; index++)); do
        word=${COMP_WORDS[index]}
        case "$word" in
            --data-dir)
                data_dir=${COMP_WORDS[index + 1]}
                ((index++))
                ;;
            --patient-id | --port | --description | --lines) ((index++)) ;;
            -*) ;;
            *)
                if [[ -z $command ]]; then
                    command=$word
                elif [[ -z $subcommand ]]; then
                    subcommand=$word
                else
                    ((words_after++))
                fi
                ;;
        esac
    done

    local words=""
    case "$command" in
        "")
            words="status jobs job burn retry cancel eject drives aet config log selftest"
            words+=" panel press help --data-dir --help"
            ;;
        status | jobs | drives | selftest | panel) words="--json --help" ;;
        job) words="--json --help" ;;
        retry | cancel) words="--help" ;;
        burn) words="--patient-id --all --help" ;;
        log) words="--lines --json --help" ;;
        eject)
            if [[ -z $subcommand && $current != -* ]]; then
                words=$(_mediacenterctl_drives "$data_dir")
            fi
            words+=" --help"
            ;;
        press)
            if [[ -z $subcommand ]]; then
                words="burn eject cancel --help"
            else
                words="--long --json --help"
            fi
            ;;
        help)
            [[ -z $subcommand ]] &&
                words="status jobs job burn retry cancel eject drives aet config log selftest panel press"
            ;;
        aet)
            case "$subcommand" in
                "") words="list add remove --help" ;;
                list) words="--json" ;;
                add) words="--port --description" ;;
                *) words="" ;;
            esac
            ;;
        config)
            case "$subcommand" in
                "") words="show check set --help" ;;
                show) words="--json" ;;
                check)
                    if [[ $current != -* && $words_after -eq 0 ]]; then
                        mapfile -t COMPREPLY < <(compgen -f -- "$current")
                        return
                    fi
                    words="--json"
                    ;;
                set)
                    # The keys, from the daemon's own table, for the word after set.
                    if [[ $words_after -eq 0 ]]; then
                        words=$(mediacenterd --config /dev/null --print-config 2>/dev/null \
                            | sed -n 's/^\([a-z_]*\) =.*/\1/p')
                    fi
                    ;;
            esac
            ;;
    esac
    mapfile -t COMPREPLY < <(compgen -W "$words" -- "$current")
}

complete -F _mediacenterctl mediacenterctl
