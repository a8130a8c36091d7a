# Bash completion for mediacenterctl, the Media Center console.

_mediacenterctl() {
    local current=${COMP_WORDS[COMP_CWORD]}
    local previous=${COMP_WORDS[COMP_CWORD-1]}

    case "$previous" in
        --data-dir)
            mapfile -t COMPREPLY < <(compgen -d -- "$current")
            return
            ;;
        --patient-id | --port | --description)
            return
            ;;
    esac

    # The first word that is not an option or an option's value is the command.
    local command="" subcommand="" index word
    for ((index = 1; index < COMP_CWORD; index++)); do
        word=${COMP_WORDS[index]}
        case "$word" in
            --data-dir | --patient-id | --port | --description) ((index++)) ;;
            -*) ;;
            *)
                if [[ -z $command ]]; then
                    command=$word
                elif [[ -z $subcommand ]]; then
                    subcommand=$word
                fi
                ;;
        esac
    done

    local words
    case "$command" in
        "") words="jobs burn retry status aet --data-dir --help" ;;
        jobs | status) words="--json" ;;
        burn) words="--patient-id --all" ;;
        retry) words="" ;;
        aet)
            case "$subcommand" in
                "") words="list add remove" ;;
                list) words="--json" ;;
                add) words="--port --description" ;;
                *) words="" ;;
            esac
            ;;
    esac
    mapfile -t COMPREPLY < <(compgen -W "$words" -- "$current")
}

complete -F _mediacenterctl mediacenterctl
