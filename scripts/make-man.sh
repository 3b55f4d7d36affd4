#!/bin/bash
# scripts/make-man.sh CULL — writes cull(1) to stdout, made from the binary's own help texts:
# `cull --help` (synopsis, commands, global options, environment, files, exit status) and every
# `cull COMMAND --help`. The help texts are the one source; `make man` runs this at build time,
# so the page and --help never drift. The texts are kept preformatted (they are laid out for a
# terminal already); only what roff would read as markup is escaped.
set -euo pipefail
CULL=${1:?usage: make-man.sh CULL}
version=$("$CULL" --version | sed -n '1s/^cull \([^ ]*\).*/\1/p')
date=$(date -u -d "@${SOURCE_DATE_EPOCH:-$(date +%s)}" +%Y-%m-%d)

# roff-safe text: backslashes as \e, a leading . or ' made literal with \&.
esc() { sed -e 's/\\/\\e/g' -e "s/^\\([.']\\)/\\\\\\&\\1/"; }
# The part of `cull --help` from the line "NAME:" to the next blank line, header dropped.
section() { "$CULL" --help | awk -v want="$1:" '$0 == want {on = 1; next} on && /^$/ {exit} on'; }

page() {
cat <<EOF
.TH CULL 1 "$date" "cull $version" "User Commands"
.SH NAME
cull \\- learn which images you keep or delete; show the likely deletes first
.SH SYNOPSIS
.B cull
.RB [ \\-\\-db
.IR PATH ]
.I COMMAND
.RI [ OPTIONS ]
.RI [ ARGS ]
.br
.B cull \\-\\-help
|
.B \\-\\-version
.SH DESCRIPTION
cull indexes image files by content into a library (an SQLite file),
learns from the images you label keep or delete,
and ranks the rest, likely deletes first.
It never destroys a file: apply moves files to the Trash, logged,
and undo puts them back.
.SH OPTIONS
.nf
EOF
section options | esc
echo ".fi"
echo ".SH COMMANDS"
"$CULL" --help | awk '$0 == "commands:" {on = 1; next} on && /^$/ {exit} on {print $1}' | while read -r cmd; do
    echo ".SS cull $cmd"
    echo ".nf"
    "$CULL" "$cmd" --help | esc
    echo ".fi"
done
echo ".SH ENVIRONMENT"
echo ".nf"
section environment | esc
echo ".fi"
echo ".SH FILES"
echo ".nf"
section files | esc
echo ".fi"
echo ".SH EXIT STATUS"
"$CULL" --help | awk '/^exit status:/ {on = 1} on && /^$/ {exit} on' | sed 's/^exit status: //; s/^  //' | esc
cat <<'EOF'
.SH SEE ALSO
.BR xdg-open (1),
.BR sqlite3 (1);
the README and ARCHITECTURE.md in /usr/share/doc/cull
(or PREFIX/share/doc/cull).
EOF
}

# Non-ASCII text (—, ×, …) becomes roff's \[uXXXX] escapes (groff's preconv), so the page renders
# in any locale; preconv's leading .lf line is not wanted.
page | preconv -e utf-8 | sed '/^\.lf /d'
