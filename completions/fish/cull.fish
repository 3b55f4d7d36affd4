# fish completion for cull. The candidates come from cull itself (`cull __complete`, made from its
# command table and --help texts); where it offers nothing, fish completes file names.
function __cull_complete
    set -l words (commandline -opc)[2..-1] (commandline -ct)
    set -l candidates (cull __complete $words 2>/dev/null)
    if test (count $candidates) -gt 0
        printf '%s\n' $candidates
    else
        __fish_complete_path (commandline -ct)
    end
end
complete -c cull -f -a '(__cull_complete)'
