#!/bin/sh
# The layers of the code, checked against what the folder READMEs say.
#
# Every folder of lang/, stdlib/ and runtime/ that holds C sources has a
# README.md with one line
#     May include: `runtime/core/`, `stdlib/`.
# (or "May include: nothing outside this folder.").  This check fails when
#   - a source file includes a header of a folder its README does not list
#     (the generated parser.h and lexer.h belong to lang/);
#   - the folders' "may include" lists make a circle (layers point one way);
#   - a README names a source file (`name.c`, `name.h`, `dir/name.c`) that
#     does not exist, or a source file of its folder goes unnamed in it.
# Usage: layers.sh [ROOT]   (default: the current folder)
root=${1:-.}
cd "$root" || exit 2
status=0
fail() { echo "layers: $*" >&2; status=1; }

folders=$(find lang stdlib runtime -type f \( -name '*.c' -o -name '*.h' -o -name '*.l' -o -name '*.y' \) |
    sed 's|/[^/]*$||' | sort -u)
edges=$(mktemp)
trap 'rm -f "$edges"' EXIT

for d in $folders; do
    readme=$d/README.md
    if [ ! -f "$readme" ]; then
        echo "$d/ has no README.md"
        continue
    fi
    rule=$(grep -m1 '^May include:' "$readme")
    if [ -z "$rule" ]; then
        echo "$readme has no 'May include:' line"
        continue
    fi
    allowed=$(printf '%s\n' "$rule" | grep -o '`[^`]*`' | tr -d '`' | sed 's|/$||')
    for a in $allowed; do
        [ -d "$a" ] || echo "$readme: may include \`$a/\`, which is not a folder"
        echo "$d $a" >>"$edges"
    done

    # every include of every source file directly in this folder
    for f in "$d"/*.c "$d"/*.h "$d"/*.l "$d"/*.y; do
        [ -f "$f" ] || continue
        grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$f" |
            sed 's/^\([0-9]*\):.*"\([^"]*\)".*/\1 \2/' |
            while read -r line inc; do
                case $inc in
                parser.h | lexer.h) dir=lang ;;
                */*) dir=${inc%/*} ;;
                *) echo "$f:$line: includes \"$inc\": name it from the project's root (\"$d/$inc\")"; continue ;;
                esac
                [ -f "$inc" ] || [ "$dir" = lang ] || { echo "$f:$line: includes \"$inc\", which does not exist"; continue; }
                [ "$dir" = "$d" ] && continue
                ok=0
                for a in $allowed; do [ "$a" = "$dir" ] && ok=1; done
                [ $ok = 1 ] || echo "$f:$line: includes \"$inc\", but $d/ may include only: $(echo $allowed | sed 's/ /, /g') ($readme)"
            done
    done

    # the README names its folder's files, and only files that exist
    for f in "$d"/*.c "$d"/*.h "$d"/*.l "$d"/*.y "$d"/*.1 "$d"/*.5; do
        [ -f "$f" ] || continue
        name=${f##*/}
        grep -q "\`[^\`]*$name\`" "$readme" || grep -q "\`$name\`" "$readme" ||
            echo "$readme does not name $name"
    done
    grep -o '`[A-Za-z_][A-Za-z0-9_./-]*\.[chly15]`' "$readme" | tr -d '`' | sort -u |
        while read -r named; do
            [ -f "$d/$named" ] || [ -f "$named" ] || echo "$readme names \`$named\`, which does not exist"
        done
done >"$edges.msg" 2>&1
if [ -s "$edges.msg" ]; then
    sed 's/^/layers: /' "$edges.msg" >&2
    status=1
fi
rm -f "$edges.msg"

# The folders' layers must point one way: peel off folders that include
# nothing left until none remain; what cannot be peeled is a circle.
left=$(awk '$1 != $2 { print }' "$edges")
nodes=$(printf '%s\n' "$folders")
while [ -n "$nodes" ]; do
    free=$(for n in $nodes; do
        printf '%s\n' "$left" | awk -v n="$n" '$1 == n { found = 1 } END { exit found }' && echo "$n"
    done)
    if [ -z "$free" ]; then
        fail "the folders include each other in a circle: $(echo $nodes | sed 's/ /, /g')"
        break
    fi
    nodes=$(for n in $nodes; do echo "$free" | grep -qx "$n" || echo "$n"; done)
    left=$(printf '%s\n' "$left" | awk -v f="$(echo $free)" 'BEGIN { split(f, a, " "); for (i in a) gone[a[i]] = 1 } !($2 in gone)')
done

[ $status = 0 ] && echo "layers: $(echo $folders | wc -w) folders, every include points down"
exit $status
