# bash completion for cull. The candidates come from cull itself (`cull __complete`, made from
# its command table and --help texts), so they are always those of the installed binary; where it
# offers nothing, bash completes file names.
_cull() {
    local IFS=$'\n'
    COMPREPLY=($(cull __complete "${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null))
}
complete -o default -o bashdefault -F _cull cull
