# Puts mediacenterctl on PATH with its bash completion in every login shell, the field
# engineers' console among them.
# The install script writes the folder of mediacenterctl in place of @BINDIR@ and the
# completion file's path in place of @COMPLETION@.
case ":$PATH:" in
    *":@BINDIR@:"*) ;;
    *) PATH="$PATH:@BINDIR@" ;;
esac

# Without the bash-completion package nothing loads the completion on demand, so it is
# read here for interactive bash shells.
if [ -n "${BASH_VERSION:-}" ] && [ -n "${PS1:-}" ] && [ -r "@COMPLETION@" ] \
    && ! complete -p mediacenterctl >/dev/null 2>&1; then
    . "@COMPLETION@"
fi
