#!/bin/sh
# check-layers.sh - enforce ARCHITECTURE.md's layers: no include upward, none between siblings.
# usage: tools/check-layers.sh [SOURCE_ROOT]   (exit 0 clean, 1 violations)
set -u
ROOT=${1:-$(dirname "$0")/..}
cd "$ROOT/src" || exit 1

rank() {
	case "$1" in
	core) echo 0 ;;
	model) echo 1 ;;
	place | plan | sched | fault) echo 2 ;;
	decide) echo 3 ;;
	sim | manager | agent | cli) echo 4 ;;
	vmgrd | vmgr) echo 5 ;; # program wiring: main() of the daemon, above every layer
	*) echo "" ;;
	esac
}

TMPF=$(mktemp)
trap 'rm -f "$TMPF"' EXIT
bad=0
for dir in */; do
	layer=${dir%/}
	lr=$(rank "$layer")
	if [ -z "$lr" ]; then
		echo "src/$layer: not a layer of ARCHITECTURE.md"
		bad=1
		continue
	fi
	for f in "$layer"/*.c "$layer"/*.h; do
		[ -f "$f" ] || continue
		grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$f" |
			sed 's/^\([0-9]*\):.*"\(.*\)".*/\1 \2/' |
			while read -r line inc; do
				other=${inc%%/*}
				if [ "$other" = "$inc" ]; then
					echo "src/$f:$line: include \"$inc\" must name its layer (\"layer/file.h\")"
					echo x >>"$TMPF"
					continue
				fi
				[ "$other" = "$layer" ] && continue
				or=$(rank "$other")
				if [ -z "$or" ]; then
					echo "src/$f:$line: include \"$inc\": unknown layer '$other'"
					echo x >>"$TMPF"
				elif [ "$or" -gt "$lr" ]; then
					echo "src/$f:$line: $layer (rank $lr) includes $inc from higher rank $or"
					echo x >>"$TMPF"
				elif [ "$or" -eq "$lr" ]; then
					echo "src/$f:$line: $layer includes its sibling $other ($inc)"
					echo x >>"$TMPF"
				fi
			done
	done
done
[ -s "$TMPF" ] && bad=1
if [ "$bad" = 0 ]; then
	echo "layers: clean"
fi
exit "$bad"
